import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FeedArticle, listLatestArticles, listLatestPosts } from '../../modules/content/reading.service.ts';
import { listPublishedPages, listSiteTaxonomy } from '../../modules/content/site-index.service.ts';
import { findMovedTagSlug } from '../../modules/content/taxonomy-admin.service.ts';
import { buildFeed, type FeedFormat, xml } from '../../modules/feeds/feed.service.ts';
import { listEntityIndex } from '../../modules/history/entities.service.ts';
import { ENTITY_FOLDERS, entityPath } from '../../modules/markdown/mention-directive.ts';
import { getSiteSettings } from '../../modules/settings/settings.service.ts';
import { changeKeys } from '../../modules/shared/changes.ts';
import { isAppError } from '../../modules/shared/errors.ts';
import { isSlug } from '../../modules/shared/slug.ts';
import type { EntityKind } from '../../storage/schema.ts';
import { dependsOn, dependsOnList, dependsOnShown } from '../kit/page-pipeline.ts';
import { sendBody } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { SlugParams } from '../reader/reader.schemas.ts';

const FEED_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};
const FEED_SIZE = 20;

/** A feed of the latest posts, site-wide or narrowed to a category (with sub-categories) or tag. */
export async function sendFeed(
  ctx: WebContext,
  req: FastifyRequest,
  reply: FastifyReply,
  filter: { categoryPath?: string; tagSlug?: string },
  format: FeedFormat,
  pagePath: string,
): Promise<FastifyReply> {
  const { deps } = ctx;
  const [site, latest] = await Promise.all([
    getSiteSettings(deps.content),
    listLatestArticles(deps.content, filter, FEED_SIZE),
  ]);
  dependsOnList(req, []);
  dependsOnFeedItems(req, latest.items);
  // Narrowed to a category: its name, and the articles of its sub-categories (the tree's); to a tag: the tag's.
  if (latest.category) dependsOn(req, changeKeys.categories);
  dependsOnShown(req, { categories: latest.category ? [latest.category] : [], tags: latest.tag ? [latest.tag] : [] });
  const body = buildFeed({
    site,
    baseUrl: deps.baseUrl,
    pagePath,
    feedBase: pagePath,
    title: latest.title,
    items: latest.items,
    format,
  });
  return sendBody(ctx, req, reply, { status: 200, contentType: FEED_TYPES[format], body });
}

/** A feed shows each article whole: its category and tags, and the text of the sources it cites. */
export function dependsOnFeedItems(req: FastifyRequest, items: readonly FeedArticle[]): void {
  dependsOnShown(req, {
    categories: items.flatMap((i) => (i.category ? [i.category] : [])),
    tags: items.flatMap((i) => i.tags),
    sources: items.flatMap((i) => i.citedKeys),
  });
}

/**
 * The sitemap protocol's limit of addresses in one file. A larger site lists the first 50,000 in this order: home,
 * articles newest first, pages, archives, then history's pages (a sitemap index would list the rest).
 */
const SITEMAP_MAX_URLS = 50_000;

/** The index and page of every person, place, event and organisation that articles readers can see mention. */
async function publicEntityPaths(deps: WebContext['deps']['content']): Promise<string[]> {
  const kinds = Object.entries(ENTITY_FOLDERS) as [EntityKind, string][];
  const lists = await Promise.all(kinds.map(([kind]) => listEntityIndex(deps, kind)));
  return kinds.flatMap(([kind, folder], i) => {
    const entities = lists[i] ?? [];
    return entities.length === 0 ? [] : [`/${folder}/`, ...entities.map((e) => entityPath(kind, e.slug))];
  });
}

/** Feeds, sitemap, robots.txt and the OpenSearch description. */
export function registerFeedRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  const r = typed(app);
  app.get('/feed/', cached(), (req, reply) => sendFeed(ctx, req, reply, {}, 'rss', '/'));
  app.get('/feed/atom/', cached(), (req, reply) => sendFeed(ctx, req, reply, {}, 'atom', '/'));
  app.get('/feed.json', cached(), (req, reply) => sendFeed(ctx, req, reply, {}, 'json', '/'));
  app.get('/feed', async (_req, reply) => reply.redirect('/feed/', 301));
  for (const [suffix, format] of [
    ['feed/', 'rss'],
    ['feed/atom/', 'atom'],
    ['feed.json', 'json'],
  ] as const) {
    r.get(`/tag/:slug/${suffix}`, cached({ schema: { params: SlugParams } }), async (req, reply) => {
      const { slug } = req.params;
      try {
        return await sendFeed(ctx, req, reply, { tagSlug: slug }, format, `/tag/${slug}/`);
      } catch (err) {
        // A renamed or merged tag's feed moves with it, as its page does (see reading.tsx).
        if (!isAppError(err) || err.code !== 'TAG_NOT_FOUND' || !isSlug(slug)) throw err;
        const to = await findMovedTagSlug(deps.content, slug);
        if (to === undefined) throw err;
        const q = req.url.indexOf('?');
        const location = `/tag/${to}/${suffix}${q >= 0 ? req.url.slice(q) : ''}`;
        return sendBody(ctx, req, reply, {
          status: 301,
          contentType: 'text/plain; charset=utf-8',
          body: `Moved to ${location}`,
          location,
        });
      }
    });
  }

  app.get('/robots.txt', cached(), async (req, reply) => {
    // Built from nothing that a write changes but the settings (which change everything).
    dependsOn(req);
    return sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: `User-agent: *\nDisallow: /search\nDisallow: /api/\n\nSitemap: ${deps.baseUrl}/sitemap.xml\n`,
    });
  });

  app.get('/opensearch.xml', cached(), async (req, reply) => {
    const site = await getSiteSettings(deps.content);
    dependsOn(req);
    return sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'application/opensearchdescription+xml; charset=utf-8',
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/"><ShortName>${xml(site.title.slice(0, 16))}</ShortName><Description>${xml(`Search ${site.title}`)}</Description><InputEncoding>UTF-8</InputEncoding><Url type="text/html" template="${xml(deps.baseUrl)}/search?q={searchTerms}"/></OpenSearchDescription>\n`,
    });
  });

  app.get('/sitemap.xml', cached(), async (req, reply) => {
    const now = deps.content.clock.now().toISOString();
    const [posts, pages, { categories, tags, authors }, entityPaths] = await Promise.all([
      listLatestPosts(deps.content, { page: 1, perPage: 50_000 }),
      listPublishedPages(deps.content, now),
      listSiteTaxonomy(deps.content),
      publicEntityPaths(deps.content),
    ]);
    // Every article, and every category's and tag's archive.
    dependsOnList(req, []);
    dependsOn(req, changeKeys.categories, changeKeys.tags);
    const url = (path: string, lastmod?: string) =>
      `<url><loc>${xml(deps.baseUrl + path)}</loc>${lastmod ? `<lastmod>${lastmod}</lastmod>` : ''}</url>`;
    const newest = posts.items[0]?.updatedAt ?? posts.items[0]?.publishedAt;
    const urls = [
      url('/', newest),
      url('/corrections/'),
      ...posts.items.map((p) => url(`/${p.slug}/`, p.updatedAt ?? p.publishedAt)),
      ...pages.map((p) => url(`/${p.slug}/`, p.updated_at ?? p.published_at ?? undefined)),
      ...categories.map((c) => url(`/category/${c.path}/`)),
      ...tags.map((t) => url(`/tag/${t.slug}/`)),
      ...authors.map((a) => url(`/author/${a.slug}/`)),
      url('/timeline/'),
      ...entityPaths.map((path) => url(path)),
    ];
    return sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'application/xml; charset=utf-8',
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.slice(0, SITEMAP_MAX_URLS).join('\n')}\n</urlset>\n`,
    });
  });
}
