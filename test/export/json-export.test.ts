/**
 * `annalist export json` and `annalist import annalist` in real processes, on the database of this pass. A whole
 * site is exported: the demo, which fills every collection no factory makes (suggestions, the corrections log,
 * menus, widgets), and on it what the tests read by name, made here (test/support/factories.ts): an article
 * mentioning a person and a place, citing a source, with a comment and a reply; the person with other names,
 * identifiers, sources and a merged duplicate; the place renamed after the article mentioned it; a category
 * moved under a newer one; an owner with a password, a second factor and a session; an uploaded image. The
 * document validates against docs/export-schema.json (ajv, draft 2020-12), holds every row and no secret;
 * imported into a fresh site and exported again it gives the same document, and the new site serves the same
 * article and comment. Hostile files are each refused in one line, nothing written.
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
import { updateCategory } from '../../src/modules/content/taxonomy-admin.service.ts';
import { exportJsonSchema } from '../../src/modules/export/export-schema.ts';
import { editEntity, entityFormOf, getEntity } from '../../src/modules/history/entities.service.ts';
import { mergeEntity } from '../../src/modules/history/entity-merge.service.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { systemClock } from '../../src/modules/shared/clock.ts';
import { getSiteSecret } from '../../src/modules/shared/secret.ts';
import { TABLES_IN_DEPENDENCY_ORDER } from '../../src/storage/tables.ts';
import { buildApp } from '../../src/web/app.ts';
import {
  type Article,
  createArticle,
  createCategory,
  createComment,
  createEntity,
  createSource,
  type HistoryEntity,
} from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
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
const TOTP_SECRET = 'EXPORTTOTPSECRETBASE32AAAAAAAAAA';
const IMAGE_ALT = 'Grass to the horizon';

const root = mkdtempSync(join(tmpdir(), 'annalist-json-export-'));
const exported = join(root, 'site.json');
const cleanups: (() => Promise<void>)[] = [];
const secrets = { sessionToken: '', sessionHash: '', passwordHash: '', siteSecret: '', totp: TOTP_SECRET };
let source: TestSite;

/** What the tests read by name: made in before(), on the demo. */
interface Own {
  article: Article;
  /** The opening sentence of the article, where its two mentions are. */
  opening: string;
  reply: { id: number };
  person: HistoryEntity;
  /** A duplicate of the person, merged into it: its address answers 301. */
  duplicate: HistoryEntity;
  /** The place the article mentions under `oldSlug`, renamed since. */
  place: HistoryEntity;
  oldSlug: string;
  /** Another place. */
  otherPlace: HistoryEntity;
  memoirs: { key: string };
  study: { key: string };
}
let own: Own;

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

/** The exported document, parsed. */
const exportedDocument = () => JSON.parse(readFileSync(exported, 'utf8')) as Record<string, unknown[]>;

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

/**
 * An article's page as a reader gets it, compared byte for byte: its main element without the per-response form
 * tokens and timings (the markup itself, so every attribute counts, not only the roles and names).
 */
function readerText(html: string): string {
  const main = html.slice(html.indexOf('<main'), html.indexOf('</main>'));
  return main.replace(/name="(token|form_token|started)" value="[^"]*"/g, '');
}

/** The page's main landmark: its text, and its links by name and address. */
function mainOf(html: string): { page: Page; text: string; links: string[][] } {
  const page = parsePage(html);
  const main = page.within(page.get('main'));
  const links = main.all('link').map((a) => [page.text(a), page.attr(a, 'href')]);
  return { page: main, text: page.text(page.get('main')), links };
}

after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  await source?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A PNG in the media library (several files: the sizes made from it). */
async function uploadImage(): Promise<void> {
  const png = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#6a8' } })
    .png()
    .toBuffer();
  await ingestImage(source.site.content, {
    bytes: png,
    originalName: 'steppe.png',
    userId: null,
    alt: IMAGE_ALT,
    decorative: false,
    caption: '',
    credit: 'The author',
  });
}

/**
 * The history the article draws on: two sources, a person citing them (with a note) and known by other names
 * and identifiers, a duplicate of him merged into him, and two places.
 */
async function makeHistory(): Promise<Omit<Own, 'article' | 'opening' | 'reply' | 'oldSlug'>> {
  const memoirs = await createSource(source, { key: 'wierzbicki-1962', title: 'Wspomnienia znad Narwi' });
  const study = await createSource(source);
  const person = await createEntity(source, {
    kind: 'person',
    name: 'Antoni Wierzbicki',
    date: '1890/1962',
    names: 'ru: Антоний Вержбицкий',
    identifiers: 'viaf: 12345678\nloc: n80012345',
    sources: `${memoirs.key} vol. 1, ch. 6\n${study.key}`,
  });
  const duplicate = await createEntity(source, { kind: 'person', name: 'A. Wierzbicki', date: '' });
  await mergeEntity(source.site.content, { id: duplicate.id, into: person.id });
  const atPoint = (name: string, latitude: string, longitude: string) =>
    createEntity(source, { kind: 'place', name, date: '', latitude, longitude });
  const place = await atPoint('Wizna', '53.2', '22.38');
  const otherPlace = await atPoint('Nowogród', '53.23', '21.88');
  return { memoirs, study, person, duplicate, place, otherPlace };
}

/**
 * The article, filed in a category then moved under a newer one (the child's id is lower than its parent's: what
 * a copy that writes rows in id order gets wrong), with a comment and a reply; then its place renamed, so the
 * article mentions an old address that must keep linking (a 301) after a move.
 */
async function makeOwnContent(): Promise<Own> {
  const history = await makeHistory();
  const { person, place, memoirs } = history;
  const moved = await createCategory(source, { name: 'River Lines' });
  const newer = await createCategory(source, { name: 'The September Campaign' });
  // At the top level a category's path is its slug.
  const form = { name: moved.name, slug: moved.path, parent: String(newer.id), description: '' };
  await updateCategory(source.site.content, { id: moved.id, ...form });
  const opening = `${person.name} held the line at ${place.name} for three days.`;
  const article = await createArticle(source, {
    title: 'Three days on the Narew',
    category: `${newer.path}/${moved.path}`,
    body: [
      `${person.mention} held the line at ${place.mention} for three days.`,
      `His memoirs tell it :cite[${memoirs.key}], and the bunkers still stand.`,
    ].join('\n\n'),
  });
  const first = await createComment(source, article);
  const reply = await createComment(source, article, { parent: first });
  const renamed = await editEntity(source.site.content, {
    id: place.id,
    form: { ...entityFormOf(await getEntity(source.site.content, place.id)), slug: `${place.slug}-village` },
  });
  // A site moved in from WordPress keeps excerpts and category descriptions whole, longer than our forms take:
  // it must still move on through its JSON export.
  const db = source.site.storage.db;
  const excerpt = 'An excerpt kept whole from the old site. '.repeat(100);
  await db.updateTable('posts').set({ excerpt }).where('id', '=', article.id).execute();
  const description = 'A category description as long as the old site had it. '.repeat(40);
  await db.updateTable('categories').set({ description }).where('id', '=', moved.id).execute();
  return { ...history, article, opening, reply, place: { ...place, slug: renamed.slug }, oldSlug: place.slug };
}

/** The owner: a password, a second factor and a session, whose secrets must stay out of the export. */
async function makeOwner(): Promise<void> {
  const db = source.site.storage.db;
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
}

before(async () => {
  source = await startTestSite();
  await uploadImage();
  own = await makeOwnContent();
  await makeOwner();
  const run = await annalist(['export', 'json', '--include-media', '--out', exported], sourceLocation());
  assert.equal(run.status, 0, run.stderr);
});

/** Each collection of the document and the table whose every row it holds. */
const COLLECTION_TABLES = [
  ['posts', 'posts'],
  ['comments', 'comments'],
  ['accounts', 'users'],
  ['categories', 'categories'],
  ['entities', 'entities'],
  ['media', 'media'],
  ['sources', 'sources'],
  ['citations', 'post_citations'],
  ['corrections_log', 'post_corrections'],
  ['suggestions', 'correction_suggestions'],
] as const;

describe(`annalist export json (${TEST_DATABASE})`, () => {
  test('the published schema is the one the importer checks with, and the export of a whole site validates against it', async () => {
    const published = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(
      published,
      exportJsonSchema(),
      'docs/export-schema.json is current (scripts/write-export-schema.mjs)',
    );
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    const validate = ajv.compile(published);
    const doc = exportedDocument();
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5)));
    const rows = await rowsIn(source.site);
    for (const [collection, table] of COLLECTION_TABLES) {
      assert.ok((rows[table] ?? 0) > 0, `the site has ${table}`);
      assert.equal(doc[collection]?.length, rows[table], `every row of ${table} is in ${collection}`);
    }
    const ids = (name: string) => (doc[name] as { id: number }[]).map((item) => item.id);
    assert.ok(ids('posts').includes(own.article.id) && ids('comments').includes(own.reply.id));
    const media = (doc.media as { alt: string; files: { data?: string }[] }[]).find((m) => m.alt === IMAGE_ALT);
    assert.ok(
      media && media.files.length > 0 && media.files.every((f) => typeof f.data === 'string'),
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
    const doc = exportedDocument();
    const target = await emptySite();
    const run = await annalist(['import', 'annalist', exported], target);
    assert.equal(run.status, 0, run.stderr);
    const [authors, accounts, categories] = [doc.authors, doc.accounts, doc.categories].map((c) => c?.length);
    assert.ok(
      run.stdout.includes(`Imported ${authors} authors, ${accounts} accounts, ${categories} categories`),
      run.stdout,
    );
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
    const { article, reply, person, place, oldSlug } = own;
    const [a, b] = await Promise.all([before.inject(article.url), afterImport.inject(article.url)]);
    assert.equal(b.statusCode, 200);
    assert.equal(readerText(b.body), readerText(a.body));
    const [pa, pb] = await Promise.all([
      before.inject(`/comments/${reply.id}`),
      afterImport.inject(`/comments/${reply.id}`),
    ]);
    assert.equal(pb.statusCode, 303);
    assert.equal(pb.headers.location, pa.headers.location);
    const thread = await afterImport.inject(String(pb.headers.location).replace(/#.*/, ''));
    assert.equal(parsePage(thread.body).byId(`comment-${reply.id}`).tagName, 'article', 'the permalink leads to it');
    const shown = parsePage(b.body);
    const opening = shown.within(shown.get('paragraph', own.opening));
    assert.equal(shown.attr(opening.get('link', person.name), 'href'), `/people/${person.slug}/`, 'a mention links');
    assert.equal(shown.attr(opening.get('link', place.name), 'href'), `/places/${oldSlug}/`, 'an old slug links');
    const [personPage, personBefore, renamed] = await Promise.all([
      afterImport.inject(`/people/${person.slug}/`),
      before.inject(`/people/${person.slug}/`),
      afterImport.inject(`/places/${oldSlug}/`),
    ]);
    assert.equal(personPage.statusCode, 200);
    const main = mainOf(personPage.body);
    main.page.get('term', 'Also known as');
    assert.ok(main.text.includes('Антоний Вержбицкий'), 'the other names came along');
    assert.equal(main.page.attr(main.page.get('link', article.title), 'href'), article.url, 'it lists the article');
    assert.equal(main.text, mainOf(personBefore.body).text, 'the page reads as it did');
    assert.deepEqual(main.links, mainOf(personBefore.body).links, 'and links where it did');
    assert.equal(renamed.statusCode, 301);
    assert.equal(renamed.headers.location, `/places/${place.slug}/`);
    await sameHistoryAfterImport(afterImport, main.page);
    const search = mainOf((await afterImport.inject('/search?q=bunkers')).body);
    assert.deepEqual(
      search.page.all('link', article.title).map((l) => search.page.attr(l, 'href')),
      [article.url],
      'the search index was rebuilt',
    );
    const image = (doc.media as { alt: string; files: { name: string }[] }[]).find((m) => m.alt === IMAGE_ALT);
    const served = await afterImport.inject(`/media/${image?.files[0]?.name}`);
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
    const res = await app.inject(own.article.url);
    assert.equal(res.statusCode, 200);
    const page = parsePage(res.body);
    const opening = page.get('paragraph', own.opening);
    assert.equal(page.within(opening).all('link').length, 0, 'the names are there as words, linking nowhere');
    assert.ok(!res.body.includes('class="mention mention-'), 'no mention links to an entity that is not there');
    assert.equal((await app.inject(`/people/${own.person.slug}/`)).statusCode, 404);
  });
});

/**
 * The person's identifiers and sources (with the note on his memoirs) on his page after the import, the merged
 * duplicate's address, and the memoirs' page naming him.
 */
async function sameHistoryAfterImport(app: FastifyInstance, personPage: Page): Promise<void> {
  const { person, duplicate, memoirs, study } = own;
  const viaf = personPage.get('link', '12345678');
  assert.equal(personPage.attr(viaf, 'href'), 'https://viaf.org/viaf/12345678/');
  assert.equal(personPage.attr(viaf, 'rel'), 'external');
  const loc = personPage.get('link', 'n80012345');
  assert.equal(personPage.attr(loc, 'href'), 'https://id.loc.gov/authorities/names/n80012345.html');
  const sources = personPage.within(personPage.get('region', 'Sources'));
  assert.ok(
    sources.all('listitem').some((li) => personPage.text(li).includes('(vol. 1, ch. 6)')),
    'the note on the memoirs',
  );
  const about = sources.all('link', 'About this source').map((a) => personPage.attr(a, 'href'));
  assert.deepEqual(about.sort(), [`/sources/${memoirs.key}/`, `/sources/${study.key}/`].sort());
  const merged = await app.inject(`/people/${duplicate.slug}/`);
  assert.equal(merged.statusCode, 301);
  assert.equal(merged.headers.location, `/people/${person.slug}/`);
  const page = parsePage((await app.inject(`/sources/${memoirs.key}/`)).body);
  const drawing = page.within(page.get('region', 'People, places and events drawing on this source'));
  assert.equal(page.attr(drawing.get('link', person.name), 'href'), `/people/${person.slug}/`);
}

describe(`annalist import annalist refuses hostile files (${TEST_DATABASE})`, () => {
  let target: Awaited<ReturnType<typeof emptySite>>;
  let doc: Record<string, unknown[]>;
  before(async () => {
    target = await emptySite();
    doc = exportedDocument();
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
    const taken = own.place.slug;
    const text = edited((d) => {
      const entities = d.entities as { kind: string; slug: string; old_slugs: unknown[] }[];
      index = entities.findIndex((e) => e.kind === 'place' && e.slug === own.otherPlace.slug);
      entities[index]?.old_slugs.push({ kind: 'place', slug: taken, changed_at: '2026-01-02T03:04:05.000Z' });
    });
    await refused(
      'entity-address',
      text,
      'IMPORT_JSON_INVALID',
      new RegExp(`\\$\\.entities\\[${index}\\]\\.old_slugs\\[\\d+\\]\\.slug: "place ${taken}" is already`),
    );
  });

  /** The index of the article's person among the document's entities. */
  const personAt = (d: Record<string, unknown[]>) =>
    (d.entities as { slug: string }[]).findIndex((e) => e.slug === own.person.slug);

  test("an entity's source note of two lines, which the entity form would read as another source", async () => {
    let index = 0;
    const text = edited((d) => {
      index = personAt(d);
      const sources = at(d, 'entities', index).sources as { note: string }[];
      sources[0]!.note = `vol. 1\n${own.study.key}`;
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
      index = personAt(d);
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
      index = personAt(d);
      (at(d, 'entities', index).identifiers as unknown[]).push({ scheme: 'isni', value: '0000 0001 2134 5678' });
    });
    await refused(
      'entity-identifier-form',
      spaced,
      'IMPORT_JSON_INVALID',
      new RegExp(`\\$\\.entities\\[${index}\\]\\.identifiers\\[2\\]\\.value: not an? ISNI id`),
    );
    const twice = edited((d) => {
      (at(d, 'entities', index).identifiers as unknown[]).push({ scheme: 'viaf', value: '12345678' });
    });
    await refused(
      'entity-identifier-twice',
      twice,
      'IMPORT_JSON_INVALID',
      new RegExp(`\\$\\.entities\\[${index}\\]\\.identifiers\\[2\\]\\.value: the VIAF id 12345678 is listed once`),
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
    const held = await rowsIn(source.site);
    const run = await annalist(['import', 'annalist', exported], sourceLocation());
    assert.equal(run.status, 1, run.stdout);
    assert.match(
      run.stderr.trim(),
      /^annalist: IMPORT_SITE_NOT_EMPTY: The site already holds content .* Nothing was imported\.$/,
    );
    assert.deepEqual(await rowsIn(source.site), held, 'the site is as it was');
  });
});
