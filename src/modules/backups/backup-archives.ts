import { constants, type Dirent, type ReadStream } from 'node:fs';
import { type FileHandle, lstat, open, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The archives in the backup folder. Only files named as `annalist backup` and the schedule name them
 * (`annalist-backup-YYYYMMDD-HHMMSS[-N].tar.gz`) and that are regular files count: a symbolic link, a folder,
 * a work or partial file, or anything else a person keeps there is never listed, served or removed.
 */

const ARCHIVE_NAME = /^annalist-backup-([0-9]{8})-([0-9]{6})(?:-([0-9]{1,3}))?\.tar\.gz$/;

export const isArchiveName = (name: string) => ARCHIVE_NAME.test(name);

export interface ArchiveFile {
  name: string;
  bytes: number;
  /** When the file was last written (its modification time). */
  modifiedAt: string;
}

const stampOf = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** A name for an archive written at `at` that no file in `taken` has: the time, then -2, -3… if needed. */
export function archiveNameFor(at: Date, taken: (name: string) => boolean): string {
  const base = `annalist-backup-${stampOf(at)}`;
  if (!taken(`${base}.tar.gz`)) return `${base}.tar.gz`;
  for (let n = 2; n < 1000; n++) if (!taken(`${base}-${n}.tar.gz`)) return `${base}-${n}.tar.gz`;
  throw new Error(`Too many backups named ${base} in one second`);
}

/** The archives in `folder`, newest name first; none when the folder does not exist (yet). */
export async function listArchiveFiles(folder: string): Promise<ArchiveFile[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return [];
    throw err;
  }
  const files: ArchiveFile[] = [];
  for (const entry of entries) {
    // isFile() is false for a symbolic link, whatever it points at.
    if (!entry.isFile() || !isArchiveName(entry.name)) continue;
    const st = await lstat(join(folder, entry.name)).catch(() => undefined);
    if (!st?.isFile()) continue;
    files.push({ name: entry.name, bytes: st.size, modifiedAt: st.mtime.toISOString() });
  }
  return files.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
}

/**
 * Opens one archive of `folder` for reading, or undefined when `name` is not an archive's name, is missing, or
 * is not a regular file. Opened without following a symbolic link and without waiting (O_NONBLOCK: opening a
 * FIFO named like an archive would otherwise hold a thread of the pool until someone writes to it), then
 * checked on the open file itself, so a link or FIFO put in its place between a look and the read is refused.
 */
export async function openArchiveFile(
  folder: string,
  name: string,
): Promise<{ stream: ReadStream; bytes: number } | undefined> {
  if (!isArchiveName(name)) return undefined;
  let handle: FileHandle;
  try {
    handle = await open(join(folder, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  const st = await handle.stat().catch(() => undefined);
  if (!st?.isFile()) {
    await handle.close();
    return undefined;
  }
  return { stream: handle.createReadStream(), bytes: st.size };
}

/**
 * Removes one archive the schedule wrote: 'removed', or 'missing' when no file of that name is there (removed by
 * hand); 'kept' when the name is not an archive's or the file is not a regular one (left alone).
 */
export async function removeArchiveFile(folder: string, name: string): Promise<'removed' | 'missing' | 'kept'> {
  if (!isArchiveName(name)) return 'kept';
  const path = join(folder, name);
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  if (!st.isFile()) return 'kept';
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  return 'removed';
}

/** What writeBackup leaves beside an archive while it writes: `<archive>.work-<pid>/` and `<archive>.partial-<pid>`. */
const WORK_NAME = /^(annalist-backup-[0-9]{8}-[0-9]{6}(?:-[0-9]{1,3})?\.tar\.gz)\.(work|partial)-([0-9]{1,10})$/;

/** Whether a process with this id runs on this host (one owned by another user counts). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid < 1) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the work folders and partial files of writers that died (kill -9, a power cut) in `folder`: only
 * those named as writeBackup names them, whose process is not alive on this host, a work folder as a real
 * folder and a partial file as a regular file (a symbolic link or anything else is left alone). Resolves to
 * the names removed.
 */
export async function removeStaleWorkFiles(
  folder: string,
  isAlive: (pid: number) => boolean = isProcessAlive,
): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const m = WORK_NAME.exec(entry.name);
    if (!m || isAlive(Number(m[3]))) continue;
    // withFileTypes does not follow links: a link is neither a folder nor a file here.
    if (m[2] === 'work' ? !entry.isDirectory() : !entry.isFile()) continue;
    await rm(join(folder, entry.name), { recursive: m[2] === 'work', force: true });
    removed.push(entry.name);
  }
  return removed;
}
