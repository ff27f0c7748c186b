/**
 * Long comments (issue 16): a comment body taller than CLAMP_LINES + SLACK_LINES lines shows its first lines and a "Read the
 * whole comment" button; pressing it shows the rest and puts focus on the comment's text. Without JavaScript
 * every comment shows whole. The clamp hides nothing from assistive technology (overflow, not display: none).
 */

/** Lines shown of a long comment, and how many more it must have to be clamped (no button for one line more). */
const CLAMP_LINES = 5;
const SLACK_LINES = 2;

function lineHeight(el: HTMLElement): number {
  const style = getComputedStyle(el);
  const px = Number.parseFloat(style.lineHeight);
  return Number.isFinite(px) ? px : Number.parseFloat(style.fontSize) * 1.6;
}

function clamp(body: HTMLElement, index: number): void {
  const line = lineHeight(body);
  if (body.scrollHeight <= line * (CLAMP_LINES + SLACK_LINES)) return;
  body.id ||= `comment-body-${index}`;
  body.classList.add('comment__body--clamped');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'comment__read-all';
  button.setAttribute('aria-controls', body.id);
  button.setAttribute('aria-expanded', 'false');
  button.textContent = 'Read the whole comment';
  button.addEventListener('click', () => {
    body.classList.remove('comment__body--clamped');
    body.tabIndex = -1;
    button.remove();
    body.focus({ preventScroll: true });
  });
  body.after(button);
}

/** Clamps every long comment of the discussion's lists. */
export function clampLongComments(section: HTMLElement): void {
  section.querySelectorAll<HTMLElement>('.comment-list .comment__body').forEach(clamp);
}
