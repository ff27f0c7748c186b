import { element } from './dom.ts';

/**
 * "Quote" beside a selection (issue 16): selecting words inside a comment shows a button next to them that
 * opens the reply form in place with those words quoted. The Quote link under every comment still works for
 * keyboards (it quotes the last selection in that comment, or the whole comment).
 */

export interface Selected {
  commentId: string;
  text: string;
}

/** The selection, when it lies within one comment's body. */
export function selectionInComment(): (Selected & { range: Range }) | null {
  const sel = document.getSelection();
  if (!sel || sel.isCollapsed || sel.rangeCount === 0 || !sel.anchorNode || !sel.focusNode) return null;
  const bodyOf = (n: Node) => (n instanceof Element ? n : n.parentElement)?.closest('.comment__body');
  const body = bodyOf(sel.anchorNode);
  if (!body || body !== bodyOf(sel.focusNode)) return null;
  const article = body.closest('article.comment');
  const quoted = sel.toString().replace(/\s+/g, ' ').trim();
  if (!article || !quoted || article.classList.contains('comment--held')) return null;
  return { commentId: article.id.replace('comment-', ''), text: quoted, range: sel.getRangeAt(0) };
}

/** The floating button; `onQuote` opens the reply with the words chosen. */
export function quoteButton(onQuote: (chosen: Selected) => void): void {
  const button = element('button', 'quote-float', 'Quote');
  button.type = 'button';
  button.hidden = true;
  const hint = element('span', 'visually-hidden', ' the words you selected in this comment');
  button.append(hint);
  document.body.append(button);
  let chosen: Selected | null = null;

  const place = () => {
    const found = selectionInComment();
    chosen = found ? { commentId: found.commentId, text: found.text } : null;
    button.hidden = !found;
    if (!found) return;
    // Below the end of the selection: a phone shows its own menu above it.
    const rects = found.range.getClientRects();
    const last = rects[rects.length - 1] ?? found.range.getBoundingClientRect();
    const origin = (button.offsetParent ?? document.documentElement).getBoundingClientRect();
    const width = button.offsetWidth;
    const left = Math.min(Math.max(8, last.right - width / 2), document.documentElement.clientWidth - width - 8);
    button.style.left = `${left - origin.left}px`;
    button.style.top = `${last.bottom - origin.top + 8}px`;
  };
  let pending = 0;
  document.addEventListener('selectionchange', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(place);
  });
  // Pressing the button must not clear the selection before the click.
  button.addEventListener('mousedown', (event) => event.preventDefault());
  button.addEventListener('click', () => {
    if (!chosen) return;
    const picked = chosen;
    button.hidden = true;
    document.getSelection()?.removeAllRanges();
    onQuote(picked);
  });
}
