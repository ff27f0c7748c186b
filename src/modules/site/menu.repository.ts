import type { Selectable } from 'kysely';
import type { Db, MenuItemTable, MenuName } from '../../storage/schema.ts';

/** The `menu_items` table: one row per link, in its menu at its position. */

export type MenuItemRow = Selectable<MenuItemTable>;

/** Every link of every menu, in display order (position, then id). */
export async function listMenuItemRows(db: Db): Promise<MenuItemRow[]> {
  return db.selectFrom('menu_items').selectAll().orderBy('position').orderBy('id').execute();
}

/** The positions the links of one menu hold, in no particular order. */
export async function listMenuPositions(db: Db, menu: MenuName): Promise<{ position: number }[]> {
  return db.selectFrom('menu_items').select('position').where('menu', '=', menu).execute();
}

/** The ids of one menu's links, in display order. */
export async function listMenuItemIds(db: Db, menu: MenuName): Promise<number[]> {
  const rows = await db
    .selectFrom('menu_items')
    .select('id')
    .where('menu', '=', menu)
    .orderBy('position')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** The menu a link belongs to, if the link is there. */
export async function findMenuOfItem(db: Db, id: number): Promise<MenuName | undefined> {
  const row = await db.selectFrom('menu_items').select('menu').where('id', '=', id).executeTakeFirst();
  return row?.menu;
}

export async function insertMenuItem(
  db: Db,
  item: { menu: MenuName; label: string; url: string; position: number },
): Promise<number> {
  const r = await db.insertInto('menu_items').values(item).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export async function setMenuItemPosition(db: Db, id: number, position: number): Promise<void> {
  await db.updateTable('menu_items').set({ position }).where('id', '=', id).execute();
}

export async function deleteMenuItem(db: Db, id: number): Promise<void> {
  await db.deleteFrom('menu_items').where('id', '=', id).execute();
}
