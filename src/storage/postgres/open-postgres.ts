import { randomUUID } from 'node:crypto';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { POSTGRES_CAPABILITIES } from '../capabilities.ts';
import { isDatabaseUnavailable } from '../database-unavailable.ts';
import { MIGRATION_NAMES, migrationProvider } from '../migrations/index.ts';
import type { DatabaseSchema } from '../schema.ts';
import { type Storage, StorageOpenError } from '../storage.ts';
import { connectionConfig, describeDatabaseUrl, unreachableError } from './connection.ts';
import { ContentNotices, type ProblemLog } from './content-notices.ts';
import { NulSafePlugin } from './nul-safe-plugin.ts';
import { TsvectorSearchIndex } from './tsvector-search.ts';

/** Held (session-level) around the whole Migrator run, so two nodes starting at once migrate one after the other. */
const MIGRATION_LOCK = 0x616e6e61; // "anna"
const OUR_TABLES = ['kysely_migration', 'posts', 'settings'];
/** How long another node's commit may go unannounced before this one drops everything: ANNALIST_STALE_MAX's default. */
const DEFAULT_MARKER_WAIT_MS = 1000;
/**
 * However low ANNALIST_STALE_MAX is set: a notice follows its commit by a round trip or two, and a shorter wait
 * would drop everything on ordinary writes of other nodes.
 */
const MIN_MARKER_WAIT_MS = 250;

const stderrLog: ProblemLog = (message, err) => {
  const detail = err instanceof Error ? `: ${err.message.split('\n')[0]}` : '';
  process.stderr.write(`annalist: ${message}${detail}\n`);
};

export interface PostgresOptions {
  /** false: only connect and check (e.g. `annalist check`); the default migrates to the latest schema. */
  migrate?: boolean;
  /** Connections in this process's pool (default 10). */
  poolSize?: number;
  /** Where faults during operation go (a lost listener connection, an idle connection dropped). */
  log?: ProblemLog;
  /**
   * How long a commit another node made may go unannounced (it died between its commit and its notice) before this
   * node drops every cached page (decision 049): ANNALIST_STALE_MAX, default 1 s, at least 250 ms.
   */
  staleMaxMs?: number;
}

/**
 * Opens the PostgreSQL database at `url` (postgres://user:password@host:port/database): checks that it can be
 * reached before anything else, migrates it (one node at a time), and listens for other nodes' writes and commits.
 */
export async function openPostgresStorage(url: string, opts: PostgresOptions = {}): Promise<Storage> {
  const log = opts.log ?? stderrLog;
  // Every connection of this process is named after it, so the commit markers say who wrote.
  const node = randomUUID();
  const config = connectionConfig(url, node);

  // First a plain connection: unreachable, wrong password and missing database are one line, and nothing else
  // (no pool, no listener) has been started that would need stopping.
  const probe = new pg.Client(config);
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.query('select 1');
  } catch (err) {
    await probe.end().catch(() => {});
    throw unreachableError(url, err);
  }

  try {
    if (opts.migrate !== false) await probe.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await checkIsOurs(probe, url);
  } catch (err) {
    await probe.end().catch(() => {});
    throw err instanceof StorageOpenError ? err : unreachableError(url, err);
  }

  const pool = new pg.Pool({ ...config, max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle connection that the server drops emits 'error' on the pool; unhandled, it would end the process.
  // The pool discards that connection and opens a new one when next needed.
  pool.on('error', (err) => log('an idle PostgreSQL connection was dropped', err));
  // U+0000 cannot be stored in PostgreSQL text: a NUL in a reader's input would be a 500, not a miss.
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }), plugins: [new NulSafePlugin()] });

  try {
    if (opts.migrate !== false) {
      // Kysely runs all pending migrations in one transaction on PostgreSQL (transactional DDL), under its own
      // advisory lock; ours also covers its creation of the kysely_migration tables, which races otherwise.
      const migrator = new Migrator({ db, provider: migrationProvider(POSTGRES_CAPABILITIES) });
      const { error } = await migrator.migrateToLatest();
      if (error) {
        if (isDatabaseUnavailable(error)) throw unreachableError(url, error);
        throw new StorageOpenError(
          'DATABASE_UNREADABLE',
          `PostgreSQL at ${describeDatabaseUrl(url)}: migration failed, nothing was changed (${(error as Error).message.split('\n')[0]})`,
          { cause: error },
        );
      }
    }
  } catch (err) {
    await db.destroy().catch(() => {});
    await probe.end().catch(() => {});
    throw err;
  }
  await probe.end().catch(() => {}); // ends the session, which releases the advisory lock

  const notices = new ContentNotices(config, { node, markerWaitMs: markerWait(opts.staleMaxMs), log });
  try {
    await notices.start();
  } catch (err) {
    await db.destroy().catch(() => {});
    throw unreachableError(url, err);
  }

  return {
    db,
    capabilities: POSTGRES_CAPABILITIES,
    search: new TsvectorSearchIndex(db),
    contentVersion: () => notices.version(),
    noteWrite: (change) => notices.noteWrite(change),
    remoteChanges: () => notices.remoteChanges(),
    close: async () => {
      await notices.close();
      await db.destroy();
    },
  };
}

/** How long another node's commit marker waits for its notice (PostgresOptions.staleMaxMs). */
function markerWait(staleMaxMs: number | undefined): number {
  return Math.max(staleMaxMs ?? DEFAULT_MARKER_WAIT_MS, MIN_MARKER_WAIT_MS);
}

/** Refuses a database that holds someone else's tables, or a schema written by a newer Annalist. */
async function checkIsOurs(client: pg.Client, url: string): Promise<void> {
  const where = `PostgreSQL at ${describeDatabaseUrl(url)}`;
  const { rows } = await client.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'",
  );
  const tables = new Set(rows.map((r) => r.name));
  if (tables.size > 0 && !OUR_TABLES.some((t) => tables.has(t))) {
    throw new StorageOpenError(
      'DATABASE_FOREIGN',
      `${where} holds tables that are not Annalist's (${[...tables].slice(0, 3).join(', ')}…); give Annalist a database of its own, nothing was changed`,
    );
  }
  if (!tables.has('kysely_migration')) return;
  const applied = await client.query<{ name: string }>('select name from kysely_migration');
  const unknown = applied.rows.map((r) => r.name).filter((n) => !MIGRATION_NAMES.includes(n));
  if (unknown.length > 0) {
    throw new StorageOpenError(
      'DATABASE_TOO_NEW',
      `${where} was written by a newer Annalist (unknown migration ${unknown[0]}); upgrade Annalist, nothing was changed`,
    );
  }
}

/** For `annalist check`: how many of Annalist's migrations the database has (after openPostgresStorage). */
export async function appliedMigrations(storage: Storage): Promise<number> {
  const table = await sql<{ present: boolean }>`select to_regclass('kysely_migration') is not null as present`.execute(
    storage.db,
  );
  if (!table.rows[0]?.present) return 0;
  const { rows } = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(storage.db);
  return rows[0]?.n ?? 0;
}
