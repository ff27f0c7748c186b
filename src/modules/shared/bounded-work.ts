import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../source-files.ts';
import { AppError, ERROR_CODES, type ErrorCode } from './errors.ts';

/**
 * Work on text a person sent (parsing Markdown, above all) runs here, in worker threads, each task with a
 * deadline: a text built to make a parser slow costs at most its own deadline of one worker's time, and the
 * event loop that answers every other request never waits for it (decision 024). A task past its deadline, or
 * past the worker's memory cap, ends its worker (a new one starts) and is refused with WorkTooCostly.
 */

/** The tasks the worker entry (src/render-worker.ts) knows, by name. */
export type BoundedTaskName = 'comment' | 'article' | 'scan';

/**
 * A task that ran out of time or memory (heap, or the parser's stack): the caller turns it into its own field
 * message.
 */
export class WorkTooCostly extends Error {
  constructor(
    readonly task: BoundedTaskName,
    readonly limit: 'time' | 'memory',
  ) {
    super(`${task} task exceeded its ${limit} budget`);
    this.name = 'WorkTooCostly';
  }
}

export interface BoundedWorkOptions {
  /** Worker threads at most (default: the cores, at most 2). */
  threads?: number;
  /** Tasks waiting for a worker at most; one more is refused as SERVER_BUSY (default 64). */
  maxQueue?: number;
  /** Heap cap of each worker in MB (default 256). */
  heapMb?: number;
  /** A worker idle this long ends, giving its memory back (default 60 s). */
  idleMs?: number;
  /** A task waiting longer than this for a worker is refused as SERVER_BUSY (default 10 s). */
  maxWaitMs?: number;
  /** A worker that has not started after this long is given up (default 30 s). */
  startMs?: number;
}

interface Task {
  name: BoundedTaskName;
  input: unknown;
  deadlineMs: number;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** Refuses the task if no worker takes it in time. */
  waiting?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
  idle?: NodeJS.Timeout;
}

/** What a worker answers: a result, or an error to rebuild on this side. */
export type WorkerReply =
  | { ready: true }
  | { ok: true; result: unknown }
  | { ok: false; code?: string; message: string; fields?: Record<string, string>; tooCostly?: boolean };

class BoundedWorkPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private readonly threads: number;
  private readonly maxQueue: number;
  private readonly heapMb: number;
  private readonly idleMs: number;
  private readonly maxWaitMs: number;
  private readonly startMs: number;

  constructor(opts: BoundedWorkOptions = {}) {
    this.threads = opts.threads ?? Math.min(2, availableParallelism());
    this.maxQueue = opts.maxQueue ?? 64;
    this.heapMb = opts.heapMb ?? 256;
    this.idleMs = opts.idleMs ?? 60_000;
    this.maxWaitMs = opts.maxWaitMs ?? 10_000;
    this.startMs = opts.startMs ?? 30_000;
  }

  run(name: BoundedTaskName, input: unknown, deadlineMs: number): Promise<unknown> {
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new AppError('SERVER_BUSY', 'The site is busy just now. Wait a moment, then send this again.'),
      );
    }
    return new Promise((resolve, reject) => {
      const task: Task = { name, input, deadlineMs, resolve, reject };
      task.waiting = setTimeout(() => {
        const at = this.queue.indexOf(task);
        if (at < 0) return;
        this.queue.splice(at, 1);
        reject(new AppError('SERVER_BUSY', 'The site is busy just now. Wait a moment, then send this again.'));
      }, this.maxWaitMs).unref();
      this.queue.push(task);
      this.pump();
    });
  }

  async close(): Promise<void> {
    const slots = [...this.slots];
    this.slots.clear();
    const closed = new Error('bounded work pool closed');
    for (const t of this.queue.splice(0)) {
      clearTimeout(t.waiting);
      t.reject(closed);
    }
    for (const s of slots) s.task?.reject(closed);
    await Promise.all(slots.map((s) => this.end(s)));
  }

  /** Hands queued tasks to ready workers, starting workers while there are more tasks than workers. */
  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.ready && !slot.task) this.assign(slot, this.queue.shift()!);
    }
    const starting = [...this.slots].filter((s) => !s.ready).length;
    if (this.queue.length > starting && this.slots.size < this.threads) this.start();
  }

  private start(): void {
    const entry = workerEntry('render-worker');
    const worker = new Worker(entry.file, {
      workerData: entry.workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
      // The worker's own console and stdio are not needed; errors come back as replies.
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    slot.timer = setTimeout(() => this.onFailure(slot, new Error('worker did not start')), this.startMs).unref();
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    worker.on('error', (err) => this.onFailure(slot, err));
    worker.on('exit', () => this.onFailure(slot, new Error('worker exited')));
  }

  private assign(slot: Slot, task: Task): void {
    clearTimeout(slot.idle);
    clearTimeout(task.waiting);
    slot.task = task;
    slot.worker.ref();
    // The deadline counts from the moment a ready worker takes the task: waiting in the queue or for a worker
    // to start is not the text's fault.
    slot.timer = setTimeout(() => this.fail(slot, new WorkTooCostly(task.name, 'time')), task.deadlineMs);
    slot.worker.postMessage({ name: task.name, input: task.input });
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if ('ready' in reply) {
      clearTimeout(slot.timer);
      slot.ready = true;
      this.release(slot);
      return;
    }
    const task = slot.task;
    clearTimeout(slot.timer);
    slot.task = undefined;
    if (task) {
      if (reply.ok) task.resolve(reply.result);
      else task.reject(reply.tooCostly ? new WorkTooCostly(task.name, 'memory') : rebuildError(reply));
    }
    this.release(slot);
  }

  /** A free worker takes the next task, or waits unreferenced (it never keeps the process alive) and ends later. */
  private release(slot: Slot): void {
    if (this.queue.length > 0) {
      this.assign(slot, this.queue.shift()!);
      return;
    }
    slot.worker.unref();
    slot.idle = setTimeout(() => this.retire(slot), this.idleMs).unref();
  }

  private retire(slot: Slot): void {
    if (slot.task || !this.slots.delete(slot)) return;
    void this.end(slot);
  }

  private onFailure(slot: Slot, err: Error): void {
    if (!this.slots.has(slot)) return;
    const memory = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
    const task = slot.task;
    // A worker that cannot even start fails the task waiting longest, so a broken install answers at once
    // instead of starting workers forever.
    const victim = task ?? (slot.ready ? undefined : this.queue.shift());
    clearTimeout(victim?.waiting);
    this.fail(slot, victim && memory ? new WorkTooCostly(victim.name, 'memory') : err, victim);
  }

  private fail(slot: Slot, err: Error, task: Task | undefined = slot.task): void {
    clearTimeout(slot.timer);
    clearTimeout(slot.idle);
    slot.task = undefined;
    this.slots.delete(slot);
    void this.end(slot);
    task?.reject(err);
    this.pump();
  }

  private async end(slot: Slot): Promise<void> {
    clearTimeout(slot.timer);
    clearTimeout(slot.idle);
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    await slot.worker.terminate();
  }
}

function rebuildError(reply: Extract<WorkerReply, { ok: false }>): Error {
  if (reply.code && (ERROR_CODES as readonly string[]).includes(reply.code)) {
    return new AppError(reply.code as ErrorCode, reply.message, { fields: reply.fields });
  }
  return new Error(reply.message);
}

// One pool per process, like the thread pool sharp and zlib share: every use case that parses a person's text
// goes through it, and it starts its workers only when first asked (its defaults suit every caller).
let pool: BoundedWorkPool | undefined;

/** Runs a named task in a worker thread; rejects with WorkTooCostly past `deadlineMs` of the worker's time. */
export async function runBounded<T>(name: BoundedTaskName, input: unknown, deadlineMs: number): Promise<T> {
  pool ??= new BoundedWorkPool();
  return (await pool.run(name, input, deadlineMs)) as T;
}

/** Ends the workers (graceful shutdown). */
export async function closeBoundedWork(): Promise<void> {
  await pool?.close();
  pool = undefined;
}
