import { type TOptional, type TString, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  createEntity,
  deleteEntity,
  editEntity,
  entityFormOf,
  getEntity,
  type HistoryDeps,
  listEntities,
} from '../../../modules/history/entities.service.ts';
import {
  ENTITY_FORM_FIELDS,
  type EntityForm,
  emptyEntityForm,
  isEntityKind,
} from '../../../modules/history/entity-form.ts';
import { entityPath } from '../../../modules/markdown/mention-directive.ts';
import { isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { CsrfField, Form, StrictQuery, Text, typed } from '../../kit/schemas.ts';
import {
  type AdminKit,
  FORM_TEXT_MAX,
  IdParams,
  idParam,
  NoticeQuery,
  noticeOf,
  requireForScope,
  seeOther,
} from '../kit.tsx';
import { EntitiesListView, EntityFormView, entityEditPath, entityNoticeText } from './views.tsx';

const LIST = '/admin/entities';

type EntityField = (typeof ENTITY_FORM_FIELDS)[number];
/** Every field is typed text: the history module checks each one and the form is shown again with its messages. */
const entityFields = Object.fromEntries(
  ENTITY_FORM_FIELDS.map((f) => [f, Type.Optional(Text(FORM_TEXT_MAX))]),
) as Record<EntityField, TOptional<TString>>;
const EntityFormSchema = Form({ ...CsrfField, ...entityFields });
const KindQuery = StrictQuery({ kind: Type.Optional(Text(20)), notice: Type.Optional(Text(60)) });
const CsrfOnly = Form({ ...CsrfField });

const kindOf = (raw: string | undefined) => (raw !== undefined && isEntityKind(raw) ? raw : 'person');

function formValues(body: Partial<Record<EntityField, string>>): EntityForm {
  const values = emptyEntityForm('person');
  for (const f of ENTITY_FORM_FIELDS) values[f] = body[f] ?? '';
  return values;
}

/**
 * History's entities under /admin/entities (editors: edit_others_posts): people, places, events and
 * organisations listed by kind, added, edited (a new id keeps the old address as a 301) and deleted (refused while
 * articles mention them). CSRF and Origin are checked by the staff scope, as for every admin form.
 */
export function registerEntityAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const deps: HistoryDeps = kit.ctx.deps.content;
  staff.register(async (scope) => {
    requireForScope(scope, kit, 'edit_others_posts');
    const r = typed(scope);

    r.get(LIST, { schema: { querystring: KindQuery } }, async (req, reply) => {
      const kind = kindOf(req.query.kind);
      const entities = await listEntities(deps, kind);
      return kit.page(reply, {
        title: 'Entities',
        viewer: kit.viewerOf(req),
        current: 'entities',
        body: <EntitiesListView kind={kind} entities={entities} notice={entityNoticeText(noticeOf(req))} />,
      });
    });

    const showForm = (
      req: FastifyRequest,
      reply: FastifyReply,
      opts: Omit<Parameters<typeof EntityFormView>[0], 'viewer'> & { status?: number },
    ) =>
      kit.page(reply, {
        title: opts.id === undefined ? 'Add an entity' : opts.values.name || 'Entity',
        viewer: kit.viewerOf(req),
        current: 'entities',
        status: opts.status,
        body: <EntityFormView {...opts} viewer={kit.viewerOf(req)} />,
      });

    const refused = (err: unknown) => {
      if (!isAppError(err) || !err.fields) throw err;
      return { errors: err.fields, status: HTTP_ERRORS[err.code].status };
    };

    r.get('/admin/entities/new', { schema: { querystring: KindQuery } }, (req, reply) =>
      showForm(req, reply, { values: emptyEntityForm(kindOf(req.query.kind)) }),
    );

    r.post(LIST, { schema: { body: EntityFormSchema } }, async (req, reply) => {
      const values = formValues(req.body);
      try {
        const entity = await createEntity(deps, values);
        return seeOther(reply, `${entityEditPath(entity.id)}?notice=created`);
      } catch (err) {
        return showForm(req, reply, { values, ...refused(err) });
      }
    });

    r.get(
      '/admin/entities/edit/:id',
      { schema: { params: IdParams, querystring: NoticeQuery } },
      async (req, reply) => {
        const entity = await getEntity(deps, idParam(req));
        return showForm(req, reply, {
          id: entity.id,
          values: entityFormOf(entity),
          notice: entityNoticeText(noticeOf(req)),
          publicPath: entityPath(entity.kind, entity.slug),
        });
      },
    );

    r.post('/admin/entities/edit/:id', { schema: { params: IdParams, body: EntityFormSchema } }, async (req, reply) => {
      const id = idParam(req);
      const values = formValues(req.body);
      try {
        await editEntity(deps, { id, form: values });
        return seeOther(reply, `${entityEditPath(id)}?notice=saved`);
      } catch (err) {
        return showForm(req, reply, { id, values, ...refused(err) });
      }
    });

    r.post('/admin/entities/edit/:id/delete', { schema: { params: IdParams, body: CsrfOnly } }, async (req, reply) => {
      const id = idParam(req);
      try {
        const kind = (await getEntity(deps, id)).kind;
        await deleteEntity(deps, id);
        return seeOther(reply, `${LIST}?kind=${kind}&notice=deleted`);
      } catch (err) {
        if (!isAppError(err) || err.code !== 'ENTITY_IN_USE') throw err;
        const entity = await getEntity(deps, id);
        return showForm(req, reply, {
          id,
          values: entityFormOf(entity),
          deleteError: err.publicMessage,
          status: HTTP_ERRORS[err.code].status,
          publicPath: entityPath(entity.kind, entity.slug),
        });
      }
    });
  });
}
