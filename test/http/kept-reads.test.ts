import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/accounts.service.ts';
import { type PostInput, savePost } from '../../src/modules/content/post-writer.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { editComment, moderateComment, replyAsModerator } from '../../src/modules/moderation/queue.service.ts';
import { startTestSite, TEST_BASE_URL, TestClock, type TestSite } from '../support/site.ts';

// Reader pages rendered with the page cache off: what they read (the article with its neighbours, its comments
// and log, the lists, the discussion settings) and the HTML made of it are kept for the content generation
// (modules/shared/generation-memo.ts). Each test fills what is kept, writes through a use case, and expects the
// very next view to show the write.

const NOW = '2026-11-27T09:00:00.000Z';
const ARTICLE = '/khalkhin-gol-1939/';
let t: TestSite;

async function page(url: string): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url });
  assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
  return res.body;
}

const commentCount = (html: string) => Number(/<h2 id="comments-heading">(\d+) comments<\/h2>/.exec(html)?.[1]);

before(async () => {
  t = await startTestSite({ pageCache: false, clock: new TestClock(new Date(NOW)) });
});
after(() => t.close());

describe('reader pages without the page cache', () => {
  test('a new article, then its new title, show at the next view of the lists, its neighbour and the API', async () => {
    const lists = ['/', '/category/russian-history/soviet-union/', '/tag/zhukov/'];
    for (const url of [...lists, ARTICLE]) assert.doesNotMatch(await page(url), /Yelnya/);
    const input: PostInput = {
      type: 'post',
      slug: 'yelnya-1941',
      title: 'Yelnya, 1941',
      bodyMarkdown: 'The first Soviet counter-offensive of the war.',
      status: 'published',
      publishedAt: '2025-09-01T08:00:00.000Z',
      categoryPath: 'russian-history/soviet-union',
      tags: ['Zhukov'],
      authorSlugs: ['elena-markova'],
    };
    const { id } = await savePost(t.site.content, input);
    for (const url of lists) assert.match(await page(url), /Yelnya, 1941/, url);
    assert.match(await page(ARTICLE), /<a class="adjacent__next" href="\/yelnya-1941\/" rel="next">/);
    assert.match(await page('/yelnya-1941/'), /<h1 id="article-title">Yelnya, 1941<\/h1>/);
    assert.equal(JSON.parse(await page('/api/v1/posts/yelnya-1941')).post.title, 'Yelnya, 1941');

    await savePost(t.site.content, { ...input, id, title: 'Yelnya, August 1941' });
    for (const url of [...lists, ARTICLE]) {
      const html = await page(url);
      assert.match(html, /Yelnya, August 1941/, url);
      assert.doesNotMatch(html, /Yelnya, 1941/, url);
    }
    assert.match(await page('/yelnya-1941/'), /<h1 id="article-title">Yelnya, August 1941<\/h1>/);
    assert.equal(JSON.parse(await page('/api/v1/posts/yelnya-1941')).post.title, 'Yelnya, August 1941');

    await savePost(t.site.content, { ...input, id, title: 'Yelnya, August 1941', status: 'draft' });
    for (const url of [...lists, ARTICLE]) assert.doesNotMatch(await page(url), /Yelnya/, url);
    assert.equal((await t.app.inject({ method: 'GET', url: '/yelnya-1941/' })).statusCode, 404);
  });

  test('a moderator’s reply, its edit and its removal show at the next view of the article and of its count', async () => {
    const deps = { ...t.site.content, baseUrl: TEST_BASE_URL };
    const before = await page(ARTICLE);
    const count = commentCount(before);
    assert.ok(count > 1);
    assert.match(await page('/'), new RegExp(`${count} comments<span`));
    const parent = await t.site.content.db
      .selectFrom('comments')
      .innerJoin('posts', 'posts.id', 'comments.post_id')
      .select('comments.id')
      .where('posts.slug', '=', 'khalkhin-gol-1939')
      .where('comments.status', '=', 'approved')
      .orderBy('comments.id')
      .executeTakeFirstOrThrow();
    const user = await createUser(t.site.content, {
      email: 'mod@example.org',
      name: 'Mira Moderator',
      role: 'moderator',
    });
    const moderator = { id: user.id, name: user.name, email: user.email };

    const reply = await replyAsModerator(deps, { commentId: parent.id, body: 'Thank you: sources added.', moderator });
    let html = await page(ARTICLE);
    assert.match(html, /Thank you: sources added\./);
    assert.equal(commentCount(html), count + 1);
    assert.match(await page('/'), new RegExp(`${count + 1} comments<span`));

    await editComment(deps, { commentId: reply.id, body: 'Thank you: two sources added.' });
    html = await page(ARTICLE);
    assert.match(html, /Thank you: two sources added\./);
    assert.doesNotMatch(html, /Thank you: sources added\./);

    await moderateComment(deps, { commentId: reply.id, action: 'trash', moderatorId: moderator.id });
    html = await page(ARTICLE);
    assert.doesNotMatch(html, /two sources added/);
    assert.equal(commentCount(html), count);
    assert.match(await page('/'), new RegExp(`${count} comments<span`));
  });

  test('discussion settings apply at the next view: comments close after a number of days, and open again', async () => {
    assert.match(await page(ARTICLE), /<form\s+id="respond"/);
    await saveModerationSettings(t.site.content, { closeAfterDays: 30 });
    const closed = await page(ARTICLE);
    assert.match(closed, /Comments are closed on this article\./);
    assert.doesNotMatch(closed, /<form\s+id="respond"/);
    await saveModerationSettings(t.site.content, { closeAfterDays: 0 });
    assert.match(await page(ARTICLE), /<form\s+id="respond"/);
  });

  test('a scheduled article shows on the home page and in its tag once its time comes, with no write', async () => {
    assert.doesNotMatch(await page('/'), /Smolensk/);
    await savePost(t.site.content, {
      type: 'post',
      slug: 'smolensk-1941',
      title: 'Smolensk, 1941',
      bodyMarkdown: 'Two months of battle on the road to Moscow.',
      status: 'scheduled',
      publishedAt: '2026-11-27T10:00:00.000Z',
      tags: ['Zhukov'],
      authorSlugs: ['elena-markova'],
    });
    assert.doesNotMatch(await page('/'), /Smolensk/);
    assert.doesNotMatch(await page('/tag/zhukov/'), /Smolensk/);
    t.clock.set('2026-11-27T10:00:01.000Z');
    assert.match(await page('/'), /Smolensk, 1941/);
    assert.match(await page('/tag/zhukov/'), /Smolensk, 1941/);
    assert.match(await page('/smolensk-1941/'), /<h1 id="article-title">Smolensk, 1941<\/h1>/);
  });
});
