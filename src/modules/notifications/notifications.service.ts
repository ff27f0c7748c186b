import type { CommentRow, Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { findCommentById, recountPostComments, setCommentStatus } from '../comments/comment.repository.ts';
import { findPostById } from '../content/post.repository.ts';
import { queueMail } from '../mail/outbox.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import { type Change, commentChange } from '../shared/changes.ts';
import { type Clock, isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { getSiteSecret, signToken, verifyToken } from '../shared/secret.ts';
import {
  ensureCommenter,
  findCommenter,
  findMailQueuedSince,
  findMailWithLine,
  listActiveEmailsWithRoles,
  stampCommenterOnce,
} from './notifications.repository.ts';

/** What the notification use cases need. `db` may be the caller's transaction: mail then commits with it. */
export interface NotificationDeps {
  db: Db;
  clock: Clock;
  /** Absolute origin for links in mail, without a trailing slash. */
  baseUrl: string;
  /** Called after a committed write that readers can see (deleting one's comment), so caches drop it. */
  noteWrite?: (change?: Change) => void;
}

const HOUR_MS = 3_600_000;
const CONFIRM_VALID_MS = 7 * 24 * HOUR_MS;
const CONFIRM_SUBJECT = 'Confirm your address for mail from this site';
const EXCERPT_CHARS = 300;
const MODERATOR_ROLES = ['owner', 'admin', 'editor', 'moderator'] as const;

const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** Plain text of a comment's sanitised HTML, for quoting in a text/plain mail. */
function plainTextOf(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/(p|li|blockquote|h\d|pre)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (_, e: string) => {
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
      if (e[0] !== '#') return named[e.toLowerCase()] ?? '';
      const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    })
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

/** The first ~300 characters of a comment, cut at a word, each line quoted with "> ". */
function quoteOf(comment: CommentRow): string {
  const text = plainTextOf(comment.body_html || comment.body_md);
  let cut = text;
  if (text.length > EXCERPT_CHARS) {
    const space = text.lastIndexOf(' ', EXCERPT_CHARS);
    cut = `${text.slice(0, space > EXCERPT_CHARS / 2 ? space : EXCERPT_CHARS).trimEnd()}…`;
  }
  return cut
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

const badLink = (what: string, detail: string) =>
  new AppError('BAD_REQUEST', `This ${what} link is not valid. Copy the whole link from the e-mail and try again.`, {
    detail,
  });

/**
 * Double opt-in: queues one confirmation mail for an address that has not confirmed yet (and has not
 * unsubscribed), at most one an hour. The link stays valid for 7 days.
 */
export async function requestEmailConfirmation(
  deps: NotificationDeps,
  input: {
    email: string;
    name: string;
    /** What the reader asked to hear about, for the mail's wording (default: replies to their comments). */
    about?: string;
  },
): Promise<'queued' | 'already-confirmed' | 'unsubscribed' | 'recently-sent'> {
  const email = normaliseEmail(input.email);
  const now = deps.clock.now();
  return inTransaction(deps.db, async (db) => {
    const commenter = await ensureCommenter(db, email, now.toISOString());
    if (commenter.confirmed_at) return 'already-confirmed';
    if (commenter.unsubscribed_at) return 'unsubscribed';
    const recent = await findMailQueuedSince(db, {
      to: email,
      subject: CONFIRM_SUBJECT,
      after: new Date(now.getTime() - HOUR_MS).toISOString(),
    });
    if (recent) return 'recently-sent';
    const token = signToken(await getSiteSecret(db), 'confirm', `${email}|${now.getTime()}`);
    const site = await getSiteSettings({ db });
    await queueMail(db, deps.clock, {
      to: email,
      subject: CONFIRM_SUBJECT,
      text: [
        `Hello ${input.name},`,
        '',
        `You asked ${site.title} to e-mail you ${input.about ?? 'when someone replies to your comments'}.`,
        'Confirm that this is your address by opening this link (it works for 7 days):',
        '',
        `${deps.baseUrl}/comments/confirm?token=${token}`,
        '',
        'If you did not ask for this, ignore this message: you will get nothing more from us.',
      ].join('\n'),
    });
    return 'queued';
  });
}

/**
 * After a comment is approved (on posting, or later by a moderator): tells the author of the comment it
 * replies to, if their address is confirmed, not unsubscribed and not the replier's own. Queues nothing
 * for a comment that is not approved, and never the same reply twice.
 */
export async function onCommentApproved(deps: NotificationDeps, commentId: number): Promise<boolean> {
  const { db, baseUrl } = deps;
  const reply = await findCommentById(db, commentId);
  if (reply?.status !== 'approved' || reply.parent_id === null) return false;
  const parent = await findCommentById(db, reply.parent_id);
  if (parent?.status !== 'approved') return false;
  const to = normaliseEmail(parent.author_email);
  if (to === normaliseEmail(reply.author_email)) return false;
  const commenter = await findCommenter(db, to);
  if (!commenter?.confirmed_at || commenter.unsubscribed_at) return false;
  const post = await findPostById(db, reply.post_id);
  if (!post) return false;

  // The permalink route finds the comments page the reply is on, with or without JavaScript.
  const link = `${baseUrl}/comments/${reply.id}`;
  // A moderator may approve, trash and approve again: the link line identifies the reply's mail.
  const already = await findMailWithLine(db, to, link);
  if (already) return false;

  const secret = await getSiteSecret(db);
  const unsubscribeUrl = `${baseUrl}/comments/unsubscribe?token=${signToken(secret, 'unsubscribe', to)}`;
  const deleteUrl = `${baseUrl}/comments/delete?token=${signToken(secret, 'delete', `${parent.id}|${to}`)}`;
  const site = await getSiteSettings({ db });
  await queueMail(db, deps.clock, {
    to,
    subject: `${reply.author_name} replied to your comment on “${post.title}”`,
    text: [
      `Hello ${parent.author_name},`,
      '',
      `${reply.author_name} replied to your comment on “${post.title}”:`,
      '',
      quoteOf(reply),
      '',
      'Read the reply and answer it here:',
      link,
      '',
      '-- ',
      `You get this because you confirmed your address for replies on ${site.title}.`,
      `Stop these e-mails: ${unsubscribeUrl}`,
      `Delete your own comment: ${deleteUrl}`,
    ].join('\n'),
    headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  });
  return true;
}

/** A held comment: tells every active owner, admin, editor and moderator that it waits, and why. */
export async function onCommentHeld(deps: NotificationDeps, commentId: number): Promise<number> {
  const { db } = deps;
  const comment = await findCommentById(db, commentId);
  if (comment?.status !== 'held') return 0;
  const post = await findPostById(db, comment.post_id);
  if (!post) return 0;
  const users = await listActiveEmailsWithRoles(db, MODERATOR_ROLES);
  const reasons = reasonLines(comment.reasons_json);
  const recipients = [...new Set(users.map((u) => normaliseEmail(u.email)))];
  for (const to of recipients) {
    await queueMail(db, deps.clock, {
      to,
      subject: `A comment on “${post.title}” is waiting for moderation`,
      text: [
        `${comment.author_name} commented on “${post.title}” and the comment is held for review.`,
        '',
        'Why it was held:',
        ...(reasons.length > 0 ? reasons : ['- (no reason recorded)']),
        '',
        quoteOf(comment),
        '',
        `Approve or reject it: ${deps.baseUrl}/admin/moderation`,
      ].join('\n'),
    });
  }
  return recipients.length;
}

function reasonLines(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    return parsed.map((r: { code?: unknown; message?: unknown }) =>
      typeof r.message === 'string' && r.message ? `- ${String(r.code)}: ${r.message}` : `- ${String(r.code)}`,
    );
  } catch {
    return [];
  }
}

/** Follows a confirmation link: the address will get replies from now on. */
export async function confirmEmail(
  deps: NotificationDeps,
  token: string,
): Promise<{ email: string; alreadyConfirmed: boolean }> {
  const payload = verifyToken(await getSiteSecret(deps.db), 'confirm', token);
  const bar = payload?.lastIndexOf('|') ?? -1;
  const email = payload?.slice(0, bar) ?? '';
  const issuedAt = Number(payload?.slice(bar + 1));
  const now = deps.clock.now().getTime();
  if (!payload || bar < 1 || !Number.isSafeInteger(issuedAt) || issuedAt > now + 5 * 60_000)
    throw badLink('confirmation', 'bad confirm token');
  if (now - issuedAt > CONFIRM_VALID_MS)
    throw new AppError(
      'BAD_REQUEST',
      'This confirmation link has expired: links work for 7 days. Leave another comment and ask for replies to get a new one.',
      { detail: 'expired confirm token' },
    );
  return { email, alreadyConfirmed: !(await stampCommenter(deps, email, 'confirmed_at')) };
}

/** The address an unsubscribe link is for (to show before the reader confirms). */
export async function checkUnsubscribeLink(deps: NotificationDeps, token: string): Promise<{ email: string }> {
  const email = verifyToken(await getSiteSecret(deps.db), 'unsubscribe', token);
  if (!email) throw badLink('unsubscribe', 'bad unsubscribe token');
  return { email };
}

/** Stops reply mail to the link's address (RFC 8058 one-click, or the page's button). */
export async function unsubscribe(
  deps: NotificationDeps,
  token: string,
): Promise<{ email: string; alreadyUnsubscribed: boolean }> {
  const { email } = await checkUnsubscribeLink(deps, token);
  return { email, alreadyUnsubscribed: !(await stampCommenter(deps, email, 'unsubscribed_at')) };
}

/** Sets a commenter's confirmed or unsubscribed time once (creating the row if needed); true if it was unset. */
async function stampCommenter(
  deps: NotificationDeps,
  email: string,
  column: 'confirmed_at' | 'unsubscribed_at',
): Promise<boolean> {
  const at = isoNow(deps.clock);
  return inTransaction(deps.db, (db) => stampCommenterOnce(db, email, { column, at }));
}

export interface OwnComment {
  commentId: number;
  postTitle: string;
  postSlug: string;
  excerpt: string;
  /** Already trashed (or marked spam): nothing left to delete. */
  gone: boolean;
}

/** The comment a delete link is for, checked, without changing anything (for the confirmation page). */
export async function previewOwnCommentDeletion(deps: NotificationDeps, token: string): Promise<OwnComment> {
  const payload = verifyToken(await getSiteSecret(deps.db), 'delete', token);
  const bar = payload?.indexOf('|') ?? -1;
  const commentId = Number(payload?.slice(0, bar));
  const email = payload?.slice(bar + 1) ?? '';
  if (!payload || bar < 1 || !Number.isSafeInteger(commentId)) throw badLink('delete', 'bad delete token');
  const comment = await findCommentById(deps.db, commentId);
  const post = comment && (await findPostById(deps.db, comment.post_id));
  if (!comment || !post) throw new AppError('NOT_FOUND', 'That comment is not there any more.');
  // A moderator may have changed the address since the mail went out: the link was for the old one.
  if (normaliseEmail(comment.author_email) !== email) throw badLink('delete', 'delete token for another address');
  return {
    commentId,
    postTitle: post.title,
    postSlug: post.slug,
    excerpt: quoteOf(comment),
    gone: comment.status === 'trash' || comment.status === 'spam',
  };
}

/** Follows a delete link: the writer's own comment goes to the trash and the post's count is kept right. */
export async function deleteOwnComment(deps: NotificationDeps, token: string): Promise<OwnComment> {
  const own = await previewOwnCommentDeletion(deps, token);
  if (own.gone) return own;
  const postId = await inTransaction(deps.db, async (db) => {
    const comment = await findCommentById(db, own.commentId);
    if (!comment || comment.status === 'trash' || comment.status === 'spam') return undefined;
    await setCommentStatus(db, comment.id, 'trash', isoNow(deps.clock));
    await recountPostComments(db, comment.post_id);
    return comment.post_id;
  });
  if (postId !== undefined) deps.noteWrite?.(commentChange(postId, true));
  return { ...own, gone: true };
}
