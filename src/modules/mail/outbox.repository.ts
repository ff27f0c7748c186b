import type { Insertable } from 'kysely';
import type { Db, OutboxTable } from '../../storage/schema.ts';

/** A message waiting in the outbox, as the worker sends it. */
export interface OutboxRow {
  id: number;
  to_address: string;
  subject: string;
  text_body: string;
  headers_json: string;
  attempts: number;
}

export async function insertOutboxRow(db: Db, row: Insertable<OutboxTable>): Promise<void> {
  await db.insertInto('outbox').values(row).execute();
}

/** Unsent rows with attempts left whose retry time has come (or that were never tried), oldest first. */
export async function listDueOutboxRows(
  db: Db,
  opts: { now: string; maxAttempts: number; limit: number },
): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .select(['id', 'to_address', 'subject', 'text_body', 'headers_json', 'attempts'])
    .where('sent_at', 'is', null)
    .where('attempts', '<', opts.maxAttempts)
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', opts.now)]))
    .orderBy('id')
    .limit(opts.limit)
    .execute();
}

/**
 * Claims a row for one attempt: counts it and sets when it may be tried again, only if no other worker has
 * moved it on since it was read (`attempts` as read). True when this call claimed it.
 */
export async function claimOutboxRow(db: Db, row: OutboxRow, retryAt: string): Promise<boolean> {
  const r = await db
    .updateTable('outbox')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: retryAt }))
    .where('id', '=', row.id)
    .where('sent_at', 'is', null)
    .where('attempts', '=', row.attempts)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markOutboxSent(db: Db, id: number, at: string): Promise<void> {
  await db.updateTable('outbox').set({ sent_at: at, last_error: null }).where('id', '=', id).execute();
}

/** Records why an attempt failed; `giveUpAt`: the attempts count that ends the trying (a permanent refusal). */
export async function markOutboxFailed(db: Db, id: number, error: string, giveUpAt?: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ last_error: error, ...(giveUpAt === undefined ? {} : { attempts: giveUpAt }) })
    .where('id', '=', id)
    .execute();
}
