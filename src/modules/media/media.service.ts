import { inTransaction } from '../../storage/transaction.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { type Paged, type PageRequest, paged } from '../shared/paging.ts';
import {
  countMediaRows,
  deleteMediaRow,
  findMediaFileBytes,
  findMediaRowById,
  findPostsUsingMedia,
  listMediaFileRows,
  listMediaRows,
  type MediaFileInfoRow,
  type MediaRow,
  updateMediaText,
} from './media.repository.ts';
import type { Media, MediaDeps, MediaFile, MediaText } from './media.types.ts';
import { CONTENT_TYPES, type StoredFormat } from './media-names.ts';
import { checkMediaText } from './media-text.ts';

function toMedia(row: MediaRow, fileRows: MediaFileInfoRow[]): Media {
  const files: MediaFile[] = fileRows.map((f) => ({
    name: f.name,
    format: f.format as StoredFormat,
    width: f.width,
    height: f.height,
  }));
  const fallback = files.find((f) => f.format !== 'webp') ?? files.at(-1);
  return {
    id: row.id,
    userId: row.user_id,
    originalName: row.original_name,
    mime: row.mime,
    width: row.width,
    height: row.height,
    alt: row.alt,
    caption: row.caption,
    credit: row.credit,
    createdAt: row.created_at,
    files,
    src: fallback ? `/media/${fallback.name}` : '',
  };
}

const notFound = (id: number) =>
  new AppError('MEDIA_NOT_FOUND', 'There is no such image in the library. It may have been deleted.', {
    detail: `media ${id}`,
  });

/** One image of the library with its stored copies, or MEDIA_NOT_FOUND. */
export async function getMedia(deps: MediaDeps, id: number): Promise<Media> {
  const row = await findMediaRowById(deps.db, id);
  if (!row) throw notFound(id);
  return toMedia(row, await listMediaFileRows(deps.db, [id]));
}

/** The library, newest first. */
export async function listMedia(deps: MediaDeps, req: PageRequest): Promise<Paged<Media>> {
  const [rows, total] = await Promise.all([
    listMediaRows(deps.db, req.perPage, (req.page - 1) * req.perPage),
    countMediaRows(deps.db),
  ]);
  const files = await listMediaFileRows(
    deps.db,
    rows.map((r) => r.id),
  );
  return paged(
    rows.map((r) =>
      toMedia(
        r,
        files.filter((f) => f.media_id === r.id),
      ),
    ),
    req,
    total,
  );
}

/** Changes the alt text, caption and credit of an image (articles that already use it keep their own words). */
/** Who is changing an image: its uploader may, and so may someone who may edit others' posts. */
export interface MediaActor {
  userId: number;
  mayEditOthers: boolean;
}

function checkOwner(row: { user_id: number | null }, actor: MediaActor | undefined, mediaId: number): void {
  if (!actor || actor.mayEditOthers || row.user_id === actor.userId) return;
  throw new AppError('FORBIDDEN', 'Only the person who uploaded this image, or an editor, may change it.', {
    detail: `user ${actor.userId} on media ${mediaId}`,
  });
}

export async function updateMedia(
  deps: MediaDeps,
  input: { mediaId: number; actor?: MediaActor } & MediaText,
): Promise<Media> {
  const text = checkMediaText(input);
  await inTransaction(deps.db, async (trx) => {
    const row = await findMediaRowById(trx, input.mediaId);
    if (!row) throw notFound(input.mediaId);
    checkOwner(row, input.actor, input.mediaId);
    await updateMediaText(trx, input.mediaId, { alt: text.alt, caption: text.caption, credit: text.credit });
  });
  deps.noteWrite?.(NOTHING_CHANGED);
  return getMedia(deps, input.mediaId);
}

/**
 * Deletes an image and all its copies, unless a post or page still shows it: then MEDIA_IN_USE names them,
 * so no article is left with a broken picture. (Old revisions are not searched: restoring one that shows a
 * deleted image brings back a broken link, which the preflight checks report.)
 */
export async function deleteMedia(deps: MediaDeps, input: { mediaId: number; actor?: MediaActor }): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const row = await findMediaRowById(trx, input.mediaId);
    if (!row) throw notFound(input.mediaId);
    checkOwner(row, input.actor, input.mediaId);
    const users = await findPostsUsingMedia(trx, input.mediaId);
    if (users.length > 0)
      throw new AppError(
        'MEDIA_IN_USE',
        `This image is still shown in ${users.map((p) => `“${p.title}”`).join(', ')}. Remove it from there first.`,
        { detail: `media ${input.mediaId} in posts ${users.map((p) => p.id).join(',')}` },
      );
    await deleteMediaRow(trx, input.mediaId);
  });
  deps.noteWrite?.(NOTHING_CHANGED);
}

/** The bytes and content type of a stored file, by its name (e.g. "12-1600x1067-480w.webp"), or undefined. */
export async function readMediaFile(
  deps: MediaDeps,
  name: string,
): Promise<{ contentType: string; bytes: Buffer } | undefined> {
  const row = await findMediaFileBytes(deps.db, name);
  if (!row) return undefined;
  const contentType = CONTENT_TYPES[row.format as StoredFormat];
  return contentType ? { contentType, bytes: Buffer.from(row.bytes) } : undefined;
}
