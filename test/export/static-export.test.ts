import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportStatic } from '../../src/export-static.ts';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import {
  authorsOfPosts,
  categoryIdsOfPost,
  listCategories,
  tagsOfPosts,
} from '../../src/modules/content/taxonomy.repository.ts';
import { MANIFEST_FILE } from '../../src/modules/export/static-manifest.ts';
import { buildSearchIndex, SEARCH_INDEX_FILE } from '../../src/modules/export/static-search-index.ts';
import { type Article, createArticle, createComment } from '../support/factories.ts';
import { parsePage } from '../support/page.ts';
import { runAnnalist } from '../support/process.ts';
import { startTestSite, TEST_BASE_URL, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { crawl, DOCUMENTED_HEADERS, startStaticNginx } from '../support/static-server.ts';

/** Every file of a folder (relative paths) with its modification time. */
function filesOf(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) visit(path);
      else out.set(relative(dir, path), statSync(path).mtimeMs);
    }
  };
  visit(dir);
  return out;
}

/** Saves an article again with one change, keeping its categories, tags, authors and cover. */
async function editArticle(t: TestSite, slug: string, change: { body?: (md: string) => string; status?: 'draft' }) {
  const db = t.site.content.db;
  const row = await findPostBySlug(db, slug);
  assert.ok(row, slug);
  const categories = await listCategories(db);
  const pathOf = (id: number | null) => categories.find((c) => c.id === id)?.path;
  const others = (await categoryIdsOfPost(db, row.id)).filter((id) => id !== row.primary_category_id);
  await savePost(t.site.content, {
    id: row.id,
    type: row.type,
    slug: row.slug,
    title: row.title,
    standfirst: row.standfirst,
    excerpt: row.excerpt,
    bodyMarkdown: change.body ? change.body(row.body_md) : row.body_md,
    status: change.status ?? row.status,
    publishedAt: row.published_at,
    categoryPath: pathOf(row.primary_category_id),
    otherCategoryPaths: others.map(pathOf).filter((p): p is string => p !== undefined),
    tags: (await tagsOfPosts(db, [row.id])).map((tag) => tag.name),
    authorSlugs: (await authorsOfPosts(db, [row.id])).map((a) => a.slug),
    cover: row.cover_src
      ? {
          src: row.cover_src,
          alt: row.cover_alt ?? '',
          caption: row.cover_caption ?? '',
          credit: row.cover_credit ?? '',
        }
      : undefined,
  });
}

describe(`annalist export static (${TEST_DATABASE})`, () => {
  let t: TestSite;
  let work: string;
  /** An article of the test's own, with a tag and a short thread, among the demo's. */
  let own: Article;
  const OWN_COMMENT = 'Read this over a second coffee, and argued with it.';
  before(async () => {
    // The demo is the complete site the copy is checked against (every page type it has); what a test reads
    // closely it makes itself.
    t = await startTestSite();
    work = mkdtempSync(join(tmpdir(), 'annalist-static-'));
    own = await createArticle(t, { title: 'An article of the static test', tags: ['Static Own Tag'] });
    const thread = await createComment(t, own, { body: OWN_COMMENT });
    await createComment(t, own, { parent: thread });
  });
  after(async () => {
    await t.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('the copy served by a plain nginx, with no app running, answers every link, image, stylesheet and script', async () => {
    const out = join(work, 'served');
    const report = await exportStatic(t.site, { outDir: out, siteUrl: TEST_BASE_URL });
    assert.deepEqual(report.deadLinks, [], 'no link of the site leads nowhere');
    await t.app.close(); // the test site's app: nothing of Annalist answers from here on
    const nginx = await startStaticNginx(out);
    try {
      // From the home page, and from the three pages the demo's menus do not link to (the site's own choice).
      const site = await crawl(nginx.origin, ['/', '/sources/', '/corrections/', '/timeline/']);
      const broken = [...site.statuses].filter(([, status]) => status !== 200);
      assert.deepEqual(
        broken.map(([url, status]) => `${status} ${url} (linked from ${site.linkedFrom.get(url)})`),
        [],
        'every link of every page answers 200',
      );
      assert.equal(site.pages.size, report.pages, 'every page of the copy is reached, and only those');
      const page = (path: string) => site.pages.get(`${nginx.origin}${path}`) ?? assert.fail(`${path} was not reached`);
      for (const path of [
        own.url,
        '/',
        '/page/2/',
        '/khalkhin-gol-1939/',
        '/about/',
        '/category/',
        '/category/russian-history/soviet-union/',
        '/tag/zhukov/',
        '/author/elena-markova/',
        '/2025/08/',
        '/sources/',
        '/sources/coox-1985/',
        '/corrections/',
        '/khalkhin-gol-1939/revisions/',
        '/search/',
        '/people/',
        '/people/georgy-zhukov/',
        '/places/',
        '/places/khalkhin-gol/',
        '/events/',
        '/events/battle-of-khalkhin-gol/',
        '/organisations/',
        '/organisations/57th-special-corps/',
        '/timeline/',
      ])
        page(path);
      // The timeline as it is at first, without the zoom and filters that need the server's queries.
      const timeline = page('/timeline/');
      assert.match(timeline, /<a class="timeline__name" href="\.\.\/events\/battle-of-khalkhin-gol\/">/);
      assert.doesNotMatch(timeline, /timeline-filters|timeline-zoom|<select/);
      assert.match(page('/people/georgy-zhukov/'), /href="feed\/index\.xml"/, "the entity's feed, as a file");
      assert.match(readFileSync(join(out, 'people/georgy-zhukov/feed/index.xml'), 'utf8'), /<feed[\s\S]*Khalkhin/);
      // Feeds, sitemap and robots are there too, under the addresses the pages name.
      for (const path of ['/feed/index.xml', '/feed/atom/index.xml', '/feed.json', '/sitemap.xml', '/robots.txt'])
        assert.equal(
          site.statuses.get(`${nginx.origin}${path}`) ?? (await fetch(nginx.origin + path)).status,
          200,
          path,
        );
      assert.match(readFileSync(join(out, 'feed/index.xml'), 'utf8'), /<rss[\s\S]*Khalkhin-Gol/);

      // Nothing posts: the only forms left are the search forms, which the copy answers in the browser.
      const posting = site.forms.filter((f) => !/method="get"/.test(f.tag) || !/class="search-form"/.test(f.tag));
      assert.deepEqual(posting, [], 'no form that needs the server');
      const article = page(own.url);
      const read = parsePage(article);
      read.get('paragraph', OWN_COMMENT); // the comments are shown as they were
      read.get('heading', '2 comments');
      assert.deepEqual(read.all('link', /^(Reply|Report)\b/), [], 'no link to reply or report');
      assert.deepEqual(read.all('link', /Suggest a correction/), []);
      assert.doesNotMatch(article, /data-reply=|data-quote=|>Report<|comments\/\d+\/report|replyto=|corder=/);
      assert.doesNotMatch(article, /Suggest a correction|corrections\/new/);
      assert.doesNotMatch(article, /<script[^>]+src=/, 'no script that posts');
      for (const [url, html] of site.pages)
        assert.doesNotMatch(
          html,
          /href="[^"]*\/comments\/\d+\/?(#[^"]*)?"|href="[^"]*\/admin\//,
          `${url}: no link to the server`,
        );
      // The form-token cookie is a header of the app's answers; nginx sends none.
      const res = await fetch(`${nginx.origin}${own.url}`);
      assert.equal(res.headers.get('set-cookie'), null);
      // The security headers docs/export.md gives for nginx, on pages and on a missing address alike.
      const missing = await fetch(`${nginx.origin}/no-such-page/`);
      assert.equal(missing.status, 404);
      for (const [name, value] of Object.entries(DOCUMENTED_HEADERS)) {
        assert.equal(res.headers.get(name), value, name);
        assert.equal(missing.headers.get(name), value, `${name} on a 404`);
      }
      assert.match(DOCUMENTED_HEADERS['content-security-policy'] ?? '', /script-src 'self';/);
      assert.equal((await fetch(`${nginx.origin}/${MANIFEST_FILE}`)).status, 404, 'the manifest is not served');
      // Links are relative: the copy works under any address.
      assert.equal(read.attr(read.get('link', 'Static Own Tag'), 'href'), '../tag/static-own-tag/');
      assert.doesNotMatch(article, new RegExp(`href="${TEST_BASE_URL}`));
    } finally {
      await nginx.stop();
    }
  });

  test("with a live site named, the timeline's filters become a link to them there", async () => {
    const out = join(work, 'with-live-site');
    await exportStatic(t.site, { outDir: out, siteUrl: TEST_BASE_URL, liveUrl: 'https://history.example/' });
    const timeline = readFileSync(join(out, 'timeline/index.html'), 'utf8');
    assert.match(
      timeline,
      /<a href="https:\/\/history\.example\/timeline\/">Filter the timeline on the live site<\/a>/,
    );
    assert.doesNotMatch(timeline, /<select|timeline-filters/);
  });

  test('a second run rewrites only the pages, lists and feeds an edited article is in, and removes what is gone', async () => {
    const out = join(work, 'incremental');
    // Three articles of the test's own, each with a tag of its own, among the demo's many pages.
    const lake = await createArticle(t, {
      title: 'The lake on the border',
      body: 'The lake is a small lake beside the disputed border.',
      tags: ['Static edited'],
    });
    const untouched = await createArticle(t, { title: 'A neighbouring article', tags: ['Static untouched'] });
    const gone = await createArticle(t, { title: 'An article taken down', tags: ['Static gone'] });
    await createComment(t, gone);
    const first = await exportStatic(t.site, { outDir: out, siteUrl: TEST_BASE_URL });
    assert.equal(first.written, first.files);
    const again = await exportStatic(t.site, { outDir: out, siteUrl: TEST_BASE_URL });
    assert.deepEqual(
      [again.written, again.removed, again.unchanged],
      [0, 0, first.files],
      'nothing changed, nothing written',
    );

    const before = filesOf(out);
    await editArticle(t, lake.slug, {
      body: (md) => md.replace('The lake is a small lake', 'The lake, fringed with zosterella reeds, is a small lake'),
    });
    const edited = await exportStatic(t.site, { outDir: out, siteUrl: TEST_BASE_URL });
    const after = filesOf(out);
    const changed = [...after].filter(([file, mtime]) => before.get(file) !== mtime).map(([file]) => file);
    assert.equal(edited.written, changed.filter((f) => f !== MANIFEST_FILE).length, 'the count says what was written');
    for (const file of [`${lake.slug}/index.html`, 'feed/index.xml', 'search-index/words-z.json'])
      assert.ok(changed.includes(file), `${file} is rewritten`);
    assert.match(readFileSync(join(out, `${lake.slug}/index.html`), 'utf8'), /zosterella/);
    assert.match(readFileSync(join(out, 'search-index/words-z.json'), 'utf8'), /"zosterella":\[\d+\]/);
    for (const file of [
      `${untouched.slug}/index.html`,
      `${gone.slug}/index.html`,
      'tag/static-untouched/index.html',
      'sources/index.html',
    ])
      assert.ok(!changed.includes(file), `${file} is left alone`);
    assert.ok(
      edited.written < first.files / 4,
      `far fewer files than the whole copy are rewritten (${edited.written} of ${first.files}: ${changed.join(', ')})`,
    );

    // An article taken down: its files go, and the lists that named it are rewritten.
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), new RegExp(`${gone.slug}/`), 'the home page lists it');
    await editArticle(t, gone.slug, { status: 'draft' });
    const removed = await exportStatic(t.site, { outDir: out, siteUrl: TEST_BASE_URL });
    assert.ok(removed.removed >= 3, `its page, citations and comment feed are removed (${removed.removed})`);
    assert.equal(existsSync(join(out, gone.slug)), false, 'its folder is gone');
    assert.doesNotMatch(readFileSync(join(out, 'index.html'), 'utf8'), new RegExp(`${gone.slug}/`));
  });

  test('a page edited by hand in a finished copy is written again on the next run, and only it', async () => {
    const out = join(work, 'tampered');
    const own = await createArticle(t, { type: 'page', title: 'A page edited by hand' });
    await exportStatic(t.site, { outDir: out, siteUrl: TEST_BASE_URL });
    const page = join(out, `${own.slug}/index.html`);
    const original = readFileSync(page, 'utf8');
    // The same size, so only the bytes can tell.
    writeFileSync(page, original.replace('</main>', '</MAIN>'));
    const before = filesOf(out);
    const again = await exportStatic(t.site, { outDir: out, siteUrl: TEST_BASE_URL });
    const changed = [...filesOf(out)].filter(([file, mtime]) => before.get(file) !== mtime).map(([file]) => file);
    assert.equal(readFileSync(page, 'utf8'), original, 'the page is as the site renders it again');
    assert.deepEqual(
      [again.written, changed.filter((f) => f !== MANIFEST_FILE)],
      [1, [`${own.slug}/index.html`]],
      'only that page is written',
    );
  });

  test('links planted in a copy never let a run write or delete outside it', async () => {
    const outside = join(work, 'outside');
    mkdirSync(join(outside, 'keep'), { recursive: true });
    mkdirSync(join(outside, 'writes'));
    writeFileSync(join(outside, 'keep', 'secret.txt'), 'keep me');
    writeFileSync(join(outside, 'config.txt'), 'precious');
    const copy = join(work, 'planted');
    const own = await createArticle(t, { type: 'page', title: 'A page planted over' });
    const ownPage = `${own.slug}/index.html`;
    await exportStatic(t.site, { outDir: copy, siteUrl: TEST_BASE_URL });
    const manifestPath = join(copy, MANIFEST_FILE);
    const manifestOf = () => JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: Record<string, string> };

    // A folder of the copy that is a link to elsewhere, and a manifest entry under it: its file is not removed.
    symlinkSync(join(outside, 'keep'), join(copy, 'evil'));
    const forged = manifestOf();
    forged.files['evil/secret.txt'] = 'a'.repeat(64);
    writeFileSync(manifestPath, JSON.stringify(forged));
    // The manifest's old temporary name, and a page of the copy, as links to a file elsewhere.
    symlinkSync(join(outside, 'config.txt'), join(copy, `${MANIFEST_FILE}.tmp`));
    rmSync(join(copy, ownPage));
    symlinkSync(join(outside, 'config.txt'), join(copy, ownPage));
    const report = await exportStatic(t.site, { outDir: copy, siteUrl: TEST_BASE_URL });
    assert.equal(readFileSync(join(outside, 'keep', 'secret.txt'), 'utf8'), 'keep me');
    assert.equal(readFileSync(join(outside, 'config.txt'), 'utf8'), 'precious');
    assert.deepEqual(report.notRemoved, ['evil/secret.txt'], 'the entry under the link is reported');
    assert.equal(manifestOf().files['evil/secret.txt'], undefined, 'and dropped from the manifest');
    assert.ok(lstatSync(join(copy, ownPage)).isFile(), 'the link is replaced by the page, not written through');
    parsePage(readFileSync(join(copy, ownPage), 'utf8')).get('heading', own.title);

    // A folder the copy writes into, made a link to elsewhere: the run is refused and nothing lands there.
    rmSync(join(copy, 'tag'), { recursive: true });
    symlinkSync(join(outside, 'writes'), join(copy, 'tag'));
    await assert.rejects(exportStatic(t.site, { outDir: copy, siteUrl: TEST_BASE_URL }), {
      code: 'STATIC_LINK_REFUSED',
    });
    assert.deepEqual(readdirSync(join(outside, 'writes')), []);
    assert.equal(readFileSync(join(outside, 'keep', 'secret.txt'), 'utf8'), 'keep me');

    // The copy's folder itself a link, or its manifest a link to a manifest elsewhere: refused before any write.
    const elsewhere = join(outside, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(work, 'root-link'));
    await assert.rejects(exportStatic(t.site, { outDir: join(work, 'root-link'), siteUrl: TEST_BASE_URL }), {
      code: 'STATIC_LINK_REFUSED',
    });
    assert.deepEqual(readdirSync(elsewhere), []);
    const linkedManifest = join(work, 'linked-manifest');
    mkdirSync(linkedManifest);
    writeFileSync(join(outside, 'manifest.json'), readFileSync(manifestPath));
    symlinkSync(join(outside, 'manifest.json'), join(linkedManifest, MANIFEST_FILE));
    const manifestBefore = readFileSync(join(outside, 'manifest.json'), 'utf8');
    await assert.rejects(exportStatic(t.site, { outDir: linkedManifest, siteUrl: TEST_BASE_URL }), {
      code: 'STATIC_LINK_REFUSED',
    });
    assert.equal(readFileSync(join(outside, 'manifest.json'), 'utf8'), manifestBefore);
  });

  test('the search index lists every article once and files each word under a key that begins it, split past its size', () => {
    const words = ['steppe', 'stepped', 'stern', 'steam', 'sea', 's', 'é', 'éclat', 'zhukov', '1939'];
    const articles = Array.from({ length: 40 }, (_, i) => ({
      address: `article-${String(i).padStart(2, '0')}/`,
      title: `Article ${i}`,
      standfirst: 'word '.repeat(i * 3),
      words: words.filter((_, k) => (i + k) % 3 !== 0),
    }));
    const files = buildSearchIndex(articles, 120);
    const [list, ...wordFiles] = files.map((f) => ({ file: f.file, data: JSON.parse(f.bytes.toString()) }));
    assert.equal(list!.file, SEARCH_INDEX_FILE);
    assert.deepEqual(
      list!.data.articles.map((a: string[]) => a[0]),
      articles.map((a) => a.address),
    );
    assert.ok(
      list!.data.articles.every((a: string[]) => a[2]!.length <= 201),
      'a long standfirst is cut to an excerpt',
    );
    const keys = Object.keys(list!.data.words as Record<string, string>);
    assert.ok(
      keys.some((k) => [...k].length > 1),
      `the s… words are split by their next letter (${keys})`,
    );
    for (const word of words) {
      const holding = wordFiles.filter((f) => word in f.data);
      assert.equal(holding.length, 1, `${word} is in one word file`);
      const key = keys.find((k) => list!.data.words[k] === holding[0]!.file)!;
      assert.ok(word.startsWith(key), `${word} is filed under ${key}, which begins it`);
      const expected = articles.flatMap((a, n) => (a.words.includes(word) ? [n] : []));
      assert.deepEqual(holding[0]!.data[word], expected, `${word}: the articles holding it`);
    }
    assert.ok(
      wordFiles.every((f) => /^search-index\/words-[a-z0-9_]+\.json$/.test(f.file)),
      wordFiles.map((f) => f.file).join(' '),
    );
    assert.deepEqual(buildSearchIndex([...articles].reverse(), 120), files, 'the same bytes for the same articles');
  });

  test('a folder that holds other files is refused and left as it was; nothing of it is ever removed', async () => {
    const out = join(work, 'not-ours');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await assert.rejects(exportStatic(t.site, { outDir: out, siteUrl: TEST_BASE_URL }), {
      code: 'STATIC_DIR_NOT_OURS',
    });
    assert.deepEqual(readdirSync(out), ['notes.txt']);

    // A copy of ours with a file someone added: the file is not in the manifest, so a run never removes it.
    const copy = join(work, 'with-extra');
    await exportStatic(t.site, { outDir: copy, siteUrl: TEST_BASE_URL });
    writeFileSync(join(copy, 'extra.html'), 'added by hand');
    await exportStatic(t.site, { outDir: copy, siteUrl: TEST_BASE_URL });
    assert.equal(readFileSync(join(copy, 'extra.html'), 'utf8'), 'added by hand');
  });

  test('the command line refuses a folder of other files, and a bad --base-url, in one line with its code', async () => {
    const out = join(work, 'cli-refused');
    mkdirSync(out);
    writeFileSync(join(out, 'index.html'), 'someone else’s site');
    const env = t.databaseUrl ? { DATABASE_URL: t.databaseUrl } : {};
    const cli = (...args: string[]) => runAnnalist(['export', 'static', ...args, '--data-dir', t.dir], env);
    const refused = await cli(out);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^annalist: STATIC_DIR_NOT_OURS: .* is not empty/m);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(readFileSync(join(out, 'index.html'), 'utf8'), 'someone else’s site');
    const badUrl = await cli(join(work, 'cli-new'), '--base-url', 'javascript:alert(1)');
    assert.equal(badUrl.status, 1);
    assert.match(badUrl.stderr, /STATIC_BAD_ARGUMENT: --base-url must be an http\(s\) address/);
    mkdirSync(join(work, 'cli-elsewhere'));
    symlinkSync(join(work, 'cli-elsewhere'), join(work, 'cli-link'));
    const linked = await cli(join(work, 'cli-link'));
    assert.equal(linked.status, 1);
    assert.match(linked.stderr, /^annalist: STATIC_LINK_REFUSED: .*cli-link is a symbolic link/m);
    assert.doesNotMatch(linked.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(readdirSync(join(work, 'cli-elsewhere')), []);
  });
});
