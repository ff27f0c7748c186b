import { inTransaction } from '../../storage/transaction.ts';
import { enqueueJob } from '../jobs/job.repository.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import {
  type AdminImportDeps,
  checkJobKey,
  expireJobKey,
  IMPORT_CHECK,
  IMPORT_EXPIRE,
  IMPORT_MAX_BYTES,
  UPLOAD_KEPT_MS,
} from './admin-import.deps.ts';
import { GHOST_MAX_BYTES } from './ghost-export.ts';
import type { ImportPlatform } from './import-report.ts';
import {
  deleteUpload,
  findActiveUpload,
  insertUpload,
  listStaleReceiving,
  moveUpload,
} from './import-upload.repository.ts';
import { CappedGunzip, ChunkWriter, isGzip, uploadTooLarge } from './upload-bytes.ts';

export const IMPORT_PLATFORMS: readonly ImportPlatform[] = ['wordpress', 'ghost', 'disqus'];

export const isImportPlatform = (p: string | undefined): p is ImportPlatform =>
  p !== undefined && (IMPORT_PLATFORMS as readonly string[]).includes(p);

/** An upload still arriving after this long belonged to a request whose process stopped: it is removed. */
const RECEIVING_STALE_MS = 6 * 60 * 60_000;

export interface UploadInput {
  /** As chosen in the form (checked here). */
  platform: string | undefined;
  /** The name the browser gave the file (shown on the page only). */
  fileName: string;
  /**
   * The file's bytes as they arrive. Always read to the end: after a refusal the rest is read and dropped, so
   * the browser, which sends the whole body before it reads the answer, gets the page rather than a reset.
   */
  file: AsyncIterable<Buffer>;
  userId: number;
}

/** The refusal while another upload holds the site's one import. */
export const importBusy = () =>
  new AppError(
    'IMPORT_BUSY',
    'Another import is being checked, awaits confirmation or is running. Finish it (import or discard it) first: one import at a time.',
  );

/**
 * Takes an upload for /admin/import: stores it in the database in pieces (unpacked as it arrives when it is a
 * .gz), never past the cap (IMPORT_MAX_BYTES unless deps say less) as sent or unpacked, then, in one
 * transaction, gives it the site's one import slot and queues its dry run. Returns the upload's id. Refusals
 * (IMPORT_UPLOAD_EMPTY, _TOO_LARGE, _DAMAGED, IMPORT_BUSY, IMPORT_GHOST_TOO_LARGE) keep nothing.
 */
export async function receiveImportUpload(deps: AdminImportDeps, input: UploadInput): Promise<number> {
  const cap = deps.maxBytes ?? IMPORT_MAX_BYTES;
  let failure: unknown;
  const { platform } = input;
  if (!isImportPlatform(platform))
    failure = new AppError('BAD_REQUEST', 'Choose what the file is: WordPress, Ghost or Disqus.', {
      fields: { platform: 'Choose what the file is: WordPress, Ghost or Disqus.' },
    });
  else if (await findActiveUpload(deps.db)) failure = importBusy();

  let uploadId: number | undefined;
  if (failure === undefined && isImportPlatform(platform)) {
    await removeStaleUploads(deps);
    uploadId = await insertUpload(deps.db, {
      platform,
      fileName: input.fileName.slice(0, 200),
      userId: input.userId,
      at: deps.clock.now().toISOString(),
    });
  }
  const writer = uploadId === undefined ? undefined : new ChunkWriter(deps.db, uploadId);
  let gunzip: CappedGunzip | undefined;
  let head: Buffer | undefined = Buffer.alloc(0);
  let received = 0;

  const store = async (bytes: Buffer) => {
    if (!writer) return;
    if (!gunzip) return writer.write(bytes);
    for await (const out of gunzip.feed(bytes)) await writer.write(out);
  };
  // The first two bytes say whether the file is gzip'd: held until they are both in.
  const take = async (chunk: Buffer) => {
    if (head === undefined) return store(chunk);
    head = Buffer.concat([head, chunk]);
    if (head.length < 2) return;
    if (isGzip(head)) gunzip = new CappedGunzip(cap);
    const first = head;
    head = undefined;
    await store(first);
  };

  try {
    for await (const chunk of input.file) {
      received += chunk.length;
      if (failure !== undefined) continue;
      try {
        if (received > cap) throw uploadTooLarge(cap, false);
        await take(chunk);
      } catch (err) {
        failure = err;
      }
    }
    if (failure === undefined) {
      if (head !== undefined && head.length > 0) await store(head);
      if (gunzip) for await (const out of gunzip.end()) await writer?.write(out);
      await writer?.end();
    }
  } catch (err) {
    failure ??= err; // the request broke off (the browser went away)
  }
  gunzip?.close();

  if (failure === undefined && writer && uploadId !== undefined) {
    failure = refusalOfContent(platform, input.fileName, writer.bytes);
    if (failure === undefined)
      try {
        await activate(deps, uploadId, {
          compression: gunzip ? 'gzip' : '',
          uploaded_bytes: received,
          bytes: writer.bytes,
          chunks: writer.chunks,
        });
        return uploadId;
      } catch (err) {
        failure = err;
      }
  }
  if (uploadId !== undefined)
    await deleteUpload(deps.db, uploadId).catch((err: unknown) =>
      deps.log?.error({ err, uploadId }, 'a refused upload could not be removed'),
    );
  throw failure;
}

/** What the stored file's size alone refuses: nothing at all, or a Ghost file too large to be read whole. */
function refusalOfContent(platform: string | undefined, fileName: string, bytes: number): AppError | undefined {
  if (bytes === 0) {
    // A form sent without a file chosen carries an empty part without a name.
    const message = fileName
      ? 'The file is empty: there is nothing in it to import. Choose the export file again.'
      : 'Choose the export file to upload.';
    return new AppError('IMPORT_UPLOAD_EMPTY', message, { fields: { file: message } });
  }
  if (platform === 'ghost' && bytes > GHOST_MAX_BYTES)
    return new AppError(
      'IMPORT_GHOST_TOO_LARGE',
      `The file is larger than ${GHOST_MAX_BYTES / 1024 / 1024} MB: a Ghost export is read whole, and a content export is far smaller. Nothing was kept.`,
    );
  return undefined;
}

/** Gives the upload the slot and queues its dry run and its removal a day later, in one transaction. */
async function activate(
  deps: AdminImportDeps,
  uploadId: number,
  sizes: { compression: string; uploaded_bytes: number; bytes: number; chunks: number },
): Promise<void> {
  const now = deps.clock.now();
  await inTransaction(deps.db, async (trx) => {
    // Checked again here: another upload may have finished arriving meanwhile (the unique index is the last word).
    if (await findActiveUpload(trx)) throw importBusy();
    await moveUpload(trx, uploadId, 'receiving', { ...sizes, status: 'checking', active: 'site' });
    await enqueueJob(trx, { kind: IMPORT_CHECK, uniqueKey: checkJobKey(uploadId), payload: { uploadId }, runAt: now });
    await enqueueJob(trx, {
      kind: IMPORT_EXPIRE,
      uniqueKey: expireJobKey(uploadId),
      payload: { uploadId },
      runAt: new Date(now.getTime() + UPLOAD_KEPT_MS),
    });
  });
  deps.noteWrite(NOTHING_CHANGED); // pokes the job worker
}

/** Uploads whose request stopped with its process, hours ago: their pieces are removed. */
async function removeStaleUploads(deps: AdminImportDeps): Promise<void> {
  const before = new Date(deps.clock.now().getTime() - RECEIVING_STALE_MS).toISOString();
  for (const id of await listStaleReceiving(deps.db, before)) await deleteUpload(deps.db, id);
}
