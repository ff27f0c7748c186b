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
import { GEO_LIMITS } from '../../../modules/history/geo-types.ts';
import { LOCATOR_CONTEXT_KM, mapOfPlaces, type PlacesMap, worldMap } from '../../../modules/history/place-maps.ts';
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
import { registerEntityMergeRoutes } from './merge.routes.tsx';
import { EntitiesListView, EntityFormView, entityEditPath, entityNoticeText } from './views.tsx';

const LIST = '/admin/entities';

type EntityField = (typeof ENTITY_FORM_FIELDS)[number];
/** Every field is typed text: the history module checks each one and the form is shown again with its messages. */
const entityFields = Object.fromEntries(
  ENTITY_FORM_FIELDS.map((f) => [f, Type.Optional(Text(f === 'shapes' ? GEO_LIMITS.text : FORM_TEXT_MAX))]),
) as Record<EntityField, TOptional<TString>>;
/** A place's shapes may be large GeoJSON (refused above 50,000 points by the history module, with a message). */
const ENTITY_BODY_LIMIT = 4 * 1024 * 1024;
const EntityFormSchema = Form({ ...CsrfField, ...entityFields });
const KindQuery = StrictQuery({ kind: Type.Optional(Text(20)), notice: Type.Optional(Text(60)) });
const CsrfOnly = Form({ ...CsrfField });

const kindOf = (raw: string | undefined) => (raw !== undefined && isEntityKind(raw) ? raw : 'person');

function formValues(body: Partial<Record<EntityField, string>>): EntityForm {
  const values = emptyEntityForm('person');
  for (const f of ENTITY_FORM_FIELDS) values[f] = body[f] ?? '';
  return values;
}

/** The map of a place's form: its stored point and shapes, or the world when it has none yet. */
async function formMap(deps: HistoryDeps, values: EntityForm, id?: number): Promise<PlacesMap | undefined> {
  const typed = `${values.latitude}${values.longitude}${values.shapes}`.trim() !== '';
  if (values.kind !== 'place' && !typed) return undefined;
  const stored = id === undefined ? undefined : await getEntity(deps, id);
  return (stored && mapOfPlaces([stored], LOCATOR_CONTEXT_KM)) ?? worldMap();
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

    const showForm = async (
      req: FastifyRequest,
      reply: FastifyReply,
      opts: Omit<Parameters<typeof EntityFormView>[0], 'viewer' | 'map'> & { status?: number },
    ) => {
      const map = await formMap(deps, opts.values, opts.id);
      return kit.page(reply, {
        title: opts.id === undefined ? 'Add an entity' : opts.values.name || 'Entity',
        viewer: kit.viewerOf(req),
        current: 'entities',
        status: opts.status,
        body: <EntityFormView {...opts} map={map} viewer={kit.viewerOf(req)} />,
      });
    };

    const refused = (err: unknown) => {
      if (!isAppError(err) || !err.fields) throw err;
      return { errors: err.fields, status: HTTP_ERRORS[err.code].status };
    };

    r.get('/admin/entities/new', { schema: { querystring: KindQuery } }, (req, reply) =>
      showForm(req, reply, { values: emptyEntityForm(kindOf(req.query.kind)) }),
    );

    r.post(LIST, { bodyLimit: ENTITY_BODY_LIMIT, schema: { body: EntityFormSchema } }, async (req, reply) => {
      const values = formValues(req.body);
      try {
        const entity = await createEntity(deps, values);
        return seeOther(
          reply,
          `${entityEditPath(entity.id)}?notice=${entity.notes.length > 0 ? 'simplified' : 'created'}`,
        );
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

    const editOptions = { bodyLimit: ENTITY_BODY_LIMIT, schema: { params: IdParams, body: EntityFormSchema } };
    r.post('/admin/entities/edit/:id', editOptions, async (req, reply) => {
      const id = idParam(req);
      const values = formValues(req.body);
      try {
        const saved = await editEntity(deps, { id, form: values });
        return seeOther(reply, `${entityEditPath(id)}?notice=${saved.notes.length > 0 ? 'simplified' : 'saved'}`);
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
  registerEntityMergeRoutes(staff, kit);
}
