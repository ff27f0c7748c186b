import type { PostRow } from '../../storage/schema.ts';
import { RENDER_VERSION, type TocEntry } from '../markdown/render-markdown.ts';
import { changeKeys } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { keptForGeneration } from '../shared/generation-memo.ts';
import { type Paged, type PageRequest, paged } from '../shared/paging.ts';
import { renderCitedMarkdown } from '../sources/cited-markdown.ts';
import { citedKeysOfPosts } from '../sources/source.repository.ts';
import {
  type CategoryTree,
  categoryAndDescendants,
  categoryTrail,
  loadCategoryTree,
  requireCategory,
  toCategoryRef,
} from './category.service.ts';
import type { ContentDeps } from './content.deps.ts';
import {
  type Article,
  type Author,
  type Category,
  type CategoryRef,
  type PostSummary,
  readingMinutes,
  type TagRef,
} from './content.types.ts';
import {
  countVisiblePosts,
  findAdjacentPosts,
  findArticleBySlug,
  findCommentCounts,
  findCurrentSlugFor,
  findNextScheduledTime,
  findPostBodies,
  findPostMarkdown,
  isPostVisible,
  listPageAncestors,
  listStickyPosts,
  listVisibleChildPages,
  listVisiblePosts,
  type PostListingRow,
  type VisiblePostFilter,
} from './post.repository.ts';
import { authorsOfPosts, findAuthorBySlug, findTagBySlug, tagsOfPosts } from './taxonomy.repository.ts';

type ReadDeps = Pick<ContentDeps, 'db' | 'clock' | 'memo'>;

const nowIso = (deps: ReadDeps) => deps.clock.now().toISOString();

// What a reader's page reads is kept until a change names what it was built from (or a scheduled post goes live:
// decision 037), so a page rendered again reads nothing twice. Bounded, as a crawler may ask for every page.
const ARTICLES_KEPT = 64;
const LISTINGS_KEPT = 256;
const LOOKUPS_KEPT = 512;
/** Lists show comment counts, and each article's category and tags: kept until one of those changes. */
const LISTED = [changeKeys.posts, changeKeys.comments, changeKeys.categories, changeKeys.tags];
/**
 * An article's own page shows no count (its discussion is read apart): a comment leaves it kept. It shows its
 * categories and tags, and the text of the sources it cites.
 */
const ARTICLE_KEYS = [changeKeys.posts, changeKeys.categories, changeKeys.tags, changeKeys.sources];
/** Which posts a category or tag holds changes with a merge, as well as with a post's save. */
const COUNTED = [changeKeys.posts, changeKeys.categories, changeKeys.tags];

/** Turns rows into summaries with authors, tags and category, in two queries for the whole list. */
async function summarise(deps: ReadDeps, rows: PostListingRow[], tree: CategoryTree): Promise<PostSummary[]> {
  const ids = rows.map((r) => r.id);
  const [authors, tags] = await Promise.all([authorsOfPosts(deps.db, ids), tagsOfPosts(deps.db, ids)]);
  return rows.map((r) => {
    const category = r.primary_category_id === null ? undefined : tree.byId.get(r.primary_category_id);
    const updated = r.updated_at && r.published_at && r.updated_at > r.published_at ? r.updated_at : null;
    return {
      id: r.id,
      type: r.type,
      slug: r.slug,
      title: r.title,
      standfirst: r.standfirst,
      excerpt: r.excerpt,
      publishedAt: r.published_at ?? r.created_at,
      updatedAt: updated,
      category: category ? { id: category.id, slug: category.slug, path: category.path, name: category.name } : null,
      authors: authors.filter((a) => a.post_id === r.id).map((a) => ({ id: a.id, slug: a.slug, name: a.name })),
      tags: tags.filter((t) => t.post_id === r.id).map((t): TagRef => ({ id: t.id, slug: t.slug, name: t.name })),
      cover: r.cover_src
        ? { src: r.cover_src, alt: r.cover_alt ?? '', caption: r.cover_caption ?? '', credit: r.cover_credit ?? '' }
        : null,
      wordCount: r.word_count,
      readingMinutes: readingMinutes(r.word_count),
      commentCount: r.comment_count,
      commentsOpen: r.comments_open === 1,
    };
  });
}

function listPage(
  deps: ReadDeps,
  filter: Omit<VisiblePostFilter, 'now'>,
  req: PageRequest,
  tree?: CategoryTree,
  slice = { limit: req.perPage, offset: (req.page - 1) * req.perPage },
  /** The filter whose count is the total, when it is not `filter` (the home page counts its sticky posts too). */
  total?: Omit<VisiblePostFilter, 'now'>,
): Promise<Paged<PostSummary>> {
  const key = JSON.stringify([filter, req.page, req.perPage, slice, total]);
  return keptForGeneration(deps, { area: 'listings', key, max: LISTINGS_KEPT, dependsOn: LISTED }, () =>
    readListPage(deps, { filter, req, tree, slice, total }),
  );
}

async function readListPage(
  deps: ReadDeps,
  input: {
    filter: Omit<VisiblePostFilter, 'now'>;
    req: PageRequest;
    tree: CategoryTree | undefined;
    slice: { limit: number; offset: number };
    total: Omit<VisiblePostFilter, 'now'> | undefined;
  },
): Promise<Paged<PostSummary>> {
  const { filter, req, tree, slice, total } = input;
  const f = { ...filter, now: nowIso(deps) };
  const [rows, n, t] = await Promise.all([
    slice.limit > 0 ? listVisiblePosts(deps.db, f, slice) : Promise.resolve([]),
    visibleCount(deps, total ?? filter),
    tree ?? loadCategoryTree(deps),
  ]);
  return paged(await summarise(deps, rows, t), req, n);
}

/**
 * How many posts match. The count reads every matching post (the whole site for the home page): it is kept until
 * the content changes, except for monthly archives, whose months come from the address.
 */
function visibleCount(deps: ReadDeps, filter: Omit<VisiblePostFilter, 'now'>): Promise<number> {
  const count = () => countVisiblePosts(deps.db, { ...filter, now: nowIso(deps) });
  return deps.memo && !deps.db.isTransaction && filter.month === undefined
    ? deps.memo(`visible-count:${JSON.stringify(filter)}`, count, COUNTED)
    : count();
}

/** The latest posts, newest first (widgets, the API, the sitemap): no article kept at the top. */
export function listLatestPosts(deps: ReadDeps, req: PageRequest): Promise<Paged<PostSummary>> {
  return listPage(deps, {}, req);
}

/**
 * The home page: the articles kept at its top (newest first, marked `pinned`), then every other article newest
 * first, as one sequence cut into pages, so page 2 continues where page 1 stopped and nothing shows twice. The
 * sticky articles are one small query kept until the content changes; the rest is the usual listing without them.
 */
export function listHomePosts(deps: ReadDeps, req: PageRequest): Promise<Paged<PostSummary>> {
  return keptForGeneration(
    deps,
    { area: 'home', key: `${req.page}|${req.perPage}`, max: LISTINGS_KEPT, dependsOn: LISTED },
    () => readHomePosts(deps, req),
  );
}

async function readHomePosts(deps: ReadDeps, req: PageRequest): Promise<Paged<PostSummary>> {
  const now = nowIso(deps);
  const load = () => listStickyPosts(deps.db);
  const candidates =
    deps.memo && !deps.db.isTransaction ? await deps.memo('sticky-posts', load, [changeKeys.posts]) : await load();
  const sticky = candidates.filter((r) => isPostVisible(r, now));
  if (sticky.length === 0) return listPage(deps, {}, req);
  const start = (req.page - 1) * req.perPage;
  const pinned = sticky.slice(start, start + req.perPage);
  // The rest of the sequence: every article but the sticky ones, counted with them (the home page's usual count).
  const tree = await loadCategoryTree(deps);
  const rest = await listPage(
    deps,
    { exceptIds: sticky.map((r) => r.id) },
    req,
    tree,
    { limit: req.perPage - pinned.length, offset: Math.max(0, start - sticky.length) },
    {},
  );
  const top = (await summarise(deps, pinned, tree)).map((p) => ({ ...p, pinned: true }));
  return paged([...top, ...rest.items], req, rest.total);
}

export interface CategoryArchive {
  category: Category;
  trail: ReturnType<typeof categoryTrail>;
  posts: Paged<PostSummary>;
}

/** A category archive: posts in the category and all its sub-categories, with the sub-categories listed. */
export async function getCategoryArchive(
  deps: ReadDeps,
  input: { path: string; page: PageRequest },
): Promise<CategoryArchive> {
  const tree = await loadCategoryTree(deps);
  const category = requireCategory(tree, input.path);
  const posts = await listPage(deps, { categoryIds: categoryAndDescendants(category) }, input.page, tree);
  return { category, trail: categoryTrail(tree, category.id), posts };
}

export async function getTagArchive(
  deps: ReadDeps,
  input: { slug: string; page: PageRequest },
): Promise<{ tag: TagRef; posts: Paged<PostSummary> }> {
  const tag = await keptForGeneration(
    deps,
    { area: 'lookups', key: `tag:${input.slug}`, max: LOOKUPS_KEPT, dependsOn: [changeKeys.posts, changeKeys.tags] },
    () => findTagBySlug(deps.db, input.slug),
  );
  if (!tag) throw new AppError('TAG_NOT_FOUND', 'There is no such tag.', { detail: input.slug.slice(0, 200) });
  return {
    tag: { id: tag.id, slug: tag.slug, name: tag.name },
    posts: await listPage(deps, { tagId: tag.id }, input.page),
  };
}

export async function getAuthorArchive(
  deps: ReadDeps,
  input: { slug: string; page: PageRequest },
): Promise<{ author: Author; posts: Paged<PostSummary> }> {
  const a = await keptForGeneration(
    deps,
    { area: 'lookups', key: `author:${input.slug}`, max: LOOKUPS_KEPT, dependsOn: [changeKeys.posts] },
    () => findAuthorBySlug(deps.db, input.slug),
  );
  if (!a) throw new AppError('AUTHOR_NOT_FOUND', 'There is no such author.', { detail: input.slug.slice(0, 200) });
  return {
    author: { id: a.id, slug: a.slug, name: a.name, bio: a.bio },
    posts: await listPage(deps, { authorId: a.id }, input.page),
  };
}

/** A monthly archive; `year` and `month` come from the URL and are checked here. */
export async function getMonthArchive(
  deps: ReadDeps,
  input: { year: string; month: string; page: PageRequest },
): Promise<{ month: string; posts: Paged<PostSummary> }> {
  const y = Number(input.year);
  const m = Number(input.month);
  if (!/^\d{4}$/.test(input.year) || !/^\d{2}$/.test(input.month) || m < 1 || m > 12 || y < 1) {
    throw new AppError('ARCHIVE_NOT_FOUND', 'There is no such monthly archive.', {
      detail: `${input.year}/${input.month}`,
    });
  }
  const month = `${input.year}-${input.month}`;
  const posts = await listPage(deps, { month }, input.page);
  if (posts.total === 0)
    throw new AppError('ARCHIVE_NOT_FOUND', 'Nothing was published in that month.', { detail: month });
  return { month, posts };
}

export type ArticleLookup = { kind: 'article'; article: Article } | { kind: 'redirect'; slug: string };

/**
 * An article or static page by its slug, as a reader may see it. An old slug answers with the post's
 * current slug so the web layer can redirect permanently.
 */
export function getArticleBySlug(deps: ReadDeps, input: { slug: string }): Promise<ArticleLookup> {
  return keptForGeneration(
    deps,
    { area: 'articles', key: input.slug, max: ARTICLES_KEPT, dependsOn: ARTICLE_KEYS },
    () => readArticleBySlug(deps, input.slug),
  );
}

async function readArticleBySlug(deps: ReadDeps, slug: string): Promise<ArticleLookup> {
  const now = nowIso(deps);
  const row = await findArticleBySlug(deps.db, slug);
  if (!row || !isPostVisible(row, now)) {
    const current = row ? undefined : await findCurrentSlugFor(deps.db, slug);
    if (current) return { kind: 'redirect', slug: current };
    throw new AppError('POST_NOT_FOUND', 'There is no article at this address.', { detail: slug.slice(0, 200) });
  }
  const tree = await loadCategoryTree(deps);
  const isPage = row.type === 'page';
  const [[summary], adjacent, ancestors, children, cited] = await Promise.all([
    summarise(deps, [row], tree),
    row.type === 'post'
      ? findAdjacentPosts(deps.db, row, now)
      : Promise.resolve({} as Awaited<ReturnType<typeof findAdjacentPosts>>),
    isPage && row.parent_id !== null ? listPageAncestors(deps.db, row.id) : Promise.resolve([]),
    isPage ? listVisibleChildPages(deps.db, row.id, now) : Promise.resolve([]),
    citedKeysOfPosts(deps.db, [row.id]),
  ]);
  const { html, toc } = await renderedBody(deps, row);
  const { commentCount: _count, ...kept } = summary!;
  return {
    kind: 'article',
    article: {
      ...kept,
      bodyHtml: html,
      toc,
      seoTitle: row.seo_title,
      seoDescription: row.seo_description,
      breadcrumb: categoryTrail(tree, row.primary_category_id),
      previous: adjacent.previous
        ? { id: adjacent.previous.id, slug: adjacent.previous.slug, title: adjacent.previous.title }
        : null,
      next: adjacent.next ? { id: adjacent.next.id, slug: adjacent.next.slug, title: adjacent.next.title } : null,
      // A draft or unpublished ancestor is left out of the trail (its address would answer 404).
      parentPages: ancestors
        .filter((p) => p.type === 'page' && isPostVisible(p, now))
        .reverse()
        .map((p) => ({ slug: p.slug, title: p.title })),
      childPages: children.map((c) => ({ slug: c.slug, title: c.title })),
      citedKeys: cited.get(row.id) ?? [],
    },
  };
}

/**
 * The stored render when it came from this renderer; a fresh one otherwise: after an upgrade, or when a source
 * the post cites (or the citation style) changed, which sets render_version to 0.
 */
async function renderedBody(
  deps: ReadDeps,
  row: Pick<PostRow, 'id' | 'body_html' | 'toc_json' | 'render_version'> & { body_md?: string },
): Promise<{ html: string; toc: TocEntry[] }> {
  if (row.render_version === RENDER_VERSION)
    return { html: row.body_html, toc: JSON.parse(row.toc_json) as TocEntry[] };
  const r = await renderCitedMarkdown(deps.db, row.body_md ?? (await findPostMarkdown(deps.db, row.id)));
  return { html: r.html, toc: r.toc };
}

/** What lists show of each article's discussion (its count, with its address and title): one read for all. */
export async function commentCountsOf(
  deps: Pick<ReadDeps, 'db'>,
  ids: readonly number[],
): Promise<{ id: number; slug: string; title: string; commentCount: number }[]> {
  const rows = await findCommentCounts(deps.db, ids);
  return rows.map((r) => ({ id: r.id, slug: r.slug, title: r.title, commentCount: r.comment_count }));
}

/** Summaries for posts found by id (search hits), keeping the given order. */
export async function summariesByIds(deps: ReadDeps, rows: PostListingRow[]): Promise<PostSummary[]> {
  return summarise(deps, rows, await loadCategoryTree(deps));
}

/** An article as a feed carries it: its summary, its body, and the source keys the body cites. */
export type FeedArticle = PostSummary & { bodyHtml: string; citedKeys: string[] };

/** The latest articles of a feed, and the category or tag it is narrowed to, if any. */
export interface LatestArticles {
  title: string;
  items: FeedArticle[];
  category?: CategoryRef;
  tag?: TagRef;
}

/** The latest posts with their rendered bodies, for feeds. */
export async function listLatestArticles(
  deps: ReadDeps,
  filter: { categoryPath?: string; tagSlug?: string; entityId?: number },
  limit: number,
): Promise<LatestArticles> {
  const tree = await loadCategoryTree(deps);
  const f: VisiblePostFilter = { now: nowIso(deps), entityId: filter.entityId };
  const narrowed: Omit<LatestArticles, 'items'> = { title: '' };
  if (filter.categoryPath !== undefined) {
    const c = requireCategory(tree, filter.categoryPath);
    f.categoryIds = categoryAndDescendants(c);
    narrowed.title = c.name;
    narrowed.category = toCategoryRef(c);
  }
  if (filter.tagSlug !== undefined) {
    const tag = await findTagBySlug(deps.db, filter.tagSlug);
    if (!tag) throw new AppError('TAG_NOT_FOUND', 'There is no such tag.', { detail: filter.tagSlug.slice(0, 200) });
    f.tagId = tag.id;
    narrowed.title = tag.name;
    narrowed.tag = { id: tag.id, slug: tag.slug, name: tag.name };
  }
  const rows = await listVisiblePosts(deps.db, f, { limit, offset: 0 });
  const ids = rows.map((r) => r.id);
  const [summaries, bodies, cited] = await Promise.all([
    summarise(deps, rows, tree),
    findPostBodies(deps.db, ids),
    citedKeysOfPosts(deps.db, ids),
  ]);
  const items = await Promise.all(
    summaries.map(async (s) => {
      const body = bodies.get(s.id);
      const bodyHtml = body ? (await renderedBody(deps, body)).html : '';
      return { ...s, bodyHtml, citedKeys: cited.get(s.id) ?? [] };
    }),
  );
  return { ...narrowed, items };
}

/**
 * When the next scheduled post after `after` (default now) goes live without any write: a cache of reader pages
 * must end by then.
 */
export async function nextScheduledChange(deps: ReadDeps, after?: Date): Promise<Date | undefined> {
  const at = await findNextScheduledTime(deps.db, after ? after.toISOString() : nowIso(deps));
  return at ? new Date(at) : undefined;
}
