import type { Db, MenuName } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { AppError } from '../shared/errors.ts';
import {
  deleteMenuItem,
  findMenuOfItem,
  insertMenuItem,
  listMenuItemIds,
  listMenuItemRows,
  listMenuPositions,
  setMenuItemPosition,
} from './menu.repository.ts';
import { swapped } from './widgets.service.ts';

// Navigation menus: the primary menu (in the site header) and the footer menu. An empty menu means "the
// default navigation", so a new site is never without links.

export const MENU_NAMES: MenuName[] = ['primary', 'footer'];
export const MENU_LIMITS = { label: 60, url: 500, items: 20 } as const;

export interface MenuItem {
  id: number;
  label: string;
  /** A site path ("/about/") or an http(s) address: checked when saved, never anything a browser would run. */
  url: string;
}

export type Menus = Record<MenuName, MenuItem[]>;

type MenuDeps = { db: Db; noteWrite: () => void };

/** Both menus, each in display order. */
export async function loadMenus(deps: { db: Db }): Promise<Menus> {
  const rows = await listMenuItemRows(deps.db);
  const menus: Menus = { primary: [], footer: [] };
  for (const r of rows) if (r.menu in menus) menus[r.menu].push({ id: r.id, label: r.label, url: r.url });
  return menus;
}

/**
 * A link a menu may carry, or undefined: a path on this site ("/about/", "/category/x/?page=2#top") or an
 * absolute http(s) address without credentials. javascript:, data:, protocol-relative "//host" and anything
 * else is refused, so a menu can never run script or send readers somewhere unexpected by sleight of hand.
 */
export function checkMenuUrl(raw: string): string | undefined {
  const url = raw.trim();
  // No spaces or control characters anywhere: browsers strip some of them, which hides a scheme.
  if (url === '' || url.length > MENU_LIMITS.url || /[\s\p{Cc}\\]/u.test(url)) return undefined;
  if (url.startsWith('/')) {
    if (url.startsWith('//')) return undefined;
    try {
      return new URL(url, 'http://site.invalid').origin === 'http://site.invalid' ? url : undefined;
    } catch {
      return undefined;
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  if (!parsed.hostname || parsed.username || parsed.password) return undefined;
  return url;
}

/** A menu form as typed. */
export interface MenuItemForm {
  menu: string;
  label: string;
  url: string;
}

function invalid(fields: Record<string, string>): AppError {
  return new AppError('SETTINGS_INVALID', 'The menu link needs a correction; nothing was saved.', { fields });
}

/** Checks a menu form: the menu, the label and the address, every problem at once, by field (SETTINGS_INVALID). */
export function validateMenuItemForm(form: MenuItemForm): { menu: MenuName; label: string; url: string } {
  const fields: Record<string, string> = {};
  const menu = form.menu as MenuName;
  if (!MENU_NAMES.includes(menu)) fields.menu = 'Choose the primary or the footer menu.';
  const label = form.label.trim().replace(/\s+/g, ' ');
  if (label === '') fields.label = 'Give the link a label.';
  else if (label.length > MENU_LIMITS.label) fields.label = `Keep the label to ${MENU_LIMITS.label} characters.`;
  const url = checkMenuUrl(form.url);
  if (!url)
    fields.url =
      'Give a path on this site starting with / (such as /about/) or an address starting with https:// or http://.';
  if (Object.keys(fields).length > 0) throw invalid(fields);
  return { menu, label, url: url as string };
}

/** Adds a link at the end of a menu; the label and address are checked first, every problem at once. */
export async function addMenuItem(deps: MenuDeps, form: MenuItemForm): Promise<number> {
  const { menu, label, url } = validateMenuItemForm(form);
  const id = await inTransaction(deps.db, async (trx) => {
    const rows = await listMenuPositions(trx, menu);
    if (rows.length >= MENU_LIMITS.items)
      throw invalid({ label: `A menu holds at most ${MENU_LIMITS.items} links; remove one first.` });
    const position = rows.reduce((max, r) => Math.max(max, r.position + 1), 0);
    return insertMenuItem(trx, { menu, label, url, position });
  });
  deps.noteWrite();
  return id;
}

async function menuOf(db: Db, id: number): Promise<MenuName> {
  const menu = await findMenuOfItem(db, id);
  if (!menu) throw new AppError('NOT_FOUND', 'That menu link is not there any more.', { detail: `menu item ${id}` });
  return menu;
}

/** Moves a link one place up or down in its menu (a no-op at either end). */
export async function moveMenuItem(deps: MenuDeps, input: { id: number; direction: 'up' | 'down' }): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const menu = await menuOf(trx, input.id);
    const ids = await listMenuItemIds(trx, menu);
    for (const [position, id] of swapped(ids, input.id, input.direction).entries())
      await setMenuItemPosition(trx, id, position);
  });
  deps.noteWrite();
}

export async function removeMenuItem(deps: MenuDeps, id: number): Promise<void> {
  await menuOf(deps.db, id);
  await deleteMenuItem(deps.db, id);
  deps.noteWrite();
}
