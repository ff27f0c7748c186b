import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { saveSiteSettings } from '../../src/modules/settings/settings.service.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

let t: TestSite;
before(async () => {
  t = await startTestSite();
});
after(() => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

async function retitle(slug: string, title: string) {
  const row = await findPostBySlug(t.site.content.db, slug);
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
    categoryPath: 'russian-history/soviet-union',
  });
}

describe('the page cache never serves stale content', () => {
  test('a repeated view is answered from the cache with an ETag, and a matching If-None-Match gets 304', async () => {
    const first = await get('/lake-khasan-1938/');
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[\w-]+"$/);
    const second = await get('/lake-khasan-1938/');
    assert.equal(second.body, first.body);
    assert.equal(second.headers.etag, etag);
    const revalidated = await get('/lake-khasan-1938/', { 'if-none-match': etag });
    assert.equal(revalidated.statusCode, 304);
    assert.equal(revalidated.body, '');
  });

  test('compressed copies are offered to readers that accept them', async () => {
    const plain = await get('/khalkhin-gol-1939/');
    const br = await get('/khalkhin-gol-1939/', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.ok(br.rawPayload.length < plain.rawPayload.length / 2);
    const gz = await get('/khalkhin-gol-1939/', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
  });

  test('an edited title shows on the very next request, on the article and on every list', async () => {
    await get('/lake-khasan-1938/');
    await get('/');
    await get('/category/russian-history/soviet-union/');
    await retitle('lake-khasan-1938', 'Lake Khasan, 1938: the battle for Zaozernaya');
    for (const url of ['/lake-khasan-1938/', '/', '/category/russian-history/soviet-union/', '/feed/']) {
      assert.match((await get(url)).body, /the battle for Zaozernaya/, url);
    }
  });

  test('a changed setting shows at once on cached pages', async () => {
    await get('/about/');
    await saveSiteSettings(t.site.content, { tagline: 'Now with a brand-new tagline' });
    assert.match((await get('/about/')).body, /Now with a brand-new tagline/);
  });

  test('a write by another process (the command line) is seen at once', async () => {
    await get('/');
    const retitled = /<p class="site-title"><a href="\/">Retitled elsewhere<\/a>/;
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
      assert.match((await get('/')).body, retitled);
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
    while (!retitled.test(body) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      body = (await get('/')).body;
    }
    assert.match(body, retitled);
  });

  test('a scheduled post appears when its time comes, without any write', async () => {
    const now = t.clock.now();
    const at = new Date(now.getTime() + 60 * 60 * 1000);
    await savePost(t.site.content, {
      type: 'post',
      slug: 'mongolian-cavalry-1939',
      title: 'The Mongolian cavalry at Khalkhin-Gol',
      bodyMarkdown: 'Scheduled text about the Mongolian People’s Army.',
      status: 'scheduled',
      publishedAt: at.toISOString(),
      categoryPath: 'russian-history/soviet-union',
    });
    assert.equal((await get('/mongolian-cavalry-1939/')).statusCode, 404, 'not before its time');
    assert.doesNotMatch((await get('/')).body, /Mongolian cavalry/);
    assert.doesNotMatch((await get('/search?q=cavalry')).body, /Mongolian cavalry/);
    t.clock.set(new Date(at.getTime() + 1000));
    assert.equal((await get('/mongolian-cavalry-1939/')).statusCode, 200, 'live once its time has come');
    assert.match((await get('/')).body, /Mongolian cavalry/, 'the cached home page was dropped');
    assert.match((await get('/search?q=cavalry')).body, /Mongolian cavalry/);
  });
});
