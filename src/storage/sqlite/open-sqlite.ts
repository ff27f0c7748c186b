import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator } from 'kysely';
import { SQLITE_CAPABILITIES } from '../capabilities.ts';
import { MIGRATION_NAMES, migrationProvider } from '../migrations/index.ts';
import type { DatabaseSchema } from '../schema.ts';
import { type Storage, StorageOpenError } from '../storage.ts';
import { SqliteChangeLog } from './change-log.ts';
import { Fts5SearchIndex } from './fts5-search.ts';
import { ImmediateSqliteDialect } from './immediate-dialect.ts';
import { withStatementCache } from './statement-cache.ts';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const OUR_TABLES = ['kysely_migration', 'posts', 'settings'];

/** Databases up to this size are checked in full (`pragma quick_check`) at every start. */
const QUICK_CHECK_UP_TO = 512 * 1024 * 1024;

/**
 * Checks an existing database file without changing it: header, integrity, and that it is ours. Throws a
 * StorageOpenError with a one-line message naming the file; a missing or empty file passes (it will be created).
 */
export function inspectSqliteFile(file: string, opts: { full?: boolean } = {}): void {
  if (!existsSync(file) || statSync(file).size === 0) return;
  const header = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (!header.equals(SQLITE_HEADER)) {
    throw new StorageOpenError(
      'DATABASE_NOT_SQLITE',
      `${file} is not an SQLite database (its first bytes are not "SQLite format 3"); refusing to start, nothing was changed`,
    );
  }
  let probe: SQLite.Database | undefined;
  try {
    probe = new SQLite(file, { readonly: true, fileMustExist: true });
    // A full pass over the file: a second or so per 500 MB. Past QUICK_CHECK_UP_TO a start reads only the schema
    // and the migrations (damage found later answers 500s, never a changed file); `annalist check` runs the
    // full check on any size.
    if (opts.full || statSync(file).size <= QUICK_CHECK_UP_TO) {
      const check = probe.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(String(check));
    }
    const tables = new Set(
      (probe.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    if (tables.size > 0 && !OUR_TABLES.every((t) => tables.has(t))) {
      throw new StorageOpenError(
        'DATABASE_FOREIGN',
        `${file} is an SQLite database but not an Annalist one (no Annalist tables in it); refusing to start, nothing was changed`,
      );
    }
    if (tables.has('kysely_migration')) {
      const applied = (probe.prepare('select name from kysely_migration').all() as { name: string }[]).map(
        (r) => r.name,
      );
      const unknown = applied.filter((n) => !MIGRATION_NAMES.includes(n));
      if (unknown.length > 0) {
        throw new StorageOpenError(
          'DATABASE_TOO_NEW',
          `${file} was written by a newer Annalist (unknown migration ${unknown[0]}); upgrade Annalist, nothing was changed`,
        );
      }
    }
  } catch (err) {
    if (err instanceof StorageOpenError) throw err;
    throw new StorageOpenError(
      'DATABASE_CORRUPT',
      `${file} is damaged and cannot be read as an SQLite database (${(err as Error).message}); refusing to start, nothing was changed`,
      { cause: err },
    );
  } finally {
    probe?.close();
  }
}

/** Opens (creating if needed) the SQLite database at `file`, after checking it, and migrates it to the latest schema. */
export async function openSqliteStorage(file: string, options: { readonly?: boolean } = {}): Promise<Storage> {
  inspectSqliteFile(file);
  let raw: SQLite.Database;
  try {
    raw = new SQLite(file, { readonly: options.readonly ?? false });
  } catch (err) {
    throw new StorageOpenError('DATABASE_UNREADABLE', `${file} cannot be opened (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (!options.readonly) {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
  }
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const db = new Kysely<DatabaseSchema>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }) });

  if (!options.readonly) {
    const migrator = new Migrator({ db, provider: migrationProvider(SQLITE_CAPABILITIES) });
    const { error } = await migrator.migrateToLatest();
    if (error) {
      await db.destroy();
      throw new StorageOpenError('DATABASE_UNREADABLE', `${file}: migration failed (${(error as Error).message})`, {
        cause: error,
      });
    }
  }

  // PRAGMA data_version changes when another connection (another process) commits; local writes bump `local`.
  // Reading it takes a read transaction (file locks: several system calls), and every page view asks, cached
  // ones too: the answer is kept until the event loop's current turn ends. Requests handled in one turn arrived
  // before it began, so a write another process acknowledged before such a request was sent is still seen.
  const dataVersion = raw.prepare('pragma data_version').pluck();
  // A read-only opening (the static copy) writes nothing and serves no other process.
  const changeLog = options.readonly ? undefined : new SqliteChangeLog(raw);
  let local = 0;
  let seen: string | undefined;
  const forget = () => {
    seen = undefined;
  };
  return {
    db,
    capabilities: SQLITE_CAPABILITIES,
    search: new Fts5SearchIndex(db),
    contentVersion: () => {
      if (seen === undefined) {
        seen = `${dataVersion.get() as number}.${local}`;
        setImmediate(forget);
      }
      return seen;
    },
    noteWrite: (change) => {
      local++;
      seen = undefined;
      changeLog?.record(change);
    },
    remoteChanges: () => changeLog?.take() ?? [],
    close: () => db.destroy(),
    prepareForBulkWrites: () => {
      raw.pragma('cache_size = -40960');
    },
  };
}
