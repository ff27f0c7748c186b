import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Storage } from '../storage.ts';
import type { Row } from '../table-copy.ts';
import {
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
import {
  appliedMigrationNames,
  countTableRows,
  presentTables,
  readSearchDocuments,
  readTable,
  withSnapshot,
} from './snapshot.ts';
import { TAR_END, tarHeader, tarPadding } from './tar.ts';

export interface BackupProgress {
  /** Rows and media files to write, once counted inside the snapshot. */
  started?(total: number): void;
  advanced?(done: number): void;
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
}

/** A table, or the search index, written out to the work folder before it goes into the archive. */
interface Dumped extends ManifestMember {
  path: string;
}

/**
 * Writes one archive of the whole site as it was at one moment (see backup-format.ts). The tables are read
 * in one snapshot into a work folder beside `out`, then packed with the media files and the manifest into
 * `out`.partial, which is synced and renamed to `out` only when complete. Any failure (a full disk, a lost
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
    const media = mediaFiles(input.mediaDir);
    const snapshot = await withSnapshot(input.source, async (db) => {
      const tables = (await presentTables(db)).filter((t) => !(t in TABLES_LEFT_OUT));
      let total = media.length;
      for (const t of tables) total += await countTableRows(db, t);
      input.progress?.started?.(total);
      const migrations = await appliedMigrationNames(db);
      const dumped: Dumped[] = [];
      for (const table of tables) {
        dumped.push(
          await dump(work, tableMember(table), table, readTable(db, input.source.capabilities, table), (rows) => {
            advance(rows.length);
            const kept: Row[] = [];
            for (const row of rows) {
              const scrubbed = scrubRow(table, row, input.includeAccounts);
              if (scrubbed) kept.push(scrubbed);
            }
            return kept;
          }),
        );
      }
      dumped.push(await dump(work, SEARCH_MEMBER, undefined, readSearchDocuments(db, input.source.capabilities)));
      return { migrations, dumped };
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
    const mtime = input.now ?? new Date();
    await pipeline(
      archiveBlocks(snapshot.dumped, media, input.mediaDir, manifest, mtime, advance),
      createGzip({ level: 6 }),
      createWriteStream(partial, { flags: 'wx' }),
    );
    // On disk before it takes its name: a crash never leaves a short file called `out`.
    const handle = await open(partial, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, input.out);
    return { manifest, bytes: statSync(input.out).size };
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

/** Writes the rows as JSON lines to a work file, hashing and counting them on the way. */
async function dump(
  work: string,
  name: string,
  table: string | undefined,
  batches: AsyncIterable<Record<string, unknown>[]>,
  keep: (rows: Record<string, unknown>[]) => Record<string, unknown>[] = (rows) => rows,
): Promise<Dumped> {
  const path = join(work, name.replaceAll('/', '__'));
  const file = await open(path, 'wx');
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  try {
    for await (const batch of batches) {
      const kept = keep(batch);
      if (kept.length === 0) continue;
      const text = Buffer.from(`${kept.map(encodeRow).join('\n')}\n`);
      hash.update(text);
      await file.writeFile(text);
      rows += kept.length;
      bytes += text.length;
    }
  } finally {
    await file.close();
  }
  return { path, name, bytes, sha256: hash.digest('hex'), rows, ...(table ? { table } : {}) };
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

/** The archive as a stream of blocks: the dumped tables, the media files, then the manifest that lists them. */
async function* archiveBlocks(
  dumped: Dumped[],
  media: string[],
  mediaDir: string,
  manifest: Manifest,
  mtime: Date,
  advance: (n: number) => void,
): AsyncGenerator<Buffer> {
  for (const member of dumped) {
    yield tarHeader(member.name, member.bytes, mtime);
    let streamed = 0;
    for await (const chunk of createReadStream(member.path)) {
      streamed += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (streamed !== member.bytes) throw new Error(`${member.name} changed while it was being archived`);
    yield tarPadding(member.bytes);
    const { path: _path, ...listed } = member;
    manifest.members.push(listed);
  }
  for (const file of media) {
    // Uploads are at most 15 MB: read whole, so the size in the header and the bytes hashed are the same bytes.
    const bytes = await readFile(join(mediaDir, file));
    const name = `${MEDIA_PREFIX}${file}`;
    yield tarHeader(name, bytes.length, mtime);
    yield bytes;
    yield tarPadding(bytes.length);
    manifest.members.push({ name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    advance(1);
  }
  const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  yield tarHeader(MANIFEST_NAME, text.length, mtime);
  yield text;
  yield tarPadding(text.length);
  yield TAR_END;
}
