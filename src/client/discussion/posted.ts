import { element } from './dom.ts';
import { unfold } from './threads.ts';

/**
 * A comment just approved, shown to its writer at once, where they are reading (decision 052): the answer to the
 * post carries it as the discussion shows it (the server's markup, its body sanitised), so the page is not fetched
 * again. In thread order a reply goes under the comment it answers when that is on this page; anything else goes
 * where new comments go in the order shown (the end of the list, or its start where the newest come first).
 * `elsewhere`: other readers find it on another comments page than this one.
 */
export interface Placed {
  article: HTMLElement;
  elsewhere: boolean;
}

/** Whether a new comment (a thread, in thread order) leads the list, and whether it stays on this page. */
function whereNewCommentsGo(list: HTMLElement): { first: boolean; here: boolean } {
  const { order, page, pages, perPage } = list.dataset;
  if (order === 'newest') return { first: true, here: page === '1' };
  // The last page, unless it is full: then the comment opens a page of its own.
  const shown = list.querySelectorAll(':scope > li:not(.comment-held-item)').length;
  return { first: false, here: page === pages && shown < Number(perPage) };
}

/** "N comments" in the discussion's heading, one more. */
function countOneMore(): void {
  const heading = document.getElementById('comments-heading');
  if (!heading) return;
  const n = (Number.parseInt(heading.textContent ?? '', 10) || 0) + 1;
  heading.textContent = n === 1 ? '1 comment' : `${n} comments`;
}

/** The list item of the comment `parentId` answers, when the list shows replies under it (thread order). */
function parentItemIn(list: HTMLElement, parentId: number | null): HTMLElement | null {
  if (parentId === null || list.dataset.order !== 'thread') return null;
  const item = document.getElementById(`comment-${parentId}`)?.closest('li');
  return item && list.contains(item) ? item : null;
}

/** Puts `item` last among the replies of `parentItem`, opening its thread if it is folded there. */
function underParent(parentItem: HTMLElement, item: HTMLElement): void {
  let replies = parentItem.querySelector<HTMLOListElement>(':scope > ol.comment-replies');
  if (!replies) {
    replies = element('ol', 'comment-replies');
    parentItem.append(replies);
  }
  replies.append(item);
  // Answering a reply folded away (the reply page opens at one): its thread opens.
  const thread = item.closest('[hidden]') ? item.closest('ol.comment-list > li') : null;
  if (thread) unfold(thread);
}

/** Puts `item` where new comments go; true when other readers find it on another page than this one. */
function whereNew(list: HTMLElement, item: HTMLElement, parentId: number | null): boolean {
  const at = whereNewCommentsGo(list);
  if (at.first) list.prepend(item);
  else list.append(item);
  // A reply whose parent is on another page goes with it there (thread order).
  return !at.here || (parentId !== null && list.dataset.order === 'thread');
}

export function placePosted(html: string, parentId: number | null): Placed | null {
  const list = document.querySelector<HTMLOListElement>('#comments ol.comment-list');
  if (!list) return null;
  const item = element('li', '');
  item.innerHTML = html;
  const article = item.querySelector<HTMLElement>('article.comment');
  if (!article || document.getElementById(article.id)) return null;
  const parentItem = parentItemIn(list, parentId);
  let elsewhere = false;
  if (parentItem) underParent(parentItem, item);
  else elsewhere = whereNew(list, item, parentId);
  document.querySelector('#comments > p.empty')?.remove();
  countOneMore();
  return { article, elsewhere };
}
