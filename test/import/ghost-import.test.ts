/**
 * `annalist import ghost`: Ghost 4, 5 and 6 exports written for these tests (test/fixtures/import/*.ghost*.json),
 * checked as a reader sees the site afterwards — article pages, tag and category archives, 301s, drafts kept out
 * of sight — and every refusal leaving the site as it was.
 */
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importGhost } from '../../src/modules/import/ghost-import.service.ts';
import type { ImportReport } from '../../src/modules/import/import-report.ts';
import { AppError } from '../../src/modules/shared/errors.ts';
import { TABLES_IN_DEPENDENCY_ORDER } from '../../src/storage/tables.ts';
import { runAnnalist } from '../support/process.ts';
import { newTestDatabase, startTestSite, type TestSite } from '../support/site.ts';

const FIXTURES = new URL('../fixtures/import/', import.meta.url);
const fixture = (name: string) => fileURLToPath(new URL(name, FIXTURES));
const importFile = (t: TestSite, name: string, opts: { dryRun?: boolean; maxBytes?: number } = {}) =>
  importGhost(t.site.content, { open: () => createReadStream(new URL(name, FIXTURES)), ...opts });

const get = (t: TestSite, url: string) => t.app.inject({ method: 'GET', url });

async function page(t: TestSite, url: string): Promise<string> {
  const res = await get(t, url);
  assert.equal(res.statusCode, 200, `${url} answers 200`);
  return res.body;
}

async function rowCounts(t: TestSite): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['posts', 'tags', 'categories', 'authors', 'import_map', 'import_redirects'] as const)
    out[table] = Number(
      (
        await t.site.storage.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return out;
}

describe('importing a Ghost 5 export', () => {
  let t: TestSite;
  let report: ImportReport;
  before(async () => {
    t = await startTestSite({ demo: false });
    t.clock.set('2026-06-01T12:00:00Z');
    report = await importFile(t, 'steppe-ledger.ghost.json');
  });
  after(() => t.close());

  test('an empty site becomes the Ghost site: its title and description, no demo content', async () => {
    const home = await page(t, '/');
    assert.match(home, /The Steppe Ledger/);
    assert.match(home, /Trade and treaties on the Mongolian frontier/);
    assert.match(home, /The Treaty of Kiakhta/);
    assert.equal(report.version, '5.130.4');
  });

  test("an article reads with Ghost's headings, emphasis, lists, quote, captioned image, gallery, table and code", async () => {
    const html = await page(t, '/kiakhta-treaty/');
    assert.match(html, /<h1[^>]*>The Treaty of Kiakhta<\/h1>/);
    assert.match(html, /<h2[^>]*>A border drawn<\/h2>/);
    assert.match(html, /the <strong>frontier<\/strong> would run/);
    assert.match(html, /<li>Caravans every winter<\/li>/);
    assert.match(html, /<ol>\s*<li>Draft agreed<\/li>/);
    assert.match(html, /<blockquote>\s*<p>The merchants came before the soldiers\.<\/p>/);
    assert.match(
      html,
      /<figure[\s\S]*?src="https:\/\/images\.example\.org\/kiakhta-plan\.png"[\s\S]*?<figcaption>[\s\S]*?The trading town as drawn in 1790/,
    );
    assert.match(html, /src="https:\/\/images\.example\.org\/bale-one\.jpg"/, 'the first image of the gallery');
    assert.match(html, /src="https:\/\/images\.example\.org\/bale-two\.jpg"/, 'and the second');
    assert.match(html, /<th>Good<\/th>[\s\S]*<td>Furs<\/td>/);
    assert.match(html, /route = (?:"|&quot;)Kiakhta(?:"|&quot;)/);
    assert.doesNotMatch(html, /kg-card-begin/);
  });

  test('nothing from the export runs: scripts, javascript: links, code injection and frames are gone', async () => {
    const html = await page(t, '/kiakhta-treaty/');
    assert.doesNotMatch(html, /ran from the export/);
    assert.doesNotMatch(html, /javascript:/);
    assert.doesNotMatch(html, /ZZ-FAKE-SECRET-CODEINJECT/);
    assert.doesNotMatch(html, /<iframe/);
    assert.match(html, /A plain word stays\./);
    assert.match(html, /href="https:\/\/video\.example\.org\/embed\/kiakhta"/, 'the embed became a link');
    assert.ok(report.lines.some((l) => l.oldId.endsWith('001') && /code injection/.test(l.reason)));
  });

  test('the featured image keeps its remote address with its description and caption, and is reported', async () => {
    const html = await page(t, '/kiakhta-treaty/');
    assert.match(
      html,
      /<img src="https:\/\/images\.example\.org\/kiakhta-gate\.jpg" alt="The gate of the trading town"/,
    );
    assert.match(html, /The gate, drawn later/);
    assert.ok(report.lines.some((l) => /featured image stays at its address/.test(l.reason)));
  });

  test("the old site's own images are not in the export: a visible placeholder, never a broken image, and a report line", async () => {
    const html = await page(t, '/tea-road/');
    assert.match(html, /Image not moved yet: A camel train at rest/);
    assert.doesNotMatch(html, /__GHOST_URL__|camel-train\.jpg|tea-bricks\.jpg/);
    assert.deepEqual(report.missingMedia.map((m) => m.address).sort(), [
      '/content/images/2011/05/camel-train.jpg',
      '/content/images/2011/05/tea-bricks.jpg',
    ]);
  });

  test("links to the old site's own pages become addresses on this site", async () => {
    const html = await page(t, '/kiakhta-treaty/');
    assert.match(html, /<a href="\/tea-road\/">the tea road<\/a>/);
    assert.match(await page(t, '/tea-road/'), /<a href="\/kiakhta-treaty\/">Kiakhta<\/a>/);
  });

  test('SEO title and description come from posts_meta, the excerpt from the custom excerpt', async () => {
    const html = await page(t, '/kiakhta-treaty/');
    assert.match(html, /<title>Kiakhta, 1727/);
    assert.match(html, /<meta name="description" content="The treaty that made a market town on the border\."\/?>/);
    const row = await t.site.storage.db
      .selectFrom('posts')
      .select('excerpt')
      .where('slug', '=', 'kiakhta-treaty')
      .executeTakeFirstOrThrow();
    assert.equal(row.excerpt, 'How a border town became a market.');
  });

  test('the first public tag is the primary category; every public tag is a tag; internal tags stay out', async () => {
    const article = await page(t, '/kiakhta-treaty/');
    assert.match(article, /href="\/category\/treaties\/"/, 'Treaties, the first tag after the internal one');
    assert.match(await page(t, '/category/treaties/'), /The Treaty of Kiakhta/);
    const caravans = await page(t, '/category/caravans/');
    assert.match(caravans, /The tea road/);
    assert.doesNotMatch(caravans, /The Treaty of Kiakhta/, 'the category holds the posts it is primary for');
    const tag = await page(t, '/tag/caravan-trade/');
    assert.match(tag, /The tea road/);
    assert.match(tag, /The Treaty of Kiakhta/);
    assert.match(await page(t, '/tag/mongolia/'), /The tea road/);
    assert.doesNotMatch(article, /from-wordpress/);
    assert.equal((await get(t, '/tag/from-wordpress/')).statusCode, 404);
    assert.equal((await get(t, '/tag/hash-from-wordpress/')).statusCode, 404);
    assert.ok(
      report.lines.some((l) => l.kind === 'tag' && l.oldId === 'hash-from-wordpress' && l.outcome === 'skipped'),
    );
  });

  test('authors become bylines (never accounts); staff who wrote nothing are left out', async () => {
    const tea = await page(t, '/tea-road/');
    assert.match(tea, /Ada Morland/);
    assert.match(tea, /Bayar Tsend/);
    assert.match(await page(t, '/author/ada/'), /The Treaty of Kiakhta/);
    assert.equal((await get(t, '/author/idle/')).statusCode, 404);
    const users = await t.site.storage.db.selectFrom('users').select('id').execute();
    assert.deepEqual(users, [], 'no sign-in account was made');
  });

  test('drafts, and posts for members, for paid readers or for the newsletter, are drafts, out of sight, each reported', async () => {
    const rows = await t.site.storage.db
      .selectFrom('posts')
      .select(['slug', 'status', 'published_at'])
      .where('slug', 'in', ['zamietki-ob-urghie', 'archive-ledgers', 'paid-maps', 'spring-letter'])
      .orderBy('slug')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.slug, r.status, r.published_at]),
      [
        ['archive-ledgers', 'draft', null],
        ['paid-maps', 'draft', null],
        ['spring-letter', 'draft', null],
        ['zamietki-ob-urghie', 'draft', null],
      ],
    );
    for (const r of rows) assert.equal((await get(t, `/${r.slug}/`)).statusCode, 404, `${r.slug} is not public`);
    const notes = report.lines.map((l) => `${l.oldId.slice(-3)} ${l.reason}`);
    assert.ok(notes.some((n) => /^005 for members only/.test(n)));
    assert.ok(notes.some((n) => /^006 for "paid" readers only/.test(n)));
    assert.ok(notes.some((n) => /^007 sent as an email newsletter only/.test(n)));
  });

  test('a scheduled post keeps its time and appears when it comes', async () => {
    assert.equal((await get(t, '/maimachin-fair/')).statusCode, 404);
    t.clock.set('2031-06-01T08:00:01Z');
    t.site.content.noteWrite();
    assert.match(await page(t, '/maimachin-fair/'), /A fair announced for the summer\./);
    t.clock.set('2026-06-01T12:00:00Z');
    t.site.content.noteWrite();
  });

  test('dates are Ghost UTC times; exported slugs are kept, non-ASCII titles included', async () => {
    const row = await t.site.storage.db
      .selectFrom('posts')
      .select(['published_at', 'title'])
      .where('slug', 'in', ['kiakhta-treaty', 'zamietki-ob-urghie'])
      .orderBy('slug')
      .execute();
    assert.deepEqual(row, [
      { published_at: '2010-03-14T09:30:00.000Z', title: 'The Treaty of Kiakhta' },
      { published_at: null, title: 'Заметки об Урге' },
    ]);
  });

  test('pages are pages; a slug Annalist answers itself is renamed and reported', async () => {
    assert.match(await page(t, '/about/'), /A small site about the Kiakhta trade\./);
    assert.match(await page(t, '/sources-2/'), /Where the numbers come from\./);
    assert.deepEqual(
      report.renamedSlugs.map((r) => `${r.kind}:${r.from}->${r.to}`),
      ['page:sources->sources-2'],
    );
  });

  test("Ghost's old addresses answer 301 where ours differ", async () => {
    const res = await get(t, '/tag/caravans/');
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, '/tag/caravan-trade/');
    assert.equal((await get(t, '/tag/treaties/')).statusCode, 200, 'the same address needs no redirect');
    assert.equal((await get(t, '/author/ada/')).statusCode, 200);
  });

  test('imported articles are found by search; drafts are not', async () => {
    assert.match(await page(t, '/search?q=Kiakhta'), /The Treaty of Kiakhta/);
    assert.doesNotMatch(await page(t, '/search?q=members'), /Archive ledgers/);
  });

  test('passwords, keys, secrets, sessions and settings in the file appear nowhere in the database', async () => {
    const db = t.site.storage.db;
    for (const table of TABLES_IN_DEPENDENCY_ORDER) {
      const rows = await db.selectFrom(table).selectAll().execute();
      const text = JSON.stringify(rows);
      assert.doesNotMatch(text, /ZZ-FAKE-SECRET/, `${table} holds nothing secret from the file`);
      assert.doesNotMatch(
        text,
        /reader@ledger\.example|ada@ledger\.example/,
        `${table} holds no address from the file`,
      );
    }
  });

  test('importing the same file again changes nothing and duplicates nothing', async () => {
    const counts = await rowCounts(t);
    const again = await importFile(t, 'steppe-ledger.ghost.json');
    assert.deepEqual(await rowCounts(t), counts);
    assert.equal(again.counts.post.unchanged, 8);
    assert.equal(again.counts.page.unchanged, 2);
    assert.equal(again.counts.post.imported, 0);
    assert.equal(again.counts.tag.imported, 0);
  });

  test('a later export of the same site updates the changed post in place, matched by its Ghost id', async () => {
    const doc = JSON.parse(readFileSync(fixture('steppe-ledger.ghost.json'), 'utf8'));
    const post = doc.db[0].data.posts.find((p: { slug: string }) => p.slug === 'tea-road');
    post.title = 'The tea road, revised';
    post.slug = 'the-tea-road';
    const dir = mkdtempSync(join(tmpdir(), 'annalist-ghost-'));
    try {
      const file = join(dir, 'later.json');
      writeFileSync(file, JSON.stringify(doc));
      const counts = await rowCounts(t);
      const later = await importGhost(t.site.content, { open: () => createReadStream(file) });
      assert.equal(later.counts.post.updated, 1);
      assert.equal((await rowCounts(t)).posts, counts.posts);
      assert.match(await page(t, '/the-tea-road/'), /The tea road, revised/);
      const res = await get(t, '/tea-road/');
      assert.equal(res.statusCode, 301);
      assert.equal(res.headers.location, '/the-tea-road/');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Ghost 4 and Ghost 6 exports', () => {
  let t: TestSite;
  before(async () => {
    t = await startTestSite({ demo: false });
  });
  after(() => t.close());

  test('Ghost 4: SEO fields and the author on the post itself; a body kept only as text makes paragraphs', async () => {
    const report = await importFile(t, 'caravan-seasons.ghost4.json');
    assert.equal(report.version, '4.48.9');
    const html = await page(t, '/caravan-seasons/');
    assert.match(html, /<title>Seasons of the caravans/);
    assert.match(html, /<meta name="description" content="When the caravans set out, and why\."\/?>/);
    assert.match(html, /Ada Morland/);
    assert.match(
      await page(t, '/plain-text-only/'),
      /<p>A body Ghost kept only as text\.<\/p>\s*<p>Its second paragraph\.<\/p>/,
    );
    assert.ok(report.lines.some((l) => /made from its plain text/.test(l.reason)));
  });

  test('Ghost 6: the Lexical copy is ignored, the rendered HTML is the body', async () => {
    const report = await importFile(t, 'border-posts.ghost6.json');
    assert.equal(report.version, '6.65.0');
    assert.match(await page(t, '/border-posts/'), /Each post on the border kept a ledger\./);
  });
});

describe('refusing a Ghost file', () => {
  let t: TestSite;
  before(async () => {
    t = await startTestSite({ demo: false });
  });
  after(() => t.close());

  async function refused(name: string, code: string, opts: { maxBytes?: number } = {}): Promise<AppError> {
    const before = await rowCounts(t);
    const err = await importFile(t, name, opts).then(
      () => assert.fail(`${name} was imported`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code);
    assert.deepEqual(await rowCounts(t), before, 'nothing was imported');
    return err;
  }

  test('an export of an unknown Ghost version', async () => {
    const err = await refused('ghost-version-3.json', 'IMPORT_GHOST_VERSION');
    assert.match(err.publicMessage, /Ghost 3\.42\.0; Annalist reads exports of Ghost 4, 5 and 6/);
  });

  test('a file that is not JSON, with the line and column', async () => {
    const err = await refused('ghost-truncated.json', 'IMPORT_GHOST_MALFORMED');
    assert.match(err.publicMessage, /not well-formed JSON at line \d+, column \d+/);
  });

  test('an empty file, and an export with no posts', async () => {
    await refused('ghost-empty.json', 'IMPORT_GHOST_EMPTY');
    await refused('ghost-no-posts.json', 'IMPORT_GHOST_EMPTY');
  });

  test('JSON that is not a Ghost export, or has a value Ghost never writes, names the path', async () => {
    await refused('not-ghost.json', 'IMPORT_GHOST_NOT_EXPORT');
    await refused('amur-chronicle.wxr.xml', 'IMPORT_GHOST_MALFORMED');
    const err = await refused('ghost-slug-not-text.json', 'IMPORT_GHOST_NOT_EXPORT');
    assert.match(err.publicMessage, /\$\.db\[0\]\.data\.posts\[0\]\.slug/);
  });

  test('a file over the size limit is refused as it is read', async () => {
    const err = await refused('steppe-ledger.ghost.json', 'IMPORT_GHOST_TOO_LARGE', { maxBytes: 4096 });
    assert.match(err.publicMessage, /larger than/);
  });

  test('a dry run reports what it would import and changes nothing', async () => {
    const before = await rowCounts(t);
    const report = await importFile(t, 'steppe-ledger.ghost.json', { dryRun: true });
    assert.equal(report.dryRun, true);
    assert.equal(report.counts.post.imported, 8);
    assert.deepEqual(await rowCounts(t), before);
  });
});

describe('annalist import ghost (the command)', () => {
  let dir: string;
  let db: Awaited<ReturnType<typeof newTestDatabase>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'annalist-ghost-cli-'));
    db = await newTestDatabase();
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const annalist = (args: string[]) => runAnnalist(args, db.env);

  test('prints the report, writes it as JSON, and refuses a file too large to read whole before opening it', async () => {
    const json = join(dir, 'report.json');
    const ok = await annalist([
      'import',
      'ghost',
      fixture('steppe-ledger.ghost.json'),
      '--data-dir',
      join(dir, 'data'),
      '--report',
      json,
    ]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^Imported: The Steppe Ledger \(Ghost 5\.130\.4\)$/m);
    assert.match(ok.stdout, /^post\s+8\s+0\s+0\s+0\s+0$/m);
    assert.equal(JSON.parse(readFileSync(json, 'utf8')).counts.page.imported, 2);
    // A sparse file: 300 MB on paper, nothing on disk.
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, '');
    truncateSync(huge, 300 * 1024 * 1024);
    const big = await annalist(['import', 'ghost', huge, '--data-dir', join(dir, 'data')]);
    assert.equal(big.status, 1);
    assert.match(big.stderr, /^annalist: IMPORT_GHOST_TOO_LARGE: .* larger than 256 MB.*Nothing was imported\.\n$/);
  });
});
