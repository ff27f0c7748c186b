import type { EditorView } from '@codemirror/view';
import { keymap } from '@codemirror/view';
import { startAutosave } from './editor/autosave.ts';
import { createCanvas, replaceText } from './editor/canvas.ts';
import { desksCompletions } from './editor/completion.ts';
import { make } from './editor/dom.ts';
import { imageDrops } from './editor/images.ts';
import { deskLayout } from './editor/layout.ts';
import { jumpOnLineLinks, lineMarks } from './editor/lines.ts';
import { differs, dropCopy, fieldsToKeep, readCopy, restoreCopy } from './editor/local-copy.ts';
import { livePreview } from './editor/preview.ts';
import { prepublishPanel } from './editor/publish.ts';
import { buildToolbar, toolKeymap, tools } from './editor/toolbar.ts';

/**
 * The post editor's island (issue 16): the writing desk over a form that saves without it. The body becomes a
 * CodeMirror canvas with line numbers, a toolbar and shortcuts, completion of citations and entities, images
 * dropped or pasted in; the preview follows the typing; autosave says plainly whether the text is safe; the
 * checks' findings jump to their lines; "Publish" goes through a pre-publish panel. Parts in ./editor/.
 */

const form = document.querySelector<HTMLFormElement>('form.editor');

/** "Restore what you typed on …?" when this browser kept text the server never got. */
function offerLocalCopy(f: HTMLFormElement, draftKey: string, view: EditorView | undefined) {
  const copy = readCopy(draftKey);
  if (!copy) return;
  if (!differs(copy, fieldsToKeep(f))) return dropCopy(draftKey);
  const when = new Date(copy.savedAt).toLocaleString(document.documentElement.lang || undefined, {
    dateStyle: 'long',
    timeStyle: 'short',
  });
  const box = make('div', 'admin-notice local-copy-offer');
  box.setAttribute('role', 'region');
  box.setAttribute('aria-label', 'Text kept in this browser');
  const text = make('p', '', `This browser kept text you typed that was not saved. Restore what you typed on ${when}?`);
  const yes = make('button', '', 'Restore it');
  yes.type = 'button';
  const no = make('button', 'secondary', 'Discard it');
  no.type = 'button';
  const actions = make('p', 'local-copy-offer__actions');
  actions.append(yes, no);
  box.append(text, actions);
  f.before(box);
  yes.addEventListener('click', () => {
    restoreCopy(f, copy);
    const body = f.querySelector<HTMLTextAreaElement>('textarea[name="body"]');
    if (view && body) replaceText(view, body.value);
    box.remove();
    view?.focus();
  });
  no.addEventListener('click', () => {
    dropCopy(draftKey);
    box.remove();
  });
}

function startDesk(f: HTMLFormElement) {
  const csrf = f.querySelector<HTMLInputElement>('input[name="csrf"]')?.value ?? '';
  const body = f.querySelector<HTMLTextAreaElement>('textarea[name="body"]');
  const draftKey = f.dataset.draftKey ?? 'new';
  const live = f.querySelector('.editor-primary')?.textContent === 'Update' && !!f.dataset.autosaveUrl;
  deskLayout();
  const prepublish = prepublishPanel(f);
  let view: EditorView | undefined;
  if (body) {
    const images = imageDrops({
      uploadUrl: f.dataset.uploadUrl,
      maxBytes: Number(f.dataset.uploadMaxBytes) || 15 * 1024 * 1024,
      host: body,
    });
    const list = tools((v) => {
      images.choose(v);
      return true;
    });
    view = createCanvas(body, {
      extra: [lineMarks, images.extension, keymap.of(toolKeymap(list))],
      completions: desksCompletions({ cite: f.dataset.citeUrl, entities: f.dataset.entitiesUrl }),
      styleNonce: f.dataset.styleNonce,
    });
    buildToolbar(view, list);
    jumpOnLineLinks(view, prepublish.close);
    if (f.dataset.previewUrl) livePreview(body, f.dataset.previewUrl, csrf);
  }
  startAutosave({ form: f, status: f.querySelector('.editor__autosave-status'), draftKey, live });
  offerLocalCopy(f, draftKey, view);
  // The primary button follows the publication time: a time filled in makes "Publish" "Schedule".
  const primary = f.querySelector<HTMLButtonElement>('.editor-primary');
  const publishAt = f.querySelector<HTMLInputElement>('input[name="publishAt"]');
  if (primary && publishAt && (primary.value === 'publish' || primary.value === 'schedule'))
    publishAt.addEventListener('input', () => {
      const schedule = publishAt.value.trim() !== '';
      primary.value = schedule ? 'schedule' : 'publish';
      primary.textContent = schedule ? 'Schedule' : 'Publish';
    });
}

if (form) startDesk(form);
