import type { Db } from '../../storage/schema.ts';
import type { Clock } from '../shared/clock.ts';
import {
  findPostBySlug,
  findPostHeaderBySlug,
  isPostVisible,
  listVisiblePages,
  type PostHeader,
} from './post.repository.ts';
import { listAllTags, listAuthors, listCategories, listTagsWithCounts } from './taxonomy.repository.ts';

/**
 * The reads the web layer makes of the site's index (issue 15: routes import services, never repositories):
 * the published pages, the taxonomy for the sitemap and the API, an article's header by slug.
 */
type Deps = { db: Db; clock: Clock };

export type { AdminPostRow, PostHeader } from './post.repository.ts';

/** The static pages a reader can reach at `now` (the menu's fallback, the sitemap). */
export const listPublishedPages = (deps: Pick<Deps, 'db'>, now: string) => listVisiblePages(deps.db, now);

/** Every category, tag and author, for the sitemap. */
export async function listSiteTaxonomy(deps: Pick<Deps, 'db'>) {
  const [categories, tags, authors] = await Promise.all([
    listCategories(deps.db),
    listAllTags(deps.db),
    listAuthors(deps.db),
  ]);
  return { categories, tags, authors };
}

/** The tags in use, most used first, up to `limit`. */
export const listTagsByUse = (deps: Deps, limit: number) =>
  listTagsWithCounts(deps.db, deps.clock.now().toISOString(), limit);

/** Every author (byline), by name. */
export const listBylines = (deps: Pick<Deps, 'db'>) => listAuthors(deps.db);

/** A post's or page's header by slug (whatever its status: the caller decides what a reader may see). */
export const findPostHeader = (deps: Pick<Deps, 'db'>, slug: string): Promise<PostHeader | undefined> =>
  findPostHeaderBySlug(deps.db, slug);

/** The article at `slug` when a reader may see it now (a post, published, its time come), else undefined. */
export async function findVisibleArticle(deps: Deps, slug: string) {
  const post = await findPostBySlug(deps.db, slug);
  return post?.type === 'post' && isPostVisible(post, deps.clock.now().toISOString()) ? post : undefined;
}
