import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { type AuthorMap, parseAuthorMap } from './modules/import/author-map.ts';
import { isAppError } from './modules/shared/errors.ts';

/** What `--uploads DIR` and `--author-map FILE` give `import wordpress`. */
export interface WordpressImportExtras {
  uploadsDir?: string;
  authorMap?: AuthorMap;
}

/** An author map is a few lines per writer: a larger file is not one. */
const AUTHOR_MAP_MAX_BYTES = 1024 * 1024;

/**
 * Checks `--uploads` and `--author-map` before the site is opened: both only with `import wordpress`, the folder
 * a folder, the map a small JSON file of the documented shape. Resolves to the extras, or to the one line that
 * says what is wrong (with the stable code where there is one).
 */
export function readWordpressExtras(cmd: {
  platform: string | undefined;
  uploads?: string;
  authorMap?: string;
}): WordpressImportExtras | string {
  if ((cmd.uploads !== undefined || cmd.authorMap !== undefined) && cmd.platform !== 'wordpress')
    return `--uploads and --author-map are for import wordpress, not ${cmd.platform ?? 'this command'}`;
  const extras: WordpressImportExtras = {};
  if (cmd.uploads !== undefined) {
    const info = statSync(cmd.uploads, { throwIfNoEntry: false });
    if (!info?.isDirectory())
      return `IMPORT_UPLOADS_NOT_FOLDER: --uploads ${cmd.uploads} is not a folder: give the copy of the old site's wp-content/uploads. Nothing was imported.`;
    extras.uploadsDir = cmd.uploads;
  }
  if (cmd.authorMap !== undefined) {
    const text = readSmallFile(cmd.authorMap);
    if (text === undefined)
      return `IMPORT_AUTHOR_MAP_MALFORMED: --author-map ${cmd.authorMap} is not a readable file of at most 1 MB. Nothing was imported.`;
    try {
      extras.authorMap = parseAuthorMap(text);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return `${err.code}: ${err.publicMessage} Nothing was imported.`;
    }
  }
  return extras;
}

/** The file's text when it is a regular file of at most AUTHOR_MAP_MAX_BYTES, else undefined. */
function readSmallFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > AUTHOR_MAP_MAX_BYTES) return undefined;
    const buf = Buffer.alloc(info.size);
    const n = info.size === 0 ? 0 : readSync(fd, buf, 0, info.size, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
