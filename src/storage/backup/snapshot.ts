import { sql } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import type { Db } from '../schema.ts';
import { MAX_BATCH_BYTES, type Row, rowBytes } from '../table-copy.ts';
import { TABLES_IN_DEPENDENCY_ORDER, type TableName } from '../tables.ts';

/**
 * Reading a whole site as it was at one moment while it keeps serving: one read-only transaction on one
 * connection (SQLite in WAL mode: a deferred transaction whose first read fixes the snapshot, writers carry
 * on; PostgreSQL: REPEATABLE READ, READ ONLY). Tables are paged by their physical row address.
 */

export interface SnapshotSource {
  db: Db;
  capabilities: Capabilities;
}

/** Runs `fn` with a connection that sees one consistent snapshot of every table. */
export async function withSnapshot<T>(source: SnapshotSource, fn: (db: Db) => Promise<T>): Promise<T> {
  const begin =
    source.capabilities.snapshot === 'repeatable-read'
      ? sql`start transaction isolation level repeatable read, read only`
      : sql`begin`;
  return source.db.connection().execute(async (conn) => {
    await begin.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw err;
    }
  });
}

/** The tables of TABLES_IN_DEPENDENCY_ORDER this database has (an older schema lacks the newer ones). */
export async function presentTables(db: Db): Promise<TableName[]> {
  const names = new Set((await db.introspection.getTables()).map((t) => t.name));
  return TABLES_IN_DEPENDENCY_ORDER.filter((t) => names.has(t));
}

/** The migrations applied to the database, oldest first (their names sort in order). */
export async function appliedMigrationNames(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

export async function countTableRows(db: Db, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

const START_ADDRESS: Record<Capabilities['rowAddress'], number | string> = { rowid: -1, ctid: '(0,0)' };

/**
 * Every row of `table` in batches of up to `batchRows` (fewer when rows are large, so a batch stays around
 * MAX_BATCH_BYTES). Pages by rowid on SQLite and by ctid on PostgreSQL: both are stable inside the snapshot.
 */
export async function* readTable(db: Db, caps: Capabilities, table: TableName, batchRows = 500): AsyncGenerator<Row[]> {
  let after = START_ADDRESS[caps.rowAddress];
  let limit = batchRows;
  for (;;) {
    const { rows } =
      caps.rowAddress === 'ctid'
        ? await sql<Row>`select ctid::text as "__addr", * from ${sql.table(table)}
            where ctid > cast(${after} as tid) order by ctid limit ${limit}`.execute(db)
        : await sql<Row>`select rowid as "__addr", * from ${sql.table(table)}
            where rowid > ${after} order by rowid limit ${limit}`.execute(db);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]?.__addr as number | string;
    let bytes = 0;
    for (const row of rows) {
      delete row.__addr;
      bytes += rowBytes(row);
    }
    yield rows;
    limit = Math.max(1, Math.min(batchRows, Math.floor((rows.length * MAX_BATCH_BYTES) / Math.max(bytes, 1))));
  }
}

/** The full-text index's documents ({post_id, title, standfirst, body}), in post id order. */
export async function* readSearchDocuments(db: Db, caps: Capabilities, batchRows = 500): AsyncGenerator<Row[]> {
  // FTS5 keeps the post id as the rowid of its virtual table; the tsvector table has a column for it.
  const key = sql.ref(caps.fullText === 'fts5' ? 'rowid' : 'post_id');
  let after = -1;
  for (;;) {
    const { rows } = await sql<Row>`select ${key} as post_id, title, standfirst, body from search_posts
      where ${key} > ${after} order by ${key} limit ${batchRows}`.execute(db);
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1]?.post_id);
    for (const row of rows) row.post_id = Number(row.post_id);
    yield rows;
  }
}
