import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser } from '../../src/modules/accounts/accounts.service.ts';
import { COMMENTS_PER_PAGE, ELSEWHERE_POINTERS } from '../../src/modules/comments/comment-thread.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { moderateComment } from '../../src/modules/moderation/queue.service.ts';
import { FOLD_OVER } from '../../src/web/discussion/comments.views.tsx';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { type Article, createArticle, createComment } from '../support/factories.ts';

/**
 * A reader taking part in the discussion in Chromium, on articles and comments made here
 * (test/support/factories.ts): one article for the stories with JavaScript, one each for the long discussions,
 * one for the reader without JavaScript.
 */

let site: ServedSite;
let browser: TestBrowser;
/** The article of the stories with JavaScript; it starts with one comment, the one a reader quotes. */
let article: Article;
const QUOTED = { name: 'Irina Solovyova', phrase: 'driver-mechanic in a BT-7' };
let quoted: { id: number };

before(async () => {
  [site, browser] = await Promise.all([startServedSite({ demo: false }), launchBrowser()]);
  // People type faster than the robot check allows in a test; the check itself is covered in the HTTP tests.
  await saveModerationSettings(site.site.content, { holdFirstComment: false, minFormSeconds: 0, floodSeconds: 0 });
  article = await createArticle(site);
  quoted = await createComment(site, article, {
    name: QUOTED.name,
    body: `My grandfather was a ${QUOTED.phrase} at the river in August.`,
  });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(site.origin + path);
  return { page, errors };
}

async function fillIdentity(page: Page, name: string, email: string) {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Email (never shown)').fill(email);
}

/** The comment (an article named by its author) that holds these words. */
const commentWith = (page: Page, words: string) => page.getByRole('article').filter({ hasText: words });

/** An article with `count` top-level threads, a second apart, the last the newest; returns their ids in order. */
async function discussion(count: number, words: string): Promise<{ article: Article; ids: number[] }> {
  const long = await createArticle(site);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    site.clock.set(new Date(site.clock.now().getTime() + 1000));
    ids.push((await createComment(site, long, { name: `Reader ${i}`, body: `${words} ${i}.` })).id);
  }
  return { article: long, ids };
}

describe('a reader with JavaScript takes part in the discussion', () => {
  test('posts a comment and sees it appear in place, without leaving the page', async () => {
    await browser.context.clearCookies({ name: 'annalist_form' });
    const { page, errors } = await open(article.url);
    const urlBefore = page.url();
    const hasToken = async () => (await browser.context.cookies()).some((c) => c.name === 'annalist_form');
    assert.equal(await hasToken(), false, 'the article page sets no cookie');
    const asked = page.waitForResponse((r) => r.url().endsWith('/form-token') && r.request().method() === 'POST');
    await page
      .getByLabel('Comment', { exact: true })
      .fill('The Soviet logistics over 700 km of dirt road deserve a whole article of their own.');
    assert.equal((await asked).status(), 204, 'the island asks for a form token when the reader starts writing');
    assert.equal(await hasToken(), true);
    await fillIdentity(page, 'Tomás Herrera', 'tomas@example.net');
    let navigated = false;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame() && f.url().split('#')[0] !== urlBefore.split('#')[0]) navigated = true;
    });
    // The answer carries the comment: the article is not asked for again, in the background or otherwise.
    const pageRequests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === article.url) pageRequests.push(r.url());
    });
    const heading = page.locator('#comments-heading');
    const countBefore = Number.parseInt((await heading.textContent()) ?? '', 10);
    await page.getByRole('button', { name: 'Post comment' }).click();
    const posted = page.getByRole('article', { name: 'Tomás Herrera' }).filter({ hasText: '700 km of dirt road' });
    await posted.waitFor();
    assert.equal(navigated, false, 'no page load');
    assert.deepEqual(pageRequests, [], 'the page is not fetched again');
    assert.equal(await page.getByRole('status').filter({ hasText: 'Your comment is posted.' }).count(), 1);
    assert.equal(await heading.textContent(), `${countBefore + 1} comments`, 'the heading counts it');
    assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), '', 'the box is empty again');
    assert.equal(new URL(page.url()).hash, `#${await posted.getAttribute('id')}`, 'the address names the comment');
    assert.match(page.url(), /#comment-\d+$/);
    // It is where everyone will read it: the last comment of the list, as the page now served shows it.
    const id = await posted.getAttribute('id');
    const lastShown = () => page.locator('#comments ol.comment-list > li:last-child > article').getAttribute('id');
    assert.equal(await lastShown(), id);
    await page.reload();
    assert.equal(await lastShown(), id);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a reply posted with JavaScript appears under the comment it answers; a thread posted where it will not stand says where readers find it', async () => {
    const { page, errors } = await open(article.url);
    await commentWith(page, QUOTED.phrase)
      .getByRole('link', { name: `Reply to ${QUOTED.name}` })
      .click();
    await page.getByLabel('Comment', { exact: true }).fill('Which crossing, the northern or the southern one?');
    await fillIdentity(page, 'Ines Baptista', 'ines@example.net');
    await page.getByRole('button', { name: 'Post comment' }).click();
    const reply = commentWith(page, 'the northern or the southern');
    await reply.waitFor();
    const under = page
      .locator(`#comment-${quoted.id}`)
      .locator('xpath=../ol[contains(@class, "comment-replies")]/li/article');
    assert.equal(await under.last().getAttribute('id'), await reply.getAttribute('id'), 'nested under its parent');
    const answered = reply.getByRole('link', { name: QUOTED.name, exact: true });
    assert.equal(await answered.getAttribute('href'), `${article.url}#comment-${quoted.id}`, 'it says whom it answers');
    await page.close();

    // "Newest first" lists single comments, newest first: a reply there leads the first page, not nested.
    const newest = await open(`${article.url}?corder=newest`);
    await commentWith(newest.page, QUOTED.phrase)
      .getByRole('link', { name: `Reply to ${QUOTED.name}` })
      .click();
    await newest.page.getByLabel('Comment', { exact: true }).fill('Posted while the newest come first.');
    await fillIdentity(newest.page, 'Ines Baptista', 'ines@example.net');
    await newest.page.getByRole('button', { name: 'Post comment' }).click();
    const lead = commentWith(newest.page, 'while the newest come first');
    await lead.waitFor();
    const firstShown = newest.page.locator('#comments ol.comment-list > li:first-child > article');
    assert.equal(await firstShown.getAttribute('id'), await lead.getAttribute('id'));
    assert.equal(await newest.page.getByRole('status').filter({ hasText: 'another page' }).count(), 0);
    await newest.page.close();

    // A full page: the new thread opens page 2. Then from page 1 of 2: it goes to the last page too.
    const long = await discussion(COMMENTS_PER_PAGE, 'An early thread');
    const first = await open(long.article.url);
    for (const words of ['A new thread, written from a full page.', 'Another, written from the first of two pages.']) {
      await first.page.getByLabel('Comment', { exact: true }).fill(words);
      await fillIdentity(first.page, 'Ines Baptista', 'ines@example.net');
      await first.page.getByRole('button', { name: 'Post comment' }).click();
      await commentWith(first.page, words).waitFor();
      const where = first.page.getByRole('status').filter({ hasText: 'another page of the discussion' });
      await where.getByRole('link', { name: 'its permalink' }).click();
      await first.page.waitForURL(/cpage=2/);
      assert.equal(await commentWith(first.page, words).count(), 1, 'on page 2');
      await first.page.goto(site.origin + long.article.url);
    }
    assert.deepEqual([...errors, ...newest.errors, ...first.errors], []);
    await first.page.close();
  });

  test('a reply sent from the reply page to a folded reply opens its thread, and the form stops replying', async () => {
    const folded = await createArticle(site);
    const root = await createComment(site, folded, { name: 'Thread Starter', body: 'Where did the 6th Army cross?' });
    let last = root;
    for (let i = 1; i <= FOLD_OVER + 1; i++)
      last = await createComment(site, folded, { name: `Answer ${i}`, body: `Answer number ${i}.`, parent: root });
    const { page, errors } = await open(`${folded.url}?replyto=${last.id}#respond`);
    assert.equal(await page.locator(`#comment-${last.id}`).isVisible(), false, 'folded at first');
    await page.getByLabel('Comment', { exact: true }).fill('Answering the last answer, folded away.');
    await fillIdentity(page, 'Ines Baptista', 'ines@example.net');
    await page.getByRole('button', { name: 'Post comment' }).click();
    const reply = commentWith(page, 'Answering the last answer');
    await reply.waitFor();
    assert.equal(await reply.isVisible(), true, 'the reply is in sight');
    assert.equal(await page.locator(`#comment-${last.id}`).isVisible(), true, 'the thread is open');
    assert.equal(await page.getByText('Replying to', { exact: false }).count(), 0, 'the form answers nobody now');
    assert.equal(await page.locator('#respond input[name="parent_id"]').inputValue(), '');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a post that fails keeps every word and says what to fix', async () => {
    const { page } = await open(article.url);
    const words = 'A careful comment that must not be lost when the address is wrong.';
    await page.getByLabel('Comment', { exact: true }).fill(words);
    await fillIdentity(page, 'Ana Sousa', 'not an address');
    // The browser's own check would stop the form; the island posts anyway so the server's message is shown.
    await page.getByRole('form', { name: 'Leave a comment' }).evaluate((f) => f.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.getByRole('alert').filter({ hasText: 'That is not an email address' }).waitFor();
    assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), words);
    await page.reload();
    assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), words, 'the draft survives a reload');
    await page.close();
  });

  test('selects a passage of a comment, quotes it, and the reply shows the attributed quote', async () => {
    const { page } = await open(article.url);
    const target = page.getByRole('article', { name: QUOTED.name });
    const paragraph = target.getByRole('paragraph').filter({ hasText: QUOTED.phrase });
    // Select the words of the phrase inside the comment.
    await paragraph.evaluate((p, phrase) => {
      const node = [...p.childNodes].find((n) => n.textContent?.includes(phrase))!;
      const start = node.textContent!.indexOf(phrase);
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, start + phrase.length);
      document.getSelection()!.removeAllRanges();
      document.getSelection()!.addRange(range);
    }, QUOTED.phrase);
    await target.getByRole('link', { name: /^Quote/ }).click();
    assert.equal(await page.getByLabel('Quoted passage').inputValue(), QUOTED.phrase);
    assert.equal(await page.getByRole('form', { name: `Reply to ${QUOTED.name}` }).count(), 1, 'a reply to her');
    await page.getByLabel('Comment', { exact: true }).fill('Which brigade commander did he serve under?');
    await fillIdentity(page, 'Lena Fischer', 'lena@example.net');
    await page.getByRole('button', { name: 'Post comment' }).click();
    const reply = commentWith(page, 'Which brigade commander');
    await reply.waitFor();
    const quote = reply.getByRole('blockquote');
    assert.equal(await quote.getByRole('paragraph').first().textContent(), QUOTED.phrase);
    const source = quote.getByRole('link', { name: QUOTED.name, exact: true });
    assert.equal(await source.getAttribute('href'), `#comment-${quoted.id}`, 'the quote links to its comment');
    await page.close();
  });

  test('checks a comment before posting and is told why it may be held, without posting it', async () => {
    await saveModerationSettings(site.site.content, {
      holdFirstComment: false,
      minFormSeconds: 0,
      floodSeconds: 0,
      maxLinks: 1,
    });
    const { page } = await open(article.url);
    const words = 'Two sources: [Coox](https://example.org/coox) and [Drea](https://example.org/drea).';
    await page.getByLabel('Comment', { exact: true }).fill(words);
    await fillIdentity(page, 'Careful Writer', 'careful@example.net');
    await page.getByRole('button', { name: 'Check before posting' }).click();
    await page.getByRole('alert').filter({ hasText: 'may be held for a moderator' }).waitFor();
    assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), words);
    const stored = await site.site.content.db
      .selectFrom('comments')
      .select('id')
      .where('author_email', '=', 'careful@example.net')
      .execute();
    assert.equal(stored.length, 0, 'nothing was posted');
    await saveModerationSettings(site.site.content, { maxLinks: 2 });
    await page.close();
  });

  test('a returning commenter is known by their browser after a moderator approved their first comment, not by the email they type', async () => {
    await saveModerationSettings(site.site.content, { holdFirstComment: true });
    try {
      const writer = { name: 'Noor Haddad', email: 'noor@example.net' };
      const { page, errors } = await open(article.url);
      await page.getByLabel('Comment', { exact: true }).fill('Did the Japanese 23rd Division keep a war diary?');
      await fillIdentity(page, writer.name, writer.email);
      await page.getByRole('button', { name: 'Post comment' }).click();
      await page.getByRole('status').filter({ hasText: 'awaiting moderation' }).waitFor();
      const first = await site.site.content.db
        .selectFrom('comments')
        .select('id')
        .where('author_email', '=', writer.email)
        .executeTakeFirstOrThrow();
      const moderator = await createUser(site.site.content, {
        email: 'noor-moderator@example.org',
        name: 'Moderator',
        role: 'moderator',
      });
      await moderateComment(
        { ...site.site.content, baseUrl: site.origin },
        { commentId: first.id, action: 'approve', moderatorId: moderator.id },
      );
      // The island's request stored the signed cookie, so the next comment from this browser appears at once.
      await page.reload();
      await page.getByLabel('Comment', { exact: true }).fill('Found it: it survives in the Boeicho archive.');
      await fillIdentity(page, writer.name, writer.email);
      await page.getByRole('button', { name: 'Post comment' }).click();
      await commentWith(page, 'Boeicho archive').waitFor();
      // Without that cookie, the same name and email typed in wait for a moderator.
      await browser.context.clearCookies({ name: 'annalist_commenter' });
      await page.reload();
      await page.getByLabel('Comment', { exact: true }).fill('Someone else, typing her name and address.');
      await fillIdentity(page, writer.name, writer.email);
      await page.getByRole('button', { name: 'Post comment' }).click();
      await page.getByRole('status').filter({ hasText: 'awaiting moderation' }).waitFor();
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await saveModerationSettings(site.site.content, { holdFirstComment: false });
    }
  });

  test('a permalink to a comment on a later comments page lands on that comment', async () => {
    // Enough threads to push the last one onto comments page 2.
    const { article: long, ids } = await discussion(COMMENTS_PER_PAGE + 5, 'Thread number');
    const lastId = ids.at(-1)!;
    const { page } = await open(`${long.url}#comment-${lastId}`);
    await page.waitForURL(/cpage=2#comment-\d+$/);
    const last = page.getByRole('article', { name: `Reader ${ids.length - 1}` });
    await last.waitFor();
    assert.equal(await last.getAttribute('id'), `comment-${lastId}`);
    assert.ok(await last.isVisible());
    await page.close();
  });

  test('in a discussion too long for pointers, a permalink still lands, through the permalink route', async () => {
    // More comments off page 1 than the pointers are written for.
    const { article: long, ids } = await discussion(ELSEWHERE_POINTERS + COMMENTS_PER_PAGE + 20, 'Later thread');
    const target = ids[200]!; // a thread on comments page 5 or so: no pointer to it on page 1
    const { page } = await open(`${long.url}#comment-${target}`);
    await page.waitForURL(/cpage=\d+#comment-\d+$/);
    assert.equal(
      await page.getByText(/^That comment is on comments page \d+\.$/).count(),
      0,
      'no pointer block on so long a discussion',
    );
    const landed = page.getByRole('article', { name: 'Reader 200' });
    await landed.waitFor();
    assert.equal(await landed.getAttribute('id'), `comment-${target}`);
    assert.ok(await landed.isVisible());
    await page.close();
  });
});

describe('a reader without JavaScript takes part in the discussion', () => {
  test('posts a first comment through “Confirm your comment”, which keeps every word; the next goes straight in', async () => {
    const noScript = await launchBrowser({ javaScriptEnabled: false });
    try {
      const page = await noScript.newPage();
      const own = await createArticle(site);
      await page.goto(site.origin + own.url);
      const words = 'Without scripts the form still works:\nthis comment is confirmed once, then posted.';
      await page.getByLabel('Comment', { exact: true }).fill(words);
      await fillIdentity(page, 'Sükhbaatar Dorj', 'dorj@example.net');
      await page.getByRole('button', { name: 'Post comment' }).click();
      await page.getByRole('heading', { name: 'Confirm your comment', level: 1 }).waitFor();
      assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), words, 'every word kept');
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Sükhbaatar Dorj');
      const form = page.getByRole('form', { name: 'Your comment' });
      assert.deepEqual(await form.getByRole('button').allTextContents(), ['Send comment'], 'one button');
      await page.getByRole('button', { name: 'Send comment' }).click();
      await commentWith(page, 'confirmed once, then posted').waitFor();
      assert.match(page.url(), /#comment-\d+$/);
      // The answer brought the next token: a second comment from this browser needs no confirming.
      await page.getByLabel('Comment', { exact: true }).fill('And a second thought, posted at once.');
      await fillIdentity(page, 'Sükhbaatar Dorj', 'dorj@example.net');
      await page.getByRole('button', { name: 'Post comment' }).click();
      await commentWith(page, 'a second thought, posted at once').waitFor();
      assert.match(page.url(), /#comment-\d+$/);
    } finally {
      await noScript.close();
    }
  });
});
