import type { ReadStream } from 'node:fs';
import { countLeasedJobs, enqueueJobIfIdle, findJobByKey } from '../jobs/job.repository.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { BACKUP_NOW_KEY, type BackupDeps, SCHEDULED_BACKUP_KEY, SITE_BACKUP } from './backup.deps.ts';
import { type ArchiveFile, listArchiveFiles, openArchiveFile } from './backup-archives.ts';
import { prepareBackupFolder } from './backup-folder.ts';
import {
  type BackupRunRow,
  type BackupTrigger,
  findLastGoodBackupRun,
  findRunsByFile,
  listRecentBackupRuns,
} from './backup-run.repository.ts';
import { getBackupSchedule } from './backup-schedule.service.ts';
import type { BackupSchedule } from './backup-schedule.ts';

/** One run as the dashboard and /admin/backups show it. */
export interface BackupRun {
  trigger: BackupTrigger;
  fileName: string;
  startedAt: string;
  finishedAt: string | null;
  bytes: number | null;
  error: string | null;
}

export interface BackupStatus {
  schedule: BackupSchedule;
  /** The folder as the operator set it (shown, never changed, by the admin pages). */
  folder: string;
  /** When the schedule runs next; null when it is off. */
  nextRunAt: string | null;
  /** A backup is queued or being written: "Back up now" waits for it. */
  busy: boolean;
  /** The latest run, finished or not. */
  lastRun: BackupRun | null;
  /** The latest run that wrote its archive. */
  lastGood: BackupRun | null;
  /** The latest finished run failed, or stopped without finishing: shown until a later run succeeds. */
  failure: { at: string; error: string } | null;
}

const toRun = (r: BackupRunRow): BackupRun => ({
  trigger: r.trigger,
  fileName: r.file_name,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  bytes: r.bytes === null ? null : Number(r.bytes),
  error: r.error,
});

/** A run that was started and never finished, with nothing running now: the process stopped while it wrote. */
export const INTERRUPTED = 'The backup did not finish: the server stopped while it was being written.';

async function isBusy(deps: BackupDeps): Promise<boolean> {
  if ((await countLeasedJobs(deps.db, SITE_BACKUP, deps.clock.now())) > 0) return true;
  const asked = await findJobByKey(deps.db, BACKUP_NOW_KEY);
  return asked !== undefined && asked.done_at === null;
}

function failureOf(recent: BackupRunRow[], busy: boolean): BackupStatus['failure'] {
  for (const run of recent) {
    if (run.finished_at === null) {
      if (busy) continue; // being written now
      return { at: run.started_at, error: INTERRUPTED };
    }
    return run.error === null ? null : { at: run.finished_at, error: run.error };
  }
  return null;
}

/** Where backups stand: the schedule, the next run, the last run and any failure not yet followed by success. */
export async function loadBackupStatus(deps: BackupDeps): Promise<BackupStatus> {
  const [schedule, busy, recent, lastGood, booked] = await Promise.all([
    getBackupSchedule(deps),
    isBusy(deps),
    listRecentBackupRuns(deps.db, 20),
    findLastGoodBackupRun(deps.db),
    findJobByKey(deps.db, SCHEDULED_BACKUP_KEY),
  ]);
  const nextRunAt = schedule.frequency !== 'off' && booked && booked.done_at === null ? booked.run_at : null;
  return {
    schedule,
    folder: deps.folder,
    nextRunAt,
    busy,
    lastRun: recent[0] ? toRun(recent[0]) : null,
    lastGood: lastGood ? toRun(lastGood) : null,
    failure: failureOf(recent, busy),
  };
}

/**
 * "Back up now": queues one run as a job, unless a backup is queued or being written already. Resolves to
 * 'queued' or 'busy'.
 */
export async function requestBackupNow(deps: BackupDeps): Promise<'queued' | 'busy'> {
  const now = deps.clock.now();
  if ((await countLeasedJobs(deps.db, SITE_BACKUP, now)) > 0) return 'busy';
  const id = await enqueueJobIfIdle(deps.db, {
    kind: SITE_BACKUP,
    uniqueKey: BACKUP_NOW_KEY,
    payload: { trigger: 'manual' },
    runAt: now,
    createdAt: now,
  });
  if (id === undefined) return 'busy';
  deps.noteWrite(NOTHING_CHANGED); // pokes the job worker
  return 'queued';
}

/** Where an archive in the folder came from. */
export type ArchiveOrigin = 'schedule' | 'manual' | 'hand';

export interface BackupArchive extends ArchiveFile {
  origin: ArchiveOrigin;
}

/** The backup folder, made if missing and checked; undefined when it cannot be used (a run records why). */
const usableFolder = (deps: BackupDeps) => prepareBackupFolder(deps).catch(() => undefined);

/**
 * The archives in the backup folder, newest first: scheduled, "Back up now" (both as recorded by this node), or
 * put there by hand. None when the folder cannot be used.
 */
export async function listBackupArchives(deps: BackupDeps): Promise<{ folder: string; archives: BackupArchive[] }> {
  const folder = await usableFolder(deps);
  if (folder === undefined) return { folder: deps.folder, archives: [] };
  const files = await listArchiveFiles(folder);
  const made = await findRunsByFile(
    deps.db,
    { node: deps.node, folder },
    files.map((f) => f.name),
  );
  return { folder, archives: files.map((f) => ({ ...f, origin: made.get(f.name) ?? 'hand' })) };
}

/** One archive of the list, opened for download; undefined for any name that is not one. */
export async function openBackupArchive(
  deps: BackupDeps,
  name: string,
): Promise<{ stream: ReadStream; bytes: number } | undefined> {
  const folder = await usableFolder(deps);
  return folder === undefined ? undefined : openArchiveFile(folder, name);
}
