/**
 * Two real `annalist serve` processes (two nodes, each with its own data folder) on one PostgreSQL database and
 * one Redis: a comment posted through node A is on node B's article page at the next request, while another
 * article rendered by node A stays in Redis for node B to serve; under load spread over both, node A is SIGKILLed
 * and the readers go on with node B. Every comment that got its 303 must be stored exactly once under the id it
 * named, and node B must keep answering throughout. Node B never seeded the demo: it serves the demo's drawings all
 * the same.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { get, postComment } from '../support/http-client.ts';
import { createTestDatabase, dropTestDatabase } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { testPostgresAdminUrl } from '../support/site.ts';

const BIN = fileURLToPath(new URL('../../bin/annalist.js', import.meta.url));
const ARTICLE = '/khalkhin-gol-1939/';
/** An article that neither shows nor neighbours ARTICLE's discussion. */
const OTHER = '/tsushima-1905/';
const LOOPS = 8;
// The form takes 20 posts a minute per address (shared by the nodes through Redis): move on well before that.
const POSTS_PER_ADDRESS = 8;
const root = mkdtempSync(join(tmpdir(), 'annalist-nodes-'));
const nodes: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

after(async () => {
  for (const node of nodes) if (node.exitCode === null && node.signalCode === null) node.kill('SIGKILL');
  await Promise.all(nodes.map((n) => (n.exitCode === null && n.signalCode === null ? once(n) : undefined)));
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

/** The exit code (or signal) of a child, once it has exited. */
const once = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode ?? child.signalCode)
    : new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));

/** `annalist serve` on a free port with its own data folder; resolves with its address once it listens. */
function serve(name: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      ...env,
      ANNALIST_DATA_DIR: join(root, name),
      ANNALIST_WORKERS: '1',
      // Every acknowledged comment must show on the very next view, by any reader: no stale bound (decision 036).
      ANNALIST_STALE_MAX: '0',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  nodes.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`node ${name} did not start: ${out}`)), 60_000);
    const read = (d: Buffer) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1]! });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (d: Buffer) => {
      out += d;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`node ${name} exited (${code ?? signal}): ${out}`));
    });
  });
}

describe('two app nodes on one PostgreSQL database and one Redis', () => {
  test('a comment posted on one node is read on the other; acknowledged comments survive kill -9 of a node', {
    timeout: 120_000,
  }, async (t) => {
    const admin = await testPostgresAdminUrl();
    const databaseUrl = await createTestDatabase(admin);
    cleanups.push(() => dropTestDatabase(admin, databaseUrl));
    const redis: TestRedis = await startRedis();
    cleanups.push(() => redis.stop());
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    cleanups.push(() => db.end());
    // Readers post as fast as a load test does: no first comment held, no flood or form-time checks.
    await db.query("insert into settings (key, value) values ('moderation', $1)", [
      JSON.stringify({ holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 }),
    ]);

    const env = { DATABASE_URL: databaseUrl, REDIS_URL: redis.url };
    const a = await serve('a', env); // seeds the demo
    const b = await serve('b', env);

    // B serves the demo's drawing although only A seeded the demo (B's data folder has no media/).
    const drawing = await get(`${b.base}/media/khalkhin-gol-map.svg`);
    assert.equal(drawing.status, 200, 'node B serves the demo drawing');
    assert.match(drawing.body, /<svg/);

    // Read on B first, so B (and the shared cache) hold the article page; then post on A with B's form.
    assert.equal((await get(`${b.base}${ARTICLE}`)).status, 200);
    const first = await postComment(
      a.base,
      ARTICLE,
      { name: 'Oyuunaa', email: 'oyuunaa@example.org', body: 'Posted on node A, read on node B.' },
      // The form comes from node B, the post goes to node A: the form token is signed with the site's key, which
      // every node reads from the database.
      { localAddress: '127.78.0.1', pageBase: b.base },
    );
    assert.ok(first.id, `node A acknowledged the comment (status ${first.status})`);
    const onB = await get(`${b.base}${first.location.split('#')[0]}`);
    assert.ok(onB.body.includes(`id="comment-${first.id}"`), `comment #${first.id} is on node B's next page view`);
    assert.equal(onB.headers['x-cache'], 'miss', "node B renders the article again: Redis dropped A's copy");
    // Another article, rendered on A before the next comment, is served by B from Redis after it: the comment
    // dropped from the shared cache only the pages that show its discussion.
    assert.equal((await get(`${a.base}${OTHER}`)).headers['x-cache'], 'miss');
    const second = await postComment(
      a.base,
      ARTICLE,
      { name: 'Oyuunaa', email: 'oyuunaa@example.org', body: 'A second word, on node A.' },
      { localAddress: '127.78.0.2' },
    );
    assert.ok(second.id, `node A acknowledged the second comment (status ${second.status})`);
    // A's store went to Redis before the comment's announcement, on the same connection.
    const other = await get(`${b.base}${OTHER}`);
    assert.deepEqual([other.status, other.headers['x-cache']], [200, 'shared'], 'node B serves it without rendering');
    const again = await get(`${b.base}${second.location.split('#')[0]}`);
    assert.ok(again.body.includes(`id="comment-${second.id}"`), `comment #${second.id} is on node B's next page view`);

    // Load over both nodes; A is killed part-way and the readers carry on with B.
    const acked: { id: number; marker: string; node: 'a' | 'b' }[] = [];
    let killedAt = 0;
    let ackedByBAfterKill = 0;
    const statuses: string[] = [];
    // The kill comes after 1.5 s and at least 10 comments acknowledged by A (a slow machine still gets a load);
    // the load goes on 3 s after it.
    const started = Date.now();
    const killer = setInterval(() => {
      if (Date.now() - started < 1500 || acked.filter((x) => x.node === 'a').length < 10) return;
      a.child.kill('SIGKILL');
      killedAt = Date.now();
      clearInterval(killer);
    }, 50);
    const going = () => Date.now() - started < 30_000 && (killedAt === 0 || Date.now() - killedAt < 3000);
    await Promise.all(
      Array.from({ length: LOOPS }, async (_, n) => {
        for (let i = 0; going(); i++) {
          const node = (n + i) % 2 === 0 ? a : b;
          const name = node === a ? 'a' : 'b';
          const marker = `two-nodes-${n}-${i}`;
          try {
            const res = await postComment(
              node.base,
              ARTICLE,
              { name: `Reader ${n}`, email: `reader-${n}@example.org`, body: `${marker} is kept.` },
              { localAddress: `127.78.${n + 1}.${Math.floor(i / POSTS_PER_ADDRESS) + 1}` },
            );
            if (res.id) {
              acked.push({ id: res.id, marker, node: name });
              if (killedAt && name === 'b') ackedByBAfterKill++;
            } else statuses.push(`${name}:${res.status}`);
          } catch (err) {
            statuses.push(`${name}:${(err as Error).message}`); // refused or cut by the kill: not acknowledged
          }
        }
      }),
    );
    clearInterval(killer);
    assert.ok(killedAt > 0, 'node A was killed during the load');
    assert.equal(await once(a.child), 'SIGKILL');
    const summary = `${acked.length} acknowledged; not: ${[...new Set(statuses)].slice(0, 8).join(', ')}`;
    t.diagnostic(`${summary}; ${ackedByBAfterKill} by B after the kill`);
    assert.ok(
      acked.filter((x) => x.node === 'a').length > 0,
      `node A acknowledged comments before the kill (${summary})`,
    );
    assert.ok(ackedByBAfterKill > 0, `node B kept taking comments after A was killed (${ackedByBAfterKill})`);

    const { rows } = await db.query<{ id: number; body_md: string }>(
      "select id, body_md from comments where body_md like 'two-nodes-%'",
    );
    const byMarker = new Map<string, number[]>();
    for (const r of rows) {
      const marker = r.body_md.split(' ')[0]!;
      byMarker.set(marker, [...(byMarker.get(marker) ?? []), r.id]);
    }
    for (const x of acked) assert.deepEqual(byMarker.get(x.marker), [x.id], `${x.marker} stored once as #${x.id}`);
    for (const [marker, ids] of byMarker) assert.equal(ids.length, 1, `${marker} is stored once (${ids.join(', ')})`);
    // A post cut by the kill may have been stored without its answer arriving: at most one per loop.
    assert.ok(
      rows.length - acked.length <= LOOPS,
      `unacknowledged but stored: ${rows.length - acked.length} (${summary})`,
    );

    const health = await get(`${b.base}/healthz`);
    assert.deepEqual([health.status, health.body], [200, 'ok\n'], "node B's health check passes after A's kill");

    // B still serves, and shows the newest comment.
    const newest = acked.filter((x) => x.node === 'b').at(-1)!;
    const last = await postComment(
      b.base,
      ARTICLE,
      { name: 'Last reader', email: 'last@example.org', body: 'After the storm.' },
      { localAddress: '127.78.99.1' },
    );
    assert.ok(last.id && last.id > newest.id, 'node B takes new comments after the load');
    const page = await get(`${b.base}${last.location.split('#')[0]}`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(`id="comment-${last.id}"`), 'and shows them');

    b.child.kill('SIGTERM');
    assert.equal(await once(b.child), 0, 'node B stops cleanly on SIGTERM');
  });
});
