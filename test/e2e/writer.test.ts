import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { JobWorker } from '../../src/modules/jobs/job-worker.ts';
import { PUBLISH_POST, publishPostHandler } from '../../src/modules/jobs/publish-post.job.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { TestClock } from '../support/site.ts';

// 10:00 in London (the demo site's time zone, summer time).
const NOW = '2025-09-01T09:00:00.000Z';
const PASSWORD = 'steppe and sea and careful reading';

let site: ServedSite;
let browser: TestBrowser;
before(async () => {
  // axe is injected as a script, so this browser bypasses the CSP; the island itself is an external script.
  [site, browser] = await Promise.all([
    startServedSite({ clock: new TestClock(new Date(NOW)) }),
    launchBrowser({ bypassCSP: true }),
  ]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

async function expectNoAxeViolations(page: Page, name: string) {
  const violations = await axeViolations(page);
  assert.equal(violations.length, 0, describeViolations(name, violations));
}

test('a writer writes a post with a footnote and a figure, checks it, schedules it, sees it publish, edits it and restores a revision', async () => {
  const db = site.site.content.db;
  const user = await createUser(site.site.content, {
    email: 'elena@example.org',
    name: 'Elena Markova',
    role: 'author',
  });
  await setPassword(site.site.content, { userId: user.id, password: PASSWORD });
  const byline = await db
    .selectFrom('authors')
    .select('id')
    .where('slug', '=', 'elena-markova')
    .executeTakeFirstOrThrow();
  await db.updateTable('users').set({ author_id: byline.id }).where('id', '=', user.id).execute();

  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(`${site.origin}/admin/sign-in?next=/admin/posts`);
  await page.getByLabel('Email').fill('elena@example.org');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: /Sign in/ }).click();
  await page.waitForURL(/\/admin\/posts$/);
  await expectNoAxeViolations(page, 'posts list');

  // Write the post: a footnote, a figure from the media folder, and a typo for the checks to find.
  await page.getByRole('link', { name: 'Write a new post' }).click();
  await page.waitForURL(/\/admin\/posts\/new/);
  await page.getByLabel('Title', { exact: true }).fill('The crossing at Bain Tsagan');
  await page.getByLabel('Slug').fill('bain-tsagan-crossing');
  const body = page.getByLabel('Body (Markdown)');
  await body.fill(
    [
      'In early July 1939 the Japanese crossed the Khalkha at Bain Tsagan.[^1]',
      '',
      '::figure[The river and the heights]{src=/media/khalkhin-gol-map.svg alt="Map of the Khalkha river and the Bain Tsagan heights" credit="Annalist demo"}',
      '',
      'The batte for the heights lasted three days.',
      '',
      '[^1]: Coox, *Nomonhan*, chapter 14.',
    ].join('\n'),
  );
  // The live preview follows the typing, rendered by the public pipeline.
  const preview = page.locator('.editor__preview-body');
  await preview.locator('section.footnotes').waitFor();
  await preview.locator('figure img[alt="Map of the Khalkha river and the Bain Tsagan heights"]').waitFor();
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.waitForURL(/\/admin\/posts\/\d+\?notice=created/);
  const postId = Number(/\/admin\/posts\/(\d+)/.exec(page.url())![1]);
  assert.ok(await page.getByText('The post is saved as a draft.').isVisible());

  await page.getByLabel('Body (Markdown)').press('End');
  await page.getByLabel('Body (Markdown)').pressSequentially('\n\nZhukov watched from Hamar-Daba.');
  await preview.getByText('Zhukov watched from Hamar-Daba.').waitFor();
  // Leaving the body keeps what was typed automatically, without saving the post.
  await page.getByLabel('Title', { exact: true }).focus();
  await page.getByText(/Kept automatically at/).waitFor();
  await expectNoAxeViolations(page, 'editor');

  // Distraction-free mode hides everything but the writing; Escape brings it back.
  await page.getByRole('button', { name: 'Distraction-free mode' }).click();
  assert.equal(await page.getByLabel('Tags').isVisible(), false);
  assert.equal(await page.locator('.site-header').isVisible(), false);
  await page.keyboard.press('Escape');
  assert.ok(await page.getByLabel('Tags').isVisible());

  // The checks warn about the typo; they do not stop anything.
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByRole('heading', { name: 'Checks' }).waitFor();
  assert.ok(await page.locator('#preflight').getByText('batte').first().isVisible());

  // Schedule two minutes ahead (London time): the checks come up again first, then "Schedule anyway".
  await page.getByLabel(/Publication time \(Europe\/London\)/).fill('2025-09-01T10:02');
  await page.getByRole('button', { name: 'Schedule', exact: true }).click();
  await page.getByRole('button', { name: 'Schedule anyway' }).click();
  await page.waitForURL(/notice=scheduled/);
  assert.ok(await page.getByText('The post is scheduled').isVisible());
  const reader = await browser.newPage();
  assert.equal((await reader.goto(`${site.origin}/bain-tsagan-crossing/`))?.status(), 404);
  // Time passes; the durable job table's worker (as main.ts runs it) publishes the post.
  site.clock.set('2025-09-01T09:03:00.000Z');
  const jobs = new JobWorker({ db, clock: site.clock }).register(PUBLISH_POST, publishPostHandler(site.site.content));
  assert.equal(await jobs.runDue(), 1);
  const stored = await db.selectFrom('posts').select('status').where('id', '=', postId).executeTakeFirstOrThrow();
  assert.equal(stored.status, 'published');
  assert.equal((await reader.goto(`${site.origin}/bain-tsagan-crossing/`))?.status(), 200);
  assert.ok(await reader.getByRole('heading', { level: 1, name: 'The crossing at Bain Tsagan' }).isVisible());
  assert.ok(await reader.locator('section.footnotes').getByText(/Coox/).isVisible());
  assert.ok(await reader.getByText('Zhukov watched from Hamar-Daba.').isVisible());

  // Edit the published post.
  await page.goto(`${site.origin}/admin/posts/${postId}`);
  const text = await page.getByLabel('Body (Markdown)').inputValue();
  await page.getByLabel('Body (Markdown)').fill(text.replace('three days', 'four days'));
  await page.getByRole('button', { name: 'Update' }).click();
  await page.waitForURL(/notice=saved/);
  await reader.reload();
  assert.ok(await reader.getByText(/lasted four days/).isVisible());

  // Compare the last two revisions, then restore the scheduled text.
  await page.getByRole('link', { name: 'Revisions' }).click();
  await page.waitForURL(/\/revisions$/);
  await expectNoAxeViolations(page, 'revisions');
  await page.getByRole('button', { name: 'Compare the chosen revisions' }).click();
  await page.waitForURL(/\/revisions\/compare\?/);
  assert.ok(await page.locator('del', { hasText: 'three' }).first().isVisible());
  assert.ok(await page.locator('ins', { hasText: 'four' }).first().isVisible());
  await expectNoAxeViolations(page, 'revision comparison');
  const restore = page.getByRole('button', { name: /^Restore revision \d+$/ });
  await restore.first().click();
  await page.waitForURL(/notice=restored/);
  await reader.reload();
  assert.ok(await reader.getByText(/lasted three days/).isVisible());

  assert.deepEqual(errors, []);
  await reader.close();
  await page.close();
});
