import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser, startSession } from '../../src/modules/accounts/accounts.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { moderateComment } from '../../src/modules/moderation/queue.service.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { launchBrowser, PHONE, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { injectFormToken } from '../support/form-token.ts';
import { TEST_BASE_URL } from '../support/site.ts';

/**
 * Issue 16, the discussion as a reader meets it, on a phone (390×844) and a desktop (1440×900): replying in place
 * and cancelling, a held comment kept in sight of its writer alone, the routine first-comment hold as information,
 * the "Author" and "Staff" badges, actions big enough to tap, long threads folded (with and without JavaScript),
 * quoting from a selection, and a post without JavaScript landing on the form's message.
 */

const ARTICLE = '/khalkhin-gol-1939/';
const SHOTS = '/var/tmp/shots/discussion';
const SIZES = [
  ['phone', PHONE],
  ['desktop', { width: 1440, height: 900 }],
] as const;

let site: ServedSite;
/** The reader, with JavaScript. */
let browser: TestBrowser;
/** Another person's browser, with JavaScript. */
let other: TestBrowser;
/** A reader whose browser runs no script. */
let plain: TestBrowser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // One at a time: the machine is shared, and a site started while three browsers start can time out.
  site = await startServedSite();
  browser = await launchBrowser();
  other = await launchBrowser();
  plain = await launchBrowser({ javaScriptEnabled: false });
  // People type faster than the robot check allows in a test; the check itself is covered in the HTTP tests.
  await saveModerationSettings(site.site.content, { holdFirstComment: false, minFormSeconds: 0, floodSeconds: 0 });
});
after(async () => {
  await Promise.all([browser?.close(), other?.close(), plain?.close()]);
  await site?.close();
});

async function open(b: TestBrowser, size: { width: number; height: number }, path = ARTICLE) {
  const page = await b.newPage(size);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(site.origin + path);
  return { page, errors };
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

/** Whether an element's box lies within the viewport (what the reader sees without scrolling). */
async function inView(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.top < window.innerHeight;
  });
}

async function fillIdentity(page: Page, name: string, email: string) {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Email (never shown)').fill(email);
}

const storedWith = (words: string) =>
  site.site.content.db.selectFrom('comments').select(['id', 'status']).where('body_md', '=', words).execute();

async function moderator() {
  const existing = await site.site.content.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', 'reading-moderator@example.org')
    .executeTakeFirst();
  if (existing) return existing.id;
  const user = await createUser(site.site.content, {
    email: 'reading-moderator@example.org',
    name: 'Reading Moderator',
    role: 'moderator',
  });
  return user.id;
}

for (const [label, size] of SIZES) {
  describe(`the discussion on a ${label} (${size.width}×${size.height})`, () => {
    test('a reader replies in place, then cancels: the form goes back, nothing is sent', async () => {
      const { page, errors } = await open(browser, size);
      await page.locator('article#comment-2').getByRole('link', { name: 'Reply to Neil Forsyth' }).click();
      const form = page.locator('form#respond');
      assert.equal(await form.evaluate((f) => f.previousElementSibling?.id), 'comment-2', 'under the comment');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'comment-body', 'focus in the form');
      assert.equal(await page.locator('#respond-heading').textContent(), 'Reply to Neil Forsyth');
      assert.ok(await inView(page, '#comment-body'), 'the comment box is on screen');
      const words = `A reply I think better of (${label}).`;
      await page.getByLabel('Comment', { exact: true }).fill(words);
      await shot(page, `${label}-reply-in-place`);

      await page.getByRole('button', { name: 'Cancel reply' }).click();
      assert.equal(
        await form.evaluate((f) =>
          f.previousElementSibling?.matches('ol.comment-list, .pagination, .comments-elsewhere'),
        ),
        true,
        'back in its place after the list',
      );
      assert.equal(await page.locator('#respond-heading').textContent(), 'Leave a comment');
      assert.equal(await form.locator('input[name="parent_id"]').inputValue(), '');
      assert.equal(await page.getByRole('button', { name: 'Cancel reply' }).count(), 0);
      assert.equal(
        await page.evaluate(() => document.activeElement?.closest('article')?.id),
        'comment-2',
        'focus back on the comment it came from',
      );
      assert.deepEqual(await storedWith(words), [], 'nothing was sent');
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('a held comment stays in sight of its writer after a reload, marked, and of nobody else', async () => {
      await saveModerationSettings(site.site.content, { holdFirstComment: true });
      try {
        const words = `Were the Mongolian cavalry divisions under Soviet command from the start? (${label})`;
        const { page, errors } = await open(browser, size);
        await page
          .locator('article#comment-4')
          .getByRole('link', { name: /^Reply to / })
          .click();
        await page.getByLabel('Comment', { exact: true }).fill(words);
        await fillIdentity(page, 'Oyunaa Dorj', `oyunaa.${label}@example.net`);
        await page.getByRole('button', { name: 'Post comment' }).click();
        const held = page.locator('article.comment--held', { hasText: words });
        await held.waitFor();
        assert.match((await held.textContent()) ?? '', /Awaiting moderation/);
        assert.equal(
          await held.evaluate((a) => a.closest('ol.comment-replies')?.closest('li')?.querySelector('article')?.id),
          'comment-4',
          'under the comment it answers',
        );
        assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), '', 'the box is cleared');
        await page.getByRole('status').filter({ hasText: 'awaiting moderation' }).first().waitFor();

        await page.reload();
        await held.waitFor();
        assert.match((await held.locator('.comment__badge--held').textContent()) ?? '', /^Awaiting moderation$/);
        await held.scrollIntoViewIfNeeded();
        await shot(page, `${label}-held-comment`);

        const stranger = await open(other, size);
        await stranger.page.locator('#comments').waitFor();
        await stranger.page.waitForLoadState('networkidle');
        assert.equal(await stranger.page.getByText(words).count(), 0, 'another browser does not see it');
        await stranger.page.close();

        const [stored] = await storedWith(words);
        assert.equal(stored?.status, 'held');
        await moderateComment(
          { ...site.site.content, baseUrl: site.origin },
          { commentId: stored!.id, action: 'approve', moderatorId: await moderator() },
        );
        await page.reload();
        const approved = page.locator(`article#comment-${stored!.id}`);
        await approved.waitFor({ state: 'attached' });
        await page.waitForLoadState('networkidle');
        assert.equal(await approved.evaluate((a) => a.classList.contains('comment--held')), false);
        assert.doesNotMatch((await approved.textContent()) ?? '', /Awaiting moderation/);
        assert.equal(await page.evaluate(() => localStorage.getItem('annalist-held-comments')), null, 'key let go');
        assert.deepEqual(errors, []);
        await page.close();
      } finally {
        await saveModerationSettings(site.site.content, { holdFirstComment: false });
      }
    });

    test('"Check before posting" shows the routine first-comment hold as information, not an alert', async () => {
      await saveModerationSettings(site.site.content, { holdFirstComment: true });
      try {
        const { page } = await open(browser, size);
        await page.getByLabel('Comment', { exact: true }).fill('How wide was the Khalkhin Gol at the crossing?');
        await fillIdentity(page, 'Elif Kaya', `elif.${label}@example.net`);
        await page.getByRole('button', { name: 'Check before posting' }).click();
        const info = page.locator('form#respond .form-info');
        await info.waitFor();
        assert.match((await info.textContent()) ?? '', /first comment from this email address/);
        assert.equal(await info.getAttribute('role'), 'status');
        assert.equal(await page.locator('form#respond [role="alert"]').count(), 0, 'no alert');
        await info.scrollIntoViewIfNeeded();
        await shot(page, `${label}-first-comment-information`);
        await page.close();
      } finally {
        await saveModerationSettings(site.site.content, { holdFirstComment: false });
      }
    });

    test('Reply, Quote and Report are at least 24×24 px, and folded replies open in place', async () => {
      const { page, errors } = await open(browser, size);
      const sizes = await page.locator('.comment__actions a').evaluateAll((links) =>
        links
          .filter((a) => a.checkVisibility())
          .slice(0, 30)
          .map((a) => {
            const r = a.getBoundingClientRect();
            return { text: a.textContent, width: r.width, height: r.height };
          }),
      );
      assert.equal(sizes.length, 30);
      for (const s of sizes) assert.ok(s.width >= 24 && s.height >= 24, `${s.text}: ${s.width}×${s.height}`);

      const thread = page.locator('ol.comment-list > li').filter({ has: page.locator('article#comment-12') });
      const more = thread.getByRole('link', { name: /^Show 3 more replies/ });
      assert.equal(await page.locator('article#comment-15').isVisible(), false, 'folded');
      await more.scrollIntoViewIfNeeded();
      await shot(page, `${label}-thread-folded`);
      const before = page.url();
      await more.click();
      await page.locator('article#comment-18').waitFor();
      assert.equal(page.url(), before, 'opened in place');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'comment-15', 'focus on the first opened');
      assert.equal(await more.count(), 0);

      // Nesting: two levels of indent; on a phone deeper replies stay there and say whom they answer.
      const left = (id: number) =>
        page.locator(`article#comment-${id}`).evaluate((a) => a.getBoundingClientRect().left);
      const replyTo = page.locator('article#comment-15 .comment__reply-to');
      assert.ok((await left(13)) > (await left(12)));
      assert.ok((await left(14)) > (await left(13)));
      if (label === 'phone') {
        assert.equal(await left(15), await left(14), 'no indent past two levels');
        assert.ok(await replyTo.isVisible());
        assert.match((await replyTo.textContent()) ?? '', /^Reply to \S/);
        const width = await page.locator('article#comment-18 .comment__body').evaluate((b) => b.clientWidth);
        assert.ok(width >= 300, `a deep reply keeps ${width} px of text`);
      } else {
        assert.ok((await left(15)) > (await left(14)), 'indented on a wide screen');
        assert.equal(await replyTo.isVisible(), false);
      }
      await page.locator('article#comment-15').scrollIntoViewIfNeeded();
      await shot(page, `${label}-thread-open`);
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('without JavaScript, "Show N more replies" opens the thread at its own address', async () => {
      const { page } = await open(plain, size);
      await page.locator('a[data-more="12"]', { hasText: 'Show 3 more replies' }).click();
      await page.waitForURL(/\/khalkhin-gol-1939\/thread\/12\/#comment-15$/);
      for (const id of [12, 13, 14, 15, 17, 18]) assert.ok(await page.locator(`article#comment-${id}`).isVisible());
      assert.ok(await inView(page, 'article#comment-15'), 'lands on the first reply that was folded');
      await shot(page, `${label}-thread-page-no-js`);
      await page.close();
    });

    test('selecting words in a comment shows "Quote" beside them, which quotes them in a reply in place', async () => {
      const { page, errors } = await open(browser, size);
      const phrase = 'the first clash at the river was on 11 May 1939';
      const body = page.locator('article#comment-2 .comment__body p').first();
      await body.scrollIntoViewIfNeeded();
      const rect = await body.evaluate((p, words) => {
        const node = [...p.childNodes].find((n) => n.textContent?.includes(words))!;
        const start = node.textContent!.indexOf(words);
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, start + words.length);
        document.getSelection()!.removeAllRanges();
        document.getSelection()!.addRange(range);
        const r = range.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
      }, phrase);
      const button = page.getByRole('button', { name: /^Quote the words you selected/ });
      await button.waitFor();
      const box = (await button.boundingBox())!;
      assert.ok(box.y >= rect.top - 60 && box.y <= rect.bottom + 60, 'beside the selection, not elsewhere');
      assert.ok(box.x >= 0 && box.x + box.width <= size.width, 'within the screen');
      assert.ok(box.width >= 24 && box.height >= 24);
      await shot(page, `${label}-quote-selection`);
      await button.click();
      assert.equal(await page.getByLabel('Quoted passage').inputValue(), phrase);
      assert.equal(
        await page.locator('form#respond').evaluate((f) => f.previousElementSibling?.id),
        'comment-2',
        'the reply opens under that comment',
      );
      assert.equal(await button.isVisible(), false);
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('without JavaScript, a refused post and a held one land on the message at the form', async () => {
      await saveModerationSettings(site.site.content, { holdFirstComment: true });
      try {
        const { page } = await open(plain, size);
        await plain.context.clearCookies();
        const words = `A comment with a website that is not one (${label}).`;
        await page.getByLabel('Comment', { exact: true }).fill(words);
        await fillIdentity(page, 'Tuya Bold', `tuya.${label}@example.net`);
        await page.getByLabel('Website (optional)').fill('ftp://example.net/tuya');
        await page.getByRole('button', { name: 'Post comment' }).click();
        // No form token without JavaScript: the first post is confirmed once (decision 035), then checked.
        await page.getByRole('button', { name: 'Send comment' }).click();
        await page.locator('#respond-message').waitFor();
        assert.match(page.url(), /#respond-message$/);
        assert.ok(await inView(page, '#respond-message'), 'the message is on screen');
        assert.match((await page.locator('#respond-message [role="alert"]').textContent()) ?? '', /website/i);
        assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), words, 'the text is kept');
        await shot(page, `${label}-no-js-refused`);

        await page.getByLabel('Website (optional)').fill('');
        await page.getByRole('button', { name: 'Post comment' }).click();
        await page.waitForURL(/\?posted=held#respond-message$/);
        assert.ok(await inView(page, '#respond-message'), 'the notice is on screen');
        assert.match((await page.locator('#respond-message').textContent()) ?? '', /awaiting moderation/);
        await shot(page, `${label}-no-js-held`);
        await page.close();
      } finally {
        await saveModerationSettings(site.site.content, { holdFirstComment: false });
      }
    });
  });
}

describe('badges', () => {
  async function commentAs(role: UserRole, name: string, byline: boolean, words: string): Promise<number> {
    const db = site.site.content.db;
    const user = await createUser(site.site.content, { email: `${name.split(' ')[0]}@badges.example`, name, role });
    if (byline) {
      const a = await db
        .selectFrom('post_authors')
        .innerJoin('posts', 'posts.id', 'post_authors.post_id')
        .select('post_authors.author_id')
        .where('posts.slug', '=', 'khalkhin-gol-1939')
        .executeTakeFirstOrThrow();
      await db.updateTable('users').set({ author_id: a.author_id }).where('id', '=', user.id).execute();
    }
    const row = await db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    const { token } = await startSession(site.site.content, row);
    const res = await site.app.inject({
      method: 'POST',
      url: '/api/v1/posts/khalkhin-gol-1939/comments',
      headers: {
        origin: TEST_BASE_URL,
        'content-type': 'application/json',
        cookie: `annalist_session=${token}; ${await injectFormToken(site.app)}`,
      },
      payload: JSON.stringify({ body: words, parent_id: 1 }),
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().comment.id;
  }

  test('the article’s author and staff carry a visible badge, at both sizes', async () => {
    const byAuthor = await commentAs('author', 'Maren Holt', true, 'Thank you, the sketch map took me a week.');
    const byStaff = await commentAs('editor', 'Ruth Adler', false, 'We have added the map’s sources below it.');
    for (const [label, size] of SIZES) {
      const { page } = await open(other, size);
      const author = page.locator(`article#comment-${byAuthor} .comment__header`);
      const staff = page.locator(`article#comment-${byStaff} .comment__header`);
      assert.ok(await author.getByText('Author', { exact: true }).isVisible());
      assert.ok(await staff.getByText('Staff', { exact: true }).isVisible());
      assert.equal(await page.locator('article#comment-1 .comment__badge').count(), 0, 'a guest has none');
      await author.scrollIntoViewIfNeeded();
      await shot(page, `${label}-badges`);
      await page.close();
    }
  });
});
