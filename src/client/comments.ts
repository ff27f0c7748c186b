/**
 * Comment island: the discussion works without it (form POST, then 303). With it, replying and quoting happen
 * in place, under the comment answered (discussion/reply-in-place.ts), a comment is posted without leaving the
 * page, a held comment stays in sight of its writer (discussion/held.ts), folded replies open in place
 * (discussion/threads.ts), an approved comment appears in place at once (discussion/posted.ts), a selection in a
 * comment can be quoted from a button beside it (discussion/quote-selection.ts), and a failed post keeps every word the reader wrote (also across an
 * accidental reload, in sessionStorage). The form token (an HttpOnly cookie) is asked for when the reader starts
 * writing: cached pages never set it (decision 035).
 */
import { currentForm, element, focusOn, slugOf, text } from './discussion/dom.ts';
import { rememberHeld, showHeldComments } from './discussion/held.ts';
import { clampLongComments } from './discussion/long-comments.ts';
import { placePosted } from './discussion/posted.ts';
import { quoteButton, type Selected, selectionInComment } from './discussion/quote-selection.ts';
import { cancelReply, openReply } from './discussion/reply-in-place.ts';
import { showMoreReplies, watchRevealedReplies } from './discussion/threads.ts';

interface ApiError {
  error?: { code?: string; message?: string; fields?: Record<string, string> };
}

interface Warning {
  code: string;
  message: string;
}

type Answer = ApiError & {
  comment?: { id: number; status: string; key?: string | null; html?: string | null; parent_id?: number | null };
  warnings?: Warning[];
};

/** The holds every newcomer meets: information, not something to fix (as the form without JavaScript shows them). */
const ROUTINE = new Set(['FIRST_COMMENT', 'IDENTITY_NOT_CONFIRMED']);
const HELD_NOTICE =
  'Thank you. Your comment is awaiting moderation and will appear once a moderator has read it. Until then it is shown to you here, marked “Awaiting moderation”.';

const section = document.querySelector<HTMLElement>('#comments');
const form = currentForm();

// One form token per page view, asked for on the first focus or keystroke in the form, so its age tells the
// server's too-fast check how long the reader wrote; again after a day (it lasts two) or after a refusal.
const DAY_MS = 86_400_000;
let token: { request: Promise<boolean>; at: number } | null = null;
function askForToken(): Promise<boolean> {
  if (!token || Date.now() - token.at > DAY_MS) {
    const request = fetch('/form-token', { method: 'POST', credentials: 'same-origin' }).then(
      (res) => res.ok,
      () => false,
    );
    const asked = { request, at: Date.now() };
    token = asked;
    void request.then((ok) => {
      if (!ok && token === asked) token = null;
    });
  }
  return token.request;
}

interface Message {
  kind: 'alert' | 'status';
  text: string;
  items?: string[];
  /** Information besides the message (the routine holds), each its own calm line. */
  info?: string[];
}

/** Replaces what the form says (its message, warnings, notices) with `m`, right under its heading. */
function say(m: Message) {
  const f = currentForm();
  f?.querySelectorAll('.comment-form__message, .form-alert, .form-warning, .form-info, .js-notice').forEach((n) => {
    n.remove();
  });
  const box = element('div', 'comment-form__message js-notice');
  box.id = 'respond-message';
  if (m.text) {
    const main = element('div', m.kind === 'alert' ? 'form-alert' : 'comment-notice');
    main.setAttribute('role', m.kind);
    main.append(element('p', '', m.text));
    if (m.items?.length) {
      const ul = element('ul', '');
      for (const item of m.items) ul.append(element('li', '', item));
      main.append(ul);
    }
    box.append(main);
  }
  for (const line of m.info ?? []) {
    const p = element('p', 'form-info', line);
    p.setAttribute('role', 'status');
    box.append(p);
  }
  (f?.querySelector('.comment-form__cancel-reply') ?? f?.querySelector('#respond-heading'))?.after(box);
}

/** What "Check before posting" found: nothing, the routine holds as information, or what may hold the comment. */
function sayWarnings(warnings: Warning[]) {
  const info = warnings.filter((w) => ROUTINE.has(w.code)).map((w) => w.message);
  const other = warnings.filter((w) => !ROUTINE.has(w.code)).map((w) => w.message);
  if (warnings.length === 0)
    say({ kind: 'status', text: 'Nothing in your comment would hold it back. Post it when you are ready.' });
  else if (other.length === 0) say({ kind: 'status', text: '', info });
  else
    say({
      kind: 'alert',
      text: 'Your comment may be held for a moderator to read first, because:',
      items: other,
      info,
    });
}

function payload(data: FormData): string {
  return JSON.stringify({
    name: data.get('name'),
    email: data.get('email'),
    url: data.get('url') || undefined,
    body: data.get('body'),
    parent_id: data.get('parent_id') ? Number(data.get('parent_id')) : undefined,
    quote: data.get('quote') || undefined,
    homepage: data.get('homepage') || undefined,
    notify: data.get('notify') === '1',
  });
}

function refused(json: Answer) {
  // A used token (the same comment sent twice): a new one at once, aging while the reader reads this.
  if (json.error?.code === 'FORM_TOKEN_REPLAYED') {
    token = null;
    void askForToken();
  }
  const fields = Object.values(json.error?.fields ?? {});
  say({
    kind: 'alert',
    text: json.error?.message ?? 'Your comment could not be posted. Your text is kept; try again.',
    items: fields,
  });
}

/** A comment the server took: its text leaves the box and the draft kept of it. */
function emptyTheBox(draftKey: string): void {
  sessionStorage.removeItem(draftKey);
  const body = currentForm()?.querySelector<HTMLTextAreaElement>('textarea[name="body"]');
  if (body) body.value = '';
}

/** Held: the text leaves the box and stays in sight, marked, where it will stand once approved. */
async function held(slug: string, key: string | null | undefined, draftKey: string) {
  emptyTheBox(draftKey);
  cancelReply(false);
  say({ kind: 'status', text: HELD_NOTICE });
  if (!key) return;
  rememberHeld(key);
  focusOn(await showHeldComments(slug, key));
}

/** Approved, with the comment as the discussion shows it: in place at once, the page not fetched again. */
function approvedInPlace(comment: { id: number; html: string; parent_id?: number | null }, draftKey: string): boolean {
  // The form goes home first (from under the comment answered), so the comment is placed in the final layout.
  cancelReply(false);
  const placed = placePosted(comment.html, comment.parent_id ?? null);
  if (!placed) return false;
  emptyTheBox(draftKey);
  clampLongComments(placed.article.parentElement ?? placed.article);
  say({ kind: 'status', text: 'Your comment is posted.' });
  if (placed.elsewhere) {
    const line = element('p', '', 'Other readers find it on another page of the discussion: ');
    const link = element('a', '', 'its permalink');
    link.href = `/comments/${comment.id}`;
    line.append(link, '.');
    document.querySelector('#respond-message [role="status"]')?.append(line);
  }
  focusOn(placed.article);
  placed.article.scrollIntoView({ block: 'center' });
  // The address names the comment (to share it), without a jump or a page load.
  history.replaceState(history.state, '', `#comment-${comment.id}`);
  return true;
}

/** Approved, without the comment in the answer: the discussion as it now stands, asked of the server. */
async function approved(slug: string, id: number, draftKey: string, root: HTMLElement) {
  emptyTheBox(draftKey);
  // Said first: whatever happens to the page's fetch, the comment is posted and must not be sent twice.
  say({ kind: 'status', text: 'Your comment is posted. Reload the page to see it.' });
  const fresh = await fetch(window.location.pathname, { credentials: 'same-origin', cache: 'no-cache' })
    .then(async (page) => new DOMParser().parseFromString(await page.text(), 'text/html').querySelector('#comments'))
    .catch(() => null);
  if (!fresh) return;
  root.innerHTML = fresh.innerHTML;
  await showHeldComments(slug);
  clampLongComments(root);
  document.getElementById(`comment-${id}`)?.scrollIntoView({ block: 'center' });
  window.location.hash = `comment-${id}`;
}

async function send(event: SubmitEvent, slug: string, root: HTMLElement) {
  const f = event.target as HTMLFormElement;
  const checking = event.submitter?.getAttribute('value') === 'check';
  if (!checking && !(await askForToken())) {
    say({ kind: 'alert', text: 'Your comment could not be sent just now. Your text is kept; try again in a moment.' });
    return;
  }
  const res = await fetch(`/api/v1/posts/${slug}/comments${checking ? '/preview' : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    credentials: 'same-origin',
    body: payload(new FormData(f)),
  });
  const json = (await res.json().catch(() => ({}))) as Answer;
  if (checking && res.ok && json.warnings) sayWarnings(json.warnings);
  else if (!res.ok || !json.comment) refused(json);
  else if (json.comment.status !== 'approved') await held(slug, json.comment.key, `annalist-draft:${slug}`);
  else if (
    !json.comment.html ||
    !approvedInPlace({ ...json.comment, html: json.comment.html }, `annalist-draft:${slug}`)
  )
    await approved(slug, json.comment.id, `annalist-draft:${slug}`, root);
}

/** The words to quote for comment `id`: the reader's selection in it, else the whole comment minus its own quotes. */
function quoteFor(id: string, last: Selected | null): string {
  if (last?.commentId === id) return last.text;
  const copy = document.querySelector(`#comment-${id} .comment__body`)?.cloneNode(true) as Element | undefined;
  copy?.querySelectorAll('.comment-quote').forEach((q) => {
    q.remove();
  });
  return text(copy ?? null);
}

function start(root: HTMLElement, firstForm: HTMLFormElement) {
  const slug = slugOf(firstForm);
  const draftKey = `annalist-draft:${slug}`;
  const startWriting = (event: Event) => {
    if ((event.target as Element).closest('form#respond')) void askForToken();
  };
  root.addEventListener('focusin', startWriting);
  root.addEventListener('input', startWriting);

  // Keep a draft while typing, and bring it back after a reload.
  const body = firstForm.querySelector<HTMLTextAreaElement>('textarea[name="body"]');
  const saved = sessionStorage.getItem(draftKey);
  if (body && saved && !body.value) body.value = saved;
  root.addEventListener('input', (event) => {
    const t = event.target as HTMLTextAreaElement;
    if (t.name === 'body' && t.closest('form#respond')) sessionStorage.setItem(draftKey, t.value);
  });

  // Remember the last text selected inside a comment, before a click on "Quote" clears it.
  let lastSelection: Selected | null = null;
  document.addEventListener('selectionchange', () => {
    const found = selectionInComment();
    if (found) lastSelection = { commentId: found.commentId, text: found.text };
  });
  quoteButton((chosen) => openReply(chosen.commentId, chosen.text));
  watchRevealedReplies(root);
  clampLongComments(root);

  root.addEventListener('click', (event) => {
    if (showMoreReplies(event)) return;
    const link = (event.target as Element).closest<HTMLAnchorElement>('a[data-reply], a[data-quote]');
    if (!link) return;
    event.preventDefault();
    const id = link.dataset.reply ?? link.dataset.quote ?? '';
    openReply(id, link.dataset.quote ? quoteFor(id, lastSelection) : null);
  });

  root.addEventListener('submit', (event) => {
    const f = event.target as HTMLFormElement;
    if (f.id !== 'respond') return;
    event.preventDefault();
    const button = f.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (button) button.disabled = true;
    send(event as SubmitEvent, slug, root)
      .catch(() =>
        say({ kind: 'alert', text: 'The site could not be reached. Your text is kept; try again in a moment.' }),
      )
      .finally(() => {
        if (button) button.disabled = false;
      });
  });

  void showHeldComments(slug);
}

if (form && section) start(section, form);

// After a post without JavaScript the browser lands on the form's message: put focus there so it is read out.
if (window.location.hash === '#respond-message') focusOn(document.getElementById('respond-message'));

// A permalink to a comment that sits on another comments page: follow the pointer to that page.
const target = window.location.hash.match(/^#comment-(\d+)$/);
if (target) {
  const pointer = document.querySelector<HTMLAnchorElement>(`.comments-elsewhere > p#comment-${target[1]} a`);
  if (pointer) window.location.replace(pointer.href);
  // A long discussion has no pointers: the permalink route knows the page.
  else if (!document.getElementById(`comment-${target[1]}`)) window.location.replace(`/comments/${target[1]}`);
}
