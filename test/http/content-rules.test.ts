import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

let t: TestSite;
before(async () => {
  t = await startTestSite();
});
after(() => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url });

describe('what readers may see', () => {
  test('a draft is nowhere: not at its address, in lists, search, feeds, sitemap or the API', async () => {
    await savePost(t.site.content, {
      type: 'post',
      slug: 'unfinished-draft-on-tannenberg',
      title: 'Unfinished thoughts on Tannenberg',
      bodyMarkdown: 'Samsonov and Rennenkampf, draft text with the word quuxtannenberg.',
      status: 'draft',
      categoryPath: 'russian-history/imperial-russia',
      tags: ['Zhukov'],
    });
    assert.equal((await get('/unfinished-draft-on-tannenberg/')).statusCode, 404);
    for (const url of [
      '/',
      '/category/russian-history/imperial-russia/',
      '/tag/zhukov/',
      '/feed/',
      '/feed.json',
      '/sitemap.xml',
      '/api/v1/posts?per_page=100',
      '/search?q=quuxtannenberg',
    ]) {
      assert.doesNotMatch((await get(url)).body, /Tannenberg/, url);
    }
  });

  test('changing a slug keeps the old address answering 301 to the new one', async () => {
    const row = await findPostBySlug(t.site.content.db, 'tsushima-1905');
    assert.ok(row);
    await savePost(t.site.content, {
      id: row.id,
      type: 'post',
      slug: 'battle-of-tsushima-1905',
      title: row.title,
      bodyMarkdown: row.body_md,
      status: 'published',
      publishedAt: row.published_at,
      categoryPath: 'russian-history/imperial-russia',
    });
    const old = await get('/tsushima-1905/');
    assert.equal(old.statusCode, 301);
    assert.equal(old.headers.location, '/battle-of-tsushima-1905/');
    assert.equal((await get('/battle-of-tsushima-1905/')).statusCode, 200);
    const api = await get('/api/v1/posts/tsushima-1905');
    assert.equal(api.statusCode, 301);
    assert.equal(api.headers.location, '/api/v1/posts/battle-of-tsushima-1905');
  });

  test('an article edited after publication shows "Updated"; one never edited does not', async () => {
    const edited = (await get('/khalkhin-gol-1939/')).body;
    assert.match(edited, /Updated <time/);
    const row = await findPostBySlug(t.site.content.db, 'lake-khasan-1938');
    assert.ok(row);
    if (!row.updated_at) assert.doesNotMatch((await get('/lake-khasan-1938/')).body, /Updated <time/);
  });
});
