import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { claimExportLease, releaseExportLease } from '../../src/modules/export/export-lease.ts';
import type { WxrItem } from '../../src/modules/import/wxr.types.ts';
import { readWxr } from '../../src/modules/import/wxr-reader.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { saveSiteSettings } from '../../src/modules/settings/settings.service.ts';
import { getSiteSecret } from '../../src/modules/shared/secret.ts';
import { buildApp } from '../../src/web/app.ts';
import { startTestSite, TEST_BASE_URL, TEST_DATABASE, TestClock, type TestSite } from '../support/site.ts';
import { FORM, type Person, staffClient } from '../support/staff-client.ts';
import { until } from '../support/until.ts';
import { htmlErrors } from '../support/vnu.ts';

// /admin/export: owners and admins download the whole site as WordPress WXR or Annalist JSON, streamed, one
// export at a time, on either database. The files are read back with our WXR reader, xmllint and ajv.

const SCHEMA_FILE = fileURLToPath(new URL('../../docs/export-schema.json', import.meta.url));
// 23:30 in London's autumn is already the next day in Tokyo: the file is dated in the site's time zone.
const clock = new TestClock(new Date('2025-10-01T23:30:00.000Z'));
let t: TestSite;
let owner: Person;
let admin: Person;
let editor: Person;
let work: string;
const staff = staffClient(() => t);
const db = () => t.site.content.db;

/** A second app on the same site, listening, whose log the tests read: real connections for the streaming tests. */
let served: FastifyInstance;
let origin: string;
const logLines: string[] = [];

const download = (format: string, who: Person, fields: Record<string, string> = {}) =>
  staff.send(`/admin/export/${format}`, who, fields);

async function wxrItems(xml: string): Promise<WxrItem[]> {
  const items: WxrItem[] = [];
  await readWxr(Readable.from([xml]), {
    onRecord: async (r) => {
      if (r.kind === 'item') items.push(r.item);
    },
  });
  return items;
}

function xmllint(xml: string): string {
  const file = join(work, `export-${Date.now()}.xml`);
  writeFileSync(file, xml);
  const run = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' });
  return run.status === 0 ? '' : run.stderr || `xmllint exited ${run.status}`;
}

/** Readers' addresses: those of comments written without an account (an account's address is staff's, exported). */
async function commenterEmails(): Promise<string[]> {
  const rows = await db()
    .selectFrom('comments')
    .select('author_email')
    .where('user_id', 'is', null)
    .distinct()
    .execute();
  return rows.map((r) => r.author_email).filter((e) => e !== '');
}

async function slugsByType(): Promise<Record<'post' | 'page', string[]>> {
  const rows = await db().selectFrom('posts').select(['type', 'slug']).execute();
  const of = (type: string) =>
    rows
      .filter((r) => r.type === type)
      .map((r) => r.slug)
      .sort();
  return { post: of('post'), page: of('page') };
}

/** A form POST over a real connection; resolves at the response's headers. */
function postOverHttp(
  path: string,
  who: Person,
  fields: Record<string, string> = {},
): Promise<{ res: IncomingMessage; close(): void }> {
  const body = new URLSearchParams({ csrf: who.csrf, ...fields }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${origin}${path}`,
      {
        method: 'POST',
        headers: {
          'content-type': FORM,
          'content-length': String(Buffer.byteLength(body)),
          cookie: who.cookie,
          origin: TEST_BASE_URL,
        },
      },
      (res) => resolve({ res, close: () => req.destroy() }),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Reads a response to its end, or to the connection's cut: `complete` is false when the body did not end properly. */
function readToClose(res: IncomingMessage): Promise<{ text: string; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', () => {}); // "aborted": what `complete` reports
    res.on('close', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), complete: res.complete }));
  });
}

const exportRunning = async () =>
  (await staff.get('/admin/export', admin)).body.includes('An export is being written now');

before(async () => {
  t = await startTestSite({ clock });
  work = mkdtempSync(join(tmpdir(), 'annalist-export-'));
  await saveSiteSettings(t.site.content, { timeZone: 'Asia/Tokyo' });
  owner = await staff.person('owner', 'Olga');
  admin = await staff.person('admin', 'Anna');
  editor = await staff.person('editor', 'Egor');
  // A draft: the exports hold the whole site, not only what readers see.
  await savePost(t.site.content, {
    type: 'post',
    slug: 'ob-river-crossings',
    title: 'Crossing the Ob, 1919',
    bodyMarkdown: 'Notes on the winter crossings of the Ob, not yet fit to publish.',
    status: 'draft',
    authorSlugs: ['elena-markova'],
  });
  // One uploaded image, so "Include the image files" has bytes to include.
  const png = await sharp({ create: { width: 240, height: 160, channels: 3, background: '#a86' } })
    .png()
    .toBuffer();
  await ingestImage(
    { db: db(), clock },
    {
      bytes: png,
      originalName: 'yurt.png',
      userId: null,
      alt: 'A felt tent',
      decorative: false,
      caption: '',
      credit: 'The author',
    },
  );
  const log = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  served = buildApp({
    content: t.site.content,
    contentVersion: t.site.storage.contentVersion,
    changes: t.site.changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: t.site.mediaDir,
    exports: t.site.exports,
    logger: { level: 'info', stream: log },
  });
  origin = await served.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await served?.close();
  await t?.close();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  // A new minute for the per-account limit on exports.
  clock.set(new Date(clock.now().getTime() + 61_000));
});

describe(`downloading the exports (${TEST_DATABASE})`, () => {
  test('an admin downloads the WordPress file: well-formed WXR with every post and page, drafts included, named for the site and day', async () => {
    const res = await download('wordpress', admin);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.equal(res.headers['content-type'], 'application/rss+xml; charset=utf-8');
    assert.equal(
      res.headers['content-disposition'],
      'attachment; filename="annalist-annalist.test-2025-10-02.wordpress.xml"',
    );
    assert.equal(res.headers['content-length'], undefined, 'streamed, not built whole');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(xmllint(res.body), '');
    const items = await wxrItems(res.body);
    const inDatabase = await slugsByType();
    const exported = (type: string) =>
      items
        .filter((i) => i.type === type)
        .map((i) => i.name ?? '')
        .sort();
    assert.deepEqual(exported('post'), inDatabase.post);
    assert.deepEqual(exported('page'), inDatabase.page);
    assert.ok(
      items.some((i) => i.type === 'post' && i.status === 'draft'),
      'drafts are in it',
    );
    assert.ok(
      items.every((i) => i.link.startsWith(`${TEST_BASE_URL}/`)),
      "links start with the site's address",
    );
    const comments = await db().selectFrom('comments').select('id').execute();
    assert.equal(
      items.reduce((n, i) => n + i.comments.length, 0),
      comments.length,
    );
  });

  test("readers' email addresses are in neither file unless an owner ticks the box; an admin's ticking is ignored", async () => {
    const emails = await commenterEmails();
    assert.ok(emails.length > 3, 'the demo has commenters with addresses');
    for (const format of ['wordpress', 'json'])
      for (const [who, fields] of [
        [owner, {}],
        [admin, {}],
        [admin, { personal: 'yes' }],
      ] as const) {
        const res = await download(format, who, fields);
        assert.equal(res.statusCode, 200);
        for (const e of emails) assert.ok(!res.body.includes(e), `${e} is not in the ${format} file`);
      }
    const plainComments = (await wxrItems((await download('wordpress', admin, { personal: 'yes' })).body)).flatMap(
      (i) => i.comments,
    );
    assert.ok(plainComments.length > 3 && plainComments.every((c) => c.email === ''));

    const withEmails = await download('wordpress', owner, { personal: 'yes' });
    assert.equal(withEmails.statusCode, 200);
    for (const e of emails) assert.ok(withEmails.body.includes(e), `${e} is in the file`);
    const given = (await wxrItems(withEmails.body)).flatMap((i) => i.comments).filter((c) => c.email !== '');
    assert.ok(given.length > 3);
    const json = await download('json', owner, { personal: 'yes' });
    for (const e of emails) assert.ok(json.body.includes(e), `${e} is in the JSON file`);
  });

  test('an owner downloads the Annalist JSON file: it validates against docs/export-schema.json and holds every post and comment', async () => {
    const res = await download('json', owner);
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="annalist-annalist.test-2025-10-02.json"');
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
    const doc = JSON.parse(res.body) as {
      includes_media_bytes: boolean;
      site: { base_url: string };
      posts: unknown[];
      comments: unknown[];
      media: { files: { data?: string }[] }[];
    };
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5)));
    const [posts, comments] = await Promise.all([
      db().selectFrom('posts').select('id').execute(),
      db().selectFrom('comments').select('id').execute(),
    ]);
    assert.equal(doc.posts.length, posts.length);
    assert.equal(doc.comments.length, comments.length);
    assert.equal(doc.includes_media_bytes, false);
    const files = doc.media.flatMap((m) => m.files);
    assert.ok(files.length > 0 && files.every((f) => f.data === undefined), 'no image bytes unless asked for');
    assert.equal(doc.site.base_url, TEST_BASE_URL);
  });

  test('"Include the image files" puts every image file\'s bytes in the JSON file, and it still validates', async () => {
    const res = await download('json', admin, { media: 'yes' });
    assert.equal(res.statusCode, 200);
    const doc = JSON.parse(res.body) as Record<string, unknown> & Record<string, { files: { data?: string }[] }[]>;
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    assert.ok(ajv.validate(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object, doc), ajv.errorsText());
    assert.equal(doc.includes_media_bytes, true);
    const files = doc.media?.flatMap((m) => m.files) ?? [];
    assert.ok(files.length > 0 && files.every((f) => typeof f.data === 'string' && f.data.length > 0));
  });

  test("neither file holds a password hash, session, second-factor secret or the site's signing key", async () => {
    await db()
      .updateTable('users')
      .set({ totp_secret: 'KRUGKIDTORSXAZJAOJXWC3BAOJQW4IDF' })
      .where('id', '=', owner.id)
      .execute();
    const users = await db().selectFrom('users').select(['password_hash', 'totp_secret']).execute();
    const sessions = await db().selectFrom('sessions').select('token_hash').execute();
    const secrets = [
      ...users.flatMap((u) => [u.password_hash, u.totp_secret]),
      ...sessions.map((s) => s.token_hash),
      (await getSiteSecret(db())).toString('base64url'),
    ].filter((s): s is string => typeof s === 'string' && s.length > 8);
    assert.ok(secrets.length >= 4, 'passwords, sessions and the key were set up');
    for (const res of [
      await download('wordpress', owner, { personal: 'yes' }),
      await download('json', owner, { personal: 'yes' }),
    ]) {
      assert.equal(res.statusCode, 200);
      for (const s of secrets) assert.ok(!res.body.includes(s), 'a secret is in the file');
    }
  });
});

describe(`who may export, and how (${TEST_DATABASE})`, () => {
  test('the page explains both files and offers a download form each, with the CSRF token, to owners and admins', async () => {
    for (const who of [owner, admin]) {
      const page = await staff.get('/admin/export', who);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<a href="\/admin\/export" aria-current="page">Export<\/a>/);
      for (const action of ['/admin/export/wordpress', '/admin/export/json'])
        assert.match(
          page.body,
          new RegExp(`<form method="post" action="${action}"><input type="hidden" name="csrf" value="${who.csrf}"/>`),
        );
      for (const format of ['wordpress', 'json'])
        if (who === owner) {
          assert.match(page.body, new RegExp(`<input type="checkbox" id="export-${format}-personal" name="personal"`));
          assert.doesNotMatch(page.body, /name="personal"[^>]*checked/, 'addresses are left out by default');
        } else assert.doesNotMatch(page.body, /name="personal"/, 'an admin is not offered the addresses');
      if (who === admin) assert.match(page.body, /only an owner may take them out of the site/);
      assert.match(page.body, /annalist import annalist FILE\.json/);
      assert.match(page.body, /sources library and citation keys/);
      assert.match(page.body, /Passwords, sign-in sessions, second-factor \(TOTP\) secrets/);
      assert.doesNotMatch(page.body, /started without its public address/);
    }
  });

  test('an editor gets the refusal page for the page and both downloads, and no Export link', async () => {
    for (const res of [
      await staff.get('/admin/export', editor),
      await download('wordpress', editor),
      await download('json', editor, { media: 'yes' }),
    ]) {
      assert.equal(res.statusCode, 403);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.match(res.body, /Code: <code>FORBIDDEN<\/code>/);
      assert.equal(res.headers['content-disposition'], undefined);
    }
    assert.doesNotMatch((await staff.get('/admin/dashboard', editor)).body, /href="\/admin\/export"/);
    assert.match((await staff.get('/admin/dashboard', admin)).body, /<a href="\/admin\/export">Export<\/a>/);
  });

  test('a download without the CSRF token, from another site, or by GET is refused and starts nothing', async () => {
    const noToken = await t.app.inject({
      method: 'POST',
      url: '/admin/export/wordpress',
      headers: { 'content-type': FORM, cookie: admin.cookie, origin: TEST_BASE_URL },
      payload: 'personal=yes',
    });
    assert.equal(noToken.statusCode, 403);
    assert.match(noToken.body, /CSRF_FAILED/);
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/admin/export/json',
      headers: { 'content-type': FORM, cookie: admin.cookie, origin: 'https://elsewhere.example' },
      payload: new URLSearchParams({ csrf: admin.csrf }).toString(),
    });
    assert.equal(foreign.statusCode, 403, 'a right token from another site is refused too');
    assert.match(foreign.body, /CSRF_FAILED/);
    const byGet = await staff.get('/admin/export/json', admin);
    assert.equal(byGet.statusCode, 404);
    for (const res of [noToken, foreign, byGet]) {
      assert.equal(res.headers['content-disposition'], undefined);
      assert.doesNotMatch(res.body, /annalist-export|<rss/);
    }
  });

  test('on a server started without its public address, the page warns that links would point at it', async () => {
    const local = buildApp({
      content: t.site.content,
      contentVersion: t.site.storage.contentVersion,
      changes: t.site.changes,
      baseUrl: 'http://127.0.0.1:3000',
      mediaDir: t.site.mediaDir,
      exports: t.site.exports,
      logger: false,
    });
    try {
      const page = await local.inject({ method: 'GET', url: '/admin/export', headers: { cookie: admin.cookie } });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /started without its public address/);
      assert.match(page.body, /<code>http:\/\/127\.0\.0\.1:3000<\/code>/);
    } finally {
      await local.close();
    }
  });

  test('the export page, plain and while an export runs, is valid HTML', async () => {
    const plain = await staff.get('/admin/export', owner);
    const lease = await claimExportLease(db(), clock.now());
    assert.ok(lease);
    try {
      const busy = await staff.get('/admin/export', owner);
      assert.match(busy.body, /An export is being written now/);
      const errors = await htmlErrors([
        { name: 'export', html: plain.body },
        { name: 'export, one running', html: busy.body },
      ]);
      assert.equal(errors.length, 0, `validator errors:\n${errors.join('\n')}`);
    } finally {
      await releaseExportLease(db(), lease);
    }
  });
});

describe(`one export at a time, a limit per account, and failures (${TEST_DATABASE})`, () => {
  test('while another process holds the export slot, a download is refused with EXPORT_BUSY (409); a slot left by a stopped process runs out', async () => {
    const lease = await claimExportLease(db(), clock.now());
    assert.ok(lease, 'the slot was free');
    try {
      const busy = await download('wordpress', admin);
      assert.equal(busy.statusCode, 409);
      assert.match(busy.headers['content-type'] as string, /text\/html/);
      assert.match(busy.body, /Another export of this site is being written just now/);
      assert.match(busy.body, /Code: <code>EXPORT_BUSY<\/code>/);
      assert.equal(busy.headers['content-disposition'], undefined);
      // The process that held it stopped without letting go: a minute later the slot is free again.
      clock.set(new Date(clock.now().getTime() + 61_000));
      const later = await download('json', admin);
      assert.equal(later.statusCode, 200);
      assert.equal(await exportRunning(), false, 'the finished export let the slot go');
    } finally {
      await releaseExportLease(db(), lease);
    }
  });

  test('a download in progress on one connection makes a second wait its turn; closing the first frees the slot', async () => {
    // A first article of 16 MB: more than the connection's buffers hold, so the export waits on its reader.
    const first = await db().selectFrom('posts').select('id').orderBy('id').executeTakeFirstOrThrow();
    const body = await db()
      .selectFrom('post_bodies')
      .select('body_html')
      .where('post_id', '=', first.id)
      .executeTakeFirstOrThrow();
    const paragraph = `<p>${'The steppe road ran east past the salt lakes, and the column kept to it. '.repeat(40)}</p>\n`;
    await db()
      .updateTable('post_bodies')
      .set({ body_html: paragraph.repeat(Math.ceil((16 * 1024 * 1024) / paragraph.length)) })
      .where('post_id', '=', first.id)
      .execute();
    try {
      const slow = await postOverHttp('/admin/export/wordpress', admin);
      assert.equal(slow.res.statusCode, 200);
      slow.res.pause(); // a reader who takes nothing more for now
      assert.equal(await exportRunning(), true, 'the page says an export is running');
      const second = await postOverHttp('/admin/export/json', owner);
      assert.equal(second.res.statusCode, 409);
      assert.match((await readToClose(second.res)).text, /EXPORT_BUSY/);

      slow.close(); // the reader gives up: the writer stops and lets the slot go
      await until('the slot to be free', async () => !(await exportRunning()));
      assert.ok(logLines.some((l) => l.includes('download stopped')));
    } finally {
      await db()
        .updateTable('post_bodies')
        .set({ body_html: body.body_html })
        .where('post_id', '=', first.id)
        .execute();
    }
    const third = await postOverHttp('/admin/export/json', owner);
    assert.equal(third.res.statusCode, 200);
    const read = await readToClose(third.res);
    assert.ok(read.complete);
    assert.ok(JSON.parse(read.text));
  });

  test('a failure after the first bytes cuts the connection, so the file cannot pass for whole, and is logged', async () => {
    // A damaged row (a date no one can read, as a hand-edited database may hold) stops the WXR writer part way.
    const last = await db()
      .selectFrom('comments')
      .select(['id', 'created_at'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    await db().updateTable('comments').set({ created_at: 'the eve of Borodino' }).where('id', '=', last.id).execute();
    try {
      const { res } = await postOverHttp('/admin/export/wordpress', admin);
      assert.equal(res.statusCode, 200, 'the headers went out with the first bytes');
      const read = await readToClose(res);
      assert.equal(read.complete, false, 'the body did not end properly');
      assert.ok(read.text.startsWith('<?xml'), 'some of the file came');
      assert.ok(!read.text.includes('</rss>'), 'the end of the file never came');
      await until('the failure in the log', () => logLines.some((l) => l.includes('download failed after its first')));
      const line = logLines.find((l) => l.includes('download failed after its first')) ?? '';
      assert.match(line, /"export":"wordpress"/);
      assert.match(line, /Invalid time value/);
      await until('the slot to be free', async () => !(await exportRunning()));
    } finally {
      await db().updateTable('comments').set({ created_at: last.created_at }).where('id', '=', last.id).execute();
    }
  });

  test('an account that asks for more than 5 exports in a minute is told to wait (429), the others are not', async () => {
    const lease = await claimExportLease(db(), clock.now()); // each request is refused as busy, cheaply
    assert.ok(lease);
    try {
      for (let i = 0; i < 5; i++) assert.equal((await download('json', admin)).statusCode, 409);
      const limited = await download('wordpress', admin);
      assert.equal(limited.statusCode, 429);
      assert.match(limited.body, /Code: <code>RATE_LIMITED<\/code>/);
      assert.match(limited.body, /Wait a minute/);
      assert.equal((await download('json', owner)).statusCode, 409, "another account's limit is its own");
    } finally {
      await releaseExportLease(db(), lease);
    }
    clock.set(new Date(clock.now().getTime() + 61_000));
    assert.equal((await download('json', admin)).statusCode, 200, 'a minute later it may export again');
  });
});
