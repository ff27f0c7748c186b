import { EntityListQuery, EntityParams, EntityQuery, EventListQuery } from './history-api.schemas.ts';

/** The parts of openapi.ts the entries below are built with (so both describe errors and parameters alike). */
interface OpenApiKit {
  ok: (description: string) => unknown;
  errorResponse: unknown;
  queryParameters: (schema: never) => unknown[];
}

// The path's parameters are the schemas that validate requests (a JSON copy, without TypeBox's symbols).
const pathParameters = Object.entries(
  JSON.parse(JSON.stringify(EntityParams.properties)) as Record<string, unknown>,
).map(([name, schema]) => ({ name, in: 'path', required: true, schema }));

const DATE =
  'date: { edtf (as written), words, lower, upper (ISO 8601 days, astronomical years, null for an open end) } or null';

const LINKS =
  'sources: [{ key, title, note (where in it: pages, a chapter; "" for none), url, citation (plain text), citation_html (<i> and <b> alone) }] in its order, citation_style, identifiers: [{ scheme (viaf, geonames, isni, loc), label, value, url (never fetched) }], same_as: [Wikidata then the identifiers\' record URLs]';

/** OpenAPI entries of the history routes (history-api.routes.ts), spread into openApiDocument's paths. */
export function historyApiPaths(kit: OpenApiKit) {
  return {
    '/entities': {
      get: {
        summary: 'People, places, events and organisations that published articles mention, by name, 50 a page',
        parameters: kit.queryParameters(EntityListQuery as never),
        responses: {
          200: kit.ok(
            `{ entities: [{ kind, slug, name, url, feed_url, description, wikidata_id, wikidata_url, ${DATE} }], page, per_page, total, total_pages }`,
          ),
          400: kit.errorResponse,
        },
      },
    },
    '/entities/{kind}/{slug}': {
      get: {
        summary:
          'One entity: its names, date, description, Wikidata id, sources, other identifiers and the published articles mentioning it',
        parameters: [...pathParameters, ...kit.queryParameters(EntityQuery as never)],
        responses: {
          200: kit.ok(
            `{ entity: { …, names: [{ name, lang, kind }], ${DATE}, ${LINKS} }, articles: [{ slug, title, url, published_at }] (newest first, 50 a page), page, per_page, total, total_pages }`,
          ),
          301: { description: 'The entity has a new slug' },
          400: kit.errorResponse,
          404: kit.errorResponse,
        },
      },
    },
    '/events': {
      get: {
        summary: 'Events that published articles mention, by date (lower bound, then upper; undated last)',
        parameters: kit.queryParameters(EventListQuery as never),
        responses: {
          200: kit.ok('{ events: [...as /entities], page, per_page, total, total_pages }'),
          400: kit.errorResponse,
        },
      },
    },
  };
}
