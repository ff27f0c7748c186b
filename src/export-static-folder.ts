import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MANIFEST_FILE, StaticExportError } from './modules/export/static-manifest.ts';

/**
 * The folder of a static copy (`annalist export static`), written and cleaned without ever following a symbolic
 * link: a link planted in the copy (to a folder or a file elsewhere) must not let a run write or delete outside
 * it. Each folder below the root is checked with lstat before its first use and by its real path before every
 * write or removal; a file is written under a random name opened with O_EXCL (never through a link) and renamed
 * over the old one, which replaces a link rather than writing through it. Folders above the root are the
 * caller's choice and may be links.
 */
export class CopyFolder {
  /** Folders below the root (relative, `/`-separated) already checked to be real folders; `.` is the root. */
  private readonly checked = new Set<string>(['.']);

  private constructor(
    /** The root's real path: every path below it is compared with its own real path. */
    readonly root: string,
  ) {}

  /** The copy's folder, made when missing; a link or a file there is refused. */
  static open(dir: string): CopyFolder {
    let st = lstatOrUndefined(dir);
    if (!st) {
      mkdirSync(dir, { recursive: true });
      st = lstatSync(dir);
    }
    if (st.isSymbolicLink()) throw linkRefused(dir);
    if (!st.isDirectory()) throw new StaticExportError('STATIC_DIR_NOT_OURS', `${dir} is a file, not a folder`);
    return new CopyFolder(realpathSync.native(dir));
  }

  /** The names in the root folder. */
  names(): string[] {
    return readdirSync(this.root);
  }

  /** The manifest's text, or undefined when there is none (or it is not a file); a link is refused. */
  readManifest(): string | undefined {
    const path = join(this.root, MANIFEST_FILE);
    const fd = openNoFollow(path);
    if (fd === 'link') throw linkRefused(path);
    if (fd === 'missing') return undefined;
    try {
      return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : undefined;
    } finally {
      closeSync(fd);
    }
  }

  /** Whether `file` is a plain file (not a link) holding exactly `bytes`; a folder on its way that is a link is refused. */
  holds(file: string, bytes: Buffer): boolean {
    const dir = this.folder(dirname(file), { create: false });
    if (dir === undefined) return false;
    const fd = openNoFollow(join(dir, basename(file)));
    if (typeof fd !== 'number') return false;
    try {
      const st = fstatSync(fd);
      return st.isFile() && st.size === bytes.length && readFileSync(fd).equals(bytes);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Writes `file` whole: aside under a random name (created, never opened through a link), then renamed over
   * the old one, so a reader of the folder (or a failed run) never sees half a file.
   */
  write(file: string, bytes: Buffer): void {
    const dir = this.folder(dirname(file), { create: true })!;
    const aside = join(dir, `.${basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      writeFileSync(aside, bytes, { flag: 'wx' });
      renameSync(aside, join(dir, basename(file)));
    } catch (err) {
      rmSync(aside, { force: true });
      throw err;
    }
  }

  /**
   * Removes a file of the last run and the folders it leaves empty (never the root). `skipped` when a folder on
   * its way is a link (or not a folder), or the file is a folder: what is there is not the copy's to remove.
   */
  remove(file: string): 'removed' | 'missing' | 'skipped' {
    let dir: string | undefined;
    try {
      dir = this.folder(dirname(file), { create: false });
    } catch (err) {
      if (err instanceof StaticExportError) return 'skipped';
      throw err;
    }
    if (dir === undefined) return 'missing';
    const path = join(dir, basename(file));
    const st = lstatOrUndefined(path);
    if (!st) return 'missing';
    if (st.isDirectory()) return 'skipped';
    unlinkSync(path); // a link there is removed itself, never what it points to
    for (let rel = dirname(file); rel !== '.'; rel = dirname(rel)) {
      const folder = join(this.root, rel);
      if (realpathSync.native(folder) !== folder || readdirSync(folder).length > 0) break;
      rmdirSync(folder);
      this.checked.delete(rel);
    }
    return 'removed';
  }

  /**
   * The absolute path of a folder below the root, each part checked to be a real folder (made when missing and
   * `create`); undefined when missing. A link refuses the run: STATIC_LINK_REFUSED.
   */
  private folder(rel: string, how: { create: boolean }): string | undefined {
    const path = join(this.root, rel);
    if (!this.checked.has(rel)) {
      let sofar = '.';
      for (const part of rel.split('/')) {
        sofar = sofar === '.' ? part : `${sofar}/${part}`;
        if (this.checked.has(sofar)) continue;
        const full = join(this.root, sofar);
        let st = lstatOrUndefined(full);
        if (!st) {
          if (!how.create) return undefined;
          mkdirIfMissing(full);
          st = lstatSync(full);
        }
        if (st.isSymbolicLink()) throw linkRefused(full);
        if (!st.isDirectory())
          throw new StaticExportError('STATIC_EXPORT_FAILED', `${full} is a file where the copy needs a folder`);
        this.checked.add(sofar);
      }
    }
    // Again by its real path, every time: a folder swapped for a link after its first check is caught here.
    if (realpathSync.native(path) !== path) throw linkRefused(path);
    return path;
  }
}

function linkRefused(path: string): StaticExportError {
  return new StaticExportError(
    'STATIC_LINK_REFUSED',
    `${path} is a symbolic link (or lies under one); a static copy is never written or cleaned through a link: ` +
      'remove the link (or put a real folder in its place) and run again',
  );
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Opens for reading without following a link at the last part (O_NOFOLLOW); a FIFO planted there cannot block. */
function openNoFollow(path: string): number | 'missing' | 'link' {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ELOOP') return 'link';
    throw err;
  }
}

/** mkdir of one folder (never recursive, so it never makes one through a link); one made meanwhile is fine. */
function mkdirIfMissing(path: string): void {
  try {
    mkdirSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
