import type { FastifyInstance } from 'fastify';
import { getEntityPage, listEntityIndex } from '../../modules/history/entities.service.ts';
import { placeMap } from '../../modules/history/place-maps.ts';
import { getEntityTimeline } from '../../modules/history/timeline.service.ts';
import { ENTITY_FOLDERS, entityPath } from '../../modules/markdown/mention-directive.ts';
import { changeKeys } from '../../modules/shared/changes.ts';
import { parsePageNumber } from '../../modules/shared/paging.ts';
import type { EntityKind } from '../../storage/schema.ts';
import { redirect, slugParam } from '../kit/addresses.ts';
import { TIMELINE_SCRIPT_URL } from '../kit/assets.ts';
import { dependsOn } from '../kit/page-pipeline.ts';
import { sendPage } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { PagedQuery, SlugParams } from '../reader/reader.schemas.ts';
import type { Head } from '../ui/layout.tsx';
import { EntityIndexView, EntityPageView, entityHead, KIND_WORDS } from './entities.views.tsx';

/**
 * Readers' pages of history's entities (decision 041): /people/, /places/, /events/, /organisations/ (every
 * entity that published articles mention) and /<folder>/<slug>/ (one entity and, 50 a page, the published articles
 * mentioning it). All cached: they list articles (`posts`: a save of a visible post, whose mentions may have
 * changed, names it), and an entity's own write changes everything. An old slug answers 301.
 */
/** The chart island, on a page that shows a timeline (with any scripts the head has already). */
const withTimelineScript = (head: Head, shown: boolean): Head =>
  shown ? { ...head, scripts: [...(head.scripts ?? []), TIMELINE_SCRIPT_URL] } : head;

export function registerEntityRoutes(app: FastifyInstance, ctx: WebContext): void {
  const deps = ctx.deps.content;
  const r = typed(app);
  for (const [kind, folder] of Object.entries(ENTITY_FOLDERS) as [EntityKind, string][]) {
    const index = `/${folder}/`;
    r.get(index, cached({ schema: { querystring: PagedQuery } }), async (req, reply) => {
      const entities = await listEntityIndex(deps, kind);
      dependsOn(req, changeKeys.posts);
      return sendPage(ctx, req, reply, () => ({
        head: { title: KIND_WORDS[kind].plural, path: index },
        body: <EntityIndexView kind={kind} entities={entities} />,
      }));
    });
    r.get(`/${folder}`, cached(), async (req, reply) => redirect(ctx, req, reply, index));

    r.get(
      `/${folder}/:slug/`,
      cached({ schema: { params: SlugParams, querystring: PagedQuery } }),
      async (req, reply) => {
        const slug = slugParam(req);
        const found = await getEntityPage(deps, { kind, slug, page: parsePageNumber(req.query.page) });
        if (found.kind === 'redirect') return redirect(ctx, req, reply, entityPath(kind, found.slug));
        const { entity } = found.page;
        // The articles mentioning it, and the sources it lists.
        dependsOn(req, changeKeys.posts, ...entity.sources.map((s) => changeKeys.source(s.key)));
        const map = kind === 'place' ? await placeMap(deps, entity) : undefined;
        const timeline = await getEntityTimeline(deps, entity);
        return sendPage(ctx, req, reply, (site) => ({
          head: withTimelineScript(entityHead(found.page, ctx.deps.baseUrl), timeline.events.length > 0),
          body: <EntityPageView {...found.page} site={site} map={map} timeline={timeline} />,
        }));
      },
    );
    r.get(`/${folder}/:slug`, cached({ schema: { params: SlugParams } }), async (req, reply) =>
      redirect(ctx, req, reply, entityPath(kind, slugParam(req))),
    );
  }
}
