import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { SQLITE_CAPABILITIES } from '../capabilities.ts';
import { migrationProvider } from '../migrations/index.ts';
import type { DatabaseSchema } from '../schema.ts';
import type { TableName } from '../tables.ts';
import {
  BackupError,
  decodeRow,
  type Manifest,
  MEDIA_PREFIX,
  rowAllowed,
  rowRefused,
  SEARCH_MEMBER,
} from './backup-format.ts';
import type { PhaseTimes } from './phase-times.ts';
import { type CheckedMember, checkedMembers, memberLineBatches, type OpenedBackup } from './read-backup.ts';
import { migrationOk, progressCounter, type RestoreResult, swapMediaFolder, writeMediaFile } from './restore-backup.ts';
import { RestoreWriter } from './restore-writer.ts';

/**
 * A restore into a data folder that has no database file yet (SQLite; the usual way to restore, and what
 * bench/backup.mjs times). The archive is checked and loaded in one pass: each member's checksum and line count
 * are compared with the manifest (which format 2 puts first) as its bytes go by. The rows go into a new file
 * beside the one to be, written with no journal and no syncing, with no index and no foreign-key check while
 * they go in; SQLite itself parses each batch of JSON lines (jsonb_each).
 *
 * SQLite writes a file from one connection at a time, so the main thread only reads, checks and hands out
 * batches, and two writer threads (restore-writer.ts) insert them: one into the new file, one into scratch
 * files, a batch to whichever has room. When a table's member ends, the new file's writer copies the scratch
 * rows across and builds the table's indexes while the other goes on with the next members: a backup puts
 * comments (seven indexes) before the search index's documents (the scratch writer indexes them all, and the
 * whole FTS5 index is copied) and post_bodies, the largest table and one without indexes, last. Then every
 * foreign key is checked at once, the row counts are compared, and the file is synced and renamed into place.
 * Any failure deletes the new file, the scratch files and the media written aside: no half site is ever
 * called annalist.db.
 */

export interface NewFileRestoreInput {
  file: string;
  opened: OpenedBackup;
  /** The database file to make; it does not exist (the caller checked). */
  target: string;
  mediaDir: string;
  phases: PhaseTimes;
  progress?(done: number, total: number): void;
}

/** Bytes of JSON lines SQLite parses in one statement. */
const BATCH_BYTES = 4 * 1024 * 1024;
/** Bytes of the search member that may wait for the scratch writer (all of it on a site of 100,000 posts). */
const SEARCH_QUEUE_BYTES = 256 * 1024 * 1024;
/** Page cache of each writer, in KiB. */
const NEW_FILE_CACHE_KIB = 256 * 1024;
const SCRATCH_CACHE_KIB = 64 * 1024;

export async function restoreIntoNewFile(input: NewFileRestoreInput): Promise<RestoreResult> {
  const { manifest } = input.opened;
  const work = `${input.target}.restoring-${process.pid}`;
  const staging = `${input.mediaDir}.restoring-${process.pid}`;
  const advance = progressCounter(manifest, input.progress);
  removeWorkFiles(work);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const writers = { main: new RestoreWriter(advance), side: new RestoreWriter(advance) };
  try {
    const schema = await input.phases.time('schema', () => createSchema(work));
    writers.main.open(work, NEW_FILE_CACHE_KIB);
    const load = new Load(writers, schema, input, work);
    let mediaFiles = 0;
    await input.phases.time('load', async () => {
      for await (const member of checkedMembers(input.file, input.opened)) {
        const start = performance.now();
        if (member.listed.table) await load.table(member, member.listed.table as TableName);
        else if (member.name === SEARCH_MEMBER) await load.search(member);
        else if (member.name.startsWith(MEDIA_PREFIX)) {
          await writeMediaFile(staging, member.name.slice(MEDIA_PREFIX.length), member.body());
          mediaFiles++;
          advance(1);
        }
        input.phases.detail(member.name, (performance.now() - start) / 1000);
      }
    });
    // The last tables' copies and indexes, after the archive's end.
    await input.phases.time('finish', () => load.finish());
    const rows = await input.phases.time('check', async () => {
      await checkForeignKeys(writers.main, input.file);
      return checkCounts(writers, manifest, input.file);
    });
    await input.phases.time('sync', async () => {
      await writers.main.close('wal');
      await syncPath(work);
      await rename(work, input.target);
      await syncPath(dirname(input.target));
    });
    swapMediaFolder(staging, input.mediaDir);
    return { rows, mediaFiles, migrated: false };
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      'RESTORE_FAILED',
      `restoring ${input.file} failed (${(err as Error).message}); nothing was restored`,
      { cause: err },
    );
  } finally {
    await Promise.all([writers.main.stop(), writers.side.stop()]);
    removeWorkFiles(work);
  }
}

/** The new file (before it is renamed) and the scratch files beside it: `<work>` and `<work>-<name>`. */
function removeWorkFiles(work: string): void {
  const prefix = basename(work);
  for (const name of readdirSync(dirname(work)))
    if (name === prefix || name.startsWith(`${prefix}-`)) rmSync(join(dirname(work), name), { force: true });
}

interface TableShape {
  /** The table's `create table` statement, to make it in a scratch file. */
  create: string;
  columns: { name: string; type: string }[];
  /** Its indexes' `create index` statements (dropped in the new file until its rows are in). */
  indexes: string[];
}

interface Schema {
  tables: Map<string, TableShape>;
  /** The search index's `create virtual table` statement. */
  search: string;
}

/**
 * Makes the new file with this Annalist's schema (its migrations, as any new site), then drops every index that
 * has SQL of its own (those behind a constraint stay) until its table's rows are in.
 */
async function createSchema(path: string): Promise<Schema> {
  const raw = new SQLite(path);
  try {
    raw.pragma('journal_mode = OFF');
    raw.pragma('synchronous = OFF');
    const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: raw }) });
    await migrationOk(new Migrator({ db, provider: migrationProvider(SQLITE_CAPABILITIES) }).migrateToLatest());
    const tables = new Map<string, TableShape>();
    const rows = raw.prepare("select name, sql from sqlite_master where type = 'table' and sql is not null").all() as {
      name: string;
      sql: string;
    }[];
    for (const { name, sql } of rows) {
      const columns = raw.prepare('select name, type from pragma_table_info(?)').all(name) as TableShape['columns'];
      tables.set(name, { create: sql, columns, indexes: [] });
    }
    const indexes = raw
      .prepare("select name, tbl_name as 'table', sql from sqlite_master where type = 'index' and sql is not null")
      .all() as { name: string; table: string; sql: string }[];
    for (const index of indexes) {
      tables.get(index.table)?.indexes.push(index.sql);
      raw.exec(`drop index ${quoted(index.name)}`);
    }
    return { tables, search: tables.get('search_posts')?.create ?? '' };
  } finally {
    raw.close();
  }
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quotedText = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** A batch of JSON lines as one JSON array, for jsonb_each: a raw newline only ever ends a line. */
const LINES_AS_ARRAY = `'[' || replace(rtrim(cast(? as text), char(10)), char(10), ',') || ']'`;

/** The insert of a batch of JSON lines, each line's values picked by `values`; a line that is no object is none. */
const jsonInsertSql = (into: string, values: string[]) =>
  `${into} select ${values.join(', ')} from jsonb_each(${LINES_AS_ARRAY}) where type = 'object'`;

/** Tables whose rows are checked one by one in JavaScript (rowAllowed): the ones a backup scrubs. */
const CHECKED_IN_JAVASCRIPT = new Set<string>(['users', 'settings']);

interface Writers {
  /** Writes the new database file. */
  main: RestoreWriter;
  /** Writes scratch files, one table at a time, copied into the new file by `main`. */
  side: RestoreWriter;
}

class Load {
  /** Each table's copy from its scratch file and index build, running on the new file's writer. */
  private readonly tails: Promise<void>[] = [];
  private tailError: unknown;
  /** Tables that had a member (the others, such as those a backup leaves out, get their indexes at the end). */
  private readonly loaded = new Set<string>();

  constructor(
    private readonly writers: Writers,
    private readonly schema: Schema,
    private readonly input: NewFileRestoreInput,
    private readonly work: string,
  ) {}

  /**
   * One tables/ member into its table. SQLite builds the rows from the JSON itself, unless the table holds bytes
   * ({"$bytes": base64}) or is one whose rows must be checked for secrets: those are decoded here.
   */
  async table(member: CheckedMember, table: TableName): Promise<void> {
    const shape = this.schema.tables.get(table);
    if (!shape)
      throw new BackupError('RESTORE_FAILED', `${table} is not a table of this Annalist; nothing was restored`);
    this.loaded.add(table);
    const { copied } =
      CHECKED_IN_JAVASCRIPT.has(table) || shape.columns.some((c) => /blob/i.test(c.type))
        ? await this.decoded(member, table)
        : await this.json(member, table, shape);
    // Its indexes once all its rows are in, after the copy (if any) on the same writer.
    if (shape.indexes.length > 0) {
      const threads = Math.min(4, availableParallelism());
      const sql = `pragma threads = ${threads}; ${shape.indexes.join('; ')}`;
      this.tail(copied.then(() => this.writers.main.exec(sql)).then((s) => this.detail(`indexes of ${table}`, s)));
    } else this.tail(copied);
  }

  /**
   * The search index's documents, straight into FTS5 (the highlight markers taken out, as upsert does), all of
   * them by the scratch writer: one FTS5 index cannot be put together from two, but it can be copied whole.
   * Up to SEARCH_QUEUE_BYTES of it wait for that writer, so the main thread goes on to the next member.
   */
  async search(member: CheckedMember): Promise<void> {
    const { side, main } = this.writers;
    const text = (key: string) => `replace(replace(value ->> '$.${key}', char(57344), ''), char(57345), '')`;
    const file = this.scratchFile('search');
    side.open(file, SCRATCH_CACHE_KIB, [this.schema.search]);
    side.prepare(
      'search_posts',
      jsonInsertSql('insert into search_posts (rowid, title, standfirst, body)', [
        "value ->> '$.post_id'",
        text('title'),
        text('standfirst'),
        text('body'),
      ]),
    );
    await this.batches(member, async (batch) => {
      while (side.waiting > SEARCH_QUEUE_BYTES && !side.failure) await side.changed();
      side.json('search_posts', 'search_posts', member.name, batch.rows, batch.text);
    });
    const copied = side.close().then(() => main.exec(copySearchIndex(file), { shadowTables: true }));
    this.tail(copied.then((s) => this.detail('copy of the search index', s)));
  }

  /** Waits for every table's copy and indexes; the first failure of either writer fails the restore. */
  async finish(): Promise<void> {
    await Promise.all(this.tails);
    this.throwIfFailed();
    if (this.tailError) throw this.tailError;
    const rest = [...this.schema.tables].filter(([table]) => !this.loaded.has(table)).flatMap(([, t]) => t.indexes);
    if (rest.length > 0) await this.writers.main.exec(rest.join('; '));
  }

  /** `copied` resolves (not awaited here) once the scratch writer's rows of the table are copied across. */
  private async json(member: CheckedMember, table: string, shape: TableShape): Promise<{ copied: Promise<void> }> {
    const { main, side } = this.writers;
    const names = shape.columns.map((c) => c.name);
    const insert = jsonInsertSql(
      `insert into ${quoted(table)} (${names.map(quoted).join(', ')})`,
      names.map((c) => `value ->> ${quotedText(`$."${c}"`)}`),
    );
    main.prepare(table, insert);
    let scratch: string | undefined;
    await this.batches(member, async (batch) => {
      const writer = await this.pick();
      if (writer === side && !scratch) {
        scratch = this.scratchFile(table);
        side.open(scratch, SCRATCH_CACHE_KIB, [shape.create]);
        side.prepare(table, insert);
      }
      writer.json(table, table, member.name, batch.rows, batch.text);
    });
    if (!scratch) return { copied: Promise.resolve() };
    const from = scratch;
    const copied = side.close().then(() => main.exec(copyRows(table, from)));
    return { copied: copied.then((s) => this.detail(`copy of ${table}`, s)) };
  }

  /** Rows decoded here, checked by rowAllowed, inserted by the new file's writer (nothing to copy). */
  private async decoded(member: CheckedMember, table: TableName): Promise<{ copied: Promise<void> }> {
    const { main } = this.writers;
    const prepared = new Set<string>();
    await this.batches(member, async (batch) => {
      const groups = new Map<string, unknown[][]>();
      const lines = batch.text.toString('utf8').split('\n');
      lines.pop();
      for (const line of lines) {
        const row = decodeRow(line);
        if (!row || typeof row !== 'object' || Array.isArray(row))
          throw new BackupError(
            'BACKUP_DAMAGED',
            `${this.input.file} is damaged (${member.name}: a line is not a JSON object); nothing was restored`,
          );
        if (!rowAllowed(table, row, this.input.opened.manifest.includesAccounts)) throw rowRefused(table);
        // Columns as the row has them (a column it leaves out takes its default).
        const columns = Object.keys(row);
        const key = `${table}(${columns.join(',')})`;
        if (!prepared.has(key)) {
          prepared.add(key);
          main.prepare(
            key,
            `insert into ${quoted(table)} (${columns.map(quoted).join(', ')}) values (${columns.map(() => '?').join(', ')})`,
          );
        }
        const group = groups.get(key) ?? [];
        group.push(columns.map((c) => row[c]));
        groups.set(key, group);
      }
      while (main.busy && !main.failure) await main.changed();
      for (const [key, values] of groups) main.values(key, table, member.name, values, batch.text.length);
    });
    return { copied: Promise.resolve() };
  }

  /**
   * The member's lines in batches to `each`. When anything fails, the rest of the member is read and checked
   * first: a damaged member is reported as damaged (its checksum), whatever its bytes made SQLite say.
   */
  private async batches(
    member: CheckedMember,
    each: (batch: { rows: number; text: Buffer }) => Promise<void>,
  ): Promise<void> {
    try {
      for await (const batch of memberLineBatches(member, BATCH_BYTES)) {
        this.throwIfFailed();
        await each(batch);
      }
      this.throwIfFailed();
    } catch (err) {
      await member.finish();
      throw err;
    }
  }

  /** The writer with room for a batch: the new file's first (its rows need no copy), else the scratch one. */
  private async pick(): Promise<RestoreWriter> {
    const { main, side } = this.writers;
    for (;;) {
      this.throwIfFailed();
      if (!main.busy) return main;
      if (!side.busy) return side;
      await Promise.race([main.changed(), side.changed()]);
    }
  }

  private detail(step: string, seconds: number): void {
    this.input.phases.detail(step, seconds);
  }

  private scratchFile(name: string): string {
    return `${this.work}-${name}`;
  }

  /** Keeps a step's promise; its failure is reported by finish() (or sooner, by the writer's failure). */
  private tail(step: Promise<void>): void {
    this.tails.push(
      step.catch((err: unknown) => {
        this.tailError ??= err;
      }),
    );
  }

  /** A writer failed (or found a line that is no object): the restore fails, naming the member. */
  private throwIfFailed(): void {
    const failure = this.writers.main.failure ?? this.writers.side.failure;
    if (!failure) return;
    const where = failure.member ? `${failure.member}: ` : '';
    if (failure.notAnObject)
      throw new BackupError(
        'BACKUP_DAMAGED',
        `${this.input.file} is damaged (${where}${failure.message}); nothing was restored`,
      );
    throw new BackupError(
      'RESTORE_FAILED',
      `restoring ${this.input.file} failed (${where}${failure.message}); nothing was restored`,
    );
  }
}

/** The scratch writer's rows of a table into the new file (into the gaps between the new file writer's). */
const copyRows = (table: string, file: string) =>
  `commit; attach database ${quotedText(file)} as scratch;
   insert into main.${quoted(table)} select * from scratch.${quoted(table)};
   detach database scratch; begin`;

/**
 * The search index the scratch writer built, whole: FTS5 keeps an index in its shadow tables (search_posts_data,
 * _idx, _content, _docsize, _config: its documented on-disk format), so the new file's empty ones take the
 * scratch file's rows. The new file's writer has not read its own (empty) index: nothing of it is cached.
 */
const copySearchIndex = (file: string) => {
  const shadows = ['data', 'idx', 'content', 'docsize', 'config'].map((s) => quoted(`search_posts_${s}`));
  return `commit; attach database ${quotedText(file)} as scratch;
    ${shadows.map((t) => `delete from main.${t}; insert into main.${t} select * from scratch.${t};`).join('\n')}
    detach database scratch; begin`;
};

/** Every foreign key at once, as the rows went in unchecked: one that points nowhere fails the restore. */
async function checkForeignKeys(main: RestoreWriter, file: string): Promise<void> {
  const [broken] = await main.query<{ table: string; rowid: number; parent: string }>(
    'select * from pragma_foreign_key_check limit 1',
  );
  if (broken)
    throw new BackupError(
      'BACKUP_DAMAGED',
      `${file} is damaged (a ${broken.table} row, rowid ${broken.rowid}, refers to a ${broken.parent} row the backup does not hold); nothing was restored`,
    );
}

function checkCounts(writers: Writers, manifest: Manifest, file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of manifest.members) {
    if (!m.table) continue;
    counts[m.table] = (writers.main.rows[m.table] ?? 0) + (writers.side.rows[m.table] ?? 0);
    if (counts[m.table] !== (m.rows ?? 0))
      throw new BackupError(
        'RESTORE_FAILED',
        `${m.table} has ${counts[m.table]} rows after the restore of ${file}, the backup ${m.rows}; nothing was restored`,
      );
  }
  return counts;
}

/** fsync of a file or a folder (the folder: so the rename itself survives a crash). */
async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
