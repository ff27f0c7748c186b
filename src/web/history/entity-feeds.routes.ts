import type { FastifyInstance } from 'fastify';
import { listLatestArticles } from '../../modules/content/reading.service.ts';
import { buildFeed } from '../../modules/feeds/feed.service.ts';
import { findEntityAt } from '../../modules/history/entity-lookup.service.ts';
import { ENTITY_FOLDERS, entityPath } from '../../modules/markdown/mention-directive.ts';
import { getSiteSettings } from '../../modules/settings/settings.service.ts';
import { changeKeys } from '../../modules/shared/changes.ts';
import type { EntityKind } from '../../storage/schema.ts';
import { dependsOnFeedItems } from '../feeds/feeds.routes.ts';
import { slugParam } from '../kit/addresses.ts';
import { dependsOn } from '../kit/page-pipeline.ts';
import { sendBody } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { SlugParams } from '../reader/reader.schemas.ts';

/** An entity's Atom feed: `/people/georgy-zhukov/feed/`. */
export const entityFeedPath = (kind: EntityKind, slug: string): string => `${entityPath(kind, slug)}feed/`;

const FEED_SIZE = 20;

/**
 * Each entity's Atom feed (decision 045): the latest published articles mentioning it, full bodies, as the site's
 * feeds are. Cached as its page is (`posts`: a save of a visible post, whose mentions may have changed, names it;
 * an entity's own write changes everything). An old slug answers 301 to the feed at the current one.
 */
export function registerEntityFeedRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { deps } = ctx;
  const r = typed(app);
  for (const [kind, folder] of Object.entries(ENTITY_FOLDERS) as [EntityKind, string][]) {
    r.get(`/${folder}/:slug/feed/`, cached({ schema: { params: SlugParams } }), async (req, reply) => {
      const found = await findEntityAt(deps.content, kind, slugParam(req));
      if (found.kind === 'redirect') {
        const location = entityFeedPath(kind, found.slug);
        return sendBody(ctx, req, reply, {
          status: 301,
          contentType: 'text/plain; charset=utf-8',
          body: `Moved to ${location}`,
          location,
        });
      }
      const { entity } = found;
      const [site, latest] = await Promise.all([
        getSiteSettings(deps.content),
        listLatestArticles(deps.content, { entityId: entity.id }, FEED_SIZE),
      ]);
      dependsOn(req, changeKeys.posts);
      dependsOnFeedItems(req, latest.items);
      const pagePath = entityPath(kind, entity.slug);
      const body = buildFeed({
        site,
        baseUrl: deps.baseUrl,
        pagePath,
        feedBase: pagePath,
        selfPath: entityFeedPath(kind, entity.slug),
        title: entity.name,
        items: latest.items,
        format: 'atom',
      });
      return sendBody(ctx, req, reply, { status: 200, contentType: 'application/atom+xml; charset=utf-8', body });
    });
  }
}
