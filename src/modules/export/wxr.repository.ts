import type { AuthorRow, CommentRow, Db, PostRow, TagRow } from '../../storage/schema.ts';

/**
 * The reads of a site export, each one page at a time in a stable order (keyset paging), so that a site of any
 * size is written with a bounded amount of it in memory.
 */

export type ExportPostRow = Omit<PostRow, 'toc_json'>;
export type ExportCommentRow = Pick<
  CommentRow,
  | 'id'
  | 'parent_id'
  | 'depth'
  | 'author_name'
  | 'author_email'
  | 'author_url'
  | 'body_html'
  | 'status'
  | 'created_at'
  | 'user_id'
>;
export interface ExportCategoryRow {
  id: number;
  slug: string;
  path: string;
  name: string;
  description: string;
  parent_slug: string | null;
  parent_path: string | null;
}
export interface ExportMediaRow {
  id: number;
  original_name: string;
  alt: string;
  caption: string;
  credit: string;
  created_at: string;
}

/** The largest post and media ids: attachments are numbered above them, as WordPress keeps one id space. */
export async function findLargestIds(db: Db): Promise<{ post: number; media: number }> {
  const post = await db
    .selectFrom('posts')
    .select((eb) => eb.fn.max('id').as('n'))
    .executeTakeFirst();
  const media = await db
    .selectFrom('media')
    .select((eb) => eb.fn.max('id').as('n'))
    .executeTakeFirst();
  return { post: Number(post?.n ?? 0), media: Number(media?.n ?? 0) };
}

export function pageAuthors(db: Db, afterId: number, limit: number): Promise<AuthorRow[]> {
  return db.selectFrom('authors').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** Category slugs used by more than one category (ours are unique per parent, WordPress's site-wide). */
export async function findSharedCategorySlugs(db: Db): Promise<Set<string>> {
  const rows = await db
    .selectFrom('categories')
    .select('slug')
    .groupBy('slug')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return new Set(rows.map((r) => r.slug));
}

/** Categories by path: a parent's path is a prefix of its children's, so parents always come first. */
export function pageCategories(db: Db, afterPath: string, limit: number): Promise<ExportCategoryRow[]> {
  return db
    .selectFrom('categories as c')
    .leftJoin('categories as p', 'p.id', 'c.parent_id')
    .select(['c.id', 'c.slug', 'c.path', 'c.name', 'c.description', 'p.slug as parent_slug', 'p.path as parent_path'])
    .where('c.path', '>', afterPath)
    .orderBy('c.path')
    .limit(limit)
    .execute();
}

export function pageTags(db: Db, afterId: number, limit: number): Promise<TagRow[]> {
  return db.selectFrom('tags').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

export function pageMedia(db: Db, afterId: number, limit: number): Promise<ExportMediaRow[]> {
  return db
    .selectFrom('media')
    .select(['id', 'original_name', 'alt', 'caption', 'credit', 'created_at'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function mediaExists(db: Db, id: number): Promise<boolean> {
  return (await db.selectFrom('media').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Posts and pages with their bodies (Markdown and stored render), by id. */
export function pagePosts(db: Db, afterId: number, limit: number): Promise<ExportPostRow[]> {
  return db
    .selectFrom('posts')
    .innerJoin('post_bodies', 'post_bodies.post_id', 'posts.id')
    .selectAll('posts')
    .select(['post_bodies.body_md', 'post_bodies.body_html'])
    .where('posts.id', '>', afterId)
    .orderBy('posts.id')
    .limit(limit)
    .execute();
}

/** The categories of some posts besides their primary one. */
export function otherCategoriesOfPosts(db: Db, postIds: number[]): Promise<{ post_id: number; category_id: number }[]> {
  if (postIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('post_categories')
    .select(['post_id', 'category_id'])
    .where('post_id', 'in', postIds)
    .orderBy('post_id')
    .orderBy('category_id')
    .execute();
}

/** One page of a post's comments, shallower first: a reply always comes after the comment it answers. */
export function pageComments(
  db: Db,
  postId: number,
  after: { depth: number; id: number },
  limit: number,
): Promise<ExportCommentRow[]> {
  return db
    .selectFrom('comments')
    .select([
      'id',
      'parent_id',
      'depth',
      'author_name',
      'author_email',
      'author_url',
      'body_html',
      'status',
      'created_at',
      'user_id',
    ])
    .where('post_id', '=', postId)
    .where((eb) =>
      eb.or([eb('depth', '>', after.depth), eb.and([eb('depth', '=', after.depth), eb('id', '>', after.id)])]),
    )
    .orderBy('depth')
    .orderBy('id')
    .limit(limit)
    .execute();
}
