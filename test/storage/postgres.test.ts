import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { openSite } from '../../src/main.ts';
import { MIGRATION_NAMES } from '../../src/storage/migrations/index.ts';
import { openPostgresStorage } from '../../src/storage/postgres/open-postgres.ts';
import { HIGHLIGHT_END, HIGHLIGHT_START } from '../../src/storage/search-index.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/open-sqlite.ts';
import { type Storage, StorageOpenError } from '../../src/storage/storage.ts';
import { buildApp } from '../../src/web/app.ts';
import { createTestDatabase, findPostgresBin, startPostgres, type TestPostgres } from '../support/postgres.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const quiet = () => {};

// This file starts (and stops, and restarts) a PostgreSQL cluster of its own and runs the search assertions on
// both databases itself, whichever pass runs it: scripts/test.mjs runs it once (RUN_ONCE), in the first pass.

let cluster: TestPostgres;
const temps: string[] = [];
const storages: Storage[] = [];

before(async () => {
  cluster = await startPostgres();
});
after(async () => {
  for (const s of storages) await s.close().catch(() => {});
  await cluster?.stop();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-pg-test-'));
  temps.push(dir);
  return dir;
}

/** An empty database (not the migrated template), to see the migrations run. */
async function emptyDatabase(): Promise<string> {
  const name = `annalist_empty_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function open(url: string): Promise<Storage> {
  const s = await openPostgresStorage(url, { log: quiet });
  storages.push(s);
  return s;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const isListening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('opening PostgreSQL', () => {
  test('a fresh database is migrated, and opening it again changes nothing', async () => {
    const url = await emptyDatabase();
    const first = await open(url);
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(first.db);
    assert.deepEqual(
      rows.map((r) => r.name),
      MIGRATION_NAMES,
    );
    assert.ok(MIGRATION_NAMES.includes('006-post-bodies'));
    const second = await open(url);
    const again = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(second.db);
    assert.equal(
      again.rows[0]?.n,
      MIGRATION_NAMES.length,
      'count(*) comes back as a number, and no migration ran twice',
    );
  });

  test('two nodes starting at once on an empty database both open it; the migrations run once', async () => {
    const url = await emptyDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    const { rows } = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(a.db);
    assert.equal(rows[0]?.n, MIGRATION_NAMES.length);
    const posts = await sql<{ n: number }>`select count(*) as n from posts`.execute(b.db);
    assert.equal(posts.rows[0]?.n, 0);
  });

  test('an unreachable server is one line naming host:port/database, never the password', async () => {
    const port = await freePort();
    const url = `postgres://annalist:Sup3rS3cret@127.0.0.1:${port}/annalist`;
    const err = await openPostgresStorage(url, { log: quiet }).then(
      () => assert.fail('opened a closed port'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StorageOpenError);
    assert.equal(err.code, 'DATABASE_UNREACHABLE');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}/annalist`));
    assert.match(err.message, /connection refused/);
    assert.doesNotMatch(err.message, /Sup3rS3cret|\n/);
  });

  test('a database that does not exist is one line that says so', async () => {
    const url = new URL(cluster.url);
    url.pathname = '/no_such_database';
    const err = await openPostgresStorage(url.toString(), { log: quiet }).then(
      () => assert.fail('opened a missing database'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StorageOpenError);
    assert.equal(err.code, 'DATABASE_UNREACHABLE');
    assert.match(err.message, /no_such_database.*does not exist/);
  });

  test('`annalist serve` with an unreachable DATABASE_URL exits non-zero with one line, and nothing listens', async () => {
    const dbPort = await freePort();
    const port = await freePort();
    const dir = tempDir();
    const child = spawn(process.execPath, ['bin/annalist.js', 'serve'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: `postgres://annalist:Sup3rS3cret@127.0.0.1:${dbPort}/annalist`,
        PORT: String(port),
        ANNALIST_DATA_DIR: dir,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let listenedMeanwhile = false;
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const probe = setInterval(async () => {
      if (await isListening(port)) listenedMeanwhile = true;
    }, 20);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearInterval(probe);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, new RegExp(`^annalist: cannot use PostgreSQL at 127\\.0\\.0\\.1:${dbPort}/annalist`));
    assert.doesNotMatch(stderr, /Sup3rS3cret/);
    assert.equal(listenedMeanwhile, false);
    assert.equal(await isListening(port), false);
  });

  test('`annalist check` with DATABASE_URL says the server is reachable and the schema ok; a bad URL is one line', async () => {
    const url = await createTestDatabase(cluster.url);
    const ok = await run(process.execPath, ['bin/annalist.js', 'check'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, ANNALIST_DATA_DIR: tempDir() },
    });
    assert.match(ok.stdout, /PostgreSQL at 127\.0\.0\.1:\d+\/annalist_test_\w+: reachable, Annalist schema ok\./);
    const bad = await run(process.execPath, ['bin/annalist.js', 'check'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: 'mysql://root:pw@localhost/x', ANNALIST_DATA_DIR: tempDir() },
    }).then(
      () => assert.fail('accepted a mysql:// URL'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^annalist: DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
    assert.doesNotMatch(bad.stderr, /pw@/);
  });
});

/** Posts and their search documents, written the same way on either database. */
async function seedSearch(storage: Storage): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  const body = (n: number, word: string) =>
    `${Array.from({ length: n }, (_, i) => `filler${i}`).join(' ')} ${word} ${Array.from({ length: n }, (_, i) => `more${i}`).join(' ')}`;
  const docs: {
    key: string;
    status: string;
    publishedAt: string | null;
    title: string;
    standfirst: string;
    body: string;
  }[] = [
    {
      key: 'titled',
      status: 'published',
      publishedAt: '2025-01-01T00:00:00.000Z',
      title: 'The battles of Khalkhin Gol',
      standfirst: 'Summer 1939 in Mongolia.',
      body: 'Soviet and Mongolian forces met the Kwantung Army.',
    },
    {
      key: 'bodied',
      status: 'published',
      publishedAt: '2025-01-02T00:00:00.000Z',
      title: 'Logistics on the steppe',
      standfirst: 'Supplying an army far from the railway.',
      body: body(60, 'A battle was fought where the lorries could reach.'),
    },
    {
      key: 'accented',
      status: 'published',
      publishedAt: '2025-01-03T00:00:00.000Z',
      title: 'Émigré memoirs',
      standfirst: '',
      body: 'The café on the Khalkhin-Gol road, as an émigré remembered it.',
    },
    {
      key: 'draft',
      status: 'draft',
      publishedAt: null,
      title: 'A battle not yet written',
      standfirst: '',
      body: 'battle',
    },
    {
      key: 'future',
      status: 'scheduled',
      publishedAt: '2099-01-01T00:00:00.000Z',
      title: 'A battle to come',
      standfirst: '',
      body: 'battle',
    },
  ];
  for (const d of docs) {
    const { rows } = await sql<{ id: number }>`insert into posts (type, slug, title, status, published_at, created_at)
      values ('post', ${d.key}, ${d.title}, ${d.status}, ${d.publishedAt}, '2025-01-01T00:00:00.000Z') returning id`.execute(
      storage.db,
    );
    const id = rows[0]!.id;
    ids[d.key] = id;
    await storage.search.upsert({ postId: id, title: d.title, standfirst: d.standfirst, body: d.body });
  }
  return ids;
}

const PAGE = { limit: 10, offset: 0, visibleAt: '2026-01-01T00:00:00.000Z' };
const marked = (word: string) => `${HIGHLIGHT_START}${word}${HIGHLIGHT_END}`;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`search on ${backend}`, () => {
    let storage: Storage;
    let ids: Record<string, number>;
    before(async () => {
      storage =
        backend === 'sqlite'
          ? await openSqliteStorage(join(tempDir(), 'annalist.db'))
          : await open(await createTestDatabase(cluster.url));
      if (backend === 'sqlite') storages.push(storage);
      ids = await seedSearch(storage);
    });

    test('a word in the title ranks above the same word in the body; stems match (battles, battle)', async () => {
      const { hits, total } = await storage.search.query(['battle'], PAGE);
      assert.equal(total, 2);
      assert.deepEqual(
        hits.map((h) => h.postId),
        [ids.titled, ids.bodied],
      );
      assert.ok(hits[0]!.rank < hits[1]!.rank, 'lower rank is better, as with bm25()');
    });

    test('drafts and posts scheduled after the moment asked about are not found', async () => {
      const { hits } = await storage.search.query(['battle'], PAGE);
      assert.ok(!hits.some((h) => h.postId === ids.draft || h.postId === ids.future));
      const later = await storage.search.query(['battle'], { ...PAGE, visibleAt: '2099-06-01T00:00:00.000Z' });
      assert.ok(later.hits.some((h) => h.postId === ids.future));
      assert.equal(later.total, 3);
    });

    test('every term must occur', async () => {
      assert.deepEqual(
        (await storage.search.query(['battle', 'lorries'], PAGE)).hits.map((h) => h.postId),
        [ids.bodied],
      );
      assert.equal((await storage.search.query(['battle', 'xylophone'], PAGE)).total, 0);
    });

    test('accents are folded and hyphenated names match their parts', async () => {
      assert.deepEqual(
        (await storage.search.query(['cafe'], PAGE)).hits.map((h) => h.postId),
        [ids.accented],
      );
      assert.deepEqual(
        (await storage.search.query(['emigre'], PAGE)).hits.map((h) => h.postId),
        [ids.accented],
      );
      const gol = (await storage.search.query(['Khalkhin-Gol'], PAGE)).hits.map((h) => h.postId).sort();
      assert.deepEqual(gol, [ids.titled, ids.accented].sort());
    });

    test('query syntax in a term is a plain word, never an operator', async () => {
      const { total } = await storage.search.query(['NEAR', 'OR', 'battle'], PAGE);
      assert.equal(total, 0);
    });

    test('the snippet quotes the body around the match, marked, with … where it was cut', async () => {
      const { hits } = await storage.search.query(['battle'], PAGE);
      const bodied = hits.find((h) => h.postId === ids.bodied)!;
      assert.ok(bodied.snippet.includes(marked('battle')), bodied.snippet);
      assert.ok(bodied.snippet.startsWith('…') && bodied.snippet.endsWith('…'), bodied.snippet);
      const words = bodied.snippet.split(/\s+/).length;
      assert.ok(words >= 12 && words <= 40, `a snippet of about 32 words, not ${words}`);
      // A match in the title only: the snippet is the start of the body, uncut.
      const titled = hits.find((h) => h.postId === ids.titled)!;
      assert.equal(titled.snippet, 'Soviet and Mongolian forces met the Kwantung Army.');
    });

    test('pages: limit and offset, with the total of all pages', async () => {
      const first = await storage.search.query(['battle'], { ...PAGE, limit: 1 });
      const second = await storage.search.query(['battle'], { ...PAGE, limit: 1, offset: 1 });
      assert.equal(first.total, 2);
      assert.equal(second.total, 2);
      assert.deepEqual([first.hits[0]?.postId, second.hits[0]?.postId], [ids.titled, ids.bodied]);
    });

    test('an updated document replaces the old text; a removed one is gone', async () => {
      await storage.search.upsert({ postId: ids.bodied!, title: 'Logistics', standfirst: '', body: 'Only lorries.' });
      assert.deepEqual(
        (await storage.search.query(['battle'], PAGE)).hits.map((h) => h.postId),
        [ids.titled],
      );
      await storage.search.remove(ids.titled!);
      assert.equal((await storage.search.query(['battle'], PAGE)).total, 0);
    });
  });
}

describe('content version across nodes', () => {
  test("a write on node A moves node B's content version; B's own write is not counted twice", async () => {
    const url = await createTestDatabase(cluster.url);
    const a = await open(url);
    const b = await open(url);
    const before = b.contentVersion();
    assert.equal(b.contentVersion(), before, 'stable while nothing is written');
    a.noteWrite('post:7 posts');
    await waitFor("B to hear A's write", () => b.contentVersion() !== before, 5000);
    assert.deepEqual(b.remoteChanges(), ['post:7 posts'], 'B hears what A changed');
    assert.deepEqual(b.remoteChanges(), [], 'once');
    const heard = b.contentVersion();
    b.noteWrite('!post:7:comments comments');
    const afterOwn = b.contentVersion();
    assert.notEqual(afterOwn, heard, 'its own write moves B at once');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(b.contentVersion(), afterOwn, 'and its own notice coming back does not move it again');
    assert.deepEqual(b.remoteChanges(), [], 'nor is it heard as another node’s change');
    await waitFor("A to hear B's removal", () => a.remoteChanges().includes('!post:7:comments comments'), 5000);
    await waitFor("A to hear B's write", () => a.contentVersion().split('.')[0] === '1');
  });
});

describe('when PostgreSQL goes away', () => {
  test('pages are a readable 503 (JSON under /api/) and the site recovers on its own when it is back', async () => {
    const url = await createTestDatabase(cluster.url);
    const dir = tempDir();
    const site = await openSite(dir, { databaseUrl: url });
    storages.push(site.storage);
    const app = buildApp({
      content: site.content,
      contentVersion: site.storage.contentVersion,
      changes: site.changes,
      baseUrl: 'http://annalist.test',
      mediaDir: site.mediaDir,
      pageCache: false,
      logger: false,
    });
    await app.ready();
    try {
      assert.equal((await app.inject({ url: '/' })).statusCode, 200);
      const before = site.storage.contentVersion();

      await pgCtl(cluster.url, 'stop');
      const page = await app.inject({ url: '/' });
      assert.equal(page.statusCode, 503);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      assert.match(page.body, /The site is briefly unavailable/);
      assert.doesNotMatch(page.body, /at .*\.ts:\d+|ECONNREFUSED|Error:/);
      assert.equal(page.headers['retry-after'], '30');
      const api = await app.inject({ url: '/api/v1/posts' });
      assert.equal(api.statusCode, 503);
      assert.equal(api.json().error.code, 'DATABASE_UNAVAILABLE');
      // Deaf to other nodes meanwhile: the version moves on every look, so no cache keeps a page.
      assert.notEqual(site.storage.contentVersion(), site.storage.contentVersion());

      await pgCtl(cluster.url, 'start');
      await waitFor(
        'the site to answer again',
        async () => (await app.inject({ url: '/' })).statusCode === 200,
        20_000,
      );
      await waitFor('the listener to be back', () => {
        const v = site.storage.contentVersion();
        return !v.includes('deaf') && v !== before;
      });
      assert.equal((await app.inject({ url: '/api/v1/posts' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});

/**
 * Stops or starts the test cluster in place (same folder, port and settings): `pg_ctl restart` on a stopped
 * server starts it with the options recorded in postmaster.opts.
 */
let dataDirectory: string | undefined;
async function pgCtl(adminUrl: string, action: 'stop' | 'start'): Promise<void> {
  if (!dataDirectory) {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    dataDirectory = (await client.query<{ data_directory: string }>('show data_directory')).rows[0]!.data_directory;
    await client.end();
  }
  const pgCtlBin = join(findPostgresBin(), 'pg_ctl');
  const args =
    action === 'stop'
      ? ['stop', '-m', 'fast', '-w', '-D', dataDirectory]
      : ['restart', '-w', '-D', dataDirectory, '-l', join(dataDirectory, '..', 'postgres.log')];
  const [cmd, argv] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', pgCtlBin, ...args]] : [pgCtlBin, args];
  await run(cmd, argv).catch((err: { stderr?: string }) => {
    // restart on a stopped server warns that there was no server to stop, then starts it
    if (action === 'stop' || !/server started|starting server anyway/.test(String(err.stderr))) throw err;
  });
}
