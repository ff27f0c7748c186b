import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { getSiteTimeline, listTimelineChoices } from '../../modules/history/timeline.service.ts';
import { changeKeys } from '../../modules/shared/changes.ts';
import { redirect } from '../kit/addresses.ts';
import { dependsOn } from '../kit/page-pipeline.ts';
import { sendPage } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { PublicQuery, Text, typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';
import { PageParam } from '../reader/reader.schemas.ts';
import { categoryChoices, readSiteTimelineInput } from './timeline-input.ts';
import { SiteTimelineView, siteTimelineHead, type TimelineParams } from './timeline-page.views.tsx';

/** /timeline/'s address: the filters, zoom and range as written (checked by the domain: TIMELINE_QUERY_INVALID). */
export const TimelinePageQuery = PublicQuery({
  category: Type.Optional(Text(500)),
  place: Type.Optional(Text(200)),
  person: Type.Optional(Text(200)),
  org: Type.Optional(Text(200)),
  zoom: Type.Optional(Text(20)),
  from: Type.Optional(Text(100)),
  to: Type.Optional(Text(100)),
  page: PageParam,
});

/** The query's own parameters, as text (a repeated `page` is refused by parsePageNumber). */
const paramsOf = (q: Record<string, unknown>): TimelineParams => {
  const out: TimelineParams = {};
  for (const key of ['category', 'place', 'person', 'org', 'zoom', 'from', 'to', 'page'] as const)
    if (typeof q[key] === 'string' && q[key] !== '') out[key] = q[key];
    else if (Array.isArray(q[key])) out[key] = q[key] as never;
  return out;
};

/**
 * /timeline/ (decision 044): the site's timeline, filtered by category, place, person and organisation, zoomed by decade, year
 * or month and narrowed by `from`/`to`, 50 events a page. Cached; it lists what articles mention (`posts`), and an
 * entity's own write changes everything.
 */
export function registerTimelineRoutes(app: FastifyInstance, ctx: WebContext): void {
  const deps = ctx.deps.content;
  const r = typed(app);
  r.get('/timeline/', cached({ schema: { querystring: TimelinePageQuery } }), async (req, reply) => {
    const params = paramsOf(req.query);
    const timeline = await getSiteTimeline(deps, await readSiteTimelineInput(ctx, params));
    const [categories, choices] = await Promise.all([categoryChoices(ctx), listTimelineChoices(deps)]);
    // What articles mention; the categories the form offers and the one it may be narrowed to.
    dependsOn(req, changeKeys.posts, changeKeys.categories);
    return sendPage(ctx, req, reply, () => ({
      head: siteTimelineHead(params),
      body: <SiteTimelineView timeline={timeline} params={params} choices={{ categories, ...choices }} />,
    }));
  });
  r.get('/timeline', cached(), async (req, reply) => redirect(ctx, req, reply, '/timeline/'));
}
