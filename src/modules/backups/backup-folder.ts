import { mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';

/**
 * The backup folder is the operator's choice, never a form's: `<data dir>/backups`, or ANNALIST_BACKUP_DIR
 * (`--backup-dir`). An owner who could name any server path could list and download another site's archives, or
 * write into a web root or the media folder. Every use resolves it again with realpath, so a symbolic link put in
 * its place later is judged by where it leads.
 */
export interface BackupFolderPlace {
  /** The folder as configured (absolute). */
  folder: string;
  /** The data folder: it holds the database, so it is never the backup folder itself. */
  dataDir: string;
  /** The data folder's media/: every backup holds it, so a backup folder inside it would hold every backup. */
  mediaDir: string;
}

/** Created for the site's user only: an archive holds readers' email and IP addresses. */
export const BACKUP_FOLDER_MODE = 0o700;

const inside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** The real path of `path`, or of its nearest folder that exists with the rest appended (not yet made). */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    const parent = resolve(path, '..');
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw err;
    return resolve(await realPathOf(parent), relative(parent, path));
  }
}

/** Why `real` (a real path) cannot be the backup folder; undefined when it can. */
async function refusal(real: string, place: BackupFolderPlace): Promise<string | undefined> {
  if (inside(real, await realPathOf(place.mediaDir)))
    return 'it is inside the media folder, which every backup holds: choose a folder outside it';
  if (real === (await realPathOf(place.dataDir)))
    return 'it is the data folder itself, beside the database: choose another folder, such as <data dir>/backups';
  return undefined;
}

/**
 * Makes the backup folder when missing (mode 0700), resolves it with realpath and checks where it leads.
 * Resolves to the real path; throws an Error with one line a person can act on.
 */
export async function prepareBackupFolder(place: BackupFolderPlace): Promise<string> {
  if (!isAbsolute(place.folder)) throw new Error(`the backup folder "${place.folder}" is not a full path`);
  // Judge where it leads before making anything, so a refused folder is never created.
  const before = await realPathOf(place.folder).then(
    (real) => refusal(real, place),
    (err: Error) => {
      throw new Error(`the backup folder ${place.folder} cannot be made (${err.message})`, { cause: err });
    },
  );
  if (before) throw new Error(`the backup folder ${place.folder} cannot be used: ${before}`);
  try {
    await mkdir(place.folder, { recursive: true, mode: BACKUP_FOLDER_MODE });
  } catch (err) {
    throw new Error(`the backup folder ${place.folder} cannot be made (${(err as Error).message})`, { cause: err });
  }
  const real = await realpath(place.folder);
  if (!(await stat(real)).isDirectory()) throw new Error(`the backup folder ${place.folder} is not a folder`);
  // Again on the made folder: a link may have been put in its place meanwhile.
  const after = await refusal(real, place);
  if (after) throw new Error(`the backup folder ${place.folder} cannot be used: ${after}`);
  return real;
}
