import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { entityDateValues } from '../../modules/history/entity-lists.service.ts';
import { getSiteTimeline } from '../../modules/history/timeline.service.ts';
import type { TimelineEvent } from '../../modules/history/timeline.ts';
import { entityPath } from '../../modules/markdown/mention-directive.ts';
import { changeKeys } from '../../modules/shared/changes.ts';
import { readSiteTimelineInput } from '../history/timeline-input.ts';
import { dependsOn } from '../kit/page-pipeline.ts';
import { sendBody } from '../kit/render.tsx';
import { cached } from '../kit/route-config.ts';
import { PageNumber, StrictQuery, Text, typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';

/**
 * GET /api/v1/timeline's query: the page's filters (strict: an unknown parameter is a 400). `zoom`, `from` and
 * `to` are checked by the domain, which answers TIMELINE_QUERY_INVALID naming the parameter.
 */
export const TimelineApiQuery = StrictQuery({
  category: Type.Optional(Text(500, { description: 'Category slug path; its sub-categories count too' })),
  place: Type.Optional(Text(200, { description: 'Slug of a place: events mentioned in articles mentioning it' })),
  person: Type.Optional(Text(200, { description: 'Slug of a person: events mentioned in articles mentioning them' })),
  org: Type.Optional(Text(200, { description: 'Slug of an organisation: events mentioned in articles mentioning it' })),
  zoom: Type.Optional(Text(20, { description: 'decade, year or month: how the events are grouped' })),
  from: Type.Optional(Text(100, { description: 'EDTF date (1939, 1939-05, 1939-05-11, -0489): events from then' })),
  to: Type.Optional(Text(100, { description: 'EDTF date: events until the end of it' })),
  page: Type.Optional(PageNumber),
});

const eventJson = (e: TimelineEvent) => ({
  slug: e.slug,
  name: e.name,
  url: entityPath('event', e.slug),
  description: e.description,
  date: entityDateValues({ date_text: e.dateText, date_lower: e.drawing.lower, date_upper: e.drawing.upper }),
  // How the page's chart draws it: each end firm, fuzzy (approximate, uncertain, unspecified) or open.
  drawn: { start: e.drawing.start, end: e.drawing.end, unspecified: e.drawing.unspecified },
});

/** The site's timeline as JSON (decision 044): the same filters and order as /timeline/, 50 events a page. */
export function registerTimelineApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  typed(app).get('/api/v1/timeline', cached({ schema: { querystring: TimelineApiQuery } }), async (req, reply) => {
    const t = await getSiteTimeline(ctx.deps.content, await readSiteTimelineInput(ctx, req.query));
    // What articles mention, and the category it may be narrowed to (by its address).
    dependsOn(req, changeKeys.posts, changeKeys.categories);
    return sendBody(ctx, req, reply, {
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({
        events: t.events.map(eventJson),
        zoom: t.zoom,
        page: t.page,
        per_page: t.perPage,
        has_more: t.hasMore,
      }),
    });
  });
}

/** The OpenAPI entry of GET /timeline, spread into openApiDocument's paths. */
export function timelineApiPaths(kit: {
  ok: (description: string) => unknown;
  errorResponse: unknown;
  queryParameters: (schema: never) => unknown[];
}) {
  return {
    '/timeline': {
      get: {
        summary:
          'Dated events that published articles mention, by earliest then latest possible day, then name; 50 a page',
        description:
          'The JSON of /timeline/. Filters narrow to events mentioned in published articles of the category or mentioning the place, the person and the organisation; from/to keep the events overlapping the range. has_more says whether page + 1 has events.',
        parameters: kit.queryParameters(TimelineApiQuery as never),
        responses: {
          200: kit.ok(
            '{ events: [{ slug, name, url, description, date: { edtf, words, lower, upper }, drawn: { start, end, unspecified } }], zoom, page, per_page, has_more }',
          ),
          400: kit.errorResponse,
        },
      },
    },
  };
}
