/**
 * `annalist backup` and `annalist restore` in real processes. The demo site on SQLite (with a reader's comment,
 * an uploaded image, a category moved under a newer one, an owner with a password, a second factor and a
 * session) is backed up, then restored into a fresh folder and into a fresh PostgreSQL database: every table
 * row for row, the media folder byte for byte, the search index. The archive holds no secret; damaged, newer
 * and older archives, a full disk and a target that already holds a site are each checked. Chooses its
 * databases itself (RUN_ONCE in scripts/test.mjs).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import sharp from 'sharp';
import { openSite, type Site } from '../../src/main.ts';
import { createUser, setPassword, startSession } from '../../src/modules/accounts/accounts.service.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { systemClock } from '../../src/modules/shared/clock.ts';
import { getSiteSecret } from '../../src/modules/shared/secret.ts';
import { ARCHIVE_TABLE_ORDER } from '../../src/storage/backup/backup-format.ts';
import { readTar, TAR_END, tarHeader, tarPadding } from '../../src/storage/backup/tar.ts';
import { SQLITE_CAPABILITIES } from '../../src/storage/capabilities.ts';
import { migrationProvider } from '../../src/storage/migrations/index.ts';
import type { DatabaseSchema } from '../../src/storage/schema.ts';
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
const TOTP_SECRET = 'KNOWNTOTPSECRETBASE32AAAAAAAAAAA';
const root = mkdtempSync(join(tmpdir(), 'annalist-backup-'));
const sourceDir = join(root, 'source');
const archive = join(root, 'site.tar.gz');
const cleanups: (() => Promise<void>)[] = [];
let admin: string;
/** What must never be in an archive made without --include-accounts. */
const secrets = { sessionHash: '', passwordHash: '', siteSecret: '', totp: TOTP_SECRET };
let ownerEmail: string;

after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

/** Runs `annalist …` in a child process (through `sh -c` when `shell` is given, to set limits first). */
function annalist(args: string[], env: NodeJS.ProcessEnv = {}, shell?: string): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  if (!shell) return runCommand(process.execPath, [BIN, ...args], { env: childEnv });
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return runCommand('sh', ['-c', `${shell}; exec ${quoted}`], { env: childEnv });
}

async function newDatabase(): Promise<string> {
  const url = await createTestDatabase(admin);
  cleanups.push(() => dropTestDatabase(admin, url));
  return url;
}

async function opened(dir: string, databaseUrl?: string): Promise<Site> {
  const site = await openSite(dir, databaseUrl ? { databaseUrl } : {});
  cleanups.push(() => site.storage.close());
  return site;
}

type Table = (typeof TABLES_IN_DEPENDENCY_ORDER)[number];

/** Every row of every table as sorted canonical JSON (bytes as base64), for comparing two databases. */
async function everyRow(site: Site): Promise<Record<Table, string[]>> {
  const all = {} as Record<Table, string[]>;
  for (const table of TABLES_IN_DEPENDENCY_ORDER) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(site.storage.db);
    all[table] = rows.map(canonical).sort();
  }
  return all;
}

function canonical(row: Record<string, unknown>): string {
  const keys = Object.keys(row).sort();
  return JSON.stringify(keys.map((k) => [k, Buffer.isBuffer(row[k]) ? (row[k] as Buffer).toString('base64') : row[k]]));
}

/** The source's rows as a backup without accounts must restore them: secrets gone, nothing else changed. */
function scrubbed(rows: Record<Table, string[]>): Record<Table, string[]> {
  const out = { ...rows, sessions: [], used_form_tokens: [], outbox: [] };
  out.settings = rows.settings.filter((r) => !r.includes('"secret.hmac"'));
  out.users = rows.users.map((r) => {
    const pairs = JSON.parse(r) as [string, unknown][];
    return JSON.stringify(
      pairs.map(([k, v]) => [
        k,
        ['password_hash', 'totp_secret', 'totp_enabled_at', 'totp_last_step'].includes(k) ? null : v,
      ]),
    );
  });
  return out;
}

/** The restored site's rows, leaving out the new signing key it made for the owners' links. */
async function restoredRows(site: Site): Promise<Record<Table, string[]>> {
  const rows = await everyRow(site);
  rows.settings = rows.settings.filter((r) => !r.includes('"secret.hmac"'));
  return rows;
}

/** The SQLite file's indexes: name and SQL. */
async function indexesOf(site: Site): Promise<unknown[]> {
  const { rows } = await sql`select name, sql from sqlite_master where type = 'index' order by name`.execute(
    site.storage.db,
  );
  return rows;
}

async function searchDocuments(site: Site): Promise<unknown[]> {
  const key = site.storage.capabilities.fullText === 'fts5' ? 'rowid' : 'post_id';
  const { rows } = await sql`select ${sql.ref(key)} as id, title, standfirst, body from search_posts
    order by ${sql.ref(key)}`.execute(site.storage.db);
  return rows.map((r) => ({ ...(r as object), id: Number((r as { id: unknown }).id) }));
}

function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = readFileSync(join(dir, name)).toString('base64');
  return out;
}

/** The members of an archive, in order, with their bytes. */
async function membersOf(file: string): Promise<{ name: string; bytes: Buffer }[]> {
  const members: { name: string; bytes: Buffer }[] = [];
  async function* chunks() {
    yield gunzipSync(readFileSync(file));
  }
  for await (const entry of readTar(chunks())) {
    const parts: Buffer[] = [];
    for await (const part of entry.body()) parts.push(part);
    members.push({ name: entry.name, bytes: Buffer.concat(parts) });
  }
  return members;
}

function writeArchive(file: string, members: { name: string; bytes: Buffer }[]): void {
  const blocks: Buffer[] = [];
  for (const m of members)
    blocks.push(tarHeader(m.name, m.bytes.length, new Date()), m.bytes, tarPadding(m.bytes.length));
  blocks.push(TAR_END);
  writeFileSync(file, gzipSync(Buffer.concat(blocks)));
}

/** Recomputes the manifest's sizes, checksums and row counts, as someone forging an archive would. */
function resealed(members: { name: string; bytes: Buffer }[]): void {
  const manifest = members.find((m) => m.name === 'manifest.json')!;
  const parsed = JSON.parse(manifest.bytes.toString()) as {
    members: { name: string; bytes: number; sha256: string; rows?: number; table?: string }[];
  };
  parsed.members = members
    .filter((m) => m.name !== 'manifest.json')
    .map((m) => {
      const old = parsed.members.find((o) => o.name === m.name);
      const table = /^tables\/(\w+)\.jsonl$/.exec(m.name)?.[1];
      const rows = m.bytes.toString().split('\n').filter(Boolean).length;
      return {
        ...old,
        name: m.name,
        bytes: m.bytes.length,
        sha256: createHash('sha256').update(m.bytes).digest('hex'),
        ...(table ? { table, rows } : {}),
      };
    });
  manifest.bytes = Buffer.from(JSON.stringify(parsed));
}

before(async () => {
  admin = await testPostgresAdminUrl();
  const site = await openSite(sourceDir);
  try {
    await seedDemoSite(site.content, { mediaDir: site.mediaDir });
    await saveModerationSettings(site.content, { holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 });
    const app = buildApp({
      content: site.content,
      contentVersion: site.storage.contentVersion,
      changes: site.changes,
      baseUrl: BASE,
      mediaDir: site.mediaDir,
      logger: false,
    });
    const cookie = await injectFormToken(app, { remoteAddress: '203.0.113.9', origin: BASE });
    const posted = await app.inject({
      method: 'POST',
      url: `${ARTICLE}comments`,
      remoteAddress: '203.0.113.9',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE, cookie },
      payload: new URLSearchParams({
        name: 'Marta Kowal',
        email: 'marta@example.org',
        body: 'A map of the crossing, please.',
      }).toString(),
    });
    assert.equal(posted.statusCode, 303, posted.body.slice(0, 200));
    await app.close();

    const png = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#8a6' } })
      .png()
      .toBuffer();
    await ingestImage(
      { db: site.storage.db, clock: site.content.clock },
      {
        bytes: png,
        originalName: 'steppe.png',
        userId: null,
        alt: 'A field',
        decorative: false,
        caption: '',
        credit: '',
      },
    );
    // A category moved under one made after it: restored, its parent's row comes after its own.
    await moveJapanUnderNewerCategory(site.storage.db);
    // A page under a page made after it (the page tree, posts.parent_id): the same forward self-reference.
    const pages = await site.storage.db
      .selectFrom('posts')
      .select('id')
      .where('type', '=', 'page')
      .orderBy('id')
      .execute();
    assert.ok(pages.length >= 2, 'the demo has two pages');
    await site.storage.db
      .updateTable('posts')
      .set({ parent_id: pages.at(-1)!.id, menu_order: 2 })
      .where('id', '=', pages[0]!.id)
      .execute();

    const deps = { db: site.storage.db, clock: systemClock };
    const owner = await createUser(deps, { email: 'owner@example.org', name: 'Olga Owner', role: 'owner' });
    ownerEmail = owner.email;
    await setPassword(deps, { userId: owner.id, password: 'correct horse battery staple' });
    await site.storage.db
      .updateTable('users')
      .set({ totp_secret: TOTP_SECRET, totp_enabled_at: '2026-01-01T00:00:00.000Z', totp_last_step: 123 })
      .where('id', '=', owner.id)
      .execute();
    const row = await site.storage.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', owner.id)
      .executeTakeFirstOrThrow();
    secrets.passwordHash = String(row.password_hash);
    secrets.sessionHash = (await startSession(deps, row)).session.tokenHash;
    secrets.siteSecret = (await getSiteSecret(site.storage.db)).toString('base64url');
    const tokens = await site.storage.db.selectFrom('used_form_tokens').select('token').execute();
    assert.ok(tokens.length > 0, 'the comment spent a form token');
  } finally {
    await site.storage.close();
  }
  const run = await annalist(['backup', '--data-dir', sourceDir, '--out', archive]);
  assert.equal(run.status, 0, run.stderr);
});

describe('annalist backup and restore', () => {
  test('restored into a fresh folder, every table has the same rows (secrets aside) and media the same bytes', {
    timeout: 120_000,
  }, async () => {
    const dir = join(root, 'fresh');
    const run = await annalist(['restore', archive, '--data-dir', dir]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Restored site\.tar\.gz into .*: \d+ rows, 2 media files; search index rebuilt/);
    assert.match(run.stdout, new RegExp(`${ownerEmail}: http://\\S+`), 'the owner gets a link to choose a password');
    const source = await opened(sourceDir);
    const copy = await opened(dir);
    assert.deepEqual(await restoredRows(copy), scrubbed(await everyRow(source)));
    assert.deepEqual(await searchDocuments(copy), await searchDocuments(source));
    assert.deepEqual(filesOf(copy.mediaDir), filesOf(source.mediaDir));
    const image = await copy.storage.db.selectFrom('media_files').select(['name', 'bytes']).orderBy('name').execute();
    assert.ok(image.length > 0 && image.every((f) => f.bytes.length > 0), 'the uploaded image files are there');
    // Restored into a new file (its indexes dropped while the rows went in, the search index built on a second
    // thread and copied whole): the same indexes as a site made by this Annalist, a sound file, a sound index.
    assert.deepEqual(await indexesOf(copy), await indexesOf(source));
    await sql`insert into search_posts (search_posts) values ('integrity-check')`.execute(copy.storage.db);
    const { rows } = await sql<{ quick_check: string }>`pragma quick_check`.execute(copy.storage.db);
    assert.deepEqual(rows, [{ quick_check: 'ok' }]);
    const page = { limit: 5, offset: 0, visibleAt: new Date().toISOString() };
    const found = await copy.storage.search.query(['Khalkhin'], page);
    assert.ok(found.total > 0, 'the restored search index finds an article');
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['annalist.db', 'annalist.db-shm', 'annalist.db-wal', 'media'],
      'no work file left beside it',
    );
  });

  test('restored into a fresh PostgreSQL database, every row is the same and new ids follow the restored ones', {
    timeout: 120_000,
  }, async () => {
    const url = await newDatabase();
    const dir = join(root, 'pg-node');
    const run = await annalist(['restore', archive, '--data-dir', dir], { DATABASE_URL: url });
    assert.equal(run.status, 0, run.stderr);
    const source = await opened(sourceDir);
    const copy = await opened(dir, url);
    assert.deepEqual(await restoredRows(copy), scrubbed(await everyRow(source)));
    assert.deepEqual(await searchDocuments(copy), await searchDocuments(source));
    assert.deepEqual(filesOf(copy.mediaDir), filesOf(source.mediaDir));
    const last = await source.storage.db
      .selectFrom('comments')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirstOrThrow();
    const added = await copy.storage.db
      .insertInto('comments')
      .values({
        post_id: 1,
        parent_id: null,
        thread_id: null,
        author_name: 'N',
        author_email: 'n@example.org',
        author_url: null,
        user_id: null,
        body_md: 'x',
        body_html: '<p>x</p>',
        quoted_comment_id: null,
        quoted_text: null,
        status: 'held',
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: null,
        approved_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    assert.equal(added.id, Number(last.id) + 1, 'the identity sequence was moved past the restored ids');

    // And back: a backup of the PostgreSQL site restores into SQLite with the same rows.
    const again = join(root, 'from-pg.tar.gz');
    const backup = await annalist(['backup', '--data-dir', dir, '--out', again], { DATABASE_URL: url });
    assert.equal(backup.status, 0, backup.stderr);
    const back = join(root, 'back-to-sqlite');
    assert.equal((await annalist(['restore', again, '--data-dir', back])).status, 0);
    assert.deepEqual(await restoredRows(await opened(back)), await restoredRows(copy));
  });

  test('the archive holds no session, password hash, second factor or site secret unless accounts are asked for', {
    timeout: 60_000,
  }, async () => {
    const raw = gunzipSync(readFileSync(archive)).toString('latin1');
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(value.length > 10, what);
      assert.ok(!raw.includes(value), `the archive does not contain the ${what}`);
    }
    const withAccounts = join(root, 'with-accounts.tar.gz');
    const run = await annalist(['backup', '--data-dir', sourceDir, '--out', withAccounts, '--include-accounts']);
    assert.equal(run.status, 0, run.stderr);
    const rawWith = gunzipSync(readFileSync(withAccounts)).toString('latin1');
    assert.ok(rawWith.includes(secrets.passwordHash), '--include-accounts keeps the password hash');
    assert.ok(rawWith.includes(secrets.totp), '--include-accounts keeps the second factor');
    assert.ok(!rawWith.includes(secrets.sessionHash), 'never a session');
    assert.ok(!rawWith.includes(secrets.siteSecret), 'never the site secret');
  });

  test('a tampered archive is refused naming the member that fails its checksum, and nothing is restored', {
    timeout: 60_000,
  }, async () => {
    const members = await membersOf(archive);
    const comments = members.find((m) => m.name === 'tables/comments.jsonl')!;
    comments.bytes = Buffer.from(comments.bytes.toString().replace('A map of the crossing', 'A map of the crassing'));
    const tampered = join(root, 'tampered.tar.gz');
    writeArchive(tampered, members);
    const dir = join(root, 'not-restored-1');
    const run = await annalist(['restore', tampered, '--data-dir', dir]);
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(
      run.stderr,
      /tampered\.tar\.gz is damaged \(tables\/comments\.jsonl fails its SHA-256 check\); nothing was restored/,
    );
    assert.equal(existsSync(dir), false, 'no target is left behind');
  });

  test('a truncated archive is refused naming the member it ends in, and nothing is restored', {
    timeout: 60_000,
  }, async () => {
    const truncated = join(root, 'truncated.tar.gz');
    writeFileSync(truncated, readFileSync(archive));
    truncateSync(truncated, Math.floor(readFileSync(archive).length * 0.6));
    const dir = join(root, 'not-restored-2');
    const run = await annalist(['restore', truncated, '--data-dir', dir]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /^annalist: \S+truncated\.tar\.gz is damaged \((tables|search|media)\/[\w.-]+: the archive is cut short: truncated\); nothing was restored\n$/,
    );
    assert.equal(existsSync(dir), false);
  });

  test('a gzip bomb and a line of 65 MB are refused in one line, leaving no target behind, though their checksums agree', {
    timeout: 120_000,
  }, async () => {
    // A member of zeros compresses about 1,000 to 1: the archive is small, what it asks for is not.
    const bomb = await membersOf(archive);
    bomb.splice(-1, 0, { name: 'media/zeros.bin', bytes: Buffer.alloc(200 * 1024 * 1024) });
    resealed(bomb);
    const bombFile = join(root, 'bomb.tar.gz');
    writeArchive(bombFile, bomb);
    // One comment line of 65 MB: valid JSON, sealed with the right checksum and row count.
    const long = await membersOf(archive);
    const comments = long.find((m) => m.name === 'tables/comments.jsonl')!;
    const huge = JSON.stringify({ id: 999_999, body_md: 'a'.repeat(65 * 1024 * 1024) });
    comments.bytes = Buffer.concat([comments.bytes, Buffer.from(`${huge}\n`)]);
    resealed(long);
    const longFile = join(root, 'long-line.tar.gz');
    writeArchive(longFile, long);
    for (const [file, why] of [
      [
        bombFile,
        /bomb\.tar\.gz is damaged \(media\/zeros\.bin: it expands more than 200-fold when decompressed, as no backup does\); nothing was restored/,
      ],
      [
        longFile,
        /long-line\.tar\.gz.*tables\/comments\.jsonl has a line longer than 64 MB, as no backup writes; nothing was restored/,
      ],
    ] as const) {
      const dir = join(root, `not-restored-${file.length}`);
      const run = await annalist(['restore', file, '--data-dir', dir]);
      assert.equal(run.status, 1, run.stdout);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, why);
      assert.equal(existsSync(dir), false, 'no target is left behind');
    }
  });

  test('an archive made to bring in a signing key, a password or sessions is refused, though its checksums agree', {
    timeout: 60_000,
  }, async () => {
    const forged: Record<string, (members: { name: string; bytes: Buffer }[]) => void> = {
      'a signing key': (members) => {
        const settings = members.find((m) => m.name === 'tables/settings.jsonl')!;
        settings.bytes = Buffer.concat([settings.bytes, Buffer.from('{"key":"secret.hmac","value":"\\"known\\""}\n')]);
      },
      'a password hash': (members) => {
        const users = members.find((m) => m.name === 'tables/users.jsonl')!;
        users.bytes = Buffer.from(
          users.bytes.toString().replace('"password_hash":null', '"password_hash":"$argon2id$forged"'),
        );
      },
      sessions: (members) => {
        const at = members.findIndex((m) => m.name === 'tables/users.jsonl');
        members.splice(at + 1, 0, { name: 'tables/sessions.jsonl', bytes: Buffer.from('') });
      },
    };
    for (const [what, forge] of Object.entries(forged)) {
      const members = await membersOf(archive);
      forge(members);
      resealed(members);
      const file = join(root, 'forged.tar.gz');
      writeArchive(file, members);
      const dir = join(root, `not-restored-forged-${what.replaceAll(' ', '-')}`);
      const run = await annalist(['restore', file, '--data-dir', dir]);
      assert.equal(run.status, 1, `${what}: ${run.stdout}`);
      assert.match(run.stderr, /no backup (writes|holds)|nothing was restored/, what);
      if (existsSync(join(dir, 'annalist.db'))) {
        const site = await openSite(dir);
        const posts = await site.storage.db.selectFrom('posts').select('id').execute();
        await site.storage.close();
        assert.equal(posts.length, 0, `${what}: nothing was restored`);
      }
    }
  });

  test('a backup from a newer Annalist is refused', { timeout: 60_000 }, async () => {
    const members = await membersOf(archive);
    const manifest = members.find((m) => m.name === 'manifest.json')!;
    const parsed = JSON.parse(manifest.bytes.toString());
    parsed.migrations.push('099-from-the-future');
    parsed.schemaVersion = '099-from-the-future';
    manifest.bytes = Buffer.from(JSON.stringify(parsed));
    const newer = join(root, 'newer.tar.gz');
    writeArchive(newer, members);
    const run = await annalist(['restore', newer, '--data-dir', join(root, 'not-restored-3')]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /was written by a newer Annalist .*migration 099-from-the-future is unknown here/);
  });

  test('restoring over a site needs --force, which backs that site up first and then replaces it', {
    timeout: 120_000,
  }, async () => {
    const dir = join(root, 'occupied');
    assert.equal((await annalist(['restore', archive, '--data-dir', dir])).status, 0);
    const site = await openSite(dir);
    await site.storage.db
      .updateTable('posts')
      .set({ title: 'Changed after the restore' })
      .where('id', '=', 1)
      .execute();
    await site.storage.close();

    const refused = await annalist(['restore', archive, '--data-dir', dir]);
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /already holds a site \(9 posts, 2 users, 2 media files\); nothing was restored\. Add --force/,
    );
    const forced = await annalist(['restore', archive, '--data-dir', dir, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    const saved = readdirSync(dir).find((f) => f.startsWith('before-restore-'));
    assert.ok(saved, `the replaced site was backed up (${readdirSync(dir).join(', ')})`);
    const kept = (await membersOf(join(dir, saved))).find((m) => m.name === 'tables/posts.jsonl')!;
    assert.ok(kept.bytes.toString().includes('Changed after the restore'), 'the safety backup has the replaced site');
    const restored = await opened(dir);
    const post = await restored.storage.db
      .selectFrom('posts')
      .select('title')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    assert.notEqual(post.title, 'Changed after the restore');
    assert.deepEqual(await restoredRows(restored), scrubbed(await everyRow(await opened(sourceDir))));
  });

  test("a backup of an older Annalist's schema is brought up to date by the migrations on restore", {
    timeout: 60_000,
  }, async () => {
    const oldDir = join(root, 'old-site');
    mkdirSync(oldDir);
    const raw = new Database(join(oldDir, 'annalist.db'));
    raw.pragma('journal_mode = WAL');
    const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: raw }) });
    const { error } = await new Migrator({ db, provider: migrationProvider(SQLITE_CAPABILITIES) }).migrateTo(
      '005-evidence',
    );
    assert.equal(error, undefined);
    // Before migration 006 a post's body lived in its posts row.
    await sql`insert into posts (id, type, slug, title, standfirst, excerpt, status, published_at, created_at,
        word_count, render_version, body_md, body_html, toc_json)
      values (7, 'post', 'old-post', 'An old post', '', '', 'published', '2020-01-01T00:00:00.000Z',
        '2020-01-01T00:00:00.000Z', 3, 1, 'Three words here', '<p>Three words here</p>', '[]')`.execute(db);
    await db.destroy();
    const old = join(root, 'old.tar.gz');
    const backup = await annalist(['backup', '--data-dir', oldDir, '--out', old]);
    assert.equal(backup.status, 0, backup.stderr);
    assert.match(backup.stdout, /schema 005-evidence/);

    const dir = join(root, 'upgraded');
    const run = await annalist(['restore', old, '--data-dir', dir]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /brought up from schema 005-evidence/);
    const site = await opened(dir);
    const body = await site.storage.db.selectFrom('post_bodies').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual(body, {
      post_id: 7,
      body_md: 'Three words here',
      body_html: '<p>Three words here</p>',
      toc_json: '[]',
    });
  });

  test('a write that fails half-way (the file size limit, as a full disk) leaves no partial file and exits 1', {
    timeout: 60_000,
  }, async () => {
    const folder = join(root, 'full-disk');
    mkdirSync(folder);
    await annalist(['help']); // the bundle is built before the limit applies
    // SIGXFSZ ignored: a write past the limit fails with EFBIG instead of killing the process.
    const run = await annalist(
      ['backup', '--data-dir', sourceDir, '--out', join(folder, 'b.tar.gz')],
      {},
      "trap '' XFSZ; ulimit -f 64",
    );
    assert.equal(run.status, 1, run.stdout);
    assert.match(run.stderr, /^annalist: writing \S+b\.tar\.gz failed \(.*(EFBIG|too large).*\); nothing was kept\n$/);
    assert.deepEqual(readdirSync(folder), [], 'no partial archive, no work folder');
  });

  test('an archive in format 1 (manifest last, tables in the first order) still restores row for row', {
    timeout: 120_000,
  }, async () => {
    const members = await membersOf(archive);
    const manifest = members.find((m) => m.name === 'manifest.json')!;
    const rank = (name: string) => {
      const table = /^tables\/(\w+)\.jsonl$/.exec(name)?.[1] as Table | undefined;
      return table ? TABLES_IN_DEPENDENCY_ORDER.indexOf(table) : name.startsWith('search/') ? 1000 : 2000;
    };
    const parsed = JSON.parse(manifest.bytes.toString()) as { formatVersion: number; members: { name: string }[] };
    parsed.formatVersion = 1;
    parsed.members.sort((a, b) => rank(a.name) - rank(b.name));
    manifest.bytes = Buffer.from(JSON.stringify(parsed));
    const rest = members.filter((m) => m !== manifest).sort((a, b) => rank(a.name) - rank(b.name));
    const file = join(root, 'format-1.tar.gz');
    writeArchive(file, [...rest, manifest]);
    const dir = join(root, 'from-format-1');
    const run = await annalist(['restore', file, '--data-dir', dir]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(await restoredRows(await opened(dir)), scrubbed(await everyRow(await opened(sourceDir))));
  });

  test('an archive lists every table after the tables its foreign keys point at, the manifest first', async () => {
    const db = new Database(join(sourceDir, 'annalist.db'), { readonly: true });
    try {
      for (const [at, table] of ARCHIVE_TABLE_ORDER.entries()) {
        const parents = db.prepare('select "table" from pragma_foreign_key_list(?)').pluck().all(table) as Table[];
        for (const parent of parents)
          if (parent !== table) assert.ok(ARCHIVE_TABLE_ORDER.indexOf(parent) < at, `${table} comes after ${parent}`);
      }
    } finally {
      db.close();
    }
    const names = (await membersOf(archive)).map((m) => m.name);
    assert.equal(names[0], 'manifest.json');
    const tables = names.flatMap((n) => /^tables\/(\w+)\.jsonl$/.exec(n)?.[1] ?? []) as Table[];
    assert.deepEqual(
      tables,
      ARCHIVE_TABLE_ORDER.filter((t) => tables.includes(t)),
    );
  });

  test('a sealed archive whose rows point at rows it does not hold, or whose lines are not rows, is refused', {
    timeout: 60_000,
  }, async () => {
    const forged = {
      'a comment on a post the backup does not hold': {
        forge(members: { name: string; bytes: Buffer }[]) {
          const comments = members.find((m) => m.name === 'tables/comments.jsonl')!;
          const first = JSON.parse(comments.bytes.toString().split('\n')[0]!) as Record<string, unknown>;
          const orphan = { ...first, id: 999_999, post_id: 999_999, parent_id: null, thread_id: null };
          comments.bytes = Buffer.concat([comments.bytes, Buffer.from(`${JSON.stringify(orphan)}\n`)]);
        },
        why: /is damaged \(a comments row, rowid 999999, refers to a posts row the backup does not hold\); nothing was restored/,
      },
      'a line that is not a row': {
        forge(members: { name: string; bytes: Buffer }[]) {
          const tags = members.find((m) => m.name === 'tables/tags.jsonl')!;
          tags.bytes = Buffer.concat([tags.bytes, Buffer.from('[1,2,3]\n')]);
        },
        why: /is damaged \(tables\/tags\.jsonl: a line is not a JSON object\); nothing was restored/,
      },
    };
    for (const [what, { forge, why }] of Object.entries(forged)) {
      const members = await membersOf(archive);
      forge(members);
      resealed(members);
      const file = join(root, 'forged-rows.tar.gz');
      writeArchive(file, members);
      const dir = join(root, `not-restored-${what.replaceAll(' ', '-')}`);
      const run = await annalist(['restore', file, '--data-dir', dir]);
      assert.equal(run.status, 1, `${what}: ${run.stdout}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, why, what);
      assert.equal(existsSync(dir), false, `${what}: no target is left behind`);
    }
  });
});
