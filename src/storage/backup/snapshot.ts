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
export async function* readTable(
  db: Db,
  caps: Capabilities,
  table: TableName,
  batchRows = 2000,
): AsyncGenerator<Row[]> {
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
export async function* readSearchDocuments(db: Db, caps: Capabilities, batchRows = 2000): AsyncGenerator<Row[]> {
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

/** A batch of rows as JSON lines (UTF-8, each line ending in a newline). */
export interface LineBatch {
  rows: number;
  text: Buffer;
}

/** Double-quotes a name read from the schema itself (pragma_table_info), for SQL built as text. */
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quotedText = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The columns of a table in their declared order, and whether any of them holds bytes. */
export async function tableColumns(db: Db, table: string): Promise<{ columns: string[]; bytes: boolean }> {
  const { rows } = await sql<{
    name: string;
    type: string;
  }>`select name, type from pragma_table_info(${table})`.execute(db);
  return { columns: rows.map((r) => r.name), bytes: rows.some((r) => /blob/i.test(r.type)) };
}

/**
 * Every row of an SQLite table as JSON lines that SQLite builds itself (json_object, keys in column order, as
 * encodeRow writes them), paged by rowid: no JavaScript object per row, which is most of the time a large
 * table's backup would take otherwise. Not for columns holding bytes (json_object refuses a blob).
 */
export async function* readTableLines(
  db: Db,
  table: string,
  columns: string[],
  batchRows = 5000,
): AsyncGenerator<LineBatch> {
  const object = `json_object(${columns.map((c) => `${quotedText(c)}, ${quoted(c)}`).join(', ')})`;
  const inner = `select rowid as a, ${object} as j from ${quoted(table)} where rowid > `;
  let after = -1;
  let limit = batchRows;
  for (;;) {
    // No `order by` inside group_concat: it sorts the batch's lines again (most of the statement's time), and a
    // restore does not depend on the order of the lines; in practice they come in rowid order anyway.
    const { rows } = await sql<{ n: number; last: number; text: Buffer | null }>`select count(*) as n, max(a) as last,
        cast(group_concat(j, char(10)) || char(10) as blob) as text
      from (${sql.raw(inner)}${after} order by rowid limit ${limit})`.execute(db);
    const batch = rows[0];
    if (!batch || batch.n === 0 || !batch.text) return;
    after = batch.last;
    yield { rows: batch.n, text: batch.text };
    limit = Math.max(1, Math.min(batchRows, Math.floor((batch.n * MAX_BATCH_BYTES) / Math.max(batch.text.length, 1))));
  }
}
