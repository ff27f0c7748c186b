import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSignInLink, createUser } from '../../src/modules/accounts/accounts.service.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';

let site: ServedSite;
let browser: TestBrowser;
before(async () => {
  [site, browser] = await Promise.all([startServedSite(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

test('a new moderator follows their one-time link, chooses a password, approves a held comment and sees it on the article', async () => {
  const user = await createUser(site.site.content, {
    email: 'mira@example.org',
    name: 'Mira Moderator',
    role: 'moderator',
  });
  // The link names the site as the server knows it; the browser reaches it on its loopback port.
  const { url } = await createSignInLink({ ...site.site.content, baseUrl: site.origin }, user.id);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.getByLabel('New password', { exact: true }).fill('steppe and sea and careful reading');
  await page.getByLabel('New password again').fill('steppe and sea and careful reading');
  await page.getByRole('button', { name: /Set password/ }).click();
  // Signing in lands on the dashboard; the held comments are one link away.
  await page.waitForURL(/\/admin\/dashboard/);
  await page.getByRole('link', { name: /comments? (is|are) waiting for a moderator/ }).click();
  await page.waitForURL(/\/admin\/moderation/);
  assert.match((await page.getByRole('heading', { level: 1 }).textContent()) ?? '', /Comments/);

  // The demo's comment held for too many links is fine: approve it.
  const held = page.locator('article, li, section').filter({ hasText: 'Derek Paulson on' }).last();
  await held.getByRole('button', { name: 'Approve', exact: true }).click();
  await page.waitForURL(/notice=/);
  assert.equal(await page.getByText('Derek Paulson on').count(), 0, 'gone from the held queue');

  await page.goto(`${site.origin}/khalkhin-gol-1939/`);
  assert.ok(await page.locator('article.comment', { hasText: 'tabletop wargame scenario' }).isVisible());
  assert.deepEqual(errors, []);
  await page.close();
});
