import type { Db } from '../../storage/schema.ts';

/** One post meta value an import brought, in its order within the post. */
export interface PostMetaEntry {
  key: string;
  value: string;
}

/** What one post keeps at most: values, and the length of a key and of a value. */
export const POST_META_LIMITS = { perPost: 500, keyLength: 255, valueLength: 1_000_000 } as const;

const BATCH = 200;

/** Puts a post's meta in place of what it had (an import run again brings the file's meta as it is now). */
export async function replacePostMeta(db: Db, postId: number, entries: PostMetaEntry[]): Promise<void> {
  await db.deleteFrom('post_meta').where('post_id', '=', postId).execute();
  for (let i = 0; i < entries.length; i += BATCH)
    await db
      .insertInto('post_meta')
      .values(
        entries
          .slice(i, i + BATCH)
          .map((e, j) => ({ post_id: postId, position: i + j, meta_key: e.key, meta_value: e.value })),
      )
      .execute();
}

/** A post's meta, in order. */
export async function listPostMeta(db: Db, postId: number): Promise<PostMetaEntry[]> {
  const rows = await db
    .selectFrom('post_meta')
    .select(['meta_key', 'meta_value'])
    .where('post_id', '=', postId)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({ key: r.meta_key, value: r.meta_value }));
}
