import type { CommentRow, CommentStatus, Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { findCommentById, recountPostComments, setCommentStatus } from '../comments/comment.repository.ts';
import type { Mentions } from '../comments/comment-markdown.ts';
import { renderStoredComment } from '../comments/comment-markdown.ts';
import { commentHtml, renderNewComment } from '../comments/new-comment.ts';
import { markdownShapeProblem } from '../markdown/markdown-limits.ts';
import { onCommentApproved } from '../notifications/notifications.service.ts';
import { type Change, commentChange } from '../shared/changes.ts';
import { type Clock, isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { type Paged, paged } from '../shared/paging.ts';
import { MODERATION_REASON_CODES, type ModerationReasonCode } from './moderation.types.ts';
import { getModerationSettings } from './moderation-settings.ts';
import {
  countQueueByStatus,
  deleteCommentRow,
  findCommentsByIds,
  insertModeratorComment,
  listPostsWithComments,
  listQueueRows,
  listReportReasons,
  listThreadAuthors,
  updateCommentBody,
} from './queue.repository.ts';
import { trainSpam } from './spam-classifier.ts';

/** What the moderation use cases need. */
export interface ModerationDeps {
  db: Db;
  clock: Clock;
  /** Absolute origin, for links in the mail an approval may send. */
  baseUrl: string;
  /** Called after every committed change, so page caches drop what readers saw before. */
  noteWrite: (change?: Change) => void;
}

export const QUEUE_STATUSES = ['held', 'spam', 'trash'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
export const MODERATION_ACTIONS = ['approve', 'spam', 'trash', 'delete', 'restore'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export const QUEUE_PER_PAGE = 20;
/** At most this many comments in one bulk action. */
export const BULK_LIMIT = 100;

export interface QueueReason {
  phase: string;
  code: ModerationReasonCode;
  message: string;
}

/** A comment as the moderation queue shows it. */
export interface QueueItem {
  id: number;
  status: CommentStatus;
  post: { id: number; title: string; slug: string };
  parentId: number | null;
  authorName: string;
  authorEmail: string;
  authorUrl: string | null;
  ip: string;
  userAgent: string;
  createdAt: string;
  updatedAt: string | null;
  reasons: QueueReason[];
  reportCount: number;
  /** What readers who reported it said ("abuse: rude to another reader"), newest first. */
  reports: string[];
  /** Sanitised HTML, as readers would see it. */
  bodyHtml: string;
  /** The Markdown as written, for the edit form. */
  bodyMd: string;
}

export interface QueueQuery {
  status: QueueStatus;
  postId?: number;
  reason?: ModerationReasonCode;
  /** An exact email or IP address, or part of a name. */
  author?: string;
  page: number;
}

export type ModerationQueue = Paged<QueueItem> & { counts: Record<QueueStatus, number> };

/** reasons_json as stored by the pipeline; anything unreadable is left out rather than failing the page. */
function parseReasons(json: string): QueueReason[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((r: unknown) => {
    if (!r || typeof r !== 'object') return [];
    const { phase, code, message } = r as Record<string, unknown>;
    if (typeof code !== 'string' || !(MODERATION_REASON_CODES as readonly string[]).includes(code)) return [];
    return [
      {
        phase: typeof phase === 'string' ? phase : '',
        code: code as ModerationReasonCode,
        message: typeof message === 'string' ? message : '',
      },
    ];
  });
}

/** One page of held, spam or trashed comments, newest first, with the counts of each status under the same filter. */
export async function listQueue(deps: Pick<ModerationDeps, 'db'>, query: QueueQuery): Promise<ModerationQueue> {
  const filter = { postId: query.postId, reason: query.reason, author: query.author?.trim() || undefined };
  const counted = await countQueueByStatus(deps.db, filter);
  const counts = { held: counted.held ?? 0, spam: counted.spam ?? 0, trash: counted.trash ?? 0 };
  const req = { page: query.page, perPage: QUEUE_PER_PAGE };
  const rows = await listQueueRows(
    deps.db,
    { ...filter, status: query.status },
    { limit: QUEUE_PER_PAGE, offset: (query.page - 1) * QUEUE_PER_PAGE },
  );
  const reportRows = await listReportReasons(
    deps.db,
    rows.map((r) => r.id),
  );
  const items = rows.map(
    (r): QueueItem => ({
      id: r.id,
      status: r.status,
      post: { id: r.post_id, title: r.post_title, slug: r.post_slug },
      parentId: r.parent_id,
      authorName: r.author_name,
      authorEmail: r.author_email,
      authorUrl: r.author_url,
      ip: r.ip,
      userAgent: r.user_agent,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      reasons: parseReasons(r.reasons_json),
      reportCount: r.report_count,
      reports: reportRows.filter((x) => x.comment_id === r.id).map((x) => x.reason),
      bodyHtml: r.body_html,
      bodyMd: r.body_md,
    }),
  );
  return { ...paged(items, req, counts[query.status]), counts };
}

/** Articles with comments, for narrowing the queue to one. */
export function listQueueArticles(deps: Pick<ModerationDeps, 'db'>): Promise<{ id: number; title: string }[]> {
  return listPostsWithComments(deps.db);
}

/** The words the classifier learns from: the same fields the comment workflow scores. */
const classifierText = async (row: CommentRow) =>
  `${row.author_name}\n${row.author_url ?? ''}\n${(await renderStoredComment(row.body_md)).text}`;

const commentNotFound = (id: number) =>
  new AppError('COMMENT_NOT_FOUND', 'That comment is not there any more: it may have been deleted.', {
    detail: `comment ${id}`,
  });

export interface ModerationResult {
  id: number;
  from: CommentStatus;
  /** The status now, or 'deleted'. */
  to: CommentStatus | 'deleted';
}

/**
 * One decision on one comment, inside the caller's transaction. Restore puts a spam or trashed comment back in
 * the held queue, for a fresh decision. Marking spam teaches the classifier spam; approving something that was
 * held or spam teaches it ham. A newly approved comment's reply notification goes into the outbox in the same
 * transaction, so it is sent if and only if the approval commits.
 */
async function applyAction(
  deps: Omit<ModerationDeps, 'noteWrite'>,
  row: CommentRow,
  action: ModerationAction,
): Promise<ModerationResult> {
  const { db } = deps;
  const now = isoNow(deps.clock);
  if (action === 'delete') {
    await deleteCommentRow(db, row.id);
    await recountPostComments(db, row.post_id);
    return { id: row.id, from: row.status, to: 'deleted' };
  }
  const to: CommentStatus =
    action === 'approve'
      ? 'approved'
      : action === 'spam'
        ? 'spam'
        : action === 'trash'
          ? 'trash'
          : row.status === 'spam' || row.status === 'trash'
            ? 'held'
            : row.status;
  if (to === row.status) return { id: row.id, from: row.status, to };
  await setCommentStatus(db, row.id, to, now);
  await recountPostComments(db, row.post_id);
  if (to === 'spam') await trainSpam(db, await classifierText(row), true);
  if (to === 'approved' && (row.status === 'held' || row.status === 'spam'))
    await trainSpam(db, await classifierText(row), false);
  if (to === 'approved') await onCommentApproved({ db, clock: deps.clock, baseUrl: deps.baseUrl }, row.id);
  return { id: row.id, from: row.status, to };
}

/** Whether readers lose sight of the comment (caches must drop it at once, not a moment later). */
function takesAway(result: ModerationResult): boolean {
  return result.from === 'approved' && result.to !== 'approved';
}

/** Approves, marks as spam, trashes, restores or deletes one comment, in one transaction. */
export async function moderateComment(
  deps: ModerationDeps,
  input: { commentId: number; action: ModerationAction; moderatorId: number },
): Promise<ModerationResult> {
  let postId = 0;
  const result = await inTransaction(deps.db, async (trx) => {
    const row = await findCommentById(trx, input.commentId);
    if (!row) throw commentNotFound(input.commentId);
    postId = row.post_id;
    return applyAction({ ...deps, db: trx }, row, input.action);
  });
  deps.noteWrite(commentChange(postId, takesAway(result)));
  return result;
}

/** The same action on several comments, all in one transaction. Ids that no longer exist are counted, not fatal. */
export async function bulkModerate(
  deps: ModerationDeps,
  input: { ids: number[]; action: ModerationAction; moderatorId: number },
): Promise<{ done: number; missing: number }> {
  const ids = [...new Set(input.ids)];
  if (ids.length === 0) throw new AppError('BAD_REQUEST', 'Select at least one comment.');
  if (ids.length > BULK_LIMIT) throw new AppError('BAD_REQUEST', `Select at most ${BULK_LIMIT} comments at once.`);
  const posts: number[] = [];
  let removal = false;
  const done = await inTransaction(deps.db, async (trx) => {
    const rows = await findCommentsByIds(trx, ids);
    for (const row of rows) {
      removal = takesAway(await applyAction({ ...deps, db: trx }, row, input.action)) || removal;
      posts.push(row.post_id);
    }
    return rows.length;
  });
  deps.noteWrite(commentChange(posts, removal));
  return { done, missing: ids.length - done };
}

/** The body a moderator typed, trimmed, within the site's comment length limit. */
async function checkBody(db: Db, body: string): Promise<string> {
  const text = body.replace(/\r\n?/g, '\n').trim();
  const max = (await getModerationSettings({ db })).maxLength;
  const problem = !text
    ? 'Write the comment.'
    : text.length > max
      ? `A comment can be at most ${max} characters.`
      : markdownShapeProblem(text);
  if (problem) throw new AppError('COMMENT_INVALID', problem, { fields: { body: problem } });
  return text;
}

/** @Name links, as the comment workflow makes them: each approved writer in the thread, to their latest comment. */
async function mentionsIn(db: Db, threadId: number | null): Promise<Mentions> {
  const mentions: Mentions = new Map();
  if (threadId === null) return mentions;
  for (const r of await listThreadAuthors(db, threadId)) mentions.set(r.author_name, `#comment-${r.id}`);
  return mentions;
}

/** Corrects a comment's text, re-rendered exactly as the comment workflow renders it (quote and mentions included). */
export async function editComment(deps: ModerationDeps, input: { commentId: number; body: string }): Promise<void> {
  const body = await checkBody(deps.db, input.body);
  // An edit may take away what readers saw (abuse cut from a comment): caches drop it at once.
  const postId = await inTransaction(deps.db, async (trx) => {
    const row = await findCommentById(trx, input.commentId);
    if (!row) throw commentNotFound(input.commentId);
    const quoted = row.quoted_comment_id === null ? undefined : await findCommentById(trx, row.quoted_comment_id);
    const quote =
      quoted && row.quoted_text
        ? { commentId: quoted.id, authorName: quoted.author_name, text: row.quoted_text }
        : null;
    const rendered = commentHtml(await renderNewComment(body, await mentionsIn(trx, row.thread_id)), quote);
    await updateCommentBody(trx, row.id, { body_md: body, body_html: rendered.html, updated_at: isoNow(deps.clock) });
    return row.post_id;
  });
  deps.noteWrite(commentChange(postId, true));
}

/**
 * Posts an approved reply in the moderator's name under a comment. Replying to a held comment approves it too
 * (a reply under a comment readers cannot see would make no sense); spam and trash must be restored first.
 */
export async function replyAsModerator(
  deps: ModerationDeps,
  input: { commentId: number; body: string; moderator: { id: number; name: string; email: string } },
): Promise<{ id: number }> {
  const body = await checkBody(deps.db, input.body);
  let postId = 0;
  const id = await inTransaction(deps.db, async (trx) => {
    const parent = await findCommentById(trx, input.commentId);
    if (!parent) throw commentNotFound(input.commentId);
    postId = parent.post_id;
    if (parent.status === 'spam' || parent.status === 'trash')
      throw new AppError('BAD_REQUEST', 'Restore or approve this comment before replying to it.');
    if (parent.status === 'held') await applyAction({ ...deps, db: trx }, parent, 'approve');
    const threadId = parent.thread_id ?? parent.id;
    const rendered = await renderNewComment(body, await mentionsIn(trx, threadId));
    const now = isoNow(deps.clock);
    const newId = await insertModeratorComment(trx, {
      post_id: parent.post_id,
      parent_id: parent.id,
      thread_id: threadId,
      depth: parent.depth + 1,
      author_name: input.moderator.name,
      author_email: input.moderator.email,
      author_url: null,
      user_id: input.moderator.id,
      body_md: body,
      body_html: rendered.html,
      quoted_comment_id: null,
      quoted_text: null,
      status: 'approved',
      reasons_json: '[]',
      created_at: now,
      approved_at: now,
    });
    await recountPostComments(trx, parent.post_id);
    await onCommentApproved({ db: trx, clock: deps.clock, baseUrl: deps.baseUrl }, newId);
    return newId;
  });
  deps.noteWrite(commentChange(postId));
  return { id };
}
