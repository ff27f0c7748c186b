import type { CategoryEntry, CategoryForm, TagEntry } from '../../../modules/content/taxonomy-admin.service.ts';
import { TAXONOMY_LIMITS } from '../../../modules/content/taxonomy-admin.service.ts';
import {
  CsrfField,
  ErrorSummary,
  Field,
  type FieldControl,
  type FormErrors,
  ItemButton,
  TextField,
} from '../../ui/form.tsx';
import { categoryUrl, tagUrl } from '../../ui/format.ts';
import { type AdminViewer, Notice, noticeLookup } from '../layout.tsx';

// Categories and tags: the tree with create, rename, move, merge and delete; tags with rename and merge.

const NOTICES: Record<string, string> = {
  'category-added': 'Category added.',
  'category-saved': 'Category saved. Its old address, and those below it, lead to the new ones.',
  'category-merged': 'Categories merged. The old address leads to the one they were merged into.',
  'category-deleted': 'Category deleted.',
  'tag-saved': 'Tag saved. Its old address leads to the new one.',
  'tag-merged': 'Tags merged. The old address leads to the one they were merged into.',
};
export const taxonomyNoticeText = noticeLookup(NOTICES);

/** A refused form: which one, its field messages and, for conflicts, what to do first. */
export interface TaxonomyErrors extends FormErrors {
  message: string;
  typed: Record<string, string>;
}

const fieldId = (form: string, k: string) => `${form}-${k}`;
const dash = (depth: number) => '— '.repeat(depth);

/** A select of categories (tree order, indented), leaving out `exclude` and everything below it. */
function CategorySelect(props: {
  id: string;
  name: string;
  categories: CategoryEntry[];
  exclude?: CategoryEntry;
  selected: string;
  none?: string;
  a11y?: FieldControl;
}) {
  const { exclude } = props;
  const options = props.categories.filter(
    (c) => !exclude || (c.id !== exclude.id && !c.path.startsWith(`${exclude.path}/`)),
  );
  return (
    <select
      id={props.id}
      name={props.name}
      aria-describedby={props.a11y?.['aria-describedby']}
      aria-invalid={props.a11y?.['aria-invalid']}
    >
      {props.none !== undefined ? (
        <option value="" selected={props.selected === ''}>
          {props.none}
        </option>
      ) : null}
      {options.map((c) => (
        <option key={c.id} value={String(c.id)} selected={props.selected === String(c.id)}>
          {dash(c.depth)}
          {c.name}
        </option>
      ))}
    </select>
  );
}

function CategoryFields(props: {
  form: string;
  values: CategoryForm;
  errors: Record<string, string>;
  categories: CategoryEntry[];
  self?: CategoryEntry;
}) {
  const { form, values, errors } = props;
  return (
    <>
      <TextField
        id={fieldId(form, 'name')}
        name="name"
        label="Name"
        value={values.name}
        error={errors.name}
        maxLength={TAXONOMY_LIMITS.name}
        required
      />
      <TextField
        id={fieldId(form, 'slug')}
        name="slug"
        label="Slug"
        hint={
          props.self
            ? 'Part of the address. If you change it, the old address leads to the new one.'
            : 'Part of the address: lower-case letters, digits and hyphens. Empty: made from the name.'
        }
        value={values.slug}
        error={errors.slug}
      />
      <Field
        id={fieldId(form, 'parent')}
        label="Parent category"
        hint={props.self ? 'Moving it moves everything below it too.' : undefined}
        error={errors.parent}
      >
        {(a11y) => (
          <CategorySelect
            id={fieldId(form, 'parent')}
            name="parent"
            categories={props.categories}
            exclude={props.self}
            selected={values.parent}
            none="(none: a top-level category)"
            a11y={a11y}
          />
        )}
      </Field>
      <Field
        id={fieldId(form, 'description')}
        label="Description"
        hint="Shown on its page. May be empty."
        error={errors.description}
      >
        {(a11y) => (
          <textarea
            id={fieldId(form, 'description')}
            name="description"
            rows={3}
            maxLength={TAXONOMY_LIMITS.description}
            value={values.description}
            {...a11y}
          />
        )}
      </Field>
    </>
  );
}

function CategoryItem(props: {
  c: CategoryEntry;
  categories: CategoryEntry[];
  errors?: TaxonomyErrors;
  viewer: AdminViewer;
}) {
  const { c, viewer } = props;
  const editForm = `category-${c.id}`;
  const otherForm = `category-${c.id}-other`;
  const err = props.errors;
  const editing = err?.form === editForm;
  const other = err?.form === otherForm;
  const values: CategoryForm = editing
    ? {
        name: err.typed.name ?? '',
        slug: err.typed.slug ?? '',
        parent: err.typed.parent ?? '',
        description: err.typed.description ?? '',
      }
    : { name: c.name, slug: c.slug, parent: c.parentId === null ? '' : String(c.parentId), description: c.description };
  const targets = props.categories.filter((t) => t.id !== c.id && !t.path.startsWith(`${c.path}/`));
  return (
    <li class={`taxonomy-item taxonomy-depth-${Math.min(c.depth, 5)}`} id={`category-${c.id}`}>
      <p class="taxonomy-item__name">
        <strong>
          {dash(c.depth)}
          {c.name}
        </strong>{' '}
        <a href={categoryUrl(c.path)}>{categoryUrl(c.path)}</a>
        <span class="hint">
          {c.postCount} {c.postCount === 1 ? 'post' : 'posts'}
          {c.childCount > 0 ? `, ${c.childCount} ${c.childCount === 1 ? 'sub-category' : 'sub-categories'}` : ''}
        </span>
      </p>
      <details open={editing}>
        <summary>
          Rename or move<span class="visually-hidden">: {c.name}</span>
        </summary>
        <form method="post" action={`/admin/taxonomy/categories/${c.id}`} class="admin-form">
          <CsrfField csrf={viewer.csrf} />
          <CategoryFields
            form={editForm}
            values={values}
            errors={editing ? err.fields : {}}
            categories={props.categories}
            self={c}
          />
          <p>
            <ItemButton label="Save" item={c.name} />
          </p>
        </form>
      </details>
      <details open={other}>
        <summary>
          Merge or delete<span class="visually-hidden">: {c.name}</span>
        </summary>
        {targets.length > 0 ? (
          <form method="post" action={`/admin/taxonomy/categories/${c.id}/merge`} class="admin-form">
            <CsrfField csrf={viewer.csrf} />
            <Field
              id={fieldId(otherForm, 'into')}
              label={`Merge “${c.name}” into`}
              hint="Its posts and sub-categories move there, it is removed, and its address leads there."
              error={other ? err.fields.into : undefined}
            >
              {(a11y) => (
                <CategorySelect
                  id={fieldId(otherForm, 'into')}
                  name="into"
                  categories={props.categories}
                  exclude={c}
                  selected={other ? (err.typed.into ?? '') : ''}
                  a11y={a11y}
                />
              )}
            </Field>
            <p>
              <ItemButton label="Merge" item={c.name} class="secondary" />
            </p>
          </form>
        ) : null}
        <form method="post" action={`/admin/taxonomy/categories/${c.id}/delete`} class="admin-form">
          <CsrfField csrf={viewer.csrf} />
          {c.postCount > 0 && targets.length > 0 ? (
            <Field
              id={fieldId(otherForm, 'moveTo')}
              label="Before deleting, move its posts to"
              error={other ? err.fields.moveTo : undefined}
            >
              {(a11y) => (
                <CategorySelect
                  id={fieldId(otherForm, 'moveTo')}
                  name="moveTo"
                  categories={props.categories}
                  exclude={c}
                  selected={other ? (err.typed.moveTo ?? '') : ''}
                  none="(choose a category)"
                  a11y={a11y}
                />
              )}
            </Field>
          ) : null}
          <p>
            <ItemButton label="Delete" item={c.name} class="danger" />
          </p>
        </form>
      </details>
    </li>
  );
}

function TagItem(props: { t: TagEntry; tags: TagEntry[]; errors?: TaxonomyErrors; viewer: AdminViewer }) {
  const { t, viewer } = props;
  const form = `tag-${t.id}`;
  const mergeForm = `tag-${t.id}-merge`;
  const err = props.errors;
  const editing = err?.form === form;
  const merging = err?.form === mergeForm;
  const others = props.tags.filter((o) => o.id !== t.id);
  return (
    <li class="taxonomy-item" id={`tag-${t.id}`}>
      <p class="taxonomy-item__name">
        <strong>{t.name}</strong> <a href={tagUrl(t.slug)}>{tagUrl(t.slug)}</a>
        <span class="hint">
          {t.postCount} {t.postCount === 1 ? 'post' : 'posts'}
        </span>
      </p>
      <details open={editing || merging}>
        <summary>
          Rename or merge<span class="visually-hidden">: {t.name}</span>
        </summary>
        <form method="post" action={`/admin/taxonomy/tags/${t.id}`} class="admin-form">
          <CsrfField csrf={viewer.csrf} />
          <TextField
            id={fieldId(form, 'name')}
            name="name"
            label="Name"
            value={editing ? (err.typed.name ?? '') : t.name}
            error={editing ? err.fields.name : undefined}
            maxLength={TAXONOMY_LIMITS.name}
            required
          />
          <TextField
            id={fieldId(form, 'slug')}
            name="slug"
            label="Slug"
            hint="If you change it, the old address leads to the new one."
            value={editing ? (err.typed.slug ?? '') : t.slug}
            error={editing ? err.fields.slug : undefined}
          />
          <p>
            <ItemButton label="Save" item={t.name} />
          </p>
        </form>
        {others.length > 0 ? (
          <form method="post" action={`/admin/taxonomy/tags/${t.id}/merge`} class="admin-form">
            <CsrfField csrf={viewer.csrf} />
            <Field
              id={fieldId(mergeForm, 'into')}
              label={`Merge “${t.name}” into`}
              hint="Its posts get the other tag, it is removed, and its address leads there."
              error={merging ? err.fields.into : undefined}
            >
              {(a11y) => (
                <select id={fieldId(mergeForm, 'into')} name="into" {...a11y}>
                  {others.map((o) => (
                    <option key={o.id} value={String(o.id)} selected={merging && err.typed.into === String(o.id)}>
                      {o.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <p>
              <ItemButton label="Merge" item={t.name} class="secondary" />
            </p>
          </form>
        ) : null}
      </details>
    </li>
  );
}

export function TaxonomyView(props: {
  categories: CategoryEntry[];
  tags: TagEntry[];
  errors?: TaxonomyErrors;
  viewer: AdminViewer;
  notice?: string;
}) {
  const err = props.errors;
  const adding = err?.form === 'new-category';
  const newValues: CategoryForm = adding
    ? {
        name: err.typed.name ?? '',
        slug: err.typed.slug ?? '',
        parent: err.typed.parent ?? '',
        description: err.typed.description ?? '',
      }
    : { name: '', slug: '', parent: '', description: '' };
  return (
    <>
      <h1 class="page-title">Categories and tags</h1>
      <Notice text={props.notice} />
      <ErrorSummary errors={err?.fields} idOf={(k) => fieldId(err?.form ?? '', k)} message={err?.message} />
      <h2 id="categories">Categories</h2>
      <p>
        An article is filed under one primary category (its address and breadcrumb) and perhaps others. Renaming, moving
        or merging a category keeps its old address working: readers and search engines are sent on to the new one.
      </p>
      {props.categories.length === 0 ? (
        <p class="empty">No categories yet.</p>
      ) : (
        <ul class="taxonomy-list">
          {props.categories.map((c) => (
            <CategoryItem key={c.id} c={c} categories={props.categories} errors={err} viewer={props.viewer} />
          ))}
        </ul>
      )}
      <form method="post" action="/admin/taxonomy/categories" class="admin-form">
        <CsrfField csrf={props.viewer.csrf} />
        <fieldset>
          <legend>Add a category</legend>
          <CategoryFields
            form="new-category"
            values={newValues}
            errors={adding ? err.fields : {}}
            categories={props.categories}
          />
          <p>
            <button type="submit">Add the category</button>
          </p>
        </fieldset>
      </form>
      <h2 id="tags">Tags</h2>
      <p>Writers add tags in the editor. Here you can rename them or merge two that mean the same.</p>
      {props.tags.length === 0 ? (
        <p class="empty">No tags yet.</p>
      ) : (
        <ul class="taxonomy-list">
          {props.tags.map((t) => (
            <TagItem key={t.id} t={t} tags={props.tags} errors={err} viewer={props.viewer} />
          ))}
        </ul>
      )}
    </>
  );
}
