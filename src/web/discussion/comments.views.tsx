import {
  COMMENTS_PER_PAGE,
  type CommentOrder,
  type CommentPage,
  type CommentView,
} from '../../modules/comments/comment-thread.service.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import { escapeMarkup } from '../../modules/shared/escape.ts';
import { HoneypotField, TextareaField, TextField } from '../ui/form.tsx';
import { safeHref } from '../ui/format.ts';
import { Pager } from '../ui/lists.tsx';
import { joined, keptFor } from '../ui/rendered-html.ts';

/** What the comment form shows: the values a writer typed, and what went wrong with them. */
export interface CommentFormState {
  values: { name: string; email: string; url: string; body: string; quote: string; parentId: string; notify: boolean };
  errors: Record<string, string>;
  /** A message for the whole form (role="alert"). */
  message: string | null;
  /** The comment answered; `html` and `createdAt` to show it above the form on the reply page (no JavaScript). */
  replyTo: { id: number; authorName: string; html?: string; createdAt?: string } | null;
  /** Warnings shown before posting: why the comment may be held. */
  warnings: string[];
  /** The routine holds of a stranger's comment (a first comment, an address not yet proven here): information. */
  routine: string[];
  /** A signed-in user comments under their account's name, without the name and email fields. */
  user: { id: number; name: string; email: string } | null;
}

export const emptyCommentForm = (): CommentFormState => ({
  values: { name: '', email: '', url: '', body: '', quote: '', parentId: '', notify: false },
  errors: {},
  message: null,
  replyTo: null,
  warnings: [],
  routine: [],
  user: null,
});

/** The codes of holds every newcomer meets: shown as information, not as something to fix. */
export const ROUTINE_HOLDS: ReadonlySet<string> = new Set(['FIRST_COMMENT', 'IDENTITY_NOT_CONFIRMED']);

/** The form's anchor: a post without JavaScript lands here (the form's action and the redirects carry it). */
export const FORM_MESSAGE_ID = 'respond-message';

const HELD_NOTICE =
  'Thank you. Your comment is awaiting moderation and will appear once a moderator has read it. Nothing more to do.';

const timeFormats = new Map<string, Intl.DateTimeFormat>();
// Intl formatting is slow next to the rest of a comment: each time stamp is formatted once.
const formattedTimes = new Map<string, string>();
function formatDateTime(iso: string, site: SiteSettings): string {
  const key = `${site.locale}|${site.timeZone}`;
  let f = timeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(site.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: site.timeZone });
    timeFormats.set(key, f);
  }
  const stamp = `${key}|${iso}`;
  let text = formattedTimes.get(stamp);
  if (text === undefined) {
    text = f.format(new Date(iso));
    if (formattedTimes.size >= 5000) formattedTimes.delete(formattedTimes.keys().next().value as string);
    formattedTimes.set(stamp, text);
  }
  return text;
}

const ORDER_LABELS: Record<CommentOrder, string> = {
  thread: 'Threads',
  oldest: 'Oldest first',
  newest: 'Newest first',
};

/**
 * A thread with more replies than FOLD_OVER shows its first REPLIES_SHOWN (in reading order, at any depth) and
 * folds the rest behind "Show N more replies" (issue 16).
 */
export const FOLD_OVER = 3;
export const REPLIES_SHOWN = 2;

/** What every comment of a list is rendered with. */
interface ListContext {
  base: string;
  slug: string;
  site: SiteSettings;
  open: boolean;
  /** Fold long threads (the article page); the thread's own page shows everything. */
  collapse: boolean;
}

/** A thread being folded: how many of its replies have been written out, and the first one folded. */
interface Fold {
  seen: number;
  first: number | null;
}

/** Where a comment sits: how deep it is nested, whom it answers directly, and its thread's fold (if folded). */
interface Placement {
  level: number;
  parent: CommentView | null;
  fold: Fold | null;
}

const BADGE_LABELS = { author: 'Author', staff: 'Staff' } as const;

const countComments = (items: CommentView[]): number => items.reduce((n, c) => n + 1 + countComments(c.replies), 0);

/** Reply, Quote (while the discussion is open) and Report, each a link that works without JavaScript. */
function actionsHtml(c: CommentView, name: string, x: ListContext): string {
  const answer = x.open
    ? `<a class="comment__action" href="${x.base}?replyto=${c.id}#respond" data-reply="${c.id}">Reply<span class="visually-hidden"> to ${name}</span></a><a class="comment__action" href="${x.base}?replyto=${c.id}&amp;quote=1#respond" data-quote="${c.id}">Quote<span class="visually-hidden"> ${name}</span></a>`
    : '';
  return `<footer class="comment__actions">${answer}<a class="comment__action" href="/comments/${c.id}/report" rel="nofollow">Report<span class="visually-hidden"> comment by ${name}</span></a></footer>`;
}

/** Whom a comment answers: past the display depth always; from the third level down on phones (CSS). */
function answersHtml(c: CommentView, at: Placement, x: ListContext): string {
  if (c.inReplyTo)
    return `<p class="comment__in-reply-to">In reply to <a href="${x.base}#comment-${c.inReplyTo.id}">${escapeMarkup(c.inReplyTo.authorName)}</a></p>`;
  if (at.level < 3 || !at.parent) return '';
  return `<p class="comment__reply-to">Reply to <a href="${x.base}#comment-${at.parent.id}">${escapeMarkup(at.parent.authorName)}</a></p>`;
}

function commentHtml(c: CommentView, at: Placement, x: ListContext): string {
  const name = escapeMarkup(c.authorName);
  const author = c.authorUrl
    ? `<a href="${escapeMarkup(safeHref(c.authorUrl))}" rel="nofollow ugc noopener noreferrer">${name}</a>`
    : name;
  const badge = c.badge
    ? ` <span class="comment__badge comment__badge--${c.badge}">${BADGE_LABELS[c.badge]}</span>`
    : '';
  const time = `<time datetime="${escapeMarkup(c.createdAt)}">${escapeMarkup(formatDateTime(c.createdAt, x.site))}</time>`;
  const cls = c.badge ? `comment comment--${c.badge}` : 'comment';
  const replies =
    c.replies.length > 0
      ? `<ol class="comment-replies">${repliesHtml(c.replies, { level: at.level + 1, parent: c, fold: at.fold }, x)}</ol>`
      : '';
  return `<article class="${cls}" id="comment-${c.id}" aria-labelledby="comment-${c.id}-author"><header class="comment__header"><span class="comment__author" id="comment-${c.id}-author">${author}</span>${badge} <a class="comment__permalink" href="${x.base}#comment-${c.id}">${time}</a></header>${answersHtml(c, at, x)}<div class="comment__body">${c.html}</div>${actionsHtml(c, name, x)}</article>${replies}`;
}

/**
 * Replies, in a folded thread past the first REPLIES_SHOWN: `hidden="until-found"` (a permalink or the browser's
 * find still opens them), the outermost folded item only (its replies go with it).
 */
function repliesHtml(items: CommentView[], at: Placement, x: ListContext): string {
  let html = '';
  for (const c of items) {
    const fold = at.fold;
    let inner = at;
    let attrs = '';
    if (fold) {
      fold.seen++;
      if (fold.seen > REPLIES_SHOWN) {
        fold.first ??= c.id;
        attrs = ' class="comment-folded" hidden="until-found"';
        inner = { ...at, fold: null };
      }
    }
    html += `<li${attrs}>${commentHtml(c, inner, x)}</li>`;
  }
  return html;
}

/** A thread: its first comment and its replies, folded past FOLD_OVER behind a link to the thread's own page. */
function threadHtml(root: CommentView, x: ListContext): string {
  const total = countComments(root.replies);
  const fold: Fold | null = x.collapse && total > FOLD_OVER ? { seen: 0, first: null } : null;
  let html = commentHtml(root, { level: 0, parent: null, fold }, x);
  if (fold?.first) {
    const n = total - REPLIES_SHOWN;
    const href = `${x.base}thread/${root.id}/#comment-${fold.first}`;
    html += `<p class="comment-more"><a href="${href}" data-more="${root.id}">Show ${n} more ${n === 1 ? 'reply' : 'replies'}<span class="visually-hidden"> in the thread started by ${escapeMarkup(root.authorName)}</span></a></p>`;
  }
  return `<li>${html}</li>`;
}

/**
 * Comments as HTML: threads (or single comments, in a flat order) at the top level. Built as strings, not Preact
 * components: a page holds up to fifty threads and their markup was a third of an uncached article render. Every
 * value from a reader goes through escapeMarkup (names, addresses); bodies are the comment renderer's sanitised
 * HTML; ids and dates are ours.
 */
export function commentsHtml(items: CommentView[], x: Omit<ListContext, 'base'>): string {
  const ctx = { ...x, base: `/${escapeMarkup(x.slug)}/` };
  return items.map((c) => threadHtml(c, ctx)).join('');
}

/**
 * One comment alone, as the discussion shows it (saying whom it answers), for the answer to a post through the
 * API: the comment island puts it in place for its writer instead of fetching the page again (decision 052).
 */
export function singleCommentHtml(c: CommentView, x: { slug: string; site: SiteSettings }): string {
  const ctx = { ...x, base: `/${escapeMarkup(x.slug)}/`, open: true, collapse: false };
  return commentHtml(c, { level: 0, parent: null, fold: null }, ctx);
}

// A page of comments is read once per content generation (comment-thread.service.ts): its HTML is built once too.
const keptCommentsHtml = (page: CommentPage, slug: string, site: SiteSettings, open: boolean) =>
  keptFor(page, [slug, site, open], () => joined(commentsHtml(page.items, { slug, site, open, collapse: true })));

/** One of the writer's details: a labelled input whose error, when there is one, is tied to it. */
function InputField(props: {
  name: 'name' | 'email' | 'url';
  label: string;
  type: 'text' | 'email' | 'url';
  value: string;
  error: string | undefined;
  maxLength: number;
  required?: boolean;
}) {
  return <TextField id={`comment-${props.name}`} autoComplete={props.name} {...props} />;
}

/**
 * What the form has to say, in one place the browser lands on after a post without JavaScript (`FORM_MESSAGE_ID`,
 * focusable): what went wrong (an alert), why the comment may be held (a warning, or information for the routine
 * holds), or that a posted comment awaits moderation.
 */
function FormMessage(props: { form: CommentFormState; held: boolean }) {
  const { form } = props;
  const errorList = Object.entries(form.errors);
  const any = props.held || form.message || errorList.length + form.warnings.length + form.routine.length > 0;
  if (!any) return null;
  const calm = errorList.length === 0 && form.warnings.length === 0 && form.message?.startsWith('Nothing');
  return (
    <div id={FORM_MESSAGE_ID} class="comment-form__message" tabindex={-1}>
      {props.held ? (
        <p class="comment-notice" role="status">
          {HELD_NOTICE}
        </p>
      ) : null}
      {form.message || errorList.length > 0 ? (
        <div class={calm ? 'comment-notice' : 'form-alert'} role={calm ? 'status' : 'alert'}>
          {form.message ? <p>{form.message}</p> : null}
          {errorList.length > 0 ? (
            <ul>
              {errorList.map(([field, message]) => (
                <li key={field}>
                  <a href={`#comment-${field}`}>{message}</a>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {form.warnings.length > 0 ? (
        <div class="form-warning" role="status">
          <p>Your comment may be held for a moderator to read first, because:</p>
          <ul>
            {form.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {form.routine.map((w) => (
        <p key={w} class="form-info" role="status">
          {w}
        </p>
      ))}
    </div>
  );
}

/** The comment answered, above the reply form (the reply page without JavaScript). Its body is our sanitised HTML. */
function ReplyingTo(props: { slug: string; replyTo: NonNullable<CommentFormState['replyTo']> }) {
  const { replyTo } = props;
  return (
    <div class="comment-form__replying">
      <p>
        Replying to <a href={`/${props.slug}/#comment-${replyTo.id}`}>{replyTo.authorName}</a> ·{' '}
        <a href={`/${props.slug}/#respond`} class="comment-form__cancel">
          Cancel reply
        </a>
      </p>
      {replyTo.html ? (
        <blockquote
          class="comment-form__parent"
          cite={`/${props.slug}/#comment-${replyTo.id}`}
          dangerouslySetInnerHTML={{ __html: replyTo.html }}
        />
      ) : null}
    </div>
  );
}

/**
 * The comment form under an article, or (`confirm`) on the confirm page of a post that came without a form
 * token (decision 035): the same fields with the writer's text, and one button that sends it. `held`: the
 * notice after a comment held for moderation (`?posted=held`, the same for everyone: nothing personal).
 */
export function CommentForm(props: { slug: string; form: CommentFormState; confirm?: boolean; held?: boolean }) {
  const { form } = props;
  const v = form.values;
  const e = form.errors;
  const heading = form.replyTo ? `Reply to ${form.replyTo.authorName}` : 'Leave a comment';
  return (
    <form
      id="respond"
      class="comment-form"
      method="post"
      action={`/${props.slug}/comments#${FORM_MESSAGE_ID}`}
      aria-labelledby="respond-heading"
    >
      {props.confirm ? (
        <h2 id="respond-heading">{form.replyTo ? heading : 'Your comment'}</h2>
      ) : (
        <h3 id="respond-heading">{heading}</h3>
      )}
      <FormMessage form={form} held={props.held ?? false} />
      {form.replyTo ? <ReplyingTo slug={props.slug} replyTo={form.replyTo} /> : null}
      <input type="hidden" name="parent_id" value={v.parentId} />
      {form.replyTo && (v.quote || e.quote) ? (
        <TextareaField
          id="comment-quote"
          name="quote"
          label="Quoted passage"
          hint="Trim it to the words you are answering."
          error={e.quote}
          value={v.quote}
          rows={3}
        />
      ) : null}
      <TextareaField
        id="comment-body"
        name="body"
        label="Comment"
        hint="You can use *emphasis*, **bold**, [links](https://example.org), > quotes, lists and `code`. HTML is shown as text."
        error={e.body}
        value={v.body}
        rows={8}
        required
      />
      {form.user ? (
        <p class="comment-form__user">
          Commenting as <strong>{form.user.name}</strong>.
        </p>
      ) : (
        <div class="comment-form__who">
          <InputField name="name" label="Name" type="text" value={v.name} error={e.name} maxLength={80} required />
          <InputField
            name="email"
            label="Email (never shown)"
            type="email"
            value={v.email}
            error={e.email}
            maxLength={254}
            required
          />
          <InputField name="url" label="Website (optional)" type="url" value={v.url} error={e.url} maxLength={300} />
        </div>
      )}
      <HoneypotField id="comment-hp" />
      <p class="comment-form__notify">
        <input id="comment-notify" name="notify" type="checkbox" value="1" checked={v.notify} />{' '}
        <label for="comment-notify">Email me when someone replies (we ask you to confirm your address first)</label>
      </p>
      {props.confirm ? (
        <p class="comment-form__buttons">
          <button type="submit" name="intent" value="confirm">
            Send comment
          </button>
        </p>
      ) : (
        <p class="comment-form__buttons">
          <button type="submit">Post comment</button>{' '}
          <button type="submit" name="intent" value="check" class="button--secondary">
            Check before posting
          </button>
        </p>
      )}
    </form>
  );
}

/**
 * The page a comment posted without a form token gets (decision 035): nothing is stored yet; the writer's text
 * is shown back whole in the form, and the answer brings a fresh token, so pressing the one button posts it.
 * `again`: the confirm page's own form came back without the token, so the browser refuses the cookie.
 */
export function ConfirmCommentPage(props: {
  article: { slug: string; title: string };
  form: CommentFormState;
  again: boolean;
}) {
  const { article } = props;
  return (
    <section class="confirm-page" aria-labelledby="confirm-title">
      <h1 id="confirm-title" class="page-title">
        Confirm your comment
      </h1>
      <p>
        Your comment on <a href={`/${article.slug}/`}>{article.title}</a> is not posted yet.{' '}
        {props.again
          ? null
          : 'Your browser had no form token from this site, which it gets when you start writing with JavaScript on. Read your comment over, then send it.'}
      </p>
      <CommentForm slug={article.slug} form={props.form} confirm />
    </section>
  );
}

/** Pointers for permalinks to comments on other pages; `pageUrl` is built from a checked slug and numbers. */
function elsewhereHtml(page: CommentPage, pageUrl: (p: number) => string): string {
  const urls = new Map<number, string>();
  let html = '';
  for (const e of page.elsewhere) {
    let url = urls.get(e.page);
    if (url === undefined) {
      url = escapeMarkup(pageUrl(e.page));
      urls.set(e.page, url);
    }
    html += `<p id="comment-${e.id}">That comment is on <a href="${url}#comment-${e.id}">comments page ${e.page}</a>.</p>`;
  }
  return html;
}

/** The discussion under an article: threads, order switch, pages, and the form. */
export function CommentsSection(props: {
  slug: string;
  page: CommentPage;
  open: boolean;
  form: CommentFormState;
  notice: 'held' | null;
  site: SiteSettings;
}) {
  const { page, slug } = props;
  const base = `/${slug}/`;
  const link = (order: CommentOrder, p = 1) => {
    const q = new URLSearchParams();
    if (order !== 'thread') q.set('corder', order);
    if (p > 1) q.set('cpage', String(p));
    const s = q.toString();
    return `${base}${s ? `?${s}` : ''}#comments`;
  };
  return (
    <section id="comments" class="comments" aria-labelledby="comments-heading">
      <h2 id="comments-heading">
        {page.total === 0 ? 'Comments' : page.total === 1 ? '1 comment' : `${page.total} comments`}
      </h2>
      {page.total > 1 ? (
        <nav class="comment-order" aria-label="Order of comments">
          <ul>
            {(['thread', 'oldest', 'newest'] as const).map((o) => (
              <li key={o}>
                <a href={link(o)} aria-current={o === page.order ? 'true' : undefined}>
                  {ORDER_LABELS[o]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      {page.total === 0 ? <p class="empty">No comments yet.</p> : null}
      <ol
        class="comment-list"
        data-order={page.order}
        data-page={page.page}
        data-pages={page.pageCount}
        data-per-page={COMMENTS_PER_PAGE}
        dangerouslySetInnerHTML={{ __html: keptCommentsHtml(page, slug, props.site, props.open) }}
      />
      {page.pageCount > 1 ? (
        <Pager
          label="Pages of comments"
          status={`Comments page ${page.page} of ${page.pageCount}`}
          prev={page.page > 1 ? { href: link(page.order, page.page - 1), text: '← Earlier comments' } : undefined}
          next={
            page.page < page.pageCount ? { href: link(page.order, page.page + 1), text: 'Later comments →' } : undefined
          }
        />
      ) : null}
      {page.elsewhere.length > 0 ? (
        // Targets for permalinks to comments on other pages: each shows only when its #comment-N is the target.
        // Built as a string: a long thread has hundreds of these, and they hold only numbers and the slug.
        <div
          class="comments-elsewhere"
          dangerouslySetInnerHTML={{ __html: elsewhereHtml(page, (p) => link(page.order, p).replace('#comments', '')) }}
        />
      ) : null}
      {props.open ? (
        <CommentForm slug={slug} form={props.form} held={props.notice === 'held'} />
      ) : (
        <p class="comments-closed">Comments are closed on this article.</p>
      )}
    </section>
  );
}

/** A thread's own page: the whole thread, nothing folded, under a way back to the article's discussion. */
export function ThreadView(props: {
  article: { slug: string; title: string };
  thread: CommentView;
  open: boolean;
  site: SiteSettings;
}) {
  const { article, thread } = props;
  const html = commentsHtml([thread], { slug: article.slug, site: props.site, open: props.open, collapse: false });
  return (
    <section class="comments thread-page" aria-labelledby="thread-title">
      <p class="thread-page__back">
        <a href={`/${article.slug}/#comment-${thread.id}`}>← Back to the discussion</a>
      </p>
      <h1 id="thread-title" class="page-title">
        Thread started by {thread.authorName}
      </h1>
      <p class="thread-page__article">
        On <a href={`/${article.slug}/`}>{article.title}</a>
      </p>
      <ol class="comment-list" dangerouslySetInnerHTML={{ __html: html }} />
    </section>
  );
}
