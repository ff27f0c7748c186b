/**
 * `annalist migrate-data --from sqlite:DIR --to postgres://…` in real processes: the demo site (with a reader's
 * comment, an uploaded image, the demo's correction and a category moved under a newer one) copied into a
 * fresh PostgreSQL database must serve the same pages, keep its ids and hand out fresh ones after them; a
 * target with a site is refused in one line; a copy killed half-way is completed by the next run.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import sharp from 'sharp';
import { openSite, type Site } from '../../src/main.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import { DEMO_MEDIA_DIR } from '../../src/modules/demo/demo-media.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { searchPosts } from '../../src/modules/search/search.service.ts';
import { COPY_MARKER_KEY } from '../../src/storage/migrate-data.ts';
import { TABLES_IN_DEPENDENCY_ORDER } from '../../src/storage/tables.ts';
import { buildApp } from '../../src/web/app.ts';
import { moveJapanUnderNewerCategory } from '../support/categories.ts';
import { injectFormToken } from '../support/form-token.ts';
import { createTestDatabase, dropTestDatabase } from '../support/postgres.ts';
import { type Run, runCommand } from '../support/process.ts';
import { testPostgresAdminUrl } from '../support/site.ts';

const BIN = fileURLToPath(new URL('../../bin/annalist.js', import.meta.url));
const BASE = 'http://annalist.test';
const ARTICLE = '/khalkhin-gol-1939/';
const root = mkdtempSync(join(tmpdir(), 'annalist-migrate-'));
const sourceDir = join(root, 'source');
const cleanups: (() => Promise<void>)[] = [];
let admin: string;
let uploaded: { id: number; file: string };
let readerCommentId: number;

after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

async function newDatabase(): Promise<string> {
  const url = await createTestDatabase(admin);
  cleanups.push(() => dropTestDatabase(admin, url));
  return url;
}

/** Runs `annalist migrate-data`; `killWhen` SIGKILLs it as soon as its stderr matches. */
function migrate(args: string[], killWhen?: RegExp): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  return runCommand(process.execPath, [BIN, 'migrate-data', ...args], { env, killWhen });
}

function appOf(site: Site): FastifyInstance {
  return buildApp({
    content: site.content,
    contentVersion: site.storage.contentVersion,
    changes: site.changes,
    baseUrl: BASE,
    mediaDir: site.mediaDir,
    demoMediaDir: DEMO_MEDIA_DIR,
    logger: false,
  });
}

async function openServed(dir: string, databaseUrl?: string) {
  const site = await openSite(dir, databaseUrl ? { databaseUrl } : {});
  const app = appOf(site);
  await app.ready();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await site.storage.close();
  };
  cleanups.push(close);
  return { site, app, close };
}

/** A reader's comment through the real form (form token, then the post); resolves to its id. */
async function postComment(app: FastifyInstance, body: string): Promise<number> {
  const cookie = await injectFormToken(app, { remoteAddress: '203.0.113.9', origin: BASE });
  const res = await app.inject({
    method: 'POST',
    url: `${ARTICLE}comments`,
    remoteAddress: '203.0.113.9',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE, cookie },
    payload: new URLSearchParams({ name: 'Marta Kowal', email: 'marta@example.org', body }).toString(),
  });
  assert.equal(res.statusCode, 303, res.body.slice(0, 300));
  const id = Number(String(res.headers.location).split('#comment-')[1]);
  assert.ok(id > 0, `the answer names the comment (${res.headers.location})`);
  return id;
}

/** The rows of a table in id order, as plain values, for comparing the two databases. */
async function rowsOf(site: Site, table: 'comments' | 'media' | 'categories' | 'post_corrections') {
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by id`.execute(
    site.storage.db,
  );
  return rows;
}

const page = async (app: FastifyInstance, url: string) => {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.body, raw: res.rawPayload };
};

before(async () => {
  admin = await testPostgresAdminUrl();
  const { site, app, close } = await openServed(sourceDir);
  await seedDemoSite(site.content, { mediaDir: site.mediaDir });
  await site.storage.db
    .insertInto('settings')
    .values({
      key: 'moderation',
      value: JSON.stringify({ holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 }),
    })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
    .execute();
  site.content.noteWrite();
  readerCommentId = await postComment(app, 'The river crossing at Bayan Tsagan deserves a map of its own.');
  const png = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#8a6' } })
    .png()
    .toBuffer();
  const image = await ingestImage(
    { db: site.storage.db, clock: site.content.clock },
    {
      bytes: png,
      originalName: 'steppe.png',
      userId: null,
      alt: 'A green field',
      decorative: false,
      caption: '',
      credit: '',
    },
  );
  const file = await site.storage.db
    .selectFrom('media_files')
    .select('name')
    .where('media_id', '=', image.media.id)
    .orderBy('name')
    .executeTakeFirstOrThrow();
  uploaded = { id: image.media.id, file: file.name };
  // A category moved under one made after it: its parent's id is higher than its own.
  const { parent, moved } = await moveJapanUnderNewerCategory(site.storage.db);
  assert.ok(moved < parent);
  await close();
});

describe('annalist migrate-data', () => {
  let target: string;

  test('copies a SQLite site into a fresh PostgreSQL database: counts agree, every table listed', {
    timeout: 120_000,
  }, async () => {
    target = await newDatabase();
    const run = await migrate(['--from', `sqlite:${sourceDir}`, '--to', target]);
    assert.equal(run.status, 0, run.stderr);
    for (const table of [...TABLES_IN_DEPENDENCY_ORDER, 'search_posts']) {
      const line = run.stdout.split('\n').find((l) => l.startsWith(`${table} `));
      assert.ok(line, `the count table has ${table}`);
      const [, source, copied] = line.trim().split(/\s+/);
      assert.equal(copied, source, `${table}: ${line}`);
    }
    assert.match(run.stdout, /^comments\s+4\d\s+4\d$/m);
    assert.match(run.stdout, /every table has the same number of rows/);
    assert.doesNotMatch(run.stdout + run.stderr, /postgres:\/\/|password/, 'the URL is not printed');
  });

  test('the copy serves the same article, comments, corrections, image, category and search results', {
    timeout: 60_000,
  }, async () => {
    const before = await openServed(sourceDir);
    const copy = await openServed(join(root, 'node'), target);
    for (const url of [ARTICLE, `${ARTICLE}?cpage=2`, '/corrections/', '/category/pacific-war/japan/', '/']) {
      const [a, b] = [await page(before.app, url), await page(copy.app, url)];
      assert.equal(b.status, a.status, url);
      assert.equal(b.body, a.body, `${url} is the same page`);
    }
    const article = (await page(copy.app, ARTICLE)).body;
    assert.ok(article.includes(`id="comment-${readerCommentId}"`), "the reader's comment is on the article");
    const image = await page(copy.app, `/media/${uploaded.file}`);
    assert.equal(image.status, 200);
    assert.ok(image.raw.equals((await page(before.app, `/media/${uploaded.file}`)).raw), 'the same image bytes');
    assert.equal((await page(copy.app, '/media/khalkhin-gol-map.svg')).status, 200, "the demo's drawing");

    // Every document is in the copy's search index with the text it had (the two engines may rank differently).
    const indexed = async (site: Site, key: 'rowid' | 'post_id') =>
      (
        await sql<{ id: number }>`select ${sql.ref(key)} as id, title, standfirst, body from search_posts
          order by ${sql.ref(key)}`.execute(site.storage.db)
      ).rows;
    assert.deepEqual(await indexed(copy.site, 'post_id'), await indexed(before.site, 'rowid'), 'the same indexed text');
    for (const q of ['khalkhin', 'railway', 'zhukov moscow', 'tsushima fleet']) {
      const found = async (site: Site) => {
        const r = await searchPosts(site.content, { q, page: { page: 1, perPage: 100 } });
        return { total: r.total, slugs: r.items.map((i) => i.post.slug).sort() };
      };
      const [a, b] = [await found(before.site), await found(copy.site)];
      assert.ok(a.total > 0, `"${q}" finds something on SQLite`);
      assert.deepEqual(b, a, `"${q}" finds the same articles`);
    }
    for (const table of ['comments', 'media', 'categories', 'post_corrections'] as const) {
      assert.deepEqual(
        await rowsOf(copy.site, table),
        await rowsOf(before.site, table),
        `${table}: same rows, same ids`,
      );
    }
    await before.close();

    // New rows get ids after the copied ones (the identity sequences were moved past them).
    const newComment = await postComment(copy.app, 'Posted after the move to PostgreSQL.');
    assert.equal(newComment, readerCommentId + 1);
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#a68' } })
      .png()
      .toBuffer();
    const image2 = await ingestImage(
      { db: copy.site.storage.db, clock: copy.site.content.clock },
      {
        bytes: png,
        originalName: 'sea.png',
        userId: null,
        alt: 'A red sea',
        decorative: false,
        caption: '',
        credit: '',
      },
    );
    assert.equal(image2.media.id, uploaded.id + 1);
    await copy.close();
  });

  test('a target that already holds a site is refused in one line and left as it was', {
    timeout: 60_000,
  }, async () => {
    const run = await migrate(['--from', `sqlite:${sourceDir}`, '--to', target]);
    assert.equal(run.status, 1);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0]!,
      /^annalist: .+ already holds an Annalist site \(9 posts, 1 users\); nothing was copied\. Add --replace/,
    );
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    const copy = await openServed(join(root, 'node'), target);
    const newest = await copy.site.storage.db
      .selectFrom('comments')
      .select('body_md')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(newest.body_md, 'Posted after the move to PostgreSQL.', 'nothing was emptied');
    await copy.close();
  });

  test('a copy killed half-way is finished by running it again with --replace', { timeout: 180_000 }, async () => {
    // A bigger source, so the copy is still running when the first tables are done.
    const bigDir = join(root, 'big');
    cpSync(sourceDir, bigDir, { recursive: true });
    const file = new Database(join(bigDir, 'annalist.db'));
    const insert = file.prepare('insert into used_form_tokens (token, used_at) values (?, ?)');
    file.transaction(() => {
      for (let i = 0; i < 60_000; i++) insert.run(`token-${i}`, '2026-01-01T00:00:00.000Z');
    })();
    file.close();
    const url = await newDatabase();

    const killed = await migrate(['--from', `sqlite:${bigDir}`, '--to', url], /copied posts: /);
    assert.equal(killed.signal, 'SIGKILL', `killed before it finished: ${killed.stdout}`);
    const half = await openServed(join(root, 'half'), url);
    const marker = await half.site.storage.db
      .selectFrom('settings')
      .select('key')
      .where('key', '=', COPY_MARKER_KEY)
      .executeTakeFirst();
    assert.ok(marker, 'the target is marked as an unfinished copy');
    const tokens = await half.site.storage.db
      .selectFrom('used_form_tokens')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.ok(Number(tokens.n) === 0 || Number(tokens.n) === 60_001, `no table is half copied (${tokens.n})`);
    await half.close();

    const rerun = await migrate(['--from', `sqlite:${bigDir}`, '--to', url, '--replace']);
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.match(rerun.stderr, /held an unfinished copy: it was emptied first/);
    assert.match(rerun.stdout, /^used_form_tokens\s+6000\d\s+6000\d$/m);
    assert.match(rerun.stdout, /every table has the same number of rows/);
    const done = await openServed(join(root, 'done'), url);
    const left = await done.site.storage.db
      .selectFrom('settings')
      .select('key')
      .where('key', '=', COPY_MARKER_KEY)
      .executeTakeFirst();
    assert.equal(left, undefined, 'the finished copy is no longer marked');
    assert.equal((await page(done.app, ARTICLE)).status, 200);
    await done.close();
  });
});
