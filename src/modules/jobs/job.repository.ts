import type { ExpressionBuilder, Selectable } from 'kysely';
import type { DatabaseSchema, Db, JobTable } from '../../storage/schema.ts';

/**
 * The durable job table (decision 007). A job is a row: due once `run_at` has come, held by one worker while
 * `locked_until` is in the future, finished when `done_at` is set. Every statement is plain SQL any dialect
 * runs, and every claim is a conditional UPDATE whose affected-row count says who won, so several processes
 * can share one table. Delivery is at least once: handlers must be idempotent.
 */

export type JobRow = Selectable<JobTable>;

/** A job a worker has claimed: it holds the lease until `lockedUntil`. */
export interface ClaimedJob {
  id: number;
  kind: string;
  uniqueKey: string | null;
  payload: unknown;
  /** The run_at the job was claimed with: if it has moved since, the job was rescheduled while running. */
  runAt: string;
  /** Failed attempts before this one. */
  attempts: number;
  lockedBy: string;
  lockedUntil: string;
}

export interface EnqueueJobInput {
  kind: string;
  /** At most one pending job per key: enqueueing the key again replaces that job (e.g. "publish:42"). */
  uniqueKey?: string | null;
  payload?: unknown;
  runAt: Date | string;
  /** When the request was made (informational); defaults to the current time. */
  createdAt?: Date | string;
}

const iso = (t: Date | string): string => (typeof t === 'string' ? new Date(t) : t).toISOString();

/** The row a new job is inserted as, and what a row with its key is set to when it becomes this job. */
function jobRow(input: EnqueueJobInput) {
  const job = { kind: input.kind, payload_json: JSON.stringify(input.payload ?? {}), run_at: iso(input.runAt) };
  return {
    values: { ...job, unique_key: input.uniqueKey ?? null, created_at: iso(input.createdAt ?? new Date()) },
    fresh: { ...job, attempts: 0, last_error: null, done_at: null },
  };
}

/**
 * Adds a job, or, when a job with the same `uniqueKey` exists, makes that row the new pending job (moving its
 * run_at, replacing its payload, forgetting earlier failures). Pass the caller's transaction as `db` so the job
 * exists if and only if the change that asked for it commits. A job rescheduled while a worker runs it keeps
 * that worker's lease; the worker then sees run_at moved and leaves the job pending instead of finishing it.
 */
export async function enqueueJob(db: Db, input: EnqueueJobInput): Promise<number> {
  const { values, fresh } = jobRow(input);
  const row = await db
    .insertInto('jobs')
    .values(values)
    .onConflict((oc) => oc.column('unique_key').doUpdateSet(fresh))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Adds the job unless one with the same key is pending (queued or running): one statement, so two requests at
 * once queue it once. Returns the job's id, or undefined when one was already pending. A finished row with the
 * key becomes the new pending job.
 */
export async function enqueueJobIfIdle(
  db: Db,
  input: EnqueueJobInput & { uniqueKey: string },
): Promise<number | undefined> {
  const { values, fresh } = jobRow(input);
  const row = await db
    .insertInto('jobs')
    .values(values)
    .onConflict((oc) =>
      oc
        .column('unique_key')
        .doUpdateSet({ ...fresh, locked_until: null, locked_by: null })
        .where('jobs.done_at', 'is not', null),
    )
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/**
 * Extends the lease of a job this worker still holds (a long handler calls it now and then, so no other worker
 * takes the job while it runs). Returns false when the job is no longer this worker's.
 */
export async function renewJobLease(db: Db, job: Pick<ClaimedJob, 'id' | 'lockedBy'>, until: Date): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ locked_until: until.toISOString() })
    .where('id', '=', job.id)
    .where('locked_by', '=', job.lockedBy)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** How many jobs of `kind` a worker holds right now (claimed, lease not run out). */
export async function countLeasedJobs(db: Db, kind: string, now: Date): Promise<number> {
  const row = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', kind)
    .where('done_at', 'is', null)
    .where('locked_until', '>', now.toISOString())
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Withdraws the pending job with this key; true when there was one. A finished job's row is kept. */
export async function cancelJob(db: Db, uniqueKey: string): Promise<boolean> {
  const r = await db
    .deleteFrom('jobs')
    .where('unique_key', '=', uniqueKey)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The job with this key, pending or finished. */
export async function findJobByKey(db: Db, uniqueKey: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('unique_key', '=', uniqueKey).executeTakeFirst();
}

/** Jobs that were given up (finished with an error), newest first: for the dashboard. */
export async function listFailedJobs(db: Db, limit = 20): Promise<JobRow[]> {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('done_at', 'is not', null)
    .where('last_error', 'is not', null)
    .orderBy('done_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

function parsePayload(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return {};
  }
}

/**
 * Claims up to `limit` due jobs (run_at come, not finished, not leased or lease expired) for `workerId`, until
 * `now + leaseMs`. Each claim is `UPDATE … WHERE id = ? AND <still claimable>`: when two workers race for a row,
 * the database applies one update first and the other's WHERE no longer matches (SQLite serialises writers;
 * PostgreSQL re-checks the WHERE on the updated row), so exactly one sees a row affected.
 */
export async function claimDueJobs(
  db: Db,
  opts: { workerId: string; now: Date; leaseMs: number; limit: number; kinds?: string[] },
): Promise<ClaimedJob[]> {
  if (opts.leaseMs <= 0) throw new Error('A job lease must be longer than zero');
  const now = opts.now.toISOString();
  const lockedUntil = new Date(opts.now.getTime() + opts.leaseMs).toISOString();
  if (opts.kinds && opts.kinds.length === 0) return [];
  const claimable = (eb: ExpressionBuilder<DatabaseSchema, 'jobs'>) =>
    eb.and([
      eb('done_at', 'is', null),
      eb('run_at', '<=', now),
      eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]),
    ]);

  const claimed: ClaimedJob[] = [];
  // A row lost to another worker is leased by it now, so the next look skips it: a few rounds suffice.
  for (let round = 0; round < 5 && claimed.length < opts.limit; round++) {
    let q = db
      .selectFrom('jobs')
      .select(['id', 'kind', 'unique_key', 'payload_json', 'run_at', 'attempts'])
      .where(claimable);
    if (opts.kinds) q = q.where('kind', 'in', opts.kinds);
    const candidates = await q
      .orderBy('run_at')
      .orderBy('id')
      .limit(opts.limit - claimed.length)
      .execute();
    let lost = 0;
    for (const c of candidates) {
      const r = await db
        .updateTable('jobs')
        .set({ locked_until: lockedUntil, locked_by: opts.workerId })
        .where('id', '=', c.id)
        .where(claimable)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) {
        lost++; // another worker won this one
        continue;
      }
      claimed.push({
        id: c.id,
        kind: c.kind,
        uniqueKey: c.unique_key,
        payload: parsePayload(c.payload_json),
        runAt: c.run_at,
        attempts: c.attempts,
        lockedBy: opts.workerId,
        lockedUntil,
      });
    }
    if (lost === 0) break;
  }
  return claimed;
}

/** Gives the lease back without finishing (the job was rescheduled while it ran). */
async function releaseJob(db: Db, job: Pick<ClaimedJob, 'id' | 'lockedBy'>): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ locked_until: null, locked_by: null })
    .where('id', '=', job.id)
    .where('locked_by', '=', job.lockedBy)
    .execute();
}

/**
 * Marks a claimed job done. Only while this worker still holds it and nobody rescheduled it meanwhile; a
 * rescheduled job is released instead so it runs again at its new time. Returns whether it was finished.
 */
export async function completeJob(db: Db, job: ClaimedJob, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ done_at: now.toISOString(), locked_until: null, locked_by: null, last_error: null })
    .where('id', '=', job.id)
    .where('locked_by', '=', job.lockedBy)
    .where('run_at', '=', job.runAt)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 1) return true;
  await releaseJob(db, job);
  return false;
}

/** Default wait after the n-th failure: 30 s, 2 min, 8 min, 32 min, then 2 hours at most. */
export const DEFAULT_RETRY_DELAYS_MS = [30_000, 120_000, 480_000, 1_920_000, 7_200_000];
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface FailJobResult {
  attempts: number;
  /** True when the job was given up: the row is kept, finished, with its last error. */
  gaveUp: boolean;
  /** When it will be tried again (undefined when given up or no longer ours). */
  retryAt?: string;
}

/**
 * Records a failed attempt: attempts + 1, the error, and either a retry time (backoff) or, after `maxAttempts`,
 * giving up (done_at set, the row kept so the failure can be shown). A job rescheduled while it ran is only
 * released: the new schedule wins over the retry.
 */
export async function failJob(
  db: Db,
  job: ClaimedJob,
  opts: { error: unknown; now: Date; maxAttempts?: number; retryDelaysMs?: number[] },
): Promise<FailJobResult> {
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const attempts = job.attempts + 1;
  const message = (opts.error instanceof Error ? opts.error.message : String(opts.error)).slice(0, 1000);
  const gaveUp = attempts >= maxAttempts;
  const delay = Math.max(1, delays[attempts - 1] ?? delays.at(-1) ?? 60_000);
  const retryAt = new Date(opts.now.getTime() + delay).toISOString();
  const r = await db
    .updateTable('jobs')
    .set({
      attempts,
      last_error: message,
      locked_until: null,
      locked_by: null,
      ...(gaveUp ? { done_at: opts.now.toISOString() } : { run_at: retryAt }),
    })
    .where('id', '=', job.id)
    .where('locked_by', '=', job.lockedBy)
    .where('run_at', '=', job.runAt)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) {
    await releaseJob(db, job);
    return { attempts: job.attempts, gaveUp: false };
  }
  return gaveUp ? { attempts, gaveUp } : { attempts, gaveUp, retryAt };
}

/**
 * When a worker handling `kinds` should next look: the earliest time a pending job becomes claimable, that is
 * its run_at, or, for a leased job (whose worker may have died), the later of run_at and the lease's end.
 * Undefined when nothing is pending.
 */
export async function findNextWakeTime(db: Db, kinds: string[]): Promise<string | undefined> {
  if (kinds.length === 0) return undefined;
  const row = await db
    .selectFrom('jobs')
    .select((eb) =>
      eb.fn
        .min<string | null>(
          eb
            .case()
            .when(eb.or([eb('locked_until', 'is', null), eb('run_at', '>', eb.ref('locked_until'))]))
            .then(eb.ref('run_at'))
            .else(eb.ref('locked_until'))
            .end(),
        )
        .as('next'),
    )
    .where('done_at', 'is', null)
    .where('kind', 'in', kinds)
    .executeTakeFirst();
  return row?.next ?? undefined;
}
