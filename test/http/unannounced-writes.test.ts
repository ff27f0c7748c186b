/**
 * A write committed to the database that no announcement follows — its node died between the commit and the
 * announcement, or another program wrote — still reaches a node's cached pages within the stale bound, and writes
 * other nodes do announce drop only the pages they name (decision 049). Node A is the test site with its page cache;
 * node B is a second opening of the same database (on SQLite the same file, as a second process has it). On
 * PostgreSQL the nodes hear such a commit through its commit marker; on SQLite through PRAGMA data_version.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import sharp from 'sharp';
import { DATABASE_FILE, openSite, type Site } from '../../src/main.ts';
import { createSignInLink, createUser } from '../../src/modules/accounts/accounts.service.ts';
import { exportSite } from '../../src/modules/export/site-export.service.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { deleteMedia, updateMedia } from '../../src/modules/media/media.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { reportComment } from '../../src/modules/moderation/report-comment.service.ts';
import { NOTHING_CHANGED } from '../../src/modules/shared/changes.ts';
import { getSiteSecret } from '../../src/modules/shared/secret.ts';
import { buildApp } from '../../src/web/app.ts';
import { createArticle } from '../support/factories.ts';
import { startTestSite, TEST_BASE_URL, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { type Person, STAFF_PASSWORD, staffClient } from '../support/staff-client.ts';
import { until } from '../support/until.ts';

/** The bound a node waits for a marker's notice: ANNALIST_STALE_MAX's default, which the test site keeps. */
const BOUND_MS = 1000;
/** Time for the machine (two shared cores under a full test run) on top of the bound. */
const MARGIN_MS = 2000;
// The two articles the tests watch (made in before()): one commented on through both nodes, one left alone.
let COMMENTED: string;
let UNTOUCHED: string;
let commentedId: number;

let t: TestSite;
let nodeB: { site: Site; app: FastifyInstance };
let editorOnB: Person;
const onB = staffClient(() => ({ ...t, app: nodeB.app }));
let nextIp = 1;

before(async () => {
  t = await startTestSite({ demo: false });
  const commentedOn = await createArticle(t, { title: 'Lorries on the steppe' });
  [COMMENTED, commentedId] = [commentedOn.slug, commentedOn.id];
  UNTOUCHED = (await createArticle(t, { title: 'A fleet sails round the world' })).slug;
  // A reader's comment is published at once; the signing key exists before node B signs anyone in.
  await saveModerationSettings(t.site.content, { holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 });
  await getSiteSecret(t.site.content.db);
  const site = await openSite(t.dir, { databaseUrl: t.databaseUrl, clock: t.clock });
  const app = buildApp({
    content: site.content,
    contentVersion: site.storage.contentVersion,
    changes: site.changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: site.mediaDir,
    pageCache: false,
    logger: false,
  });
  await app.ready();
  nodeB = { site, app };
  editorOnB = await onB.person('editor', 'Edith');
  // B's sign-in wrote its session (a table no page shows): a live node's notice answers whatever came before it.
  const heardBefore = t.site.storage.contentVersion();
  nodeB.site.content.noteWrite(NOTHING_CHANGED);
  await until('node A to hear node B', async () => {
    t.site.changes.poll();
    return t.site.storage.contentVersion() !== heardBefore;
  });
});
after(async () => {
  await nodeB?.app.close();
  await nodeB?.site.storage.close();
  await t?.close();
});

const read = (app: FastifyInstance, url: string) => app.inject({ url });

/** Reads `url` on node A until it is a cache hit. */
async function cachedOnA(url: string): Promise<void> {
  await read(t.app, url);
  const again = await read(t.app, url);
  assert.equal(again.statusCode, 200, again.body.slice(0, 300));
  assert.equal(again.headers['x-cache'], 'hit', url);
}

/** Reads `url` on node A until `until` (from Date.now()): a cache hit every time. */
async function staysCachedOnA(url: string, until: number): Promise<void> {
  while (Date.now() < until) {
    const page = await read(t.app, url);
    assert.equal(page.headers['x-cache'], 'hit', 'the untouched article stays cached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Changes an article's title with a plain connection and no announcement at all: on PostgreSQL named `name`
 * (application_name), on SQLite a connection of another process to the file.
 */
async function writeUnannounced(slug: string, title: string, name: string): Promise<void> {
  if (t.databaseUrl) {
    const client = new pg.Client({ connectionString: t.databaseUrl, application_name: name });
    await client.connect();
    try {
      await client.query('update posts set title = $1 where slug = $2', [title, slug]);
    } finally {
      await client.end();
    }
    return;
  }
  const file = new Database(join(t.dir, DATABASE_FILE));
  try {
    file.pragma('busy_timeout = 5000');
    file.prepare('update posts set title = ? where slug = ?').run(title, slug);
  } finally {
    file.close();
  }
}

/**
 * Node A serves the new title within the bound and the margin of the commit (`committed`, from Date.now()), and
 * once it has, never the old one again while the page is read for a little longer.
 */
async function servesNewTitle(url: string, title: string, committed: number): Promise<void> {
  const deadline = committed + BOUND_MS + MARGIN_MS;
  await until(
    `node A to serve “${title}”`,
    async () => (await read(t.app, url)).body.includes(title),
    deadline - Date.now(),
  );
  const shownFor = Date.now() + 300;
  while (Date.now() < shownFor) {
    const page = await read(t.app, url);
    assert.ok(page.body.includes(title), 'the old title never comes back');
  }
}

function commentOn(app: FastifyInstance, slug: string, body: string) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/posts/${slug}/comments`,
    payload: { name: 'Oyuun Batsaikhan', email: 'oyuun@example.net', body },
    remoteAddress: `198.51.100.${nextIp++}`,
  });
}

describe(`writes no announcement follows (${TEST_DATABASE})`, () => {
  test('a write committed by a node that died before announcing it reaches the cached page within the bound', async () => {
    const url = `/${UNTOUCHED}/`;
    await cachedOnA(url);
    const committed = Date.now();
    await writeUnannounced(UNTOUCHED, 'Tsushima: the fleet that sailed round the world', `annalist:${randomUUID()}`);
    await servesNewTitle(url, 'Tsushima: the fleet that sailed round the world', committed);
  });

  test('writes other nodes announce drop only the pages they name, also once the bound has passed', async () => {
    const commented = `/${COMMENTED}/`;
    const untouched = `/${UNTOUCHED}/`;
    await cachedOnA(untouched);
    await cachedOnA(commented);
    // Through node B: a reader's comment on one article, and an editor's autosave of it (kept, not published).
    const fromB = await commentOn(nodeB.app, COMMENTED, 'Seen from node B: the Soviet lorries decided it.');
    assert.equal(fromB.statusCode, 201, fromB.body);
    const form = await onB.formOf(`/admin/posts/${commentedId}`, editorOnB);
    const kept = await onB.send(`/admin/posts/${commentedId}/autosave`, editorOnB, {
      ...form,
      body: `${form.body} More.`,
    });
    assert.equal(kept.statusCode, 200, kept.body.slice(0, 300));
    // And through node A itself: its own writes it hears at once, and its own markers it ignores.
    const fromA = await commentOn(t.app, COMMENTED, 'Seen from node A: the steppe favoured the lorries.');
    assert.equal(fromA.statusCode, 201, fromA.body);
    const written = Date.now();
    await until('node A to show node B’s comment', async () =>
      (await read(t.app, commented)).body.includes('Seen from node B: the Soviet lorries decided it.'),
    );
    // The claim is about time itself: past the bound, no marker of these writes is left to drop everything.
    await staysCachedOnA(untouched, written + BOUND_MS + 500);
    assert.equal((await read(t.app, untouched)).headers['x-cache'], 'hit');
  });

  test('a reader’s report that holds no comment is told as nothing: the other nodes keep their pages', async () => {
    const body = 'A comment one reader will report, not enough to hold it.';
    const posted = await commentOn(t.app, COMMENTED, body);
    assert.equal(posted.statusCode, 201, posted.body);
    const comment = await t.site.content.db
      .selectFrom('comments')
      .select('id')
      .where('body_md', '=', body)
      .executeTakeFirstOrThrow();
    const untouched = `/${UNTOUCHED}/`;
    await cachedOnA(untouched);
    // Through node B, as its report route does (the reader's address as the reporter).
    const deps = { ...nodeB.site.content, baseUrl: TEST_BASE_URL };
    const report = { commentId: comment.id, reporter: '203.0.113.9', reason: 'off-topic', note: '' } as const;
    assert.deepEqual(await reportComment(deps, report), { held: false });
    // The claim is about time itself: past the bound, the report's commit has not made node A drop everything.
    await staysCachedOnA(untouched, Date.now() + BOUND_MS + 500);
  });

  test('an export taken on another node (its lease claimed and freed) leaves the other nodes their pages', async () => {
    const untouched = `/${UNTOUCHED}/`;
    await cachedOnA(untouched);
    let bytes = 0;
    const input = {
      format: 'json',
      baseUrl: TEST_BASE_URL,
      includePersonalData: false,
      includeMediaBytes: false,
    } as const;
    await exportSite(nodeB.site.exports, input, {
      write: async (text) => {
        bytes += text.length;
      },
    });
    assert.ok(bytes > 1000, 'the export was written');
    // The claim is about time itself: past the bound, the lease's commits have not made node A drop everything.
    await staysCachedOnA(untouched, Date.now() + BOUND_MS + 500);
  });

  test('an image stored, its words edited and then deleted on another node leave the other nodes their pages', async () => {
    const untouched = `/${UNTOUCHED}/`;
    await cachedOnA(untouched);
    const deps = nodeB.site.content;
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c84' } })
      .png()
      .toBuffer();
    const text = { alt: 'An ochre square', decorative: false, caption: '', credit: '' };
    const { media } = await ingestImage(deps, { bytes: png, originalName: 'ochre.png', userId: null, ...text });
    await updateMedia(deps, { mediaId: media.id, ...text, alt: 'An ochre rectangle', caption: 'For the test' });
    await deleteMedia(deps, { mediaId: media.id });
    // The claim is about time itself: past the bound, the library's commits have not made node A drop everything.
    await staysCachedOnA(untouched, Date.now() + BOUND_MS + 500);
  });

  test('a name, a password and a second factor changed on another node leave the other nodes their pages', async () => {
    const untouched = `/${UNTOUCHED}/`;
    await cachedOnA(untouched);
    const password = 'a passphrase about the Halha river';
    const sent = [
      await onB.send('/admin/account/name', editorOnB, { name: 'Edith Novak' }),
      await onB.send('/admin/account/password', editorOnB, { current: STAFF_PASSWORD, password, confirm: password }),
      await onB.send('/admin/account/totp/start', editorOnB, {}),
    ];
    for (const res of sent) assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    // The claim is about time itself: past the bound, the accounts' commits have not made node A drop everything.
    await staysCachedOnA(untouched, Date.now() + BOUND_MS + 500);
  });

  test('signing in, a welcome link’s password and signing out on another node leave the other nodes their pages', async () => {
    const untouched = `/${UNTOUCHED}/`;
    // A new person and their one-time link, written by node A itself (a node's own writes it hears at once).
    const onA = { db: t.site.content.db, clock: t.clock };
    const newcomer = await createUser(onA, { email: 'nadia@example.org', name: 'Nadia', role: 'author' });
    const link = await createSignInLink({ ...onA, baseUrl: TEST_BASE_URL }, newcomer.id);
    await cachedOnA(untouched);
    const password = 'a passphrase about the Khalkha plain';
    const welcome = await nodeB.app.inject({
      method: 'POST',
      url: '/admin/welcome',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_BASE_URL },
      payload: new URLSearchParams({
        token: new URL(link.url).searchParams.get('token')!,
        password,
        confirm: password,
      }).toString(),
    });
    assert.equal(welcome.statusCode, 303, welcome.body.slice(0, 300));
    // The claim is about time itself: past the bound after each, the commits have not made node A drop everything.
    await staysCachedOnA(untouched, Date.now() + BOUND_MS + 500);
    // An account signed in on node B (a session written there)…
    const author = await onB.person('author', 'Tamir');
    await staysCachedOnA(untouched, Date.now() + BOUND_MS + 500);
    // … and signed out there.
    const out = await onB.send('/admin/sign-out', author, {});
    assert.equal(out.statusCode, 303, out.body.slice(0, 300));
    assert.equal(out.headers.location, '/admin/sign-in?notice=signed-out');
    await staysCachedOnA(untouched, Date.now() + BOUND_MS + 500);
  });

  test('a write by another program (no Annalist node at all) also ends in fresh pages', async () => {
    const url = `/${UNTOUCHED}/`;
    await cachedOnA(url);
    const committed = Date.now();
    await writeUnannounced(UNTOUCHED, 'Tsushima, retold from the Japanese side', 'psql');
    await servesNewTitle(url, 'Tsushima, retold from the Japanese side', committed);
  });
});
