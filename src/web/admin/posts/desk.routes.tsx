import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { postFormValuesFrom } from '../../../modules/content/editor-form.ts';
import { suggestSources } from '../../../modules/sources/source-suggest.ts';
import { StrictQuery, Text, typed } from '../../kit/schemas.ts';
import type { AdminKit } from '../kit.tsx';
import { formOf } from '../session.ts';
import { runPreflight } from './preflight.ts';
import { EDITOR_BODY_LIMIT, EditorForm } from './schemas.ts';

/** What `:cite[` has typed so far (the sources module reads at most 100 characters of it). */
const CiteQuery = StrictQuery({ q: Type.Optional(Text(200)) });

/**
 * The writing desk's JSON endpoints (issue 16), for the editor island only: the sources a `:cite[` completes
 * from, and the checks run on the form as typed for the pre-publish panel. Both are for people who write posts
 * (the posts scope's hook) and store nothing.
 */
export function registerEditorDeskRoutes(
  posts: FastifyInstance,
  kit: AdminKit,
  limitPreviews: (req: FastifyRequest) => Promise<void>,
): void {
  const deps = kit.ctx.deps.content;
  const scope = typed(posts);

  scope.get('/admin/posts/cite-suggest', { schema: { querystring: CiteQuery } }, async (req, reply) => {
    const sources = await suggestSources(deps, req.query.q ?? '');
    return reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send({ sources });
  });

  // The pre-publish panel's checks: the same as the "Check" button, answered as JSON, the form kept in the page.
  scope.post(
    '/admin/posts/checks',
    { bodyLimit: EDITOR_BODY_LIMIT, schema: { body: EditorForm } },
    async (req, reply) => {
      await limitPreviews(req);
      const issues = await runPreflight(deps, postFormValuesFrom(formOf(req)), kit.ctx.deps.baseUrl);
      return reply.type('application/json; charset=utf-8').send({ issues });
    },
  );
}
