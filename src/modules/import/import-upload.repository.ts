import type { Selectable, Updateable } from 'kysely';
import type { Db, ImportUploadStatus, ImportUploadTable } from '../../storage/schema.ts';

/** All SQL of /admin/import's uploads (migration 010): the row, its chunks, its progress. */

export type ImportUploadRow = Selectable<ImportUploadTable>;

/** The states in which an upload holds the site's one import slot (`active = 'site'`). */
export const IN_FLIGHT: readonly ImportUploadStatus[] = ['checking', 'ready', 'importing'];

export async function insertUpload(
  db: Db,
  input: { platform: ImportUploadRow['platform']; fileName: string; userId: number; at: string },
): Promise<number> {
  const row = await db
    .insertInto('import_uploads')
    .values({
      platform: input.platform,
      file_name: input.fileName,
      compression: '',
      uploaded_bytes: 0,
      bytes: 0,
      chunks: 0,
      status: 'receiving',
      active: null,
      report_json: null,
      error_code: null,
      error_message: null,
      progress_items: 0,
      progress_bytes: 0,
      progress_at: null,
      user_id: input.userId,
      created_at: input.at,
      finished_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertChunk(db: Db, uploadId: number, seq: number, bytes: Buffer): Promise<void> {
  await db.insertInto('import_upload_chunks').values({ upload_id: uploadId, seq, bytes }).execute();
}

export async function readChunk(db: Db, uploadId: number, seq: number): Promise<Buffer | undefined> {
  const row = await db
    .selectFrom('import_upload_chunks')
    .select('bytes')
    .where('upload_id', '=', uploadId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row ? Buffer.from(row.bytes) : undefined;
}

export async function deleteChunks(db: Db, uploadId: number): Promise<void> {
  await db.deleteFrom('import_upload_chunks').where('upload_id', '=', uploadId).execute();
}

/** The upload row and its chunks. */
export async function deleteUpload(db: Db, uploadId: number): Promise<void> {
  await deleteChunks(db, uploadId);
  await db.deleteFrom('import_uploads').where('id', '=', uploadId).execute();
}

export async function findUpload(db: Db, uploadId: number): Promise<ImportUploadRow | undefined> {
  return db.selectFrom('import_uploads').selectAll().where('id', '=', uploadId).executeTakeFirst();
}

/** The upload holding the slot: being checked, awaiting "Import", or being imported. */
export async function findActiveUpload(db: Db): Promise<ImportUploadRow | undefined> {
  return db.selectFrom('import_uploads').selectAll().where('active', '=', 'site').executeTakeFirst();
}

/** Uploads the page lists, newest first: all but those still arriving. */
export async function listUploads(db: Db, limit: number): Promise<ImportUploadRow[]> {
  return db
    .selectFrom('import_uploads')
    .selectAll()
    .where('status', '!=', 'receiving')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Moves the upload from `from` to the values given, only while it is still in `from`: the conditional update
 * says who won when a job and a person act on one upload at once. True when it moved.
 */
export async function moveUpload(
  db: Db,
  uploadId: number,
  from: ImportUploadStatus,
  set: Updateable<ImportUploadTable>,
): Promise<boolean> {
  const r = await db
    .updateTable('import_uploads')
    .set(set)
    .where('id', '=', uploadId)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function saveProgressRow(
  db: Db,
  uploadId: number,
  progress: { items: number; bytes: number; at: string },
): Promise<void> {
  await db
    .updateTable('import_uploads')
    .set({ progress_items: progress.items, progress_bytes: progress.bytes, progress_at: progress.at })
    .where('id', '=', uploadId)
    .execute();
}

/** Uploads still arriving that began before `before`: their request ended with its process. */
export async function listStaleReceiving(db: Db, before: string): Promise<number[]> {
  const rows = await db
    .selectFrom('import_uploads')
    .select('id')
    .where('status', '=', 'receiving')
    .where('created_at', '<', before)
    .execute();
  return rows.map((r) => r.id);
}
