import type { Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { insertBlock } from './commands.ts';
import { errorMessageOf, make } from './dom.ts';

// Images dropped or pasted into the text (or chosen with the toolbar's Figure button) go through the media
// library's upload (the same endpoint and checks as /admin/media), after a small form in place asks for the
// alternative text, caption and credit; the `::figure` line is inserted where the image was dropped. Offline,
// too large or refused: a message in that form, the text untouched.

export interface ImageOptions {
  /** The upload address (with its CSRF token); absent for people who may not upload. */
  uploadUrl?: string;
  maxBytes: number;
  /** Where the form goes: just above the canvas. */
  host: HTMLElement;
}

const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'];
const kb = (n: number) => (n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

function field(form: HTMLElement, id: string, label: string, required = false): HTMLInputElement {
  const wrap = make('div', 'field');
  const l = make('label', '', label);
  l.htmlFor = id;
  const input = make('input', '');
  input.type = 'text';
  input.id = id;
  if (required) input.setAttribute('aria-required', 'true');
  wrap.append(l, input);
  form.append(wrap);
  return input;
}

const imageOf = (dt: DataTransfer | null) => (dt ? [...dt.files][0] : undefined);

/** The drop, paste and Figure button's flow; one image at a time. */
class ImageFlow {
  private panel: HTMLElement | undefined;
  /** Where the figure goes, kept in step with the writer's edits while the form is open. */
  private pending: number | undefined;

  constructor(private readonly opts: ImageOptions) {}

  private close(view?: EditorView) {
    this.panel?.remove();
    this.panel = undefined;
    this.pending = undefined;
    view?.focus();
  }

  private shell(title: string): { box: HTMLElement; message: HTMLElement } {
    this.close();
    const box = make('div', 'image-drop');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-labelledby', 'image-drop-title');
    const heading = make('p', 'image-drop__title', title);
    heading.id = 'image-drop-title';
    const message = make('p', 'image-drop__message');
    message.setAttribute('role', 'alert');
    box.append(heading, message);
    this.opts.host.before(box);
    this.panel = box;
    return { box, message };
  }

  /** A message in place of the form: nothing to upload (offline, too large, not an image, not allowed). */
  private refuse(view: EditorView, title: string, text: string) {
    const { box, message } = this.shell(title);
    message.textContent = text;
    const ok = make('button', 'secondary', 'Close');
    ok.type = 'button';
    ok.addEventListener('click', () => this.close(view));
    box.append(ok);
    ok.focus();
  }

  /** Why this file cannot be uploaded now, before anything is sent; undefined when it can. */
  private problem(file: File): [string, string] | undefined {
    const { uploadUrl, maxBytes } = this.opts;
    if (!uploadUrl) return ['Images', 'Your account may not upload images: ask an editor to add this one.'];
    if (!ACCEPTED.includes(file.type))
      return [
        `“${file.name}” is not an image the site takes`,
        'Use a JPEG, PNG, WebP, GIF or AVIF image. Your text is unchanged.',
      ];
    if (file.size > maxBytes)
      return [
        `“${file.name}” is too large (${kb(file.size)})`,
        `Images up to ${kb(maxBytes)} are accepted. Your text is unchanged.`,
      ];
    if (!navigator.onLine)
      return [`“${file.name}” was not uploaded`, 'You are offline: nothing was uploaded and your text is unchanged.'];
    return undefined;
  }

  private async upload(view: EditorView, file: File, inputs: Record<string, HTMLInputElement>, message: HTMLElement) {
    if (!inputs.alt!.value.trim()) {
      message.textContent = 'Say what the image shows, for readers who cannot see it.';
      inputs.alt!.focus();
      return;
    }
    if (!navigator.onLine) {
      message.textContent =
        'You are offline: the image was not uploaded and your text is unchanged. Try again when you are back online.';
      return;
    }
    const data = new FormData();
    for (const k of ['alt', 'caption', 'credit']) data.append(k, inputs[k]!.value);
    data.append('file', file, file.name || 'image');
    message.textContent = 'Uploading…';
    let res: Response;
    try {
      res = await fetch(this.opts.uploadUrl!, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
        body: data,
      });
    } catch {
      message.textContent = 'The image could not be sent (offline?): it was not uploaded and your text is unchanged.';
      return;
    }
    if (!res.ok) {
      message.textContent = `Not uploaded: ${await errorMessageOf(res, `the server answered ${res.status}.`)} Your text is unchanged.`;
      return;
    }
    const { figure } = (await res.json()) as { figure: string };
    const at = Math.min(this.pending ?? view.state.selection.main.head, view.state.doc.length);
    this.close();
    insertBlock(view, figure, figure.length, at);
  }

  /** The form in place: alternative text (required), caption and credit, then upload and insert. */
  ask(view: EditorView, file: File, at: number) {
    const problem = this.problem(file);
    if (problem) return this.refuse(view, ...problem);
    const { box, message } = this.shell(`Add “${file.name}” (${kb(file.size)}) as a figure`);
    this.pending = at;
    const inputs = {
      alt: field(box, 'image-drop-alt', 'What the image shows (alternative text)', true),
      caption: field(box, 'image-drop-caption', 'Caption (optional)'),
      credit: field(box, 'image-drop-credit', 'Credit (optional)'),
    };
    const actions = make('p', 'image-drop__actions');
    const go = make('button', '', 'Upload and insert');
    go.type = 'button';
    const cancel = make('button', 'secondary', 'Cancel');
    cancel.type = 'button';
    actions.append(go, cancel);
    box.append(actions);
    go.addEventListener('click', () => void this.upload(view, file, inputs, message));
    cancel.addEventListener('click', () => this.close(view));
    // Enter in these fields uploads; it must not submit the post's form.
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
        e.preventDefault();
        void this.upload(view, file, inputs, message);
      }
      if (e.key === 'Escape') this.close(view);
    });
    inputs.alt.focus();
  }

  extension(): Extension {
    return [
      EditorView.domEventHandlers({
        drop: (e, view) => {
          const file = imageOf(e.dataTransfer);
          if (!file) return false;
          e.preventDefault();
          this.ask(view, file, view.posAtCoords({ x: e.clientX, y: e.clientY }) ?? view.state.selection.main.head);
          return true;
        },
        paste: (e, view) => {
          const file = imageOf(e.clipboardData);
          if (!file) return false;
          e.preventDefault();
          this.ask(view, file, view.state.selection.main.head);
          return true;
        },
      }),
      EditorView.updateListener.of((u) => {
        if (this.pending !== undefined && u.docChanged) this.pending = u.changes.mapPos(this.pending);
      }),
    ];
  }

  /** The toolbar's Figure: a file chooser (or, for people who may not upload, the figure's Markdown to fill in). */
  choose(view: EditorView) {
    if (!this.opts.uploadUrl) {
      insertBlock(view, '::figure[Caption]{src="" alt="" credit=""}', 9);
      return;
    }
    const picker = make('input', '');
    picker.type = 'file';
    picker.accept = ACCEPTED.join(',');
    picker.addEventListener('change', () => {
      const file = picker.files?.[0];
      if (file) this.ask(view, file, view.state.selection.main.head);
    });
    picker.click();
  }
}

export function imageDrops(opts: ImageOptions): { extension: Extension; choose: (view: EditorView) => void } {
  const flow = new ImageFlow(opts);
  return { extension: flow.extension(), choose: (view) => flow.choose(view) };
}
