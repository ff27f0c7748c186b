import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { moderateComment } from '../../src/modules/moderation/queue.service.ts';
import { launchBrowser, PHONE, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { type Article, createArticle, createComment, createUser, type TestUser } from '../support/factories.ts';
import { injectFormToken } from '../support/form-token.ts';
import { TEST_BASE_URL } from '../support/site.ts';
import { signInThroughForm } from '../support/staff-client.ts';

/**
 * Issue 16, the discussion as a reader meets it, on a phone (390×844) and a desktop (1440×900): replying in place
 * and cancelling, a held comment kept in sight of its writer alone, the routine first-comment hold as information,
 * the "Author" and "Staff" badges, actions big enough to tap, long threads folded (with and without JavaScript),
 * quoting from a selection, and a post without JavaScript landing on the form's message. The article and its
 * discussion are made here (test/support/factories.ts), each comment by an author of its own name.
 */

const SHOTS = '/var/tmp/shots/discussion';
const SIZES = [
  ['phone', PHONE],
  ['desktop', { width: 1440, height: 900 }],
] as const;
const PASSWORD = 'a discussion worth reading';
/** Words of Neil's comment a reader quotes. */
const PHRASE = 'the first clash at the river was on 11 May 1939';

/**
 * The discussion, in the order it was written: each comment's author, and the comment it answers. The thread
 * Brian starts has five replies, each answering the one before: more than the page shows unfolded.
 */
const DISCUSSION = {
  guest: { name: 'Margaret Ellery', parent: null },
  neil: { name: 'Neil Forsyth', parent: null },
  ingrid: { name: 'Ingrid Solheim', parent: 'neil' },
  rafael: { name: 'Rafael Ortiz', parent: null },
  colin: { name: 'Colin McBride', parent: 'rafael' },
  brian: { name: 'Brian Castellano', parent: null },
  hannah: { name: 'Hannah Brandt', parent: 'brian' },
  pavel: { name: 'Pavel Ilyin', parent: 'hannah' },
  marcus: { name: 'Marcus Webb', parent: 'pavel' },
  greta: { name: 'Greta Lind', parent: 'marcus' },
  aiko: { name: 'Aiko Fujimoto', parent: 'greta' },
  sam: { name: 'Sam Okafor', parent: null },
  bat: { name: 'Bat-Erdene Dashdorj', parent: null },
  yuki: { name: 'Yuki Morimoto', parent: null },
} as const;
type Key = keyof typeof DISCUSSION;

let site: ServedSite;
/** The reader, with JavaScript. */
let browser: TestBrowser;
/** Another person's browser, with JavaScript. */
let other: TestBrowser;
/** A reader whose browser runs no script. */
let plain: TestBrowser;
/** The article under discussion, by `writer` (whose comments carry the "Author" badge). */
let article: Article;
let writer: TestUser;
/** The comments each story reads: their ids and authors' names. */
let c: Record<Key, { id: number; name: string }>;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // One at a time: the machine is shared, and a site started while three browsers start can time out.
  // The discussion is written before the browsers start, so its renders do not wait on them.
  site = await startServedSite({ demo: false });
  // People type faster than the robot check allows in a test; the check itself is covered in the HTTP tests.
  await saveModerationSettings(site.site.content, { holdFirstComment: false, minFormSeconds: 0, floodSeconds: 0 });
  writer = await createUser(site, 'author', { name: 'Maren Holt', password: PASSWORD, byline: true });
  article = await createArticle(site, { authors: [writer.byline!] });
  c = await startDiscussion();
  browser = await launchBrowser();
  other = await launchBrowser();
  plain = await launchBrowser({ javaScriptEnabled: false });
});
after(async () => {
  await Promise.all([browser?.close(), other?.close(), plain?.close()]);
  await site?.close();
});

/** Writes DISCUSSION's comments on the article, a minute apart, approved. */
async function startDiscussion(): Promise<Record<Key, { id: number; name: string }>> {
  const made = {} as Record<Key, { id: number; name: string }>;
  for (const [key, { name, parent }] of Object.entries(DISCUSSION) as [Key, (typeof DISCUSSION)[Key]][]) {
    site.clock.set(new Date(site.clock.now().getTime() + 60_000));
    const body =
      key === 'neil'
        ? `Small correction: the article gives the wrong year, but ${PHRASE}.\n\nEverything else checks out.`
        : `${name} on the article, a comment of a few words.`;
    const { id } = await createComment(site, article, { name, body, parent: parent ? made[parent] : undefined });
    made[key] = { id, name };
  }
  return made;
}

async function open(b: TestBrowser, size: { width: number; height: number }, path = article.url) {
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
async function inView(element: Locator): Promise<boolean> {
  return element.evaluate((el) => {
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

let moderatorId: number | undefined;
/** A moderator's id, for approving as the queue does (made once). */
async function moderator(): Promise<number> {
  moderatorId ??= (await createUser(site, 'moderator', { name: 'Reading Moderator' })).id;
  return moderatorId;
}

/** A comment by `name` on this page (an article named by its author), folded ones too. */
const byName = (page: Page, name: string) => page.getByRole('article', { name, exact: true, includeHidden: true });

/** The comment form, by its heading: "Leave a comment", or "Reply to …" while it answers a comment. */
const commentForm = (page: Page, name = 'Leave a comment') => page.getByRole('form', { name, exact: true });

/** The id (or else the class) of the element just before the comment form: where on the page it stands. */
const formFollows = (form: Locator) =>
  form.evaluate((f) => f.previousElementSibling?.id || f.previousElementSibling?.className);

for (const [label, size] of SIZES) {
  describe(`the discussion on a ${label} (${size.width}×${size.height})`, () => {
    test('a reader replies in place, then cancels: the form goes back, nothing is sent', async () => {
      const { page, errors } = await open(browser, size);
      await byName(page, c.neil.name)
        .getByRole('link', { name: `Reply to ${c.neil.name}` })
        .click();
      const form = commentForm(page, `Reply to ${c.neil.name}`);
      assert.equal(await formFollows(form), `comment-${c.neil.id}`, 'under the comment');
      const box = page.getByLabel('Comment', { exact: true });
      assert.ok(await box.evaluate((el) => el === document.activeElement), 'focus in the form');
      assert.ok(await inView(box), 'the comment box is on screen');
      const words = `A reply I think better of (${label}).`;
      await box.fill(words);
      await shot(page, `${label}-reply-in-place`);

      await page.getByRole('button', { name: 'Cancel reply' }).click();
      const back = commentForm(page);
      assert.equal(
        await back.evaluate((f) =>
          f.previousElementSibling?.matches('ol.comment-list, .pagination, .comments-elsewhere'),
        ),
        true,
        'back in its place after the list',
      );
      assert.equal(await form.count(), 0, 'no longer a reply');
      assert.equal(await back.locator('input[name="parent_id"]').inputValue(), '');
      assert.equal(await page.getByRole('button', { name: 'Cancel reply' }).count(), 0);
      assert.equal(
        await page.evaluate(() => document.activeElement?.closest('article')?.id),
        `comment-${c.neil.id}`,
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
        await byName(page, c.rafael.name)
          .getByRole('link', { name: `Reply to ${c.rafael.name}` })
          .click();
        await page.getByLabel('Comment', { exact: true }).fill(words);
        await fillIdentity(page, 'Oyunaa Dorj', `oyunaa.${label}@example.net`);
        await page.getByRole('button', { name: 'Post comment' }).click();
        const held = page.getByRole('article').filter({ hasText: words });
        await held.waitFor();
        const badge = held.getByText('Awaiting moderation', { exact: true });
        assert.equal(await badge.count(), 1, 'marked as awaiting moderation');
        assert.equal(
          await held.evaluate((a) => a.closest('ol.comment-replies')?.closest('li')?.querySelector('article')?.id),
          `comment-${c.rafael.id}`,
          'under the comment it answers',
        );
        assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), '', 'the box is cleared');
        await page.getByRole('status').filter({ hasText: 'awaiting moderation' }).first().waitFor();

        await page.reload();
        await held.waitFor();
        assert.equal(await badge.count(), 1, 'still marked after a reload');
        assert.ok(await badge.isVisible());
        await held.scrollIntoViewIfNeeded();
        await shot(page, `${label}-held-comment`);

        const stranger = await open(other, size);
        await stranger.page.getByRole('heading', { name: /^\d+ comments$/ }).waitFor();
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
        await held.waitFor({ state: 'attached' });
        await page.waitForLoadState('networkidle');
        assert.equal(await held.getAttribute('id'), `comment-${stored!.id}`);
        assert.equal(await held.evaluate((a) => a.classList.contains('comment--held')), false);
        assert.equal(await held.getByText('Awaiting moderation').count(), 0, 'no longer marked');
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
        await page.getByLabel('Comment', { exact: true }).fill('How wide was the river at the crossing?');
        await fillIdentity(page, 'Elif Kaya', `elif.${label}@example.net`);
        await page.getByRole('button', { name: 'Check before posting' }).click();
        const form = commentForm(page);
        const info = form.getByRole('status').filter({ hasText: 'first comment from this email address' });
        await info.waitFor();
        const alerts = form.getByRole('alert', { includeHidden: true });
        assert.equal(await alerts.count(), 0, 'no alert');
        await info.scrollIntoViewIfNeeded();
        await shot(page, `${label}-first-comment-information`);
        await page.close();
      } finally {
        await saveModerationSettings(site.site.content, { holdFirstComment: false });
      }
    });

    test('Reply, Quote and Report are at least 24×24 px, and folded replies open in place', async () => {
      const { page, errors } = await open(browser, size);
      const actions = page.getByRole('article').getByRole('link', { name: /^(Reply to|Quote|Report comment by) / });
      const sizes = await actions.evaluateAll((links) =>
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

      const more = page.getByRole('link', { name: `Show 3 more replies in the thread started by ${c.brian.name}` });
      assert.equal(await byName(page, c.marcus.name).count(), 1);
      assert.equal(await byName(page, c.marcus.name).isVisible(), false, 'folded');
      await more.scrollIntoViewIfNeeded();
      await shot(page, `${label}-thread-folded`);
      const before = page.url();
      await more.click();
      await byName(page, c.aiko.name).waitFor();
      assert.equal(page.url(), before, 'opened in place');
      assert.equal(
        await page.evaluate(() => document.activeElement?.id),
        `comment-${c.marcus.id}`,
        'focus on the first opened',
      );
      assert.equal(await more.count(), 0);

      // Nesting: two levels of indent; on a phone deeper replies stay there and say whom they answer.
      const left = (key: Key) => byName(page, c[key].name).evaluate((a) => a.getBoundingClientRect().left);
      const replyTo = byName(page, c.marcus.name).getByText(`Reply to ${c.pavel.name}`, { exact: true });
      assert.equal(await replyTo.count(), 1, 'the deep reply says whom it answers');
      assert.ok((await left('hannah')) > (await left('brian')));
      assert.ok((await left('pavel')) > (await left('hannah')));
      if (label === 'phone') {
        assert.equal(await left('marcus'), await left('pavel'), 'no indent past two levels');
        assert.ok(await replyTo.isVisible());
        const text = byName(page, c.aiko.name).getByRole('paragraph').first();
        const width = await text.evaluate((p) => p.clientWidth);
        assert.ok(width >= 300, `a deep reply keeps ${width} px of text`);
      } else {
        assert.ok((await left('marcus')) > (await left('pavel')), 'indented on a wide screen');
        assert.equal(await replyTo.isVisible(), false);
      }
      await byName(page, c.marcus.name).scrollIntoViewIfNeeded();
      await shot(page, `${label}-thread-open`);
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('without JavaScript, "Show N more replies" opens the thread at its own address', async () => {
      const { page } = await open(plain, size);
      await page.getByRole('link', { name: `Show 3 more replies in the thread started by ${c.brian.name}` }).click();
      await page.waitForURL(`${site.origin}${article.url}thread/${c.brian.id}/#comment-${c.marcus.id}`);
      for (const key of ['brian', 'hannah', 'pavel', 'marcus', 'greta', 'aiko'] as const)
        assert.ok(await byName(page, c[key].name).isVisible(), `${c[key].name}'s comment is shown`);
      assert.ok(await inView(byName(page, c.marcus.name)), 'lands on the first reply that was folded');
      await shot(page, `${label}-thread-page-no-js`);
      await page.close();
    });

    test('selecting words in a comment shows "Quote" beside them, which quotes them in a reply in place', async () => {
      const { page, errors } = await open(browser, size);
      const body = byName(page, c.neil.name).getByRole('paragraph').filter({ hasText: PHRASE });
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
      }, PHRASE);
      const button = page.getByRole('button', { name: /^Quote the words you selected/ });
      await button.waitFor();
      const box = (await button.boundingBox())!;
      assert.ok(box.y >= rect.top - 60 && box.y <= rect.bottom + 60, 'beside the selection, not elsewhere');
      assert.ok(box.x >= 0 && box.x + box.width <= size.width, 'within the screen');
      assert.ok(box.width >= 24 && box.height >= 24);
      await shot(page, `${label}-quote-selection`);
      await button.click();
      assert.equal(await page.getByLabel('Quoted passage').inputValue(), PHRASE);
      assert.equal(
        await formFollows(commentForm(page, `Reply to ${c.neil.name}`)),
        `comment-${c.neil.id}`,
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
        const alert = commentForm(page).getByRole('alert');
        await alert.waitFor();
        assert.equal(new URL(page.url()).hash, '#respond-message');
        assert.ok(await inView(alert), 'the message is on screen');
        assert.match((await alert.textContent()) ?? '', /website/i);
        assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), words, 'the text is kept');
        await shot(page, `${label}-no-js-refused`);

        await page.getByLabel('Website (optional)').fill('');
        await page.getByRole('button', { name: 'Post comment' }).click();
        await page.waitForURL(/\?posted=held#respond-message$/);
        const notice = commentForm(page).getByRole('status').filter({ hasText: 'awaiting moderation' });
        assert.ok(await inView(notice), 'the notice is on screen');
        await shot(page, `${label}-no-js-held`);
        await page.close();
      } finally {
        await saveModerationSettings(site.site.content, { holdFirstComment: false });
      }
    });
  });
}

describe('badges', () => {
  /** Signs `user` in through the sign-in form, as their browser would; returns the session cookie. */
  async function signIn(user: TestUser): Promise<string> {
    return (await signInThroughForm(site.app, { email: user.email, password: PASSWORD })).cookie;
  }

  /** A comment by `user`, signed in, through the JSON API as the comment island sends it; returns its id. */
  async function commentAs(user: TestUser, words: string): Promise<number> {
    const res = await site.app.inject({
      method: 'POST',
      url: `/api/v1/posts/${article.slug}/comments`,
      headers: {
        origin: TEST_BASE_URL,
        'content-type': 'application/json',
        cookie: `${await signIn(user)}; ${await injectFormToken(site.app)}`,
      },
      payload: JSON.stringify({ body: words, parent_id: c.guest.id }),
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().comment.id;
  }

  test('the article’s author and staff carry a visible badge, at both sizes', async () => {
    const editor = await createUser(site, 'editor', { name: 'Ruth Adler', password: PASSWORD });
    const byAuthor = await commentAs(writer, 'Thank you, the sketch map took me a week.');
    const byStaff = await commentAs(editor, 'We have added the map’s sources below it.');
    for (const [label, size] of SIZES) {
      const { page } = await open(other, size);
      const author = byName(page, writer.name);
      const staff = byName(page, editor.name);
      assert.equal(await author.getAttribute('id'), `comment-${byAuthor}`);
      assert.equal(await staff.getAttribute('id'), `comment-${byStaff}`);
      assert.ok(await author.getByText('Author', { exact: true }).isVisible());
      assert.ok(await staff.getByText('Staff', { exact: true }).isVisible());
      const guest = byName(page, c.guest.name);
      assert.equal(await guest.getByText(/^(Author|Staff)$/).count(), 0, 'a guest has none');
      await author.scrollIntoViewIfNeeded();
      await shot(page, `${label}-badges`);
      await page.close();
    }
  });
});
