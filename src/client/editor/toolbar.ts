import type { EditorView, KeyBinding } from '@codemirror/view';
import { bold, bulletList, citation, footnote, heading, italic, link, quote, table } from './commands.ts';
import { make } from './dom.ts';

// The toolbar above the canvas and the same commands as keyboard shortcuts (Mod is Ctrl, or ⌘ on a Mac).

interface Tool {
  /** What the button shows (short). */
  text: string;
  /** Its accessible name and tooltip (starting with what it shows, so speech input finds it). */
  name: string;
  key: string;
  run: (view: EditorView) => boolean;
}

const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
const shown = (key: string) =>
  key
    .replace('Mod', isMac ? '⌘' : 'Ctrl')
    .replace('Alt', isMac ? '⌥' : 'Alt')
    .replace(/-/g, '+');

/** The tools, given the figure command (which needs the upload flow). */
export function tools(figure: (view: EditorView) => boolean): Tool[] {
  return [
    { text: 'H2', name: 'H2 heading', key: 'Mod-Alt-2', run: heading(2) },
    { text: 'H3', name: 'H3 subheading', key: 'Mod-Alt-3', run: heading(3) },
    { text: 'B', name: 'Bold', key: 'Mod-b', run: bold },
    { text: 'I', name: 'Italic', key: 'Mod-i', run: italic },
    { text: 'Link', name: 'Link', key: 'Mod-k', run: link },
    { text: 'List', name: 'Bulleted list', key: 'Mod-Shift-8', run: bulletList },
    { text: 'Quote', name: 'Quote', key: 'Mod-Shift-.', run: quote },
    { text: 'Footnote', name: 'Footnote', key: 'Mod-Alt-f', run: footnote },
    { text: 'Figure', name: 'Figure', key: 'Mod-Alt-i', run: figure },
    { text: 'Cite', name: 'Cite a source', key: 'Mod-Alt-c', run: citation },
    { text: 'Table', name: 'Table', key: 'Mod-Alt-t', run: table },
  ];
}

export const toolKeymap = (list: Tool[]): KeyBinding[] =>
  list.map((t) => ({ key: t.key, run: t.run, preventDefault: true }));

/** The toolbar, put before the canvas; arrow keys move along it (one stop for Tab). */
export function buildToolbar(view: EditorView, list: Tool[]): HTMLElement {
  const bar = make('div', 'editor-toolbar');
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', 'Formatting');
  const buttons = list.map((t, i) => {
    const b = make('button', `editor-toolbar__button editor-toolbar__button--${t.text.toLowerCase()}`, t.text);
    b.type = 'button';
    b.setAttribute('aria-label', `${t.name} (${shown(t.key)})`);
    b.title = `${t.name} (${shown(t.key)})`;
    b.tabIndex = i === 0 ? 0 : -1;
    // mousedown would take the focus (and the selection) from the canvas first.
    b.addEventListener('mousedown', (e) => e.preventDefault());
    b.addEventListener('click', () => t.run(view));
    return b;
  });
  bar.addEventListener('keydown', (e) => {
    const at = buttons.indexOf(e.target as HTMLButtonElement);
    if (at < 0) return;
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = buttons[(to + buttons.length) % buttons.length]!;
    for (const b of buttons) b.tabIndex = b === next ? 0 : -1;
    next.focus();
  });
  bar.append(...buttons);
  view.dom.before(bar);
  return bar;
}
