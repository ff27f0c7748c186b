import type { ContentDeps } from '../content/content.deps.ts';
import { listPublishedPages, listSiteTaxonomy } from '../content/site-index.service.ts';
import { AppError } from '../shared/errors.ts';
import type { MenuItemForm } from './menus.service.ts';

// The menu builder's choices (issue 16): instead of typing /category/russian-history/ by hand, an admin picks a
// page, a category or a tag, and the link gets its address (and, unless one is typed, its label) from it.

/** One place a menu link can lead to: what the list shows and the address the link gets. */
export interface MenuTarget {
  label: string;
  url: string;
}

export interface MenuTargets {
  pages: MenuTarget[];
  categories: MenuTarget[];
  tags: MenuTarget[];
}

/**
 * The published pages (by title), every category (a child after its parent, named "Parent › Child") and every
 * tag (by name): the addresses a menu link can be picked from.
 */
export async function listMenuTargets(deps: Pick<ContentDeps, 'db' | 'clock'>): Promise<MenuTargets> {
  const [pages, { categories, tags }] = await Promise.all([
    listPublishedPages(deps, deps.clock.now().toISOString()),
    listSiteTaxonomy(deps),
  ]);
  const names = new Map(categories.map((c) => [c.path, c.name]));
  const fullName = (path: string) =>
    path
      .split('/')
      .map((_, i, parts) => names.get(parts.slice(0, i + 1).join('/')) ?? parts[i])
      .join(' › ');
  return {
    pages: pages.map((p) => ({ label: p.title, url: `/${p.slug}/` })),
    categories: categories
      .map((c) => ({ label: fullName(c.path), url: `/category/${c.path}/` }))
      .sort((a, b) => a.label.localeCompare(b.label)),
    tags: tags.map((t) => ({ label: t.name, url: `/tag/${t.slug}/` })),
  };
}

/** The menu form as sent: a picked target (its address; empty for "type an address") beside the typed fields. */
export interface MenuBuilderForm extends MenuItemForm {
  target: string;
}

const refused = (fields: Record<string, string>) =>
  new AppError('SETTINGS_INVALID', 'The menu link needs a correction; nothing was saved.', { fields });

/**
 * The link a menu form describes: the picked page, category or tag's address (and its name when no label was
 * typed), or, with nothing picked, the address typed as before. Picking and typing at once is refused rather than
 * guessed at; a pick that is no longer in the lists (removed meanwhile, or never offered) is refused too. The
 * result still goes through the menu's own checks (`addMenuItem`).
 */
export function menuItemFromBuilder(targets: MenuTargets, form: MenuBuilderForm): MenuItemForm {
  if (form.target === '') return { menu: form.menu, label: form.label, url: form.url };
  const picked = [...targets.pages, ...targets.categories, ...targets.tags].find((t) => t.url === form.target);
  if (!picked) throw refused({ target: 'That page, category or tag is not on the site any more. Choose another one.' });
  if (form.url.trim() !== '' && form.url.trim() !== picked.url)
    throw refused({
      url: `Choose “Type an address” in the list above to use a typed address, or clear this field to link to ${picked.label}.`,
    });
  return { menu: form.menu, label: form.label.trim() === '' ? picked.label : form.label, url: picked.url };
}
