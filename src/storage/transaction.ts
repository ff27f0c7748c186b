import type { Db } from './schema.ts';
import { writeGateOf } from './write-gate.ts';

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` already is one (so use cases compose). With a
 * write gate (several app processes on one SQLite file), the transaction starts once it is this process's turn.
 *
 * A transaction that lost a race with another one is run again from the start (at most ATTEMPTS times in all):
 * it was rolled back, so nothing of it was kept, and the new run sees what the other committed, so its own
 * checks (a free slug, "already decided", "address taken") now give the answer they would have given had the
 * two run one after the other, as they always do on SQLite. `fn` must therefore do nothing outside the
 * database that cannot be done twice.
 */
export async function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(db, fn);
    } catch (err) {
      if (attempt >= ATTEMPTS || !isLostRace(err)) throw err;
    }
  }
}

const ATTEMPTS = 3;

async function runOnce<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  const gate = writeGateOf(db);
  if (!gate) return db.transaction().execute(fn);
  await gate.acquire();
  try {
    return await db.transaction().execute(fn);
  } finally {
    gate.release();
  }
}

// PostgreSQL's SQLSTATEs for losing a race to a concurrent transaction: unique_violation (both inserted the
// same key after both checked it was free), serialization_failure, deadlock_detected. SQLite runs one writer at
// a time and never raises these (its error codes are SQLITE_… names), so this is the one place that knows them.
const LOST_RACE = new Set(['23505', '40001', '40P01']);

/** Did this error come from a transaction losing a race, so that running it again may succeed? */
export function isLostRace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && LOST_RACE.has(code);
}
