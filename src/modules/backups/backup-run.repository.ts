import type { Selectable } from 'kysely';
import type { BackupRunTable, Db } from '../../storage/schema.ts';

/** The record of scheduled and "Back up now" runs (table backup_runs): all the SQL of this module. */

export type BackupRunRow = Selectable<BackupRunTable>;
export type BackupTrigger = BackupRunTable['trigger'];

/** An error as the one line a run records and the dashboard shows. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim().slice(0, 500) || 'The backup failed for an unknown reason.';
}

export async function insertBackupRun(
  db: Db,
  run: { trigger: BackupTrigger; node: string; folder: string; fileName: string; startedAt: string },
): Promise<number> {
  const row = await db
    .insertInto('backup_runs')
    .values({
      trigger: run.trigger,
      node: run.node,
      folder: run.folder,
      file_name: run.fileName,
      started_at: run.startedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A run that failed before it could start writing (no file): one finished row with its error. */
export async function insertFailedBackupRun(
  db: Db,
  run: { trigger: BackupTrigger; node: string; folder: string; at: string; error: string },
): Promise<void> {
  await db
    .insertInto('backup_runs')
    .values({
      trigger: run.trigger,
      node: run.node,
      folder: run.folder,
      file_name: '',
      started_at: run.at,
      finished_at: run.at,
      error: run.error,
    })
    .execute();
}

/** Records how a run ended: its size when it wrote the archive, or the one-line reason it did not. */
export async function finishBackupRun(
  db: Db,
  id: number,
  end: { finishedAt: string; bytes?: number; error?: string },
): Promise<void> {
  await db
    .updateTable('backup_runs')
    .set({ finished_at: end.finishedAt, bytes: end.bytes ?? null, error: end.error ?? null })
    .where('id', '=', id)
    .execute();
}

/** The latest runs, newest first. */
export async function listRecentBackupRuns(db: Db, limit: number): Promise<BackupRunRow[]> {
  return db
    .selectFrom('backup_runs')
    .selectAll()
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** The newest run that wrote its archive. */
export async function findLastGoodBackupRun(db: Db): Promise<BackupRunRow | undefined> {
  return db
    .selectFrom('backup_runs')
    .selectAll()
    .where('finished_at', 'is not', null)
    .where('error', 'is', null)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/** Archives the schedule wrote into `folder` on `node` that retention has not removed, newest first. */
export async function listKeptScheduledRuns(db: Db, where: { node: string; folder: string }): Promise<BackupRunRow[]> {
  return db
    .selectFrom('backup_runs')
    .selectAll()
    .where('trigger', '=', 'schedule')
    .where('node', '=', where.node)
    .where('folder', '=', where.folder)
    .where('finished_at', 'is not', null)
    .where('error', 'is', null)
    .where('removed_at', 'is', null)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Which of `names` in `folder` on `node` a run wrote, and by which trigger. */
export async function findRunsByFile(
  db: Db,
  where: { node: string; folder: string },
  names: string[],
): Promise<Map<string, BackupTrigger>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .selectFrom('backup_runs')
    .select(['file_name', 'trigger'])
    .where('node', '=', where.node)
    .where('folder', '=', where.folder)
    .where('file_name', 'in', names)
    .where('error', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.file_name, r.trigger]));
}

export async function markBackupRemoved(db: Db, id: number, at: string): Promise<void> {
  await db.updateTable('backup_runs').set({ removed_at: at }).where('id', '=', id).execute();
}
