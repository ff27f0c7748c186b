import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createSignInLink, createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { renderCommentMarkdown } from '../../src/modules/comments/comment-markdown.ts';
import type { CommentStatus } from '../../src/storage/schema.ts';
import { type AxeViolation, axeViolations, describeViolations } from '../support/axe.ts';
import { DESKTOP, launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { TEST_BASE_URL } from '../support/site.ts';
import { signInThroughForm } from '../support/staff-client.ts';
import { htmlErrors } from '../support/vnu.ts';

const PASSWORD = 'a long moderator passphrase';

let site: ServedSite;
let browser: TestBrowser;
let cookie: string;
let welcomePath: string;

async function addComment(status: CommentStatus, body: string, reasons: { code: string; message: string }[]) {
  const db = site.site.content.db;
  const post = await db
    .selectFrom('posts')
    .select('id')
    .where('slug', '=', 'khalkhin-gol-1939')
    .executeTakeFirstOrThrow();
  const { id } = await db
    .insertInto('comments')
    .values({
      post_id: post.id,
      parent_id: null,
      thread_id: null,
      author_name: 'Hattie Held',
      author_email: 'hattie@example.net',
      author_url: 'https://hattie.example',
      user_id: null,
      body_md: body,
      body_html: renderCommentMarkdown(body).html,
      quoted_comment_id: null,
      quoted_text: null,
      status,
      reasons_json: JSON.stringify(reasons.map((r) => ({ phase: 'test', ...r }))),
      ip: '203.0.113.5',
      user_agent: 'test',
      created_at: site.clock.now().toISOString(),
      report_count: 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.updateTable('comments').set({ thread_id: id }).where('id', '=', id).execute();
}

before(async () => {
  // The site's CSP forbids inline script, so this browser bypasses it to inject axe.
  [site, browser] = await Promise.all([startServedSite(), launchBrowser({ bypassCSP: true })]);
  const deps = { db: site.site.content.db, clock: site.clock, baseUrl: TEST_BASE_URL };
  const mod = await createUser(deps, { email: 'mod@example.org', name: 'Morgan Mod', role: 'moderator' });
  await setPassword(deps, { userId: mod.id, password: PASSWORD });
  const newcomer = await createUser(deps, { email: 'new@example.org', name: 'Nia New', role: 'editor' });
  welcomePath = (await createSignInLink(deps, newcomer.id)).url.slice(TEST_BASE_URL.length);
  await addComment('held', 'A *held* comment with [a link](https://example.com) and a list:\n\n- one\n- two', [
    { code: 'FIRST_COMMENT', message: 'First comment from this address.' },
    { code: 'TOO_MANY_LINKS', message: 'Three links.' },
  ]);
  await addComment('held', 'Another held comment, quoting:\n\n> an earlier line', [
    { code: 'MODERATION_WORD', message: 'Watched word.' },
  ]);
  await addComment('spam', 'Buy cheap pills', [{ code: 'SPAM_CLASSIFIER', message: 'Looks like spam.' }]);
  await site.site.content.db
    .insertInto('bans')
    .values({
      kind: 'ip',
      value: '203.0.113.9',
      reason: 'Flooding',
      created_at: site.clock.now().toISOString(),
      expires_at: null,
    })
    .execute();
  ({ cookie } = await signInThroughForm(site.app, { email: 'mod@example.org', password: PASSWORD }));
});
after(async () => {
  await browser?.close();
  await site?.close();
});

/** Pages a moderator sees (signed in), and the two seen before signing in. */
const SIGNED_IN_PAGES: Record<string, string> = {
  'held queue': '/admin/moderation',
  'spam queue': '/admin/moderation?status=spam',
  'empty trash': '/admin/moderation?status=trash',
  'filtered queue': '/admin/moderation?reason=FIRST_COMMENT&author=hattie',
  bans: '/admin/bans?notice=ban',
};
const SIGNED_OUT_PAGES = (): Record<string, string> => ({
  'sign in': '/admin/sign-in?notice=signed-out',
  welcome: welcomePath,
});

async function violationsOn(page: Page, url: string): Promise<AxeViolation[]> {
  const res = await page.goto(site.origin + url);
  assert.equal(res?.status(), 200, `${url} answers 200`);
  assert.equal(new URL(page.url()).pathname, new URL(site.origin + url).pathname, `${url} is not a redirect`);
  return axeViolations(page);
}

describe('administration pages', () => {
  test('a moderator signed in finds no axe violations on the queue, its tabs and the bans page, light and dark', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      await browser.context.addCookies([{ name: 'annalist_session', value: cookie.split('=')[1]!, url: site.origin }]);
      const failures: string[] = [];
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const [name, url] of Object.entries(SIGNED_IN_PAGES)) {
          const violations = await violationsOn(page, url);
          if (violations.length > 0) failures.push(describeViolations(`${name} (${scheme})`, violations));
        }
      }
      // Details opened: the edit, reply and ban forms must pass too.
      await page.emulateMedia({ colorScheme: 'light' });
      await page.goto(`${site.origin}/admin/moderation`);
      for (const summary of await page.locator('main summary').all()) await summary.click();
      const opened = await axeViolations(page);
      if (opened.length > 0) failures.push(describeViolations('queue with every form open', opened));
      assert.equal(failures.length, 0, `axe violations:\n${failures.join('\n')}`);
      assert.ok(await page.getByRole('button', { name: 'Approve' }).first().isVisible());
      assert.ok(await page.getByLabel('Comment text (Markdown)').first().isVisible());
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });

  test('a person not signed in finds no axe violations on the sign-in and welcome pages', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      const failures: string[] = [];
      for (const [name, url] of Object.entries(SIGNED_OUT_PAGES())) {
        const violations = await violationsOn(page, url);
        if (violations.length > 0) failures.push(describeViolations(name, violations));
      }
      assert.equal(failures.length, 0, `axe violations:\n${failures.join('\n')}`);
    } finally {
      await page.close();
    }
  });

  test('every administration page is valid HTML according to the Nu validator', async () => {
    const pages = [
      ...Object.entries(SIGNED_IN_PAGES).map(([n, u]) => [n, u, cookie] as const),
      ...Object.entries(SIGNED_OUT_PAGES()).map(([n, u]) => [n, u, undefined] as const),
    ];
    const fetched: { name: string; html: string }[] = [];
    for (const [name, url, withCookie] of pages) {
      const res = await site.app.inject({ method: 'GET', url, headers: withCookie ? { cookie: withCookie } : {} });
      assert.equal(res.statusCode, 200, `${name} (${url})`);
      fetched.push({ name: `${name} (${url})`, html: res.body });
    }
    const errors = await htmlErrors(fetched);
    assert.equal(errors.length, 0, `validator errors:\n${errors.join('\n')}`);
  });
});
