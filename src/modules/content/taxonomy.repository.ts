import type { AuthorRow, CategoryRow, Db, TagRow } from '../../storage/schema.ts';

export async function listCategories(db: Db): Promise<CategoryRow[]> {
  return db.selectFrom('categories').selectAll().orderBy('position').orderBy('name').execute();
}

export async function findCategoryByPath(db: Db, path: string): Promise<CategoryRow | undefined> {
  return db.selectFrom('categories').selectAll().where('path', '=', path).executeTakeFirst();
}

export async function insertCategory(db: Db, c: Omit<CategoryRow, 'id'>): Promise<number> {
  const r = await db.insertInto('categories').values(c).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export async function findTagBySlug(db: Db, slug: string): Promise<TagRow | undefined> {
  return db.selectFrom('tags').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function upsertTag(db: Db, slug: string, name: string): Promise<number> {
  const found = await findTagBySlug(db, slug);
  if (found) return found.id;
  const r = await db.insertInto('tags').values({ slug, name }).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** Tags with the number of visible posts carrying each, most used first. */
export async function listTagsWithCounts(db: Db, now: string, limit: number): Promise<(TagRow & { n: number })[]> {
  const rows = await db
    .selectFrom('tags')
    .innerJoin('post_tags', 'post_tags.tag_id', 'tags.id')
    .innerJoin('posts', 'posts.id', 'post_tags.post_id')
    .where('posts.type', '=', 'post')
    .where('posts.status', 'in', ['published', 'scheduled'])
    .where('posts.published_at', '<=', now)
    .select(['tags.id', 'tags.slug', 'tags.name', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['tags.id', 'tags.slug', 'tags.name'])
    .orderBy('n', 'desc')
    .orderBy('tags.name')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

export async function listAllTags(db: Db): Promise<TagRow[]> {
  return db.selectFrom('tags').selectAll().orderBy('name').execute();
}

export async function findAuthorBySlug(db: Db, slug: string): Promise<AuthorRow | undefined> {
  return db.selectFrom('authors').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function listAuthors(db: Db): Promise<AuthorRow[]> {
  return db.selectFrom('authors').selectAll().orderBy('name').execute();
}

export async function insertAuthor(db: Db, a: Omit<AuthorRow, 'id'>): Promise<number> {
  const r = await db.insertInto('authors').values(a).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** Authors of many posts at once, in byline order: one query for a whole list page. */
export async function authorsOfPosts(db: Db, postIds: number[]): Promise<(AuthorRow & { post_id: number })[]> {
  if (postIds.length === 0) return [];
  return db
    .selectFrom('post_authors')
    .innerJoin('authors', 'authors.id', 'post_authors.author_id')
    .selectAll('authors')
    .select('post_authors.post_id')
    .where('post_authors.post_id', 'in', postIds)
    .orderBy('post_authors.post_id')
    .orderBy('post_authors.position')
    .execute();
}

export async function tagsOfPosts(db: Db, postIds: number[]): Promise<(TagRow & { post_id: number })[]> {
  if (postIds.length === 0) return [];
  return db
    .selectFrom('post_tags')
    .innerJoin('tags', 'tags.id', 'post_tags.tag_id')
    .selectAll('tags')
    .select('post_tags.post_id')
    .where('post_tags.post_id', 'in', postIds)
    .orderBy('tags.name')
    .execute();
}

export async function setPostTags(db: Db, postId: number, tagIds: number[]): Promise<void> {
  await db.deleteFrom('post_tags').where('post_id', '=', postId).execute();
  if (tagIds.length)
    await db
      .insertInto('post_tags')
      .values(tagIds.map((tag_id) => ({ post_id: postId, tag_id })))
      .execute();
}

export async function setPostAuthors(db: Db, postId: number, authorIds: number[]): Promise<void> {
  await db.deleteFrom('post_authors').where('post_id', '=', postId).execute();
  if (authorIds.length) {
    await db
      .insertInto('post_authors')
      .values(authorIds.map((author_id, position) => ({ post_id: postId, author_id, position })))
      .execute();
  }
}
