import type { CategoryRow } from '../../storage/schema.ts';
import { changeKeys } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import type { ContentDeps } from './content.deps.ts';
import type { Category, CategoryRef } from './content.types.ts';
import { countVisibleByCategory } from './post.repository.ts';
import { listCategories } from './taxonomy.repository.ts';

export interface CategoryTree {
  roots: Category[];
  byId: Map<number, Category>;
  byPath: Map<string, Category>;
}

export const toCategoryRef = (c: Pick<CategoryRow, 'id' | 'slug' | 'path' | 'name'>): CategoryRef => ({
  id: c.id,
  slug: c.slug,
  path: c.path,
  name: c.name,
});

/**
 * The whole category tree with direct and total visible post counts. Categories are few; one pass builds it.
 * Counting reads every visible post, so the tree is kept until a post or a category changes (`deps.memo`), except
 * inside a transaction, which must see its own writes. Callers must not change the tree they get.
 */
export function loadCategoryTree(deps: Pick<ContentDeps, 'db' | 'clock' | 'memo'>): Promise<CategoryTree> {
  if (deps.memo && !deps.db.isTransaction)
    return deps.memo('category-tree', () => buildCategoryTree(deps), [changeKeys.posts, changeKeys.categories]);
  return buildCategoryTree(deps);
}

async function buildCategoryTree(deps: Pick<ContentDeps, 'db' | 'clock'>): Promise<CategoryTree> {
  const now = deps.clock.now().toISOString();
  const [rows, counts] = await Promise.all([listCategories(deps.db), countVisibleByCategory(deps.db, now)]);
  const byId = new Map<number, Category>();
  const byPath = new Map<string, Category>();
  for (const r of rows) {
    const c: Category = {
      ...toCategoryRef(r),
      parentId: r.parent_id,
      description: r.description,
      postCount: counts.get(r.id) ?? 0,
      totalCount: 0,
      children: [],
    };
    byId.set(r.id, c);
    byPath.set(r.path, c);
  }
  const roots: Category[] = [];
  for (const c of byId.values()) {
    const parent = c.parentId === null ? undefined : byId.get(c.parentId);
    if (parent) parent.children.push(c);
    else roots.push(c);
  }
  const total = (c: Category): number => {
    c.totalCount = c.postCount + c.children.reduce((sum, child) => sum + total(child), 0);
    return c.totalCount;
  };
  for (const r of roots) total(r);
  return { roots, byId, byPath };
}

/** Root-to-leaf chain of categories ending at `id`. */
export function categoryTrail(tree: CategoryTree, id: number | null): CategoryRef[] {
  const trail: CategoryRef[] = [];
  let c = id === null ? undefined : tree.byId.get(id);
  const seen = new Set<number>();
  while (c && !seen.has(c.id)) {
    seen.add(c.id);
    trail.unshift(toCategoryRef(c));
    c = c.parentId === null ? undefined : tree.byId.get(c.parentId);
  }
  return trail;
}

/** Ids of a category and all its descendants. */
export function categoryAndDescendants(c: Category): number[] {
  return [c.id, ...c.children.flatMap(categoryAndDescendants)];
}

export function requireCategory(tree: CategoryTree, path: string): Category {
  const c = tree.byPath.get(path);
  if (!c) throw new AppError('CATEGORY_NOT_FOUND', 'There is no such category.', { detail: path.slice(0, 200) });
  return c;
}
