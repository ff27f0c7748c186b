import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type CategoryForm,
  createCategory,
  deleteCategory,
  listTaxonomy,
  mergeCategory,
  mergeTag,
  renameTag,
  updateCategory,
} from '../../../modules/content/taxonomy-admin.service.ts';
import { AppError, isAppError } from '../../../modules/shared/errors.ts';
import { HTTP_ERRORS } from '../../kit/http-errors.ts';
import { CsrfField, Form, Text, typed as typedRoutes } from '../../kit/schemas.ts';
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
import { type TaxonomyErrors, TaxonomyView, taxonomyNoticeText } from './views.tsx';

const PAGE = '/admin/taxonomy';
const Optional = Type.Optional;
/** Typed text: the module checks the real limits (TAXONOMY_LIMITS) and the page shows what was typed again. */
const Typed = Optional(Text(FORM_TEXT_MAX));
/** An id chosen in a select ('' for none). */
const Chosen = Optional(Text(20));
const CategoryFormSchema = Form({ ...CsrfField, name: Typed, slug: Typed, parent: Chosen, description: Typed });
const TagForm = Form({ ...CsrfField, name: Typed, slug: Typed });
const MergeForm = Form({ ...CsrfField, into: Chosen });
const DeleteForm = Form({ ...CsrfField, moveTo: Chosen });
const withId = <T extends TSchema>(body: T) => ({ schema: { params: IdParams, body } });

function categoryForm(form: Static<typeof CategoryFormSchema>): CategoryForm {
  return {
    name: form.name ?? '',
    slug: form.slug ?? '',
    parent: form.parent ?? '',
    description: form.description ?? '',
  };
}

/** The id chosen in a select, or a field error on `field`. */
function chosenId(v: string, field: string, message: string): number {
  if (!/^[0-9]{1,9}$/.test(v)) throw new AppError('TAXONOMY_INVALID', message, { fields: { [field]: message } });
  return Number(v);
}

/**
 * Categories and tags: for people with manage_taxonomy. Registered inside the staff scope of routes/admin.tsx
 * (session, origin and CSRF already checked). A refused form shows the page again with what was typed.
 */
export function registerTaxonomyAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const deps = kit.ctx.deps.content;

  staff.register(async (taxonomy) => {
    requireForScope(taxonomy, kit, 'manage_taxonomy');
    const scope = typedRoutes(taxonomy);

    async function show(req: FastifyRequest, reply: FastifyReply, errors?: TaxonomyErrors, status?: number) {
      const viewer = kit.viewerOf(req);
      const { categories, tags } = await listTaxonomy(deps);
      return kit.page(reply, {
        title: 'Categories and tags',
        viewer,
        current: 'taxonomy',
        status,
        body: (
          <TaxonomyView
            categories={categories}
            tags={tags}
            errors={errors}
            viewer={viewer}
            notice={errors ? undefined : taxonomyNoticeText(noticeOf(req))}
          />
        ),
      });
    }

    /** Runs a change; a refused one (bad field, conflict, gone) comes back as the page with its message. */
    async function attempt(
      req: FastifyRequest,
      reply: FastifyReply,
      form: { key: string; typed: Record<string, string> },
      change: () => Promise<unknown>,
      done: string,
    ) {
      try {
        await change();
      } catch (err) {
        const known = ['TAXONOMY_INVALID', 'TAXONOMY_CONFLICT', 'CATEGORY_NOT_FOUND', 'TAG_NOT_FOUND'];
        if (!isAppError(err) || !known.includes(err.code)) throw err;
        req.log.info({ code: err.code, detail: err.detail }, 'taxonomy change refused');
        const errors = { form: form.key, fields: err.fields ?? {}, message: err.publicMessage, typed: form.typed };
        return show(req, reply, errors, HTTP_ERRORS[err.code].status);
      }
      return seeOther(reply, done);
    }

    scope.get(PAGE, { schema: { querystring: NoticeQuery } }, (req, reply) => show(req, reply));

    scope.post(`${PAGE}/categories`, { schema: { body: CategoryFormSchema } }, async (req, reply) => {
      const typed = categoryForm(req.body);
      return attempt(
        req,
        reply,
        { key: 'new-category', typed: { ...typed } },
        () => createCategory(deps, typed),
        `${PAGE}?notice=category-added`,
      );
    });

    scope.post(`${PAGE}/categories/:id`, withId(CategoryFormSchema), async (req, reply) => {
      const id = idParam(req);
      const typed = categoryForm(req.body);
      return attempt(
        req,
        reply,
        { key: `category-${id}`, typed: { ...typed } },
        () => updateCategory(deps, { id, ...typed }),
        `${PAGE}?notice=category-saved#category-${id}`,
      );
    });

    scope.post(`${PAGE}/categories/:id/merge`, withId(MergeForm), async (req, reply) => {
      const id = idParam(req);
      const into = req.body.into ?? '';
      return attempt(
        req,
        reply,
        { key: `category-${id}-other`, typed: { into } },
        () =>
          mergeCategory(deps, {
            sourceId: id,
            targetId: chosenId(into, 'into', 'Choose the category to merge it into.'),
          }),
        `${PAGE}?notice=category-merged`,
      );
    });

    scope.post(`${PAGE}/categories/:id/delete`, withId(DeleteForm), async (req, reply) => {
      const id = idParam(req);
      const moveTo = req.body.moveTo ?? '';
      return attempt(
        req,
        reply,
        { key: `category-${id}-other`, typed: { moveTo } },
        () =>
          deleteCategory(deps, {
            id,
            moveTo: moveTo === '' ? null : chosenId(moveTo, 'moveTo', 'Choose where its posts go.'),
          }),
        `${PAGE}?notice=category-deleted`,
      );
    });

    scope.post(`${PAGE}/tags/:id`, withId(TagForm), async (req, reply) => {
      const id = idParam(req);
      const typed = { name: req.body.name ?? '', slug: req.body.slug ?? '' };
      return attempt(
        req,
        reply,
        { key: `tag-${id}`, typed },
        () => renameTag(deps, { id, ...typed }),
        `${PAGE}?notice=tag-saved#tag-${id}`,
      );
    });

    scope.post(`${PAGE}/tags/:id/merge`, withId(MergeForm), async (req, reply) => {
      const id = idParam(req);
      const into = req.body.into ?? '';
      return attempt(
        req,
        reply,
        { key: `tag-${id}-merge`, typed: { into } },
        () => mergeTag(deps, { sourceId: id, targetId: chosenId(into, 'into', 'Choose the tag to merge it into.') }),
        `${PAGE}?notice=tag-merged`,
      );
    });
  });
}
