import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../../storage/schema.ts';
import type { Clock } from '../shared/clock.ts';
import {
  type ClaimedJob,
  claimDueJobs,
  completeJob,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_DELAYS_MS,
  failJob,
  findNextWakeTime,
} from './job.repository.ts';

/** Runs one job. Throwing fails the attempt (retried with backoff); it may run more than once, so be idempotent. */
export type JobHandler = (job: ClaimedJob) => Promise<void>;

/** Where the worker reports (main.ts passes the app's logger). */
export interface JobLog {
  error(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export interface JobWorkerOptions {
  db: Db;
  clock: Clock;
  log?: JobLog;
  /** Names this worker's leases; defaults to host, process id and a random part. */
  workerId?: string;
  /** How long a claim holds a job; past it, another worker may take the job (default 5 minutes). */
  leaseMs?: number;
  /** The longest the worker sleeps, so jobs enqueued by other processes are seen (default 60 s). */
  maxSleepMs?: number;
  /** Jobs claimed at a time (default 10). */
  batchSize?: number;
  maxAttempts?: number;
  retryDelaysMs?: number[];
}

/** The shortest sleep when nothing could be claimed, so a job leased elsewhere cannot cause a busy loop. */
const MIN_IDLE_SLEEP_MS = 1000;
const POKE_DELAY_MS = 100;

/** The lane of kinds registered without one. */
const DEFAULT_LANE = 'default';

export interface RegisterOptions {
  /**
   * Jobs of one lane run one at a time; lanes run beside each other, each claiming only its own kinds. A long
   * job (a backup) on a lane of its own never holds back the short ones (scheduled publishing).
   */
  lane?: string;
}

/** One lane's state: its kinds, its timer, and the chain its passes run on one after another. */
interface Lane {
  kinds: string[];
  timer: NodeJS.Timeout | undefined;
  pokePending: boolean;
  chain: Promise<unknown>;
}

/**
 * Runs jobs from the durable table. `start()` first runs everything already due (so what fell due while the
 * server was down happens now), then sleeps on one timer per lane until the earliest pending job of the lane (at
 * most `maxSleepMs`). `poke()` re-arms the timers after a job was enqueued in this process. Within a lane, passes
 * run one at a time in a process; several processes may each run a worker on the same table (claims are atomic,
 * see job.repository.ts).
 */
export class JobWorker {
  readonly workerId: string;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly lanes = new Map<string, Lane>();
  private readonly leaseMs: number;
  private readonly maxSleepMs: number;
  private readonly batchSize: number;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: JobWorkerOptions) {
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.leaseMs = opts.leaseMs ?? 5 * 60_000;
    this.maxSleepMs = opts.maxSleepMs ?? 60_000;
    this.batchSize = opts.batchSize ?? 10;
  }

  /** Registers the handler for one kind of job; the worker claims only kinds it has handlers for. */
  register(kind: string, handler: JobHandler, options: RegisterOptions = {}): this {
    this.handlers.set(kind, handler);
    for (const lane of this.lanes.values()) lane.kinds = lane.kinds.filter((k) => k !== kind);
    const name = options.lane ?? DEFAULT_LANE;
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { kinds: [], timer: undefined, pokePending: false, chain: Promise.resolve() };
      this.lanes.set(name, lane);
    }
    lane.kinds.push(kind);
    return this;
  }

  /** Runs what is due now, then keeps running jobs as they fall due. Resolves after that first pass. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await Promise.all(
      this.activeLanes().map((lane) =>
        this.serial(lane, () => this.cycle(lane)).catch((err) => this.opts.log?.error({ err }, 'job pass failed')),
      ),
    );
  }

  /**
   * Something was enqueued (or rescheduled) here: look again for the earliest job. Pokes within POKE_DELAY_MS
   * share one look, so a burst of writes (main.ts pokes on every one) costs two small queries per lane, not one
   * per write.
   */
  poke(): void {
    if (!this.started || this.stopped) return;
    for (const lane of this.activeLanes()) {
      if (lane.pokePending) continue;
      lane.pokePending = true;
      const timer = setTimeout(() => {
        lane.pokePending = false;
        this.kick(lane);
      }, POKE_DELAY_MS);
      timer.unref();
    }
  }

  /** Runs every job due now, each lane beside the others (tests and the CLI use this); resolves with how many ran. */
  async runDue(): Promise<number> {
    const counts = await Promise.all(this.activeLanes().map((lane) => this.serial(lane, () => this.runAllDue(lane))));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Stops the timers and waits for the jobs in progress. Jobs left pending run on the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const lane of this.lanes.values()) clearTimeout(lane.timer);
    await Promise.all([...this.lanes.values()].map((lane) => lane.chain));
  }

  private activeLanes(): Lane[] {
    return [...this.lanes.values()].filter((lane) => lane.kinds.length > 0);
  }

  private serial<T>(lane: Lane, fn: () => Promise<T>): Promise<T> {
    const run = lane.chain.then(fn);
    lane.chain = run.catch(() => undefined);
    return run;
  }

  private kick(lane: Lane): void {
    if (this.stopped) return;
    this.serial(lane, () => this.cycle(lane)).catch((err) => this.opts.log?.error({ err }, 'job pass failed'));
  }

  private async cycle(lane: Lane): Promise<void> {
    try {
      await this.runAllDue(lane);
    } finally {
      if (!this.stopped) await this.arm(lane).catch(() => this.sleep(lane, this.maxSleepMs));
    }
  }

  private async runAllDue(lane: Lane): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const jobs = await claimDueJobs(this.opts.db, {
        workerId: this.workerId,
        now: this.opts.clock.now(),
        leaseMs: this.leaseMs,
        limit: this.batchSize,
        kinds: lane.kinds,
      });
      if (jobs.length === 0) return total;
      for (const job of jobs) await this.runOne(job);
      total += jobs.length;
    }
  }

  private async runOne(job: ClaimedJob): Promise<void> {
    const { db, clock, log } = this.opts;
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`No handler for jobs of kind "${job.kind}"`);
      await handler(job);
      await completeJob(db, job, clock.now());
    } catch (err) {
      const result = await failJob(db, job, {
        error: err,
        now: clock.now(),
        maxAttempts: this.opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        retryDelaysMs: this.opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      });
      log?.error(
        { jobId: job.id, kind: job.kind, attempt: result.attempts, gaveUp: result.gaveUp, err },
        result.gaveUp ? 'job given up' : 'job failed, will retry',
      );
    }
  }

  /** One timer per lane, to the lane's earliest pending job (capped), replacing any timer already set. */
  private async arm(lane: Lane): Promise<void> {
    const next = await findNextWakeTime(this.opts.db, lane.kinds);
    let delay = this.maxSleepMs;
    if (next !== undefined) delay = Math.min(delay, Math.max(0, Date.parse(next) - this.opts.clock.now().getTime()));
    // A pass has just claimed everything it could, so a job still due is leased elsewhere: wait, do not spin.
    if (delay === 0) delay = Math.min(MIN_IDLE_SLEEP_MS, this.maxSleepMs);
    this.sleep(lane, delay);
  }

  private sleep(lane: Lane, ms: number): void {
    clearTimeout(lane.timer);
    if (this.stopped) return;
    lane.timer = setTimeout(() => this.kick(lane), ms);
    lane.timer.unref();
  }
}
