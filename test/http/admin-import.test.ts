import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { openSite } from '../../src/main.ts';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { almanacDisqus, almanacGhost, almanacSlug, almanacWxr, multipartBody } from '../support/import-files.ts';
import {
  newTestDatabase,
  startTestSite,
  TEST_BASE_URL,
  TEST_DATABASE,
  TestClock,
  type TestDatabase,
  type TestSite,
} from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';
import { htmlErrors } from '../support/vnu.ts';

const BIN = fileURLToPath(new URL('../../bin/annalist.js', import.meta.url));

// /admin/import: an owner or admin uploads a WordPress, Ghost or Disqus export, reads the dry run's report, then
// imports it; the check and the import are durable jobs (the worker runs as `annalist serve` runs it). Every
// refusal is a readable page and leaves nothing behind. At the end, the restart of a real server in the middle
// of an import.

const clock = new TestClock(new Date('2025-06-02T10:00:00.000Z'));
/** A small cap, so "over the cap" and the gzip bomb need only a few hundred kilobytes. */
const CAP = 256 * 1024;
let t: TestSite;
let owner: Person;
let admin: Person;
let editor: Person;
const staff = staffClient(() => t);
const db = () => t.site.content.db;

interface Status {
  id: number;
  status: string;
  bytes: number;
  read: number;
  items: number;
}

function upload(
  who: Person,
  file: { name: string; bytes: Buffer | string } | undefined,
  opts: { platform?: string; csrf?: string; origin?: string } = {},
) {
  const fields: Record<string, string> = opts.platform === '' ? {} : { platform: opts.platform ?? 'wordpress' };
  const { payload, contentType } = multipartBody(fields, file);
  return t.app.inject({
    method: 'POST',
    url: `/admin/import?csrf=${encodeURIComponent(opts.csrf ?? who.csrf)}`,
    headers: { 'content-type': contentType, cookie: who.cookie, origin: opts.origin ?? TEST_BASE_URL },
    payload,
  });
}

async function status(): Promise<Status | null> {
  const res = await staff.get('/admin/import/status', owner);
  assert.equal(res.statusCode, 200, res.body);
  return (JSON.parse(res.body) as { upload: Status | null }).upload;
}

/** Polls the page's status answer until the upload in flight is in `wanted` (or, for null, none is). */
async function waitFor(wanted: string | null, ms = 60_000): Promise<Status | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await status();
    if ((s?.status ?? null) === wanted) return s;
    if (Date.now() > deadline) {
      const jobs = await db().selectFrom('jobs').select(['kind', 'last_error', 'attempts']).execute();
      assert.fail(`the upload did not reach ${wanted} (it is ${s?.status ?? 'none'}; jobs ${JSON.stringify(jobs)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function page(): Promise<string> {
  const res = await staff.get('/admin/import', owner);
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
}

const uploadIdIn = (html: string) => Number(/action="\/admin\/import\/(\d+)\/confirm"/.exec(html)?.[1]);

async function rows(table: 'import_uploads' | 'import_upload_chunks' | 'posts' | 'comments'): Promise<number> {
  const { rows: r } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db());
  return Number(r[0]?.n);
}

/** Uploads a file, waits for its dry run, presses Import, waits for the import; the finished page's HTML. */
async function importThrough(file: { name: string; bytes: Buffer | string }, platform = 'wordpress') {
  const sent = await upload(owner, file, { platform });
  assert.equal(sent.statusCode, 303, sent.body);
  await waitFor('ready');
  const id = uploadIdIn(await page());
  const confirmed = await staff.send(`/admin/import/${id}/confirm`, owner, {});
  assert.equal(confirmed.statusCode, 303);
  assert.equal(confirmed.headers.location, '/admin/import?notice=import-queued');
  await waitFor(null);
  return page();
}

/** Removes every upload the page still lists, so each test starts with none. */
async function discardAll(): Promise<void> {
  for (const r of await db().selectFrom('import_uploads').select('id').execute())
    await staff.send(`/admin/import/${r.id}/discard`, owner, {});
}

before(async () => {
  t = await startTestSite({ clock, jobs: true, demo: false });
  t.site.imports.maxBytes = CAP;
  owner = await staff.person('owner', 'Olga');
  admin = await staff.person('admin', 'Arvid');
  editor = await staff.person('editor', 'Edvin');
});
after(() => t.close());
beforeEach(async () => {
  await discardAll();
  // A minute on between tests: the upload limit counts per minute.
  clock.set(new Date(clock.now().getTime() + 61_000));
});

describe(`/admin/import (${TEST_DATABASE})`, () => {
  test('an upload is checked by a dry run whose report is shown; nothing is imported until Import is pressed', async () => {
    const file = almanacWxr({ posts: 2, comments: 3 });
    const sent = await upload(owner, { name: 'almanac.xml', bytes: file });
    assert.equal(sent.statusCode, 303, sent.body);
    assert.equal(sent.headers.location, '/admin/import?notice=uploaded');
    const checked = await waitFor('ready');
    assert.equal(checked?.bytes, Buffer.byteLength(file));

    const html = await page();
    assert.match(html, /Checked: ready to import/);
    assert.match(html, /Dry run \(nothing was changed\)<\/strong>: http:\/\/almanac\.example \(WXR 1\.2\)/);
    // The report's table: two posts and six comments to import.
    assert.match(html, /<th scope="row">Posts<\/th><td>2<\/td>/);
    assert.match(html, /<th scope="row">Comments<\/th><td>6<\/td>/);
    assert.match(html, /<button type="submit">Import<\/button>/);
    assert.equal((await t.app.inject({ method: 'GET', url: `/${almanacSlug(1)}/` })).statusCode, 404);
    assert.equal(await rows('posts'), 0);

    const id = uploadIdIn(html);
    assert.equal((await staff.send(`/admin/import/${id}/confirm`, owner, {})).statusCode, 303);
    await waitFor(null);
    const done = await page();
    assert.match(done, /Imported: almanac\.xml/);
    assert.match(done, /<strong>Imported<\/strong>: http:\/\/almanac\.example/);
    assert.equal(await rows('import_upload_chunks'), 0, 'the file is deleted once imported');

    const article = await t.app.inject({ method: 'GET', url: `/${almanacSlug(1)}/` });
    assert.equal(article.statusCode, 200);
    assert.match(article.body, /The Herring of the Hanse/);
    assert.match(article.body, /Comment 1 on the herring trade/);
    assert.match(article.body, /Comment 2 on the herring trade/);
    const old = await t.app.inject({ method: 'GET', url: `/2011/03/12/${almanacSlug(1)}/` });
    assert.equal(old.statusCode, 301);
    assert.equal(old.headers.location, `/${almanacSlug(1)}/`);
    assert.equal((await t.app.inject({ method: 'GET', url: '/?p=501' })).headers.location, `/${almanacSlug(1)}/`);

    // The same file again: the report says nothing new, and nothing is doubled.
    const again = await importThrough({ name: 'almanac-again.xml', bytes: file });
    assert.match(again, /Imported: almanac-again\.xml/);
    assert.match(again, /<th scope="row">Posts<\/th><td>0<\/td><td>\d+<\/td><td>\d+<\/td>/);
    assert.equal(await rows('posts'), 2);
    assert.equal(await rows('comments'), 6);
    const report = await staff.get(`/admin/import/${uploadIdIn(html)}/report.json`, owner);
    assert.equal(report.statusCode, 200);
    assert.equal(JSON.parse(report.body).counts.post.imported, 2, 'the first import keeps its report');
  });

  test('a .gz upload is unpacked as it arrives and imported like the file itself', async () => {
    const html = await importThrough({ name: 'disqus.xml.gz', bytes: gzipSync(almanacDisqus()) }, 'disqus');
    assert.match(html, /Imported: disqus\.xml\.gz/);
    assert.match(html, /<th scope="row">Comments<\/th><td>1<\/td>/);
    const article = await t.app.inject({ method: 'GET', url: `/${almanacSlug(1)}/` });
    assert.match(article.body, /Disqus remembers this one about Visby/);
  });

  test('a second upload while one awaits confirmation is refused with a clear message', async () => {
    assert.equal((await upload(owner, { name: 'a.xml', bytes: almanacWxr() })).statusCode, 303);
    await waitFor('ready');
    const second = await upload(admin, { name: 'b.xml', bytes: almanacWxr() });
    assert.equal(second.statusCode, 409);
    assert.match(second.body, /Another import is being checked, awaits confirmation or is running/);
    assert.equal(await rows('import_uploads'), 1);
    // Discarded, the slot is free again and the file is gone.
    const id = uploadIdIn(await page());
    const discarded = await staff.send(`/admin/import/${id}/discard`, owner, {});
    assert.equal(discarded.headers.location, '/admin/import?notice=discarded');
    assert.equal(await rows('import_uploads'), 0);
    assert.equal(await rows('import_upload_chunks'), 0);
    assert.match(await page(), /Upload an export/);
  });

  test('an upload nobody imports loses its file a day later; its report stays until removed', async () => {
    assert.equal((await upload(owner, { name: 'late.xml', bytes: almanacWxr() })).statusCode, 303);
    await waitFor('ready');
    assert.ok((await rows('import_upload_chunks')) > 0);
    clock.set(new Date(clock.now().getTime() + 25 * 60 * 60_000));
    t.jobs?.poke();
    await waitFor(null);
    assert.equal(await rows('import_upload_chunks'), 0);
    const html = await page();
    assert.match(html, /Not imported: the file was removed: late\.xml/);
    assert.match(html, /Upload an export/, 'a new upload may come');
  });

  test('every state of the page is valid HTML (Nu HTML Checker)', { timeout: 120_000 }, async () => {
    const pages: { name: string; html: string }[] = [{ name: 'empty', html: await page() }];
    pages.push({ name: 'refused upload', html: (await upload(owner, { name: 'e.xml', bytes: '' })).body });
    assert.equal((await upload(owner, { name: 'a <b>.xml', bytes: almanacWxr({ posts: 3 }) })).statusCode, 303);
    await waitFor('ready');
    pages.push({ name: 'report', html: await page() });
    // The progress as the page shows it while the import waits for its job (as after a restart), set by hand.
    const id = uploadIdIn(pages[2]?.html ?? '');
    await db().updateTable('import_uploads').set({ status: 'importing' }).where('id', '=', id).execute();
    pages.push({ name: 'importing', html: await page() });
    await db().updateTable('import_uploads').set({ status: 'ready' }).where('id', '=', id).execute();
    await staff.send(`/admin/import/${id}/discard`, owner, {});
    assert.equal((await upload(owner, { name: 'wrong.xml', bytes: almanacDisqus() })).statusCode, 303);
    await waitFor(null);
    await importThrough({ name: 'right.xml', bytes: almanacWxr({ posts: 3 }) });
    pages.push({ name: 'finished', html: await page() });
    assert.deepEqual(await htmlErrors(pages), []);
  });

  describe('refusals: a readable page, nothing imported, nothing kept', () => {
    async function refused(res: Awaited<ReturnType<typeof upload>>, status: number, message: RegExp) {
      assert.equal(res.statusCode, status, res.body.slice(0, 500));
      assert.match(String(res.headers['content-type']), /text\/html/);
      assert.match(res.body, message);
      assert.match(res.body, /<h1 class="page-title">Import<\/h1>/, 'the import page itself, with the form');
      assert.equal(await rows('import_uploads'), 0);
      assert.equal(await rows('import_upload_chunks'), 0);
    }

    test('an empty file, and a form sent without a file', async () => {
      await refused(await upload(owner, { name: 'empty.xml', bytes: '' }), 400, /The file is empty/);
      await refused(await upload(owner, { name: '', bytes: '' }), 400, /Choose the export file to upload/);
    });

    test('a file over the cap, and one announced far past it, refused with 413 and pointed to the CLI', async () => {
      const big = almanacWxr({ posts: 400, padding: 3 });
      assert.ok(Buffer.byteLength(big) > CAP);
      await refused(await upload(owner, { name: 'big.xml', bytes: big }), 413, /larger than 256 KB/);
      const huge = Buffer.alloc(CAP * 4, 0x20);
      await refused(
        await upload(owner, { name: 'huge.xml', bytes: huge }),
        413,
        /on the server with &quot;annalist import&quot;/,
      );
    });

    test('a gzip bomb is unpacked no further than the cap', async () => {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
      assert.ok(bomb.length < CAP);
      const before = process.memoryUsage().rss;
      await refused(await upload(owner, { name: 'bomb.xml.gz', bytes: bomb }), 413, /unpacks to more than/);
      assert.ok(process.memoryUsage().rss - before < 48 * 1024 * 1024, 'the bomb was not inflated in memory');
    });

    test('a damaged .gz', async () => {
      const cut = gzipSync(almanacWxr({ posts: 20 })).subarray(0, 300);
      await refused(await upload(owner, { name: 'cut.xml.gz', bytes: cut }), 400, /damaged or cut short/);
    });

    test('no platform chosen', async () => {
      await refused(await upload(owner, { name: 'a.xml', bytes: almanacWxr() }, { platform: '' }), 400, /Choose what/);
      await refused(
        await upload(owner, { name: 'a.xml', bytes: almanacWxr() }, { platform: 'drupal' }),
        400,
        /Choose what the file is/,
      );
    });
  });

  describe('files the importer refuses: shown on the page, with where', () => {
    async function refusedByCheck(file: string, platform: string, message: RegExp) {
      const [posts, comments] = [await rows('posts'), await rows('comments')];
      assert.equal((await upload(owner, { name: 'wrong.file', bytes: file }, { platform })).statusCode, 303);
      await waitFor(null);
      const html = await page();
      assert.match(html, /Refused: wrong\.file/);
      assert.match(html, message);
      assert.match(html, /Nothing was imported\./);
      assert.deepEqual([await rows('posts'), await rows('comments')], [posts, comments]);
      assert.equal(await rows('import_upload_chunks'), 0, 'the refused file is not kept');
    }

    test('a Disqus export chosen as WordPress', async () => {
      await refusedByCheck(
        almanacDisqus(),
        'wordpress',
        /This is not a WordPress export[^<]*<span[^>]*>\(Code: IMPORT_NOT_WXR\)/,
      );
    });

    test('a Ghost JSON file chosen as WordPress', async () => {
      await refusedByCheck(almanacGhost(), 'wordpress', /not well-formed XML at line 1, column \d+/);
    });

    test('a WordPress file chosen as Ghost', async () => {
      await refusedByCheck(almanacWxr(), 'ghost', /IMPORT_GHOST_MALFORMED/);
    });

    test('malformed XML, with its line and column', async () => {
      const broken = almanacWxr({ posts: 2 }).replace('<title>Baltic note 2</title>', '<title>Baltic note 2</titel>');
      const line = broken.split('\n').findIndex((l) => l.includes('</titel>')) + 1;
      await refusedByCheck(broken, 'wordpress', new RegExp(`not well-formed XML at line ${line}, column \\d+`));
    });
  });

  describe('who may import', () => {
    test('an editor gets the forbidden page, and their upload is not read', async () => {
      const res = await staff.get('/admin/import', editor);
      assert.equal(res.statusCode, 403);
      const sent = await upload(editor, { name: 'a.xml', bytes: almanacWxr() });
      assert.equal(sent.statusCode, 403);
      assert.equal(await rows('import_uploads'), 0);
      assert.doesNotMatch((await staff.get('/admin/dashboard', editor)).body, /href="\/admin\/import"/);
      assert.match((await staff.get('/admin/dashboard', admin)).body, /href="\/admin\/import"/);
    });

    test('without a session the page redirects to sign-in', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/admin/import' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/admin/sign-in?next=%2Fadmin%2Fimport');
    });

    test('an upload with a wrong CSRF token, or from another origin, is refused and not read', async () => {
      const forged = await upload(owner, { name: 'a.xml', bytes: almanacWxr() }, { csrf: 'forged' });
      assert.equal(forged.statusCode, 403);
      assert.match(forged.body, /CSRF_FAILED/);
      const elsewhere = await upload(owner, { name: 'a.xml', bytes: almanacWxr() }, { origin: 'https://evil.example' });
      assert.equal(elsewhere.statusCode, 403);
      const confirm = await t.app.inject({
        method: 'POST',
        url: '/admin/import/1/confirm',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: owner.cookie, origin: TEST_BASE_URL },
        payload: 'csrf=forged',
      });
      assert.equal(confirm.statusCode, 403);
      assert.equal(await rows('import_uploads'), 0);
    });

    test('more than ten uploads a minute from one account are refused', async () => {
      for (let i = 0; i < 10; i++) await upload(admin, { name: 'empty.xml', bytes: '' });
      const res = await upload(admin, { name: 'a.xml', bytes: almanacWxr() });
      assert.equal(res.statusCode, 429);
      assert.match(res.body, /Wait a minute/);
      assert.equal(await rows('import_uploads'), 0);
    });
  });
});

// The restart: `annalist serve` as a real process on the test database, killed (SIGKILL) while the import job
// runs a large file, then started again. The site is as before after the kill, and the job, claimed again once
// its lease has run out, imports everything once. 600 articles (1 MB) keep the import running for several of the
// page's one-second progress ticks (about 100 articles a second here on SQLite, 50 on PostgreSQL); the 3,000
// this once had made the dry run and the two imports take minutes.
describe(`/admin/import across a restart of the server (${TEST_DATABASE})`, () => {
  const POSTS = 600;
  const root = mkdtempSync(join(tmpdir(), 'annalist-admin-import-'));
  const children = new Set<ChildProcess>();
  let database: TestDatabase | undefined;
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database?.drop().catch(() => {});
    rmSync(root, { recursive: true, force: true });
  });

  function serve(dir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
    return new Promise((resolve, reject) => {
      const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error', ...env };
      if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
      Object.assign(childEnv, { ANNALIST_DATA_DIR: dir, HOST: '127.0.0.1', PORT: '0' });
      const child = spawn(process.execPath, [BIN, 'serve'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`annalist serve did not start: ${err}`)), 60_000);
      child.stdout?.on('data', (d) => {
        out += d;
        const m = /Annalist is serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ child, url: m[1]! });
        }
      });
      child.stderr?.on('data', (d) => {
        err += d;
      });
      child.on('exit', (code) => reject(new Error(`annalist serve exited (${code}) during start: ${err}`)));
    });
  }

  function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string }) {
    return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  async function importedCounts(dir: string) {
    const site = await openSite(dir, { databaseUrl: database?.databaseUrl });
    try {
      const posts = await site.content.db
        .selectFrom('posts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where((eb) => eb.or([eb('slug', 'like', 'baltic-note-%'), eb('slug', '=', almanacSlug(1))]))
        .executeTakeFirstOrThrow();
      const comments = await site.content.db
        .selectFrom('comments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('body_md', 'like', 'Comment % on the herring trade%')
        .executeTakeFirstOrThrow();
      return { posts: Number(posts.n), comments: Number(comments.n) };
    } finally {
      await site.storage.close();
    }
  }

  test('a server killed in the middle of an import leaves the site as it was, and the import finishes once after the restart', {
    timeout: 300_000,
  }, async () => {
    database = await newTestDatabase();
    const dir = join(root, 'site');
    const site = await openSite(dir, { databaseUrl: database.databaseUrl });
    try {
      const deps = { db: site.content.db, clock: site.content.clock };
      const user = await createUser(deps, { email: 'owner@almanac.example', name: 'Olga', role: 'owner' });
      await setPassword(deps, { userId: user.id, password: 'a long and private passphrase' });
    } finally {
      await site.storage.close();
    }
    let server = await serve(dir, database.env);
    const signIn = await request(`${server.url}/admin/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
      body: new URLSearchParams({
        email: 'owner@almanac.example',
        password: 'a long and private passphrase',
      }).toString(),
    });
    assert.equal(signIn.status, 303, signIn.body);
    const cookie = String(signIn.headers['set-cookie']?.find((c) => c.startsWith('annalist_session='))).split(';')[0]!;
    const csrfOf = async (url: string) =>
      /name="csrf" value="([^"]+)"/.exec((await request(`${url}/admin/import`, { headers: { cookie } })).body)![1]!;
    const statusOf = async (url: string) =>
      (
        JSON.parse((await request(`${url}/admin/import/status`, { headers: { cookie } })).body) as {
          upload: Status | null;
        }
      ).upload;
    const until = async (url: string, done: (s: Status | null) => boolean, what: string) => {
      const deadline = Date.now() + 180_000;
      for (;;) {
        const s = await statusOf(url);
        if (done(s)) return s;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what} (${JSON.stringify(s)})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    const file = almanacWxr({ posts: POSTS, comments: 2, padding: 2 });
    const { payload, contentType } = multipartBody({ platform: 'wordpress' }, { name: 'almanac.xml', bytes: file });
    const sent = await request(`${server.url}/admin/import?csrf=${encodeURIComponent(await csrfOf(server.url))}`, {
      method: 'POST',
      headers: { 'content-type': contentType, cookie, origin: server.url },
      body: payload,
    });
    assert.equal(sent.status, 303, sent.body);
    const checked = await until(server.url, (s) => s?.status === 'ready', 'the dry run');
    const confirmed = await request(`${server.url}/admin/import/${checked?.id}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: server.url },
      body: `csrf=${encodeURIComponent(await csrfOf(server.url))}`,
    });
    assert.equal(confirmed.status, 303);
    // Running: the job has read some items and is still reading.
    const running = await until(
      server.url,
      (s) => s?.status === 'importing' && s.items > 0 && s.items < POSTS,
      'the import to be running',
    );
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('close', resolve));
    assert.ok((running?.items ?? 0) < POSTS);
    assert.deepEqual(await importedCounts(dir), { posts: 0, comments: 0 }, 'nothing of the stopped import stays');

    server = await serve(dir, database.env);
    await until(server.url, (s) => s === null, 'the import to finish after the restart');
    const page = await request(`${server.url}/admin/import`, { headers: { cookie } });
    assert.match(page.body, /Imported: almanac\.xml/);
    assert.match(page.body, new RegExp(`<th scope="row">Posts</th><td>${POSTS}</td>`));
    const article = await request(`${server.url}/${almanacSlug(2)}/`, {});
    assert.equal(article.status, 200);
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('close', resolve));
    assert.deepEqual(await importedCounts(dir), { posts: POSTS, comments: POSTS * 2 }, 'everything, once');
  });
});
