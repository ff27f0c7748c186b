import type { Db } from './schema.ts';
import { writeGateOf } from './write-gate.ts';

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` already is one (so use cases compose). With a
 * write gate (several app processes on one SQLite file), the transaction starts once it is this process's turn.
 */
export async function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  const gate = writeGateOf(db);
  if (!gate) return db.transaction().execute(fn);
  await gate.acquire();
  try {
    return await db.transaction().execute(fn);
  } finally {
    gate.release();
  }
}
