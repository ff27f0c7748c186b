import {
  autocompletion,
  type CompletionSource,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { markdownKeymap, markdownLanguage } from '@codemirror/lang-markdown';
import { syntaxHighlighting } from '@codemirror/language';
import { EditorState, type Extension } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { tagHighlighter, tags } from '@lezer/highlight';

// The writing canvas: CodeMirror 6 over the body's textarea. The textarea stays the form's field (hidden, kept
// in step on every change) so the form posts as it does without JavaScript, and the preview and autosave keep
// listening to its input events.

/** Markdown's marks as classes, coloured in admin.css (so dark mode and contrast follow the site's palette). */
const highlighter = tagHighlighter([
  { tag: tags.heading, class: 'md-heading' },
  { tag: tags.strong, class: 'md-strong' },
  { tag: tags.emphasis, class: 'md-emphasis' },
  { tag: [tags.link, tags.url], class: 'md-link' },
  { tag: tags.monospace, class: 'md-code' },
  { tag: tags.quote, class: 'md-quote' },
  { tag: [tags.processingInstruction, tags.meta, tags.contentSeparator, tags.labelName], class: 'md-mark' },
]);

/** CodeMirror in place of `textarea`, labelled by the field's label, with the desk's own parts and completions. */
export function createCanvas(
  textarea: HTMLTextAreaElement,
  parts: { extra: Extension[]; completions: CompletionSource[]; styleNonce?: string },
): EditorView {
  const label = document.querySelector<HTMLLabelElement>(`label[for="${textarea.id}"]`);
  if (label) label.id ||= `${textarea.id}-label`;
  const describedBy = textarea.getAttribute('aria-describedby');
  const sync = EditorView.updateListener.of((u) => {
    if (!u.docChanged) return;
    textarea.value = u.state.doc.toString();
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const state = EditorState.create({
    doc: textarea.value,
    extensions: [
      lineNumbers(),
      history(),
      drawSelection(),
      highlightActiveLine(),
      EditorView.lineWrapping,
      // The Markdown language alone: markdown() would bundle HTML, CSS and JavaScript parsers (150 KB) for
      // code blocks a history blog rarely has.
      markdownLanguage,
      syntaxHighlighting(highlighter),
      closeBrackets(),
      autocompletion({ activateOnTyping: true, icons: false, override: parts.completions }),
      ...parts.extra,
      // CodeMirror's own rules go in a <style> element the page's policy allows by this nonce.
      ...(parts.styleNonce ? [EditorView.cspNonce.of(parts.styleNonce)] : []),
      keymap.of([...markdownKeymap, ...closeBracketsKeymap, ...completionKeymap, ...historyKeymap, ...defaultKeymap]),
      EditorView.contentAttributes.of({
        ...(label ? { 'aria-labelledby': label.id } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        spellcheck: 'true',
        autocorrect: 'on',
        autocapitalize: 'sentences',
      }),
      sync,
    ],
  });
  // The label now names the canvas; the hidden textarea keeps carrying the text.
  label?.removeAttribute('for');
  const view = new EditorView({ state });
  textarea.hidden = true;
  textarea.after(view.dom);
  view.dom.classList.add('editor__canvas');
  // A reset or a restore writes to the textarea: the canvas follows.
  textarea.form?.addEventListener('reset', () => setTimeout(() => replaceText(view, textarea.value)));
  return view;
}

/** Replaces the whole text (a restored copy), as one undoable change. */
export function replaceText(view: EditorView, text: string): void {
  if (view.state.doc.toString() === text) return;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}
