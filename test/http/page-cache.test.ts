import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { saveSiteSettings } from '../../src/modules/settings/settings.service.ts';
import { type Article, type Category, createArticle, createCategory } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

/** The page cache on a site without the demo: each test makes the articles and the category it reads. */
let t: TestSite;
before(async () => {
  t = await startTestSite({ demo: false });
});
after(() => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });
const open = async (url: string) => parsePage((await get(url)).body);

/** Saves `article` again under a new title, as the editor does, keeping the rest (its category too). */
async function retitle(article: Article, category: Category, title: string) {
  const row = await findPostBySlug(t.site.content.db, article.slug);
  assert.ok(row);
  await savePost(t.site.content, {
    id: row.id,
    type: row.type,
    slug: row.slug,
    title,
    standfirst: row.standfirst,
    bodyMarkdown: row.body_md,
    status: row.status,
    publishedAt: row.published_at,
    categoryPath: category.path,
  });
}

/** A site title on every page: the link home at the top. */
const siteTitleIs = (page: Page, title: string) => page.all('link', title).some((a) => page.attr(a, 'href') === '/');

describe('the page cache never serves stale content', () => {
  test('a repeated view is answered from the cache with an ETag, and a matching If-None-Match gets 304', async () => {
    const article = await createArticle(t);
    const first = await get(article.url);
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[\w-]+"$/);
    const second = await get(article.url);
    assert.equal(second.body, first.body);
    assert.equal(second.headers.etag, etag);
    const revalidated = await get(article.url, { 'if-none-match': etag });
    assert.equal(revalidated.statusCode, 304);
    assert.equal(revalidated.body, '');
  });

  test('compressed copies are offered to readers that accept them', async () => {
    const article = await createArticle(t, {
      body: Array.from({ length: 12 }, (_, i) => `Paragraph ${i + 1} of an article long enough to compress.`).join(
        '\n\n',
      ),
    });
    const plain = await get(article.url);
    const br = await get(article.url, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.ok(br.rawPayload.length < plain.rawPayload.length / 2);
    const gz = await get(article.url, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
  });

  test('an edited title shows on the very next request, on the article and on every list', async () => {
    const category = await createCategory(t, { name: 'Border Wars' });
    const article = await createArticle(t, { title: 'Lake Tarn, 1938', category: category.path });
    const retitled = 'Lake Tarn, 1938: the battle for the ridge';
    (await open(article.url)).get('heading', article.title);
    for (const url of ['/', category.url]) (await open(url)).get('link', article.title);
    await retitle(article, category, retitled);
    const page = await open(article.url);
    assert.equal(page.get('heading', retitled).tagName, 'h1', 'the article');
    for (const url of ['/', category.url]) {
      const list = await open(url);
      assert.equal(list.attr(list.get('link', retitled), 'href'), article.url, url);
      assert.equal(list.all('link', article.title).length, 0, `${url}: the old title is gone`);
    }
    assert.match((await get('/feed/')).body, /Lake Tarn, 1938: the battle for the ridge/, 'the feed');
  });

  test('a changed setting shows at once on cached pages', async () => {
    const page = await createArticle(t, { type: 'page', title: 'About this site' });
    (await open(page.url)).get('heading', page.title);
    await saveSiteSettings(t.site.content, { tagline: 'Now with a brand-new tagline' });
    (await open(page.url)).get('paragraph', 'Now with a brand-new tagline');
  });

  test('a write by another process (the command line) is seen at once', async () => {
    // A title of its own to change (the other process updates the row), on a home page now in the cache.
    await saveSiteSettings(t.site.content, { title: 'Titled here' });
    assert.ok(siteTitleIs(await open('/'), 'Titled here'));
    const retitled = (body: string) => siteTitleIs(parsePage(body), 'Retitled elsewhere');
    if (TEST_DATABASE === 'sqlite') {
      // Another process edits the same database file directly, as an admin tool or a second node would.
      const script = `
        const Database = require('better-sqlite3');
        const db = new Database(${JSON.stringify(`${t.dir}/annalist.db`)});
        db.prepare("update settings set value = ? where key = 'title'").run(JSON.stringify('Retitled elsewhere'));
        db.close();`;
      const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      // A reader's next request comes in through the event loop (spawnSync held it, inject would not turn it):
      // the database's version is read afresh for every turn of the loop.
      await new Promise((r) => setImmediate(r));
      assert.ok(retitled((await get('/')).body), 'the site title, the link home, is the new one');
      return;
    }
    // PostgreSQL: another Annalist process (a second node) saves the setting; its NOTIFY reaches this process's
    // listening connection a moment later, asynchronously, so allow it that moment.
    const script = `
      const { openSite } = await import(${JSON.stringify(new URL('../../src/main.ts', import.meta.url).href)});
      const { saveSiteSettings } = await import(${JSON.stringify(new URL('../../src/modules/settings/settings.service.ts', import.meta.url).href)});
      const site = await openSite(${JSON.stringify(t.dir)}, { databaseUrl: ${JSON.stringify(t.databaseUrl)} });
      await saveSiteSettings(site.content, { title: 'Retitled elsewhere' });
      await site.storage.close();`;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stderr);
    const deadline = Date.now() + 2000;
    let body = (await get('/')).body;
    while (!retitled(body) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      body = (await get('/')).body;
    }
    assert.ok(retitled(body), 'the site title, the link home, is the new one');
  });

  test('a scheduled post appears when its time comes, without any write', async () => {
    const at = new Date(t.clock.now().getTime() + 60 * 60 * 1000);
    const article = await createArticle(t, {
      title: 'The Mongolian cavalry at the river',
      body: 'Scheduled text about the Mongolian People’s Army.',
      status: 'scheduled',
      publishedAt: at.toISOString(),
    });
    assert.equal((await get(article.url)).statusCode, 404, 'not before its time');
    assert.doesNotMatch((await get('/')).body, /Mongolian cavalry/);
    assert.doesNotMatch((await get('/search?q=cavalry')).body, /Mongolian cavalry/);
    t.clock.set(new Date(at.getTime() + 1000));
    assert.equal((await get(article.url)).statusCode, 200, 'live once its time has come');
    for (const url of ['/', '/search?q=cavalry']) {
      const page = await open(url);
      assert.equal(
        page.attr(page.get('link', article.title), 'href'),
        article.url,
        `${url}: the cached page was dropped`,
      );
    }
  });
});
