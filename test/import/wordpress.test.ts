import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { listPostMeta } from '../../src/modules/content/post-meta.repository.ts';
import { writeJsonExport } from '../../src/modules/export/json-export.ts';
import { exportWxr } from '../../src/modules/export/wxr-export.service.ts';
import { importAnnalistExport } from '../../src/modules/import/annalist-import.service.ts';
import type { ImportReport } from '../../src/modules/import/import-report.ts';
import { importWordpress } from '../../src/modules/import/wordpress-import.service.ts';
import { AppError } from '../../src/modules/shared/errors.ts';
import { shownUnder } from '../support/comment-threads.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

const FIXTURES = new URL('../fixtures/import/', import.meta.url);
const open = (name: string) => () => createReadStream(new URL(name, FIXTURES), { encoding: 'utf8' });
const importFile = (t: TestSite, name: string, opts: { dryRun?: boolean } = {}) =>
  importWordpress(t.site.content, { open: open(name), ...opts });

const get = (t: TestSite, url: string) => t.app.inject({ method: 'GET', url });

async function page(t: TestSite, url: string): Promise<string> {
  const res = await get(t, url);
  assert.equal(res.statusCode, 200, `${url} answers 200`);
  return res.body;
}

async function rowCounts(t: TestSite) {
  const n = async (table: 'posts' | 'comments' | 'categories' | 'tags' | 'authors') =>
    Number(
      (
        await t.site.storage.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    posts: await n('posts'),
    comments: await n('comments'),
    categories: await n('categories'),
    tags: await n('tags'),
    authors: await n('authors'),
  };
}

describe('importing a WordPress export', () => {
  let t: TestSite;
  let report: ImportReport;
  before(async () => {
    t = await startTestSite({ demo: false });
    report = await importFile(t, 'amur-chronicle.wxr.xml');
  });
  after(() => t.close());

  test('an empty site becomes the exported site: its title and tagline, no demo content', async () => {
    const home = await page(t, '/');
    assert.match(home, /The Amur Chronicle/);
    assert.match(home, /Notes on the Russian Far East/);
    assert.doesNotMatch(home, /Khalkhin-Gol/);
  });

  test('a classic-editor article reads with its paragraphs, line breaks, list, captioned figure and byline', async () => {
    const html = await page(t, '/albazin-siege/');
    assert.match(html, /<h1[^>]*>The Siege of Albazin<\/h1>/);
    assert.match(
      html,
      /<p>In 1685 a Qing army came up the Amur to the wooden fort of Albazin\.<br>\s*The garrison was small\.<\/p>/,
    );
    assert.match(html, /<li>First siege: June 1685<\/li>/);
    assert.match(
      html,
      /<figure[\s\S]*?src="http:\/\/amur\.example\/wp-content\/uploads\/albazin-plan\.png"[\s\S]*?<figcaption>[\s\S]*?A plan of the fort drawn in 1686/,
    );
    assert.match(html, /Olga Petrova/);
  });

  test('nothing from the file runs: scripts and javascript: links are gone, their words stay text', async () => {
    const html = await page(t, '/albazin-siege/');
    assert.doesNotMatch(html, /alert\("from the file"\)/);
    assert.doesNotMatch(html, /javascript:/);
    assert.match(html, /a harmless word/);
  });

  test('an unknown shortcode stays visible and is reported for its item', async () => {
    const html = await page(t, '/albazin-siege/');
    assert.match(html, /\[pullquote_box colour="red"\]Remember Albazin\[\/pullquote_box\]/);
    assert.deepEqual(report.unknownShortcodes, { pullquote_box: ['101'] });
  });

  test('HTML in a title becomes its text', async () => {
    assert.match(await page(t, '/nerchinsk-1689/'), /<h1[^>]*>Nerchinsk, 1689<\/h1>/);
  });

  test('imported articles are found by search, with their excerpts kept', async () => {
    assert.match(await page(t, '/search?q=Albazin'), /The Siege of Albazin/);
    const row = await t.site.storage.db
      .selectFrom('posts')
      .select('excerpt')
      .where('slug', '=', 'albazin-siege')
      .executeTakeFirstOrThrow();
    assert.equal(row.excerpt, 'Two sieges of a wooden fort.');
  });

  test('block-editor markup becomes headings, emphasis, lists, quotes, tables and code with no block comments left', async () => {
    const html = await page(t, '/nerchinsk-1689/');
    assert.match(html, /<h2[^>]*>What the treaty said<\/h2>/);
    assert.match(html, /<strong>Argun<\/strong> and the <em>Stanovoy<\/em>/);
    assert.match(html, /<ol>\s*<li>Albazin to be razed<\/li>\s*<li>Trade to be allowed<\/li>\s*<\/ol>/);
    assert.match(html, /<blockquote>\s*<p>Let the border stand for ever\.<\/p>/);
    assert.match(html, /<th>Language<\/th>[\s\S]*<td>Manchu<\/td>/);
    assert.match(html, /<code>border = "Argun"\n?<\/code>|<code>border = &quot;Argun&quot;\n?<\/code>/);
    assert.doesNotMatch(html, /wp:|<!-- \/?wp/);
    assert.match(html, /Timeline kept as text/);
    assert.deepEqual(report.unknownBlocks, { 'acme/timeline': ['102'] });
  });

  test('the category tree keeps its depth whatever the order of the file, each level with its own archive', async () => {
    assert.match(await page(t, '/category/far-east/'), /The Far East/);
    assert.match(await page(t, '/category/far-east/qing-relations/'), /Relations with the Qing/);
    const deepest = await page(t, '/category/far-east/qing-relations/treaties/');
    assert.match(deepest, /Treaties/);
    assert.match(deepest, /Nerchinsk, 1689/);
    assert.match(deepest, /The Siege of Albazin/);
  });

  test("Yoast's primary category is the article's primary category, ahead of the first one listed", async () => {
    const post = await t.site.storage.db
      .selectFrom('posts')
      .innerJoin('categories', 'categories.id', 'posts.primary_category_id')
      .select('categories.path')
      .where('posts.slug', '=', 'albazin-siege')
      .executeTakeFirstOrThrow();
    assert.equal(post.path, 'far-east/qing-relations/treaties');
    assert.match(await page(t, '/albazin-siege/'), /href="\/category\/far-east\/qing-relations\/treaties\/"/);
  });

  test('a category whose exported slug is not an address Annalist can use is renamed from its name and reported', async () => {
    assert.match(await page(t, '/category/far-east/siberia/'), /Siberia/);
    assert.ok(report.renamedSlugs.some((r) => r.kind === 'category' && r.from === 'сибирь' && r.to === 'siberia'));
  });

  test('a loop in the category parents is cut and reported', async () => {
    await page(t, '/category/loop-b/loop-a/');
    assert.ok(report.lines.some((l) => l.kind === 'category' && l.oldId === 'loop-b' && /loop back/.test(l.reason)));
  });

  test('comments keep their threads on the article page, a reply read before its parent included', async () => {
    const html = await page(t, '/albazin-siege/');
    assert.equal(
      shownUnder(html, 'They came down the Shilka from Nerchinsk.'),
      'Which river did the relief column take?',
    );
    assert.equal(shownUnder(html, 'Thank you, the Shilka it is.'), 'They came down the Shilka from Nerchinsk.');
    assert.match(html, /Anna Reader/);
  });

  test('a reply whose parent is missing is shown as a top-level comment and reported', async () => {
    const html = await page(t, '/albazin-siege/');
    assert.equal(shownUnder(html, 'Answering a comment that was deleted long ago.'), undefined);
    assert.deepEqual(report.orphanComments, ['101:4']);
  });

  test('held and spam comments are kept for moderators but not shown; pingbacks are counted and left out', async () => {
    const html = await page(t, '/albazin-siege/');
    assert.doesNotMatch(html, /Still waiting for a moderator/);
    assert.doesNotMatch(html, /cheap pills/i);
    assert.doesNotMatch(html, /pingback excerpt/);
    const statuses = await t.site.storage.db
      .selectFrom('comments')
      .select(['author_name', 'status', 'ip', 'author_url', 'created_at'])
      .orderBy('created_at')
      .execute();
    const by = (name: string) => statuses.find((s) => s.author_name === name);
    assert.equal(by('Waiting Writer')?.status, 'held');
    assert.equal(by('Cheap Pills')?.status, 'spam');
    assert.equal(by('Anna Reader')?.ip, '192.0.2.10');
    assert.equal(by('Anna Reader')?.author_url, 'http://anna.example/');
    assert.equal(by('Anna Reader')?.created_at, '2009-08-24T07:00:00.000Z');
    assert.equal(report.pingbacksSkipped, 1);
    assert.equal(report.counts.comment.imported, 7);
  });

  test('imported comments send no mail', async () => {
    const mail = await t.site.storage.db.selectFrom('outbox').select('id').execute();
    assert.equal(mail.length, 0);
  });

  test('pages come in as pages, and their comments are kept with them', async () => {
    const html = await page(t, '/about/');
    assert.match(html, /A site about the Amur frontier\./);
    const kept = await t.site.storage.db
      .selectFrom('comments')
      .innerJoin('posts', 'posts.id', 'comments.post_id')
      .select(['posts.type', 'comments.body_md'])
      .where('posts.slug', '=', 'about')
      .execute();
    assert.deepEqual(kept, [{ type: 'page', body_md: 'Pages take comments too.' }]);
  });

  test('statuses: pending waits for review, future is scheduled, private and password-protected become reported drafts', async () => {
    const rows = await t.site.storage.db
      .selectFrom('posts')
      .select(['slug', 'status', 'submitted_at', 'published_at'])
      .where('slug', 'in', ['review-note', 'muravyov-arrives', 'private-jottings', 'members-only', 'no-type'])
      .execute();
    const by = Object.fromEntries(rows.map((r) => [r.slug, r]));
    assert.equal(by['review-note']?.status, 'draft');
    assert.ok(by['review-note']?.submitted_at, 'sent for review');
    assert.equal(by['muravyov-arrives']?.status, 'scheduled');
    assert.equal(by['muravyov-arrives']?.published_at, '2030-05-28T10:00:00.000Z');
    assert.equal(by['private-jottings']?.status, 'draft');
    assert.equal(by['members-only']?.status, 'draft');
    assert.equal(by['no-type']?.status, 'draft');
    for (const slug of ['review-note', 'muravyov-arrives', 'private-jottings', 'members-only'])
      assert.equal((await get(t, `/${slug}/`)).statusCode, 404, `${slug} is not public`);
    const notes = report.lines.map((l) => `${l.oldId} ${l.reason}`);
    assert.ok(notes.some((n) => /^105 private/.test(n)));
    assert.ok(notes.some((n) => /^106 password-protected/.test(n)));
    assert.ok(notes.some((n) => /^110 no post type/.test(n)));
  });

  test('dates come from post_date_gmt, else from pubDate; zero dates are none', async () => {
    const rows = await t.site.storage.db
      .selectFrom('posts')
      .select(['slug', 'published_at'])
      .where('slug', 'in', ['albazin-siege', 'search-2', 'review-note'])
      .execute();
    const by = Object.fromEntries(rows.map((r) => [r.slug, r.published_at]));
    assert.equal(by['albazin-siege'], '2009-08-23T10:15:00.000Z');
    assert.equal(by['search-2'], '2010-01-02T09:00:00.000Z');
    assert.equal(by['review-note'], null);
  });

  test("slugs that clash with Annalist's addresses or another item are renamed and reported; encoded ones decoded", async () => {
    assert.match(await page(t, '/search-2/'), /Searching for the old fort/);
    assert.match(await page(t, '/albazin-siege-2/'), /A second post that WordPress let share the slug/);
    assert.match(
      await page(t, '/post-108/'),
      /The river&#39;s name in Russian|The river’s name in Russian|The river's name in Russian/,
    );
    assert.deepEqual(
      report.renamedSlugs.filter((r) => r.kind === 'post').map((r) => `${r.oldId}:${r.from}->${r.to}`),
      ['107:search->search-2', '108:амур->post-108', '109:albazin-siege->albazin-siege-2'],
    );
  });

  test('elements are matched by namespace, not prefix: a stranger namespace bound to wp: is ignored', async () => {
    // The hijacked <wp:status>trash</wp:status> and <foo:post_type> would have dropped the article.
    assert.equal((await get(t, '/albazin-siege/')).statusCode, 200);
  });

  test('every old address answers 301 with the new one', async () => {
    const moved: [string, string][] = [
      ['/2009/08/23/albazin-siege/', '/albazin-siege/'],
      ['/2009/08/albazin-siege/', '/albazin-siege/'],
      ['/2009/08/23/albazin-siege', '/albazin-siege/'],
      ['/?p=101', '/albazin-siege/'],
      ['/?p=102', '/nerchinsk-1689/'],
      ['/?page_id=201', '/about/'],
      ['/2010/01/02/search/', '/search-2/'],
      ['/2011/03/04/albazin-siege/', '/albazin-siege-2/'],
      ['/2010/02/03/%D0%B0%D0%BC%D1%83%D1%80/', '/post-108/'],
      ['/%d0%b0%d0%bc%d1%83%d1%80/', '/post-108/'],
      ['/tag/kazaki/', '/tag/cossacks/'],
      ['/author/ivan.k/', '/author/ivan-k/'],
      ['/category/far-east/%D1%81%D0%B8%D0%B1%D0%B8%D1%80%D1%8C/', '/category/far-east/siberia/'],
      // the old feeds: an article's (its comments), a category's and a tag's, in RSS and Atom
      ['/2009/08/23/albazin-siege/feed/', '/albazin-siege/comments/feed/'],
      ['/category/far-east/%D1%81%D0%B8%D0%B1%D0%B8%D1%80%D1%8C/feed/', '/category/far-east/siberia/feed/'],
      ['/category/far-east/%D1%81%D0%B8%D0%B1%D0%B8%D1%80%D1%8C/feed/atom/', '/category/far-east/siberia/feed/atom/'],
      ['/tag/kazaki/feed/rss2/', '/tag/cossacks/feed/'],
    ];
    for (const [from, to] of moved) {
      const res = await get(t, from);
      assert.equal(res.statusCode, 301, `${from} is moved`);
      assert.equal(res.headers.location, to, `${from} leads to ${to}`);
    }
    assert.match(await page(t, '/tag/cossacks/'), /The Siege of Albazin/);
    assert.match(await page(t, '/author/ivan-k/'), /Ivan Kuznetsov/);
    assert.equal((await get(t, '/2009/08/23/never-existed/')).statusCode, 404);
    assert.equal((await get(t, '/2009/08/23/never-existed/feed/')).statusCode, 404);
    assert.match((await get(t, '/albazin-siege/comments/feed/')).body, /<rss/, 'the feed an old one leads to is there');
    assert.equal((await get(t, '/?p=999')).statusCode, 200, 'an unknown ?p= is just the home page');
  });

  test('an old address follows the article when its slug changes later', async () => {
    await t.site.storage.db
      .updateTable('posts')
      .set({ slug: 'albazin-1686' })
      .where('slug', '=', 'albazin-siege-2')
      .execute();
    t.site.content.noteWrite();
    const res = await get(t, '/2011/03/04/albazin-siege/');
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, '/albazin-1686/');
    await t.site.storage.db
      .updateTable('posts')
      .set({ slug: 'albazin-siege-2' })
      .where('slug', '=', 'albazin-1686')
      .execute();
    t.site.content.noteWrite();
  });

  test('importing the same file again updates in place and duplicates nothing', async () => {
    const before = await rowCounts(t);
    const again = await importFile(t, 'amur-chronicle.wxr.xml');
    assert.deepEqual(await rowCounts(t), before);
    assert.equal(again.counts.post.imported, 0);
    assert.equal(again.counts.post.unchanged, 10);
    assert.equal(again.counts.comment.imported, 0);
    assert.equal(again.counts.category.imported, 0);
    assert.equal(
      shownUnder(await page(t, '/albazin-siege/'), 'Thank you, the Shilka it is.'),
      'They came down the Shilka from Nerchinsk.',
    );
  });
});

describe('refusing what cannot be imported', () => {
  let t: TestSite;
  before(async () => {
    t = await startTestSite({ demo: false });
  });
  after(() => t.close());

  async function refused(name: string, code: string): Promise<AppError> {
    const before = await rowCounts(t);
    const err = await importFile(t, name).then(
      () => assert.fail(`${name} was imported`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code);
    assert.deepEqual(await rowCounts(t), before, 'nothing was imported');
    return err;
  }

  test('a file that is not well-formed is refused with its line and column, and the items before the fault are not kept', async () => {
    const err = await refused('broken-at-the-end.wxr.xml', 'IMPORT_MALFORMED');
    assert.match(err.publicMessage, /line 10, column 23: a bare "&"/);
  });

  test('a DOCTYPE (where entity bombs and external entities live) is refused before anything is read', async () => {
    const err = await refused('doctype-bomb.wxr.xml', 'IMPORT_REFUSED');
    assert.match(err.publicMessage, /DOCTYPE/);
  });

  test('an invalid wxr_version is refused', async () => {
    const err = await refused('invalid-version.wxr.xml', 'IMPORT_NOT_WXR');
    assert.match(err.publicMessage, /"abc"/);
  });

  test('a feed with no WXR namespace is not taken for an export', async () => {
    await refused('plain-rss.xml', 'IMPORT_NOT_WXR');
  });

  test('a dry run reports what it would import and changes nothing', async () => {
    const before = await rowCounts(t);
    const report = await importFile(t, 'amur-chronicle.wxr.xml', { dryRun: true });
    assert.equal(report.dryRun, true);
    assert.equal(report.counts.post.imported, 10);
    assert.deepEqual(await rowCounts(t), before);
  });

  test('a file with no wxr_version is read as WXR 1.0 (reported), matching the https namespace under any prefix', async () => {
    const report = await importFile(t, 'no-version-https-prefix.wxr.xml');
    assert.equal(report.wxrVersion, '1.0');
    assert.ok(report.lines.some((l) => l.kind === 'file' && /read as WXR 1\.0/.test(l.reason)));
    assert.match(await page(t, '/read-by-namespace/'), /Matched by what the prefix means/);
    assert.equal((await get(t, '/wrong-slug-from-a-stranger/')).statusCode, 404);
  });
});

describe('importing bylines, search fields and other meta from WordPress plugins, and attachment pages', () => {
  let t: TestSite;
  let report: ImportReport;
  before(async () => {
    t = await startTestSite({ demo: false });
    report = await importFile(t, 'amur-authors-seo.wxr.xml');
  });
  after(() => t.close());

  test('an article written together (Co-Authors Plus) shows every author once, in order, each with a byline page', async () => {
    const html = await page(t, '/river-camp/');
    const byline = /<span class="byline__authors">([\s\S]*?)<\/span>/.exec(html)?.[1] ?? '';
    assert.match(
      byline,
      /^By <a href="\/author\/lena\/"[^>]*>Lena Orlova<\/a> and <a href="\/author\/pyotr-s\/"[^>]*>Pyotr Sazonov<\/a>$/,
    );
    assert.match(await page(t, '/author/pyotr-s/'), /The river camp/);
    const res = await get(t, '/author/cap-pyotr-s/');
    assert.equal(res.statusCode, 404, 'the plugin prefix is not part of the byline');
  });

  test("Yoast's and All in One SEO's templates become the page's search title and description", async () => {
    const camp = await page(t, '/river-camp/');
    assert.match(camp, /<title>The river camp · Frontier Notebooks<\/title>/, 'the site name is not written twice');
    assert.match(
      camp,
      /<meta name="description" content="Where the survey party wintered in 1854: A camp on a gravel bar\."\/>/,
    );
    const letters = await page(t, '/letters-home/');
    assert.match(letters, /<title>Letters from the Amur, spring 1855 · Frontier Notebooks<\/title>/);
    assert.match(
      letters,
      /<meta name="description" content="Three letters from the survey party, with notes on their #1 question\."\/>/,
    );
  });

  test("an image's old page, and its ?attachment_id= address, lead to the article it was uploaded to", async () => {
    for (const from of ['/2012/04/river-camp/plan-of-the-river-camp/', '/?attachment_id=70']) {
      const res = await get(t, from);
      assert.equal(res.statusCode, 301, `${from} is moved`);
      assert.equal(res.headers.location, '/river-camp/');
    }
  });
  test("other plugins' meta is kept as it came for the export; serialized lengths repaired, objects never decoded", async () => {
    const chunks: string[] = [];
    await exportWxr(
      { db: t.site.storage.db, clock: t.clock },
      { baseUrl: 'https://notebooks.example', includeEmails: false, write: async (c) => void chunks.push(c) },
    );
    const item =
      /<item>(?:(?!<\/item>)[\s\S])*?<wp:post_name><!\[CDATA\[letters-home\]\]>[\s\S]*?<\/item>/.exec(
        chunks.join(''),
      )?.[0] ?? '';
    const meta = [
      ...item.matchAll(
        /<wp:meta_key><!\[CDATA\[([^\]]*)\]\]><\/wp:meta_key>\s*<wp:meta_value><!\[CDATA\[([\s\S]*?)\]\]><\/wp:meta_value>/g,
      ),
    ].map((m) => [m[1], m[2]]);
    assert.deepEqual(
      meta.filter(([k]) => !k?.startsWith('_yoast')),
      [
        ['enclosure', 'https://notebooks.example/audio/letters.mp3\n2048000\naudio/mpeg'],
        ['letter_places', 'a:2:{i:0;s:15:"Blagoveshchensk";i:1;s:18:"Хабаровск";}'],
        ['letter_places', 'a:1:{s:4:"year";i:1855;}'],
        ['viewer_state', 'O:8:"stdClass":1:{s:4:"open";b:1;}'],
      ],
    );
    const notes = report.lines.filter((l) => l.oldId === '52').map((l) => l.reason);
    assert.ok(
      notes.some((n) => /"letter_places": 2 string length\(s\) were wrong and are repaired/.test(n)),
      notes.join('\n'),
    );
    assert.ok(notes.some((n) => /"viewer_state" holds a PHP object: kept as text, never decoded/.test(n)));
    assert.equal(report.metaKept, 4);
  });

  test('the JSON export carries the kept meta, and import annalist puts it back in order', async () => {
    const chunks: string[] = [];
    const exportedAt = '2026-01-01T00:00:00.000Z';
    const deps = { db: t.site.storage.db, annalistVersion: 'test', exportedAt, baseUrl: 'https://notebooks.example' };
    await writeJsonExport({ ...deps, includeMediaBytes: false }, { write: async (c: string) => void chunks.push(c) });
    const copy = await startTestSite({ demo: false });
    try {
      const { storage } = copy.site;
      const into = { db: storage.db, capabilities: storage.capabilities, search: storage.search };
      await importAnnalistExport(
        { ...into, noteWrite: copy.site.content.noteWrite },
        {
          open: async function* () {
            yield chunks.join('');
          },
        },
      );
      const post = await findPostBySlug(storage.db, 'letters-home');
      const kept = await listPostMeta(storage.db, post?.id ?? 0);
      assert.deepEqual(
        kept.map((m) => m.key),
        ['enclosure', 'letter_places', 'letter_places', 'viewer_state'],
      );
      assert.equal(kept[1]?.value, 'a:2:{i:0;s:15:"Blagoveshchensk";i:1;s:18:"Хабаровск";}');
    } finally {
      await copy.close();
    }
  });

  test('the slugs WordPress remembered for an article (_wp_old_slug) lead to it', async () => {
    for (const from of ['/letters-from-the-camp/', '/2012/05/10/letters-from-the-camp/']) {
      const res = await get(t, from);
      assert.equal(res.statusCode, 301, `${from} is moved`);
      assert.equal(res.headers.location, '/letters-home/');
    }
  });
});
