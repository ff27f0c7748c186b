import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
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
import { saveSiteSettings } from '../../src/modules/settings/settings.service.ts';
import { ChangeNotifier, commentChange, decodeChange, encodeChange } from '../../src/modules/shared/changes.ts';
import { openRedisSharedState } from '../../src/storage/redis/open-redis.ts';
import type { SharedPageEntry, SharedPageStore, SharedState } from '../../src/storage/shared-state.ts';
import { buildApp } from '../../src/web/app.ts';
import { FastPath } from '../../src/web/kit/fast-path.ts';
import { parsePage } from '../support/page.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { newTestDatabase, TEST_BASE_URL, TEST_DATABASE, TestClock, type TestDatabase } from '../support/site.ts';
import { until } from '../support/until.ts';

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
/** A third node whose stores into Redis the tests can hold back, with a stale bound and a clock of its own. */
let c: Node & { stores: HeldStores };
const C_STALE_MAX_MS = 1000;

/**
 * The node's real Redis page store, except that the store of a page the test names waits until the test lets it
 * go: a page rendered before a write can then reach Redis after the write's announcement, in that order.
 */
class HeldStores implements SharedPageStore {
  private readonly gates = new Map<string, { reached: () => void; go: Promise<void> }>();
  private readonly waiting = new Set<Promise<void>>();

  constructor(private readonly real: SharedPageStore) {}

  /** Holds the next store of `key`: `reached` resolves once it is held, `release` lets it go on to Redis. */
  hold(key: string): { reached: Promise<void>; release: () => void } {
    let release = () => {};
    let reached = () => {};
    const go = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = new Promise<void>((resolve) => {
      reached = resolve;
    });
    this.gates.set(key, { reached, go });
    return { reached: held, release };
  }

  lookup(key: string) {
    return this.real.lookup(key);
  }

  store(entry: SharedPageEntry): Promise<void> {
    const gate = this.gates.get(entry.key);
    if (!gate) return this.real.store(entry);
    this.gates.delete(entry.key);
    gate.reached();
    const p = gate.go.then(() => this.real.store(entry)).finally(() => this.waiting.delete(p));
    this.waiting.add(p);
    return p;
  }

  async settled() {
    await Promise.all([...this.waiting]);
    await this.real.settled();
  }
}

/**
 * A TCP proxy in front of the test Redis for one node. While `holding`, what Redis sends the node's subscriber
 * connection (the announcements) is held back; it is let through the moment the node asks Redis for the shared
 * generation on its other connection, so an announcement reaches the node while it reads the generation.
 */
class LateAnnouncements {
  holding = false;
  private held: { to: Socket; data: Buffer }[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(redisPort: number): Promise<LateAnnouncements> {
    const server = createServer();
    const proxy = new LateAnnouncements(server);
    server.on('connection', (client) => proxy.relay(client, createConnection(redisPort, '127.0.0.1')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    const address = this.server.address();
    return `redis://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  private relay(client: Socket, upstream: Socket): void {
    let subscriber = false;
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (data) => {
      const text = data.toString();
      if (/\r\nSUBSCRIBE\r\n/i.test(text)) subscriber = true;
      if (this.holding && /\r\nGET\r\n[\s\S]*annalist:generation/i.test(text)) this.release();
      upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (subscriber && this.holding) this.held.push({ to: client, data });
      else client.write(data);
    });
  }

  private release(): void {
    this.holding = false;
    for (const { to, data } of this.held.splice(0)) to.write(data);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface NodeOptions {
  jobs?: boolean;
  /** Where the node reaches Redis (default: the test Redis itself). */
  redisUrl?: string;
  staleMaxMs?: number;
  clock?: TestClock;
  pages?: (real: SharedPageStore) => SharedPageStore;
}

async function startNode(opts: NodeOptions = {}): Promise<Node> {
  const site = await openSite(dir, { databaseUrl: database.databaseUrl, clock: opts.clock ?? clock });
  const shared = await openRedisSharedState(opts.redisUrl ?? redis.url);
  const jobs = opts.jobs ? createJobWorker(site) : undefined;
  shareSite(site, shared, jobs);
  const app = buildApp({
    content: site.content,
    contentVersion: site.storage.contentVersion,
    changes: site.changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: site.mediaDir,
    commentPostsPerMinute: 4,
    shared: opts.pages ? { ...shared, pages: opts.pages(shared.pages) } : shared,
    staleMaxMs: opts.staleMaxMs,
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

/**
 * A node whose database never says that another process wrote (its content version never moves, its changes come
 * from nowhere else): only Redis can tell it.
 */
async function startDeafNode(redisUrl: string): Promise<Omit<Node, 'site'>> {
  const site = await openSite(dir, { databaseUrl: database.databaseUrl, clock });
  const shared = await openRedisSharedState(redisUrl);
  const changes = new ChangeNotifier();
  changes.addRemoteSource(() => shared.remoteChanges().map(decodeChange));
  const app = buildApp({
    content: site.content,
    contentVersion: () => 'never-moves',
    changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: site.mediaDir,
    shared,
    logger: false,
  });
  return {
    shared,
    app,
    async close() {
      await app.close();
      await shared.close();
      await site.storage.close();
    },
  };
}

/** Node C: its stores can be held, pages may be stale for C_STALE_MAX_MS, and its clock runs in real time. */
async function startNodeC(): Promise<Node & { stores: HeldStores }> {
  let stores: HeldStores | undefined;
  const own = new TestClock(clock.now());
  own.run();
  const node = await startNode({
    staleMaxMs: C_STALE_MAX_MS,
    clock: own,
    pages: (real) => {
      stores = new HeldStores(real);
      return stores;
    },
  });
  return { ...node, stores: stores as HeldStores };
}

const ARTICLE = '/khalkhin-gol-1939/';
/** Another article: neither shows nor neighbours ARTICLE's discussion. */
const OTHER = '/tsushima-1905/';

/** The comment count a list shows for ARTICLE. */
function countOfArticle(html: string): number {
  const page = parsePage(html);
  return Number(page.text(page.get('link', /^\d+ comments? on Khalkhin-Gol/)).split(' ')[0]);
}

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
  c = await startNodeC();
});

after(async () => {
  await a?.close();
  await b?.close();
  await c?.close();
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
    const deaf = await startDeafNode(redis.url);
    try {
      await deaf.app.inject({ url: ARTICLE });
      assert.equal((await deaf.app.inject({ url: ARTICLE })).headers['x-cache'], 'hit');
      const heard = deaf.shared.contentVersion();
      const posted = await postComment(a, 'Only Redis carried this one across.', '192.0.2.11');
      assert.equal(posted.statusCode, 201, posted.body);
      await until('the announcement arrives', () => deaf.shared.contentVersion() !== heard);
      assert.match((await deaf.app.inject({ url: ARTICLE })).body, /Only Redis carried this one across\./);
    } finally {
      await deaf.close();
    }
  });

  test('an announcement that reaches a node while it reads the generation for a writer is heard before it answers', async () => {
    const late = await LateAnnouncements.start(redis.port);
    // Deaf to its database, as a PostgreSQL node is until a slow notice arrives: only Redis tells it of the comment.
    const d = await startDeafNode(late.url);
    try {
      await d.app.inject({ url: ARTICLE });
      assert.equal((await d.app.inject({ url: ARTICLE })).headers['x-cache'], 'hit');
      late.holding = true;
      const posted = await postComment(a, 'Heard late, while the generation was read.', '192.0.2.14');
      assert.equal(posted.statusCode, 201, posted.body);
      const seen = seenPair(posted.headers['set-cookie']);
      assert.ok(seen);
      const after = await d.app.inject({ url: ARTICLE, headers: { cookie: seen } });
      assert.equal(late.holding, false, 'the node read the generation, and the announcement came meanwhile');
      assert.match(after.body, /Heard late, while the generation was read\./, 'the writer sees their comment');
    } finally {
      await d.close();
      await late.close();
    }
  });

  test('a comment on article A drops A’s page from Redis; article B’s page and the lists stay shared', async () => {
    const [pageA, pageB, list] = [`${ARTICLE}?by-key`, `${OTHER}?by-key`, '/?by-key'];
    for (const url of [pageA, pageB, list]) assert.equal((await a.app.inject({ url })).headers['x-cache'], 'miss');
    await a.shared.pages.settled();
    // Looked up in Redis itself, so node B's own cache stays empty of them.
    for (const url of [pageA, pageB, list]) assert.ok((await b.shared.pages.lookup(url))?.value, `${url} is in Redis`);
    const countBefore = countOfArticle((await a.app.inject({ url: list })).body);
    const posted = await postComment(a, 'Only article A changes with this comment.', '192.0.2.50');
    assert.equal(posted.statusCode, 201, posted.body);
    assert.equal((await b.shared.pages.lookup(pageA))?.value, undefined, 'A left Redis with the announcement');
    const kept = await b.app.inject({ url: pageB });
    assert.equal(kept.headers['x-cache'], 'shared', 'node B serves article B from Redis without rendering it');
    assert.equal(kept.statusCode, 200);
    // The home page lists A with its count: node B stitches its own current count into the copy from Redis.
    const listed = await b.app.inject({ url: list });
    assert.equal(listed.headers['x-cache'], 'shared', 'a comment renders no list, on any node');
    assert.equal(countOfArticle(listed.body), countBefore + 1, 'node B counts the new comment');
    const fresh = await b.app.inject({ url: pageA });
    assert.equal(fresh.headers['x-cache'], 'miss', 'node B renders article A');
    assert.match(fresh.body, /Only article A changes with this comment\./);
  });

  test('a page whose key set Redis evicted is a miss, never a stale hit', async () => {
    const url = `${OTHER}?evicted`;
    assert.equal((await a.app.inject({ url })).headers['x-cache'], 'miss');
    await a.shared.pages.settled();
    assert.ok((await b.shared.pages.lookup(url))?.value);
    // Under memory pressure Redis may evict a key set (it has a TTL) before the pages it lists; a change of that key
    // could then no longer find them. Evicted here by hand:
    const post = await findPostBySlug(a.site.storage.db, OTHER.slice(1, -1));
    assert.ok(post);
    const epoch = redisCli('GET', 'annalist:epoch').trim();
    assert.equal(redisCli('DEL', `annalist:shared-key:${epoch}:post:${post.id}:comments`).trim(), '1');
    assert.equal((await b.shared.pages.lookup(url))?.value, undefined, 'the page is no longer found');
    assert.equal((await b.app.inject({ url })).headers['x-cache'], 'miss');
  });

  test('a settings change drops every page from Redis', async () => {
    const pages = [`${ARTICLE}?settings`, `${OTHER}?settings`, '/tag/zhukov/?settings'];
    for (const url of pages) assert.equal((await a.app.inject({ url })).headers['x-cache'], 'miss');
    await a.shared.pages.settled();
    for (const url of pages) assert.ok((await b.shared.pages.lookup(url))?.value, `${url} is in Redis`);
    await saveSiteSettings(a.site.content, { title: 'Annals of Two Nodes' });
    await a.shared.settled(); // the announcement has reached Redis
    for (const url of pages) assert.equal((await b.shared.pages.lookup(url))?.value, undefined, `${url} dropped`);
    const other = await b.app.inject({ url: pages[1] });
    assert.equal(other.headers['x-cache'], 'miss');
    assert.match(other.body, /Annals of Two Nodes/);
  });

  test('a store looked up before a change of one of its keys is refused, whatever reaches Redis first', async () => {
    const post = 990_001;
    const dependsOn = [`post:${post}:comments`];
    const before = (await b.shared.pages.lookup('/race/before'))?.mark;
    assert.ok(before);
    // Stored first, then the change: the change drops it.
    await b.shared.pages.store({
      mark: before,
      key: '/race/early',
      value: Buffer.from('old'),
      dependsOn,
      ttlMs: 60_000,
    });
    assert.equal((await b.shared.pages.lookup('/race/early'))?.value?.toString(), 'old');
    await a.shared.noteWrite(encodeChange(commentChange(post)));
    assert.equal((await b.shared.pages.lookup('/race/early'))?.value, undefined, 'dropped by the change');
    // The change first, then the store of a render that began before it: refused.
    const entry = { mark: before, value: Buffer.from('old'), ttlMs: 60_000 };
    await b.shared.pages.store({ ...entry, key: '/race/late', dependsOn });
    assert.equal((await b.shared.pages.lookup('/race/late'))?.value, undefined, 'refused: rendered before the change');
    await b.shared.pages.store({ ...entry, key: '/race/any', dependsOn: ['*'] });
    assert.equal((await b.shared.pages.lookup('/race/any'))?.value, undefined, 'a page depending on anything too');
    // A page that does not depend on the changed keys is stored all the same.
    await b.shared.pages.store({ ...entry, key: '/race/other', dependsOn: [`post:${post + 1}:comments`] });
    assert.equal((await b.shared.pages.lookup('/race/other'))?.value?.toString(), 'old');
    // Looked up after the change: stored.
    const after = (await b.shared.pages.lookup('/race/after'))?.mark;
    assert.ok(after);
    await b.shared.pages.store({ ...entry, mark: after, key: '/race/late', dependsOn });
    assert.equal((await b.shared.pages.lookup('/race/late'))?.value?.toString(), 'old');
  });

  test('a page rendered before a comment and stored after it never reaches the other nodes; another article does', async () => {
    const [pageA, pageB] = [`${ARTICLE}?race`, `${OTHER}?race`];
    const heldA = c.stores.hold(pageA);
    const heldB = c.stores.hold(pageB);
    for (const url of [pageA, pageB]) assert.equal((await c.app.inject({ url })).headers['x-cache'], 'miss');
    // Both rendered on node C before the comment; their stores wait.
    let reached = false;
    void Promise.all([heldA.reached, heldB.reached]).then(() => {
      reached = true;
    });
    await until('node C stores both pages', () => reached);
    const text = 'Posted while node C’s copy was on its way to Redis.';
    const posted = await postComment(a, text, '192.0.2.51');
    assert.equal(posted.statusCode, 201, posted.body);
    heldA.release();
    heldB.release();
    await c.stores.settled();
    const onB = await b.app.inject({ url: pageA });
    assert.equal(onB.headers['x-cache'], 'miss', 'the copy rendered before the comment was not shared');
    assert.ok(onB.body.includes(text), 'node B shows the comment');
    assert.equal((await b.app.inject({ url: pageB })).headers['x-cache'], 'shared', 'article B was shared');
  });

  test('under a burst of comments on A, node C shows the last one within its stale bound and never an older copy after it', async () => {
    const url = `${ARTICLE}?burst`;
    await c.app.inject({ url });
    await c.stores.settled();
    let last = '';
    // Whether each view on C showed the newest comment posted when it was answered.
    const views: { startedAt: number; shows: boolean }[] = [];
    let reading = true;
    // One reader on node C and one on node B, reading all along: their renders race the comments into Redis.
    const readers = [c, b].map(async (node) => {
      while (reading) {
        const startedAt = Date.now();
        const res = await node.app.inject({ url });
        if (node === c) views.push({ startedAt, shows: res.body.includes(last) });
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    for (let i = 0; i < 6; i++) {
      last = `Burst comment ${i} on the armour at Khalkhin Gol.`;
      const posted = await postComment(a, last, `192.0.2.${60 + i}`);
      assert.equal(posted.statusCode, 201, posted.body);
    }
    // Node C hears the last announcement within milliseconds; the margin is for a busy machine.
    const bound = Date.now() + C_STALE_MAX_MS + 500;
    await until('five views on C past the bound', () => views.filter((v) => v.startedAt > bound).length >= 5, 15_000);
    reading = false;
    await Promise.all(readers);
    const late = views.filter((v) => v.startedAt > bound);
    assert.deepEqual(
      late.filter((v) => !v.shows),
      [],
      `every view on C past the bound shows the last comment (${late.length} views)`,
    );
    // Whatever Redis holds now is the page with it (or nothing): a node with no copy of its own shows it too.
    await c.stores.settled();
    await b.shared.pages.settled();
    const fresh = await a.app.inject({ url });
    assert.ok(fresh.body.includes(last), `node A (${fresh.headers['x-cache']}) shows the last comment`);
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
      'node B publishes the post',
      async () => (await findPostBySlug(b.site.storage.db, 'scheduled-on-node-a'))?.status === 'published',
      8000,
    );
    clock.set(clock.now());
  });

  test('Redis lost: pages still render, a rate-limited post answers 503; Redis back: the node recovers by itself', async () => {
    await redis.stop();
    await until('node A notices', () => !a.shared.available());
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
    await until('both nodes reconnect', () => a.shared.available() && b.shared.available(), 10_000);
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

/** What redis-cli prints for one command to the test Redis. */
function redisCli(...args: string[]): string {
  return spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), ...args], { encoding: 'utf8' }).stdout;
}

/** How many GET commands the test Redis has answered (INFO commandstats). */
function redisGets(): number {
  return Number(/cmdstat_get:calls=(\d+)/.exec(redisCli('INFO', 'commandstats'))?.[1] ?? 0);
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
      await until('the purge webhook is called', () => received.length > 0, 5000);
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
