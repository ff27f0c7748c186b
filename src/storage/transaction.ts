import type { Db } from './schema.ts';

/** Runs `fn` in a transaction, or inside the caller's when `db` already is one (so use cases compose). */
export function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
