/**
 * Commit markers on PostgreSQL (decision 049): the tables pages are built from send a NOTIFY with every commit that
 * wrote to them, naming the writing node by its connections' application_name (`annalist:<node>`), so a node that
 * commits and dies before its own announcement, or a program that is not Annalist, still makes the other nodes drop
 * what they keep, within the bound. PostgreSQL alone, whichever pass runs it (scripts/test.mjs: RUN_ONCE); the same
 * behaviour seen through cached pages, on both databases, is test/http/unannounced-writes.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { openSite, type Site, shareSite } from '../../src/main.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { openPostgresStorage } from '../../src/storage/postgres/open-postgres.ts';
import { openRedisSharedState } from '../../src/storage/redis/open-redis.ts';
import type { SharedState } from '../../src/storage/shared-state.ts';
import type { Storage } from '../../src/storage/storage.ts';
import { buildApp } from '../../src/web/app.ts';
import { createTestDatabase, dropTestDatabase } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { TEST_BASE_URL, testPostgresAdminUrl } from '../support/site.ts';
import { until } from '../support/until.ts';

/** The bound the nodes here are opened with (ANNALIST_STALE_MAX; 250 ms is the least a node waits). */
const BOUND_MS = 300;
const quiet = () => {};

let admin: string;
const databases: string[] = [];
const closing: (() => Promise<unknown>)[] = [];

before(async () => {
  admin = await testPostgresAdminUrl();
});
after(async () => {
  for (const close of closing.reverse()) await close().catch(() => {});
  for (const url of databases) await dropTestDatabase(admin, url).catch(() => {});
});

async function newDatabase(): Promise<string> {
  const url = await createTestDatabase(admin);
  databases.push(url);
  return url;
}

async function open(url: string): Promise<Storage> {
  const storage = await openPostgresStorage(url, { staleMaxMs: BOUND_MS, log: quiet });
  closing.push(() => storage.close());
  return storage;
}

/** A plain connection, as psql or a node's pool would have: named `name` (application_name), or not named at all. */
async function plainClient(url: string, name?: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: name });
  await client.connect();
  closing.push(() => client.end());
  return client;
}

/** Everything heard on the markers' channel, in commit order. */
async function listenForMarkers(url: string): Promise<string[]> {
  const client = await plainClient(url, 'marker-listener');
  const heard: string[] = [];
  client.on('notification', (msg) => {
    if (msg.channel === 'annalist_commit') heard.push(msg.payload ?? '');
  });
  await client.query('listen annalist_commit');
  return heard;
}

/** The node's name as PostgreSQL sees its connections: `annalist:<node id>`. */
async function connectionName(storage: Storage): Promise<string> {
  const { rows } = await sql<{ name: string }>`select current_setting('application_name') as name`.execute(storage.db);
  return rows[0]!.name;
}

const settingWrite = (db: Storage['db'], value: string) =>
  sql`insert into settings (key, value) values ('commit-marker-test', ${value})
      on conflict (key) do update set value = excluded.value`.execute(db);

/** What `storage` heard from other nodes while `ms` went by (the wait is the claim: nothing came in that time). */
async function heardDuring(storage: Storage, ms: number): Promise<string[]> {
  const heard: string[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    heard.push(...storage.remoteChanges());
    await new Promise((r) => setTimeout(r, 10));
  }
  return heard;
}

describe('commit markers on PostgreSQL', () => {
  test('a commit that wrote to a page’s table sends one marker naming its node; rolled back or elsewhere, none', async () => {
    const url = await newDatabase();
    const node = await open(url);
    const markers = await listenForMarkers(url);
    const name = await connectionName(node);
    assert.match(name, /^annalist:[0-9a-f-]{36}$/, 'every connection of the pool carries the node’s name');
    await node.db.transaction().execute(async (trx) => {
      await settingWrite(trx, 'one');
      await settingWrite(trx, 'two');
      await sql`update posts set title = title`.execute(trx);
    });
    await until('the marker', () => markers.length === 1);
    await node.db
      .transaction()
      .execute(async (trx) => {
        await settingWrite(trx, 'never');
        throw new Error('rolled back');
      })
      .catch(() => {});
    await sql`insert into used_form_tokens (token, used_at) values ('t1', '2026-01-01T00:00:00.000Z')`.execute(node.db);
    // Markers come in commit order: whatever the two writes above sent would come before this one's.
    const tool = await plainClient(url, 'psql');
    await tool.query('truncate import_redirects');
    await until('the other program’s marker', () => markers.length === 2);
    assert.deepEqual(markers, [name.slice('annalist:'.length), '*']);
  });

  test('an application_name in DATABASE_URL does not rename the node', async () => {
    const url = await newDatabase();
    const node = await open(`${url}?application_name=reporting`);
    assert.match(await connectionName(node), /^annalist:[0-9a-f-]{36}$/);
  });

  test('a commit another node never announces: everything, once, after the bound; one it announces: only that', async () => {
    const url = await newDatabase();
    const a = await open(url);
    const b = await open(url);
    await settingWrite(a.db, 'told');
    a.noteWrite('post:7 posts');
    await until('B to hear A’s notice', () => b.remoteChanges().includes('post:7 posts'));
    assert.deepEqual(await heardDuring(b, BOUND_MS + 200), [], 'the notice answered the marker');

    // A commits and says nothing, as a node that dies before its notice.
    const committing = performance.now();
    await settingWrite(a.db, 'untold');
    const heard = await until('B to give up on A’s notice', () => {
      const changes = b.remoteChanges();
      return changes.length > 0 && changes;
    });
    assert.deepEqual(heard, ['?'], 'everything, as a commit nobody announced (changes.ts UNANNOUNCED_WIRE)');
    assert.ok(performance.now() - committing >= BOUND_MS, 'not before the bound: the notice may still come');
    assert.deepEqual(b.remoteChanges(), [], 'once');
    assert.deepEqual(await heardDuring(a, 50), [], 'A ignores its own markers');
  });

  test('a commit by a node that is gone, or by another program, ends the same way', async () => {
    const url = await newDatabase();
    const node = await open(url);
    for (const name of [`annalist:${randomUUID()}`, 'psql', undefined]) {
      const writer = await plainClient(url, name);
      await writer.query(`update settings set value = value where key = 'site_title'`);
      const heard = await until(`the node to give up on ${name ?? 'an unnamed connection'}`, () => {
        const changes = node.remoteChanges();
        return changes.length > 0 && changes;
      });
      assert.deepEqual(heard, ['?']);
    }
  });

  test('a notice from the same writer name answers its marker, even from a plain connection', async () => {
    const url = await newDatabase();
    const node = await open(url);
    const id = randomUUID();
    const writer = await plainClient(url, `annalist:${id}`);
    await writer.query('begin');
    await writer.query(`update settings set value = value where key = 'site_title'`);
    await writer.query('commit');
    await writer.query(`select pg_notify('annalist_content', $1)`, [`${id} ~`]);
    await until('the notice', () => node.remoteChanges().includes('~'));
    assert.deepEqual(await heardDuring(node, BOUND_MS + 200), []);
  });
});

/** A node with Redis as `annalist serve` builds it: its own database connections, its Redis connections, its cache. */
async function startNode(
  dir: string,
  url: string,
  redis: TestRedis,
): Promise<{ site: Site; shared: SharedState; app: FastifyInstance }> {
  const site = await openSite(dir, { databaseUrl: url, staleMaxMs: BOUND_MS });
  const shared: SharedState = await openRedisSharedState(redis.url);
  shareSite(site, shared);
  const app = buildApp({
    content: site.content,
    contentVersion: site.storage.contentVersion,
    changes: site.changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: site.mediaDir,
    shared,
    staleMaxMs: BOUND_MS,
    logger: false,
  });
  await app.ready();
  closing.push(async () => {
    await app.close();
    await shared.close();
    await site.storage.close();
  });
  return { site, shared, app };
}

describe('a commit nobody announced, with Redis', () => {
  test('the node that hears of it drops the shared pages too: no node serves the old page from Redis', async () => {
    const redis = await startRedis();
    closing.push(() => redis.stop());
    const dir = mkdtempSync(join(tmpdir(), 'annalist-markers-'));
    closing.push(async () => rmSync(dir, { recursive: true, force: true }));
    const url = await newDatabase();
    const a = await startNode(dir, url, redis);
    const b = await startNode(dir, url, redis);
    await savePost(a.site.content, {
      type: 'post',
      slug: 'lake-baikal-ice-road',
      title: 'The ice road over Lake Baikal',
      bodyMarkdown: 'Rails laid on the ice in 1904.',
      status: 'published',
      publishedAt: '2025-01-01T00:00:00.000Z',
    });
    const page = '/lake-baikal-ice-road/';
    const rendered = await a.app.inject({ url: page });
    assert.equal(rendered.statusCode, 200);
    assert.equal(rendered.headers['x-cache'], 'miss');
    await a.shared.pages.settled();
    const fromRedis = await b.app.inject({ url: page });
    assert.equal(fromRedis.headers['x-cache'], 'shared', 'B serves the page A rendered, from Redis');
    assert.match(fromRedis.body, /The ice road over Lake Baikal/);

    // Committed by a node that died before telling anyone: no notice, nothing sent to Redis.
    const dead = await plainClient(url, `annalist:${randomUUID()}`);
    await dead.query(`update posts set title = 'The ice road, rebuilt' where slug = 'lake-baikal-ice-road'`);
    const deadline = Date.now() + BOUND_MS + 3000;
    for (const [name, node] of [
      ['A', a],
      ['B', b],
    ] as const) {
      await until(
        `node ${name} to show the new title`,
        async () => {
          const r = await node.app.inject({ url: page });
          return r.body.includes('The ice road, rebuilt');
        },
        deadline - Date.now(),
      );
    }
  });
});
