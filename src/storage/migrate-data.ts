import { sql } from 'kysely';
import { MIGRATION_NAMES } from './migrations/index.ts';
import type { Db } from './schema.ts';
import type { Storage } from './storage.ts';
import {
  MAX_BATCH_BYTES,
  type Row,
  resetIdentitySequences,
  rowBytes,
  selfReferencingColumns,
  TableWriter,
} from './table-copy.ts';
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

  const selfReferences = await selfReferencingColumns(target.db, target.capabilities);
  for (const table of TABLES_IN_DEPENDENCY_ORDER) {
    await copyTable(input, table, selfReferences.get(table) ?? []);
  }
  await rebuildSearchIndex(input);
  await resetIdentitySequences(target.db, target.capabilities);

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

/**
 * One table in one transaction: rows read from SQLite by rowid in batches, inserted with their ids (a
 * self-reference to a later row is set once the whole table is in: see TableWriter).
 */
async function copyTable(input: MigrateDataInput, table: TableName, selfRefs: string[]): Promise<void> {
  const { source, target, progress } = input;
  const total = await countRows(source.db, table);
  progress?.tableStarted?.(table, total);
  const batchSize = input.batchSize ?? 500;
  let copied = 0;
  try {
    await target.db.transaction().execute(async (trx) => {
      const writer = new TableWriter(trx, table, selfRefs);
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
        }
        await writer.add(rows);
        copied += rows.length;
        progress?.rowsCopied?.(table, copied);
        // Large rows (image bytes): read fewer at a time so a batch stays around MAX_BATCH_BYTES.
        limit = Math.max(1, Math.min(batchSize, Math.floor((rows.length * MAX_BATCH_BYTES) / Math.max(bytes, 1))));
      }
      await writer.finish();
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
