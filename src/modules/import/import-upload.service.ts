import type { ImportUploadStatus } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { cancelJob, enqueueJob, findJobByKey } from '../jobs/job.repository.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { type AdminImportDeps, checkJobKey, expireJobKey, IMPORT_RUN, runJobKey } from './admin-import.deps.ts';
import { type ImportProgress, readProgress } from './import-progress.ts';
import type { ImportPlatform, ImportReport } from './import-report.ts';
import {
  deleteUpload,
  findActiveUpload,
  findUpload,
  type ImportUploadRow,
  listUploads,
  moveUpload,
} from './import-upload.repository.ts';

/** An upload as /admin/import shows it. */
export interface ImportUpload {
  id: number;
  platform: ImportPlatform;
  fileName: string;
  /** 'gzip' when it came as a .gz. */
  compression: string;
  uploadedBytes: number;
  /** The stored (unpacked) size. */
  bytes: number;
  status: ImportUploadStatus;
  createdAt: string;
  finishedAt: string | null;
  /** The dry run's report (ready), or the import's (imported). */
  report: ImportReport | undefined;
  /** Why the file was refused (its IMPORT_* code and message, with the line and column when it has them). */
  error: { code: string; message: string } | undefined;
  progress: ImportProgress | undefined;
  /** The job behind a check or an import: running now, or waiting to try again after a failure. */
  job: { running: boolean; lastError: string | null; retryAt: string | null } | undefined;
}

/** Finished uploads the page lists beneath the current one. */
const EARLIER_SHOWN = 10;

function parseReport(json: string | null): ImportReport | undefined {
  if (!json) return undefined;
  try {
    return JSON.parse(json) as ImportReport;
  } catch {
    return undefined;
  }
}

async function toUpload(deps: AdminImportDeps, row: ImportUploadRow, now: Date): Promise<ImportUpload> {
  const working = row.status === 'checking' || row.status === 'importing';
  const key = row.status === 'checking' ? checkJobKey(row.id) : runJobKey(row.id);
  const job = working ? await findJobByKey(deps.db, key) : undefined;
  return {
    id: row.id,
    platform: row.platform,
    fileName: row.file_name,
    compression: row.compression,
    uploadedBytes: Number(row.uploaded_bytes),
    bytes: Number(row.bytes),
    status: row.status,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    report: parseReport(row.report_json),
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : undefined,
    progress: working ? await readProgress(deps, row) : undefined,
    job: job && {
      running: job.done_at === null && job.locked_until !== null && job.locked_until > now.toISOString(),
      lastError: job.last_error,
      retryAt: job.last_error ? job.run_at : null,
    },
  };
}

/** What /admin/import shows: the upload in flight, if any, and the finished ones whose reports are kept. */
export async function loadImportPage(
  deps: AdminImportDeps,
): Promise<{ current: ImportUpload | undefined; earlier: ImportUpload[] }> {
  const now = deps.clock.now();
  const rows = await listUploads(deps.db, EARLIER_SHOWN + 1);
  const uploads = await Promise.all(rows.map((r) => toUpload(deps, r, now)));
  const inFlight = (u: ImportUpload) => u.status === 'checking' || u.status === 'ready' || u.status === 'importing';
  return { current: uploads.find(inFlight), earlier: uploads.filter((u) => !inFlight(u)).slice(0, EARLIER_SHOWN) };
}

/** One upload, for its page's status answer and its report download; undefined when there is none. */
export async function loadImportUpload(deps: AdminImportDeps, uploadId: number): Promise<ImportUpload | undefined> {
  const row = await findUpload(deps.db, uploadId);
  return row && row.status !== 'receiving' ? toUpload(deps, row, deps.clock.now()) : undefined;
}

/**
 * "Import": the checked upload is queued for the real import. 'queued', or 'not-ready' when it is not awaiting
 * confirmation (already confirmed, discarded, or not checked yet).
 */
export async function confirmImport(deps: AdminImportDeps, uploadId: number): Promise<'queued' | 'not-ready'> {
  const now = deps.clock.now();
  const queued = await inTransaction(deps.db, async (trx) => {
    const moved = await moveUpload(trx, uploadId, 'ready', {
      status: 'importing',
      progress_items: 0,
      progress_bytes: 0,
      progress_at: null,
    });
    if (moved)
      await enqueueJob(trx, { kind: IMPORT_RUN, uniqueKey: runJobKey(uploadId), payload: { uploadId }, runAt: now });
    return moved;
  });
  if (!queued) return 'not-ready';
  deps.noteWrite(NOTHING_CHANGED); // pokes the job worker
  return 'queued';
}

/**
 * "Discard": the upload, its file and its report go. Refused ('running') while it is being imported, which cannot
 * be stopped half way, or while its dry run runs; 'gone' when there is no such upload.
 */
export async function discardUpload(
  deps: AdminImportDeps,
  uploadId: number,
): Promise<'discarded' | 'running' | 'gone'> {
  const upload = await loadImportUpload(deps, uploadId);
  if (!upload) return 'gone';
  if (upload.status === 'importing' || upload.job?.running) return 'running';
  await inTransaction(deps.db, async (trx) => {
    await cancelJob(trx, checkJobKey(uploadId));
    await cancelJob(trx, runJobKey(uploadId));
    await cancelJob(trx, expireJobKey(uploadId));
    await deleteUpload(trx, uploadId);
  });
  return 'discarded';
}

/** Where the upload in flight stands, for the page's progress island (asked every second or so). */
export interface ImportStatus {
  id: number;
  status: ImportUploadStatus;
  /** The stored file's size, and how much of it the running job has read, with the items read so far. */
  bytes: number;
  read: number;
  items: number;
}

export async function loadImportStatus(deps: AdminImportDeps): Promise<ImportStatus | undefined> {
  const row = await findActiveUpload(deps.db);
  if (!row) return undefined;
  const progress = await readProgress(deps, row);
  return {
    id: row.id,
    status: row.status,
    bytes: Number(row.bytes),
    read: progress?.bytes ?? 0,
    items: progress?.items ?? 0,
  };
}
