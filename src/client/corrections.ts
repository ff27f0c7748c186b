/**
 * "Suggest a correction" island. Without it, the link under the article opens the form, where the reader types
 * the passage. With it, selecting words in the article shows a button beside the selection; it (or the link
 * under the article, for keyboard users) opens the form with the passage already quoted, as W3C selectors
 * computed over the textContent of `.prose` — the same text model the server anchors in
 * (src/modules/corrections/anchoring.ts; this file imports no server code, so the few lines are repeated).
 */

const CONTEXT_CHARS = 32;
const MAX_QUOTE = 2000;

const prose = document.querySelector<HTMLElement>('article .prose');
const link = document.querySelector<HTMLAnchorElement>('a.suggest-correction__link');

interface Chosen {
  exact: string;
  prefix: string;
  suffix: string;
  start: number;
  end: number;
}

/** The selection, if it lies (at least partly) in the article body, as selectors over its text. */
function currentChoice(root: HTMLElement): Chosen | null {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0).cloneRange();
  const whole = document.createRange();
  whole.selectNodeContents(root);
  // Clip the selection to the article body.
  if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0)
    range.setStart(whole.startContainer, whole.startOffset);
  if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) range.setEnd(whole.endContainer, whole.endOffset);
  if (range.collapsed || range.compareBoundaryPoints(Range.START_TO_END, whole) <= 0) return null;
  // Offsets in textContent: the length of the text from the start of the body to each end of the selection.
  const before = document.createRange();
  before.setStart(whole.startContainer, whole.startOffset);
  before.setEnd(range.startContainer, range.startOffset);
  const text = root.textContent ?? '';
  let start = before.toString().length;
  let end = start + range.toString().length;
  // Leave out whitespace at the edges (a triple-click selects the paragraph's newline too).
  while (start < end && /\s/.test(text[start] ?? '')) start++;
  while (end > start && /\s/.test(text[end - 1] ?? '')) end--;
  if (end <= start || end - start > MAX_QUOTE) return null;
  return {
    exact: text.slice(start, end),
    prefix: text.slice(Math.max(0, start - CONTEXT_CHARS), start),
    suffix: text.slice(end, end + CONTEXT_CHARS),
    start,
    end,
  };
}

function formUrl(base: string, c: Chosen): string {
  const q = new URLSearchParams({
    exact: c.exact,
    prefix: c.prefix,
    suffix: c.suffix,
    start: String(c.start),
    end: String(c.end),
  });
  return `${base}?${q.toString()}`;
}

if (prose && link) {
  const base = link.getAttribute('href') ?? '';
  let last: Chosen | null = null;

  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'suggest-float';
  button.textContent = 'Suggest a correction';
  button.hidden = true;
  button.setAttribute('aria-describedby', 'suggest-float-hint');
  const hint = document.createElement('span');
  hint.id = 'suggest-float-hint';
  hint.className = 'visually-hidden';
  hint.textContent = 'for the words you selected in the article';
  // After the body, never inside it: the button's words must not become part of the article's text.
  prose.after(button, hint);
  // Only with the island does selecting do anything, so only then does the page say so.
  const tip = document.createElement('span');
  tip.className = 'suggest-correction__hint';
  tip.textContent = ' — or select the words that are wrong first.';
  link.after(tip);

  /** Just below the selection (position: fixed, so viewport coordinates; kept there while scrolling). */
  const place = () => {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    const rect = sel.getRangeAt(0).getBoundingClientRect();
    const maxLeft = Math.max(0, window.innerWidth - button.offsetWidth - 8);
    // CSSOM, not a style attribute: allowed by the strict CSP.
    button.style.top = `${Math.min(window.innerHeight - button.offsetHeight - 8, rect.bottom + 6)}px`;
    button.style.left = `${Math.min(maxLeft, Math.max(8, rect.left))}px`;
  };
  window.addEventListener('scroll', () => button.hidden || place(), { passive: true });

  document.addEventListener('selectionchange', () => {
    const chosen = currentChoice(prose);
    if (chosen) {
      last = chosen;
      button.hidden = false;
      place();
    } else if (document.activeElement !== button && document.activeElement !== link) {
      // Pressing the button or the link may collapse the selection: the last choice is kept for them only.
      button.hidden = true;
      last = null;
    }
  });

  const go = (c: Chosen) => {
    window.location.assign(formUrl(base, c));
  };
  // A mouse press on the button must not clear the selection before the click.
  button.addEventListener('mousedown', (e) => e.preventDefault());
  button.addEventListener('click', () => {
    const c = currentChoice(prose) ?? last;
    if (c) go(c);
  });
  // Keyboard readers: select with Shift+arrows, then Tab to the link under the article.
  link.addEventListener('click', (e) => {
    const c = currentChoice(prose) ?? last;
    if (!c) return;
    e.preventDefault();
    go(c);
  });
  // Escape hides the button (and forgets the choice).
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !button.hidden) {
      button.hidden = true;
      last = null;
    }
  });
}
