import { StateEffect, StateField } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView } from '@codemirror/view';

// A check's finding names a line ("Line 11"): clicking it puts the cursor there, scrolls it into view and
// marks the line until the writer edits or picks another finding.

const markLine = StateEffect.define<number | null>();

const marked = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(set, tr) {
    for (const e of tr.effects)
      if (e.is(markLine))
        return e.value === null
          ? Decoration.none
          : Decoration.set([Decoration.line({ class: 'cm-checked-line' }).range(e.value)]);
    return tr.docChanged ? Decoration.none : set.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

export const lineMarks = marked;

/** Moves the cursor to the start of line `n` (1-based, clamped to the text), marks it and focuses the canvas. */
export function jumpToLine(view: EditorView, n: number): void {
  const line = view.state.doc.line(Math.min(Math.max(1, n), view.state.doc.lines));
  view.dispatch({
    selection: { anchor: line.from },
    effects: [markLine.of(line.from), EditorView.scrollIntoView(line.from, { y: 'center' })],
  });
  view.focus();
}

/** Any "Line n" link in the page (the checks panel, the pre-publish dialog) jumps instead of following its #. */
export function jumpOnLineLinks(view: EditorView, before?: () => void): void {
  document.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-line]') : null;
    if (!a) return;
    const n = Number(a.dataset.line);
    if (!Number.isInteger(n) || n < 1) return;
    e.preventDefault();
    before?.();
    jumpToLine(view, n);
  });
}
