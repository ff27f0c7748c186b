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
} from '../../modules/content/taxonomy-admin.service.ts';
import { AppError, isAppError } from '../../modules/shared/errors.ts';
import { type AdminKit, idParam, one, type Query, requireForScope, seeOther } from '../admin-kit.tsx';
import { formOf } from '../admin-session.ts';
import { HTTP_ERRORS } from '../http-errors.ts';
import { type TaxonomyErrors, TaxonomyView, taxonomyNoticeText } from '../views/admin-taxonomy.tsx';

const PAGE = '/admin/taxonomy';
const text = (form: URLSearchParams, key: string, max = 2000) => (form.get(key) ?? '').slice(0, max);

function categoryForm(form: URLSearchParams): CategoryForm {
  return {
    name: text(form, 'name', 500),
    slug: text(form, 'slug', 500),
    parent: text(form, 'parent', 20),
    description: text(form, 'description', 5000),
  };
}

/** The id chosen in a select, or a field error on `field`. */
function chosenId(form: URLSearchParams, field: string, message: string): number {
  const v = form.get(field) ?? '';
  if (!/^[0-9]{1,9}$/.test(v)) throw new AppError('TAXONOMY_INVALID', message, { fields: { [field]: message } });
  return Number(v);
}

/**
 * Categories and tags: for people with manage_taxonomy. Registered inside the staff scope of routes/admin.tsx
 * (session, origin and CSRF already checked). A refused form shows the page again with what was typed.
 */
export function registerTaxonomyAdminRoutes(staff: FastifyInstance, kit: AdminKit): void {
  const deps = kit.ctx.deps.content;

  staff.register(async (scope) => {
    requireForScope(scope, kit, 'manage_taxonomy');

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
            notice={errors ? undefined : taxonomyNoticeText(one(req.query as Query, 'notice'))}
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

    scope.get(PAGE, (req, reply) => show(req, reply));

    scope.post(`${PAGE}/categories`, async (req, reply) => {
      const typed = categoryForm(formOf(req));
      return attempt(
        req,
        reply,
        { key: 'new-category', typed: { ...typed } },
        () => createCategory(deps, typed),
        `${PAGE}?notice=category-added`,
      );
    });

    scope.post(`${PAGE}/categories/:id`, async (req, reply) => {
      const id = idParam(req);
      const typed = categoryForm(formOf(req));
      return attempt(
        req,
        reply,
        { key: `category-${id}`, typed: { ...typed } },
        () => updateCategory(deps, { id, ...typed }),
        `${PAGE}?notice=category-saved#category-${id}`,
      );
    });

    scope.post(`${PAGE}/categories/:id/merge`, async (req, reply) => {
      const id = idParam(req);
      const form = formOf(req);
      return attempt(
        req,
        reply,
        { key: `category-${id}-other`, typed: { into: text(form, 'into', 20) } },
        () =>
          mergeCategory(deps, {
            sourceId: id,
            targetId: chosenId(form, 'into', 'Choose the category to merge it into.'),
          }),
        `${PAGE}?notice=category-merged`,
      );
    });

    scope.post(`${PAGE}/categories/:id/delete`, async (req, reply) => {
      const id = idParam(req);
      const form = formOf(req);
      const moveTo = text(form, 'moveTo', 20);
      return attempt(
        req,
        reply,
        { key: `category-${id}-other`, typed: { moveTo } },
        () =>
          deleteCategory(deps, {
            id,
            moveTo: moveTo === '' ? null : chosenId(form, 'moveTo', 'Choose where its posts go.'),
          }),
        `${PAGE}?notice=category-deleted`,
      );
    });

    scope.post(`${PAGE}/tags/:id`, async (req, reply) => {
      const id = idParam(req);
      const form = formOf(req);
      const typed = { name: text(form, 'name', 500), slug: text(form, 'slug', 500) };
      return attempt(
        req,
        reply,
        { key: `tag-${id}`, typed },
        () => renameTag(deps, { id, ...typed }),
        `${PAGE}?notice=tag-saved#tag-${id}`,
      );
    });

    scope.post(`${PAGE}/tags/:id/merge`, async (req, reply) => {
      const id = idParam(req);
      const form = formOf(req);
      return attempt(
        req,
        reply,
        { key: `tag-${id}-merge`, typed: { into: text(form, 'into', 20) } },
        () => mergeTag(deps, { sourceId: id, targetId: chosenId(form, 'into', 'Choose the tag to merge it into.') }),
        `${PAGE}?notice=tag-merged`,
      );
    });
  });
}
