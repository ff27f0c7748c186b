import { type RawBuilder, sql } from 'kysely';
import { MIGRATION_NAMES } from './migrations/index.ts';
import type { Db } from './schema.ts';
import type { Storage } from './storage.ts';
import { TABLES_IN_DEPENDENCY_ORDER, type TableName } from './tables.ts';

/**
 * Copying a site from its SQLite file into PostgreSQL (`annalist migrate-data`). Storage work that knows both
 * databases: it reads the SQLite file by rowid and the FTS5 index's own text, and asks the PostgreSQL catalog
 * for identity columns and self-references. The tables come from TABLES_IN_DEPENDENCY_ORDER, their columns
 * from the rows themselves: nothing here lists them again.
 */

export type MigrateDataErrorCode = 'TARGET_HAS_CONTENT' | 'SOURCE_NOT_CURRENT' | 'COPY_FAILED';

/** A copy that cannot start or cannot finish; the message is one line a person can act on. */
export class MigrateDataError extends Error {
  constructor(
    readonly code: MigrateDataErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrateDataError';
  }
}

/**
 * Written into the target's settings before the first row is copied and deleted after the counts agree: a
 * target holding it is an unfinished copy (interrupted, or with counts that differ), never a site in use.
 */
export const COPY_MARKER_KEY = 'annalist.migrate_data.unfinished';

export interface CopyProgress {
  tableStarted?(table: TableName, rows: number): void;
  rowsCopied?(table: TableName, copiedSoFar: number): void;
  tableDone?(table: TableName, rows: number): void;
}

/** The full-text index's table on both databases (FTS5 virtual table; tsvector table): counted, not copied. */
const SEARCH_TABLE = 'search_posts' as const;

export interface TableCount {
  /** A content table, or search_posts (the full-text index: as many documents on both sides). */
  table: TableName | typeof SEARCH_TABLE;
  source: number;
  target: number;
}

export interface MigrateDataInput {
  /** The SQLite site, opened read-only (no migration runs on it). */
  source: Storage;
  /** The PostgreSQL database, already migrated to the latest schema. */
  target: Storage;
  /** Empty a target that holds a site first. An unfinished copy is always emptied and copied again. */
  replace: boolean;
  /** Names for messages (never a password). */
  sourceName: string;
  targetName: string;
  /** Rows read and written at a time (default 500; fewer when rows are large, such as image bytes). */
  batchSize?: number;
  progress?: CopyProgress;
}

export interface MigrateDataResult {
  /** What the target held before: nothing, a site (emptied with --replace) or an unfinished copy. */
  emptied: 'nothing' | 'site' | 'unfinished copy';
  counts: TableCount[];
  /** Every table has as many rows in the target as in the source (the copy is then marked finished). */
  complete: boolean;
}

const MAX_BATCH_BYTES = 8 * 1024 * 1024;
// PostgreSQL takes at most 65535 parameters in one statement.
const MAX_PARAMETERS = 60_000;

/**
 * Copies every table of `source` into `target` in foreign-key order, ids included, one transaction per table;
 * then rebuilds the search index, moves each identity sequence past the highest id, and compares row counts.
 * Re-runnable: an interrupted copy leaves the marker, and the next run empties the target and starts again.
 */
export async function migrateData(input: MigrateDataInput): Promise<MigrateDataResult> {
  const { source, target } = input;
  await checkSourceIsCurrent(source.db, input.sourceName);
  const state = await targetState(target.db);
  if (state.kind === 'site' && !input.replace) {
    throw new MigrateDataError(
      'TARGET_HAS_CONTENT',
      `${input.targetName} already holds an Annalist site (${state.posts} posts, ${state.users} users); nothing was copied. Add --replace to empty it and copy over it`,
    );
  }

  // Empty (children first) and set the marker in one transaction: from here on the target is an unfinished copy.
  await target.db.transaction().execute(async (trx) => {
    if (state.kind !== 'empty') {
      for (const table of [...TABLES_IN_DEPENDENCY_ORDER].reverse())
        await sql`delete from ${sql.table(table)}`.execute(trx);
      // The tsvector index's own table (no foreign key to posts, so not emptied by the deletes above).
      await sql`delete from ${sql.table(SEARCH_TABLE)}`.execute(trx);
    }
    await trx
      .insertInto('settings')
      .values({
        key: COPY_MARKER_KEY,
        value: JSON.stringify({ from: input.sourceName, startedAt: new Date().toISOString() }),
      })
      .execute();
  });

  const selfReferences = await selfReferencingColumns(target.db);
  for (const table of TABLES_IN_DEPENDENCY_ORDER) {
    await copyTable(input, table, selfReferences.get(table) ?? []);
  }
  await rebuildSearchIndex(input);
  await resetIdentitySequences(target.db);

  const counts: TableCount[] = [];
  for (const table of [...TABLES_IN_DEPENDENCY_ORDER, SEARCH_TABLE] as const) {
    counts.push({ table, source: await countRows(source.db, table), target: await countRows(target.db, table) });
  }
  const complete = counts.every((c) => c.source === c.target);
  if (complete) await target.db.deleteFrom('settings').where('key', '=', COPY_MARKER_KEY).execute();
  return { emptied: state.kind === 'empty' ? 'nothing' : state.kind, counts, complete };
}

/** The source must have every migration this Annalist knows, or its rows would not fit the target's columns. */
async function checkSourceIsCurrent(db: Db, name: string): Promise<void> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const applied = new Set(rows.map((r) => r.name));
  const missing = MIGRATION_NAMES.filter((m) => !applied.has(m));
  if (missing.length > 0) {
    throw new MigrateDataError(
      'SOURCE_NOT_CURRENT',
      `${name} was last opened by an older Annalist (migration ${missing[0]} not applied); start this version once on it (annalist serve) and copy again`,
    );
  }
}

type TargetState = { kind: 'empty' } | { kind: 'unfinished copy' } | { kind: 'site'; posts: number; users: number };

async function targetState(db: Db): Promise<TargetState> {
  const marker = await db.selectFrom('settings').select('key').where('key', '=', COPY_MARKER_KEY).executeTakeFirst();
  if (marker) return { kind: 'unfinished copy' };
  for (const table of TABLES_IN_DEPENDENCY_ORDER) {
    const { rows } = await sql`select 1 as one from ${sql.table(table)} limit 1`.execute(db);
    if (rows.length > 0)
      return { kind: 'site', posts: await countRows(db, 'posts'), users: await countRows(db, 'users') };
  }
  return { kind: 'empty' };
}

async function countRows(db: Db, table: TableName | typeof SEARCH_TABLE): Promise<number> {
  const where = table === 'settings' ? sql` where key <> ${COPY_MARKER_KEY}` : sql``;
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}${where}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Columns whose foreign key points at their own table (comments.parent_id), from the PostgreSQL catalog. */
async function selfReferencingColumns(db: Db): Promise<Map<string, string[]>> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select cl.relname as table_name, a.attname as column_name
    from pg_constraint c
    join pg_class cl on cl.oid = c.conrelid
    join pg_namespace ns on ns.oid = cl.relnamespace
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
    where c.contype = 'f' and c.conrelid = c.confrelid and ns.nspname = current_schema()`.execute(db);
  const byTable = new Map<string, string[]>();
  for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  return byTable;
}

type Row = Record<string, unknown>;

function rowBytes(row: Row): number {
  let n = 0;
  for (const v of Object.values(row)) {
    if (typeof v === 'string') n += v.length;
    else if (Buffer.isBuffer(v)) n += v.length;
    else n += 8;
  }
  return n;
}

/**
 * One table in one transaction: rows read from SQLite by rowid in batches, inserted with their ids. A
 * self-reference may point at a later row (a category moved under a newer one): it is inserted empty and set
 * once every row of the table is in.
 */
async function copyTable(input: MigrateDataInput, table: TableName, selfRefs: string[]): Promise<void> {
  const { source, target, progress } = input;
  const total = await countRows(source.db, table);
  progress?.tableStarted?.(table, total);
  const batchSize = input.batchSize ?? 500;
  let copied = 0;
  try {
    await target.db.transaction().execute(async (trx) => {
      const deferred: { id: unknown; column: string; value: unknown }[] = [];
      let after = -1;
      let limit = batchSize;
      for (;;) {
        const { rows } = await sql<Row>`select rowid as "__rowid", * from ${sql.table(table)}
          where rowid > ${after} order by rowid limit ${limit}`.execute(source.db);
        if (rows.length === 0) break;
        after = Number(rows[rows.length - 1]?.__rowid);
        let bytes = 0;
        for (const row of rows) {
          delete row.__rowid;
          bytes += rowBytes(row);
          for (const column of selfRefs) {
            if (row[column] !== null && row[column] !== undefined) {
              deferred.push({ id: row.id, column, value: row[column] });
              row[column] = null;
            }
          }
        }
        await insertRows(trx, table, rows);
        copied += rows.length;
        progress?.rowsCopied?.(table, copied);
        // Large rows (image bytes): read fewer at a time so a batch stays around MAX_BATCH_BYTES.
        limit = Math.max(1, Math.min(batchSize, Math.floor((rows.length * MAX_BATCH_BYTES) / Math.max(bytes, 1))));
      }
      for (const column of selfRefs) {
        const pairs = deferred.filter((d) => d.column === column);
        for (let i = 0; i < pairs.length; i += batchSize) {
          const values = pairs
            .slice(i, i + batchSize)
            .map((d) => sql`(cast(${d.id} as integer), cast(${d.value} as integer))`);
          await sql`update ${sql.table(table)} as t set ${sql.ref(column)} = v.ref
            from (values ${sql.join(values)}) as v(id, ref) where t.id = v.id`.execute(trx);
        }
      }
    });
  } catch (err) {
    throw new MigrateDataError(
      'COPY_FAILED',
      `copying ${table} failed after ${copied} rows (${(err as Error).message}); the target is left as an unfinished copy: fix the cause and run again`,
      { cause: err },
    );
  }
  progress?.tableDone?.(table, copied);
}

/** Multi-row inserts, split so no statement goes past PostgreSQL's parameter limit or MAX_BATCH_BYTES. */
async function insertRows(trx: Db, table: TableName, rows: Row[]): Promise<void> {
  const columns = Object.keys(rows[0] ?? {});
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(columns.length, 1)));
  let chunk: Row[] = [];
  let chunkBytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const values: RawBuilder<unknown>[] = chunk.map((r) => sql`(${sql.join(columns.map((c) => r[c]))})`);
    await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${sql.join(values)}`.execute(
      trx,
    );
    chunk = [];
    chunkBytes = 0;
  };
  for (const row of rows) {
    const size = rowBytes(row);
    if (chunk.length >= perStatement || (chunk.length > 0 && chunkBytes + size > MAX_BATCH_BYTES)) await flush();
    chunk.push(row);
    chunkBytes += size;
  }
  await flush();
}

/**
 * The search index is the full-text engine's own (FTS5 tables are not copied): every document the source's
 * FTS5 index holds, with the text it indexed, goes through the target's SearchIndex, in one transaction.
 */
async function rebuildSearchIndex(input: MigrateDataInput): Promise<void> {
  const { source, target } = input;
  const batchSize = input.batchSize ?? 500;
  await target.db.transaction().execute(async (trx) => {
    let after = -1;
    for (;;) {
      const { rows } = await sql<{ post_id: number; title: string; standfirst: string; body: string }>`
        select rowid as post_id, title, standfirst, body from search_posts
        where rowid > ${after} order by rowid limit ${batchSize}`.execute(source.db);
      if (rows.length === 0) break;
      for (const r of rows) {
        await target.search.upsert(
          { postId: Number(r.post_id), title: r.title, standfirst: r.standfirst, body: r.body },
          trx,
        );
      }
      after = Number(rows[rows.length - 1]?.post_id);
    }
  });
}

/** Ids were copied as they were: each identity sequence must hand out max(id) + 1 next, not 1. */
async function resetIdentitySequences(db: Db): Promise<void> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and is_identity = 'YES'`.execute(db);
  for (const { table_name, column_name } of rows) {
    await sql`select setval(pg_get_serial_sequence(${table_name}, ${column_name}),
        coalesce((select max(${sql.ref(column_name)}) from ${sql.table(table_name)}), 0) + 1, false)`.execute(db);
  }
}
