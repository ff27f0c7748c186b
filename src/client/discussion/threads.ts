import { focusOn } from './dom.ts';

/**
 * Long threads are folded by the server after their first replies, behind "Show N more replies", a link to the
 * thread's own page (it works without JavaScript). Here the link opens them in place, and a folded reply the
 * browser reveals by itself (a permalink to it, find in page: `hidden="until-found"`) opens its whole thread.
 */

/** Opens every folded reply of the thread in list item `thread`; the first of them, to move focus to. */
export function unfold(thread: Element): HTMLElement | null {
  let first: HTMLElement | null = null;
  for (const item of thread.querySelectorAll<HTMLElement>('li.comment-folded')) {
    item.hidden = false;
    item.classList.remove('comment-folded');
    first ??= item.querySelector<HTMLElement>('article.comment');
  }
  thread.querySelector(':scope > .comment-more')?.remove();
  return first;
}

/** Handles a click on "Show N more replies"; true when it was one. */
export function showMoreReplies(event: Event): boolean {
  const link = (event.target as Element).closest<HTMLAnchorElement>('.comment-more > a[data-more]');
  const thread = link?.closest('ol.comment-list > li');
  if (!link || !thread) return false;
  event.preventDefault();
  focusOn(unfold(thread));
  return true;
}

/** A folded reply revealed by the browser (it fires `beforematch` first) opens the rest of its thread. */
export function watchRevealedReplies(section: HTMLElement): void {
  section.addEventListener(
    'beforematch',
    (event) => {
      const thread = (event.target as Element).closest('ol.comment-list > li');
      if (thread) unfold(thread);
    },
    true,
  );
}
