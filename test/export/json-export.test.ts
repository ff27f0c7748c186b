/**
 * `annalist export json` and `annalist import annalist` in real processes, on the database of this pass. The
 * demo site (with an owner who has a password, a second factor and a session, an uploaded image, and a category
 * moved under a newer one) is exported; the document validates against docs/export-schema.json (ajv, draft
 * 2020-12) and holds no secret; imported into a fresh site and exported again it gives the same document, and
 * the new site serves the same article and comment. Hostile files are each refused in one line, nothing written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import sharp from 'sharp';
import { openSite, type Site } from '../../src/main.ts';
import { createUser, setPassword, startSession } from '../../src/modules/accounts/accounts.service.ts';
import { exportJsonSchema } from '../../src/modules/export/export-schema.ts';
import { createEntity, editEntity, entityFormOf, getEntity } from '../../src/modules/history/entities.service.ts';
import { emptyEntityForm } from '../../src/modules/history/entity-form.ts';
import { mergeEntity } from '../../src/modules/history/entity-merge.service.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { systemClock } from '../../src/modules/shared/clock.ts';
import { getSiteSecret } from '../../src/modules/shared/secret.ts';
import { TABLES_IN_DEPENDENCY_ORDER } from '../../src/storage/tables.ts';
import { buildApp } from '../../src/web/app.ts';
import { moveJapanUnderNewerCategory } from '../support/categories.ts';
import { type Run, runAnnalist } from '../support/process.ts';
import {
  newTestDatabase,
  startTestSite,
  TEST_BASE_URL,
  TEST_DATABASE,
  type TestDatabase,
  type TestSite,
} from '../support/site.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA_FILE = join(ROOT, 'docs/export-schema.json');
const ARTICLE = '/khalkhin-gol-1939/';
const TOTP_SECRET = 'EXPORTTOTPSECRETBASE32AAAAAAAAAA';

const root = mkdtempSync(join(tmpdir(), 'annalist-json-export-'));
const exported = join(root, 'site.json');
const cleanups: (() => Promise<void>)[] = [];
const secrets = { sessionToken: '', sessionHash: '', passwordHash: '', siteSecret: '', totp: TOTP_SECRET };
let source: TestSite;

/** `annalist …` from the sources, on the given data folder and database. */
function annalist(args: string[], db: { dir: string; env: Record<string, string> }): Promise<Run> {
  return runAnnalist([...args, '--data-dir', db.dir], {
    LOG_LEVEL: 'silent',
    DATABASE_URL: undefined,
    ...db.env,
  });
}

/** A fresh, empty site: a folder and (on PostgreSQL) a database of its own. */
async function emptySite(): Promise<{ dir: string; env: Record<string, string>; database: TestDatabase }> {
  const database = await newTestDatabase();
  cleanups.push(() => database.drop());
  return { dir: mkdtempSync(join(root, 'site-')), env: database.env, database };
}

const sourceLocation = (): { dir: string; env: Record<string, string> } => ({
  dir: source.dir,
  env: source.databaseUrl ? { DATABASE_URL: source.databaseUrl } : {},
});

/** The document without the one value that differs between two exports of the same site. */
function comparable(text: string): Record<string, unknown> {
  const doc = JSON.parse(text) as Record<string, unknown>;
  delete doc.exported_at;
  return doc;
}

/** Rows in every table but settings (a fresh site may hold its signing key). */
async function rowsIn(site: Site): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES_IN_DEPENDENCY_ORDER) {
    if (table === 'settings') continue;
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(
      site.storage.db,
    );
    if (Number(rows[0]?.n) > 0) counts[table] = Number(rows[0]?.n);
  }
  const title = await site.storage.db.selectFrom('settings').select('key').where('key', '=', 'title').execute();
  if (title.length > 0) counts.settings = title.length;
  return counts;
}

function appOn(site: Site): FastifyInstance {
  return buildApp({
    content: site.content,
    contentVersion: site.storage.contentVersion,
    changes: site.changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: site.mediaDir,
    pageCache: false,
    logger: false,
  });
}

/** An article's text as a reader gets it: the page without the per-response form tokens and timings. */
function readerText(html: string): string {
  const main = html.slice(html.indexOf('<main'), html.indexOf('</main>'));
  return main.replace(/name="(token|form_token|started)" value="[^"]*"/g, '');
}

after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  await source?.close();
  rmSync(root, { recursive: true, force: true });
});

before(async () => {
  source = await startTestSite();
  const db = source.site.storage.db;
  const png = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#6a8' } })
    .png()
    .toBuffer();
  await ingestImage(
    { db, clock: source.site.content.clock },
    {
      bytes: png,
      originalName: 'steppe.png',
      userId: null,
      alt: 'Grass to the horizon',
      decorative: false,
      caption: '',
      credit: 'The author',
    },
  );
  await moveJapanUnderNewerCategory(db);
  // A renamed place: the demo article still mentions its old slug, which must keep linking (a 301) after a move.
  const nomonhan = await db
    .selectFrom('entities')
    .select('id')
    .where('slug', '=', 'nomonhan')
    .executeTakeFirstOrThrow();
  const historyDeps = { db, clock: systemClock, noteWrite: () => {} };
  const place = await getEntity(historyDeps, nomonhan.id);
  await editEntity(historyDeps, { id: place.id, form: { ...entityFormOf(place), slug: 'nomonhan-village' } });
  // Zhukov with identifiers and a source's pages, and a duplicate merged into him: its address answers 301.
  const zhukovId = (
    await db.selectFrom('entities').select('id').where('slug', '=', 'georgy-zhukov').executeTakeFirstOrThrow()
  ).id;
  const zhukov = await getEntity(historyDeps, zhukovId);
  await editEntity(historyDeps, {
    id: zhukovId,
    form: {
      ...entityFormOf(zhukov),
      identifiers: 'viaf: 59083462\nloc: n79021164',
      sources: 'zhukov-1985 vol. 1, ch. 6\nroberts-2012',
    },
  });
  const duplicate = await createEntity(historyDeps, {
    ...emptyEntityForm('person'),
    name: 'G. K. Zhukov',
    slug: 'g-k-zhukov',
  });
  await mergeEntity(historyDeps, { id: duplicate.id, into: zhukovId });
  // A site moved in from WordPress keeps excerpts and category descriptions whole, longer than our forms take:
  // it must still move on through its JSON export.
  await db
    .updateTable('posts')
    .set({ excerpt: 'An excerpt kept whole from the old site. '.repeat(100) })
    .where('slug', '=', 'khalkhin-gol-1939')
    .execute();
  await db
    .updateTable('categories')
    .set({ description: 'A category description as long as the old site had it. '.repeat(40) })
    .where('slug', '=', 'japan')
    .execute();
  const deps = { db, clock: systemClock };
  const owner = await createUser(deps, { email: 'owner@example.org', name: 'Olga Owner', role: 'owner' });
  await setPassword(deps, { userId: owner.id, password: 'correct horse battery staple' });
  await db
    .updateTable('users')
    .set({ totp_secret: TOTP_SECRET, totp_enabled_at: '2026-01-01T00:00:00.000Z', totp_last_step: 7 })
    .where('id', '=', owner.id)
    .execute();
  const row = await db.selectFrom('users').selectAll().where('id', '=', owner.id).executeTakeFirstOrThrow();
  secrets.passwordHash = String(row.password_hash);
  const session = await startSession(deps, row);
  secrets.sessionHash = session.session.tokenHash;
  secrets.sessionToken = session.token;
  secrets.siteSecret = (await getSiteSecret(db)).toString('base64url');
  const run = await annalist(['export', 'json', '--include-media', '--out', exported], sourceLocation());
  assert.equal(run.status, 0, run.stderr);
});

describe(`annalist export json (${TEST_DATABASE})`, () => {
  test('the published schema is the one the importer checks with, and the demo export validates against it', () => {
    const published = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(
      published,
      exportJsonSchema(),
      'docs/export-schema.json is current (scripts/write-export-schema.mjs)',
    );
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    const validate = ajv.compile(published);
    const doc = JSON.parse(readFileSync(exported, 'utf8')) as Record<string, unknown[]>;
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5)));
    assert.equal(doc.posts?.length, 9);
    assert.ok((doc.comments?.length ?? 0) > 40);
    // The owner and the disabled account of the byline that answers readers in the demo's discussion.
    assert.equal(doc.accounts?.length, 2);
    assert.equal(doc.suggestions?.length, 2);
    assert.ok(
      (doc.corrections_log?.length ?? 0) >= 1 && (doc.sources?.length ?? 0) > 0 && (doc.citations?.length ?? 0) > 0,
    );
    const media = doc.media?.[0] as { files: { data?: string }[] };
    assert.ok(
      media.files.length > 0 && media.files.every((f) => typeof f.data === 'string'),
      'bytes with --include-media',
    );
  });

  test('no secret is in any byte of the export: session, password hash, second factor, site secret', () => {
    const bytes = readFileSync(exported, 'utf8');
    assert.ok(bytes.includes('owner@example.org'), 'the account is there');
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(value.length > 8, `${name} was set up`);
      assert.ok(!bytes.includes(value), `the export holds the ${name}`);
    }
    assert.ok(!/password_hash|totp|token_hash|outbox/.test(bytes));
  });

  test('writing to standard output gives the same document', async () => {
    const run = await annalist(['export', 'json', '--include-media'], sourceLocation());
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(comparable(run.stdout), comparable(readFileSync(exported, 'utf8')));
  });

  test('imported into a fresh site and exported again, every collection is the same; article and comment permalinks serve the same text', async () => {
    const target = await emptySite();
    const run = await annalist(['import', 'annalist', exported], target);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Imported 2 authors, 2 accounts, 7 categories/);
    assert.match(run.stdout, /\/admin\/welcome\?token=/, 'a sign-in link for the owner');
    const again = join(root, 'again.json');
    const second = await annalist(['export', 'json', '--include-media', '--out', again], target);
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual(comparable(readFileSync(again, 'utf8')), comparable(readFileSync(exported, 'utf8')));

    const site = await openSite(target.dir, { databaseUrl: target.database.databaseUrl });
    cleanups.push(() => site.storage.close());
    const [before, afterImport] = [appOn(source.site), appOn(site)];
    cleanups.push(async () => {
      await before.close();
      await afterImport.close();
    });
    const [a, b] = await Promise.all([before.inject(ARTICLE), afterImport.inject(ARTICLE)]);
    assert.equal(b.statusCode, 200);
    assert.equal(readerText(b.body), readerText(a.body));
    const reply = await source.site.storage.db
      .selectFrom('comments')
      .select(['id', 'body_md'])
      .where('parent_id', 'is not', null)
      .where('status', '=', 'approved')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const [pa, pb] = await Promise.all([
      before.inject(`/comments/${reply.id}`),
      afterImport.inject(`/comments/${reply.id}`),
    ]);
    assert.equal(pb.statusCode, 303);
    assert.equal(pb.headers.location, pa.headers.location);
    const page = await afterImport.inject(String(pb.headers.location).replace(/#.*/, ''));
    assert.ok(page.body.includes(`id="comment-${reply.id}"`), 'the permalink leads to the comment');
    assert.match(b.body, /class="mention mention-person"[^>]*>Georgy Zhukov<\/a>/, 'a mention is a link');
    assert.match(b.body, /<a href="\/places\/nomonhan\/" class="mention mention-place"/, 'an old slug links');
    const [person, personBefore, renamed] = await Promise.all([
      afterImport.inject('/people/georgy-zhukov/'),
      before.inject('/people/georgy-zhukov/'),
      afterImport.inject('/places/nomonhan/'),
    ]);
    assert.equal(person.statusCode, 200);
    assert.match(person.body, /Жуков/, 'the other names came along');
    const mentionedIn = (html: string) => html.slice(html.indexOf('<h2>Mentioned in</h2>'), html.indexOf('</main>'));
    assert.match(mentionedIn(person.body), /href="\/khalkhin-gol-1939\/"/, 'the page lists the article mentioning it');
    assert.equal(mentionedIn(person.body), mentionedIn(personBefore.body));
    assert.equal(renamed.statusCode, 301);
    assert.equal(renamed.headers.location, '/places/nomonhan-village/');
    // Zhukov's sources (with the note on his memoirs), identifiers and the merged duplicate's address came along.
    assert.match(person.body, /<a href="https:\/\/viaf\.org\/viaf\/59083462\/" rel="external">59083462<\/a>/);
    assert.match(person.body, /<a href="https:\/\/id\.loc\.gov\/authorities\/names\/n79021164\.html"/);
    assert.match(person.body, /\(vol\. 1, ch\. 6\)/);
    assert.match(person.body, /<a href="\/sources\/roberts-2012\/">/);
    const merged = await afterImport.inject('/people/g-k-zhukov/');
    assert.equal(merged.statusCode, 301);
    assert.equal(merged.headers.location, '/people/georgy-zhukov/');
    const memoirs = await afterImport.inject('/sources/zhukov-1985/');
    assert.match(memoirs.body, /<a href="\/people\/georgy-zhukov\/">Georgy Zhukov<\/a>/);
    const search = await afterImport.inject('/search?q=Zhukov');
    assert.match(search.body, /khalkhin-gol-1939/, 'the search index was rebuilt');
    const image = JSON.parse(readFileSync(exported, 'utf8')).media[0].files[0].name as string;
    const served = await afterImport.inject(`/media/${image}`);
    assert.equal(served.statusCode, 200, 'the image bytes came along');
  });

  test('an export written before entities existed imports, its mentions read as the words typed', async () => {
    const doc = JSON.parse(readFileSync(exported, 'utf8')) as Record<string, unknown>;
    delete doc.entities;
    const older = join(root, 'before-entities.json');
    writeFileSync(older, JSON.stringify(doc));
    const target = await emptySite();
    const run = await annalist(['import', 'annalist', older], target);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Imported .*, 0 entities, /);
    const site = await openSite(target.dir, { databaseUrl: target.database.databaseUrl });
    cleanups.push(() => site.storage.close());
    const app = appOn(site);
    cleanups.push(() => app.close());
    const page = await app.inject(ARTICLE);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Georgy Zhukov/);
    assert.ok(!page.body.includes('class="mention mention-'), 'no mention links to an entity that is not there');
    assert.equal((await app.inject('/people/georgy-zhukov/')).statusCode, 404);
  });
});

describe(`annalist import annalist refuses hostile files (${TEST_DATABASE})`, () => {
  let target: Awaited<ReturnType<typeof emptySite>>;
  let doc: Record<string, unknown[]>;
  before(async () => {
    target = await emptySite();
    doc = JSON.parse(readFileSync(exported, 'utf8')) as Record<string, unknown[]>;
  });

  /** Imports `text`; it must fail with `code` in one line naming `where`, and leave the site empty. */
  async function refused(name: string, text: string, code: string, where: RegExp): Promise<void> {
    const file = join(root, `${name}.json`);
    writeFileSync(file, text);
    const run = await annalist(['import', 'annalist', file], target);
    assert.equal(run.status, 1, `${name}: ${run.stdout}${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${name}: one line, not ${run.stderr}`);
    assert.match(lines[0] ?? '', new RegExp(`^annalist: ${code}: `));
    assert.match(lines[0] ?? '', where);
    assert.match(lines[0] ?? '', /Nothing was imported\.$/);
    const site = await openSite(target.dir, { databaseUrl: target.database.databaseUrl });
    try {
      assert.deepEqual(await rowsIn(site), {}, `${name}: nothing written`);
    } finally {
      await site.storage.close();
    }
  }

  /** Item `i` of a collection of the parsed document. */
  const at = (d: Record<string, unknown[]>, name: string, i: number) => d[name]?.[i] as Record<string, unknown>;

  const edited = (fn: (d: Record<string, unknown[]>) => void) => {
    const copy = structuredClone(doc);
    fn(copy);
    return JSON.stringify(copy);
  };

  test('a truncated file', async () => {
    const text = readFileSync(exported, 'utf8');
    await refused('truncated', text.slice(0, Math.floor(text.length * 0.6)), 'IMPORT_JSON_MALFORMED', /truncated/);
  });

  test('a value of the wrong type, named by its path', async () => {
    const text = edited((d) => {
      at(d, 'posts', 2).title = 1939;
    });
    await refused('wrong-type', text, 'IMPORT_JSON_INVALID', /\$\.posts\[2\]\.title: expected string/);
  });

  test('an export from a newer Annalist', async () => {
    const text = edited((d) => {
      (d as Record<string, unknown>).version = 2;
    });
    await refused('too-new', text, 'IMPORT_JSON_TOO_NEW', /\$\.version: the export is format version 2/);
  });

  test('a comment whose parent is missing', async () => {
    let index = 0;
    const text = edited((d) => {
      index = (d.comments ?? []).findIndex((c) => (c as { parent_id: unknown }).parent_id !== null);
      at(d, 'comments', index).parent_id = 999_999;
    });
    await refused(
      'orphan',
      text,
      'IMPORT_JSON_INVALID',
      new RegExp(`\\$\\.comments\\[${index}\\]\\.parent_id: there is no comment 999999`),
    );
  });

  test('two posts with one slug', async () => {
    const text = edited((d) => {
      at(d, 'posts', 3).slug = at(d, 'posts', 0).slug;
    });
    await refused(
      'duplicate-slug',
      text,
      'IMPORT_JSON_INVALID',
      /\$\.posts\[3\]\.slug: ".+" is already the slug of post/,
    );
  });

  test('an entity whose date is not a date', async () => {
    const text = edited((d) => {
      at(d, 'entities', 0).date = '1939-13';
    });
    await refused('entity-date', text, 'IMPORT_JSON_INVALID', /\$\.entities\[0\]\.date: Character \d+/);
  });

  test("an entity's old address that another entity of its kind has now", async () => {
    let index = 0;
    const text = edited((d) => {
      const entities = d.entities as { kind: string; slug: string; old_slugs: unknown[] }[];
      index = entities.findIndex((e) => e.kind === 'place' && e.slug !== 'khalkhin-gol');
      entities[index]?.old_slugs.push({ kind: 'place', slug: 'khalkhin-gol', changed_at: '2026-01-02T03:04:05.000Z' });
    });
    await refused(
      'entity-address',
      text,
      'IMPORT_JSON_INVALID',
      new RegExp(`\\$\\.entities\\[${index}\\]\\.old_slugs\\[\\d+\\]\\.slug: "place khalkhin-gol" is already`),
    );
  });

  /** The index of Zhukov among the document's entities. */
  const zhukovAt = (d: Record<string, unknown[]>) =>
    (d.entities as { slug: string }[]).findIndex((e) => e.slug === 'georgy-zhukov');

  test("an entity's source note of two lines, which the entity form would read as another source", async () => {
    let index = 0;
    const text = edited((d) => {
      index = zhukovAt(d);
      const sources = at(d, 'entities', index).sources as { note: string }[];
      sources[0]!.note = 'vol. 1\nroberts-2012';
    });
    await refused(
      'entity-source-note',
      text,
      'IMPORT_JSON_INVALID',
      new RegExp(`\\$\\.entities\\[${index}\\]\\.sources\\[0\\]\\.note: a note is one line`),
    );
  });

  test("an entity's source note split by a Unicode line separator, which the entity form cannot read back", async () => {
    let index = 0;
    const text = edited((d) => {
      index = zhukovAt(d);
      const sources = at(d, 'entities', index).sources as { note: string }[];
      sources[0]!.note = 'vol. 1\u2028ch. 6';
    });
    await refused(
      'entity-source-note-separator',
      text,
      'IMPORT_JSON_INVALID',
      new RegExp(`\\$\\.entities\\[${index}\\]\\.sources\\[0\\]\\.note: a note is one line`),
    );
  });

  test("an entity's identifier not as the form writes it, or listed twice", async () => {
    let index = 0;
    const spaced = edited((d) => {
      index = zhukovAt(d);
      (at(d, 'entities', index).identifiers as unknown[]).push({ scheme: 'isni', value: '0000 0001 2134 5678' });
    });
    await refused(
      'entity-identifier-form',
      spaced,
      'IMPORT_JSON_INVALID',
      new RegExp(`\\$\\.entities\\[${index}\\]\\.identifiers\\[2\\]\\.value: not an? ISNI id`),
    );
    const twice = edited((d) => {
      (at(d, 'entities', index).identifiers as unknown[]).push({ scheme: 'viaf', value: '59083462' });
    });
    await refused(
      'entity-identifier-twice',
      twice,
      'IMPORT_JSON_INVALID',
      new RegExp(`\\$\\.entities\\[${index}\\]\\.identifiers\\[2\\]\\.value: the VIAF id 59083462 is listed once`),
    );
  });

  test('a nesting bomb fifty levels deep', async () => {
    const text = edited((d) => {
      at(d, 'widgets', 0).config = { deep: JSON.parse(`${'['.repeat(50)}${']'.repeat(50)}`) };
    });
    await refused(
      'bomb',
      text,
      'IMPORT_JSON_MALFORMED',
      /\$\.widgets\[0\]\.config\.deep(\[0\])+: values nested more than 20 levels/,
    );
  });

  test('a site that already has content', async () => {
    const run = await annalist(['import', 'annalist', exported], sourceLocation());
    assert.equal(run.status, 1, run.stdout);
    assert.match(
      run.stderr.trim(),
      /^annalist: IMPORT_SITE_NOT_EMPTY: The site already holds content .* Nothing was imported\.$/,
    );
    const counts = await rowsIn(source.site);
    assert.equal(counts.posts, 9, 'the site is as it was');
  });
});
