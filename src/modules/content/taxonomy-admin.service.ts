import type { CategoryRow, Db, TagRow } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { categoryChange, tagChange } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { isSlug, slugify } from '../shared/slug.ts';
import type { ContentDeps } from './content.deps.ts';
import {
  countAllPostsByCategory,
  countAllPostsByTag,
  deleteCategoryRow,
  deleteTagRow,
  findCategoryById,
  findCategoryByPath,
  findTagById,
  findTagBySlug,
  findTaxonomyTarget,
  forgetTaxonomyPath,
  insertCategory,
  listAllTags,
  listCategories,
  listCategorySubtree,
  listChildCategories,
  movePostsToCategory,
  movePostsToTag,
  recordTaxonomyMove,
  retargetTaxonomyHistory,
  updateCategoryRow,
  updateTagRow,
} from './taxonomy.repository.ts';

// Managing categories and tags. A category's address is its slug path; every rename, move or merge records
// the old addresses (the category's and each descendant's) in taxonomy_history, so links keep working (301).

type Deps = Pick<ContentDeps, 'db' | 'clock' | 'noteWrite'>;

export const TAXONOMY_LIMITS = { name: 100, description: 500 } as const;

/** A category in the administration's list: tree order, with its depth and every post filed under it. */
export interface CategoryEntry {
  id: number;
  parentId: number | null;
  name: string;
  slug: string;
  path: string;
  description: string;
  depth: number;
  /** Posts of any status, filed here as primary or other category (not counting sub-categories). */
  postCount: number;
  childCount: number;
}

export interface TagEntry {
  id: number;
  name: string;
  slug: string;
  postCount: number;
}

/** Every category in tree order (parents before children, siblings by name) and every tag by name. */
export async function listTaxonomy(deps: Pick<ContentDeps, 'db'>): Promise<{
  categories: CategoryEntry[];
  tags: TagEntry[];
}> {
  const [rows, counts, tags, tagCounts] = await Promise.all([
    listCategories(deps.db),
    countAllPostsByCategory(deps.db),
    listAllTags(deps.db),
    countAllPostsByTag(deps.db),
  ]);
  const children = new Map<number | null, CategoryRow[]>();
  for (const r of rows) {
    const key = rows.some((p) => p.id === r.parent_id) ? r.parent_id : null;
    children.set(key, [...(children.get(key) ?? []), r]);
  }
  const categories: CategoryEntry[] = [];
  const walk = (parent: number | null, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name));
    for (const r of list) {
      categories.push({
        id: r.id,
        parentId: r.parent_id,
        name: r.name,
        slug: r.slug,
        path: r.path,
        description: r.description,
        depth,
        postCount: counts.get(r.id) ?? 0,
        childCount: children.get(r.id)?.length ?? 0,
      });
      walk(r.id, depth + 1);
    }
  };
  walk(null, 0);
  return {
    categories,
    tags: tags.map((t) => ({ id: t.id, name: t.name, slug: t.slug, postCount: tagCounts.get(t.id) ?? 0 })),
  };
}

/** A category form as typed (`parent` is an id or empty for the top level). */
export interface CategoryForm {
  name: string;
  slug: string;
  parent: string;
  description: string;
}

function readCategoryForm(form: CategoryForm): {
  name: string;
  slug: string;
  parentId: number | null;
  description: string;
} {
  const fields: Record<string, string> = {};
  const name = form.name.trim().replace(/\s+/g, ' ');
  if (name === '') fields.name = 'Give the category a name.';
  else if (name.length > TAXONOMY_LIMITS.name) fields.name = `Keep the name to ${TAXONOMY_LIMITS.name} characters.`;
  const slug = form.slug.trim() === '' ? slugify(name) : form.slug.trim();
  if (!isSlug(slug) || slug.length > 80)
    fields.slug = 'Use lower-case letters, digits and single hyphens (such as soviet-union), at most 80 characters.';
  const parent = form.parent.trim();
  if (parent !== '' && !/^[0-9]{1,9}$/.test(parent)) fields.parent = 'Choose a parent category from the list.';
  const description = form.description.trim();
  if (description.length > TAXONOMY_LIMITS.description)
    fields.description = `Keep the description to ${TAXONOMY_LIMITS.description} characters.`;
  if (Object.keys(fields).length > 0)
    throw new AppError('TAXONOMY_INVALID', 'The category needs a correction; nothing was saved.', { fields });
  return { name, slug, parentId: parent === '' ? null : Number(parent), description };
}

const conflict = (message: string, fields?: Record<string, string>) =>
  new AppError('TAXONOMY_CONFLICT', message, { fields });

async function requireCategoryRow(db: Db, id: number): Promise<CategoryRow> {
  const row = await findCategoryById(db, id);
  if (!row) throw new AppError('CATEGORY_NOT_FOUND', 'That category is not there any more.', { detail: `id ${id}` });
  return row;
}

async function parentPath(db: Db, parentId: number | null): Promise<string | null> {
  if (parentId === null) return null;
  const parent = await findCategoryById(db, parentId);
  if (!parent)
    throw new AppError('TAXONOMY_INVALID', 'The parent category is not there any more.', {
      fields: { parent: 'Choose a parent category from the list.' },
    });
  return parent.path;
}

const joinPath = (parent: string | null, slug: string) => (parent === null ? slug : `${parent}/${slug}`);

async function ensurePathFree(db: Db, path: string, selfId: number | null): Promise<void> {
  const clash = await findCategoryByPath(db, path);
  if (clash && clash.id !== selfId)
    throw conflict(`“${clash.name}” already has the address /category/${path}/; choose another slug or parent.`, {
      slug: 'Another category beside it already uses this slug.',
    });
}

/**
 * Gives `cat` (and every category below it) the address under `newPath`, remembering each old address.
 * The caller has checked that `newPath` is free and not inside `cat` itself.
 */
async function repath(trx: Db, cat: CategoryRow, newPath: string, at: string): Promise<void> {
  if (newPath === cat.path) return;
  for (const row of await listCategorySubtree(trx, cat.path)) {
    const path = newPath + row.path.slice(cat.path.length);
    await updateCategoryRow(trx, row.id, { path });
    await forgetTaxonomyPath(trx, 'category', path);
    await recordTaxonomyMove(trx, { kind: 'category', oldPath: row.path, targetId: row.id, at });
  }
}

/**
 * A category and every category below it, whose addresses follow its own: what a write that changes its address
 * announces (changes.ts). Where a category sits, and what each holds, is the tree's (`categories`).
 */
async function subtreeIds(db: Db, cat: Pick<CategoryRow, 'path'>): Promise<number[]> {
  return (await listCategorySubtree(db, cat.path)).map((r) => r.id);
}

export async function createCategory(deps: Deps, form: CategoryForm): Promise<number> {
  const input = readCategoryForm(form);
  const id = await inTransaction(deps.db, async (trx) => {
    const path = joinPath(await parentPath(trx, input.parentId), input.slug);
    await ensurePathFree(trx, path, null);
    await forgetTaxonomyPath(trx, 'category', path);
    return insertCategory(trx, {
      parent_id: input.parentId,
      slug: input.slug,
      path,
      name: input.name,
      description: input.description,
      position: 0,
    });
  });
  deps.noteWrite(categoryChange([id]));
  return id;
}

/** Renames and/or moves a category; its old address and every descendant's answer 301 to the new ones. */
export async function updateCategory(deps: Deps, input: { id: number } & CategoryForm): Promise<void> {
  const values = readCategoryForm(input);
  const at = deps.clock.now().toISOString();
  const changed = await inTransaction(deps.db, async (trx) => {
    const cat = await requireCategoryRow(trx, input.id);
    const parent = values.parentId === null ? undefined : await findCategoryById(trx, values.parentId);
    if (parent && (parent.id === cat.id || parent.path.startsWith(`${cat.path}/`)))
      throw conflict(`“${cat.name}” cannot go under itself or one of its own sub-categories.`, {
        parent: 'Choose a parent outside this category’s own branch.',
      });
    const newPath = joinPath(await parentPath(trx, values.parentId), values.slug);
    await ensurePathFree(trx, newPath, cat.id);
    const moved = newPath !== cat.path;
    const ids = moved ? await subtreeIds(trx, cat) : [cat.id];
    await repath(trx, cat, newPath, at);
    await updateCategoryRow(trx, cat.id, {
      name: values.name,
      slug: values.slug,
      parent_id: values.parentId,
      description: values.description,
    });
    return { ids, moved };
  });
  // A new address takes the old one away at once: it answers 301 from now, never the page kept there.
  deps.noteWrite(categoryChange(changed.ids, changed.moved));
}

/**
 * Merges category `sourceId` into `targetId`: its posts are re-filed, its sub-categories move under the
 * target, it is removed, and its address (with every old one that led to it) answers with the target's.
 */
export async function mergeCategory(deps: Deps, input: { sourceId: number; targetId: number }): Promise<void> {
  const at = deps.clock.now().toISOString();
  const changed = await inTransaction(deps.db, async (trx) => {
    const source = await requireCategoryRow(trx, input.sourceId);
    const target = await requireCategoryRow(trx, input.targetId);
    if (source.id === target.id) throw conflict('A category cannot be merged into itself; choose another one.');
    // The source's sub-categories get new addresses; the target's articles, new neighbours.
    const changed = [...(await subtreeIds(trx, source)), target.id];
    if (target.path.startsWith(`${source.path}/`))
      throw conflict(`“${source.name}” cannot be merged into one of its own sub-categories.`);
    for (const child of await listChildCategories(trx, source.id)) {
      const path = joinPath(target.path, child.slug);
      const clash = await findCategoryByPath(trx, path);
      if (clash)
        throw conflict(
          `“${target.name}” already has a sub-category with the slug “${child.slug}”; merge or rename one of the two first.`,
        );
      await repath(trx, child, path, at);
      await updateCategoryRow(trx, child.id, { parent_id: target.id });
    }
    await movePostsToCategory(trx, source.id, target.id);
    await retargetTaxonomyHistory(trx, 'category', source.id, target.id);
    await recordTaxonomyMove(trx, { kind: 'category', oldPath: source.path, targetId: target.id, at });
    await deleteCategoryRow(trx, source.id);
    return changed;
  });
  deps.noteWrite(categoryChange(changed, true));
}

/**
 * Deletes a category. One with sub-categories is refused (move them first); one with posts needs
 * `moveTo`, where its posts go (then its address redirects there, as after a merge).
 */
export async function deleteCategory(deps: Deps, input: { id: number; moveTo: number | null }): Promise<void> {
  if (input.moveTo !== null) return mergeCategory(deps, { sourceId: input.id, targetId: input.moveTo });
  await inTransaction(deps.db, async (trx) => {
    const cat = await requireCategoryRow(trx, input.id);
    if ((await listChildCategories(trx, cat.id)).length > 0)
      throw conflict(`“${cat.name}” has sub-categories; move or delete them first.`);
    const posts = (await countAllPostsByCategory(trx)).get(cat.id) ?? 0;
    if (posts > 0)
      throw conflict(
        `“${cat.name}” has ${posts} ${posts === 1 ? 'post' : 'posts'}; choose the category they move to, then delete.`,
        { moveTo: 'Choose where the posts go.' },
      );
    await retargetTaxonomyHistory(trx, 'category', cat.id, null);
    await deleteCategoryRow(trx, cat.id);
  });
  deps.noteWrite(categoryChange([input.id], true));
}

async function requireTagRow(db: Db, id: number): Promise<TagRow> {
  const row = await findTagById(db, id);
  if (!row) throw new AppError('TAG_NOT_FOUND', 'That tag is not there any more.', { detail: `id ${id}` });
  return row;
}

/** Renames a tag; a new slug makes the old address /tag/<old>/ answer 301. */
export async function renameTag(deps: Deps, input: { id: number; name: string; slug: string }): Promise<void> {
  const fields: Record<string, string> = {};
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (name === '') fields.name = 'Give the tag a name.';
  else if (name.length > TAXONOMY_LIMITS.name) fields.name = `Keep the name to ${TAXONOMY_LIMITS.name} characters.`;
  const slug = input.slug.trim() === '' ? slugify(name) : input.slug.trim();
  if (!isSlug(slug) || slug.length > 80)
    fields.slug = 'Use lower-case letters, digits and single hyphens (such as red-army), at most 80 characters.';
  if (Object.keys(fields).length > 0)
    throw new AppError('TAXONOMY_INVALID', 'The tag needs a correction; nothing was saved.', { fields });
  const at = deps.clock.now().toISOString();
  const moved = await inTransaction(deps.db, async (trx) => {
    const tag = await requireTagRow(trx, input.id);
    const clash = await findTagBySlug(trx, slug);
    if (clash && clash.id !== tag.id)
      throw conflict(`The tag “${clash.name}” already uses the slug “${slug}”; merge the two instead.`, {
        slug: 'Another tag already uses this slug.',
      });
    if (slug !== tag.slug) {
      await forgetTaxonomyPath(trx, 'tag', slug);
      await recordTaxonomyMove(trx, { kind: 'tag', oldPath: tag.slug, targetId: tag.id, at });
    }
    await updateTagRow(trx, tag.id, { name, slug });
    return slug !== tag.slug;
  });
  // As for a category: a new address answers 301 at once.
  deps.noteWrite(tagChange([input.id], moved));
}

/** Merges tag `sourceId` into `targetId`: its posts get the target, it is removed, its address redirects. */
export async function mergeTag(deps: Deps, input: { sourceId: number; targetId: number }): Promise<void> {
  const at = deps.clock.now().toISOString();
  await inTransaction(deps.db, async (trx) => {
    const source = await requireTagRow(trx, input.sourceId);
    const target = await requireTagRow(trx, input.targetId);
    if (source.id === target.id) throw conflict('A tag cannot be merged into itself; choose another one.');
    await movePostsToTag(trx, source.id, target.id);
    await retargetTaxonomyHistory(trx, 'tag', source.id, target.id);
    await recordTaxonomyMove(trx, { kind: 'tag', oldPath: source.slug, targetId: target.id, at });
    await deleteTagRow(trx, source.id);
  });
  deps.noteWrite(tagChange([input.sourceId, input.targetId], true));
}

/** Where an old category address lives now (the current slug path), if it was renamed, moved or merged. */
export async function findMovedCategoryPath(
  deps: Pick<ContentDeps, 'db'>,
  oldPath: string,
): Promise<string | undefined> {
  const id = await findTaxonomyTarget(deps.db, 'category', oldPath);
  const cat = id === undefined ? undefined : await findCategoryById(deps.db, id);
  return cat && cat.path !== oldPath ? cat.path : undefined;
}

/** The current slug of a tag whose old slug this was, if it was renamed or merged. */
export async function findMovedTagSlug(deps: Pick<ContentDeps, 'db'>, oldSlug: string): Promise<string | undefined> {
  const id = await findTaxonomyTarget(deps.db, 'tag', oldSlug);
  const tag = id === undefined ? undefined : await findTagById(deps.db, id);
  return tag && tag.slug !== oldSlug ? tag.slug : undefined;
}
