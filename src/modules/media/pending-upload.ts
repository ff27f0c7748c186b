import { createHash, randomBytes } from 'node:crypto';
import { deletePendingUploads, findPendingUploadRow, insertPendingUpload } from './media.repository.ts';
import type { MediaDeps } from './media.types.ts';

// An upload kept when its form was refused for another field (issue 16, decision 047): the form shown again says
// "File kept: name.png" and carries a token, so sending it again needs no new choice of the file. The bytes wait
// unchecked (the upload checks them when it is sent again); one per person, for a day.

/** How long a kept upload waits for its form to come back. */
export const PENDING_UPLOAD_HOURS = 24;

/** A kept upload as the form shows it: the token to send back and the file's name. */
export interface KeptUpload {
  token: string;
  name: string;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const cutoff = (deps: MediaDeps) =>
  new Date(deps.clock.now().getTime() - PENDING_UPLOAD_HOURS * 3600_000).toISOString();

/** Keeps `bytes` for `userId` (replacing what they had kept) and returns the token; old ones of anyone go too. */
export async function keepPendingUpload(
  deps: MediaDeps,
  input: { userId: number; bytes: Uint8Array; name: string },
): Promise<KeptUpload> {
  const token = randomBytes(24).toString('base64url');
  const name = input.name.slice(0, 255);
  await insertPendingUpload(
    deps.db,
    {
      token_hash: hashOf(token),
      user_id: input.userId,
      original_name: name,
      bytes: Buffer.from(input.bytes),
      created_at: deps.clock.now().toISOString(),
    },
    cutoff(deps),
  );
  return { token, name };
}

/** The upload `token` kept for `userId` (nobody else's), unless it is older than a day; undefined otherwise. */
export async function findPendingUpload(
  deps: MediaDeps,
  input: { userId: number; token: string },
): Promise<{ bytes: Buffer; name: string } | undefined> {
  if (!/^[\w-]{10,64}$/.test(input.token)) return undefined;
  const row = await findPendingUploadRow(
    deps.db,
    { tokenHash: hashOf(input.token), userId: input.userId },
    cutoff(deps),
  );
  return row ? { bytes: Buffer.from(row.bytes), name: row.original_name } : undefined;
}

/** Lets go of `userId`'s kept upload (it was stored, or replaced by a newly chosen file). */
export async function dropPendingUpload(deps: MediaDeps, userId: number): Promise<void> {
  await deletePendingUploads(deps.db, userId);
}
