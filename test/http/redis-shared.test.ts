import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { createJobWorker, openSite, type Site, shareSite } from '../../src/main.ts';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import type { JobWorker } from '../../src/modules/jobs/job-worker.ts';
import { schedulePublish } from '../../src/modules/jobs/publish-post.job.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { ChangeNotifier, decodeChange } from '../../src/modules/shared/changes.ts';
import { openRedisSharedState } from '../../src/storage/redis/open-redis.ts';
import type { SharedState } from '../../src/storage/shared-state.ts';
import { buildApp } from '../../src/web/app.ts';
import { FastPath } from '../../src/web/kit/fast-path.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { newTestDatabase, TEST_BASE_URL, TEST_DATABASE, TestClock, type TestDatabase } from '../support/site.ts';

/** One app node: its own database connection, its own Redis connections, its own page cache and job worker. */
interface Node {
  site: Site;
  shared: SharedState;
  app: FastifyInstance;
  jobs?: JobWorker;
  close(): Promise<void>;
}

let redis: TestRedis;
let database: TestDatabase;
let dir: string;
const clock = new TestClock(new Date('2026-11-27T09:00:00Z'));
let a: Node;
let b: Node;

async function startNode(opts: { jobs?: boolean } = {}): Promise<Node> {
  const site = await openSite(dir, { databaseUrl: database.databaseUrl, clock });
  const shared = await openRedisSharedState(redis.url);
  const jobs = opts.jobs ? createJobWorker(site) : undefined;
  shareSite(site, shared, jobs);
  const app = buildApp({
    content: site.content,
    contentVersion: site.storage.contentVersion,
    changes: site.changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: site.mediaDir,
    commentPostsPerMinute: 4,
    shared,
    logger: false,
  });
  await app.ready();
  await jobs?.start();
  return {
    site,
    shared,
    app,
    jobs,
    async close() {
      await app.close();
      await jobs?.stop();
      await shared.close();
      await site.storage.close();
    },
  };
}

/** Waits for a condition another node brings about through Redis (a published message); fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ARTICLE = '/khalkhin-gol-1939/';

function postComment(node: Node, body: string, remoteAddress: string) {
  return node.app.inject({
    method: 'POST',
    url: `/api/v1/posts${ARTICLE.replace(/\/$/, '')}/comments`,
    payload: { name: 'Two Nodes', email: 'two.nodes@example.net', body },
    remoteAddress,
  });
}

function signIn(node: Node, password: string) {
  return node.app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    headers: { origin: TEST_BASE_URL, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email: 'nobody-here@example.net', password, next: '/admin/' }).toString(),
    remoteAddress: '203.0.113.77',
  });
}

before(async () => {
  redis = await startRedis();
  database = await newTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'annalist-redis-test-'));
  a = await startNode();
  await seedDemoSite(a.site.content, { mediaDir: a.site.mediaDir });
  // Comments from a new address are published at once, so a reader sees them.
  await saveModerationSettings(a.site.content, { holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 });
  b = await startNode({ jobs: true });
});

after(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`two app nodes sharing Redis (${TEST_DATABASE})`, () => {
  test('a page rendered on node A is served by node B from the shared cache, with the same ETag', async () => {
    const probe = await a.app.inject({ url: '/tag/zhukov/?probe' });
    assert.equal(probe.headers['x-cache'], 'miss');
    await a.shared.pages.settled(); // the store does not hold up A's answer
    const r = await b.app.inject({ url: '/tag/zhukov/?probe', headers: { 'accept-encoding': 'br' } });
    assert.equal(r.headers['x-cache'], 'shared', 'B serves the page A rendered without rendering it');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers.etag, probe.headers.etag, 'the same ETag on every node');
    assert.equal(r.headers['content-encoding'], 'br', 'compressed once, on the node that rendered it');
    assert.equal(brotliDecompressSync(r.rawPayload).toString(), probe.body);
    const again = await b.app.inject({
      url: '/tag/zhukov/?probe',
      headers: { 'if-none-match': String(probe.headers.etag) },
    });
    assert.equal(again.statusCode, 304, 'the ETag from node A revalidates on node B');
  });

  test('a comment posted on node A is on node B’s next page although B had the page cached', async () => {
    await b.app.inject({ url: ARTICLE });
    const cached = await b.app.inject({ url: ARTICLE });
    assert.equal(cached.headers['x-cache'], 'hit');
    const posted = await postComment(a, 'Seen from the other node, about the Soviet armour.', '192.0.2.10');
    assert.equal(posted.statusCode, 201, posted.body);
    assert.equal(posted.json().comment.status, 'approved');
    // The writer's browser carries the generation its write reached to whichever node answers next.
    const seen = seenPair(posted.headers['set-cookie']);
    assert.ok(seen, 'the write names the generation its writer must see');
    const after = await b.app.inject({ url: ARTICLE, headers: { cookie: seen } });
    assert.match(after.body, /Seen from the other node, about the Soviet armour\./);
  });

  test('cached views ask Redis nothing while the announcements flow; a writer’s next view waits for its write', async () => {
    await b.app.inject({ url: '/about/' });
    assert.equal((await b.app.inject({ url: '/about/' })).headers['x-cache'], 'hit');
    const gets = redisGets();
    for (let i = 0; i < 5; i++) assert.equal((await b.app.inject({ url: '/about/' })).headers['x-cache'], 'hit');
    assert.equal(redisGets(), gets, 'no GET of the shared generation per view');
    // A reader back from a write B has not heard of yet (here: one far ahead) makes B read the generation first.
    const ahead = `annalist_seen=${Number(b.shared.generation()) + 1000}`;
    assert.equal(b.shared.mustRefresh(String(Number(b.shared.generation()) + 1000)), true);
    await b.app.inject({ url: '/about/', headers: { cookie: ahead } });
    assert.equal(redisGets(), gets + 1, 'one GET for the reader who wrote');
    // One whose write B has already heard of costs nothing either.
    await b.app.inject({ url: '/about/', headers: { cookie: `annalist_seen=${b.shared.generation()}` } });
    assert.equal(redisGets(), gets + 1);
  });

  test('a listening node answers cached views before Fastify; a writer’s next view there shows the write', async () => {
    let fast = 0;
    const tryServe = FastPath.prototype.tryServe;
    FastPath.prototype.tryServe = function (this: FastPath, req, res) {
      const served = tryServe.call(this, req, res);
      if (served) fast++;
      return served;
    };
    try {
      const base = await b.app.listen({ host: '127.0.0.1', port: 0 });
      const view = (cookie = 'annalist_form=x') => fetch(`${base}${ARTICLE}`, { headers: { cookie } });
      for (let i = 0; i < 3; i++) await view();
      const before = fast;
      const hit = await view();
      assert.equal(hit.headers.get('x-cache'), 'hit');
      assert.equal(fast, before + 1, 'answered by the fast path');
      const ahead = `annalist_form=x; annalist_seen=${Number(b.shared.generation()) + 1000}`;
      assert.equal((await view(ahead)).headers.get('x-cache'), 'hit');
      assert.equal(fast, before + 1, 'a generation B has not reached: Fastify refreshes first');
      const posted = await postComment(a, 'Posted on A, read through B’s fast path.', '192.0.2.12');
      assert.equal(posted.statusCode, 201, posted.body);
      const seen = seenPair(posted.headers['set-cookie']);
      assert.ok(seen);
      const after = await view(`annalist_form=x; ${seen}`);
      assert.match(await after.text(), /Posted on A, read through B’s fast path\./);
    } finally {
      FastPath.prototype.tryServe = tryServe;
    }
  });

  test('a write announced by another node starts a new generation even where the database gives no signal', async () => {
    // A node whose database never says that another process wrote: only Redis can tell it.
    const site = await openSite(dir, { databaseUrl: database.databaseUrl, clock });
    const shared = await openRedisSharedState(redis.url);
    // It hears nothing from its database either: only what Redis carries.
    const changes = new ChangeNotifier();
    changes.addRemoteSource(() => shared.remoteChanges().map(decodeChange));
    const deaf = buildApp({
      content: site.content,
      contentVersion: () => 'never-moves',
      changes,
      baseUrl: TEST_BASE_URL,
      mediaDir: site.mediaDir,
      shared,
      logger: false,
    });
    try {
      await deaf.inject({ url: ARTICLE });
      assert.equal((await deaf.inject({ url: ARTICLE })).headers['x-cache'], 'hit');
      const heard = shared.contentVersion();
      const posted = await postComment(a, 'Only Redis carried this one across.', '192.0.2.11');
      assert.equal(posted.statusCode, 201, posted.body);
      await until(() => shared.contentVersion() !== heard, 'the announcement arrives');
      assert.match((await deaf.inject({ url: ARTICLE })).body, /Only Redis carried this one across\./);
    } finally {
      await deaf.close();
      await shared.close();
      await site.storage.close();
    }
  });

  test('the comment limit counts posts on every node: split across A and B they still hit it', async () => {
    const ip = '192.0.2.20';
    const statuses: number[] = [];
    for (const [i, node] of [a, b, a, b].entries())
      statuses.push((await postComment(node, `Split post ${i}`, ip)).statusCode);
    assert.deepEqual(statuses, [201, 201, 201, 201]);
    const over = await postComment(b, 'One too many, on B.', ip);
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().error.code, 'RATE_LIMITED');
    assert.equal((await postComment(a, 'One too many, on A.', ip)).statusCode, 429);
  });

  test('the sign-in throttle counts failures on every node', async () => {
    for (const node of [a, b, a, b, a]) assert.equal((await signIn(node, 'wrong password')).statusCode, 401);
    const limited = await signIn(b, 'wrong password');
    assert.equal(limited.statusCode, 429);
    assert.match(limited.body, /Too many failed attempts/);
  });

  test('a post scheduled on node A is published by node B’s job worker, woken through Redis', async () => {
    clock.run();
    const at = new Date(clock.now().getTime() + 1500);
    const saved = await savePost(a.site.content, {
      type: 'post',
      slug: 'scheduled-on-node-a',
      title: 'Scheduled on node A',
      bodyMarkdown: 'Published by the worker of node B.',
      status: 'scheduled',
      publishedAt: at.toISOString(),
      categoryPath: 'russian-history/soviet-union',
    });
    await schedulePublish(a.site.storage.db, saved.id, at);
    a.site.content.noteWrite();
    // B's worker sleeps up to a minute when it has nothing to do; only the poke makes it look within seconds.
    await until(
      async () => (await findPostBySlug(b.site.storage.db, 'scheduled-on-node-a'))?.status === 'published',
      'node B publishes the post',
      8000,
    );
    clock.set(clock.now());
  });

  test('Redis lost: pages still render, a rate-limited post answers 503; Redis back: the node recovers by itself', async () => {
    await redis.stop();
    await until(() => !a.shared.available(), 'node A notices');
    const page = await a.app.inject({ url: '/category/russian-history/?while-down' });
    assert.equal(page.statusCode, 200);
    const api = await postComment(a, 'Sent while Redis is away.', '192.0.2.30');
    assert.equal(api.statusCode, 503);
    assert.equal(api.json().error.code, 'SHARED_STATE_UNAVAILABLE');
    const form = await a.app.inject({
      method: 'POST',
      url: '/admin/sign-in',
      headers: { origin: TEST_BASE_URL, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=someone%40example.net&password=x&next=%2Fadmin%2F',
    });
    assert.equal(form.statusCode, 503);
    assert.match(String(form.headers['content-type']), /text\/html/);
    assert.match(form.body, /briefly unavailable/);
    assert.doesNotMatch(form.body, /at .*\.ts:\d+/, 'no stack trace');

    const versionBefore = a.shared.contentVersion();
    await redis.restart();
    await until(() => a.shared.available() && b.shared.available(), 'both nodes reconnect', 10_000);
    assert.notEqual(a.shared.contentVersion(), versionBefore, 'the first-level cache is dropped once');
    const back = await postComment(a, 'Sent once Redis is back.', '192.0.2.31');
    assert.equal(back.statusCode, 201, back.body);
    const shared = await a.app.inject({ url: '/tag/zhukov/?after-restart' });
    assert.equal(shared.headers['x-cache'], 'miss');
    await a.shared.pages.settled();
    assert.equal((await b.app.inject({ url: '/tag/zhukov/?after-restart' })).headers['x-cache'], 'shared');
  });
});

/** The `annalist_seen=N` pair a write's answer sets. */
function seenPair(setCookie: string | string[] | undefined): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return all.find((c) => c.startsWith('annalist_seen='))?.split(';')[0];
}

/** How many GET commands the test Redis has answered (INFO commandstats). */
function redisGets(): number {
  const info = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'INFO', 'commandstats'], {
    encoding: 'utf8',
  });
  return Number(/cmdstat_get:calls=(\d+)/.exec(info.stdout)?.[1] ?? 0);
}

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = createConnection(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });

describe('starting with REDIS_URL', () => {
  test('an unreachable Redis stops `annalist serve` with one line and an exit code, and nothing listens', async () => {
    const [redisPort, httpPort] = [await freePort(), await freePort()];
    const data = mkdtempSync(join(tmpdir(), 'annalist-redis-start-'));
    try {
      const child = spawn(process.execPath, ['bin/annalist.js', 'serve'], {
        env: {
          ...process.env,
          ...database.env,
          ANNALIST_DATA_DIR: data,
          PORT: String(httpPort),
          REDIS_URL: `redis://:hunter2@127.0.0.1:${redisPort}`,
          LOG_LEVEL: 'silent',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      assert.equal(code, 1);
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(
        lines[0] ?? '',
        new RegExp(`^annalist: REDIS_URL: cannot reach Redis at 127\\.0\\.0\\.1:${redisPort}`),
      );
      assert.doesNotMatch(stderr, /hunter2/, 'never the password');
      assert.equal(await listening(httpPort), false);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  test('a REDIS_URL that is not a redis:// URL is refused with one line', async () => {
    const child = spawn(process.execPath, ['bin/annalist.js', 'serve'], {
      env: { ...process.env, REDIS_URL: 'http://127.0.0.1:6379', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 1);
    assert.equal(
      stderr.trim(),
      'annalist: REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379',
    );
  });
});

describe('`annalist serve` with REDIS_URL and ANNALIST_PURGE_WEBHOOK', () => {
  test('serves through the shared cache and tells the purge webhook after a write', async () => {
    const received: { body: unknown; type: string | undefined }[] = [];
    const hook = createHttpServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (d: Buffer) => {
        text += d.toString();
      });
      req.on('end', () => {
        received.push({ body: JSON.parse(text), type: req.headers['content-type'] });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const hookAddress = hook.address();
    const hookPort = typeof hookAddress === 'object' && hookAddress ? hookAddress.port : 0;
    const httpPort = await freePort();
    const data = mkdtempSync(join(tmpdir(), 'annalist-redis-serve-'));
    const served = await newTestDatabase();
    const child = spawn(process.execPath, ['bin/annalist.js', 'serve'], {
      env: {
        ...process.env,
        ...served.env,
        ANNALIST_DATA_DIR: data,
        PORT: String(httpPort),
        REDIS_URL: redis.url,
        ANNALIST_PURGE_WEBHOOK: `http://127.0.0.1:${hookPort}/purge`,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Annalist is serving')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const base = `http://127.0.0.1:${httpPort}`;
      const first = await fetch(`${base}/tag/zhukov/`);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('x-cache'), 'miss');
      assert.equal((await fetch(`${base}/tag/zhukov/`)).headers.get('x-cache'), 'hit');
      const posted = await fetch(`${base}/api/v1/posts/khalkhin-gol-1939/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Purge', email: 'purge@example.net', body: 'A write the CDN must hear about.' }),
      });
      assert.equal(posted.status, 201);
      await until(() => received.length > 0, 'the purge webhook is called', 5000);
      const [purge] = received;
      assert.ok(purge);
      assert.equal(purge.type, 'application/json');
      // The keys the comment changed, and the paths of the pages this node keeps that show them.
      const body = purge.body as { keys: string[]; paths: string[]; removal: boolean; generation: unknown };
      assert.deepEqual(Object.keys(body).sort(), ['generation', 'keys', 'paths', 'removal']);
      assert.ok(
        body.keys.includes('comments') && body.keys.some((k) => /^post:\d+:comments$/.test(k)),
        body.keys.join(' '),
      );
      assert.ok(Array.isArray(body.paths));
      assert.equal(body.removal, false);
      assert.equal(typeof body.generation, 'string');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
      hook.close();
      await served.drop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
