import type { Db, WidgetArea, WidgetRow } from '../../storage/schema.ts';

/** The `widgets` table: one row per widget, in its area at its position, its settings as JSON text. */

/** A widget row to store (the id is the database's). */
export interface NewWidgetRow {
  area: WidgetArea;
  type: string;
  title: string;
  config_json: string;
  position: number;
}

/** Every widget, by area, then in display order (position, then id). */
export async function listWidgetRowsByArea(db: Db): Promise<WidgetRow[]> {
  return db.selectFrom('widgets').selectAll().orderBy('area').orderBy('position').orderBy('id').execute();
}

/** Every widget in display order (position, then id), areas mixed. */
export async function listWidgetRows(db: Db): Promise<WidgetRow[]> {
  return db.selectFrom('widgets').selectAll().orderBy('position').orderBy('id').execute();
}

export async function findWidgetRow(db: Db, id: number): Promise<WidgetRow | undefined> {
  return db.selectFrom('widgets').selectAll().where('id', '=', id).executeTakeFirst();
}

/** How many widgets an area holds and the highest position among them (null when it holds none). */
export async function findAreaFill(db: Db, area: WidgetArea): Promise<{ max: number | null; n: number } | undefined> {
  return db
    .selectFrom('widgets')
    .select([(eb) => eb.fn.max('position').as('max'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('area', '=', area)
    .executeTakeFirst();
}

/** The ids of one area's widgets, in display order. */
export async function listWidgetIds(db: Db, area: WidgetArea): Promise<number[]> {
  const rows = await db
    .selectFrom('widgets')
    .select('id')
    .where('area', '=', area)
    .orderBy('position')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function insertWidgetRow(db: Db, row: NewWidgetRow): Promise<number> {
  const r = await db.insertInto('widgets').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** Empties the given areas, then stores `rows` in them, one insert each, in the order given. */
export async function replaceWidgetsInAreas(db: Db, areas: WidgetArea[], rows: NewWidgetRow[]): Promise<void> {
  if (areas.length) await db.deleteFrom('widgets').where('area', 'in', areas).execute();
  for (const row of rows) await db.insertInto('widgets').values(row).execute();
}

export async function updateWidgetRow(
  db: Db,
  id: number,
  changes: { title: string; config_json: string },
): Promise<void> {
  await db.updateTable('widgets').set(changes).where('id', '=', id).execute();
}

export async function setWidgetPosition(db: Db, id: number, position: number): Promise<void> {
  await db.updateTable('widgets').set({ position }).where('id', '=', id).execute();
}

export async function deleteWidgetRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('widgets').where('id', '=', id).execute();
}
