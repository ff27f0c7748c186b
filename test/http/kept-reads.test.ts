import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type PostInput, savePost } from '../../src/modules/content/post-writer.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { editComment, moderateComment, replyAsModerator } from '../../src/modules/moderation/queue.service.ts';
import { type Category, createArticle, createCategory, createComment, createUser } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, TestClock, type TestSite } from '../support/site.ts';

// Reader pages rendered with the page cache off: what they read (the article with its neighbours, its comments
// and log, the lists, the discussion settings) and the HTML made of it are kept for the content generation
// (modules/shared/generation-memo.ts). Each test fills what is kept, writes through a use case, and expects the
// very next view to show the write. Every article, comment, category, tag and byline here is this file's own.

const NOW = '2026-11-27T09:00:00.000Z';
let t: TestSite;
/** The category, tag and byline the articles of this file are filed under. */
let category: Category;
const TAG = 'Field Marshals';
const TAG_URL = '/tag/field-marshals/';
let byline: string;

async function html(url: string): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url });
  assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
  return res.body;
}
const open = async (url: string) => parsePage(await html(url));

/** The number in an article page's comments heading ("3 comments"). */
const commentCount = (page: Page) => Number(page.text(page.byId('comments-heading')).split(' ')[0]);
/** The comment count a list's card shows for the article titled `title`. */
const listedCount = (page: Page, title: string) =>
  Number(page.text(page.get('link', new RegExp(`^\\d+ comments? on ${title}$`))).split(' ')[0]);
/** The titles of the post cards a listing shows. */
const cardTitles = (page: Page) => page.all('article').map((card) => page.text(page.within(card).get('heading')));
/** The article page's own title: its one level-one heading. */
function articleTitle(page: Page): string {
  const found = page.all('heading').filter((h) => h.tagName === 'h1');
  assert.equal(found.length, 1, 'one h1');
  return page.text(found[0]!);
}

before(async () => {
  t = await startTestSite({ demo: false, pageCache: false, clock: new TestClock(new Date(NOW)) });
  category = await createCategory(t, { name: 'Soviet Campaigns' });
  byline = (await createUser(t, 'author', { name: 'Vera Kessel', byline: true })).byline!;
});
after(() => t.close());

describe('reader pages without the page cache', () => {
  test('a new article, then its new title, show at the next view of the lists, its neighbour and the API', async () => {
    const earlier = await createArticle(t, {
      title: 'Khalkhin-Gol, 1939',
      category: category.path,
      tags: [TAG],
      authors: [byline],
      publishedAt: '2025-08-20T08:00:00.000Z',
    });
    const lists = ['/', category.url, TAG_URL];
    for (const url of lists) assert.ok(cardTitles(await open(url)).includes(earlier.title), `${url} lists it`);
    for (const url of [...lists, earlier.url]) assert.doesNotMatch(await html(url), /Yelnya/);
    const input: PostInput = {
      type: 'post',
      slug: 'yelnya-1941',
      title: 'Yelnya, 1941',
      bodyMarkdown: 'The first Soviet counter-offensive of the war.',
      status: 'published',
      publishedAt: '2025-09-01T08:00:00.000Z',
      categoryPath: category.path,
      tags: [TAG],
      authorSlugs: [byline],
    };
    const { id } = await savePost(t.site.content, input);
    /** The earlier article's link to the next in its category, whose name ends with `title`: [href, rel]. */
    const nextOf = async (title: string) => {
      const page = await open(earlier.url);
      const links = page.within(page.get('navigation', `More in ${category.name}`));
      const next = links.get('link', new RegExp(`^Next in ${category.name}\\s*${title}$`));
      return [page.attr(next, 'href'), page.attr(next, 'rel')];
    };
    for (const url of lists) assert.ok(cardTitles(await open(url)).includes('Yelnya, 1941'), url);
    assert.deepEqual(await nextOf('Yelnya, 1941'), ['/yelnya-1941/', 'next']);
    assert.equal(articleTitle(await open('/yelnya-1941/')), 'Yelnya, 1941');
    assert.equal(JSON.parse(await html('/api/v1/posts/yelnya-1941')).post.title, 'Yelnya, 1941');

    await savePost(t.site.content, { ...input, id, title: 'Yelnya, August 1941' });
    for (const url of lists) {
      const titles = cardTitles(await open(url));
      assert.ok(titles.includes('Yelnya, August 1941'), url);
      assert.doesNotMatch(await html(url), /Yelnya, 1941/, url);
    }
    assert.deepEqual(await nextOf('Yelnya, August 1941'), ['/yelnya-1941/', 'next']);
    assert.doesNotMatch(await html(earlier.url), /Yelnya, 1941/);
    assert.equal(articleTitle(await open('/yelnya-1941/')), 'Yelnya, August 1941');
    assert.equal(JSON.parse(await html('/api/v1/posts/yelnya-1941')).post.title, 'Yelnya, August 1941');

    await savePost(t.site.content, { ...input, id, title: 'Yelnya, August 1941', status: 'draft' });
    for (const url of [...lists, earlier.url]) assert.doesNotMatch(await html(url), /Yelnya/, url);
    assert.equal((await t.app.inject({ method: 'GET', url: '/yelnya-1941/' })).statusCode, 404);
  });

  test('a moderator’s reply, its edit and its removal show at the next view of the article and of its count', async () => {
    const deps = { ...t.site.content, baseUrl: TEST_BASE_URL };
    const article = await createArticle(t, { category: category.path, authors: [byline] });
    const parent = await createComment(t, article);
    await createComment(t, article);
    const count = commentCount(await open(article.url));
    assert.equal(count, 2);
    assert.equal(listedCount(await open('/'), article.title), count);
    const moderator = await createUser(t, 'moderator', { name: 'Mira Moderator' });

    const reply = await replyAsModerator(deps, { commentId: parent.id, body: 'Thank you: sources added.', moderator });
    let page = await open(article.url);
    page.get('paragraph', 'Thank you: sources added.');
    assert.equal(commentCount(page), count + 1);
    assert.equal(listedCount(await open('/'), article.title), count + 1);

    await editComment(deps, { commentId: reply.id, body: 'Thank you: two sources added.' });
    page = await open(article.url);
    page.get('paragraph', 'Thank you: two sources added.');
    assert.equal(page.all('paragraph', 'Thank you: sources added.').length, 0);

    await moderateComment(deps, { commentId: reply.id, action: 'trash', moderatorId: moderator.id });
    const trashed = await html(article.url);
    assert.doesNotMatch(trashed, /two sources added/);
    assert.equal(commentCount(parsePage(trashed)), count);
    assert.equal(listedCount(await open('/'), article.title), count);
  });

  test('discussion settings apply at the next view: comments close after a number of days, and open again', async () => {
    // Two months old: past a 30-day limit.
    const article = await createArticle(t, { category: category.path, publishedAt: '2026-09-27T09:00:00.000Z' });
    const form = async () => (await open(article.url)).all('form', 'Leave a comment').length;
    assert.equal(await form(), 1);
    await saveModerationSettings(t.site.content, { closeAfterDays: 30 });
    const closed = await open(article.url);
    closed.get('paragraph', 'Comments are closed on this article.');
    assert.equal(closed.all('form', 'Leave a comment').length, 0);
    await saveModerationSettings(t.site.content, { closeAfterDays: 0 });
    assert.equal(await form(), 1);
  });

  test('a scheduled article shows on the home page and in its tag once its time comes, with no write', async () => {
    await createArticle(t, { tags: [TAG], publishedAt: '2026-11-26T09:00:00.000Z' });
    assert.doesNotMatch(await html('/'), /Smolensk/);
    await savePost(t.site.content, {
      type: 'post',
      slug: 'smolensk-1941',
      title: 'Smolensk, 1941',
      bodyMarkdown: 'Two months of battle on the road to Moscow.',
      status: 'scheduled',
      publishedAt: '2026-11-27T10:00:00.000Z',
      tags: [TAG],
      authorSlugs: [byline],
    });
    assert.doesNotMatch(await html('/'), /Smolensk/);
    assert.doesNotMatch(await html(TAG_URL), /Smolensk/);
    t.clock.set('2026-11-27T10:00:01.000Z');
    assert.ok(cardTitles(await open('/')).includes('Smolensk, 1941'));
    assert.ok(cardTitles(await open(TAG_URL)).includes('Smolensk, 1941'));
    assert.equal(articleTitle(await open('/smolensk-1941/')), 'Smolensk, 1941');
  });
});
