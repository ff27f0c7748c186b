import { element } from './dom.ts';

/**
 * A comment just approved, shown to its writer at once, where they are reading (decision 052): the answer to the
 * post carries it as the discussion shows it (the server's markup, its body sanitised), so the page is not fetched
 * again. It goes under the comment it answers when that is on this page; else where new comments go (the end of the
 * list, or its start where the newest come first). `elsewhere`: other readers find it on another comments page.
 */
export interface Placed {
  article: HTMLElement;
  elsewhere: boolean;
}

/** The list's order and page, as the server wrote them on it. */
function whereNewCommentsGo(list: HTMLElement): { first: boolean; here: boolean } {
  const { order, page, pages } = list.dataset;
  if (order === 'newest') return { first: true, here: page === '1' };
  return { first: false, here: page === pages };
}

/** "N comments" in the discussion's heading, one more. */
function countOneMore(): void {
  const heading = document.getElementById('comments-heading');
  if (!heading) return;
  const n = (Number.parseInt(heading.textContent ?? '', 10) || 0) + 1;
  heading.textContent = n === 1 ? '1 comment' : `${n} comments`;
}

export function placePosted(html: string, parentId: number | null): Placed | null {
  const list = document.querySelector<HTMLOListElement>('#comments ol.comment-list');
  if (!list) return null;
  const item = element('li', '');
  item.innerHTML = html;
  const article = item.querySelector<HTMLElement>('article.comment');
  if (!article || document.getElementById(article.id)) return null;
  const parentItem = parentId ? document.getElementById(`comment-${parentId}`)?.closest('li') : null;
  let elsewhere: boolean;
  if (parentItem && list.contains(parentItem)) {
    let replies = parentItem.querySelector<HTMLOListElement>(':scope > ol.comment-replies');
    if (!replies) {
      replies = element('ol', 'comment-replies');
      parentItem.append(replies);
    }
    replies.append(item);
    elsewhere = false;
  } else {
    const at = whereNewCommentsGo(list);
    if (at.first) list.prepend(item);
    else list.append(item);
    elsewhere = !at.here || parentId !== null;
  }
  document.querySelector('#comments > p.empty')?.remove();
  countOneMore();
  return { article, elsewhere };
}
