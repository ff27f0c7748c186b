import { type Insertable, sql } from 'kysely';
import type { CommentTable, Db } from '../../storage/schema.ts';

/** The SQL of a comment's way in (submit-comment.workflow.ts): the writer's history, then storing it. */

/** What the moderation pipeline asks of a commenter's past, all read by `findCommenterHistory`. */
export interface CommenterProbe {
  ip: string;
  email: string;
  name: string;
  body: string;
  /** A duplicate counts from this time on. */
  since: string;
}

/**
 * One statement for the commenter's history: the last comment from this address and from this email, a
 * duplicate of this text since `since`, whether one of their comments was approved, and who signed approved
 * comments with this name.
 */
export async function findCommenterHistory(db: Db, p: CommenterProbe) {
  return db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('comments')
        .select((e) => e.fn.max('created_at').as('m'))
        .where('ip', '=', p.ip)
        .as('last_ip'),
      eb
        .selectFrom('comments')
        .select((e) => e.fn.max('created_at').as('m'))
        .where('author_email', '=', p.email)
        .as('last_email'),
      eb
        .selectFrom('comments')
        .select('id')
        // The index comments_text finds the few comments that start the same way; the rest is checked on those.
        .where(sql<string>`substr(body_md, 1, 64)`, '=', sql<string>`substr(${p.body}, 1, 64)`)
        .where('body_md', '=', p.body)
        .where('created_at', '>=', p.since)
        .where((e) => e.or([e('author_email', '=', p.email), ...(p.ip ? [e('ip', '=', p.ip)] : [])]))
        .limit(1)
        .as('duplicate'),
      // Whether one exists, not how many: a prolific commenter's history is not counted on every post.
      eb
        .selectFrom('comments')
        .select('id')
        .where('author_email', '=', p.email)
        .where('status', '=', 'approved')
        .limit(1)
        .as('approved'),
      // Who signed approved comments with this name, this address first: another's only when it never did.
      eb
        .selectFrom('comments')
        .select('author_email')
        .where(sql<string>`lower(author_name)`, '=', sql<string>`lower(${p.name})`)
        .where('status', '=', 'approved')
        .orderBy(sql`case when author_email = ${p.email} then 0 else 1 end`)
        .limit(1)
        .as('name_signed_by'),
    ])
    .executeTakeFirstOrThrow();
}

/** Stores a reader's new comment; its id. */
export async function insertSubmittedComment(db: Db, row: Insertable<CommentTable>): Promise<number> {
  const { id } = await db.insertInto('comments').values(row).returning('id').executeTakeFirstOrThrow();
  return id;
}

/** A comment that starts a thread is its own thread. */
export async function startOwnThread(db: Db, commentId: number): Promise<void> {
  await db.updateTable('comments').set({ thread_id: commentId }).where('id', '=', commentId).execute();
}

/**
 * Counts one more approved comment on a post (and one more thread for a new thread): a step, not a recount. The
 * post's thread count after it, or undefined when the post is gone.
 */
export async function countOneApprovedComment(db: Db, postId: number, newThread: boolean): Promise<number | undefined> {
  const counts = await db
    .updateTable('posts')
    .set((eb) => ({
      comment_count: eb('comment_count', '+', 1),
      ...(newThread ? { thread_count: eb('thread_count', '+', 1) } : {}),
    }))
    .where('id', '=', postId)
    .returning('thread_count')
    .executeTakeFirst();
  return counts?.thread_count;
}
