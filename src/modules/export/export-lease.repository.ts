import type { Db } from '../../storage/schema.ts';

/** The SQL of the export lease (export-lease.ts): one row of the settings table, compared and set as text. */

const LEASE_KEY = 'annalist.export_running';

/** The stored lease, if any. */
export async function findLeaseRow(db: Db): Promise<{ value: string } | undefined> {
  return db.selectFrom('settings').select('value').where('key', '=', LEASE_KEY).executeTakeFirst();
}

/**
 * Stores a lease where none is; true if this call stored it. Two processes inserting at once: the key is unique,
 * one row goes in, the other process inserts nothing.
 */
export async function insertLeaseIfNone(db: Db, value: string): Promise<boolean> {
  const r = await db
    .insertInto('settings')
    .values({ key: LEASE_KEY, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Replaces the lease only while it is still `from` (one statement); true if this call replaced it. */
export async function replaceLease(db: Db, from: string, to: string): Promise<boolean> {
  const r = await db
    .updateTable('settings')
    .set({ value: to })
    .where('key', '=', LEASE_KEY)
    .where('value', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Removes the lease if it is still `value`. */
export async function deleteLease(db: Db, value: string): Promise<void> {
  await db.deleteFrom('settings').where('key', '=', LEASE_KEY).where('value', '=', value).execute();
}
