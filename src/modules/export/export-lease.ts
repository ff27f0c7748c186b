import { randomUUID } from 'node:crypto';
import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { deleteLease, findLeaseRow, insertLeaseIfNone, replaceLease } from './export-lease.repository.ts';

/**
 * One export of the site at a time, whichever process or node serves the request: a lease in the settings
 * table (`annalist.export_running`, read and written by export-lease.repository.ts: an `annalist.` key is
 * Annalist's bookkeeping, which the JSON export leaves out). It names its holder and runs out EXPORT_LEASE_MS
 * after it was last renewed, so a process that stopped mid-export frees the slot within a minute (a backup that
 * happens to copy a lease restores one that has long run out).
 */
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
    const row = await findLeaseRow(trx);
    // Two processes inserting at once: one of them stores its lease, the other stores nothing.
    if (!row) return (await insertLeaseIfNone(trx, value)) ? { value } : undefined;
    if (untilOf(row.value) > now.toISOString()) return undefined;
    // A lease left by a process that stopped: taken over only if nobody else took it since it was read.
    return (await replaceLease(trx, row.value, value)) ? { value } : undefined;
  });
}

/** Moves the lease's end on from `now`; false when it is no longer ours (it ran out and was taken). */
export async function renewExportLease(db: Db, lease: ExportLease, now: Date): Promise<boolean> {
  const holder = (JSON.parse(lease.value) as { holder: string }).holder;
  const value = leaseValue(holder, now);
  const renewed = await inTransaction(db, (trx) => replaceLease(trx, lease.value, value));
  if (!renewed) return false;
  lease.value = value;
  return true;
}

/** Frees the slot, if the lease is still ours. */
export async function releaseExportLease(db: Db, lease: ExportLease): Promise<void> {
  await inTransaction(db, (trx) => deleteLease(trx, lease.value));
}

/** Whether an export holds the slot now (one that stopped without releasing it counts until its lease runs out). */
export async function isExportRunning(db: Db, now: Date): Promise<boolean> {
  const row = await findLeaseRow(db);
  return row !== undefined && untilOf(row.value) > now.toISOString();
}
