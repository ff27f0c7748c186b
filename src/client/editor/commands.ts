import { startCompletion } from '@codemirror/autocomplete';
import { EditorSelection, type EditorState } from '@codemirror/state';
import type { EditorView } from '@codemirror/view';

// The toolbar's and the shortcuts' Markdown commands. Each is one undoable change and leaves the cursor where
// the writer goes on typing.

/** Puts `before`/`after` round the selection, or round a selected `placeholder` when nothing is selected. */
export function wrap(view: EditorView, before: string, after: string, placeholder: string): boolean {
  view.dispatch(
    view.state.changeByRange((range) => {
      const text = range.empty ? placeholder : view.state.sliceDoc(range.from, range.to);
      const from = range.from + before.length;
      return {
        changes: { from: range.from, to: range.to, insert: `${before}${text}${after}` },
        range: EditorSelection.range(from, from + text.length),
      };
    }),
  );
  view.focus();
  return true;
}

/** The lines the selection touches, each once. */
function selectedLines(state: EditorState) {
  const seen = new Set<number>();
  const lines = [];
  for (const r of state.selection.ranges)
    for (let n = state.doc.lineAt(r.from).number; n <= state.doc.lineAt(r.to).number; n++)
      if (!seen.has(n)) {
        seen.add(n);
        lines.push(state.doc.line(n));
      }
  return lines;
}

/**
 * Starts each selected line with `prefix` (a heading, a list item, a quote), replacing a mark of the same kind
 * (`pattern`) already there; a line that already starts with exactly `prefix` loses it instead.
 */
export function linePrefix(view: EditorView, prefix: string, pattern: RegExp): boolean {
  const changes = selectedLines(view.state).map((line) => {
    const found = pattern.exec(line.text)?.[0] ?? '';
    const insert = found === prefix ? '' : prefix;
    return { from: line.from, to: line.from + found.length, insert };
  });
  view.dispatch({ changes });
  view.focus();
  return true;
}

export const heading = (level: number) => (view: EditorView) => linePrefix(view, `${'#'.repeat(level)} `, /^#{1,6}\s+/);
export const bold = (view: EditorView) => wrap(view, '**', '**', 'bold text');
export const italic = (view: EditorView) => wrap(view, '*', '*', 'italic text');
export const bulletList = (view: EditorView) => linePrefix(view, '- ', /^\s*(?:[-*+]|\d+[.)])\s+/);
export const quote = (view: EditorView) => linePrefix(view, '> ', /^>\s?/);

/** `[text](address)`, the address selected so the writer types or pastes it. */
export function link(view: EditorView): boolean {
  const range = view.state.selection.main;
  const text = range.empty ? 'link text' : view.state.sliceDoc(range.from, range.to);
  const insert = `[${text}](https://)`;
  const urlFrom = range.from + text.length + 3;
  view.dispatch({
    changes: { from: range.from, to: range.to, insert },
    selection: EditorSelection.range(urlFrom, urlFrom + 'https://'.length),
  });
  view.focus();
  return true;
}

/** Inserts text on lines of its own at `at` (the cursor), blank lines round it; the cursor goes to `cursorAt`. */
export function insertBlock(
  view: EditorView,
  block: string,
  cursorAt = block.length,
  at = view.state.selection.main.to,
): boolean {
  const { state } = view;
  const line = state.doc.lineAt(at);
  const blank = line.text.trim() === '';
  const pos = blank ? line.from : line.to;
  const afterText = line.number === 1 || state.doc.line(line.number - 1).text.trim() !== '';
  // One blank line before and after the block, whatever was there.
  const before = blank ? (afterText && line.number > 1 ? '\n' : '') : '\n\n';
  const after = state.sliceDoc(line.to, line.to + 2) === '\n\n' ? '' : '\n';
  const insert = `${before}${block}${after}`;
  view.dispatch({
    changes: { from: pos, to: blank ? line.to : pos, insert },
    selection: { anchor: pos + before.length + cursorAt },
    scrollIntoView: true,
  });
  view.focus();
  return true;
}

export function table(view: EditorView): boolean {
  const block = '| Heading | Heading |\n| ------- | ------- |\n| Cell    | Cell    |';
  return insertBlock(view, block, 2);
}

/** `:cite[]` with the cursor between the brackets, and the sources offered at once. */
export function citation(view: EditorView): boolean {
  const at = view.state.selection.main.head;
  view.dispatch({ changes: { from: at, insert: ':cite[]' }, selection: { anchor: at + 6 } });
  view.focus();
  startCompletion(view);
  return true;
}

/** The next footnote number: one more than the largest `[^n]` the text uses. */
export function nextFootnoteNumber(text: string): number {
  let max = 0;
  for (const m of text.matchAll(/\[\^(\d{1,6})\]/g)) max = Math.max(max, Number(m[1]));
  return max + 1;
}

/**
 * The footnote command: `[^n]` at the cursor (after the selection), its `[^n]: ` line at the end of the text
 * (under the notes already there), and the cursor in that note.
 */
export function footnote(view: EditorView): boolean {
  const { state } = view;
  const n = nextFootnoteNumber(state.doc.toString());
  const at = state.selection.main.to;
  const last = state.doc.line(state.doc.lines).text;
  const end = state.doc.length;
  const sep = /^\[\^[^\]]+\]:/.test(last) ? '\n' : last.trim() === '' ? (end === 0 ? '' : '\n') : '\n\n';
  const marker = `[^${n}]`;
  const note = `${sep}[^${n}]: `;
  view.dispatch({
    changes: [
      { from: at, insert: marker },
      { from: end, insert: note },
    ],
    selection: { anchor: end + marker.length + note.length },
    scrollIntoView: true,
  });
  view.focus();
  return true;
}
