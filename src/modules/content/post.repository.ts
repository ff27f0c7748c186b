import { type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { DatabaseSchema, Db, NewPostRow, PostRow, PostRowUpdate } from '../../storage/schema.ts';

/** Filters for listing what readers may see. All optional filters narrow the list. */
export interface VisiblePostFilter {
  now: string;
  categoryIds?: number[];
  tagId?: number;
  authorId?: number;
  /** Posts that mention this entity (history's entity_mentions: an entity's feed). */
  entityId?: number;
  /** "YYYY-MM" */
  month?: string;
  /**
   * Leaves these posts out: the home page's sticky articles, listed first on their own. By id, which every index
   * holds, so skipping to a later page reads no more rows than before.
   */
  exceptIds?: number[];
}

// Readers see posts that are published, or scheduled with their time come (so a missed schedule needs no job).
/** Posts that carry this byline among their authors (the reader's author pages and the admin's filter alike). */
const writtenBy = (authorId: number) => (eb: ExpressionBuilder<DatabaseSchema, 'posts'>) =>
  eb.exists(
    eb
      .selectFrom('post_authors')
      .select('post_authors.post_id')
      .whereRef('post_authors.post_id', '=', 'posts.id')
      .where('post_authors.author_id', '=', authorId),
  );

const visible = (now: string) => (eb: ExpressionBuilder<DatabaseSchema, 'posts'>) =>
  eb.and([eb('posts.status', 'in', ['published', 'scheduled']), eb('posts.published_at', '<=', now)]);

function visiblePostsQuery(db: Db, f: VisiblePostFilter) {
  let q = db.selectFrom('posts').where('posts.type', '=', 'post').where(visible(f.now));
  if (f.categoryIds) {
    // Filed under the category as its primary one, or as one of its other categories (post_categories). The
    // posts are found from the categories' side (two index ranges), not by testing every post: a category deep
    // in a large tree holds a small share of the site.
    const ids = f.categoryIds.length ? f.categoryIds : [-1];
    q = q.where('posts.id', 'in', (eb) =>
      eb
        .selectFrom('posts as filed')
        .select('filed.id')
        .where('filed.primary_category_id', 'in', ids)
        .union(
          eb
            .selectFrom('post_categories')
            .select('post_categories.post_id as id')
            .where('post_categories.category_id', 'in', ids),
        ),
    );
  }
  if (f.tagId !== undefined) {
    const tagId = f.tagId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('post_tags')
          .select('post_tags.post_id')
          .whereRef('post_tags.post_id', '=', 'posts.id')
          .where('post_tags.tag_id', '=', tagId),
      ),
    );
  }
  if (f.authorId !== undefined) q = q.where(writtenBy(f.authorId));
  if (f.entityId !== undefined) {
    const entityId = f.entityId;
    q = q.where('posts.id', 'in', (eb) =>
      eb
        .selectFrom('entity_mentions')
        .select('entity_mentions.post_id')
        .where('entity_mentions.entity_id', '=', entityId),
    );
  }
  if (f.month)
    q = q.where('posts.published_at', '>=', `${f.month}-01`).where('posts.published_at', '<', nextMonth(f.month));
  if (f.exceptIds?.length) q = q.where('posts.id', 'not in', f.exceptIds);
  return q;
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** A post without its body: what lists, neighbours and search results need (bodies are ~100 times larger). */
export type PostListingRow = Omit<
  PostRow,
  | 'body_md'
  | 'body_html'
  | 'toc_json'
  | 'version'
  | 'submitted_at'
  | 'unpublished_at'
  | 'owner_user_id'
  | 'thread_count'
>;

const LISTING_COLUMNS = [
  'posts.id',
  'posts.type',
  'posts.slug',
  'posts.title',
  'posts.standfirst',
  'posts.excerpt',
  'posts.status',
  'posts.published_at',
  'posts.updated_at',
  'posts.created_at',
  'posts.primary_category_id',
  'posts.cover_src',
  'posts.cover_alt',
  'posts.cover_caption',
  'posts.cover_credit',
  'posts.seo_title',
  'posts.seo_description',
  'posts.word_count',
  'posts.render_version',
  'posts.comments_open',
  'posts.comment_count',
  'posts.sticky',
  'posts.parent_id',
  'posts.menu_order',
] as const;

export async function listVisiblePosts(
  db: Db,
  f: VisiblePostFilter,
  page: { limit: number; offset: number },
): Promise<PostListingRow[]> {
  return visiblePostsQuery(db, f)
    .select(LISTING_COLUMNS)
    .orderBy('posts.published_at', 'desc')
    .orderBy('posts.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

export async function countVisiblePosts(db: Db, f: VisiblePostFilter): Promise<number> {
  const row = await visiblePostsQuery(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

// A post with its stored render: the posts row joined with its post_bodies row (migration 006); add body_md for
// the whole record.
const withBody = (db: Db) =>
  db
    .selectFrom('posts')
    .innerJoin('post_bodies', 'post_bodies.post_id', 'posts.id')
    .selectAll('posts')
    .select(['post_bodies.body_html', 'post_bodies.toc_json']);

export async function findPostBySlug(db: Db, slug: string): Promise<PostRow | undefined> {
  return withBody(db).select('post_bodies.body_md').where('posts.slug', '=', slug).executeTakeFirst();
}

/** A post as readers get it: its stored render but not its Markdown (tens of kilobytes an article page never shows). */
export type ArticleRow = Omit<PostRow, 'body_md'>;

export async function findArticleBySlug(db: Db, slug: string): Promise<ArticleRow | undefined> {
  return withBody(db).where('posts.slug', '=', slug).executeTakeFirst();
}

/** A post's Markdown alone (an article whose stored render is out of date is rendered again from it). */
export async function findPostMarkdown(db: Db, id: number): Promise<string> {
  const row = await db.selectFrom('post_bodies').select('body_md').where('post_id', '=', id).executeTakeFirst();
  return row?.body_md ?? '';
}

/** What deciding about a post needs (visibility, comments), without its body: cheap on hot paths. */
export type PostHeader = Pick<
  PostRow,
  'id' | 'type' | 'slug' | 'title' | 'status' | 'published_at' | 'created_at' | 'comments_open'
>;

export async function findPostHeaderBySlug(db: Db, slug: string): Promise<PostHeader | undefined> {
  return db
    .selectFrom('posts')
    .select(['id', 'type', 'slug', 'title', 'status', 'published_at', 'created_at', 'comments_open'])
    .where('slug', '=', slug)
    .executeTakeFirst();
}

export async function findPostById(db: Db, id: number): Promise<PostRow | undefined> {
  return withBody(db).select('post_bodies.body_md').where('posts.id', '=', id).executeTakeFirst();
}

export async function findPostsByIds(db: Db, ids: number[]): Promise<PostListingRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('posts').select(LISTING_COLUMNS).where('id', 'in', ids).execute();
}

/** What a list's comment count link shows of each article: its address, title and count. */
export async function findCommentCounts(
  db: Db,
  ids: readonly number[],
): Promise<Pick<PostRow, 'id' | 'slug' | 'title' | 'comment_count'>[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('posts').select(['id', 'slug', 'title', 'comment_count']).where('id', 'in', ids).execute();
}

export function isPostVisible(row: Pick<PostRow, 'status' | 'published_at'>, now: string): boolean {
  return (
    (row.status === 'published' || row.status === 'scheduled') && row.published_at !== null && row.published_at <= now
  );
}

/** The slug a post has now, if `oldSlug` was once one of its slugs. */
export async function findCurrentSlugFor(db: Db, oldSlug: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('slug_history')
    .innerJoin('posts', 'posts.id', 'slug_history.post_id')
    .select('posts.slug')
    .where('slug_history.old_slug', '=', oldSlug)
    .executeTakeFirst();
  return row?.slug;
}

/** The neighbours of a post in its primary category, by publication time. */
export async function findAdjacentPosts(
  db: Db,
  row: Pick<PostRow, 'id' | 'primary_category_id' | 'published_at'>,
  now: string,
): Promise<{ previous?: Pick<PostRow, 'id' | 'slug' | 'title'>; next?: Pick<PostRow, 'id' | 'slug' | 'title'> }> {
  if (row.primary_category_id === null || row.published_at === null) return {};
  // Primary category only: the index (primary_category_id, published_at) finds each neighbour in one step, where
  // the archive's "primary or other category" condition would scan.
  const base = visiblePostsQuery(db, { now })
    .where('posts.primary_category_id', '=', row.primary_category_id)
    .select(['posts.id', 'posts.slug', 'posts.title']);
  const at = row.published_at;
  const [previous, next] = await Promise.all([
    base
      .where((eb) =>
        eb.or([
          eb('posts.published_at', '<', at),
          eb.and([eb('posts.published_at', '=', at), eb('posts.id', '<', row.id)]),
        ]),
      )
      .orderBy('posts.published_at', 'desc')
      .orderBy('posts.id', 'desc')
      .limit(1)
      .executeTakeFirst(),
    base
      .where((eb) =>
        eb.or([
          eb('posts.published_at', '>', at),
          eb.and([eb('posts.published_at', '=', at), eb('posts.id', '>', row.id)]),
        ]),
      )
      .orderBy('posts.published_at', 'asc')
      .orderBy('posts.id', 'asc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  return { previous, next };
}

export async function countVisibleByMonth(db: Db, now: string): Promise<{ month: string; n: number }[]> {
  const rows = await visiblePostsQuery(db, { now })
    .select([sql<string>`substr(posts.published_at, 1, 7)`.as('month'), (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(sql`substr(posts.published_at, 1, 7)`)
    .orderBy(sql`substr(posts.published_at, 1, 7)`, 'desc')
    .execute();
  return rows.map((r) => ({ month: r.month, n: Number(r.n) }));
}

export async function countVisibleByCategory(db: Db, now: string): Promise<Map<number, number>> {
  const rows = await visiblePostsQuery(db, { now })
    .where('posts.primary_category_id', 'is not', null)
    .select(['posts.primary_category_id as id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('posts.primary_category_id')
    .execute();
  const counts = new Map(rows.map((r) => [r.id as number, Number(r.n)]));
  // Posts filed under a category as one of their other categories count there too (never twice: the writer
  // keeps the primary category out of post_categories).
  const secondary = await visiblePostsQuery(db, { now })
    .innerJoin('post_categories', 'post_categories.post_id', 'posts.id')
    .where((eb) =>
      eb.or([
        eb('posts.primary_category_id', 'is', null),
        eb('post_categories.category_id', '!=', eb.ref('posts.primary_category_id')),
      ]),
    )
    .select(['post_categories.category_id as id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('post_categories.category_id')
    .execute();
  for (const r of secondary) counts.set(r.id, (counts.get(r.id) ?? 0) + Number(r.n));
  return counts;
}

/** The earliest scheduled time still in the future: caches must not outlive it. */
export async function findNextScheduledTime(db: Db, now: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('posts')
    .select((eb) => eb.fn.min('published_at').as('at'))
    .where('status', 'in', ['published', 'scheduled'])
    .where('published_at', '>', now)
    .executeTakeFirst();
  return (row?.at as string | null) ?? undefined;
}

export async function listVisiblePages(db: Db, now: string): Promise<PostListingRow[]> {
  return db
    .selectFrom('posts')
    .select(LISTING_COLUMNS)
    .where('type', '=', 'page')
    .where(visible(now))
    .orderBy('title')
    .execute();
}

/**
 * The articles kept at the top of the home page that are published or scheduled (the caller keeps those whose
 * time has come), newest first: a few rows, read through the partial index that holds only them.
 */
export async function listStickyPosts(db: Db): Promise<PostListingRow[]> {
  // Only `sticky = 1`, as a literal, in the condition: SQLite then reads the partial index posts_sticky
  // (migration 012), where a test of type or status would send it to the listing index and every post.
  const rows = await db
    .selectFrom('posts')
    .select(LISTING_COLUMNS)
    .where(sql<boolean>`posts.sticky = 1`)
    .orderBy('posts.published_at', 'desc')
    .orderBy('posts.id', 'desc')
    .execute();
  return rows.filter((r) => r.type === 'post' && (r.status === 'published' || r.status === 'scheduled'));
}

/** What the page tree needs of a post. */
export type PageTreeNode = Pick<PostRow, 'id' | 'type' | 'slug' | 'title' | 'status' | 'published_at' | 'parent_id'>;

const PAGE_TREE_COLUMNS = ['id', 'type', 'slug', 'title', 'status', 'published_at', 'parent_id'] as const;

export async function findPageTreeNode(db: Db, id: number): Promise<PageTreeNode | undefined> {
  return db.selectFrom('posts').select(PAGE_TREE_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** A page tree is never this deep; the walk up stops here even if stored rows were to form a loop. */
const MAX_PAGE_DEPTH = 64;

/** A post's ancestors in the page tree, parent first, up to the top (one indexed read per level). */
export async function listPageAncestors(db: Db, id: number): Promise<PageTreeNode[]> {
  const out: PageTreeNode[] = [];
  const seen = new Set([id]);
  let node = await findPageTreeNode(db, id);
  while (node?.parent_id != null && !seen.has(node.parent_id) && out.length < MAX_PAGE_DEPTH) {
    seen.add(node.parent_id);
    node = await findPageTreeNode(db, node.parent_id);
    if (node) out.push(node);
  }
  return out;
}

/** The ids of a post's ancestors in the page tree, parent first. */
export async function pageAncestorIds(db: Db, id: number): Promise<number[]> {
  return (await listPageAncestors(db, id)).map((n) => n.id);
}

/** A page's child pages readers may see, in their order (menu_order, then title). */
export async function listVisibleChildPages(
  db: Db,
  parentId: number,
  now: string,
): Promise<Pick<PostRow, 'id' | 'slug' | 'title'>[]> {
  return db
    .selectFrom('posts')
    .select(['posts.id', 'posts.slug', 'posts.title'])
    .where('posts.parent_id', '=', parentId)
    .where('posts.type', '=', 'page')
    .where(visible(now))
    .orderBy('posts.menu_order')
    .orderBy('posts.title')
    .orderBy('posts.id')
    .execute();
}

/** Every page (any state), for the editor's "Parent page" choice: id, title and parent. */
export async function listAllPages(db: Db): Promise<Pick<PostRow, 'id' | 'title' | 'parent_id' | 'menu_order'>[]> {
  return db
    .selectFrom('posts')
    .select(['id', 'title', 'parent_id', 'menu_order'])
    .where('type', '=', 'page')
    .orderBy('menu_order')
    .orderBy('title')
    .orderBy('id')
    .execute();
}

/** Places a page under `parentId` (null: at the top); only the tree changes (imports place pages after every item). */
export async function setPageParent(db: Db, id: number, parentId: number | null): Promise<void> {
  await db.updateTable('posts').set({ parent_id: parentId }).where('id', '=', id).execute();
}

/** Moves a page's child pages to the top of the tree (the page became an article). */
export async function detachChildPages(db: Db, id: number): Promise<void> {
  await db.updateTable('posts').set({ parent_id: null }).where('parent_id', '=', id).execute();
}

/** The stored renders of some posts, for feeds that carry whole articles. */
export async function findPostBodies(
  db: Db,
  ids: number[],
): Promise<Map<number, Pick<PostRow, 'id' | 'body_md' | 'body_html' | 'toc_json' | 'render_version'>>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('posts')
    .innerJoin('post_bodies', 'post_bodies.post_id', 'posts.id')
    .select([
      'posts.id',
      'post_bodies.body_md',
      'post_bodies.body_html',
      'post_bodies.toc_json',
      'posts.render_version',
    ])
    .where('posts.id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** Inserts a post and its body (callers run it in a transaction when more follows). */
export async function insertPost(db: Db, row: NewPostRow): Promise<number> {
  const { body_md, body_html, toc_json, ...head } = row;
  const r = await db.insertInto('posts').values(head).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('post_bodies').values({ post_id: r.id, body_md, body_html, toc_json }).execute();
  return r.id;
}

export async function updatePost(db: Db, id: number, changes: PostRowUpdate): Promise<void> {
  const { body_md, body_html, toc_json, ...head } = changes;
  if (Object.keys(head).length > 0) await db.updateTable('posts').set(head).where('id', '=', id).execute();
  const body = Object.fromEntries(
    Object.entries({ body_md, body_html, toc_json }).filter(([, v]) => v !== undefined),
  ) as Partial<Pick<PostRow, 'body_md' | 'body_html' | 'toc_json'>>;
  if (Object.keys(body).length > 0) await db.updateTable('post_bodies').set(body).where('post_id', '=', id).execute();
}

export async function recordOldSlug(db: Db, postId: number, oldSlug: string, at: string): Promise<void> {
  await db.deleteFrom('slug_history').where('old_slug', '=', oldSlug).execute();
  await db.insertInto('slug_history').values({ old_slug: oldSlug, post_id: postId, changed_at: at }).execute();
}

export async function forgetOldSlug(db: Db, slug: string): Promise<void> {
  await db.deleteFrom('slug_history').where('old_slug', '=', slug).execute();
}

/** What the administration's posts list filters by. `ownedBy` narrows to one person's posts (see isOwnPost). */
export interface AdminPostFilter {
  state?: 'draft' | 'review' | 'scheduled' | 'published' | 'unpublished';
  type?: 'post' | 'page';
  ownedBy?: { userId: number; authorId: number | null };
  /** Words found in the title or the slug, ignoring case (as typed: `%` and `_` are plain characters). */
  search?: string;
  /** Posts carrying this byline. */
  authorId?: number;
}

/** A LIKE pattern that finds `text` anywhere, its own `%`, `_` and `\` taken literally (with `escape '\'`). */
const containsPattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

// biome-ignore lint/complexity/noBannedTypes: Kysely's type of a query that selects nothing yet
function filterByWords(q: SelectQueryBuilder<DatabaseSchema, 'posts', {}>, f: AdminPostFilter) {
  if (f.search) {
    const pattern = containsPattern(f.search);
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`lower(posts.title) like ${pattern} escape '\\'`,
        sql<boolean>`lower(posts.slug) like ${pattern} escape '\\'`,
      ]),
    );
  }
  if (f.authorId !== undefined) q = q.where(writtenBy(f.authorId));
  return q;
}

/** A row of the administration's posts list. */
export type AdminPostRow = Pick<
  PostRow,
  | 'id'
  | 'type'
  | 'slug'
  | 'title'
  | 'status'
  | 'published_at'
  | 'updated_at'
  | 'created_at'
  | 'submitted_at'
  | 'unpublished_at'
  | 'owner_user_id'
  | 'version'
>;

function adminPostsQuery(db: Db, f: AdminPostFilter) {
  let q = db.selectFrom('posts');
  if (f.type) q = q.where('posts.type', '=', f.type);
  if (f.state === 'scheduled' || f.state === 'published') q = q.where('posts.status', '=', f.state);
  else if (f.state === 'review') q = q.where('posts.status', '=', 'draft').where('posts.submitted_at', 'is not', null);
  else if (f.state === 'unpublished')
    q = q.where('posts.status', '=', 'draft').where('posts.unpublished_at', 'is not', null);
  else if (f.state === 'draft')
    q = q
      .where('posts.status', '=', 'draft')
      .where('posts.submitted_at', 'is', null)
      .where('posts.unpublished_at', 'is', null);
  if (f.ownedBy) {
    const { userId, authorId } = f.ownedBy;
    q = q.where((eb) =>
      eb.or([
        eb('posts.owner_user_id', '=', userId),
        eb.exists(
          eb
            .selectFrom('post_authors')
            .select('post_authors.post_id')
            .whereRef('post_authors.post_id', '=', 'posts.id')
            .where('post_authors.author_id', '=', authorId ?? -1),
        ),
      ]),
    );
  }
  return filterByWords(q, f);
}

/** Posts for the administration, most recently changed first. */
export async function listPostsForAdmin(
  db: Db,
  f: AdminPostFilter,
  page: { limit: number; offset: number },
): Promise<AdminPostRow[]> {
  return adminPostsQuery(db, f)
    .select([
      'posts.id',
      'posts.type',
      'posts.slug',
      'posts.title',
      'posts.status',
      'posts.published_at',
      'posts.updated_at',
      'posts.created_at',
      'posts.submitted_at',
      'posts.unpublished_at',
      'posts.owner_user_id',
      'posts.version',
    ])
    .orderBy(sql`coalesce(posts.updated_at, posts.created_at)`, 'desc')
    .orderBy('posts.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

export async function countPostsForAdmin(db: Db, f: AdminPostFilter): Promise<number> {
  const row = await adminPostsQuery(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Moves a post from `version` to `version + 1`, or does nothing when someone else saved first. True when
 * this save won: the compare-and-set that makes optimistic concurrency safe between processes.
 */
export async function bumpPostVersion(db: Db, id: number, version: number): Promise<boolean> {
  const r = await db
    .updateTable('posts')
    .set({ version: version + 1 })
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every article (not page) with its comment switch and count, newest first, drafts (no date) last. */
export async function listArticleSwitches(db: Db) {
  return db
    .selectFrom('posts')
    .select(['id', 'title', 'slug', 'status', 'published_at', 'comments_open', 'comment_count'])
    .where('type', '=', 'post')
    .orderBy((eb) => eb.case().when('published_at', 'is', null).then(1).else(0).end())
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}
