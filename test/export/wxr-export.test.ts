/**
 * `annalist export wordpress`: a site the test fills (test/support/factories.ts) written as WXR 1.2, checked with xmllint against the structure
 * WordPress's importer reads (test/fixtures/export/wxr-1.2.rng), read back with the import's own strict reader,
 * and imported into a fresh empty site, which must then hold the same site: posts, pages, category tree, tags,
 * comment threads and their states, and the old addresses leading to the same articles.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fromHtml } from 'hast-util-from-html';
import { toString as hastText } from 'hast-util-to-string';
import sharp from 'sharp';
import { exportWxr, type WxrExportReport } from '../../src/modules/export/wxr-export.service.ts';
import { importWordpress } from '../../src/modules/import/wordpress-import.service.ts';
import type { WxrItem } from '../../src/modules/import/wxr.types.ts';
import { readWxr } from '../../src/modules/import/wxr-reader.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { moderateComment } from '../../src/modules/moderation/queue.service.ts';
import { saveSiteSettings } from '../../src/modules/settings/settings.service.ts';
import type { Db } from '../../src/storage/schema.ts';
import { type Article, createArticle, createCategory, createComment } from '../support/factories.ts';
import { parsePage } from '../support/page.ts';
import { type Run, runAnnalist } from '../support/process.ts';
import { startTestSite, TEST_BASE_URL, TEST_DATABASE, type TestSite } from '../support/site.ts';

const SCHEMA = fileURLToPath(new URL('../fixtures/export/wxr-1.2.rng', import.meta.url));
const BASE = 'https://steppe.example';
const CDATA_COMMENT = 'Close a section with `]]>` and the parser stops there, unless ]]> is split.';
/** The battle's map: a cover and an image of its body, at an address of the site that is no uploaded image. */
const MAP = '/media/steppe-battle-map.svg';

/** Comments marked as the moderation queue's Spam and Trash buttons mark them. */
async function moderate(site: TestSite, comment: { id: number }, action: 'spam' | 'trash') {
  const deps = { ...site.site.content, baseUrl: TEST_BASE_URL };
  await moderateComment(deps, { commentId: comment.id, action, moderatorId: 0 });
}

/**
 * The site exported: a category tree, tags, three posts (one with a cover of its own, one whose cover is an
 * uploaded image), two pages, and comment threads in every state, one comment holding the CDATA end marker.
 */
async function fillSite(t: TestSite): Promise<{ battle: Article; fleet: Article }> {
  await saveSiteSettings(t.site.content, { timeZone: 'Europe/London' });
  const history = await createCategory(t, { name: 'Russian History' });
  const soviet = await createCategory(t, { name: 'Soviet Union', parent: history });
  const naval = await createCategory(t, { name: 'Naval History' });
  const battle = await createArticle(t, {
    title: 'Khalkhin-Gol 1939',
    body: `![The steppe battlefield](${MAP})\n\nThe Soviet and Mongolian armies met the Kwantung Army.[^1]\n\n[^1]: Coox, *Nomonhan*.`,
    publishedAt: '2025-08-20T08:30:00.000Z',
    category: soviet.path,
    tags: ['Zhukov', '1939'],
    cover: { src: MAP, alt: 'The steppe battlefield' },
    seo: { title: 'Khalkhin-Gol 1939: the battle', description: 'How a border war decided a world war.' },
  });
  const png = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#8a6' } })
    .png()
    .toBuffer();
  const image = await ingestImage(t.site.content, {
    bytes: png,
    originalName: 'steppe.png',
    userId: null,
    alt: 'A green field',
    decorative: false,
    caption: 'The steppe in May',
    credit: '',
  });
  const fleet = await createArticle(t, {
    title: 'Tsushima, 1905: the fleet that sailed round the world',
    category: naval.path,
    tags: ['1905'],
    cover: { src: image.media.src, alt: 'A green field' },
  });
  // Long enough (past the export's 64 KiB flush) that the export is written in several chunks.
  const winter = await createArticle(t, {
    title: 'The Winter War',
    body: Array.from({ length: 1500 }, (_, n) => `Paragraph ${n + 1} of a long account of the war in Finland.`).join(
      '\n\n',
    ),
    category: history.path,
    tags: ['Zhukov'],
  });
  for (const title of ['About', 'Contact']) await createArticle(t, { type: 'page', title });

  const marker = await createComment(t, battle, { body: CDATA_COMMENT });
  const reply = await createComment(t, battle, { parent: marker });
  await createComment(t, battle, { parent: reply });
  const escaper = await createComment(t, winter, { name: 'Escape artist' });
  await createComment(t, winter, { parent: escaper });
  await moderate(t, await createComment(t, winter), 'spam');
  await moderate(t, await createComment(t, fleet, {}), 'trash');
  await createComment(t, fleet);

  // Characters XML 1.0 forbids, which no form of the site lets through: written into the rows as an older
  // version or an import might have left them.
  const db = t.site.storage.db;
  await db
    .updateTable('posts')
    .set({ title: 'Tsushima, 1905: the fleet\u0007 that sailed round the world' })
    .where('id', '=', fleet.id)
    .execute();
  await db
    .updateTable('comments')
    .set({ author_name: 'Escape\u001b[31m artist' })
    .where('id', '=', escaper.id)
    .execute();
  return { battle, fleet };
}

function xmllint(file: string, ...args: string[]): string {
  const run = spawnSync('xmllint', ['--noout', ...args, file], { encoding: 'utf8' });
  return run.status === 0 ? '' : run.stderr || `xmllint exited ${run.status}`;
}

async function exportSite(t: TestSite, opts: { includeEmails?: boolean } = {}) {
  const chunks: string[] = [];
  const report = await exportWxr(
    { db: t.site.storage.db, clock: t.clock },
    {
      baseUrl: BASE,
      includeEmails: opts.includeEmails ?? false,
      write: async (c) => {
        chunks.push(c);
      },
    },
  );
  return { xml: chunks.join(''), report, chunks: chunks.length };
}

/** The items of an export, read by the importer's own strict, namespace-aware reader. */
async function itemsOf(xml: string): Promise<WxrItem[]> {
  const items: WxrItem[] = [];
  await readWxr(Readable.from([xml]), {
    onRecord: async (r) => {
      if (r.kind === 'item') items.push(r.item);
    },
  });
  return items;
}

const text = (html: string) =>
  hastText(fromHtml(html, { fragment: true }))
    .replace(/\s+/g, ' ')
    .trim();

const bare = (html: string) => text(html).replace(/\s+/g, '');

/** What a reader would compare between two sites, keyed by things that survive a move (slugs, names, texts). */
async function siteShape(db: Db) {
  const posts = await db.selectFrom('posts').select(['id', 'slug', 'type', 'status', 'title']).execute();
  const cats = await db
    .selectFrom('categories as c')
    .leftJoin('categories as p', 'p.id', 'c.parent_id')
    .select(['c.name', 'p.name as parent'])
    .execute();
  const tags = await db.selectFrom('tags').select('name').execute();
  const comments = await db
    .selectFrom('comments as c')
    .innerJoin('posts', 'posts.id', 'c.post_id')
    .leftJoin('comments as p', 'p.id', 'c.parent_id')
    .select(['posts.slug', 'c.body_html', 'c.status', 'p.body_html as parent_html'])
    .execute();
  const slugById = new Map(posts.map((p) => [p.id, p.slug]));
  return {
    published: posts.filter((p) => p.status === 'published' && p.type === 'post').length,
    pages: posts.filter((p) => p.status === 'published' && p.type === 'page').length,
    categories: cats.map((c) => `${c.parent ?? '(top)'} > ${c.name}`).sort(),
    tags: tags.map((t) => t.name).sort(),
    // Texts compared without white space: block elements may be joined with or without a line break.
    comments: comments
      .map(
        (c) => `${c.slug} | ${c.status} | ${c.parent_html ? bare(c.parent_html) : '(thread)'} <- ${bare(c.body_html)}`,
      )
      .sort(),
    titles: new Map(posts.map((p) => [p.slug, p.title])),
    slugById,
  };
}

describe(`annalist export wordpress (${TEST_DATABASE})`, () => {
  let source: TestSite;
  let exported: { xml: string; report: WxrExportReport; chunks: number };
  let dir: string;
  let file: string;
  let battle: Article;
  let fleet: Article;

  before(async () => {
    source = await startTestSite({ demo: false });
    dir = mkdtempSync(join(tmpdir(), 'annalist-wxr-'));
    ({ battle, fleet } = await fillSite(source));
    exported = await exportSite(source);
    file = join(dir, 'site.xml');
    writeFileSync(file, exported.xml);
  });
  after(async () => {
    await source.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the export is well-formed and has the structure WordPress’s importer reads', () => {
    assert.equal(xmllint(file), '', 'xmllint --noout');
    assert.equal(xmllint(file, '--relaxng', SCHEMA), '', 'xmllint --relaxng wxr-1.2.rng');
    assert.ok(exported.chunks > 1, 'written in several chunks, not as one string at the end');
    assert.match(exported.xml, /<wp:wxr_version>1\.2<\/wp:wxr_version>/);
    assert.match(exported.xml, /<wp:base_site_url>https:\/\/steppe\.example<\/wp:base_site_url>/);
  });

  test('a comment containing ]]> is split across CDATA sections as WordPress does, and reads back whole', async () => {
    assert.ok(exported.xml.includes(']]]]><![CDATA[>'), 'the end marker is split');
    const items = await itemsOf(exported.xml);
    const all = items.flatMap((i) => i.comments.map((c) => c.content));
    assert.ok(
      all.some((c) => text(c) === CDATA_COMMENT.replace(/`/g, '')),
      'the comment reads back with both ]]> intact',
    );
  });

  test('characters XML 1.0 forbids are removed and counted, with where they were', async () => {
    assert.equal(exported.report.scrubbed.removed, 2);
    assert.ok(exported.report.scrubbed.places.some((p) => p.startsWith('post ')));
    assert.ok(exported.report.scrubbed.places.some((p) => p.startsWith('comment ')));
    const items = await itemsOf(exported.xml);
    assert.ok(items.some((i) => i.title === 'Tsushima, 1905: the fleet that sailed round the world'));
    assert.ok(items.some((i) => i.comments.some((c) => c.author === 'Escape[31m artist')));
  });

  test('posts carry absolute links and images, statuses, SEO fields as Yoast meta and the cover as featured image', async () => {
    const items = await itemsOf(exported.xml);
    const article = items.find((i) => i.name === battle.slug)!;
    assert.equal(article.link, `${BASE}${battle.url}`);
    assert.equal(article.status, 'publish');
    assert.equal(article.postDateGmt, '2025-08-20 08:30:00');
    assert.equal(article.postDate, '2025-08-20 09:30:00', 'local time in the site’s zone (Europe/London, summer)');
    const content = parsePage(article.content);
    const shown = content.all('img', 'The steppe battlefield').map((img) => content.attr(img, 'src'));
    assert.ok(shown.includes(`${BASE}${MAP}`), `the body image, at its absolute address: ${shown}`);
    assert.match(article.content, /<section[^>]*footnotes|class="footnotes/, 'the footnotes readers see');
    assert.equal(article.meta.get('_yoast_wpseo_title'), 'Khalkhin-Gol 1939: the battle');
    assert.equal(article.meta.get('_yoast_wpseo_metadesc'), 'How a border war decided a world war.');
    const cover = items.find((i) => i.id === article.meta.get('_thumbnail_id'));
    assert.equal(cover?.type, 'attachment');
    assert.equal(cover?.attachmentUrl, `${BASE}${MAP}`);
    assert.deepEqual(
      items.filter((i) => i.type === 'page').map((i) => i.status),
      ['publish', 'publish'],
    );
    assert.ok(article.terms.some((t) => t.domain === 'category' && t.nicename === 'soviet-union'));
    assert.ok(article.terms.some((t) => t.domain === 'post_tag' && t.name === 'Zhukov'));
  });

  test('an uploaded image is an attachment at its largest JPEG or PNG copy, and the post whose cover it is features it', async () => {
    const items = await itemsOf(exported.xml);
    const ids = items.map((i) => i.id);
    assert.equal(new Set(ids).size, ids.length, 'every item has an id of its own');
    const image = items.find((i) => i.type === 'attachment' && i.title === 'A green field');
    assert.match(image?.attachmentUrl ?? '', /^https:\/\/steppe\.example\/media\/\d+-640x400-640w\.(?:jpg|png)$/);
    assert.equal(image?.excerpt, 'The steppe in May');
    assert.equal(image?.meta.get('_wp_attachment_image_alt'), 'A green field');
    const post = items.find((i) => i.name === fleet.slug);
    assert.equal(post?.meta.get('_thumbnail_id'), image?.id);
    const fetched = await source.app.inject({ method: 'GET', url: new URL(image!.attachmentUrl).pathname });
    assert.equal(fetched.statusCode, 200, 'the attachment address is served by the site');
  });

  test('commenters’ emails and addresses stay out unless asked for; authors never carry one', async () => {
    const emails = (await itemsOf(exported.xml)).flatMap((i) => i.comments.map((c) => c.email));
    assert.ok(emails.length > 0);
    assert.ok(
      emails.every((e) => e === ''),
      'no email by default',
    );
    assert.doesNotMatch(exported.xml, /<wp:author_email><!\[CDATA\[[^\]]/);
    assert.doesNotMatch(exported.xml, /<wp:comment_author_IP><!\[CDATA\[[^\]]/);
    const withEmails = await exportSite(source, { includeEmails: true });
    const stored = await source.site.storage.db.selectFrom('comments').select('author_email').execute();
    const given = (await itemsOf(withEmails.xml)).flatMap((i) => i.comments.map((c) => c.email));
    assert.deepEqual(given.sort(), stored.map((s) => s.author_email).sort());
  });

  test('imported into a fresh site, it gives the same site: posts, pages, tree, tags, threads, states and old links', async () => {
    const target = await startTestSite({ demo: false });
    try {
      await importWordpress(target.site.content, { open: () => Readable.from([exported.xml]) });
      const before = await siteShape(source.site.storage.db);
      const after = await siteShape(target.site.storage.db);
      assert.equal(after.published, before.published);
      assert.equal(after.pages, before.pages);
      assert.deepEqual(after.categories, before.categories);
      assert.deepEqual(after.tags, before.tags);
      assert.deepEqual(after.comments, before.comments);
      assert.ok(
        before.comments.some((c) => c.includes('| spam |')) && before.comments.some((c) => c.includes('| trash |')),
      );
      // Each exported address, asked of the new site, shows the same article: its own address there is the same
      // path, and the WordPress forms of it (/?p=ID with the exported id) answer 301 to it.
      for (const item of (await itemsOf(exported.xml)).filter((i) => i.type === 'post' || i.type === 'page')) {
        const path = new URL(item.link).pathname;
        const page = await target.app.inject({ method: 'GET', url: path });
        assert.equal(page.statusCode, 200, `${path} answers on the new site`);
        assert.ok(page.body.includes(escapeHtml(after.titles.get(path.slice(1, -1))!)), `${path} is the same article`);
        const old = await target.app.inject({ method: 'GET', url: `/?p=${item.id}` });
        assert.equal(old.statusCode, 301, `/?p=${item.id} redirects`);
        assert.equal(old.headers.location, path);
      }
    } finally {
      await target.close();
    }
  });

  describe('the command', () => {
    const annalist = (args: string[], env: Record<string, string | undefined>): Promise<Run> =>
      runAnnalist(['export', ...args, '--data-dir', source.dir], {
        DATABASE_URL: source.databaseUrl,
        ANNALIST_BASE_URL: BASE,
        ...env,
      });

    test('--out writes the file aside and renames it; the summary and the removed characters are on stderr', async () => {
      const out = join(dir, 'cli.xml');
      const run = await annalist(['wordpress', '--out', out], {});
      assert.equal(run.status, 0, run.stderr);
      assert.equal(xmllint(out, '--relaxng', SCHEMA), '');
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.includes('.partial-')),
        [],
      );
      assert.match(run.stderr, /exported 3 posts, 2 pages, 8 comments/);
      assert.match(run.stderr, /removed 2 characters XML 1\.0 does not allow, in: .*post \d+/);
      assert.equal(run.stdout, '');
    });

    test('without --out the export goes to standard output', async () => {
      const run = await annalist(['wordpress'], {});
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /^<\?xml version="1\.0" encoding="UTF-8" \?>/);
      assert.match(run.stdout, /<\/rss>\n$/);
    });

    test('an existing file is never overwritten', async () => {
      const out = join(dir, 'taken.xml');
      writeFileSync(out, 'mine');
      const run = await annalist(['wordpress', '--out', out], {});
      assert.equal(run.status, 1);
      assert.match(run.stderr, /^annalist: EXPORT_OUT_EXISTS: .*taken\.xml already exists/);
      assert.equal(run.stderr.trim().split('\n').length, 1);
      assert.equal(readFileSync(out, 'utf8'), 'mine');
    });

    test('without ANNALIST_BASE_URL, or with one that is not an address, it refuses in one line and writes nothing', async () => {
      const out = join(dir, 'nobase.xml');
      const run = await annalist(['wordpress', '--out', out], { ANNALIST_BASE_URL: undefined });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /^annalist: EXPORT_BASE_URL: set ANNALIST_BASE_URL/);
      assert.equal(run.stderr.trim().split('\n').length, 1);
      assert.equal(existsSync(out), false);
      const bad = await annalist(['wordpress'], { ANNALIST_BASE_URL: 'ftp://steppe.example' });
      assert.equal(bad.status, 1);
      assert.equal(bad.stdout, '');
      assert.equal(bad.stderr.trim().split('\n').length, 1);
      assert.match(bad.stderr, /ANNALIST_BASE_URL must be an http\(s\)/);
    });

    test('an unknown format is refused in one line', async () => {
      const run = await annalist(['drupal'], {});
      assert.equal(run.status, 1);
      assert.match(run.stderr, /^annalist: EXPORT_FORMAT_UNKNOWN: export writes wordpress/);
    });
  });
});

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
