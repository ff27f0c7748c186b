import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getEntity } from '../../../modules/history/entities.service.ts';
import { findMergeCandidates, mergeEntity } from '../../../modules/history/entity-merge.service.ts';
import { isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { CsrfField, Form, StrictQuery, Text, typed } from '../../kit/schemas.ts';
import { type AdminKit, IdParams, idParam, requireForScope, seeOther } from '../kit.tsx';
import { EntityMergeView } from './merge.views.tsx';
import { entityEditPath } from './views.tsx';

const MergeQuery = StrictQuery({ q: Type.Optional(Text(100)) });
const MergeForm = Form({ ...CsrfField, into: Type.Optional(Text(30)) });

/**
 * Merging an entity into another of its kind (decision 048), for editors as the rest of entity management:
 * `GET /admin/entities/edit/:id/merge?q=…` finds the ones to keep by name (any of their names), `POST` with
 * `into` merges and goes to the kept one's form. A merge into itself, across kinds, or of an entity gone since is
 * refused on the page with its message (ENTITY_MERGE_REFUSED, ENTITY_NOT_FOUND).
 */
export function registerEntityMergeRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const deps = kit.ctx.deps.content;
  staff.register(async (scope) => {
    requireForScope(scope, kit, 'edit_others_posts');
    const r = typed(scope);

    const show = async (
      req: FastifyRequest,
      reply: FastifyReply,
      o: { id: number; q: string; error?: string; status?: number },
    ) => {
      const entity = await getEntity(deps, o.id);
      const candidates = await findMergeCandidates(deps, entity, o.q);
      return kit.page(reply, {
        title: `Merge ${entity.name}`,
        viewer: kit.viewerOf(req),
        current: 'entities',
        status: o.status,
        body: (
          <EntityMergeView entity={entity} q={o.q} candidates={candidates} viewer={kit.viewerOf(req)} error={o.error} />
        ),
      });
    };

    r.get('/admin/entities/edit/:id/merge', { schema: { params: IdParams, querystring: MergeQuery } }, (req, reply) =>
      show(req, reply, { id: idParam(req), q: req.query.q ?? '' }),
    );

    r.post('/admin/entities/edit/:id/merge', { schema: { params: IdParams, body: MergeForm } }, async (req, reply) => {
      const id = idParam(req);
      const raw = req.body.into ?? '';
      try {
        if (!/^[0-9]{1,9}$/.test(raw)) {
          await getEntity(deps, id);
          return show(req, reply, { id, q: '', error: 'Choose the entity to keep.', status: 400 });
        }
        const kept = await mergeEntity(deps, { id, into: Number(raw) });
        return seeOther(reply, `${entityEditPath(kept.id)}?notice=merged`);
      } catch (err) {
        const refusal = isAppError(err) && (err.code === 'ENTITY_MERGE_REFUSED' || err.code === 'ENTITY_NOT_FOUND');
        if (!refusal) throw err;
        // The entity merged away (or never there) has no page to show the message on.
        await getEntity(deps, id);
        return show(req, reply, { id, q: '', error: err.publicMessage, status: HTTP_ERRORS[err.code].status });
      }
    });
  });
}
