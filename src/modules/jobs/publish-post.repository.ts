import type { Db, PostStatus } from '../../storage/schema.ts';

/** The SQL of the publish_post job (publish-post.job.ts), here and not in content's post.repository: content imports jobs. */

/** Publishes the post if it is still scheduled and its time `now` has come. True if this call published it. */
export async function publishIfDue(db: Db, postId: number, now: string): Promise<boolean> {
  const r = await db
    .updateTable('posts')
    // A new version: an editor still open on the scheduled post must not save its old state over this.
    .set((eb) => ({ status: 'published', version: eb('version', '+', 1) }))
    .where('id', '=', postId)
    .where('status', '=', 'scheduled')
    .where('published_at', '<=', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The post's status and publication time, if it exists. */
export async function findPostSchedule(
  db: Db,
  postId: number,
): Promise<{ status: PostStatus; published_at: string | null } | undefined> {
  return db.selectFrom('posts').select(['status', 'published_at']).where('id', '=', postId).executeTakeFirst();
}
