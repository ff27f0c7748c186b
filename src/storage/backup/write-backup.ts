import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import type { Capabilities } from '../capabilities.ts';
import type { Db } from '../schema.ts';
import type { Storage } from '../storage.ts';
import type { Row } from '../table-copy.ts';
import type { TableName } from '../tables.ts';
import {
  ARCHIVE_TABLE_ORDER,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupError,
  encodeRow,
  leftOutList,
  MANIFEST_NAME,
  type Manifest,
  type ManifestMember,
  MEDIA_PREFIX,
  SEARCH_MEMBER,
  scrubRow,
  TABLES_LEFT_OUT,
  tableMember,
} from './backup-format.ts';
import { type PhaseTime, PhaseTimes } from './phase-times.ts';
import {
  appliedMigrationNames,
  countTableRows,
  type LineBatch,
  presentTables,
  readSearchDocuments,
  readTable,
  readTableLines,
  tableColumns,
  withSnapshot,
} from './snapshot.ts';
import { TAR_END, tarHeader, tarPadding } from './tar.ts';

export interface BackupProgress {
  /** Rows and media files to write, once counted inside the snapshot. */
  started?(total: number): void;
  advanced?(done: number): void;
  /** A step (or one table of it) ended: its name and the seconds it took (LOG_LEVEL=debug prints them). */
  timed?(step: string, seconds: number): void;
}

export interface WriteBackupInput {
  source: Storage;
  /** The data folder's media/ folder (may not exist). */
  mediaDir: string;
  /** The archive to write; it must not exist yet. */
  out: string;
  includeAccounts: boolean;
  annalistVersion: string;
  now?: Date;
  progress?: BackupProgress;
}

export interface WriteBackupResult {
  manifest: Manifest;
  bytes: number;
  /** Seconds per step: tables (read in the snapshot and compressed), media, pack, sync. */
  phases: PhaseTime[];
}

/**
 * gzip level 1: several times faster than the default 6 on a site's JSON lines, for an archive about a third
 * larger (decision 025, "Speed").
 */
export const GZIP_LEVEL = 1;
const gzipOptions = { level: GZIP_LEVEL };
/** Batches being compressed at once (on libuv's threads) while the main thread reads the next. */
const GZIP_IN_FLIGHT = 3;
const gzipAsync = promisify(gzip);

/**
 * A member (a table, the search index, a media file) written out to the work folder before it goes into the
 * archive: already compressed (a gzip member of its own), with the size and checksum of its uncompressed bytes.
 */
interface Dumped extends ManifestMember {
  path: string;
  /** Bytes of the compressed work file. */
  compressed: number;
}

/**
 * Writes one archive of the whole site as it was at one moment (see backup-format.ts). The tables are read
 * in one snapshot into a work folder beside `out`, compressed as they are read (zlib works on another thread
 * while the next rows are read), and the media files after them; every member's size and checksum is then
 * known, so the manifest goes first and the members are copied after it into `out`.partial, which is synced
 * and renamed to `out` only when complete. The archive is a series of gzip members (the manifest, a header, a
 * member's data, its padding…), which every gzip reader reads as one stream. Any failure (a full disk, a lost
 * connection) removes the partial file and the work folder and throws BACKUP_FAILED.
 */
export async function writeBackup(input: WriteBackupInput): Promise<WriteBackupResult> {
  if (existsSync(input.out))
    throw new BackupError('BACKUP_FAILED', `${input.out} already exists; choose another --out or move it away`);
  if (!existsSync(dirname(input.out)))
    throw new BackupError('BACKUP_FAILED', `${dirname(input.out)} does not exist; create the folder first`);
  const work = `${input.out}.work-${process.pid}`;
  const partial = `${input.out}.partial-${process.pid}`;
  try {
    mkdirSync(work);
    let done = 0;
    const advance = (n: number) => {
      done += n;
      input.progress?.advanced?.(done);
    };
    const phases = new PhaseTimes(input.progress?.timed);
    const media = mediaFiles(input.mediaDir);
    const dumped: Dumped[] = [];
    const workFile = () => join(work, `${dumped.length}.gz`);
    const snapshot = await phases.time('tables', () =>
      withSnapshot(input.source, async (db) => {
        const present = new Set(await presentTables(db));
        const tables = ARCHIVE_TABLE_ORDER.filter((t) => present.has(t) && !(t in TABLES_LEFT_OUT));
        let total = media.length;
        for (const t of tables) total += await countTableRows(db, t);
        input.progress?.started?.(total);
        const migrations = await appliedMigrationNames(db);
        for (const table of tables) {
          const start = performance.now();
          const lines = await tableAsLines(db, input.source.capabilities, table, input.includeAccounts);
          dumped.push(await dump(workFile(), tableMember(table), table, lines, advance));
          phases.detail(tableMember(table), (performance.now() - start) / 1000);
        }
        const search = encodeBatches(readSearchDocuments(db, input.source.capabilities));
        dumped.push(await dump(workFile(), SEARCH_MEMBER, undefined, search));
        return { migrations };
      }),
    );
    await phases.time('media', async () => {
      for (const file of media) {
        dumped.push(
          await dump(workFile(), `${MEDIA_PREFIX}${file}`, undefined, fileChunks(join(input.mediaDir, file))),
        );
        advance(1);
      }
    });
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      annalistVersion: input.annalistVersion,
      schemaVersion: snapshot.migrations.at(-1) ?? '',
      migrations: snapshot.migrations,
      createdAt: (input.now ?? new Date()).toISOString(),
      database: input.source.capabilities.fullText === 'fts5' ? 'sqlite' : 'postgresql',
      includesAccounts: input.includeAccounts,
      leftOut: leftOutList(input.includeAccounts),
      members: [],
    };
    const ordered = archiveOrder(dumped);
    manifest.members = ordered.map(({ path: _path, compressed: _compressed, ...listed }) => listed);
    const mtime = input.now ?? new Date();
    await phases.time('pack', () =>
      pipeline(archiveBlocks(ordered, manifest, mtime), createWriteStream(partial, { flags: 'wx' })),
    );
    // On disk before it takes its name: a crash never leaves a short file called `out`.
    await phases.time('sync', async () => {
      const handle = await open(partial, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    await rename(partial, input.out);
    return { manifest, bytes: statSync(input.out).size, phases: phases.list() };
  } catch (err) {
    rmSync(partial, { force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      'BACKUP_FAILED',
      `writing ${input.out} failed (${(err as Error).message}); nothing was kept`,
      {
        cause: err,
      },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A table's rows as JSON lines: built by the database itself where it can (SQLite, no column of bytes, no
 * secret to scrub: every large table), otherwise row by row in JavaScript through scrubRow and encodeRow.
 */
async function tableAsLines(
  db: Db,
  caps: Capabilities,
  table: TableName,
  includeAccounts: boolean,
): Promise<AsyncIterable<LineBatch>> {
  if (caps.jsonLines === 'in-database' && !SCRUBBED_TABLES.has(table)) {
    const { columns, bytes } = await tableColumns(db, table);
    if (!bytes) return readTableLines(db, table, columns);
  }
  return encodeBatches(readTable(db, caps, table), (row) => scrubRow(table, row, includeAccounts));
}

/** Tables whose rows scrubRow may change or drop. */
const SCRUBBED_TABLES = new Set<TableName>(['users', 'settings']);

/** Rows as JSON lines, each row first through `keep` (undefined: not written). */
async function* encodeBatches(
  batches: AsyncIterable<Row[]>,
  keep: (row: Row) => Row | undefined = (row) => row,
): AsyncGenerator<LineBatch> {
  for await (const batch of batches) {
    const lines: string[] = [];
    for (const row of batch) {
      const kept = keep(row);
      if (kept) lines.push(encodeRow(kept));
    }
    // rows counts what was read (the progress bar's total); `text` holds only what is kept.
    yield { rows: batch.length, text: lines.length ? Buffer.from(`${lines.join('\n')}\n`) : Buffer.alloc(0) };
  }
}

/**
 * Members in the order they go into the archive: the tables (ARCHIVE_TABLE_ORDER), with the search index's
 * documents just before the last one, post_bodies, then the media files. A restore into a new SQLite file
 * (restore-new-file.ts) loads comments on two threads first, so that their indexes are started early; one
 * thread then indexes the documents while the other copies and indexes comments.
 */
function archiveOrder(dumped: Dumped[]): Dumped[] {
  const search = dumped.filter((m) => m.name === SEARCH_MEMBER);
  const rest = dumped.filter((m) => m.name !== SEARCH_MEMBER);
  const last = rest.findIndex((m) => m.name === tableMember('post_bodies'));
  const at = last === -1 ? rest.filter((m) => m.table).length : last;
  return [...rest.slice(0, at), ...search, ...rest.slice(at)];
}

/** A file's bytes as they are read, as batches of no rows (a media member has no lines to count). */
async function* fileChunks(path: string): AsyncGenerator<LineBatch> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    yield { rows: 0, text: chunk as Buffer };
}

/**
 * Writes a member's bytes to the compressed work file `path`, hashing them (and counting the lines of a tables/
 * or search/ member) on the way. Each batch is compressed as a gzip member of its own by one call to zlib,
 * which runs whole on libuv's threads, several batches at once: the main thread reads the next batches
 * meanwhile. (A zlib stream would stop after every output buffer until the main thread, busy in SQLite, came
 * back to it.) A series of gzip members is one gzip stream to every reader.
 */
async function dump(
  path: string,
  name: string,
  table: string | undefined,
  batches: AsyncIterable<LineBatch>,
  read: (rows: number) => void = () => {},
): Promise<Dumped> {
  const lines = !name.startsWith(MEDIA_PREFIX);
  const file = await open(path, 'wx');
  const compressing: Promise<Buffer>[] = [];
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  let compressed = 0;
  const writeNext = async () => {
    const out = await compressing.shift()!;
    await file.writeFile(out);
    compressed += out.length;
  };
  try {
    for await (const { rows: n, text } of batches) {
      read(n);
      if (text.length === 0) continue;
      hash.update(text);
      if (lines) rows += lineCount(text);
      bytes += text.length;
      const gzipped = gzipAsync(text, gzipOptions);
      gzipped.catch(() => {}); // awaited in turn below; a failure is not "unhandled" meanwhile
      compressing.push(gzipped);
      if (compressing.length >= GZIP_IN_FLIGHT) await writeNext();
    }
    while (compressing.length > 0) await writeNext();
  } finally {
    await file.close();
  }
  const sha256 = hash.digest('hex');
  return { path, name, bytes, compressed, sha256, ...(lines ? { rows } : {}), ...(table ? { table } : {}) };
}

function lineCount(text: Buffer): number {
  let n = 0;
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) n++;
  return n;
}

/** The files under the media folder, as paths relative to it with forward slashes, sorted. */
function mediaFiles(mediaDir: string): string[] {
  if (!existsSync(mediaDir)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push(relative(mediaDir, path).split(sep).join('/'));
    }
  };
  walk(mediaDir);
  return found.sort();
}

/**
 * The archive as a stream of gzip members: the manifest first (a restore reads it before anything else), then
 * each dumped member's header, its compressed bytes as they are in the work folder, and its padding; then the
 * end of the tar archive.
 */
async function* archiveBlocks(dumped: Dumped[], manifest: Manifest, mtime: Date): AsyncGenerator<Buffer> {
  const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  yield gzipSync(
    Buffer.concat([tarHeader(MANIFEST_NAME, text.length, mtime), text, tarPadding(text.length)]),
    gzipOptions,
  );
  for (const member of dumped) {
    yield gzipSync(tarHeader(member.name, member.bytes, mtime), gzipOptions);
    let streamed = 0;
    for await (const chunk of createReadStream(member.path)) {
      streamed += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (streamed !== member.compressed) throw new Error(`${member.name} changed while it was being archived`);
    yield gzipSync(tarPadding(member.bytes), gzipOptions);
  }
  yield gzipSync(TAR_END, gzipOptions);
}
