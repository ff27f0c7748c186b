/**
 * Sticky posts and the page tree across the imports and exports: a WordPress file written for this test
 * (test/fixtures/import/zeya-pages.wxr.xml: a sticky post, children before their parent, a missing parent, a
 * post as parent, a loop), Ghost's featured posts, our WXR export, and the JSON export into `import annalist`.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { writeJsonExport } from '../../src/modules/export/json-export.ts';
import { exportWxr } from '../../src/modules/export/wxr-export.service.ts';
import { importAnnalistExport } from '../../src/modules/import/annalist-import.service.ts';
import { importGhost } from '../../src/modules/import/ghost-import.service.ts';
import type { ImportReport } from '../../src/modules/import/import-report.ts';
import { importWordpress } from '../../src/modules/import/wordpress-import.service.ts';
import { AppError } from '../../src/modules/shared/errors.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

const FIXTURES = new URL('../fixtures/import/', import.meta.url);
const open = (name: string) => () => createReadStream(new URL(name, FIXTURES), { encoding: 'utf8' });

const get = (t: TestSite, url: string) => t.app.inject({ method: 'GET', url });
async function page(t: TestSite, url: string): Promise<string> {
  const res = await get(t, url);
  assert.equal(res.statusCode, 200, `${url} answers 200`);
  return res.body;
}

const crumbs = (html: string) =>
  [
    ...(/<nav class="breadcrumb" aria-label="Breadcrumb">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '').matchAll(
      /<li>(?:<a href="[^"]*">([^<]*)<\/a>|<span aria-current="page">([^<]*)<\/span>)<\/li>/g,
    ),
  ].map((m) => m[1] ?? m[2]);
const section = (html: string) =>
  [...(/<nav class="child-pages"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '').matchAll(/<a href="[^"]+">([^<]+)<\/a>/g)].map(
    (m) => m[1],
  );
const firstCard = (html: string) =>
  /<article class="(post-card[^"]*)">[\s\S]*?<h2 class="post-card__title"><a href="\/([^/"]+)\/"/.exec(html);

async function treeOf(t: TestSite): Promise<Record<string, string | null>> {
  const rows = await t.site.storage.db
    .selectFrom('posts as p')
    .leftJoin('posts as parent', 'parent.id', 'p.parent_id')
    .select(['p.slug', 'parent.slug as parentSlug'])
    .where('p.type', '=', 'page')
    .orderBy('p.slug')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.slug, r.parentSlug]));
}

async function wxrOf(t: TestSite): Promise<string> {
  const chunks: string[] = [];
  await exportWxr(
    { db: t.site.storage.db, clock: t.clock },
    { baseUrl: 'https://zeya.example', includeEmails: false, write: async (c) => void chunks.push(c) },
  );
  return chunks.join('');
}

async function jsonOf(t: TestSite): Promise<string> {
  const chunks: string[] = [];
  await writeJsonExport(
    {
      db: t.site.storage.db,
      annalistVersion: 'test',
      exportedAt: '2026-01-01T00:00:00.000Z',
      baseUrl: 'https://zeya.example',
      includeMediaBytes: false,
    },
    { write: async (c: string) => void chunks.push(c) },
  );
  return chunks.join('');
}

function importJson(t: TestSite, text: string) {
  return importAnnalistExport(
    {
      db: t.site.storage.db,
      capabilities: t.site.storage.capabilities,
      search: t.site.storage.search,
      noteWrite: t.site.content.noteWrite,
    },
    {
      open: async function* () {
        yield text;
      },
    },
  );
}

const EXPECTED_TREE = {
  'downstream-camp': null,
  'expedition-logs': 'field-archive',
  'field-archive': null,
  'ice-road-sketches': null,
  'lost-appendix': null,
  'maps-of-the-lower-valley': 'field-archive',
  'upstream-camp': 'downstream-camp',
};

describe('a WordPress site with a sticky post and a page tree', () => {
  let t: TestSite;
  let report: ImportReport;
  before(async () => {
    t = await startTestSite({ demo: false });
    report = await importWordpress(t.site.content, { open: open('zeya-pages.wxr.xml') });
  });
  after(() => t.close());

  test('the sticky post comes first on the home page, marked Pinned, though it is the older one', async () => {
    const home = await page(t, '/');
    const first = firstCard(home);
    assert.equal(first?.[2], 'winter-on-the-zeya');
    assert.match(first?.[1] ?? '', /post-card--pinned/);
    assert.ok(home.indexOf('winter-on-the-zeya') < home.indexOf('fur-tribute-ledgers'));
    assert.equal((await findPostBySlug(t.site.storage.db, 'fur-tribute-ledgers'))?.sticky, 0);
  });

  test('pages find their parent wherever it is in the file, in their order; the breadcrumb shows it', async () => {
    assert.deepEqual(await treeOf(t), EXPECTED_TREE);
    assert.deepEqual(section(await page(t, '/field-archive/')), ['Maps of the lower valley', 'Expedition logs']);
    assert.deepEqual(crumbs(await page(t, '/expedition-logs/')), ['Home', 'Field archive', 'Expedition logs']);
    assert.equal((await findPostBySlug(t.site.storage.db, 'expedition-logs'))?.menu_order, 3);
  });

  test('a missing parent, a post as parent and a loop leave the page at the top, each reported', async () => {
    const lines = (id: string) =>
      report.lines.filter((l) => l.kind === 'page' && l.oldId === id).map((l) => `${l.outcome}: ${l.reason}`);
    assert.deepEqual(lines('304'), ['note: its parent page (999) is not in the file: placed at the top']);
    assert.deepEqual(lines('305'), ['note: its parent (201) is not a page: placed at the top']);
    assert.deepEqual(lines('307'), [
      "note: its parent page (306) is below it in the file's page tree, a loop: placed at the top",
    ]);
    assert.deepEqual(lines('306'), []);
    assert.deepEqual(crumbs(await page(t, '/lost-appendix/')), []);
    assert.deepEqual(crumbs(await page(t, '/upstream-camp/')), ['Home', 'Downstream camp', 'Upstream camp']);
  });

  test('importing the same file again changes nothing', async () => {
    const again = await importWordpress(t.site.content, { open: open('zeya-pages.wxr.xml') });
    assert.deepEqual(again.counts.post, { ...again.counts.post, imported: 0, updated: 0, unchanged: 2 });
    assert.deepEqual(again.counts.page, { ...again.counts.page, imported: 0, updated: 0, unchanged: 7 });
    assert.deepEqual(await treeOf(t), EXPECTED_TREE);
  });

  test('our WXR export writes the sticky flag, each page parent by its id and the order', async () => {
    const xml = await wxrOf(t);
    const item = (slug: string) =>
      new RegExp(`<item>(?:(?!</item>)[\\s\\S])*?<wp:post_name><!\\[CDATA\\[${slug}\\]\\]>[\\s\\S]*?</item>`).exec(
        xml,
      )?.[0] ?? '';
    const field = (slug: string, name: string) => new RegExp(`<wp:${name}>([^<]*)</wp:${name}>`).exec(item(slug))?.[1];
    const idOf = (slug: string) => field(slug, 'post_id');
    assert.equal(field('winter-on-the-zeya', 'is_sticky'), '1');
    assert.equal(field('fur-tribute-ledgers', 'is_sticky'), '0');
    assert.equal(field('expedition-logs', 'post_parent'), idOf('field-archive'));
    assert.equal(field('expedition-logs', 'menu_order'), '3');
    assert.equal(field('field-archive', 'post_parent'), '0');

    // And back into an empty site: the same tree and the same pinned post.
    const copy = await startTestSite({ demo: false });
    try {
      await importWordpress(copy.site.content, {
        open: async function* () {
          yield xml;
        },
      });
      assert.deepEqual(await treeOf(copy), EXPECTED_TREE);
      assert.equal(firstCard(await page(copy, '/'))?.[2], 'winter-on-the-zeya');
    } finally {
      await copy.close();
    }
  });

  test('the JSON export carries sticky, parent_id and menu_order, and import annalist keeps them', async () => {
    const text = await jsonOf(t);
    const doc = JSON.parse(text) as { posts: { slug: string; sticky: boolean; parent_id: number | null }[] };
    assert.equal(doc.posts.find((p) => p.slug === 'winter-on-the-zeya')?.sticky, true);
    const copy = await startTestSite({ demo: false });
    try {
      await importJson(copy, text);
      assert.deepEqual(await treeOf(copy), EXPECTED_TREE);
      assert.equal((await findPostBySlug(copy.site.storage.db, 'maps-of-the-lower-valley'))?.menu_order, 1);
      assert.deepEqual(section(await page(copy, '/field-archive/')), ['Maps of the lower valley', 'Expedition logs']);
      assert.equal(firstCard(await page(copy, '/'))?.[2], 'winter-on-the-zeya');
    } finally {
      await copy.close();
    }
  });

  test('import annalist refuses a parent that is no page of the file, an article with a parent, and a loop', async () => {
    const text = await jsonOf(t);
    const doc = JSON.parse(text) as { posts: { id: number; slug: string; type: string; parent_id: number | null }[] };
    const idOf = (slug: string) => doc.posts.find((p) => p.slug === slug)!.id;
    // [the page or post given a parent, the parent id, the refusal]
    const cases: [string, number, RegExp][] = [
      ['lost-appendix', 9999, /\$\.posts\[\d+\]\.parent_id: there is no page 9999/],
      ['lost-appendix', idOf('winter-on-the-zeya'), /parent_id: post \d+ is an article, not a page/],
      ['fur-tribute-ledgers', idOf('field-archive'), /an article has no parent page/],
      ['field-archive', idOf('expedition-logs'), /is its own ancestor \(the parent pages form a loop\)/],
    ];
    for (const [slug, parentId, message] of cases) {
      const name = `${slug} under ${parentId}`;
      const bad = JSON.parse(text) as typeof doc;
      const item = bad.posts.find((p) => p.slug === slug);
      assert.ok(item);
      item.parent_id = parentId;
      const copy = await startTestSite({ demo: false });
      try {
        await assert.rejects(importJson(copy, JSON.stringify(bad)), (err: unknown) => {
          assert.ok(err instanceof AppError, name);
          assert.equal(err.code, 'IMPORT_JSON_INVALID', name);
          assert.match(err.publicMessage, message, name);
          return true;
        });
        assert.equal(
          (await copy.site.storage.db.selectFrom('posts').select('id').execute()).length,
          0,
          `${name}: nothing imported`,
        );
      } finally {
        await copy.close();
      }
    }
  });
});

describe("Ghost's featured posts", () => {
  test('a featured post is kept at the top of the home page; the others are not', async () => {
    const t = await startTestSite({ demo: false });
    try {
      await importGhost(t.site.content, { open: () => createReadStream(new URL('salt-roads.ghost5.json', FIXTURES)) });
      const first = firstCard(await page(t, '/'));
      assert.equal(first?.[2], 'salt-roads');
      assert.match(first?.[1] ?? '', /post-card--pinned/);
      assert.equal((await findPostBySlug(t.site.storage.db, 'irbit-fairs'))?.sticky, 0);
    } finally {
      await t.close();
    }
  });
});
