import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { type Article, createArticle, createCategory } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

/** What readers may see, on articles each test makes for itself (test/support/factories.ts). */

let t: TestSite;
before(async () => {
  t = await startTestSite();
});
after(() => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url });
const open = async (url: string) => parsePage((await get(url)).body);

/** A time `hours` before the site clock's now, as an ISO string. */
const hoursAgo = (hours: number) => new Date(t.clock.now().getTime() - hours * 3_600_000).toISOString();

/** The dates an article's byline shows (its `<time>`s' datetime), and the byline's text. */
function bylineOf(page: Page, article: Article & { publishedAt: string }) {
  const firstDate = (p: Element) => {
    const [time] = page.within(p).all('time');
    return time ? page.attr(time, 'dateTime') : '';
  };
  const byline = page.all('paragraph').find((p) => firstDate(p) === article.publishedAt);
  assert.ok(byline, `a byline dated ${article.publishedAt}`);
  const times = page.within(byline).all('time');
  return { dates: times.map((el) => page.attr(el, 'dateTime')), text: page.text(byline) };
}

describe('what readers may see', () => {
  test('a draft is nowhere: not at its address, in lists, search, feeds, sitemap or the API', async () => {
    const category = await createCategory(t, { name: 'Eastern Front 1914' });
    // A published neighbour in the same category and tag, so each list exists and shows something.
    const shown = await createArticle(t, {
      title: 'Gumbinnen, a published account',
      category: category.path,
      tags: ['Samsonov'],
    });
    await createArticle(t, {
      title: 'Unfinished thoughts on Tannenberg',
      body: 'Samsonov and Rennenkampf, draft text with the word quuxtannenberg.',
      status: 'draft',
      category: category.path,
      tags: ['Samsonov'],
    });
    assert.equal((await get('/unfinished-thoughts-on-tannenberg/')).statusCode, 404);
    for (const url of [
      '/',
      category.url,
      '/tag/samsonov/',
      '/feed/',
      '/feed.json',
      '/sitemap.xml',
      '/api/v1/posts?per_page=100',
      '/search?q=quuxtannenberg',
    ]) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      assert.doesNotMatch(res.body, /Tannenberg/, url);
    }
    for (const url of [category.url, '/tag/samsonov/']) (await open(url)).get('heading', shown.title);
  });

  test('changing a slug keeps the old address answering 301 to the new one', async () => {
    const article = await createArticle(t, { title: 'Tsushima, 1905', slug: 'tsushima-test-1905' });
    const row = await findPostBySlug(t.site.content.db, article.slug);
    assert.ok(row);
    await savePost(t.site.content, {
      id: row.id,
      type: 'post',
      slug: 'battle-of-tsushima-test-1905',
      title: row.title,
      bodyMarkdown: row.body_md,
      status: 'published',
      publishedAt: row.published_at,
    });
    const old = await get(article.url);
    assert.equal(old.statusCode, 301);
    assert.equal(old.headers.location, '/battle-of-tsushima-test-1905/');
    (await open('/battle-of-tsushima-test-1905/')).get('heading', article.title);
    const api = await get(`/api/v1/posts/${article.slug}`);
    assert.equal(api.statusCode, 301);
    assert.equal(api.headers.location, '/api/v1/posts/battle-of-tsushima-test-1905');
  });

  test('an article edited after publication shows "Updated"; one never edited does not', async () => {
    const publishedAt = hoursAgo(72);
    const editedAt = hoursAgo(0);
    const edited = { ...(await createArticle(t, { publishedAt, updatedAt: editedAt })), publishedAt };
    const shown = bylineOf(await open(edited.url), edited);
    assert.deepEqual(shown.dates, [publishedAt, editedAt]);
    assert.match(shown.text, /Updated \d/);
    const untouched = { ...(await createArticle(t, { publishedAt })), publishedAt };
    const plain = bylineOf(await open(untouched.url), untouched);
    assert.deepEqual(plain.dates, [publishedAt]);
    assert.doesNotMatch(plain.text, /Updated/);
  });
});
