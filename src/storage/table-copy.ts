import { CompiledQuery, sql } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { Db } from './schema.ts';
import type { TableName } from './tables.ts';

/**
 * Writing whole tables into a database with their ids, as `annalist migrate-data` and `annalist restore` do:
 * batched multi-row inserts, self-references that point forward set once the table is in, and PostgreSQL's
 * identity sequences moved past the copied ids. Columns come from the rows themselves: nothing here lists them.
 */

/** One row as read from a table: column name to value (text, number, null, or bytes as a Buffer). */
export type Row = Record<string, unknown>;

/** Rows are read and written about this many bytes at a time (image bytes make some rows large). */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;
// PostgreSQL takes at most 65535 parameters in one statement, SQLite 32766.
const MAX_PARAMETERS = 30_000;

export function rowBytes(row: Row): number {
  let n = 0;
  for (const v of Object.values(row)) {
    if (typeof v === 'string') n += v.length;
    else if (Buffer.isBuffer(v)) n += v.length;
    else n += 8;
  }
  return n;
}

/** Rows per multi-row insert (fewer for wide tables, under the parameter limit). */
const ROWS_PER_INSERT = 100;

/**
 * The SQL of an insert of `rows` rows of these columns, compiled by Kysely once (placeholders as the database
 * wants them) and kept: a restore inserts millions of rows, and compiling each statement anew costs more than
 * running it.
 */
function insertSql(trx: Db, table: TableName, columns: string[], rows: number, cache: Map<string, string>): string {
  const key = `${table}\0${columns.join('\0')}\0${rows}`;
  let text = cache.get(key);
  if (text === undefined) {
    const row = sql`(${sql.join(columns.map(() => null))})`;
    text = sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${sql.join(
      Array.from({ length: rows }, () => row),
    )}`.compile(trx).sql;
    cache.set(key, text);
  }
  return text;
}

const compiledInserts = new WeakMap<Db, Map<string, string>>();

/**
 * Inserts the rows: ROWS_PER_INSERT at a time (one statement text, compiled once), the rest and any chunk past
 * MAX_BATCH_BYTES (large images) one row at a time.
 */
export async function insertRows(trx: Db, table: TableName, rows: Row[]): Promise<void> {
  const columns = Object.keys(rows[0] ?? {});
  if (columns.length === 0) return;
  const cache = compiledInserts.get(trx) ?? new Map<string, string>();
  compiledInserts.set(trx, cache);
  const perStatement = Math.max(1, Math.min(ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / columns.length)));
  const run = (chunk: Row[]) =>
    trx.executeQuery(
      CompiledQuery.raw(
        insertSql(trx, table, columns, chunk.length, cache),
        chunk.flatMap((r) => columns.map((c) => r[c])),
      ),
    );
  let chunk: Row[] = [];
  let chunkBytes = 0;
  const oneByOne = async () => {
    for (const row of chunk) await run([row]);
  };
  for (const row of rows) {
    chunk.push(row);
    chunkBytes += rowBytes(row);
    if (chunkBytes > MAX_BATCH_BYTES) await oneByOne();
    else if (chunk.length === perStatement) await run(chunk);
    else continue;
    chunk = [];
    chunkBytes = 0;
  }
  await oneByOne();
}

/** Columns whose foreign key points at their own table (comments.parent_id), from the database's catalog. */
export async function selfReferencingColumns(db: Db, caps: Capabilities): Promise<Map<string, string[]>> {
  const { rows } =
    caps.autoIncrement === 'identity'
      ? await sql<{ table_name: string; column_name: string }>`
          select cl.relname as table_name, a.attname as column_name
          from pg_constraint c
          join pg_class cl on cl.oid = c.conrelid
          join pg_namespace ns on ns.oid = cl.relnamespace
          join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
          where c.contype = 'f' and c.conrelid = c.confrelid and ns.nspname = current_schema()`.execute(db)
      : await sql<{ table_name: string; column_name: string }>`
          select m.name as table_name, f."from" as column_name
          from sqlite_master m join pragma_foreign_key_list(m.name) f
          where m.type = 'table' and f."table" = m.name`.execute(db);
  const byTable = new Map<string, string[]>();
  for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  return byTable;
}

/**
 * Writes one table's rows, in batches, inside the caller's transaction. A self-reference to a row not yet
 * written (a category moved under a newer one, or rows read in an order other than their ids) is inserted
 * empty and set by finish(), once every row of the table is in.
 */
export class TableWriter {
  private readonly written = new Set<unknown>();
  private readonly deferred: { id: unknown; column: string; value: unknown }[] = [];
  rows = 0;

  constructor(
    private readonly trx: Db,
    readonly table: TableName,
    private readonly selfRefs: readonly string[],
  ) {}

  async add(rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    for (const row of rows) {
      if (this.selfRefs.length === 0) continue;
      this.written.add(row.id);
      for (const column of this.selfRefs) {
        const ref = row[column];
        if (ref === null || ref === undefined || this.written.has(ref)) continue;
        this.deferred.push({ id: row.id, column, value: ref });
        row[column] = null;
      }
    }
    await insertRows(this.trx, this.table, rows);
    this.rows += rows.length;
  }

  async finish(): Promise<void> {
    for (const d of this.deferred) {
      await sql`update ${sql.table(this.table)} set ${sql.ref(d.column)} = ${d.value} where id = ${d.id}`.execute(
        this.trx,
      );
    }
    this.deferred.length = 0;
  }
}

/** Ids were copied as they were: each PostgreSQL identity sequence must hand out max(id) + 1 next, not 1. */
export async function resetIdentitySequences(db: Db, caps: Capabilities): Promise<void> {
  // SQLite's AUTOINCREMENT already remembers the highest id inserted, explicit or not.
  if (caps.autoIncrement !== 'identity') return;
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and is_identity = 'YES'`.execute(db);
  for (const { table_name, column_name } of rows) {
    await sql`select setval(pg_get_serial_sequence(${table_name}, ${column_name}),
        coalesce((select max(${sql.ref(column_name)}) from ${sql.table(table_name)}), 0) + 1, false)`.execute(db);
  }
}
