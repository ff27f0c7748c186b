import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readConfig } from '../../src/config.ts';
import { openSite, startServer } from '../../src/main.ts';
import { insertPost } from '../../src/modules/content/post.repository.ts';
import {
  cancelJob,
  claimDueJobs,
  completeJob,
  enqueueJob,
  failJob,
  findJobByKey,
  listFailedJobs,
} from '../../src/modules/jobs/job.repository.ts';
import { JobWorker } from '../../src/modules/jobs/job-worker.ts';
import {
  PUBLISH_POST,
  publishPostHandler,
  schedulePublish,
  unschedulePublish,
} from '../../src/modules/jobs/publish-post.job.ts';
import { systemClock } from '../../src/modules/shared/clock.ts';
import type { Db } from '../../src/storage/schema.ts';
import type { Storage } from '../../src/storage/storage.ts';
import { postRow } from '../support/posts.ts';
import { newTestDatabase, startTestSite, TestClock, type TestSite } from '../support/site.ts';

const T0 = new Date('2025-10-01T09:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

let site: TestSite;
let db: Db;
const clock = new TestClock(T0);

before(async () => {
  site = await startTestSite({ demo: false, clock });
  db = site.site.storage.db;
});
after(() => site.close());
beforeEach(async () => {
  clock.set(T0);
  await db.deleteFrom('jobs').execute();
});

describe('the job table', () => {
  test('an enqueued job is claimed once due, and not again after it is completed', async () => {
    await enqueueJob(db, { kind: 'mail', payload: { n: 1 }, runAt: at(60_000) });
    assert.deepEqual(await claimDueJobs(db, { workerId: 'w1', now: T0, leaseMs: 30_000, limit: 10 }), []);

    const [job] = await claimDueJobs(db, { workerId: 'w1', now: at(60_000), leaseMs: 30_000, limit: 10 });
    assert.ok(job);
    assert.deepEqual(job.payload, { n: 1 });
    assert.equal(job.lockedUntil, at(90_000).toISOString());
    assert.equal(await completeJob(db, job, at(61_000)), true);

    assert.deepEqual(await claimDueJobs(db, { workerId: 'w1', now: at(600_000), leaseMs: 30_000, limit: 10 }), []);
    const row = await db.selectFrom('jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    assert.equal(row.done_at, at(61_000).toISOString());
    assert.equal(row.locked_by, null);
  });

  test('a job whose lease expired (its worker died) is claimed again by another worker', async () => {
    await enqueueJob(db, { kind: 'mail', runAt: T0 });
    const [first] = await claimDueJobs(db, { workerId: 'dies', now: T0, leaseMs: 30_000, limit: 10 });
    assert.ok(first);
    // Within the lease nobody else gets it.
    assert.deepEqual(await claimDueJobs(db, { workerId: 'w2', now: at(29_000), leaseMs: 30_000, limit: 10 }), []);
    const [again] = await claimDueJobs(db, { workerId: 'w2', now: at(30_000), leaseMs: 30_000, limit: 10 });
    assert.equal(again?.id, first.id);
    assert.equal(again?.lockedBy, 'w2');
    // The dead worker coming back late cannot finish what is no longer its own.
    assert.equal(await completeJob(db, first, at(31_000)), false);
    assert.equal(await completeJob(db, again!, at(31_000)), true);
  });

  test('enqueueing the same key again moves the pending job instead of adding one', async () => {
    await enqueueJob(db, {
      kind: 'publish_post',
      uniqueKey: 'publish:7',
      payload: { postId: 7 },
      runAt: at(3_600_000),
    });
    await enqueueJob(db, {
      kind: 'publish_post',
      uniqueKey: 'publish:7',
      payload: { postId: 7 },
      runAt: at(7_200_000),
    });
    const rows = await db.selectFrom('jobs').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.run_at, at(7_200_000).toISOString());
    assert.deepEqual(await claimDueJobs(db, { workerId: 'w', now: at(3_600_000), leaseMs: 1000, limit: 10 }), []);
    assert.equal((await claimDueJobs(db, { workerId: 'w', now: at(7_200_000), leaseMs: 1000, limit: 10 })).length, 1);
  });

  test('a finished job with a key can be scheduled again, and a cancelled one never runs', async () => {
    await enqueueJob(db, { kind: 'k', uniqueKey: 'again', runAt: T0 });
    const [job] = await claimDueJobs(db, { workerId: 'w', now: T0, leaseMs: 1000, limit: 1 });
    await completeJob(db, job!, T0);
    await enqueueJob(db, { kind: 'k', uniqueKey: 'again', runAt: at(5000) });
    assert.equal((await findJobByKey(db, 'again'))?.done_at, null);

    assert.equal(await cancelJob(db, 'again'), true);
    assert.equal(await cancelJob(db, 'again'), false);
    assert.deepEqual(await claimDueJobs(db, { workerId: 'w', now: at(10_000), leaseMs: 1000, limit: 10 }), []);
  });

  test('a job rescheduled while it runs is not marked done: it runs again at its new time', async () => {
    await enqueueJob(db, { kind: 'k', uniqueKey: 'moving', runAt: T0 });
    const [job] = await claimDueJobs(db, { workerId: 'w', now: T0, leaseMs: 60_000, limit: 1 });
    await enqueueJob(db, { kind: 'k', uniqueKey: 'moving', runAt: at(120_000) });
    assert.equal(await completeJob(db, job!, at(1000)), false);
    const row = await findJobByKey(db, 'moving');
    assert.equal(row?.done_at, null);
    assert.equal(row?.locked_by, null);
    assert.equal((await claimDueJobs(db, { workerId: 'w', now: at(120_000), leaseMs: 1000, limit: 1 })).length, 1);
  });

  test('failures back off, keep the last error, and are given up after the last attempt with the row kept', async () => {
    await enqueueJob(db, { kind: 'k', uniqueKey: 'flaky', runAt: T0 });
    const delays = [1000, 5000];
    let now = T0;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [job] = await claimDueJobs(db, { workerId: 'w', now, leaseMs: 60_000, limit: 1 });
      assert.ok(job, `attempt ${attempt} is claimed`);
      const result = await failJob(db, job, {
        error: new Error(`boom ${attempt}`),
        now,
        maxAttempts: 3,
        retryDelaysMs: delays,
      });
      assert.equal(result.attempts, attempt);
      if (attempt < 3) {
        const wait = delays[attempt - 1]!;
        assert.equal(result.retryAt, new Date(now.getTime() + wait).toISOString());
        assert.deepEqual(
          await claimDueJobs(db, { workerId: 'w', now: new Date(now.getTime() + wait - 1), leaseMs: 1, limit: 1 }),
          [],
        );
        now = new Date(now.getTime() + wait);
      } else assert.equal(result.gaveUp, true);
    }
    const row = await findJobByKey(db, 'flaky');
    assert.equal(row?.attempts, 3);
    assert.equal(row?.last_error, 'boom 3');
    assert.ok(row?.done_at);
    assert.deepEqual(
      (await listFailedJobs(db)).map((j) => j.unique_key),
      ['flaky'],
    );
  });
});

describe('the job worker', () => {
  test('two workers on separate connections racing for the same due jobs run each job exactly once', async () => {
    // A second open of the same database (file or PostgreSQL), as a second process would have.
    const other: Storage = (await openSite(site.dir, { databaseUrl: site.databaseUrl })).storage;
    try {
      for (let i = 0; i < 25; i++) await enqueueJob(db, { kind: 'count', payload: { i }, runAt: T0 });
      const runs: number[] = [];
      const byWorker = new Map<string, number>();
      const handler = (name: string) => async (job: { payload: unknown }) => {
        runs.push((job.payload as { i: number }).i);
        byWorker.set(name, (byWorker.get(name) ?? 0) + 1);
        await sleep(1); // let the other worker in between claims
      };
      const a = new JobWorker({ db, clock, workerId: 'a', batchSize: 3 }).register('count', handler('a'));
      const b = new JobWorker({ db: other.db, clock, workerId: 'b', batchSize: 3 }).register('count', handler('b'));
      const [ranA, ranB] = await Promise.all([a.runDue(), b.runDue()]);
      assert.equal(ranA + ranB, 25);
      assert.deepEqual(
        [...runs].sort((x, y) => x - y),
        Array.from({ length: 25 }, (_, i) => i),
      );
      assert.ok(
        (byWorker.get('a') ?? 0) > 0 && (byWorker.get('b') ?? 0) > 0,
        `both workers took a share: ${JSON.stringify([...byWorker])}`,
      );
      const left = await db.selectFrom('jobs').select('id').where('done_at', 'is', null).execute();
      assert.equal(left.length, 0);
    } finally {
      await other.close();
    }
  });

  test('a failing handler is retried with backoff, and its error is recorded', async () => {
    const errors: object[] = [];
    let calls = 0;
    const worker = new JobWorker({
      db,
      clock,
      retryDelaysMs: [10_000],
      maxAttempts: 2,
      log: { error: (obj) => errors.push(obj) },
    }).register('fragile', async () => {
      calls++;
      throw new Error('the archive server is down');
    });
    await enqueueJob(db, { kind: 'fragile', uniqueKey: 'fragile-1', runAt: T0 });
    assert.equal(await worker.runDue(), 1);
    let row = await findJobByKey(db, 'fragile-1');
    assert.equal(row?.attempts, 1);
    assert.equal(row?.last_error, 'the archive server is down');
    assert.equal(row?.run_at, at(10_000).toISOString());
    assert.equal(await worker.runDue(), 0, 'not before the backoff');
    clock.set(at(10_000));
    assert.equal(await worker.runDue(), 1);
    row = await findJobByKey(db, 'fragile-1');
    assert.equal(row?.attempts, 2);
    assert.ok(row?.done_at, 'given up after the last attempt');
    assert.equal(calls, 2);
    assert.equal(errors.length, 2);
  });

  test('start() runs what fell due while it was stopped, and a poke wakes it for a job enqueued later', async () => {
    const ran: string[] = [];
    await enqueueJob(db, { kind: 'note', payload: 'missed', runAt: new Date(Date.now() - 60_000) });
    const worker = new JobWorker({ db, clock: systemClock, maxSleepMs: 60_000 }).register('note', async (job) => {
      ran.push(job.payload as string);
    });
    try {
      await worker.start();
      assert.deepEqual(ran, ['missed']);
      // Without the poke the worker would sleep its full minute.
      await enqueueJob(db, { kind: 'note', payload: 'soon', runAt: new Date(Date.now() + 150) });
      worker.poke();
      const deadline = Date.now() + 5000;
      while (ran.length < 2 && Date.now() < deadline) await sleep(25);
      assert.deepEqual(ran, ['missed', 'soon']);
    } finally {
      await worker.stop();
    }
  });

  test('stop() waits for the job in progress to finish', async () => {
    let finished = false;
    await enqueueJob(db, { kind: 'slow', runAt: new Date(Date.now() - 1000) });
    const worker = new JobWorker({ db, clock: systemClock }).register('slow', async () => {
      await sleep(100);
      finished = true;
    });
    const started = worker.start();
    await sleep(10);
    await worker.stop();
    assert.equal(finished, true);
    await started;
    assert.equal((await db.selectFrom('jobs').select('done_at').executeTakeFirst())?.done_at !== null, true);
  });
});

describe('scheduled publishing', () => {
  /** A scheduled post as the editor stores it (inserted directly: the editor's own save is tested elsewhere). */
  async function scheduledPost(slug: string, publishAt: Date, into: Db = db): Promise<number> {
    return insertPost(
      into,
      postRow({
        slug,
        title: `Scheduled ${slug}`,
        body_md: 'The relief column reached Hailar on the third day.',
        body_html: '<p>The relief column reached Hailar on the third day.</p>',
        status: 'scheduled',
        published_at: publishAt.toISOString(),
        created_at: T0.toISOString(),
        word_count: 9,
      }),
    );
  }
  const statusOf = async (id: number) =>
    (await db.selectFrom('posts').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  function publishWorker() {
    return new JobWorker({ db, clock, maxSleepMs: 60_000 }).register(
      PUBLISH_POST,
      publishPostHandler(site.site.content),
    );
  }

  test('a post whose time passed while the server was down is published when the worker starts', async () => {
    const id = await scheduledPost('missed-while-down', at(3_600_000));
    await db.transaction().execute((trx) => schedulePublish(trx, id, at(3_600_000)));
    // The server is down for two hours; the time passes with no worker running.
    clock.set(at(2 * 3_600_000));
    assert.equal(await statusOf(id), 'scheduled');
    const worker = publishWorker();
    try {
      await worker.start();
      assert.equal(await statusOf(id), 'published');
      assert.ok((await findJobByKey(db, `publish:${id}`))?.done_at);
    } finally {
      await worker.stop();
    }
  });

  test('a post is not published before its time, and a rescheduled post follows its new time', async () => {
    const id = await scheduledPost('rescheduled', at(3_600_000));
    await db.transaction().execute((trx) => schedulePublish(trx, id, at(3_600_000)));
    // The editor moves the time a day later: the post and its job move together.
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('posts')
        .set({ published_at: at(86_400_000).toISOString() })
        .where('id', '=', id)
        .execute();
      await schedulePublish(trx, id, at(86_400_000));
    });
    const jobs = await db.selectFrom('jobs').selectAll().where('unique_key', '=', `publish:${id}`).execute();
    assert.equal(jobs.length, 1);
    const worker = publishWorker();
    clock.set(at(3_600_000));
    await worker.runDue();
    assert.equal(await statusOf(id), 'scheduled');
    clock.set(at(86_400_000));
    await worker.runDue();
    assert.equal(await statusOf(id), 'published');
  });

  test('a post taken back to draft is not published, and an unscheduled publish leaves no job', async () => {
    const id = await scheduledPost('back-to-draft', at(1000));
    await db.transaction().execute((trx) => schedulePublish(trx, id, at(1000)));
    await db.updateTable('posts').set({ status: 'draft' }).where('id', '=', id).execute();
    clock.set(at(2000));
    await publishWorker().runDue();
    assert.equal(await statusOf(id), 'draft');

    const other = await scheduledPost('unscheduled', at(1000));
    await db.transaction().execute(async (trx) => {
      await schedulePublish(trx, other, at(1000));
      await unschedulePublish(trx, other);
    });
    assert.equal(await findJobByKey(db, `publish:${other}`), undefined);
  });

  test('a job that fires before the post time moved later follows the post rather than publishing early', async () => {
    const id = await scheduledPost('moved-without-job', at(7_200_000));
    await db.transaction().execute((trx) => schedulePublish(trx, id, at(1000)));
    clock.set(at(1000));
    await publishWorker().runDue();
    assert.equal(await statusOf(id), 'scheduled');
    const job = await findJobByKey(db, `publish:${id}`);
    assert.equal(job?.done_at, null);
    assert.equal(job?.run_at, at(7_200_000).toISOString());
  });

  test('publishing tells this process that content changed, so cached pages are refreshed', async () => {
    const id = await scheduledPost('cache-knows', at(1000));
    await db.transaction().execute((trx) => schedulePublish(trx, id, at(1000)));
    const before = site.site.storage.contentVersion();
    clock.set(at(1000));
    await publishWorker().runDue();
    assert.notEqual(site.site.storage.contentVersion(), before);
  });

  test('the server publishes on start what fell due while it was down, and publishes a new schedule on time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'annalist-jobs-'));
    const database = await newTestDatabase();
    try {
      const down = await openSite(dir, { databaseUrl: database.databaseUrl });
      const missed = await scheduledPost('missed-by-server', new Date(Date.now() - 60_000), down.storage.db);
      await down.storage.db.transaction().execute((trx) => schedulePublish(trx, missed, new Date(Date.now() - 60_000)));
      await down.storage.close();

      const config = readConfig(
        {},
        {
          dataDir: dir,
          databaseUrl: database.databaseUrl,
          port: 0,
          host: '127.0.0.1',
          logLevel: 'silent',
          workers: 1,
        },
      );
      const { app, site: live } = await startServer(config);
      try {
        const liveDb = live.storage.db;
        const status = async (id: number) =>
          (await liveDb.selectFrom('posts').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
        assert.equal(await status(missed), 'published');

        // The editor schedules a post 300 ms ahead; its save ends with noteWrite(), which wakes the worker.
        const soon = new Date(Date.now() + 300);
        const next = await scheduledPost('published-on-time', soon, liveDb);
        await liveDb.transaction().execute((trx) => schedulePublish(trx, next, soon));
        live.content.noteWrite();
        const deadline = Date.now() + 5000;
        while ((await status(next)) !== 'published' && Date.now() < deadline) await sleep(25);
        assert.equal(await status(next), 'published');
        assert.ok(Date.now() - soon.getTime() < 3000, 'published within moments of its time, not at the next minute');
      } finally {
        await app.close();
      }
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
