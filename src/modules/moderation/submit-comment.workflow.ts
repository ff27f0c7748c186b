import type { CommentRow } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { findCommentById } from '../comments/comment.repository.ts';
import type { CommentDeps } from '../comments/comment-deps.ts';
import { type Mentions, renderStoredComment } from '../comments/comment-markdown.ts';
import { COMMENTS_PER_PAGE } from '../comments/comment-thread.service.ts';
import { COMMENT_QUOTE_MAX, commentHtml, isCommenterUrl, renderNewComment } from '../comments/new-comment.ts';
import {
  proofCoversEmail,
  readCommenterProof,
  withComment,
  writeCommenterProof,
} from '../comments/returning-commenter.ts';
import { findPostHeaderBySlug, isPostVisible, type PostHeader } from '../content/post.repository.ts';
import { markdownShapeProblem } from '../markdown/markdown-limits.ts';
import { insertCommenterOnce } from '../notifications/notifications.repository.ts';
import { onCommentApproved, onCommentHeld, requestEmailConfirmation } from '../notifications/notifications.service.ts';
import { commentChange } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { getSiteSecret } from '../shared/secret.ts';
import { spendToken } from '../shared/used-tokens.repository.ts';
import { findMatchingBans } from './bans.repository.ts';
import type { ModerationContext, ModerationOutcome, ModerationSettings, Verdict } from './moderation.types.ts';
import { getModerationSettings } from './moderation-settings.ts';
import { previewWarnings, runPipeline } from './pipeline.ts';
import { listThreadAuthors } from './queue.repository.ts';
import { spamProbability } from './spam-classifier.ts';
import {
  countOneApprovedComment,
  findCommenterHistory,
  insertSubmittedComment,
  startOwnThread,
} from './submit-comment.repository.ts';

/**
 * A comment's way in (comment -> moderate -> notify -> recount): it lives in moderation, above comments and
 * notifications, because it runs the moderation pipeline and the moderation queue renders comments the same way.
 */

/** A comment is short: far fewer emphasis marks than any real one uses keep the parser quick. */
const COMMENT_EMPHASIS_LIMITS = { paragraph: 300, total: 1_000 };

/** A new comment as a reader (or a signed-in user) sends it. Everything in it is hostile until checked. */
export interface CommentSubmission {
  postSlug: string;
  /** The article's header, when the caller has already looked it up by `postSlug` (saves a query). */
  post?: PostHeader;
  parentId: number | null;
  /** Quote-reply: a passage of another comment on the same article. */
  quote: { commentId: number; text: string } | null;
  authorName: string;
  authorEmail: string;
  authorUrl: string;
  body: string;
  honeypot: string;
  notifyReplies: boolean;
  ip: string;
  userAgent: string;
  /** When the reader's form token was issued (from the web layer), for the too-fast check. */
  formIssuedAt: Date | null;
  /** The form token itself: used once, a second use is a replay. Null when none came (see formTooFast). */
  formToken: string | null;
  /** The browser's signed returning-commenter token, as it sent it (decision 021); null when it sent none. */
  commenterToken: string | null;
  user: { id: number; name: string; email: string } | null;
}

export interface SubmittedComment {
  id: number;
  postId: number;
  postSlug: string;
  status: 'approved' | 'held' | 'spam';
  reasons: Verdict[];
  /** The comments page (thread order) of a new approved thread; undefined for replies and held comments. */
  page?: number;
  /** The browser's returning-commenter token, renewed and naming this comment too: the web layer sends it back. */
  commenterToken: string;
}

const EMAIL =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const normalise = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();
// Control characters never belong in a name or a comment (tabs and newlines aside), nor do the bidi overrides
// that can make a name read backwards.
const stripControls = (s: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g, '');

interface CheckedFields {
  name: string;
  email: string;
  url: string | null;
  body: string;
}

/** Field-level checks: every problem at once, each with a message the writer can act on. */
function checkFields(input: CommentSubmission, settings: ModerationSettings): CheckedFields {
  const fields: Record<string, string> = {};
  const name = normalise(stripControls(input.user?.name ?? input.authorName));
  const email = (input.user?.email ?? input.authorEmail).trim().toLowerCase();
  const url = input.authorUrl.trim();
  const body = stripControls(input.body).replace(/\r\n?/g, '\n').trim();
  if (!name) fields.name = 'Give a name to show with your comment.';
  else if (name.length > settings.maxNameLength)
    fields.name = `A name can be at most ${settings.maxNameLength} characters.`;
  if (!email) fields.email = 'Give your email address; it is never shown.';
  else if (email.length > 254 || !EMAIL.test(email)) fields.email = 'That is not an email address.';
  if (url && (url.length > 300 || !isCommenterUrl(url)))
    fields.url = 'A website must be an http:// or https:// address.';
  if (!body) fields.body = 'Write your comment.';
  else if (body.length > settings.maxLength * 2)
    fields.body = `A comment can be at most ${settings.maxLength} characters.`;
  else {
    const marks = markdownShapeProblem(body, COMMENT_EMPHASIS_LIMITS);
    if (marks) fields.body = marks;
  }
  if (Object.keys(fields).length > 0)
    throw new AppError('COMMENT_INVALID', 'Please correct the fields marked below.', { fields });
  return { name, email, url: url || null, body };
}

async function loadPost(deps: CommentDeps, slug: string, known?: PostHeader): Promise<PostHeader> {
  const post = known?.slug === slug ? known : await findPostHeaderBySlug(deps.db, slug);
  if (post?.type !== 'post' || !isPostVisible(post, deps.clock.now().toISOString())) {
    throw new AppError('POST_NOT_FOUND', 'There is no article at this address.', { detail: slug.slice(0, 200) });
  }
  return post;
}

async function loadParent(deps: CommentDeps, post: PostHeader, parentId: number | null): Promise<CommentRow | null> {
  if (parentId === null) return null;
  const parent = await findCommentById(deps.db, parentId);
  if (!parent || parent.post_id !== post.id || parent.status !== 'approved') {
    throw new AppError(
      'PARENT_NOT_FOUND',
      'The comment you replied to is not on this article any more. Your text is kept below; you can post it as a new comment.',
    );
  }
  return parent;
}

/** The quoted passage must really be in the quoted comment, so no one can put words in another's mouth. */
async function checkQuote(
  deps: CommentDeps,
  post: PostHeader,
  quote: CommentSubmission['quote'],
): Promise<{ comment: CommentRow; text: string } | null> {
  if (!quote || !normalise(quote.text)) return null;
  const quoted = await findCommentById(deps.db, quote.commentId);
  const text = normalise(stripControls(quote.text));
  // Never cut: a shortened quote could say what the other commenter did not.
  if (text.length > COMMENT_QUOTE_MAX)
    throw new AppError('COMMENT_INVALID', 'The quoted passage is too long.', {
      fields: {
        quote: `Quote at most ${COMMENT_QUOTE_MAX.toLocaleString('en-GB')} characters of the comment you are replying to.`,
      },
    });
  const source = quoted ? normalise((await renderStoredComment(quoted.body_md)).text) : '';
  if (!quoted || quoted.post_id !== post.id || quoted.status !== 'approved' || !source.includes(text)) {
    throw new AppError('COMMENT_INVALID', 'The quoted passage must come from a comment on this article.', {
      fields: { quote: 'Quote only words that are in the comment you are replying to.' },
    });
  }
  return { comment: quoted, text };
}

/** @Name links: the latest approved comment of each commenter in the same thread. */
async function mentionsIn(deps: CommentDeps, threadId: number | null): Promise<Mentions> {
  const mentions: Mentions = new Map();
  if (threadId === null) return mentions;
  const rows = await listThreadAuthors(deps.db, threadId);
  for (const r of rows) mentions.set(r.author_name, `#comment-${r.id}`);
  return mentions;
}

async function gatherContext(
  deps: CommentDeps,
  post: PostHeader,
  f: CheckedFields,
  text: string,
  links: string[],
  input: CommentSubmission,
  settings: ModerationSettings,
): Promise<ModerationContext> {
  const now = deps.clock.now();
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  // One statement for the commenter's history: the last comment from this address and from this email, a
  // duplicate of this text in the last day, and how many of their comments were approved.
  const [history, spam] = await Promise.all([
    findCommenterHistory(deps.db, { ip: input.ip, email: f.email, name: f.name, body: f.body, since: dayAgo }),
    spamProbability(deps.db, `${f.name}\n${f.url ?? ''}\n${text}`),
  ]);
  const domains = [f.email.split('@')[1] ?? '', ...[...links, ...(f.url ? [f.url] : [])].map(hostOf)].filter(Boolean);
  const bans = await findMatchingBans(
    deps.db,
    { email: f.email, ip: input.ip, domains, text: `${f.name}\n${text}` },
    now.toISOString(),
  );
  // Only an approved email's trust needs proving: a stranger's or a signed-in writer's comment costs no query.
  const identityProven =
    input.user === null && history.approved !== null && (await browserShowsEmail(deps, input.commenterToken, f.email));
  return {
    now,
    settings,
    post: { commentsOpen: post.comments_open === 1, publishedAt: post.published_at ?? post.created_at },
    comment: {
      authorName: f.name,
      authorEmail: f.email,
      authorUrl: f.url,
      body: f.body,
      text,
      links: [...links, ...(f.url ? [f.url] : [])],
      ip: input.ip,
      honeypot: input.honeypot,
      formIssuedAt: input.formIssuedAt,
      signedIn: input.user !== null,
      identityProven,
    },
    history: {
      lastFromIp: input.ip && history.last_ip ? new Date(history.last_ip) : null,
      lastFromEmail: history.last_email ? new Date(history.last_email) : null,
      duplicate: history.duplicate !== null,
      approvedFromEmail: history.approved === null ? 0 : 1,
      nameOfAnother: history.name_signed_by !== null && history.name_signed_by !== f.email,
    },
    bans,
    spamProbability: spam,
  };
}

/** Whether the browser's returning-commenter token shows that `email` is its writer's (decision 021). */
async function browserShowsEmail(deps: CommentDeps, token: string | null, email: string): Promise<boolean> {
  if (!token) return false;
  const secret = await getSiteSecret(deps.db);
  return proofCoversEmail({ db: deps.db, secret }, readCommenterProof(secret, token, deps.clock.now()), email);
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** What a writer should know before posting: the reasons their comment would be held or refused. */
export async function previewComment(deps: CommentDeps, input: CommentSubmission): Promise<Verdict[]> {
  const settings = await getModerationSettings(deps);
  const post = await loadPost(deps, input.postSlug);
  const f = checkFields(input, settings);
  const { text, links } = await renderNewComment(f.body);
  return previewWarnings(await gatherContext(deps, post, f, text, links, input, settings));
}

/**
 * Checks a new comment, runs it through the moderation pipeline and stores it — approved, held or as spam —
 * with the form token used up in the same transaction. The answer comes only after the commit, so an
 * acknowledged comment is never lost. Rejected comments are not stored; the error says why.
 */
export async function submitComment(deps: CommentDeps, input: CommentSubmission): Promise<SubmittedComment> {
  const settings = await getModerationSettings(deps);
  const post = await loadPost(deps, input.postSlug, input.post);
  const f = checkFields(input, settings);
  const parent = await loadParent(deps, post, input.parentId);
  const quote = await checkQuote(deps, post, input.quote);
  const threadId = parent ? (parent.thread_id ?? parent.id) : null;
  const mentions = await mentionsIn(deps, threadId);
  const rendered = commentHtml(
    await renderNewComment(f.body, mentions),
    quote ? { commentId: quote.comment.id, authorName: quote.comment.author_name, text: quote.text } : null,
  );
  const ctx = await gatherContext(deps, post, f, rendered.text, rendered.links, input, settings);
  const outcome: ModerationOutcome = runPipeline(ctx);
  if (outcome.status === 'rejected') {
    const first = outcome.reasons[0];
    throw new AppError('COMMENT_REJECTED', first?.message ?? 'Your comment could not be posted.', {
      detail: first?.code,
    });
  }
  const now = deps.clock.now().toISOString();
  const status = outcome.status;
  const stored = await inTransaction(deps.db, async (trx) => {
    if (input.formToken !== null && !(await spendToken(trx, input.formToken, now))) {
      throw new AppError(
        'FORM_TOKEN_REPLAYED',
        'This form was already sent once. Your text is kept below: send it again to post it.',
      );
    }
    const id = await insertSubmittedComment(trx, {
      post_id: post.id,
      parent_id: parent?.id ?? null,
      thread_id: threadId,
      depth: parent ? parent.depth + 1 : 0,
      author_name: f.name,
      author_email: f.email,
      author_url: f.url,
      user_id: input.user?.id ?? null,
      body_md: f.body,
      body_html: rendered.html,
      quoted_comment_id: quote?.comment.id ?? null,
      quoted_text: quote?.text ?? null,
      status,
      reasons_json: JSON.stringify(outcome.reasons),
      ip: input.ip,
      user_agent: input.userAgent.slice(0, 300),
      created_at: now,
      approved_at: status === 'approved' ? now : null,
    });
    if (threadId === null) await startOwnThread(trx, id);
    await insertCommenterOnce(trx, f.email, now);
    // One more approved comment: a step, not a recount (moderation recounts when statuses change).
    const threads = status === 'approved' ? await countOneApprovedComment(trx, post.id, parent === null) : undefined;
    // Mail goes through the outbox in this same transaction: it is sent if and only if the comment exists.
    const mailDeps = { db: trx, clock: deps.clock, baseUrl: deps.baseUrl };
    // Only a reply can notify anyone (the person replied to).
    if (status === 'approved' && parent) await onCommentApproved(mailDeps, id);
    if (status === 'held') await onCommentHeld(mailDeps, id);
    if (input.notifyReplies && status !== 'spam')
      await requestEmailConfirmation(mailDeps, { email: f.email, name: f.name });
    return {
      id,
      // A new thread is the newest: it is on the last comments page, which the thread count gives at once.
      page: parent === null && threads !== undefined ? Math.max(1, Math.ceil(threads / COMMENTS_PER_PAGE)) : undefined,
    };
  });
  deps.noteWrite(commentChange(post.id));
  // Every stored comment joins the browser's proof, whatever its status: once approved (now or by a moderator
  // later) it vouches for its email, and answering spam and held alike tells a robot nothing. Except one held
  // because its identity was in doubt: moderators judge what it says, not who sent it, so approving it (or
  // replying to it) must not make this browser a stand-in for that address.
  const secret = await getSiteSecret(deps.db);
  const earlier = readCommenterProof(secret, input.commenterToken, deps.clock.now());
  const doubted = outcome.reasons.some((r) => r.code === 'IDENTITY_NOT_CONFIRMED');
  const proof = doubted ? earlier : withComment(earlier, stored.id);
  return {
    id: stored.id,
    page: stored.page,
    postId: post.id,
    postSlug: post.slug,
    status,
    reasons: outcome.reasons,
    commenterToken: writeCommenterProof(secret, proof, deps.clock.now()),
  };
}
