import { errorMessageOf, fieldsOf, postForm, say } from './dom.ts';
import { dropCopy, fieldsToKeep, writeCopy } from './local-copy.ts';

// Autosave, and the saved state in words a writer can trust: "Saving…", "Saved", "Not saved: offline — kept in
// this browser". What is typed is kept on the server a few seconds after typing stops, when the body or the
// window loses focus, and when the browser comes back online; a copy stays in this browser until the server has
// it. A post never saved is created as a draft by its first autosave (once per form: the form's id goes with
// it), and the page carries on at the draft's address.

export interface AutosaveOptions {
  form: HTMLFormElement;
  status: Element | null;
  /** The post's id, or "new". */
  draftKey: string;
  /** A published or scheduled post: kept changes reach readers only with Update. */
  live: boolean;
}

const QUIET_MS = 2500;
const EVERY_MS = 10_000;

/** The autosave of one editor form; `start()` wires it to the page's events. */
class Autosaver {
  private autosaveUrl: string | undefined;
  private readonly createUrl: string | undefined;
  private draftKey: string;
  private changed = false;
  private inFlight: Promise<void> | undefined;
  private quiet: ReturnType<typeof setTimeout> | undefined;
  private copyTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: AutosaveOptions) {
    this.autosaveUrl = o.form.dataset.autosaveUrl;
    this.createUrl = o.form.dataset.autosaveNewUrl;
    this.draftKey = o.draftKey;
  }

  private status(text: string) {
    say(this.o.status, text);
  }

  /** The page now edits the draft the first autosave created: its address, its version, its copy's key. */
  private becomeDraft(data: { id?: unknown; editUrl?: unknown; autosaveUrl?: unknown; version?: unknown }) {
    const { form } = this.o;
    if (typeof data.editUrl !== 'string' || typeof data.autosaveUrl !== 'string') return;
    history.replaceState(history.state, '', data.editUrl);
    form.action = data.editUrl;
    this.autosaveUrl = data.autosaveUrl;
    let version = form.querySelector<HTMLInputElement>('input[name="version"]');
    if (!version) {
      version = document.createElement('input');
      version.type = 'hidden';
      version.name = 'version';
      form.prepend(version);
    }
    version.value = String(data.version);
    dropCopy(this.draftKey);
    this.draftKey = String(data.id);
  }

  private keepLocally(reason: string) {
    const kept = writeCopy(this.draftKey, fieldsToKeep(this.o.form));
    this.status(kept ? `Not saved: ${reason} — kept in this browser` : `Not saved: ${reason}`);
  }

  private async keep(url: string) {
    const creating = url === this.createUrl;
    // The form's id goes with a new post's first autosave: one form makes one draft, however often it is sent.
    const drop = creating ? ['action', 'preflightSeen'] : ['action', 'formId', 'preflightSeen'];
    this.status('Saving…');
    let res: Response;
    try {
      res = await postForm(url, fieldsOf(this.o.form, drop));
    } catch {
      this.changed = true;
      return this.keepLocally('offline');
    }
    if (!res.ok) {
      this.changed = true;
      return this.keepLocally(await errorMessageOf(res, `the server answered ${res.status}`));
    }
    const data = (await res.json()) as { id?: unknown; editUrl?: unknown; autosaveUrl?: unknown };
    if (creating) this.becomeDraft(data);
    if (this.changed) return; // typed while saving: the next round keeps that too
    dropCopy(this.draftKey);
    this.status(this.o.live ? 'Saved — readers see it when you press Update' : 'Saved');
  }

  readonly autosave = async () => {
    clearTimeout(this.quiet);
    const { form } = this.o;
    const title = form.querySelector<HTMLInputElement>('input[name="title"]');
    const body = form.querySelector<HTMLTextAreaElement>('textarea[name="body"]');
    // A new post is kept once there is something to keep.
    const url = this.autosaveUrl ?? (title?.value.trim() || body?.value.trim() ? this.createUrl : undefined);
    if (!url || !this.changed || this.inFlight) return;
    if (!navigator.onLine) return this.keepLocally('offline');
    this.changed = false;
    this.inFlight = this.keep(url);
    try {
      await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
  };

  private onInput(e: Event) {
    if ((e.target as Element | null)?.closest('.image-drop')) return; // the image form is not the post
    this.changed = true;
    clearTimeout(this.quiet);
    this.quiet = setTimeout(this.autosave, QUIET_MS);
    clearTimeout(this.copyTimer);
    this.copyTimer = setTimeout(() => writeCopy(this.draftKey, fieldsToKeep(this.o.form)), 500);
  }

  /**
   * A real save makes the autosave pointless: stop it from racing the form. A save pressed while a new post's
   * first autosave is on its way waits for it, then goes to the draft it created.
   */
  private onSubmit(e: SubmitEvent) {
    this.changed = false;
    clearTimeout(this.quiet);
    // A new post's copy would be offered on the next new post: the form now carries the text to the server.
    if (this.draftKey === 'new' && navigator.onLine) dropCopy(this.draftKey);
    if (!this.inFlight) return;
    e.preventDefault();
    const submitter = e.submitter instanceof HTMLButtonElement ? e.submitter : undefined;
    void this.inFlight.then(() => this.o.form.requestSubmit(submitter));
  }

  start() {
    const { form } = this.o;
    if (!this.autosaveUrl && !this.createUrl) return;
    // The page came back with text the server does not have (after "Check"): keep it as if just typed.
    if (this.o.status?.getAttribute('data-unsaved') === 'true') {
      this.changed = true;
      this.quiet = setTimeout(this.autosave, QUIET_MS);
    }
    form.addEventListener('input', (e) => this.onInput(e));
    setInterval(this.autosave, EVERY_MS);
    window.addEventListener('blur', () => void this.autosave());
    window.addEventListener('online', () => void this.autosave());
    window.addEventListener('offline', () => this.changed && this.keepLocally('offline'));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') void this.autosave();
    });
    form.addEventListener('focusout', (e) => {
      if ((e.target as Element | null)?.closest('.cm-editor') || e.target === form.elements.namedItem('title'))
        void this.autosave();
    });
    form.addEventListener('submit', (e) => this.onSubmit(e));
  }
}

export function startAutosave(o: AutosaveOptions): void {
  new Autosaver(o).start();
}
