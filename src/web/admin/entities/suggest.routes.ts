import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { suggestEntities } from '../../../modules/history/entity-lookup.service.ts';
import { StrictQuery, typed } from '../../kit/schemas.ts';
import { type AdminKit, requireForScope } from '../kit.tsx';

/** The longest text the completion looks up; a name is at most 200 characters, what is typed before it far less. */
const MAX_SUGGEST_QUERY = 100;
const SuggestQuery = StrictQuery({ q: Type.String({ maxLength: MAX_SUGGEST_QUERY }) });

/**
 * The editor's completion of entity mentions (decision 045): `GET /admin/entities/suggest?q=Жук` answers
 * `{ entities: [{ kind, slug, name, matched, directive }] }`, at most 10, for anyone who writes posts (authors and
 * contributors write mentions too; the names are on public pages already). Stores nothing, never cached. A bad
 * query answers JSON too (400, INVALID_QUERY), as the island reads JSON.
 */
export function registerEntitySuggestRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const deps = kit.ctx.deps.content;
  staff.register(async (scope) => {
    requireForScope(scope, kit, 'write_posts');
    typed(scope).get(
      '/admin/entities/suggest',
      { schema: { querystring: SuggestQuery }, attachValidation: true },
      async (req, reply) => {
        reply.header('cache-control', 'no-store').type('application/json; charset=utf-8');
        if (req.validationError)
          return reply.code(400).send({
            error: {
              code: 'INVALID_QUERY',
              message: `Send the text typed so far as one q parameter, at most ${MAX_SUGGEST_QUERY} characters.`,
            },
          });
        return reply.send({ entities: await suggestEntities(deps, req.query.q) });
      },
    );
  });
}
