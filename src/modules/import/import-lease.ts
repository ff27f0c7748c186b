import { type ClaimedJob, renewJobLease } from '../jobs/job.repository.ts';
import type { AdminImportDeps } from './admin-import.deps.ts';

/** A running import's hold on its job: `signal` is aborted when another worker has taken the job over. */
export interface ImportLease {
  signal: AbortSignal;
  release(): void;
}

/**
 * The lease of a running import, and how often it is renewed. Short (the worker claims for five minutes), so a
 * server stopped half way through an import has its job taken up again within a minute or so.
 */
const LEASE_MS = 20_000;
const RENEW_MS = 5_000;
/**
 * Where a lease cannot be renewed during the import (SQLite), it is taken once for the whole of it: this long
 * for each megabyte of the file on top of LEASE_MS, far longer than an import takes.
 */
const LEASE_PER_MB_MS = 2_000;

/**
 * Holds `job` while an import runs (as backups do: run-backup.ts). Where writes go on beside the import's
 * transaction (PostgreSQL), the lease is shortened to LEASE_MS and renewed every RENEW_MS; a renewal that finds
 * the job no longer this worker's aborts the signal, and the import stops and rolls back. On SQLite a renewal
 * would wait on the import's own write lock, so the lease is taken once, long enough for the whole file; nobody
 * can take the job meanwhile anyway, since a claim is a write too. Undefined when the job is no longer ours.
 */
export async function holdImportLease(
  deps: AdminImportDeps,
  job: ClaimedJob,
  bytes: number,
): Promise<ImportLease | undefined> {
  const lost = new AbortController();
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const until = (extra: number) => new Date(deps.clock.now().getTime() + leaseMs + extra);
  if (deps.capabilities.writers === 'one-at-a-time') {
    const held = await renewJobLease(deps.db, job, until((bytes / 1024 / 1024) * LEASE_PER_MB_MS));
    return held ? { signal: lost.signal, release() {} } : undefined;
  }
  if (!(await renewJobLease(deps.db, job, until(0)))) return undefined;
  const timer = setInterval(() => {
    renewJobLease(deps.db, job, until(0)).then(
      (held) => {
        if (!held && !lost.signal.aborted) {
          deps.log?.error({ jobId: job.id }, 'import job lease lost; stopping the import');
          lost.abort(new Error('The import was stopped: another server took over its job.'));
        }
      },
      // A renewal that fails (the database away) is tried again; the lease lasts four renewals.
      (err: unknown) => deps.log?.error({ err, jobId: job.id }, 'import job lease not renewed'),
    );
  }, deps.renewMs ?? RENEW_MS);
  timer.unref();
  return { signal: lost.signal, release: () => clearInterval(timer) };
}
