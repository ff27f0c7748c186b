import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser } from '../../src/modules/accounts/accounts.service.ts';
import { recountPostComments } from '../../src/modules/comments/comment.repository.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { moderateComment } from '../../src/modules/moderation/queue.service.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';

let site: ServedSite;
let browser: TestBrowser;
const ARTICLE = '/khalkhin-gol-1939/';

before(async () => {
  [site, browser] = await Promise.all([startServedSite(), launchBrowser()]);
  // People type faster than the robot check allows in a test; the check itself is covered in the HTTP tests.
  await saveModerationSettings(site.site.content, { holdFirstComment: false, minFormSeconds: 0, floodSeconds: 0 });
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

describe('a reader with JavaScript takes part in the discussion', () => {
  test('posts a comment and sees it appear in place, without leaving the page', async () => {
    await browser.context.clearCookies({ name: 'annalist_form' });
    const { page, errors } = await open(ARTICLE);
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
    await page.getByRole('button', { name: 'Post comment' }).click();
    const posted = page.locator('article.comment', { hasText: '700 km of dirt road' });
    await posted.waitFor();
    assert.equal(navigated, false, 'no page load');
    assert.match(page.url(), /#comment-\d+$/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a post that fails keeps every word and says what to fix', async () => {
    const { page } = await open(ARTICLE);
    const words = 'A careful comment that must not be lost when the address is wrong.';
    await page.getByLabel('Comment', { exact: true }).fill(words);
    await fillIdentity(page, 'Ana Sousa', 'not an address');
    // The browser's own check would stop the form; the island posts anyway so the server's message is shown.
    await page.locator('form#respond').evaluate((f) => f.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.getByRole('alert').filter({ hasText: 'That is not an email address' }).waitFor();
    assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), words);
    await page.reload();
    assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), words, 'the draft survives a reload');
    await page.close();
  });

  test('selects a passage of a comment, quotes it, and the reply shows the attributed quote', async () => {
    const { page } = await open(ARTICLE);
    const target = page.locator('article.comment').filter({ hasText: 'driver-mechanic in a BT-7' }).first();
    const paragraph = target.locator('.comment__body p').first();
    // Select the words "driver-mechanic in a BT-7" inside the comment.
    await paragraph.evaluate((p) => {
      const node = [...p.childNodes].find((n) => n.textContent?.includes('driver-mechanic in a BT-7'))!;
      const start = node.textContent!.indexOf('driver-mechanic in a BT-7');
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, start + 'driver-mechanic in a BT-7'.length);
      document.getSelection()!.removeAllRanges();
      document.getSelection()!.addRange(range);
    });
    await target.getByRole('link', { name: /^Quote/ }).click();
    assert.equal(await page.getByLabel('Quoted passage').inputValue(), 'driver-mechanic in a BT-7');
    assert.match((await page.locator('#respond-heading').textContent()) ?? '', /^Reply to Irina Solovyova$/);
    await page.getByLabel('Comment', { exact: true }).fill('Which brigade commander did he serve under?');
    await fillIdentity(page, 'Lena Fischer', 'lena@example.net');
    await page.getByRole('button', { name: 'Post comment' }).click();
    const reply = page.locator('article.comment', { hasText: 'Which brigade commander' });
    await reply.waitFor();
    assert.equal(await reply.locator('blockquote.comment-quote p').first().textContent(), 'driver-mechanic in a BT-7');
    assert.equal(await reply.locator('.comment-quote__source a').textContent(), 'Irina Solovyova');
    await page.close();
  });

  test('checks a comment before posting and is told why it may be held, without posting it', async () => {
    await saveModerationSettings(site.site.content, {
      holdFirstComment: false,
      minFormSeconds: 0,
      floodSeconds: 0,
      maxLinks: 1,
    });
    const { page } = await open(ARTICLE);
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
      const { page, errors } = await open(ARTICLE);
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
      await page.locator('article.comment', { hasText: 'Boeicho archive' }).waitFor();
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
    // Enough new threads to push the last one onto comments page 2.
    const post = await site.site.content.db
      .selectFrom('posts')
      .select('id')
      .where('slug', '=', 'khalkhin-gol-1939')
      .executeTakeFirstOrThrow();
    const now = Date.now();
    let lastId = 0;
    for (let i = 0; i < 55; i++) {
      const row = await site.site.content.db
        .insertInto('comments')
        .values({
          post_id: post.id,
          parent_id: null,
          thread_id: null,
          author_name: `Reader ${i}`,
          author_email: `reader${i}@example.net`,
          author_url: null,
          user_id: null,
          body_md: `Thread number ${i}.`,
          body_html: `<p>Thread number ${i}.</p>`,
          quoted_comment_id: null,
          quoted_text: null,
          status: 'approved',
          created_at: new Date(now + i * 1000).toISOString(),
          approved_at: new Date(now + i * 1000).toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      lastId = row.id;
    }
    await recountPostComments(site.site.content.db, post.id);
    site.site.content.noteWrite();
    const { page } = await open(`${ARTICLE}#comment-${lastId}`);
    await page.waitForURL(/cpage=2#comment-\d+$/);
    await page.locator(`article#comment-${lastId}`).waitFor();
    assert.ok(await page.locator(`article#comment-${lastId}`).isVisible());
    await page.close();
  });

  test('in a discussion too long for pointers, a permalink still lands, through the permalink route', async () => {
    const db = site.site.content.db;
    const post = await db
      .selectFrom('posts')
      .select('id')
      .where('slug', '=', 'khalkhin-gol-1939')
      .executeTakeFirstOrThrow();
    const start = Date.now() + 100_000;
    const ids: number[] = [];
    for (let i = 0; i < 320; i++) {
      const at = new Date(start + i * 1000).toISOString();
      const row = await db
        .insertInto('comments')
        .values({
          post_id: post.id,
          parent_id: null,
          thread_id: null,
          author_name: `Later reader ${i}`,
          author_email: `later${i}@example.net`,
          author_url: null,
          user_id: null,
          body_md: `Later thread ${i}.`,
          body_html: `<p>Later thread ${i}.</p>`,
          quoted_comment_id: null,
          quoted_text: null,
          status: 'approved',
          created_at: at,
          approved_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    await recountPostComments(db, post.id);
    site.site.content.noteWrite();
    const target = ids[200]!; // a thread on comments page 5 or so: no pointer to it on page 1
    const { page } = await open(`${ARTICLE}#comment-${target}`);
    await page.waitForURL(/cpage=\d+#comment-\d+$/);
    assert.equal(await page.locator('.comments-elsewhere').count(), 0, 'no pointer block on so long a discussion');
    await page.locator(`article#comment-${target}`).waitFor();
    assert.ok(await page.locator(`article#comment-${target}`).isVisible());
    await page.close();
  });
});

describe('a reader without JavaScript takes part in the discussion', () => {
  test('posts a first comment through “Confirm your comment”, which keeps every word; the next goes straight in', async () => {
    const noScript = await launchBrowser({ javaScriptEnabled: false });
    try {
      const page = await noScript.newPage();
      // An article of its own: the tests above leave Khalkhin-Gol's discussion hundreds of threads long.
      await page.goto(`${site.origin}/tsushima-1905/`);
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
      await page.locator('article.comment', { hasText: 'confirmed once, then posted' }).waitFor();
      assert.match(page.url(), /#comment-\d+$/);
      // The answer brought the next token: a second comment from this browser needs no confirming.
      await page.getByLabel('Comment', { exact: true }).fill('And a second thought, posted at once.');
      await fillIdentity(page, 'Sükhbaatar Dorj', 'dorj@example.net');
      await page.getByRole('button', { name: 'Post comment' }).click();
      await page.locator('article.comment', { hasText: 'a second thought, posted at once' }).waitFor();
      assert.match(page.url(), /#comment-\d+$/);
    } finally {
      await noScript.close();
    }
  });
});
