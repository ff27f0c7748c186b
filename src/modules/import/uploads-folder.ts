import { open, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { AppError } from '../shared/errors.ts';

/** What a path of the old site's uploads gave in the local copy. */
export type UploadLookup =
  | { kind: 'file'; bytes: Buffer; name: string }
  | { kind: 'missing' }
  /** There is something, but it is not read: outside the folder, or too large. */
  | { kind: 'refused'; reason: string };

/** A local copy of a WordPress site's `wp-content/uploads`, read by relative path and never outside it. */
export interface UploadsFolder {
  read: (relativePath: string) => Promise<UploadLookup>;
}

/**
 * Opens the folder (IMPORT_UPLOADS_NOT_FOLDER when it is not one). A path from the export is read only when it
 * stays inside: `..`, absolute paths, drive letters, backslashes and NUL bytes are refused, and the file's real
 * path (symbolic links followed) must still be under the folder's, so a link to /etc/passwd is never read.
 * A file over `maxBytes` is refused by its size before a byte of it is read.
 */
export async function openUploadsFolder(dir: string, opts: { maxBytes: number }): Promise<UploadsFolder> {
  const root = await realpath(dir).catch(() => undefined);
  if (!root || !(await stat(root)).isDirectory())
    throw new AppError('IMPORT_UPLOADS_NOT_FOLDER', `The uploads folder ${dir} is not a folder.`, { detail: dir });
  const inside = (p: string) => p.startsWith(root.endsWith(sep) ? root : root + sep);
  return {
    async read(relativePath) {
      const segments = relativePath.split('/');
      if (
        relativePath === '' ||
        /[\\\0]/.test(relativePath) ||
        /^[a-zA-Z]:/.test(relativePath) ||
        relativePath.startsWith('/') ||
        segments.some((s) => s === '..')
      )
        return { kind: 'refused', reason: 'its path leads outside the uploads folder' };
      const real = await realpath(join(root, ...segments)).catch(() => undefined);
      if (real === undefined) return { kind: 'missing' };
      if (!inside(real)) return { kind: 'refused', reason: 'a symbolic link leading outside the uploads folder' };
      // The checked path is the one opened and measured: a link swapped in between leads nowhere new.
      const handle = await open(real, 'r').catch(() => undefined);
      if (!handle) return { kind: 'missing' };
      try {
        const info = await handle.stat();
        if (!info.isFile()) return { kind: 'missing' };
        if (info.size > opts.maxBytes)
          return {
            kind: 'refused',
            reason: `the file is larger than ${Math.round(opts.maxBytes / 1024 / 1024)} MB (${info.size} bytes)`,
          };
        return { kind: 'file', bytes: await handle.readFile(), name: segments.at(-1) ?? relativePath };
      } finally {
        await handle.close();
      }
    },
  };
}
