import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadCategoryTree } from '../../modules/content/category.service.ts';
import {
  getAuthorArchive,
  getCategoryArchive,
  getMonthArchive,
  getTagArchive,
  listHomePosts,
} from '../../modules/content/reading.service.ts';
import { findMovedCategoryPath, findMovedTagSlug } from '../../modules/content/taxonomy-admin.service.ts';
import { searchPosts } from '../../modules/search/search.service.ts';
import { AppError, isAppError } from '../../modules/shared/errors.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import { isSlug } from '../../modules/shared/slug.ts';
import { getSiteSettings } from '../../modules/site/settings.service.ts';
import { isPlainPermalink, oldAddressLocation } from '../old-addresses.ts';
import { sendBody, sendPage } from '../render.tsx';
import {
  CategoryIndexView,
  CategoryView,
  HomeView,
  monthTitle,
  SearchView,
  SimpleArchiveView,
} from '../views/archive-pages.tsx';
import { authorUrl, categoryUrl, monthUrl, postUrl, tagUrl } from '../views/format.ts';
import type { WebContext } from '../web-deps.ts';
import { registerArticleRoutes } from './article.tsx';
import { sendFeed } from './feeds.ts';
import { registerSourceRoutes } from './sources.tsx';
import { registerSuggestionRoutes } from './suggestions.tsx';

type Query = Record<string, string | string[] | undefined>;

/** Reads ?page= from a request; anything but a whole number from 1 is a 400. */
const pageOf = (req: FastifyRequest) => parsePageNumber((req.query as Query).page);

/** Reads ?q=: one string, or a 400. */
function searchQuery(req: FastifyRequest): string {
  const q = (req.query as Query).q;
  if (q === undefined) return '';
  if (typeof q !== 'string') throw new AppError('INVALID_QUERY', 'Give one search, not several.');
  return q.trim();
}

const notFound = (what: string) =>
  new AppError('NOT_FOUND', 'There is nothing at this address. It may have moved, or the link may be mistyped.', {
    detail: what.slice(0, 200),
  });

/** The :slug of a route, or a 404 when it cannot be a slug (empty, upper case, punctuation). */
function slugParam(req: FastifyRequest): string {
  const { slug } = req.params as { slug: string };
  if (!isSlug(slug)) throw notFound(req.url);
  return slug;
}

/** Permanent redirect to `location`, keeping the query string. */
function redirect(ctx: WebContext, req: FastifyRequest, reply: FastifyReply, location: string) {
  const q = req.url.indexOf('?');
  const target = q >= 0 ? location + req.url.slice(q) : location;
  return sendBody(ctx, req, reply, {
    status: 301,
    contentType: 'text/plain; charset=utf-8',
    body: `Moved to ${target}`,
    location: target,
  });
}

/**
 * A category or tag that is not found may have been renamed, moved or merged: its old address answers 301 with
 * the new one (taxonomy_history). Anything else, or an address never used, stays the error it was.
 */
async function movedOr404(
  err: unknown,
  code: 'CATEGORY_NOT_FOUND' | 'TAG_NOT_FOUND',
  find: () => Promise<string | undefined>,
): Promise<string> {
  if (!isAppError(err) || err.code !== code) throw err;
  const location = await find();
  if (location === undefined) throw err;
  return location;
}

/** The pages a reader sees, from home to article; each route reads its input, calls one use case, renders. */
export function registerReadingRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  const perPage = async () => (await getSiteSettings(deps.content)).postsPerPage;

  app.get('/', async (req, reply) => {
    // WordPress's plain links (/?p=12, /?page_id=7) of an imported site lead to the article (decision 026).
    const moved = isPlainPermalink(req.url) ? await oldAddressLocation(ctx, req.url) : undefined;
    if (moved)
      return sendBody(ctx, req, reply, {
        status: 301,
        contentType: 'text/plain; charset=utf-8',
        body: `Moved to ${moved}`,
        location: moved,
      });
    const posts = await listHomePosts(deps.content, { page: pageOf(req), perPage: await perPage() });
    if (posts.page > posts.pageCount) throw notFound(req.url);
    return sendPage(ctx, req, reply, (site) => ({
      head: {
        title: site.title,
        description: site.description,
        path: posts.page > 1 ? `/?page=${posts.page}` : '/',
        openGraph: { 'og:type': 'website', 'og:title': site.title, 'og:description': site.description },
      },
      body: <HomeView posts={posts} site={site} />,
    }));
  });

  app.get('/search', async (req, reply) => {
    const q = searchQuery(req);
    const page = pageOf(req);
    const results = q ? await searchPosts(deps.content, { q, page: { page, perPage: await perPage() } }) : null;
    return sendPage(ctx, req, reply, (site) => ({
      head: { title: q ? `Search: ${q}` : 'Search', path: '/search', noindex: true },
      body: <SearchView q={q} results={results} site={site} />,
    }));
  });

  // /category/<parent>/<child>/ at any depth, and the same path with feed/, feed/atom/ or feed.json after it.
  app.get('/category/*', async (req, reply) => {
    const rest = (req.params as { '*': string })['*'];
    if (rest === '') {
      const tree = await loadCategoryTree(deps.content);
      return sendPage(ctx, req, reply, () => ({
        head: {
          title: 'Categories',
          description: 'Every category on the site, with its sub-categories.',
          path: '/category/',
        },
        body: <CategoryIndexView categories={tree.roots} />,
      }));
    }
    const feed = /^(.*\/)(feed\/|feed\/atom\/|feed\.json)$/.exec(rest);
    const path = (feed ? feed[1]! : rest).replace(/\/$/, '');
    const segments = path.split('/');
    if (!segments.every(isSlug)) throw notFound(req.url);
    const moved = (err: unknown) =>
      movedOr404(err, 'CATEGORY_NOT_FOUND', async () => {
        const to = await findMovedCategoryPath(deps.content, path);
        return to === undefined ? undefined : categoryUrl(to) + (feed ? feed[2] : '');
      }).then((location) => redirect(ctx, req, reply, location));
    if (feed) {
      const format = feed[2] === 'feed/' ? 'rss' : feed[2] === 'feed.json' ? 'json' : 'atom';
      return sendFeed(ctx, req, reply, { categoryPath: path }, format, categoryUrl(path)).catch(moved);
    }
    if (!rest.endsWith('/')) return redirect(ctx, req, reply, categoryUrl(path));
    let archive: Awaited<ReturnType<typeof getCategoryArchive>>;
    try {
      archive = await getCategoryArchive(deps.content, {
        path,
        page: { page: pageOf(req), perPage: await perPage() },
      });
    } catch (err) {
      return moved(err);
    }
    const base = categoryUrl(path);
    return sendPage(ctx, req, reply, (site) => ({
      head: {
        title: archive.category.name,
        description: archive.category.description || `Articles filed under ${archive.category.name}.`,
        path: base,
        feeds: {
          title: archive.category.name,
          rss: `${base}feed/`,
          atom: `${base}feed/atom/`,
          json: `${base}feed.json`,
        },
      },
      body: <CategoryView category={archive.category} trail={archive.trail} posts={archive.posts} site={site} />,
    }));
  });

  app.get('/tag/:slug', async (req, reply) => redirect(ctx, req, reply, tagUrl(slugParam(req))));
  app.get('/tag/:slug/', async (req, reply) => {
    const { slug } = req.params as { slug: string };
    let archive: Awaited<ReturnType<typeof getTagArchive>>;
    try {
      archive = await getTagArchive(deps.content, { slug, page: { page: pageOf(req), perPage: await perPage() } });
    } catch (err) {
      const location = await movedOr404(err, 'TAG_NOT_FOUND', async () => {
        const to = isSlug(slug) ? await findMovedTagSlug(deps.content, slug) : undefined;
        return to === undefined ? undefined : tagUrl(to);
      });
      return redirect(ctx, req, reply, location);
    }
    const { tag, posts } = archive;
    const base = tagUrl(slug);
    return sendPage(ctx, req, reply, (site) => ({
      head: {
        title: `Tagged ${tag.name}`,
        path: base,
        feeds: { title: tag.name, rss: `${base}feed/`, atom: `${base}feed/atom/`, json: `${base}feed.json` },
      },
      body: <SimpleArchiveView kind="Tag" title={tag.name} posts={posts} base={base} site={site} />,
    }));
  });

  app.get('/author/:slug', async (req, reply) => redirect(ctx, req, reply, authorUrl(slugParam(req))));
  app.get('/author/:slug/', async (req, reply) => {
    const { slug } = req.params as { slug: string };
    const { author, posts } = await getAuthorArchive(deps.content, {
      slug,
      page: { page: pageOf(req), perPage: await perPage() },
    });
    return sendPage(ctx, req, reply, (site) => ({
      head: { title: author.name, description: author.bio, path: authorUrl(slug) },
      body: (
        <SimpleArchiveView
          kind="Author"
          title={author.name}
          intro={author.bio}
          posts={posts}
          base={authorUrl(slug)}
          site={site}
        />
      ),
    }));
  });

  // Monthly archives: /<yyyy>/<mm>/.
  app.get('/:year/:month', async (req, reply) => {
    const { year, month } = req.params as { year: string; month: string };
    if (!/^\d{4}$/.test(year) || !/^\d{2}$/.test(month)) throw notFound(req.url);
    return redirect(ctx, req, reply, `/${year}/${month}/`);
  });
  app.get('/:year/:month/', async (req, reply) => {
    const { year, month } = req.params as { year: string; month: string };
    const archive = await getMonthArchive(deps.content, {
      year,
      month,
      page: { page: pageOf(req), perPage: await perPage() },
    });
    return sendPage(ctx, req, reply, (site) => ({
      head: { title: monthTitle(archive.month, site), path: monthUrl(archive.month) },
      body: (
        <SimpleArchiveView
          kind="Monthly archive"
          title={monthTitle(archive.month, site)}
          posts={archive.posts}
          base={monthUrl(archive.month)}
          site={site}
        />
      ),
    }));
  });

  // Articles and static pages share one namespace: /<slug>/.
  app.get('/:slug', async (req, reply) => redirect(ctx, req, reply, postUrl(slugParam(req))));
  registerArticleRoutes(app, ctx, { redirect, slugParam });
  registerSuggestionRoutes(app, ctx, { redirect, slugParam });
  registerSourceRoutes(app, ctx);
}
