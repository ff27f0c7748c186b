import { type MessagePort, Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { workerEntry } from '../../source-files.ts';

/**
 * A SQLite writer of a restore into a new file (restore-new-file.ts), run in a worker thread
 * (src/restore-worker.ts). SQLite writes a file from one connection at a time, so a restore runs two: one
 * writes the new database, the other scratch files of its own, and the main thread, which reads and checks the
 * archive, hands each batch of rows to whichever has room. The main thread sends the SQL; it checked the
 * archive's bytes before sending them. Requests are served in the order they come.
 */

export type WriterRequest =
  | { kind: 'open'; path: string; cacheKiB: number; create: string[] }
  | { kind: 'prepare'; key: string; sql: string }
  | { kind: 'json'; key: string; table: string; member: string; rows: number; text: Uint8Array }
  | { kind: 'rows'; key: string; table: string; member: string; values: unknown[][] }
  | { kind: 'exec'; id: number; sql: string; shadowTables?: boolean }
  | { kind: 'query'; id: number; sql: string }
  | { kind: 'close'; id: number; journal?: 'wal' };

export type WriterReply =
  | { kind: 'inserted'; table: string; member: string; rows: number; inserted: number }
  | { kind: 'answer'; id: number; rows: unknown[]; seconds: number }
  | { kind: 'failed'; id?: number; member: string; message: string };

/** Serves a restore's requests on `port`, one connection at a time, each file written with no journal. */
export function serveRestoreWriter(port: MessagePort): void {
  let db: SQLite.Database | undefined;
  const inserts = new Map<string, SQLite.Statement>();
  let failed = false;
  let started = 0;
  const answer = (id: number, rows: unknown[] = []) =>
    port.postMessage({ kind: 'answer', id, rows, seconds: (performance.now() - started) / 1000 } satisfies WriterReply);
  port.on('message', (request: WriterRequest) => {
    started = performance.now();
    const id = 'id' in request ? request.id : undefined;
    if (request.kind === 'close') {
      if (db?.open) {
        if (!failed) db.exec('commit');
        if (!failed && request.journal) db.pragma(`journal_mode = ${request.journal}`);
        db.close();
      }
      return answer(request.id);
    }
    const member = 'member' in request ? request.member : '';
    if (failed) {
      if (id !== undefined) port.postMessage({ kind: 'failed', id, member, message: 'an earlier step failed' });
      return;
    }
    try {
      serve(request);
    } catch (err) {
      failed = true;
      port.postMessage({ kind: 'failed', id, member, message: (err as Error).message } satisfies WriterReply);
    }
  });

  function serve(request: Exclude<WriterRequest, { kind: 'close' }>): void {
    if (request.kind === 'open') {
      if (db?.open) throw new Error('a restore writer opens one file at a time');
      db = new SQLite(request.path);
      // No one else sees these files until the restore renames the new database into place.
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma(`cache_size = -${request.cacheKiB}`);
      db.pragma('foreign_keys = OFF');
      db.exec('begin');
      for (const sql of request.create) db.exec(sql);
      inserts.clear();
      return;
    }
    const open = db;
    if (!open?.open) throw new Error('no file is open');
    if (request.kind === 'prepare') inserts.set(request.key, open.prepare(request.sql));
    else if (request.kind === 'json') {
      const text = Buffer.from(request.text.buffer, request.text.byteOffset, request.text.byteLength);
      const inserted = statement(request.key).run(text).changes;
      const { table, member, rows } = request;
      port.postMessage({ kind: 'inserted', table, member, rows, inserted } satisfies WriterReply);
    } else if (request.kind === 'rows') {
      const insert = statement(request.key);
      for (const values of request.values) insert.run(values.map(asBindable));
      const { table, member } = request;
      const rows = request.values.length;
      port.postMessage({ kind: 'inserted', table, member, rows, inserted: rows } satisfies WriterReply);
    } else if (request.kind === 'exec') {
      // FTS5's shadow tables are read-only to SQL in defensive mode (better-sqlite3's default): the restore
      // copies a whole index FTS5 built into them, in place of an empty one (restore-new-file.ts).
      if (request.shadowTables) open.unsafeMode(true);
      try {
        open.exec(request.sql);
      } finally {
        if (request.shadowTables) open.unsafeMode(false);
      }
      answer(request.id);
    } else answer(request.id, open.prepare(request.sql).all());
  }

  function statement(key: string): SQLite.Statement {
    const insert = inserts.get(key);
    if (!insert) throw new Error(`no insert prepared for ${key}`);
    return insert;
  }
}

/** A request that is answered (exec, query, close), before its id is given. */
type StepRequest =
  Extract<WriterRequest, { id: number }> extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Bytes come through postMessage as a Uint8Array; better-sqlite3 binds a Buffer. */
const asBindable = (value: unknown) =>
  value instanceof Uint8Array && !Buffer.isBuffer(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : value;

/** Batches of rows that may wait for one writer; past it, a batch goes to the other or waits. */
const MAX_IN_FLIGHT = 4;

/**
 * The main thread's side of one writer: batches sent while it has room (their inserted rows counted per
 * table), steps (SQL run in order after the batches before them) awaited as promises, and the first failure.
 */
export class RestoreWriter {
  /** Rows inserted, per table. */
  readonly rows: Record<string, number> = {};
  /** The first failure: the member it happened in, and why (a line that is no object, or SQLite's message). */
  failure: { member: string; message: string; notAnObject: boolean } | undefined;
  private readonly worker: Worker;
  private inFlight = 0;
  private readonly queued: number[] = [];
  private queuedBytes = 0;
  private steps = 0;
  private nextId = 0;
  private readonly answers = new Map<number, { resolve(rows: unknown[]): void; reject(err: Error): void }>();
  private readonly listeners = new Set<() => void>();
  private lastSeconds = 0;
  private exited = false;

  constructor(private readonly advance: (rows: number) => void) {
    const entry = workerEntry('restore-worker');
    this.worker = new Worker(entry.file, { workerData: entry.workerData, stdout: false, stderr: false });
    this.worker.on('message', (reply: WriterReply) => this.onReply(reply));
    this.worker.on('error', (err) => this.fail('', (err as Error).message, false));
    this.worker.on('exit', () => {
      this.exited = true;
      this.fail('', 'the restore writer stopped', false);
    });
  }

  /** Whether a batch sent now would wait: it has as many as it may, or a step is running. */
  get busy(): boolean {
    return this.inFlight >= MAX_IN_FLIGHT || this.steps > 0 || this.failure !== undefined;
  }

  /** Bytes of batches sent and not yet inserted. */
  get waiting(): number {
    return this.queuedBytes;
  }

  /** Opens `path` (made if missing) and runs `create` in it: the tables the writer will fill there. */
  open(path: string, cacheKiB: number, create: string[] = []): void {
    this.post({ kind: 'open', path, cacheKiB, create });
  }

  /** Prepares an insert under `key`, for the batches that name it. */
  prepare(key: string, sql: string): void {
    this.post({ kind: 'prepare', key, sql });
  }

  /** One batch of JSON lines through the insert `key`; its rows are counted for `table`. */
  json(key: string, table: string, member: string, rows: number, text: Buffer): void {
    this.sent(text.length);
    this.post({ kind: 'json', key, table, member, rows, text });
  }

  /** Rows already decoded (values in the order of the insert `key`'s columns). */
  values(key: string, table: string, member: string, values: unknown[][], bytes: number): void {
    this.sent(bytes);
    this.post({ kind: 'rows', key, table, member, values });
  }

  /**
   * Runs SQL after everything sent before it; resolves when done with the seconds it ran (rejects when this
   * writer has failed).
   */
  async exec(sql: string, options: { shadowTables?: boolean } = {}): Promise<number> {
    await this.step({ kind: 'exec', sql, ...options });
    return this.lastSeconds;
  }

  query<T>(sql: string): Promise<T[]> {
    return this.step({ kind: 'query', sql }) as Promise<T[]>;
  }

  /** Commits and closes the open file (in WAL mode from then on, when asked). */
  close(journal?: 'wal'): Promise<void> {
    return this.step({ kind: 'close', ...(journal ? { journal } : {}) }).then(() => {});
  }

  /** Resolves at the next reply or failure: for a caller waiting until one writer or the other has room. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      const listener = () => {
        this.listeners.delete(listener);
        resolve();
      };
      this.listeners.add(listener);
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }

  private step(request: StepRequest): Promise<unknown[]> {
    if (this.exited) return Promise.reject(new Error(this.failure?.message ?? 'the restore writer stopped'));
    const id = this.nextId++;
    this.steps++;
    const answered = new Promise<unknown[]>((resolve, reject) => this.answers.set(id, { resolve, reject }));
    this.post({ ...request, id } as WriterRequest);
    return answered;
  }

  private sent(bytes: number): void {
    this.inFlight++;
    this.queued.push(bytes);
    this.queuedBytes += bytes;
  }

  private onReply(reply: WriterReply): void {
    if (reply.kind === 'inserted') {
      this.inFlight--;
      this.queuedBytes -= this.queued.shift() ?? 0;
      this.rows[reply.table] = (this.rows[reply.table] ?? 0) + reply.inserted;
      this.advance(reply.inserted);
      if (reply.inserted !== reply.rows) this.fail(reply.member, 'a line is not a JSON object', true);
    } else if (reply.kind === 'failed') {
      this.fail(reply.member, reply.message, false);
      if (reply.id !== undefined) this.settle(reply.id, new Error(this.failure?.message ?? reply.message));
    } else {
      this.lastSeconds = reply.seconds;
      this.settle(reply.id, reply.rows);
    }
    this.notify();
  }

  private settle(id: number, result: unknown[] | Error): void {
    const waiting = this.answers.get(id);
    if (!waiting) return;
    this.answers.delete(id);
    this.steps--;
    if (result instanceof Error) waiting.reject(result);
    else waiting.resolve(result);
  }

  private fail(member: string, message: string, notAnObject: boolean): void {
    this.failure ??= { member, message, notAnObject };
    if (this.exited) for (const id of [...this.answers.keys()]) this.settle(id, new Error(this.failure.message));
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private post(request: WriterRequest): void {
    this.worker.postMessage(request);
  }
}
