import type { Db, PostStatus } from '../../storage/schema.ts';

/** What the link check looks up: the site's addresses (slugs, paths, names) among the ones an article links to. */

// `in ()` is not SQL: an empty set becomes [''], which no slug, path or name equals. NUL is left out: PostgreSQL
// text cannot hold it (no stored value contains it either).
function inList(values: Iterable<string>): string[] {
  const kept = [...values].filter((v) => !v.includes('\0'));
  return kept.length ? kept : [''];
}

/** The posts and pages with one of these slugs, with their status. */
export async function listPostStatusesBySlug(
  db: Db,
  slugs: Iterable<string>,
): Promise<{ slug: string; status: PostStatus }[]> {
  return db.selectFrom('posts').select(['slug', 'status']).where('slug', 'in', inList(slugs)).execute();
}

/** The old slugs among these (answered with a 301), with the status of the post each leads to. */
export async function listPostStatusesByOldSlug(
  db: Db,
  slugs: Iterable<string>,
): Promise<{ slug: string; status: PostStatus }[]> {
  return db
    .selectFrom('slug_history')
    .innerJoin('posts', 'posts.id', 'slug_history.post_id')
    .select(['slug_history.old_slug as slug', 'posts.status'])
    .where('slug_history.old_slug', 'in', inList(slugs))
    .execute();
}

/** The categories among these paths. */
export async function listCategoryPathsIn(db: Db, paths: Iterable<string>): Promise<{ path: string }[]> {
  return db.selectFrom('categories').select('path').where('path', 'in', inList(paths)).execute();
}

/** The tags among these slugs. */
export async function listTagSlugsIn(db: Db, slugs: Iterable<string>): Promise<{ slug: string }[]> {
  return db.selectFrom('tags').select('slug').where('slug', 'in', inList(slugs)).execute();
}

/** The authors among these slugs. */
export async function listAuthorSlugsIn(db: Db, slugs: Iterable<string>): Promise<{ slug: string }[]> {
  return db.selectFrom('authors').select('slug').where('slug', 'in', inList(slugs)).execute();
}

/** The uploaded media files among these names. */
export async function listMediaFileNamesIn(db: Db, names: Iterable<string>): Promise<{ name: string }[]> {
  return db.selectFrom('media_files').select('name').where('name', 'in', inList(names)).execute();
}

/** The old addresses of renamed or merged categories (by path) and tags (by slug) among these. */
export async function listTaxonomyOldPathsIn(
  db: Db,
  input: { categoryPaths: Iterable<string>; tagSlugs: Iterable<string> },
): Promise<{ kind: 'category' | 'tag'; old_path: string }[]> {
  return db
    .selectFrom('taxonomy_history')
    .select(['kind', 'old_path'])
    .where((eb) =>
      eb.or([
        eb.and([eb('kind', '=', 'category'), eb('old_path', 'in', inList(input.categoryPaths))]),
        eb.and([eb('kind', '=', 'tag'), eb('old_path', 'in', inList(input.tagSlugs))]),
      ]),
    )
    .execute();
}

/** One published or scheduled post of `month` ("YYYY-MM"), if the month has any. */
export async function findPostInMonth(db: Db, month: string): Promise<{ id: number } | undefined> {
  return db
    .selectFrom('posts')
    .select('id')
    .where('type', '=', 'post')
    .where('status', 'in', ['published', 'scheduled'])
    .where('published_at', '>=', `${month}-01`)
    .where('published_at', '<', `${month}-32`)
    .executeTakeFirst();
}
