import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Db } from '../../storage/schema.ts';
import { DEMO_MEDIA_DIR } from '../demo/demo-media.ts';
import {
  findPostInMonth,
  listAuthorSlugsIn,
  listCategoryPathsIn,
  listMediaFileNamesIn,
  listPostStatusesByOldSlug,
  listPostStatusesBySlug,
  listTagSlugsIn,
  listTaxonomyOldPathsIn,
} from './internal-links.repository.ts';

/** Why a link to this site does not lead anywhere, or undefined when it does (or is not ours to check). */
export type LinkProblem = { kind: 'missing' | 'draft' | 'relative'; path: string };

/** Addresses the site always answers (src/web/routes: reading, feeds, comments, API). */
const FIXED_PATHS = new Set([
  '/',
  '/search',
  '/feed',
  '/feed/',
  '/feed/atom/',
  '/feed.json',
  '/category/',
  '/comments/feed/',
  '/robots.txt',
  '/sitemap.xml',
  '/opensearch.xml',
  '/favicon.ico',
  '/api/v1/openapi.json',
  '/api/v1/posts',
  '/api/v1/categories',
  '/api/v1/tags',
  '/api/v1/authors',
  '/api/v1/search',
]);

// Feed suffixes a category or tag address may carry.
const FEED_SUFFIX = /(?:feed\/|feed\/atom\/|feed\.json)$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The site path a link points to, or undefined when it points elsewhere (another site, mailto:, a fragment on
 * this page). `baseUrl` (e.g. "https://history.example") lets absolute links to the site itself be checked.
 */
export function sitePathOf(url: string, baseUrl: string | undefined): string | { relative: string } | undefined {
  const u = url.trim();
  if (u === '' || u.startsWith('#') || u.startsWith('?')) return undefined;
  let path: string;
  if (u.startsWith('//') || SCHEME.test(u)) {
    if (!baseUrl || !/^https?:|^\/\//i.test(u)) return undefined;
    let target: URL;
    let site: URL;
    try {
      target = new URL(u, baseUrl);
      site = new URL(baseUrl);
    } catch {
      return undefined;
    }
    if (target.host.toLowerCase() !== site.host.toLowerCase()) return undefined;
    path = target.pathname;
  } else if (u.startsWith('/')) {
    path = u.replace(/[?#].*$/, '');
  } else {
    // "khalkhin-gol-1939/" resolves against the article's own address, which is almost never what was meant.
    return { relative: u };
  }
  try {
    return decodeURI(path) || '/';
  } catch {
    return path;
  }
}

/** The addresses on the site a set of paths can resolve to, looked up in a handful of queries. */
async function lookups(db: Db, paths: string[]) {
  const slugs = new Set<string>();
  const categoryPaths = new Set<string>();
  const tagSlugs = new Set<string>();
  const authorSlugs = new Set<string>();
  const mediaNames = new Set<string>();
  const months = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/').filter(Boolean);
    if (path.startsWith('/category/'))
      categoryPaths.add(path.slice('/category/'.length).replace(FEED_SUFFIX, '').replace(/\/$/, ''));
    else if (parts[0] === 'tag' && parts[1]) tagSlugs.add(parts[1]);
    else if (parts[0] === 'author' && parts[1]) authorSlugs.add(parts[1]);
    else if (parts[0] === 'media' && parts.length > 1) mediaNames.add(parts.slice(1).join('/'));
    else if (parts.length === 2 && /^\d{4}$/.test(parts[0]!) && /^\d{2}$/.test(parts[1]!))
      months.add(`${parts[0]}-${parts[1]}`);
    else if (parts[0]) slugs.add(parts[0]);
  }
  const [posts, oldSlugs, categories, tags, authors, media, history] = await Promise.all([
    listPostStatusesBySlug(db, slugs),
    listPostStatusesByOldSlug(db, slugs),
    listCategoryPathsIn(db, categoryPaths),
    listTagSlugsIn(db, tagSlugs),
    listAuthorSlugsIn(db, authorSlugs),
    listMediaFileNamesIn(db, mediaNames),
    listTaxonomyOldPathsIn(db, { categoryPaths, tagSlugs }),
  ]);
  const monthsWithPosts = new Set<string>();
  for (const month of months) {
    if (await findPostInMonth(db, month)) monthsWithPosts.add(month);
  }
  // A post reached through an old slug (301) still resolves; what matters is the status of the post it lands on.
  const postStatus = new Map<string, string>();
  for (const p of [...oldSlugs, ...posts]) postStatus.set(p.slug, p.status);
  return {
    postStatus,
    categories: new Set([
      ...categories.map((c) => c.path),
      ...history.filter((h) => h.kind === 'category').map((h) => h.old_path),
    ]),
    tags: new Set([...tags.map((t) => t.slug), ...history.filter((h) => h.kind === 'tag').map((h) => h.old_path)]),
    authors: new Set(authors.map((a) => a.slug)),
    media: new Set(media.map((m) => m.name)),
    monthsWithPosts,
  };
}

/**
 * For each distinct link to this site, whether it resolves to something a reader can open: a published or
 * scheduled post or page (by its slug or an old one), a category, tag or author archive, a monthly archive with
 * posts in it, an uploaded media file (or a file in the data folder's media/), or one of the fixed pages. Links
 * elsewhere are not checked here.
 */
export async function findLinkProblems(
  db: Db,
  urls: string[],
  site: { baseUrl?: string | undefined; mediaDir?: string | undefined },
): Promise<Map<string, LinkProblem>> {
  const { baseUrl, mediaDir } = site;
  const problems = new Map<string, LinkProblem>();
  const pathOf = new Map<string, string>();
  for (const url of new Set(urls)) {
    const p = sitePathOf(url, baseUrl);
    if (p === undefined) continue;
    if (typeof p !== 'string') problems.set(url, { kind: 'relative', path: p.relative });
    else pathOf.set(url, p);
  }
  const found = await lookups(db, [...pathOf.values()]);
  for (const [url, path] of pathOf) {
    if (FIXED_PATHS.has(path)) continue;
    const parts = path.split('/').filter(Boolean);
    let ok: boolean;
    if (parts[0] === 'category')
      ok = found.categories.has(path.slice('/category/'.length).replace(FEED_SUFFIX, '').replace(/\/$/, ''));
    else if (parts[0] === 'tag') ok = parts.length >= 2 && found.tags.has(parts[1]!) && isFeedOrEnd(parts, 2);
    else if (parts[0] === 'author') ok = parts.length === 2 && found.authors.has(parts[1]!);
    else if (parts[0] === 'media') {
      const name = parts.slice(1).join('/');
      ok = found.media.has(name) || isMediaFile(name, mediaDir);
    } else if (parts.length === 2 && /^\d{4}$/.test(parts[0]!) && /^\d{2}$/.test(parts[1]!))
      ok = found.monthsWithPosts.has(`${parts[0]}-${parts[1]}`);
    else {
      const status = found.postStatus.get(parts[0] ?? '');
      const rest = parts.slice(1).join('/');
      const known = rest === '' || rest === 'comments/feed';
      if (status === 'draft' && known) {
        problems.set(url, { kind: 'draft', path });
        continue;
      }
      ok = known && status !== undefined;
    }
    if (!ok) problems.set(url, { kind: 'missing', path });
  }
  return problems;
}

let demoMediaNames: Set<string> | undefined;

/**
 * Is /media/<name> one of the demo's drawings (served by every node from the package) or a file of the data
 * folder? Uploads live in the database.
 */
function isMediaFile(name: string, mediaDir: string | undefined): boolean {
  demoMediaNames ??= new Set(existsSync(DEMO_MEDIA_DIR) ? readdirSync(DEMO_MEDIA_DIR) : []);
  if (demoMediaNames.has(name)) return true;
  if (mediaDir === undefined) return false;
  const root = resolve(mediaDir);
  const file = resolve(root, name);
  if (!file.startsWith(root + sep) || name.includes('\0')) return false;
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** After /tag/<slug>/: nothing, or a feed. */
function isFeedOrEnd(parts: string[], from: number): boolean {
  const rest = parts.slice(from).join('/');
  return rest === '' || rest === 'feed' || rest === 'feed/atom' || rest === 'feed.json';
}
