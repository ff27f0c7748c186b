import { randomUUID } from 'node:crypto';
import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';

/**
 * One export of the site at a time, whichever process or node serves the request: a lease in the settings
 * table (an `annalist.` key: Annalist's bookkeeping, which the JSON export leaves out). It names its holder and
 * runs out EXPORT_LEASE_MS after it was last renewed, so a process that stopped mid-export frees the slot
 * within a minute (a backup that happens to copy a lease restores one that has long run out).
 */
const LEASE_KEY = 'annalist.export_running';
export const EXPORT_LEASE_MS = 60_000;

/** A lease this process holds; `value` is the stored text, compared on every renewal and on release. */
export interface ExportLease {
  value: string;
}

const leaseValue = (holder: string, now: Date) =>
  JSON.stringify({ holder, until: new Date(now.getTime() + EXPORT_LEASE_MS).toISOString() });

/** When a stored lease runs out; a value that cannot be read has run out. */
function untilOf(value: string): string {
  try {
    const until = (JSON.parse(value) as { until?: unknown }).until;
    return typeof until === 'string' ? until : '';
  } catch {
    return '';
  }
}

/** Takes the export slot, or answers undefined while another export holds an unexpired lease. */
export async function claimExportLease(db: Db, now: Date): Promise<ExportLease | undefined> {
  const value = leaseValue(randomUUID(), now);
  return inTransaction(db, async (trx) => {
    const row = await trx.selectFrom('settings').select('value').where('key', '=', LEASE_KEY).executeTakeFirst();
    if (!row) {
      // Two processes inserting at once: the key is unique, one row goes in, the other process inserts nothing.
      const r = await trx
        .insertInto('settings')
        .values({ key: LEASE_KEY, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1 ? { value } : undefined;
    }
    if (untilOf(row.value) > now.toISOString()) return undefined;
    // A lease left by a process that stopped: taken over only if nobody else took it since it was read.
    const r = await trx
      .updateTable('settings')
      .set({ value })
      .where('key', '=', LEASE_KEY)
      .where('value', '=', row.value)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? { value } : undefined;
  });
}

/** Moves the lease's end on from `now`; false when it is no longer ours (it ran out and was taken). */
export async function renewExportLease(db: Db, lease: ExportLease, now: Date): Promise<boolean> {
  const holder = (JSON.parse(lease.value) as { holder: string }).holder;
  const value = leaseValue(holder, now);
  const r = await inTransaction(db, (trx) =>
    trx
      .updateTable('settings')
      .set({ value })
      .where('key', '=', LEASE_KEY)
      .where('value', '=', lease.value)
      .executeTakeFirst(),
  );
  if (Number(r.numUpdatedRows) !== 1) return false;
  lease.value = value;
  return true;
}

/** Frees the slot, if the lease is still ours. */
export async function releaseExportLease(db: Db, lease: ExportLease): Promise<void> {
  await inTransaction(db, (trx) =>
    trx.deleteFrom('settings').where('key', '=', LEASE_KEY).where('value', '=', lease.value).execute(),
  );
}

/** Whether an export holds the slot now (one that stopped without releasing it counts until its lease runs out). */
export async function isExportRunning(db: Db, now: Date): Promise<boolean> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', LEASE_KEY).executeTakeFirst();
  return row !== undefined && untilOf(row.value) > now.toISOString();
}
