import { element } from './dom.ts';

/**
 * A writer's own held comments (issue 16). The page is the same for everyone (cached), so it never holds them:
 * when a post is answered "held", its key (signed by the server, naming the comment) is kept in this browser's
 * localStorage; each page view asks the server how those comments stand (POST /api/v1/comments/held, never
 * cached) and shows the ones still held, marked "awaiting moderation", where they will stand once approved.
 * A decided comment's key is dropped: approved, it is on the page for everyone; refused, it is gone.
 */

const STORE = 'annalist-held-comments';
/** The server answers about this many keys at most; the oldest are let go first. */
const KEYS_KEPT = 20;

interface HeldAnswer {
  key: string;
  state: 'held' | 'approved' | 'gone';
  id?: number;
  article?: string;
  parent_id?: number | null;
  author?: { name: string };
  html?: string;
  created_at?: string;
}

function keptKeys(): string[] {
  try {
    const kept = JSON.parse(localStorage.getItem(STORE) ?? '[]') as unknown;
    return Array.isArray(kept) ? kept.filter((k): k is string => typeof k === 'string').slice(-KEYS_KEPT) : [];
  } catch {
    return [];
  }
}

function keep(keys: string[]): void {
  try {
    if (keys.length === 0) localStorage.removeItem(STORE);
    else localStorage.setItem(STORE, JSON.stringify(keys.slice(-KEYS_KEPT)));
  } catch {
    // Storage refused (private mode, full): the comment is still held; it just is not shown here after a reload.
  }
}

/** Remembers the key of a comment the server just held. */
export function rememberHeld(key: string): void {
  keep([...keptKeys().filter((k) => k !== key), key]);
}

/** A held comment as the discussion shows comments, marked; the body is the server's sanitised comment HTML. */
function heldArticle(c: Required<HeldAnswer>): HTMLElement {
  const article = element('article', 'comment comment--held');
  article.id = `comment-${c.id}`;
  article.setAttribute('aria-labelledby', `comment-${c.id}-author`);
  const header = element('header', 'comment__header');
  const author = element('span', 'comment__author', c.author.name);
  author.id = `comment-${c.id}-author`;
  const mark = element('span', 'comment__badge comment__badge--held', 'Awaiting moderation');
  const time = element(
    'time',
    '',
    new Date(c.created_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
  );
  time.dateTime = c.created_at;
  header.append(author, ' ', mark, ' ', time);
  const note = element('p', 'comment__held-note', 'Only you can see this comment until a moderator has read it.');
  const body = element('div', 'comment__body');
  body.innerHTML = c.html;
  article.append(header, note, body);
  return article;
}

/** Puts a held comment under the one it answers when that is on this page, else at the end of the list. */
function place(c: Required<HeldAnswer>): HTMLElement | null {
  if (document.getElementById(`comment-${c.id}`)) return null;
  const list = document.querySelector<HTMLOListElement>('#comments ol.comment-list');
  const parentItem = c.parent_id ? document.getElementById(`comment-${c.parent_id}`)?.closest('li') : null;
  let into: HTMLElement | null | undefined = list;
  if (parentItem) {
    into = parentItem.querySelector<HTMLOListElement>(':scope > ol.comment-replies');
    if (!into) {
      into = element('ol', 'comment-replies');
      parentItem.append(into);
    }
  }
  if (!into) return null;
  const item = element('li', 'comment-held-item');
  const article = heldArticle(c);
  item.append(article);
  into.append(item);
  return article;
}

const isHeld = (a: HeldAnswer): a is Required<HeldAnswer> => a.state === 'held' && typeof a.html === 'string';

/**
 * Asks how this browser's held comments stand, forgets the decided ones and shows those of article `slug`.
 * Returns the comment shown for `focusKey`, if any (the one just posted).
 */
export async function showHeldComments(slug: string, focusKey?: string): Promise<HTMLElement | null> {
  const keys = keptKeys();
  if (keys.length === 0) return null;
  let answers: HeldAnswer[];
  try {
    const res = await fetch('/api/v1/comments/held', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
      body: JSON.stringify({ keys }),
    });
    if (!res.ok) return null;
    answers = ((await res.json()) as { comments?: HeldAnswer[] }).comments ?? [];
  } catch {
    return null;
  }
  keep(answers.filter((a) => a.state === 'held').map((a) => a.key));
  let focus: HTMLElement | null = null;
  for (const a of answers) {
    if (!isHeld(a) || a.article !== slug) continue;
    const shown = place(a);
    if (a.key === focusKey) focus = shown;
  }
  return focus;
}
