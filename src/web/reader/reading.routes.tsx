import type { FastifyInstance } from 'fastify';
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
import { changeKeys } from '../../modules/shared/changes.ts';
import { isAppError } from '../../modules/shared/errors.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import { isSlug } from '../../modules/shared/slug.ts';
import { sendFeed } from '../feeds/feeds.routes.ts';
import { notFound, redirect, slugParam } from '../kit/addresses.ts';
import { dependsOn, dependsOnList, dependsOnShown } from '../kit/page-pipeline.ts';
import { loadChrome, sendBody, sendPage } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { authorUrl, categoryUrl, monthUrl, postUrl, tagUrl } from '../ui/format.ts';
import {
  CategoryIndexView,
  KeptArchiveView,
  KeptCategoryView,
  KeptHomeView,
  monthTitle,
  SearchView,
} from './archive.views.tsx';
import { isPlainPermalink, oldAddressLocation } from './old-addresses.ts';
import { MonthParams, PagedQuery, RestParams, SearchPageQuery, SlugParams } from './reader.schemas.ts';

/** Reads ?page= (validated by PagedQuery); anything but a whole number from 1 is a 400. */
const pageOf = (req: { query: { page?: string | string[] } }) => parsePageNumber(req.query.page);

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
  const r = typed(app);
  const paged = { schema: { querystring: PagedQuery } };
  const slugged = { schema: { params: SlugParams, querystring: PagedQuery } };
  // The settings the page is rendered with (read once per content generation).
  const perPage = async () => (await loadChrome(ctx)).site.postsPerPage;

  r.get('/', cached(paged), async (req, reply) => {
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
    dependsOnList(req, posts.items);
    return sendPage(ctx, req, reply, (site) => ({
      head: {
        title: site.title,
        description: site.description,
        path: posts.page > 1 ? `/?page=${posts.page}` : '/',
        openGraph: { 'og:type': 'website', 'og:title': site.title, 'og:description': site.description },
      },
      body: <KeptHomeView posts={posts} site={site} />,
    }));
  });

  r.get('/search', cached({ schema: { querystring: SearchPageQuery } }), async (req, reply) => {
    const q = req.query.q?.trim() ?? '';
    const page = pageOf(req);
    const results = q ? await searchPosts(deps.content, { q, page: { page, perPage: await perPage() } }) : null;
    dependsOnList(req, []);
    return sendPage(ctx, req, reply, (site) => ({
      head: { title: q ? `Search: ${q}` : 'Search', path: '/search', noindex: true },
      body: <SearchView q={q} results={results} site={site} />,
    }));
  });

  // /category/<parent>/<child>/ at any depth, and the same path with feed/, feed/atom/ or feed.json after it.
  r.get('/category/*', cached({ schema: { params: RestParams, querystring: PagedQuery } }), async (req, reply) => {
    const rest = req.params['*'];
    if (rest === '') {
      const tree = await loadCategoryTree(deps.content);
      dependsOnList(req, []);
      dependsOn(req, changeKeys.categories);
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
    dependsOnList(req, archive.posts.items);
    // Its breadcrumb, its name and description; its sub-categories and their articles are the tree's.
    dependsOn(req, changeKeys.categories);
    dependsOnShown(req, { categories: [...archive.trail, archive.category] });
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
      body: <KeptCategoryView category={archive.category} trail={archive.trail} posts={archive.posts} site={site} />,
    }));
  });

  r.get('/tag/:slug', cached(slugged), async (req, reply) => redirect(ctx, req, reply, tagUrl(slugParam(req))));
  r.get('/tag/:slug/', cached(slugged), async (req, reply) => {
    const { slug } = req.params;
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
    dependsOnList(req, posts.items);
    dependsOnShown(req, { tags: [tag] });
    return sendPage(ctx, req, reply, (site) => ({
      head: {
        title: `Tagged ${tag.name}`,
        path: base,
        feeds: { title: tag.name, rss: `${base}feed/`, atom: `${base}feed/atom/`, json: `${base}feed.json` },
      },
      body: <KeptArchiveView kind="Tag" title={tag.name} posts={posts} base={base} site={site} />,
    }));
  });

  r.get('/author/:slug', cached(slugged), async (req, reply) => redirect(ctx, req, reply, authorUrl(slugParam(req))));
  r.get('/author/:slug/', cached(slugged), async (req, reply) => {
    const { slug } = req.params;
    const { author, posts } = await getAuthorArchive(deps.content, {
      slug,
      page: { page: pageOf(req), perPage: await perPage() },
    });
    dependsOnList(req, posts.items);
    return sendPage(ctx, req, reply, (site) => ({
      head: { title: author.name, description: author.bio, path: authorUrl(slug) },
      body: (
        <KeptArchiveView
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
  const monthly = { schema: { params: MonthParams, querystring: PagedQuery } };
  r.get('/:year/:month', cached(monthly), async (req, reply) => {
    const { year, month } = req.params;
    if (!/^\d{4}$/.test(year) || !/^\d{2}$/.test(month)) throw notFound(req.url);
    return redirect(ctx, req, reply, `/${year}/${month}/`);
  });
  r.get('/:year/:month/', cached(monthly), async (req, reply) => {
    const { year, month } = req.params;
    const archive = await getMonthArchive(deps.content, {
      year,
      month,
      page: { page: pageOf(req), perPage: await perPage() },
    });
    dependsOnList(req, archive.posts.items);
    return sendPage(ctx, req, reply, (site) => ({
      head: { title: monthTitle(archive.month, site), path: monthUrl(archive.month) },
      body: (
        <KeptArchiveView
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
  r.get('/:slug', cached(slugged), async (req, reply) => redirect(ctx, req, reply, postUrl(slugParam(req))));
}
