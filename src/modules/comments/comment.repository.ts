import type { ExpressionBuilder } from 'kysely';
import type { CommentRow, CommentStatus, DatabaseSchema, Db, UserRole } from '../../storage/schema.ts';

export async function findCommentById(db: Db, id: number): Promise<CommentRow | undefined> {
  return db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An approved comment with its article's slug (for its permalink and its report form). */
export async function findApprovedCommentWithSlug(
  db: Db,
  id: number,
): Promise<{ comment: CommentRow; slug: string } | undefined> {
  const comment = await db
    .selectFrom('comments')
    .selectAll()
    .where('id', '=', id)
    .where('status', '=', 'approved')
    .executeTakeFirst();
  if (!comment) return undefined;
  const post = await db.selectFrom('posts').select('slug').where('id', '=', comment.post_id).executeTakeFirst();
  return post && { comment, slug: post.slug };
}

/** Comments by id with their article's slug, whatever their status. */
export async function listCommentsWithSlugs(db: Db, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('comments')
    .innerJoin('posts', 'posts.id', 'comments.post_id')
    .select([
      'comments.id',
      'comments.parent_id',
      'comments.status',
      'comments.author_name',
      'comments.body_html',
      'comments.created_at',
      'posts.slug as post_slug',
    ])
    .where('comments.id', 'in', ids)
    .execute();
}

/** What threading needs of a comment; bodies are fetched only for the page shown. */
/** Where a comment sits in its discussion: enough to order, thread and page a whole discussion. */
export type CommentOutline = Pick<CommentRow, 'id' | 'parent_id' | 'created_at'>;

/**
 * Approved comments of a post, oldest first, as outlines (the page decides order and threading). Read from
 * the index comments_outline alone, so a discussion of thousands costs a few milliseconds.
 */
export async function listApprovedComments(db: Db, postId: number): Promise<CommentOutline[]> {
  return db
    .selectFrom('comments')
    .select(['id', 'parent_id', 'created_at'])
    .where('post_id', '=', postId)
    .where('status', '=', 'approved')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export interface CommentDetails {
  authorName: string;
  authorUrl: string | null;
  html: string;
  createdAt: string;
  postId: number;
  status: string;
  /** The account the comment was written from (signed in), if any: its role and byline, for the badges. */
  account: { role: UserRole; authorId: number | null } | null;
}

/** Author and rendered body of the given comments (the ones a page shows, and those they answer). */
export async function commentDetails(db: Db, ids: number[]): Promise<Map<number, CommentDetails>> {
  const out = new Map<number, CommentDetails>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('comments')
      .leftJoin('users', 'users.id', 'comments.user_id')
      .select([
        'comments.id',
        'comments.author_name',
        'comments.author_url',
        'comments.body_html',
        'comments.created_at',
        'comments.post_id',
        'comments.status',
        'users.role as user_role',
        'users.author_id as user_author_id',
      ])
      .where('comments.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows)
      out.set(r.id, {
        authorName: r.author_name,
        authorUrl: r.author_url,
        html: r.body_html,
        createdAt: r.created_at,
        postId: r.post_id,
        status: r.status,
        account: r.user_role ? { role: r.user_role, authorId: r.user_author_id ?? null } : null,
      });
  }
  return out;
}

/** The bylines an article is published under (its authors), for the "Author" badge on their comments. */
export async function listPostAuthorIds(db: Db, postId: number): Promise<Set<number>> {
  const rows = await db.selectFrom('post_authors').select('author_id').where('post_id', '=', postId).execute();
  return new Set(rows.map((r) => r.author_id));
}

/**
 * Keeps posts.comment_count equal to the number of approved comments, and thread_count to the approved ones
 * that start a thread. Call in the same transaction as the change.
 */
export async function recountPostComments(db: Db, postId: number): Promise<void> {
  // Lock the post row first, in a statement of its own (a no-op update). Where transactions run side by side
  // (PostgreSQL, read committed), a recount that had to wait for another transaction's lock on this row would
  // still count with the snapshot it took before waiting, missing that transaction's comment; the count below
  // starts after the lock is ours, so it sees everything committed. SQLite runs one writer at a time anyway.
  await db
    .updateTable('posts')
    .set((eb) => ({ comment_count: eb.ref('comment_count') }))
    .where('id', '=', postId)
    .execute();
  await db.updateTable('posts').set(approvedCounts).where('id', '=', postId).execute();
}

/** recountPostComments for every post at once, in one statement (after an import has written all its comments). */
export async function recountAllPostComments(db: Db): Promise<void> {
  await db.updateTable('posts').set(approvedCounts).execute();
}

/** A post's comment_count and thread_count, counted from its approved comments (correlated with the row). */
function approvedCounts(eb: ExpressionBuilder<DatabaseSchema, 'posts'>) {
  const approved = () =>
    eb
      .selectFrom('comments')
      .select((e) => e.fn.countAll<number>().as('n'))
      .whereRef('comments.post_id', '=', 'posts.id')
      .where('comments.status', '=', 'approved');
  return { comment_count: approved(), thread_count: approved().where('comments.parent_id', 'is', null) };
}

export async function setCommentStatus(db: Db, id: number, status: CommentStatus, at: string): Promise<void> {
  await db
    .updateTable('comments')
    .set({ status, updated_at: at, ...(status === 'approved' ? { approved_at: at } : {}) })
    .where('id', '=', id)
    .execute();
}

/** The newest approved comments, site-wide or on one post, with the post they belong to (feeds, widgets). */
export async function listRecentApprovedComments(db: Db, opts: { postId?: number; limit: number; now: string }) {
  let q = db
    .selectFrom('comments')
    .innerJoin('posts', 'posts.id', 'comments.post_id')
    .select([
      'comments.id',
      'comments.author_name',
      'comments.body_html',
      'comments.body_md',
      'comments.created_at',
      'posts.slug as post_slug',
      'posts.title as post_title',
    ])
    .where('comments.status', '=', 'approved')
    .where('posts.status', 'in', ['published', 'scheduled'])
    .where('posts.published_at', '<=', opts.now);
  if (opts.postId !== undefined) q = q.where('comments.post_id', '=', opts.postId);
  return q.orderBy('comments.created_at', 'desc').orderBy('comments.id', 'desc').limit(opts.limit).execute();
}

/** Whether one of the comments `ids` is approved and was written under `email` (as stored). */
export async function hasApprovedCommentFrom(db: Db, ids: readonly number[], email: string): Promise<boolean> {
  const row = await db
    .selectFrom('comments')
    .select('id')
    .where('id', 'in', ids)
    .where('author_email', '=', email)
    .where('status', '=', 'approved')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The first comment of the thread comment `id` belongs to (itself when it starts one). */
export async function findThreadRoot(db: Db, id: number) {
  const comment = await db.selectFrom('comments').select(['thread_id', 'id']).where('id', '=', id).executeTakeFirst();
  const rootId = comment?.thread_id ?? comment?.id;
  if (rootId === undefined) return undefined;
  return db
    .selectFrom('comments')
    .select(['created_at', 'id', 'parent_id', 'status'])
    .where('id', '=', rootId)
    .executeTakeFirst();
}

/** The approved threads of an article started before, or after, `at`. */
export async function countThreadsBeside(
  db: Db,
  postId: number,
  at: string,
  side: 'before' | 'after',
): Promise<number> {
  const row = await db
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('post_id', '=', postId)
    .where('status', '=', 'approved')
    .where('parent_id', 'is', null)
    .where('created_at', side === 'before' ? '<' : '>', at)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** An article's count of approved threads, as kept on its row. */
export async function threadCountOf(db: Db, postId: number): Promise<number> {
  const row = await db.selectFrom('posts').select('thread_count').where('id', '=', postId).executeTakeFirst();
  return Number(row?.thread_count ?? 0);
}
