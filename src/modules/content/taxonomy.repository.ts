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
  // Another transaction may add the same tag between the look-up and the insert (on PostgreSQL they run side by
  // side): the insert then waits for it and does nothing, and the look-up again finds its tag.
  const r = await db
    .insertInto('tags')
    .values({ slug, name })
    .onConflict((oc) => oc.column('slug').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (r) return r.id;
  const added = await findTagBySlug(db, slug);
  if (!added) throw new Error(`tag ${slug} was neither inserted nor found`);
  return added.id;
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

export async function findAuthorById(db: Db, id: number): Promise<AuthorRow | undefined> {
  return db.selectFrom('authors').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateAuthor(
  db: Db,
  id: number,
  changes: Partial<Pick<AuthorRow, 'name' | 'bio'>>,
): Promise<void> {
  await db.updateTable('authors').set(changes).where('id', '=', id).execute();
}

export async function deleteAuthor(db: Db, id: number): Promise<void> {
  await db.deleteFrom('authors').where('id', '=', id).execute();
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

/** The other categories of a post (besides its primary one), by id. */
export async function categoryIdsOfPost(db: Db, postId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('post_categories')
    .select('category_id')
    .where('post_id', '=', postId)
    .orderBy('category_id')
    .execute();
  return rows.map((r) => r.category_id);
}

export async function setPostCategories(db: Db, postId: number, categoryIds: number[]): Promise<void> {
  await db.deleteFrom('post_categories').where('post_id', '=', postId).execute();
  if (categoryIds.length)
    await db
      .insertInto('post_categories')
      .values(categoryIds.map((category_id) => ({ post_id: postId, category_id })))
      .execute();
}

// ---- Managing categories and tags (the administration) ----

export async function findCategoryById(db: Db, id: number): Promise<CategoryRow | undefined> {
  return db.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A category and every category below it (slugs hold no LIKE wildcards, so the prefix match is exact). */
export async function listCategorySubtree(db: Db, path: string): Promise<CategoryRow[]> {
  return db
    .selectFrom('categories')
    .selectAll()
    .where((eb) => eb.or([eb('path', '=', path), eb('path', 'like', `${path}/%`)]))
    .orderBy('path')
    .execute();
}

export async function listChildCategories(db: Db, parentId: number): Promise<CategoryRow[]> {
  return db.selectFrom('categories').selectAll().where('parent_id', '=', parentId).orderBy('path').execute();
}

export async function updateCategoryRow(db: Db, id: number, changes: Partial<Omit<CategoryRow, 'id'>>): Promise<void> {
  await db.updateTable('categories').set(changes).where('id', '=', id).execute();
}

export async function deleteCategoryRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('categories').where('id', '=', id).execute();
}

/** Posts of every status filed under each category, as primary or other category. */
export async function countAllPostsByCategory(db: Db): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('posts')
        .select(['posts.id as post_id', 'posts.primary_category_id as category_id'])
        .where('posts.primary_category_id', 'is not', null)
        .union(eb.selectFrom('post_categories').select(['post_id', 'category_id']))
        .as('filed'),
    )
    .select(['filed.category_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('filed.category_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.category_id), Number(r.n)]));
}

/** Posts of every status carrying each tag. */
export async function countAllPostsByTag(db: Db): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('post_tags')
    .select(['tag_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('tag_id')
    .execute();
  return new Map(rows.map((r) => [r.tag_id, Number(r.n)]));
}

/** Re-files every post of category `from` under `to` (primary and other categories), leaving `from` empty. */
export async function movePostsToCategory(db: Db, from: number, to: number): Promise<void> {
  await db.updateTable('posts').set({ primary_category_id: to }).where('primary_category_id', '=', from).execute();
  await db
    .insertInto('post_categories')
    .columns(['post_id', 'category_id'])
    .expression((eb) =>
      eb
        .selectFrom('post_categories as pc')
        .select(['pc.post_id', eb.val(to).as('category_id')])
        .where('pc.category_id', '=', from)
        .where((w) =>
          w.not(
            w.exists(
              w
                .selectFrom('post_categories as already')
                .select('already.post_id')
                .whereRef('already.post_id', '=', 'pc.post_id')
                .where('already.category_id', '=', to),
            ),
          ),
        ),
    )
    .execute();
  await db.deleteFrom('post_categories').where('category_id', '=', from).execute();
}

export async function findTagById(db: Db, id: number): Promise<TagRow | undefined> {
  return db.selectFrom('tags').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateTagRow(db: Db, id: number, changes: { slug: string; name: string }): Promise<void> {
  await db.updateTable('tags').set(changes).where('id', '=', id).execute();
}

export async function deleteTagRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('post_tags').where('tag_id', '=', id).execute();
  await db.deleteFrom('tags').where('id', '=', id).execute();
}

/** Gives every post tagged `from` the tag `to` instead. */
export async function movePostsToTag(db: Db, from: number, to: number): Promise<void> {
  await db
    .insertInto('post_tags')
    .columns(['post_id', 'tag_id'])
    .expression((eb) =>
      eb
        .selectFrom('post_tags as pt')
        .select(['pt.post_id', eb.val(to).as('tag_id')])
        .where('pt.tag_id', '=', from)
        .where((w) =>
          w.not(
            w.exists(
              w
                .selectFrom('post_tags as already')
                .select('already.post_id')
                .whereRef('already.post_id', '=', 'pt.post_id')
                .where('already.tag_id', '=', to),
            ),
          ),
        ),
    )
    .execute();
  await db.deleteFrom('post_tags').where('tag_id', '=', from).execute();
}

export type TaxonomyKind = 'category' | 'tag';

/** Remembers that `oldPath` (a category path or tag slug) now answers with `targetId`'s address. */
export async function recordTaxonomyMove(
  db: Db,
  move: { kind: TaxonomyKind; oldPath: string; targetId: number; at: string },
): Promise<void> {
  await db
    .insertInto('taxonomy_history')
    .values({ kind: move.kind, old_path: move.oldPath, target_id: move.targetId, changed_at: move.at })
    .onConflict((oc) => oc.columns(['kind', 'old_path']).doUpdateSet({ target_id: move.targetId, changed_at: move.at }))
    .execute();
}

/** An address in use again by a live category or tag stops redirecting. */
export async function forgetTaxonomyPath(db: Db, kind: TaxonomyKind, path: string): Promise<void> {
  await db.deleteFrom('taxonomy_history').where('kind', '=', kind).where('old_path', '=', path).execute();
}

/** Old addresses that pointed at `from` now point at `to` (merges), or are forgotten (`to` null: deletion). */
export async function retargetTaxonomyHistory(
  db: Db,
  kind: TaxonomyKind,
  from: number,
  to: number | null,
): Promise<void> {
  const q = db.updateTable('taxonomy_history');
  if (to === null)
    await db.deleteFrom('taxonomy_history').where('kind', '=', kind).where('target_id', '=', from).execute();
  else await q.set({ target_id: to }).where('kind', '=', kind).where('target_id', '=', from).execute();
}

export async function findTaxonomyTarget(db: Db, kind: TaxonomyKind, oldPath: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('taxonomy_history')
    .select('target_id')
    .where('kind', '=', kind)
    .where('old_path', '=', oldPath)
    .executeTakeFirst();
  return row?.target_id;
}
