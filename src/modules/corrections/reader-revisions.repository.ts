import type { Db } from '../../storage/schema.ts';

/** A published revision without its body, for the readers' list. */
export interface PublishedRevisionListing {
  number: number;
  title: string;
  created_at: string;
}

/** A post's published revisions (never drafts, saves in review, or autosaves), newest first. */
export async function listPublishedRevisions(db: Db, postId: number): Promise<PublishedRevisionListing[]> {
  return db
    .selectFrom('post_revisions')
    .select(['number', 'title', 'created_at'])
    .where('post_id', '=', postId)
    .where('number', '>', 0)
    .where('status', '=', 'published')
    .orderBy('number', 'desc')
    .execute();
}

/** One published revision of a post, with its text; undefined for any other kind of revision. */
export async function findPublishedRevision(db: Db, postId: number, number: number) {
  if (number <= 0) return undefined;
  return db
    .selectFrom('post_revisions')
    .select(['number', 'title', 'standfirst', 'body_md', 'created_at'])
    .where('post_id', '=', postId)
    .where('number', '=', number)
    .where('status', '=', 'published')
    .executeTakeFirst();
}
