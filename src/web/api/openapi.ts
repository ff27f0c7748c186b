import { CommentJsonBody, CommentListQuery, HeldCommentsBody } from '../discussion/discussion.schemas.ts';
import { PostsQuery, SearchQuery, SlugParams } from './api.schemas.ts';
import { historyApiPaths } from './history-openapi.ts';
import { timelineApiPaths } from './timeline-api.routes.ts';

const queryParameters = (schema: { properties: Record<string, unknown>; required?: string[] }) =>
  Object.entries(schema.properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: s,
  }));

const errorResponse = {
  description: 'An error with a stable code (see docs/errors.md)',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' } },
            required: ['code', 'message'],
          },
        },
      },
    },
  },
};

// The path's slug and the comment body are the schemas that validate requests (a JSON copy, without TypeBox's
// symbols).
const slugParameter = {
  name: 'slug',
  in: 'path',
  required: true,
  schema: JSON.parse(JSON.stringify(SlugParams.properties.slug)),
};

const commentBody = JSON.parse(JSON.stringify(CommentJsonBody));

const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

/** OpenAPI 3.1 description of the read-only API; query parameters come from the same schemas that validate requests. */
export function openApiDocument(baseUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Annalist read API',
      version: '1.0.0',
      description: 'Read-only access to published articles, categories, tags, authors and search.',
    },
    servers: [{ url: `${baseUrl}/api/v1` }],
    paths: {
      '/posts': {
        get: {
          summary: 'Published posts, newest first',
          parameters: queryParameters(PostsQuery as never),
          responses: { 200: ok('A page of posts'), 400: errorResponse, 404: errorResponse },
        },
      },
      '/posts/{slug}': {
        get: {
          summary: 'One post or page with its rendered body',
          parameters: [slugParameter],
          responses: { 200: ok('The post'), 301: { description: 'The post moved to a new slug' }, 404: errorResponse },
        },
      },
      '/categories': { get: { summary: 'The category tree with post counts', responses: { 200: ok('Categories') } } },
      '/posts/{slug}/comments': {
        get: {
          summary: 'Approved comments of a post, oldest first, 100 a page',
          parameters: [slugParameter, ...queryParameters(CommentListQuery as never)],
          responses: { 200: ok('A page of comments'), 404: errorResponse },
        },
        post: {
          summary: 'Post a comment: the same checks, moderation pipeline and limits as the form',
          description:
            "Made for the article page's own script: send the form cookie POST /form-token sets when the reader starts writing (annalist_form; no page sets it, decision 035), and annalist_commenter once the browser has one. Without a form cookie the comment counts as sent too fast, like a form sent back at once; a known email from a browser that has not proved it is held (decision 021).",
          parameters: [slugParameter],
          requestBody: { required: true, content: { 'application/json': { schema: commentBody } } },
          responses: {
            201: ok(
              'Stored: { comment: { id, status, parent_id, url, html, key } }: approved (with its url and html, the comment as the discussion shows it) or held (with a key: POST /comments/held)',
            ),
            400: errorResponse,
            403: errorResponse,
            404: errorResponse,
            409: errorResponse,
            422: errorResponse,
            429: errorResponse,
          },
        },
      },
      '/comments/held': {
        post: {
          summary: "How the writer's own held comments stand, asked with the keys their posts' answers gave",
          description:
            'For the comment island: a held comment stays visible to its writer, marked "awaiting moderation", until it is decided. Never cached; a key names one comment, signed.',
          requestBody: { required: true, content: { 'application/json': { schema: HeldCommentsBody } } },
          responses: {
            200: ok(
              '{ comments: [{ key, state: held (with id, article, parent_id, author, html, created_at), approved or gone }] }',
            ),
            400: errorResponse,
            403: errorResponse,
          },
        },
      },
      '/posts/{slug}/comments/preview': {
        post: {
          summary: 'Why a comment would be held or refused, before posting it; stores nothing',
          parameters: [slugParameter],
          requestBody: { required: true, content: { 'application/json': { schema: commentBody } } },
          responses: { 200: ok('{ warnings: [{ code, message }] }'), 400: errorResponse },
        },
      },
      '/tags': { get: { summary: 'Tags with post counts', responses: { 200: ok('Tags') } } },
      '/authors': { get: { summary: 'Authors', responses: { 200: ok('Authors') } } },
      '/search': {
        get: {
          summary: 'Full-text search, best match first',
          parameters: queryParameters(SearchQuery as never),
          responses: { 200: ok('Ranked results with highlighted snippets'), 400: errorResponse },
        },
      },
      ...historyApiPaths({ ok, errorResponse, queryParameters }),
      ...timelineApiPaths({ ok, errorResponse, queryParameters }),
    },
  };
}
