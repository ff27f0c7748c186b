import { existsSync } from 'node:fs';
import { chmod, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClaimedJob } from '../jobs/job.repository.ts';
import { countLeasedJobs, renewJobLease } from '../jobs/job.repository.ts';
import type { JobHandler } from '../jobs/job-worker.ts';
import { BACKUP_NOW_KEY, type BackupDeps, SITE_BACKUP } from './backup.deps.ts';
import { archiveNameFor, removeArchiveFile, removeStaleWorkFiles } from './backup-archives.ts';
import { prepareBackupFolder } from './backup-folder.ts';
import {
  type BackupTrigger,
  findLastGoodBackupRun,
  finishBackupRun,
  insertBackupRun,
  insertFailedBackupRun,
  listKeptScheduledRuns,
  markBackupRemoved,
  oneLine,
} from './backup-run.repository.ts';
import { bookNextBackupOrRecord, getBackupSchedule, recordBookingFailure } from './backup-schedule.service.ts';
import type { BackupSchedule } from './backup-schedule.ts';

/** The job worker's lease (decision 007); a backup renews it while it runs, so no other worker takes the job. */
const LEASE_MS = 5 * 60_000;
const RENEW_EVERY_MS = 60_000;

/** A run starts only with this many times the last archive's size free in the folder. */
export const FREE_SPACE_FACTOR = 1.5;

/** Recorded when the job was no longer this worker's while it ran: another may be writing the same backup. */
export const LEASE_LOST =
  'The backup was stopped: this server lost its claim on the job while writing (another server may have taken it over), so nothing was kept.';

export interface BackupRunResult {
  fileName: string;
  bytes?: number;
  error?: string;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Refuses to start when the folder's disk has less free than FREE_SPACE_FACTOR × the last archive's size. */
async function checkFreeSpace(deps: BackupDeps, folder: string): Promise<void> {
  const last = await findLastGoodBackupRun(deps.db);
  const needed = Math.ceil(Number(last?.bytes ?? 0) * FREE_SPACE_FACTOR);
  if (needed === 0) return;
  const fs = await statfs(folder);
  const free = Number(fs.bavail) * Number(fs.bsize);
  if (free < needed)
    throw new Error(
      `not enough free space in ${folder}: ${megabytes(free)} free, and the last backup was ${megabytes(Number(last?.bytes))}, so about ${megabytes(needed)} is needed; free some space or set ANNALIST_BACKUP_DIR to a larger disk`,
    );
}

/**
 * Writes one archive into the backup folder and records the run: a row when it starts, then its size, or its
 * one-line error (a folder that cannot be made or is refused, too little free space, a full disk, the lease
 * lost: the archive writer leaves no partial file). Before writing it removes what writers killed on this host
 * left behind (`cleanUp`, when no other backup runs). After a scheduled run that worked, retention removes the
 * schedule's oldest archives written by this node.
 */
export async function runBackup(
  deps: BackupDeps,
  trigger: BackupTrigger,
  schedule: BackupSchedule,
  opts: { signal?: AbortSignal; cleanUp?: boolean } = {},
): Promise<BackupRunResult> {
  const fail = async (folder: string, err: unknown): Promise<BackupRunResult> => {
    const error = oneLine(err);
    await insertFailedBackupRun(deps.db, {
      trigger,
      node: deps.node,
      folder,
      at: deps.clock.now().toISOString(),
      error,
    });
    return { fileName: '', error };
  };
  let folder: string;
  try {
    folder = await prepareBackupFolder(deps);
    if (opts.cleanUp) {
      const removed = await removeStaleWorkFiles(folder).catch((err: unknown) => {
        deps.log?.error({ err, folder }, 'files left by a stopped backup could not be removed');
        return [];
      });
      if (removed.length > 0) deps.log?.error({ folder, removed }, 'removed files left by a stopped backup');
    }
    await checkFreeSpace(deps, folder);
  } catch (err) {
    return fail(deps.folder, err);
  }

  const started = deps.clock.now();
  const fileName = archiveNameFor(started, (name) => existsSync(join(folder, name)));
  const id = await insertBackupRun(deps.db, {
    trigger,
    node: deps.node,
    folder,
    fileName,
    startedAt: started.toISOString(),
  });
  let result: BackupRunResult;
  try {
    opts.signal?.throwIfAborted();
    const { bytes } = await deps.writeArchive(join(folder, fileName), opts.signal);
    // Readable by the site's user only, like the folder: it holds readers' email and IP addresses.
    await chmod(join(folder, fileName), 0o600).catch((err: unknown) =>
      deps.log?.error({ err, file: fileName }, 'the archive could not be made private (chmod 600)'),
    );
    result = { fileName, bytes };
  } catch (err) {
    result = { fileName, error: oneLine(err) };
  }
  if (opts.signal?.aborted) {
    // The writer may have finished before it saw the abort: another worker may be writing this backup too.
    await removeArchiveFile(folder, fileName).catch(() => 'kept');
    result = { fileName, error: LEASE_LOST };
  }
  await finishBackupRun(deps.db, id, { finishedAt: deps.clock.now().toISOString(), ...result });
  if (!result.error && trigger === 'schedule') await keepNewest(deps, folder, schedule.keep);
  return result;
}

/**
 * Removes the schedule's own archives in `folder` beyond the newest `keep`: only files a scheduled run of this
 * node wrote and recorded, never a backup made by hand, another node's (on its own disk), or any other file. A
 * run is marked removed only when its file is gone: removed now, or already missing.
 */
async function keepNewest(deps: BackupDeps, folder: string, keep: number): Promise<void> {
  const kept = await listKeptScheduledRuns(deps.db, { node: deps.node, folder });
  for (const run of kept.slice(keep)) {
    try {
      const outcome = await removeArchiveFile(folder, run.file_name);
      if (outcome === 'kept') {
        deps.log?.error({ file: run.file_name }, 'an old scheduled backup is not a regular file; it was left alone');
        continue;
      }
      await markBackupRemoved(deps.db, run.id, deps.clock.now().toISOString());
    } catch (err) {
      deps.log?.error({ err, file: run.file_name }, 'an old scheduled backup could not be removed');
    }
  }
}

/**
 * Runs `fn` while renewing `job`'s lease now and then. When a renewal finds the job no longer this worker's
 * (its lease ran out and another worker claimed it, or the job was withdrawn), the signal handed to `fn` is
 * aborted: going on would write a second copy beside the other worker's.
 */
async function withLease<T>(deps: BackupDeps, job: ClaimedJob, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const lost = new AbortController();
  const timer = setInterval(() => {
    renewJobLease(deps.db, job, new Date(deps.clock.now().getTime() + LEASE_MS)).then(
      (held) => {
        if (!held && !lost.signal.aborted) {
          deps.log?.error({ jobId: job.id }, 'backup job lease lost; stopping the backup');
          lost.abort(new Error(LEASE_LOST));
        }
      },
      // A renewal that fails (the database away) is tried again; the lease lasts five renewals.
      (err: unknown) => deps.log?.error({ err, jobId: job.id }, 'backup job lease not renewed'),
    );
  }, deps.leaseRenewMs ?? RENEW_EVERY_MS);
  timer.unref();
  try {
    return await fn(lost.signal);
  } finally {
    clearInterval(timer);
  }
}

/**
 * The handler of `site_backup` jobs. A scheduled run first books the next one (from now, or from its own time
 * if that is later), so a run that fell due while the server was down runs once, not once per missed day, and
 * a failed run never stops the schedule; when booking fails the run still happens and the failure is recorded
 * after it, so the dashboard shows it. A run whose schedule was turned off meanwhile does nothing. Failures are
 * recorded, not thrown: retrying a full disk at once would only fail again; the dashboard shows it.
 */
export function backupJobHandler(deps: BackupDeps): JobHandler {
  return async (job) => {
    const trigger: BackupTrigger = job.uniqueKey === BACKUP_NOW_KEY ? 'manual' : 'schedule';
    const schedule = await getBackupSchedule(deps);
    let bookingError: string | undefined;
    if (trigger === 'schedule') {
      if (schedule.frequency === 'off') return;
      const now = deps.clock.now();
      const due = new Date(job.runAt);
      bookingError = await bookNextBackupOrRecord(deps, schedule, due > now ? due : now, { record: false });
    }
    // Another backup running (elsewhere) may be writing in this folder: leave its work files alone then.
    const alone = (await countLeasedJobs(deps.db, SITE_BACKUP, deps.clock.now())) <= 1;
    const result = await withLease(deps, job, (signal) =>
      runBackup(deps, trigger, schedule, { signal, cleanUp: alone }),
    );
    if (result.error) deps.log?.error({ jobId: job.id, error: result.error }, 'backup failed');
    if (bookingError) await recordBookingFailure(deps, bookingError);
  };
}
