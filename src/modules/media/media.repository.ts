import type { Insertable, Selectable } from 'kysely';
import type { Db, MediaFileTable, MediaPendingTable, MediaTable } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';

export type MediaRow = Selectable<MediaTable>;
export type MediaFileInfoRow = Omit<Selectable<MediaFileTable>, 'bytes'>;

export async function findMediaRowById(db: Db, id: number): Promise<MediaRow | undefined> {
  return db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findMediaRowBySha256(db: Db, sha256: string): Promise<MediaRow | undefined> {
  return db.selectFrom('media').selectAll().where('sha256', '=', sha256).orderBy('id').executeTakeFirst();
}

export async function insertMediaRow(db: Db, row: Insertable<MediaTable>): Promise<number> {
  const { id } = await db.insertInto('media').values(row).returning('id').executeTakeFirstOrThrow();
  return id;
}

export async function insertMediaFileRows(db: Db, rows: Insertable<MediaFileTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('media_files').values(rows).execute();
}

export async function updateMediaText(
  db: Db,
  id: number,
  text: Pick<MediaRow, 'alt' | 'caption' | 'credit'>,
): Promise<void> {
  await db.updateTable('media').set(text).where('id', '=', id).execute();
}

/** Deletes the media row; its files go with it (on delete cascade), and are deleted here too in case not. */
export async function deleteMediaRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('media_files').where('media_id', '=', id).execute();
  await db.deleteFrom('media').where('id', '=', id).execute();
}

/** Newest first. */
export async function listMediaRows(db: Db, limit: number, offset: number): Promise<MediaRow[]> {
  return db.selectFrom('media').selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute();
}

export async function countMediaRows(db: Db): Promise<number> {
  const r = await db
    .selectFrom('media')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Names and sizes of the files of these media (no bytes), smallest first within each. */
export async function listMediaFileRows(db: Db, mediaIds: number[]): Promise<MediaFileInfoRow[]> {
  if (mediaIds.length === 0) return [];
  return db
    .selectFrom('media_files')
    .select(['media_id', 'name', 'format', 'width', 'height'])
    .where('media_id', 'in', mediaIds)
    .orderBy('media_id')
    .orderBy('width')
    .orderBy('format')
    .execute();
}

export async function findMediaFileBytes(db: Db, name: string): Promise<{ format: string; bytes: Buffer } | undefined> {
  return db.selectFrom('media_files').select(['format', 'bytes']).where('name', '=', name).executeTakeFirst();
}

/** Posts and pages whose Markdown (body or cover) names a file of this media. */
export async function findPostsUsingMedia(db: Db, mediaId: number): Promise<{ id: number; title: string }[]> {
  // "/media/12-" cannot match media 112: the slash comes right before the id.
  const pattern = `%/media/${mediaId}-%`;
  return db
    .selectFrom('posts')
    .innerJoin('post_bodies', 'post_bodies.post_id', 'posts.id')
    .select(['posts.id', 'posts.title'])
    .where((eb) => eb.or([eb('post_bodies.body_md', 'like', pattern), eb('posts.cover_src', 'like', pattern)]))
    .orderBy('posts.id')
    .limit(20)
    .execute();
}

/**
 * Keeps a person's upload waiting for its words (one per person: an earlier one is let go), and lets go of every
 * kept upload older than `olderThan`, in one transaction.
 */
export async function insertPendingUpload(
  db: Db,
  row: Insertable<MediaPendingTable>,
  olderThan: string,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx.deleteFrom('media_pending').where('user_id', '=', row.user_id).execute();
    await trx.deleteFrom('media_pending').where('created_at', '<', olderThan).execute();
    await trx.insertInto('media_pending').values(row).execute();
  });
}

/** A person's kept upload by its token's hash, if it is not older than `notBefore`. */
export async function findPendingUploadRow(db: Db, key: { tokenHash: string; userId: number }, notBefore: string) {
  return db
    .selectFrom('media_pending')
    .select(['bytes', 'original_name'])
    .where('token_hash', '=', key.tokenHash)
    .where('user_id', '=', key.userId)
    .where('created_at', '>=', notBefore)
    .executeTakeFirst();
}

export async function deletePendingUploads(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('media_pending').where('user_id', '=', userId).execute();
}
