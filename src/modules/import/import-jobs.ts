import { StringDecoder } from 'node:string_decoder';
import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import type { ContentDeps } from '../content/content.deps.ts';
import { type ClaimedJob, cancelJob, DEFAULT_MAX_ATTEMPTS, enqueueJob } from '../jobs/job.repository.ts';
import type { JobHandler } from '../jobs/job-worker.ts';
import { isAppError } from '../shared/errors.ts';
import { type AdminImportDeps, expireJobKey, IMPORT_EXPIRE } from './admin-import.deps.ts';
import { importDisqus } from './disqus-import.service.ts';
import { importGhost } from './ghost-import.service.ts';
import { holdImportLease, type ImportLease } from './import-lease.ts';
import { clearProgressFile, ProgressTicker } from './import-progress.ts';
import type { ImportPlatform, ImportReport } from './import-report.ts';
import { deleteChunks, findUpload, type ImportUploadRow, moveUpload, readChunk } from './import-upload.repository.ts';
import { importWordpress } from './wordpress-import.service.ts';

// The jobs behind /admin/import (decision 032): the dry run of an upload, the import it confirms, and the
// removal of a file nobody imported. They run on the job worker's lane for imports.

type Runner = (
  deps: ContentDeps,
  input: { open: () => AsyncIterable<string>; dryRun: boolean; onItem: (n: number) => void },
) => Promise<ImportReport>;

const RUNNERS: Record<ImportPlatform, Runner> = {
  wordpress: importWordpress,
  ghost: importGhost,
  disqus: importDisqus,
};

/** The stored file is handed to the importer in text slices of this many bytes (as `annalist import` reads it). */
const TEXT_SLICE = 64 * 1024;
/** An expiry that finds its upload being worked on looks again this much later. */
const EXPIRY_RETRY_MS = 60 * 60_000;

/** The stored file went while it was read: the upload was discarded. */
class UploadGone extends Error {}

function uploadIdOf(job: ClaimedJob): number {
  const id = (job.payload as { uploadId?: unknown } | null)?.uploadId;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error(`${job.kind} job without an uploadId`);
  return id;
}

/** The stored file as UTF-8 text, piece by piece, read through the site's own connection. */
async function* uploadText(db: Db, upload: ImportUploadRow, onBytes: (n: number) => void, signal: AbortSignal) {
  const decoder = new StringDecoder('utf8');
  let read = 0;
  for (let seq = 0; seq < upload.chunks; seq++) {
    signal.throwIfAborted();
    const bytes = await readChunk(db, upload.id, seq);
    if (!bytes) throw new UploadGone(`upload ${upload.id} has no piece ${seq}`);
    for (let at = 0; at < bytes.length; at += TEXT_SLICE) {
      const piece = bytes.subarray(at, at + TEXT_SLICE);
      read += piece.length;
      onBytes(read);
      const text = decoder.write(piece);
      if (text) yield text;
    }
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/** The handler of `import_check`: the dry run, whose report the page shows before anyone confirms. */
export function importCheckHandler(deps: AdminImportDeps): JobHandler {
  return async (job) => {
    const upload = await findUpload(deps.db, uploadIdOf(job));
    if (upload?.status !== 'checking') return; // discarded, or already checked by another worker
    await runUpload(deps, job, upload, async (content, input) => {
      const report = await RUNNERS[upload.platform](content, { ...input, dryRun: true });
      await moveUpload(deps.db, upload.id, 'checking', {
        status: 'ready',
        report_json: JSON.stringify(report),
        ...input.progress.columns(),
      });
    });
  };
}

/**
 * The handler of `import_run`: the import itself, in ONE transaction that also marks the upload imported and
 * deletes its file, so a server stopped half way leaves the site as it was and the upload still to import; the
 * job is claimed again once its lease has run out and starts from the beginning.
 */
export function importRunHandler(deps: AdminImportDeps): JobHandler {
  return async (job) => {
    const upload = await findUpload(deps.db, uploadIdOf(job));
    if (upload?.status !== 'importing') return;
    await runUpload(deps, job, upload, async (content, input) => {
      const report = await inTransaction(content.db, async (trx) => {
        // Another worker may have finished it (a PostgreSQL transaction run again after losing a race).
        const now = await findUpload(trx, upload.id);
        if (now?.status !== 'importing') return undefined;
        const done = await RUNNERS[upload.platform]({ ...content, db: trx }, { ...input, dryRun: false });
        const marked = await moveUpload(trx, upload.id, 'importing', {
          status: 'imported',
          active: null,
          report_json: JSON.stringify(done),
          finished_at: deps.clock.now().toISOString(),
          ...input.progress.columns(),
        });
        if (!marked) throw new UploadGone(`upload ${upload.id} changed while it was imported`);
        await deleteChunks(trx, upload.id);
        await cancelJob(trx, expireJobKey(upload.id));
        return done;
      });
      // Once more after the commit: the importer told the caches before it (inside this transaction).
      if (report) deps.noteWrite();
    });
  };
}

type Step = (
  content: ContentDeps,
  input: { open: () => AsyncIterable<string>; onItem: (n: number) => void; progress: ProgressTicker },
) => Promise<void>;

/** Runs a dry run or an import of `upload` with the job's lease held, its progress saved and its failure recorded. */
async function runUpload(deps: AdminImportDeps, job: ClaimedJob, upload: ImportUploadRow, step: Step): Promise<void> {
  const lease = await holdImportLease(deps, job, Number(upload.bytes));
  if (!lease) return; // the job is no longer this worker's
  const progress = new ProgressTicker(deps, upload.id);
  let writer: Awaited<ReturnType<AdminImportDeps['openWriter']>> | undefined;
  try {
    writer = await deps.openWriter();
    await step(writer.content, {
      open: () =>
        uploadText(
          deps.db,
          upload,
          (n) => {
            progress.bytes = n;
          },
          lease.signal,
        ),
      onItem: (n) => {
        lease.signal.throwIfAborted();
        progress.items = n;
      },
      progress,
    });
  } catch (err) {
    await progress.stop();
    await recordFailure(deps, job, upload, lease, err);
  } finally {
    lease.release();
    await progress.stop();
    await writer?.close();
    await clearProgressFile(deps, upload.id);
  }
}

/**
 * What a failed run leaves: a refusal of the file (IMPORT_*) is the upload's answer, shown on the page, and its
 * file goes; anything else is thrown, so the worker tries again with backoff, until the last attempt marks the
 * upload failed. A run that lost its lease leaves everything to the worker that holds the job now.
 */
async function recordFailure(
  deps: AdminImportDeps,
  job: ClaimedJob,
  upload: ImportUploadRow,
  lease: ImportLease,
  err: unknown,
): Promise<void> {
  if (lease.signal.aborted) throw err;
  if (err instanceof UploadGone && !(await findUpload(deps.db, upload.id))) return; // discarded meanwhile
  const refused = isAppError(err) && err.code.startsWith('IMPORT_');
  const lastAttempt = job.attempts + 1 >= DEFAULT_MAX_ATTEMPTS;
  if (!refused && !lastAttempt) throw err;
  if (!refused) deps.log?.error({ err, uploadId: upload.id }, 'import given up');
  await inTransaction(deps.db, async (trx) => {
    const moved = await moveUpload(trx, upload.id, upload.status, {
      status: refused ? 'refused' : 'failed',
      active: null,
      error_code: refused ? err.code : 'INTERNAL_ERROR',
      error_message: refused
        ? err.publicMessage
        : `The ${upload.status === 'importing' ? 'import' : 'check'} failed ${DEFAULT_MAX_ATTEMPTS} times and was given up; nothing was imported. The server's log says why.`,
      finished_at: deps.clock.now().toISOString(),
    });
    if (!moved) return;
    await deleteChunks(trx, upload.id);
    await cancelJob(trx, expireJobKey(upload.id));
  });
}

/**
 * The handler of `import_expire`, a day after an upload came: an upload still awaiting "Import" loses its file
 * (the page says so; its report stays until discarded). One being checked or imported is looked at again later.
 */
export function importExpireHandler(deps: AdminImportDeps): JobHandler {
  return async (job) => {
    const uploadId = uploadIdOf(job);
    const upload = await findUpload(deps.db, uploadId);
    if (!upload) return;
    const now = deps.clock.now();
    if (upload.status === 'checking' || upload.status === 'importing') {
      // Rescheduling the running job leaves it pending, at the new time (job.repository.ts).
      await enqueueJob(deps.db, {
        kind: IMPORT_EXPIRE,
        uniqueKey: expireJobKey(uploadId),
        payload: { uploadId },
        runAt: new Date(now.getTime() + EXPIRY_RETRY_MS),
      });
      return;
    }
    if (upload.status !== 'ready') return; // imported, refused or failed: the file is gone already
    await inTransaction(deps.db, async (trx) => {
      const moved = await moveUpload(trx, uploadId, 'ready', {
        status: 'expired',
        active: null,
        finished_at: now.toISOString(),
      });
      if (moved) await deleteChunks(trx, uploadId);
    });
  };
}
