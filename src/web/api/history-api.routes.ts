import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Entity, getEntityPage } from '../../modules/history/entities.service.ts';
import {
  type EntitySummary,
  entityDateValues,
  listMentionedEntitiesPaged,
} from '../../modules/history/entity-lists.service.ts';
import { entityPath } from '../../modules/markdown/mention-directive.ts';
import { getSiteSettings } from '../../modules/settings/settings.service.ts';
import { changeKeys } from '../../modules/shared/changes.ts';
import { type Paged, parsePageNumber } from '../../modules/shared/paging.ts';
import { entityFeedPath } from '../history/entity-feeds.routes.ts';
import { dependsOn } from '../kit/page-pipeline.ts';
import { sendBody } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { entityLinksJson } from './entity-links-json.ts';
import { EntityListQuery, EntityParams, EntityQuery, EventListQuery } from './history-api.schemas.ts';

const wikidataUrl = (id: string | null) => (id ? `https://www.wikidata.org/wiki/${id}` : null);

const summaryJson = (e: EntitySummary | Entity) => ({
  kind: e.kind,
  slug: e.slug,
  name: e.name,
  url: entityPath(e.kind, e.slug),
  feed_url: entityFeedPath(e.kind, e.slug),
  description: e.description,
  wikidata_id: e.wikidataId,
  wikidata_url: wikidataUrl(e.wikidataId),
});

const pageJson = <T>(p: Paged<T>) => ({ page: p.page, per_page: p.perPage, total: p.total, total_pages: p.pageCount });

const perPageOf = (raw: string | undefined) => (raw ? Number(raw) : 50);

/**
 * The read API's history routes (decision 045): `/api/v1/entities` (those published articles mention, by kind,
 * paged), `/api/v1/entities/{kind}/{slug}` (names, date, description, Wikidata id, sources, identifiers and the
 * published articles mentioning it, 50 a page) and `/api/v1/events` (by date). Cached like the pages they mirror.
 */
export function registerHistoryApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const deps = ctx.deps.content;
  const r = typed(app);
  const json = (req: FastifyRequest, reply: FastifyReply, data: unknown) => {
    dependsOn(req, changeKeys.posts);
    return sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify(data),
    });
  };

  r.get('/api/v1/entities', cached({ schema: { querystring: EntityListQuery } }), async (req, reply) => {
    const { kind, page, per_page } = req.query;
    const list = await listMentionedEntitiesPaged(deps, {
      kind,
      page: { page: parsePageNumber(page), perPage: perPageOf(per_page) },
    });
    return json(req, reply, {
      entities: list.items.map((e) => ({ ...summaryJson(e), date: e.date })),
      ...pageJson(list),
    });
  });

  r.get('/api/v1/events', cached({ schema: { querystring: EventListQuery } }), async (req, reply) => {
    const { page, per_page } = req.query;
    const list = await listMentionedEntitiesPaged(deps, {
      kind: 'event',
      byDate: true,
      page: { page: parsePageNumber(page), perPage: perPageOf(per_page) },
    });
    return json(req, reply, {
      events: list.items.map((e) => ({ ...summaryJson(e), date: e.date })),
      ...pageJson(list),
    });
  });

  r.get(
    '/api/v1/entities/:kind/:slug',
    cached({ schema: { params: EntityParams, querystring: EntityQuery } }),
    async (req, reply) => {
      const { kind, slug } = req.params;
      const found = await getEntityPage(deps, { kind, slug, page: parsePageNumber(req.query.page) });
      if (found.kind === 'redirect') {
        const location = `/api/v1/entities/${kind}/${found.slug}`;
        const body = JSON.stringify({ moved_to: found.slug });
        return sendBody(ctx, req, reply, {
          status: 301,
          contentType: 'application/json; charset=utf-8',
          body,
          location,
        });
      }
      const { entity, articles } = found.page;
      const { citationStyle } = await getSiteSettings(deps);
      // Its sources, formatted (json() adds the articles).
      dependsOn(req, ...entity.sources.map((s) => changeKeys.source(s.key)));
      return json(req, reply, {
        entity: {
          ...summaryJson(entity),
          names: entity.names.map((n) => ({ name: n.name, lang: n.lang || null, kind: n.name_kind })),
          date: entity.date
            ? entityDateValues({
                date_text: entity.date.text,
                date_lower: entity.date.lower,
                date_upper: entity.date.upper,
              })
            : null,
          ...entityLinksJson(entity, citationStyle),
        },
        articles: articles.items.map((a) => ({
          slug: a.slug,
          title: a.title,
          url: `/${a.slug}/`,
          published_at: a.published_at,
        })),
        ...pageJson(articles),
      });
    },
  );
}
