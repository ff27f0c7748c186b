import { type ExpressionBuilder, type Insertable, sql } from 'kysely';
import type { CommentRow, CommentStatus, CommentTable, DatabaseSchema, Db } from '../../storage/schema.ts';

/** What the moderation queue can be narrowed to. `reason` is a known reason code (checked by the service). */
export interface QueueFilter {
  status: CommentStatus;
  postId?: number;
  reason?: string;
  /** An exact email or IP address, or part of a name. */
  author?: string;
}

export type QueueRow = CommentRow & { post_title: string; post_slug: string };

/** `%`, `_` and `\` stand for themselves inside the LIKE patterns below. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function matching(filter: Omit<QueueFilter, 'status'>) {
  return (eb: ExpressionBuilder<DatabaseSchema, 'comments'>) => {
    const all = [];
    if (filter.postId !== undefined) all.push(eb('comments.post_id', '=', filter.postId));
    // reasons_json is written by JSON.stringify, so a code appears exactly as "code":"X".
    if (filter.reason)
      all.push(
        sql<boolean>`${eb.ref('comments.reasons_json')} like ${`%"code":"${likeLiteral(filter.reason)}"%`} escape '\\'`,
      );
    if (filter.author) {
      const a = filter.author;
      all.push(
        eb.or([
          eb('comments.author_email', '=', a.toLowerCase()),
          eb('comments.ip', '=', a),
          sql<boolean>`lower(${eb.ref('comments.author_name')}) like ${`%${likeLiteral(a.toLowerCase())}%`} escape '\\'`,
        ]),
      );
    }
    return eb.and(all);
  };
}

/** One page of the queue, newest first, with each comment's article title and slug. */
export async function listQueueRows(
  db: Db,
  filter: QueueFilter,
  page: { limit: number; offset: number },
): Promise<QueueRow[]> {
  return db
    .selectFrom('comments')
    .innerJoin('posts', 'posts.id', 'comments.post_id')
    .selectAll('comments')
    .select(['posts.title as post_title', 'posts.slug as post_slug'])
    .where('comments.status', '=', filter.status)
    .where(matching(filter))
    .orderBy('comments.created_at', 'desc')
    .orderBy('comments.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

/** How many comments each status holds under the same filter (for the tabs). */
export async function countQueueByStatus(
  db: Db,
  filter: Omit<QueueFilter, 'status'>,
): Promise<Partial<Record<CommentStatus, number>>> {
  const rows = await db
    .selectFrom('comments')
    .select(['comments.status', (eb) => eb.fn.countAll<number>().as('n')])
    .where(matching(filter))
    .groupBy('comments.status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Articles that have any comments, for the queue's article filter. */
export async function listPostsWithComments(db: Db): Promise<{ id: number; title: string }[]> {
  return db
    .selectFrom('posts')
    .select(['posts.id', 'posts.title'])
    .where((eb) =>
      eb.exists(eb.selectFrom('comments').select('comments.id').whereRef('comments.post_id', '=', 'posts.id')),
    )
    .orderBy('posts.title')
    .execute();
}

export async function findCommentsByIds(db: Db, ids: number[]): Promise<CommentRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('comments').selectAll().where('id', 'in', ids).execute();
}

/** Removes a comment for good. Its replies stay: the foreign key sets their parent_id to null. */
export async function deleteCommentRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('comments').where('id', '=', id).execute();
}

export async function updateCommentBody(
  db: Db,
  id: number,
  body: { body_md: string; body_html: string; updated_at: string },
): Promise<void> {
  await db.updateTable('comments').set(body).where('id', '=', id).execute();
}

export async function insertModeratorComment(db: Db, row: Insertable<CommentTable>): Promise<number> {
  const { id } = await db.insertInto('comments').values(row).returning('id').executeTakeFirstOrThrow();
  return id;
}

/** Names in a thread that @Name may point at: each approved writer's latest comment there. */
export async function listThreadAuthors(db: Db, threadId: number): Promise<{ id: number; author_name: string }[]> {
  return db
    .selectFrom('comments')
    .select(['id', 'author_name'])
    .where('thread_id', '=', threadId)
    .where('status', '=', 'approved')
    .orderBy('id')
    .execute();
}

/** The reasons readers reported these comments for, newest first. */
export async function listReportReasons(
  db: Db,
  commentIds: readonly number[],
): Promise<{ comment_id: number; reason: string }[]> {
  if (commentIds.length === 0) return [];
  return db
    .selectFrom('reports')
    .select(['comment_id', 'reason'])
    .where('comment_id', 'in', commentIds)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc') // same-moment rows in one order on every database
    .execute();
}
