import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { SQLITE_CAPABILITIES } from '../capabilities.ts';
import { MIGRATION_NAMES, migrationProvider } from '../migrations/index.ts';
import type { DatabaseSchema, Db } from '../schema.ts';
import type { SearchIndex } from '../search-index.ts';
import { Fts5SearchIndex } from '../sqlite/fts5-search.ts';
import type { Storage } from '../storage.ts';
import { type Row, resetIdentitySequences, selfReferencingColumns, TableWriter } from '../table-copy.ts';
import { TABLES_IN_DEPENDENCY_ORDER, type TableName } from '../tables.ts';
import {
  BackupError,
  MANIFEST_NAME,
  type Manifest,
  MEDIA_PREFIX,
  rowAllowed,
  rowRefused,
  SEARCH_MEMBER,
} from './backup-format.ts';
import { archiveEntries, memberRows } from './read-backup.ts';
import { countTableRows, presentTables, readSearchDocuments, readTable } from './snapshot.ts';
import type { TarEntry } from './tar.ts';

export interface SiteState {
  empty: boolean;
  posts: number;
  users: number;
  mediaFiles: number;
}

/** Whether a site is there: any row in any table, or any file in the media folder. */
export async function siteState(db: Db, mediaDir: string): Promise<SiteState> {
  let rows = 0;
  for (const table of TABLES_IN_DEPENDENCY_ORDER) {
    const { rows: found } = await sql`select 1 as one from ${sql.table(table)} limit 1`.execute(db);
    rows += found.length;
  }
  const mediaFiles = existsSync(mediaDir) ? readdirSync(mediaDir).length : 0;
  return {
    empty: rows === 0 && mediaFiles === 0,
    posts: await countTableRows(db, 'posts'),
    users: await countTableRows(db, 'users'),
    mediaFiles,
  };
}

export interface RestoreInput {
  /** The archive, already checked by verifyBackup (which returned `manifest`). */
  file: string;
  manifest: Manifest;
  target: Storage;
  mediaDir: string;
  /** Empty a target that holds a site, in the same transaction (the caller has backed it up). */
  replace: boolean;
  /** Rows and files restored so far, of the manifest's total. */
  progress?(done: number, total: number): void;
}

export interface RestoreResult {
  /** Rows per table as restored (after migrations, when the backup was older). */
  rows: Record<string, number>;
  mediaFiles: number;
  /** The backup's schema was older: its rows were brought up to date by this Annalist's migrations. */
  migrated: boolean;
}

/**
 * Restores a checked archive into `target` in one transaction: every table with its ids (in foreign-key
 * order), the search index rebuilt through the target's own SearchIndex, PostgreSQL's identity sequences moved
 * past the ids, the counts compared with the manifest. Anything that fails rolls all of it back. The media
 * files are written aside and take the media folder's place only after the commit.
 */
/** Counts a restore's progress in rows and media files, out of what the manifest holds, for the progress bar. */
export function progressCounter(
  manifest: Manifest,
  progress: ((done: number, total: number) => void) | undefined,
): (n: number) => void {
  const total = manifest.members.reduce((n, m) => n + (m.table ? (m.rows ?? 0) : 1), 0);
  let done = 0;
  return (n) => {
    done += n;
    progress?.(done, total);
  };
}

export async function restoreBackup(input: RestoreInput): Promise<RestoreResult> {
  const { manifest, target } = input;
  const staging = `${input.mediaDir}.restoring-${process.pid}`;
  const advance = progressCounter(manifest, input.progress);
  const migrated = manifest.schemaVersion !== MIGRATION_NAMES.at(-1);
  const scratch = migrated ? await upgradeInScratch(input.file, manifest) : undefined;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const journal = await enterBulkLoad(target);
  try {
    const rows = await target.db.transaction().execute(async (trx) => {
      const selfRefs = await selfReferencingColumns(trx, target.capabilities);
      if (input.replace) await emptySite(trx, selfRefs);
      const load: Load = {
        trx,
        search: target.search,
        selfRefs,
        advance,
        includesAccounts: manifest.includesAccounts,
        rebuildIndexes: target.capabilities.bulkLoad === 'rollback-journal',
      };
      let mediaFiles = 0;
      if (scratch) await loadFromDatabase(load, scratch.db);
      const members = new Map(manifest.members.map((m) => [m.name, m]));
      for await (const entry of archiveEntries(input.file)) {
        if (entry.name === MANIFEST_NAME) continue;
        const member = members.get(entry.name);
        // The archive was checked in full; a member that is not what was checked means it changed since.
        if (!member || member.bytes !== entry.size)
          throw new BackupError(
            'BACKUP_DAMAGED',
            `${input.file} changed while it was being restored (${entry.name}); nothing was restored`,
          );
        if (member.table && !scratch) await loadMember(load, member.table as TableName, entry);
        else if (entry.name === SEARCH_MEMBER && !scratch) await loadSearch(load, memberRows(entry));
        else if (entry.name.startsWith(MEDIA_PREFIX)) {
          await writeMediaFile(staging, entry.name.slice(MEDIA_PREFIX.length), entry.body());
          mediaFiles++;
          advance(1);
        }
      }
      await resetIdentitySequences(trx, target.capabilities);
      const counts = await checkCounts(trx, scratch ? await scratchCounts(scratch.db) : manifestCounts(manifest));
      return { counts, mediaFiles };
    });
    await journal.leave();
    swapMediaFolder(staging, input.mediaDir);
    return { rows: rows.counts, mediaFiles: rows.mediaFiles, migrated };
  } catch (err) {
    await journal.leave().catch(() => {});
    rmSync(staging, { recursive: true, force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      'RESTORE_FAILED',
      `restoring ${input.file} failed (${(err as Error).message}); nothing was restored`,
      {
        cause: err,
      },
    );
  } finally {
    await scratch?.close();
  }
}

/**
 * SQLite: a rollback journal (and a larger page cache) for the restore's one transaction, when no other
 * connection has the file open; WAL again after it. The transaction stays one: the journal holds the pages that
 * existed before it, so a failure rolls back, and the commit syncs the file before it returns.
 */
async function enterBulkLoad(target: Storage): Promise<{ leave(): Promise<void> }> {
  if (target.capabilities.bulkLoad !== 'rollback-journal') return { leave: async () => {} };
  const pragma = async (name: string, value?: string) => {
    const set = value === undefined ? sql`` : sql` = ${sql.raw(value)}`;
    const { rows } = await sql<Record<string, unknown>>`pragma ${sql.raw(name)}${set}`.execute(target.db);
    return String(Object.values(rows[0] ?? {})[0]);
  };
  const journal = await pragma('journal_mode');
  const cache = await pragma('cache_size');
  // Refused (the answer stays "wal") while another connection has the file open: then it stays as it is.
  await pragma('journal_mode', 'delete');
  await pragma('cache_size', '-131072');
  return {
    async leave() {
      await pragma('cache_size', cache);
      await pragma('journal_mode', journal);
    },
  };
}

interface Load {
  trx: Db;
  /** SQLite: drop a table's indexes before its rows go in and build them after. */
  rebuildIndexes?: boolean;
  search: SearchIndex;
  selfRefs: Map<string, string[]>;
  advance(n: number): void;
  /** From the manifest: whether password hashes and second factors may be in the users rows. */
  includesAccounts: boolean;
}

/**
 * With --force: the target's rows go, children first, in the restore's own transaction. Self-references are
 * cut first: categories.parent_id is ON DELETE RESTRICT, checked row by row.
 */
async function emptySite(trx: Db, selfRefs: Map<string, string[]>): Promise<void> {
  for (const [table, columns] of selfRefs)
    for (const column of columns) await sql`update ${sql.table(table)} set ${sql.ref(column)} = null`.execute(trx);
  for (const table of [...TABLES_IN_DEPENDENCY_ORDER].reverse())
    await sql`delete from ${sql.table(table)}`.execute(trx);
  await sql`delete from search_posts`.execute(trx);
}

/**
 * One tables/ member into its table. SQLite: the table's indexes are dropped first and built again once its
 * rows are in, in the same transaction.
 */
async function loadMember(load: Load, table: TableName, entry: TarEntry): Promise<void> {
  const indexes = load.rebuildIndexes ? await dropIndexes(load.trx, table) : [];
  await loadTable(load, table, memberRows(entry, 2000));
  for (const index of indexes) await load.trx.executeQuery(CompiledQuery.raw(index));
}

/**
 * Drops a table's own indexes (SQLite, inside the restore's transaction: a rollback brings them back) and
 * returns the statements that make them again. Indexes behind a constraint (no SQL of their own) stay.
 */
async function dropIndexes(trx: Db, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
    where type = 'index' and tbl_name = ${table} and sql is not null`.execute(trx);
  for (const index of rows) await sql`drop index ${sql.id(index.name)}`.execute(trx);
  return rows.map((r) => r.sql);
}

async function loadTable(load: Load, table: TableName, batches: AsyncIterable<Row[]>): Promise<void> {
  const writer = new TableWriter(load.trx, table, load.selfRefs.get(table) ?? []);
  for await (const rows of batches) {
    if (rows.some((row) => !rowAllowed(table, row, load.includesAccounts))) throw rowRefused(table);
    await writer.add(rows);
    load.advance(rows.length);
  }
  await writer.finish();
}

async function loadSearch(load: Load, batches: AsyncIterable<Row[]>): Promise<void> {
  for await (const docs of batches) {
    for (const d of docs) {
      await load.search.upsert(
        { postId: Number(d.post_id), title: String(d.title), standfirst: String(d.standfirst), body: String(d.body) },
        load.trx,
      );
    }
  }
}

/** Every table (and the search documents) from an upgraded scratch database. */
async function loadFromDatabase(load: Load, db: Db): Promise<void> {
  for (const table of await presentTables(db)) await loadTable(load, table, readTable(db, SQLITE_CAPABILITIES, table));
  await loadSearch(load, readSearchDocuments(db, SQLITE_CAPABILITIES));
}

/** Every table has as many rows as it should; otherwise the transaction is rolled back. */
async function checkCounts(trx: Db, want: Record<string, number>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table, rows] of Object.entries(want)) {
    counts[table] = await countTableRows(trx, table);
    if (counts[table] !== rows)
      throw new BackupError(
        'RESTORE_FAILED',
        `${table} has ${counts[table]} rows after the restore, the backup ${rows}; nothing was restored`,
      );
  }
  return counts;
}

function manifestCounts(manifest: Manifest): Record<string, number> {
  return Object.fromEntries(manifest.members.flatMap((m) => (m.table ? [[m.table, m.rows ?? 0]] : [])));
}

async function scratchCounts(db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await presentTables(db)) counts[table] = await countTableRows(db, table);
  return counts;
}

/** A media member's path inside the media folder; a name that would leave it is refused. */
function mediaPath(staging: string, name: string): string {
  const clean = normalize(name);
  if (clean.startsWith('..') || clean.startsWith(sep) || clean.split(sep).includes('..') || clean === '.')
    throw new BackupError(
      'BACKUP_DAMAGED',
      `media/${name} would be written outside the media folder; nothing was restored`,
    );
  return join(staging, clean);
}

export async function writeMediaFile(staging: string, name: string, body: AsyncIterable<Buffer>): Promise<void> {
  const path = mediaPath(staging, name);
  mkdirSync(dirname(path), { recursive: true });
  const file = await open(path, 'wx');
  try {
    for await (const chunk of body) await file.writeFile(chunk);
  } finally {
    await file.close();
  }
}

/** The restored files take the media folder's place; what was there (with --force) is removed after. */
export function swapMediaFolder(staging: string, mediaDir: string): void {
  const old = `${mediaDir}.before-restore-${process.pid}`;
  if (existsSync(mediaDir)) renameSync(mediaDir, old);
  renameSync(staging, mediaDir);
  rmSync(old, { recursive: true, force: true });
}

/**
 * A backup from an older Annalist: its rows fit an older schema. They are loaded into a scratch SQLite file
 * migrated only that far, and this Annalist's later migrations bring them up to date there, exactly as they
 * would a site being upgraded; the target is then filled from the scratch file.
 */
async function upgradeInScratch(file: string, manifest: Manifest): Promise<{ db: Db; close(): Promise<void> }> {
  const path = join(tmpdir(), `annalist-restore-${process.pid}.db`);
  rmSync(path, { force: true });
  const raw = new SQLite(path);
  raw.pragma('journal_mode = OFF');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: raw }) });
  const close = async () => {
    await db.destroy();
    rmSync(path, { force: true });
  };
  try {
    const migrator = new Migrator({ db, provider: migrationProvider(SQLITE_CAPABILITIES) });
    await migrationOk(migrator.migrateTo(manifest.schemaVersion));
    await db.transaction().execute(async (trx) => {
      const load: Load = {
        trx,
        search: new Fts5SearchIndex(trx),
        selfRefs: await selfReferencingColumns(trx, SQLITE_CAPABILITIES),
        advance: () => {},
        includesAccounts: manifest.includesAccounts,
      };
      const members = new Map(manifest.members.map((m) => [m.name, m]));
      for await (const entry of archiveEntries(file)) {
        const member = members.get(entry.name);
        if (member?.table) await loadTable(load, member.table as TableName, memberRows(entry));
        else if (entry.name === SEARCH_MEMBER) await loadSearch(load, memberRows(entry));
      }
    });
    await migrationOk(migrator.migrateToLatest());
    return { db, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function migrationOk(run: Promise<{ error?: unknown }>): Promise<void> {
  const { error } = await run;
  if (error)
    throw new BackupError(
      'RESTORE_FAILED',
      `bringing the backup up to this Annalist's schema failed (${(error as Error).message}); nothing was restored`,
      { cause: error },
    );
}
