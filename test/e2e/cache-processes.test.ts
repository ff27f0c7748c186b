/**
 * The page cache across processes and nodes (issue 14): what one process writes reaches the others' caches as the
 * keys it changed, so they re-render exactly the pages that depend on them and keep the rest. Two `annalist serve`
 * processes on one database (SQLite: one data folder; PostgreSQL: one database), and a write made by the command
 * line; then two app nodes sharing the database and a real Redis, and Redis lost.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { openSite, type Site, shareSite } from '../../src/main.ts';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { openRedisSharedState } from '../../src/storage/redis/open-redis.ts';
import type { SharedState } from '../../src/storage/shared-state.ts';
import { buildApp } from '../../src/web/app.ts';
import { get, postComment } from '../support/http-client.ts';
import { almanacWxr } from '../support/import-files.ts';
import { runAnnalist, serveAnnalist } from '../support/process.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { newTestDatabase, TEST_BASE_URL, TEST_DATABASE, type TestDatabase } from '../support/site.ts';
import { until } from '../support/until.ts';

const A = '/khalkhin-gol-1939/';
const B = '/tsushima-1905/';
const WHERE = TEST_DATABASE === 'sqlite' ? 'one SQLite data folder' : 'one PostgreSQL database';

/** A fresh data folder and database with the demo, where a reader's comment is published at once. */
async function seededSite(): Promise<{ dir: string; database: TestDatabase }> {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-cache-nodes-'));
  const database = await newTestDatabase();
  const site = await openSite(dir, { databaseUrl: database.databaseUrl });
  try {
    await seedDemoSite(site.content, { mediaDir: site.mediaDir });
    await saveModerationSettings(site.content, { holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 });
  } finally {
    await site.storage.close();
  }
  return { dir, database };
}

describe(`two \`annalist serve\` processes on ${WHERE}`, () => {
  let dir = '';
  let database: TestDatabase | undefined;
  const children: ChildProcess[] = [];
  let p1 = '';
  let p2 = '';

  /** `annalist serve` on a free port on the data folder; resolves with its address once it listens. */
  const serve = (env: Record<string, string>) =>
    serveAnnalist({ ...env, ANNALIST_DATA_DIR: dir }, (child) => children.push(child));

  before(async () => {
    ({ dir, database } = await seededSite());
    // No stale bound: a page whose keys changed is rendered again by the next view that hears of the change.
    const env = { ...database.env, ANNALIST_STALE_MAX: '0' };
    p1 = await serve(env);
    p2 = await serve(env);
  });

  after(async () => {
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Reads `path` on a process until that process answers it from its cache. */
  async function cached(base: string, path: string) {
    await get(`${base}${path}`);
    const again = await get(`${base}${path}`);
    assert.equal(again.headers['x-cache'], 'hit', `${base}${path} is cached`);
    return again;
  }

  test('a comment posted on process 1: process 2 re-renders A with it, and keeps B', { timeout: 60_000 }, async () => {
    for (const path of [A, B, '/comments/feed/', `${B}comments/feed/`]) await cached(p2, path);
    const name = 'Enkhtuya Process';
    const posted = await postComment(p1, A, {
      name,
      email: 'enkhtuya@example.org',
      body: 'Posted through process 1, read through process 2.',
    });
    assert.ok(posted.id, `the comment was published (status ${posted.status} ${posted.location})`);
    const shown = `id="comment-${posted.id}"`;
    const answers: string[] = [];
    let page = await get(`${p2}${A}`);
    answers.push(String(page.headers['x-cache']));
    await until(`process 2 shows comment #${posted.id}`, async () => {
      if (page.body.includes(shown)) return true;
      page = await get(`${p2}${A}`);
      answers.push(String(page.headers['x-cache']));
      return false;
    });
    assert.equal(answers.at(-1), 'miss', `A is rendered again on process 2 (answers: ${answers.join(', ')})`);
    assert.ok(!answers.includes('stale'), 'never a stale copy');
    const feed = await get(`${p2}/comments/feed/`);
    assert.equal(feed.headers['x-cache'], 'miss');
    assert.match(feed.body, /Posted through process 1, read through process 2\./);
    for (const path of [B, `${B}comments/feed/`]) {
      const kept = await get(`${p2}${path}`);
      assert.equal(kept.headers['x-cache'], 'hit', `${path} stays cached on process 2`);
    }
    assert.match((await get(`${p2}${B}`)).body, new RegExp(name), "B's sidebar lists the new comment");
  });

  test('a write made with the command line (another process) is seen by both', { timeout: 90_000 }, async () => {
    for (const base of [p1, p2]) for (const path of ['/sitemap.xml', B]) await cached(base, path);
    const file = join(dir, 'almanac.xml');
    writeFileSync(file, almanacWxr());
    const run = await runAnnalist(['import', 'wordpress', file, '--data-dir', dir], database!.env);
    assert.equal(run.status, 0, run.stderr);
    for (const base of [p1, p2]) {
      const answers: string[] = [];
      await until(`${base} lists the imported article`, async () => {
        const sitemap = await get(`${base}/sitemap.xml`);
        answers.push(String(sitemap.headers['x-cache']));
        return sitemap.body.includes('/hanseatic-herring/');
      });
      assert.equal(answers.at(-1), 'miss', `${base}: the sitemap is rendered again (${answers.join(', ')})`);
      assert.equal((await get(`${base}/hanseatic-herring/`)).status, 200);
      // An import names no keys: everything is dropped, B too.
      assert.equal((await get(`${base}${B}`)).headers['x-cache'], 'miss', `${base}${B} after an import`);
    }
  });
});

/** One app node: its own database connection, its own Redis connections, its own page cache. */
interface AppNode {
  site: Site;
  shared: SharedState;
  app: FastifyInstance;
  close(): Promise<void>;
}

describe(`two app nodes on ${WHERE} and one Redis`, () => {
  let redis: TestRedis | undefined;
  let dir = '';
  let database: TestDatabase | undefined;
  let a: AppNode | undefined;
  let b: AppNode | undefined;

  async function startNode(): Promise<AppNode> {
    const site = await openSite(dir, { databaseUrl: database!.databaseUrl });
    const shared = await openRedisSharedState(redis!.url);
    shareSite(site, shared);
    const app = buildApp({
      content: site.content,
      contentVersion: site.storage.contentVersion,
      changes: site.changes,
      baseUrl: TEST_BASE_URL,
      mediaDir: site.mediaDir,
      shared,
      logger: false,
    });
    await app.ready();
    return {
      site,
      shared,
      app,
      async close() {
        await app.close();
        await shared.close();
        await site.storage.close();
      },
    };
  }

  before(async () => {
    redis = await startRedis();
    ({ dir, database } = await seededSite());
    a = await startNode();
    b = await startNode();
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const view = (node: AppNode, url: string) => node.app.inject({ method: 'GET', url });

  async function cached(node: AppNode, url: string) {
    await view(node, url);
    assert.equal((await view(node, url)).headers['x-cache'], 'hit', `${url} is cached`);
  }

  /** Reads `url` on `node` until `shows` holds; the x-cache of every answer, the last one showing it. */
  async function readUntil(node: AppNode, url: string, shows: (body: string) => boolean, what: string) {
    const answers: string[] = [];
    await until(what, async () => {
      const res = await view(node, url);
      answers.push(String(res.headers['x-cache']));
      return shows(res.body);
    });
    return answers;
  }

  test('a comment on node A: node B re-renders article A and keeps article B', async () => {
    for (const url of [A, B, '/comments/feed/']) await cached(b!, url);
    const text = 'Posted on node A, shown by node B.';
    const posted = await a!.app.inject({
      method: 'POST',
      url: `/api/v1/posts${A.replace(/\/$/, '')}/comments`,
      payload: { name: 'Two Nodes', email: 'two.nodes@example.net', body: text },
      remoteAddress: '192.0.2.40',
    });
    assert.equal(posted.statusCode, 201, posted.body);
    const answers = await readUntil(b!, A, (body) => body.includes(text), 'node B shows the comment');
    assert.equal(answers.at(-1), 'miss', `node B renders A again (answers: ${answers.join(', ')})`);
    assert.ok(!answers.includes('stale'));
    assert.equal((await view(b!, '/comments/feed/')).headers['x-cache'], 'miss');
    const kept = await view(b!, B);
    assert.equal(kept.headers['x-cache'], 'hit', 'article B stays cached on node B');
    assert.match(kept.body, /Two Nodes/, "B's sidebar lists the new comment");
  });

  test('Redis lost: a write on node A still reaches node B, exactly; Redis back: B drops everything once', {
    timeout: 60_000,
  }, async () => {
    await redis!.stop();
    await until('both nodes notice Redis is gone', () => !a!.shared.available() && !b!.shared.available());
    for (const url of [A, B]) await cached(b!, url);
    const row = await findPostBySlug(a!.site.content.db, A.slice(1, -1));
    assert.ok(row);
    const title = 'Khalkhin-Gol, retitled while Redis was away';
    await savePost(a!.site.content, {
      id: row.id,
      type: row.type,
      slug: row.slug,
      title,
      standfirst: row.standfirst,
      bodyMarkdown: row.body_md,
      status: row.status,
      publishedAt: row.published_at,
      categoryPath: 'russian-history/soviet-union',
    });
    // The database carries what the write changed: node B re-renders A, never serves its old title again …
    const answers = await readUntil(b!, A, (body) => body.includes(title), 'node B shows the new title');
    assert.equal(answers.at(-1), 'miss', `answers: ${answers.join(', ')}`);
    assert.ok(!answers.includes('stale'));
    for (let i = 0; i < 3; i++) assert.match((await view(b!, A)).body, new RegExp(title));
    // … and keeps B, which neither shows A's title nor neighbours it.
    assert.equal((await view(b!, B)).headers['x-cache'], 'hit');
    // Announcements sent while Redis was away were lost to it: once back, each node drops everything once.
    await redis!.restart();
    await until('both nodes reconnect', () => a!.shared.available() && b!.shared.available(), 15_000);
    await until('node B drops B once Redis is back', async () => (await view(b!, B)).headers['x-cache'] !== 'hit');
  });
});
