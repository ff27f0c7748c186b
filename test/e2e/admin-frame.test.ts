import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { signInThroughForm } from '../support/staff-client.ts';

// Issue 16: the administration's frame on a phone and a desktop: the navigation in three groups (folded on a
// phone), "View site" on every page, nothing wider than the screen, the revisions page and the report form.

const SHOTS = '/var/tmp/shots/admin';
const PHONE = { width: 390, height: 844 };
const WIDE = { width: 1440, height: 900 };
const PASSWORD = 'a long passphrase for the owner';

let site: ServedSite;
let browser: TestBrowser;
let revisionsUrl: string;
let reportUrl: string;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [site, browser] = await Promise.all([startServedSite(), launchBrowser({ bypassCSP: true })]);
  const db = site.site.content.db;
  const deps = { db, clock: site.clock };
  const owner = await createUser(deps, { email: 'owen@example.org', name: 'Owen Owner', role: 'owner' });
  await setPassword(deps, { userId: owner.id, password: PASSWORD });
  const { token: session } = await signInThroughForm(site.app, { email: 'owen@example.org', password: PASSWORD });
  await browser.context.addCookies([{ name: 'annalist_session', value: session, url: site.origin }]);
  // The post with the most revisions: its list has compare buttons and Restore.
  const most = await db
    .selectFrom('post_revisions')
    .select((eb) => ['post_id', eb.fn.countAll<number>().as('n')])
    .groupBy('post_id')
    .orderBy('n', 'desc')
    .executeTakeFirstOrThrow();
  revisionsUrl = `/admin/posts/${most.post_id}/revisions`;
  const comment = await db
    .selectFrom('comments')
    .select('id')
    .where('status', '=', 'approved')
    .orderBy('id')
    .executeTakeFirstOrThrow();
  reportUrl = `/comments/${comment.id}/report`;
});
after(async () => {
  await browser?.close();
  await site?.close();
});

/** How far the page is wider than the window (0: it fits). */
const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

async function open(page: Page, url: string, shot: string) {
  const res = await page.goto(site.origin + url);
  assert.equal(res?.status(), 200, url);
  const width = page.viewportSize()!.width;
  await page.screenshot({ path: `${SHOTS}/${shot}-${width}.png`, fullPage: true });
}

describe('the administration on a phone and a desktop', () => {
  test('an owner on a phone finds the groups folded, opens one, and no admin page is wider than the screen', async () => {
    const page = await browser.newPage(PHONE);
    try {
      await open(page, '/admin/dashboard', 'dashboard');
      const nav = page.getByRole('navigation', { name: 'Administration' });
      // A group is named by its summary (the links inside also carry their group's name for screen readers).
      const group = (name: string) => nav.locator('summary').filter({ hasText: new RegExp(`^\\s*${name}\\s*$`) });
      for (const name of ['Content', 'Discussion', 'Site']) assert.ok(await group(name).isVisible(), name);
      assert.ok(await page.getByRole('link', { name: 'View site' }).isVisible());
      assert.equal(await nav.getByRole('link', { name: 'Widgets' }).isVisible(), false, 'Site is folded');
      await group('Site').click();
      assert.ok(await nav.getByRole('link', { name: 'Widgets' }).isVisible(), 'Site opened with a tap');
      await page.screenshot({ path: `${SHOTS}/dashboard-nav-open-390.png` });
      assert.equal(await overflow(page), 0, 'the dashboard with a group open');
      assert.ok(await page.getByRole('heading', { name: 'Make the site yours' }).isVisible());

      for (const [url, shot] of [
        ['/admin/posts', 'posts'],
        [revisionsUrl, 'revisions'],
        ['/admin/moderation', 'moderation'],
        ['/admin/settings', 'settings'],
      ] as const) {
        await open(page, url, shot);
        assert.equal(await overflow(page), 0, `${url} fits 390 px`);
        assert.ok(await page.getByRole('link', { name: 'View site' }).isVisible(), `${url}: View site`);
      }
      // The revisions page: each compare choice and Restore inside the screen.
      await page.goto(site.origin + revisionsUrl);
      for (const control of await page.locator('.revisions-table input[type="radio"], .revisions-table button').all()) {
        const box = (await control.boundingBox())!;
        assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `a control at ${box.x}+${box.width} is cut off`);
      }
      const compare = page.getByRole('button', { name: 'Compare the chosen revisions' });
      assert.equal(await compare.evaluate((b) => getComputedStyle(b).borderRadius), '4px', 'the button is styled');
      const violations = await axeViolations(page);
      assert.equal(violations.length, 0, describeViolations('revisions at 390', violations));
    } finally {
      await page.close();
    }
  });

  test('an owner on a desktop sees every group open beside the page, with View site', async () => {
    const page = await browser.newPage(WIDE);
    try {
      for (const [url, shot] of [
        ['/admin/dashboard', 'dashboard'],
        ['/admin/posts', 'posts'],
        [revisionsUrl, 'revisions'],
      ] as const) {
        await open(page, url, shot);
        assert.equal(await overflow(page), 0, `${url} at 1440 px`);
      }
      await page.goto(`${site.origin}/admin/dashboard`);
      const nav = page.getByRole('navigation', { name: 'Administration' });
      for (const link of ['Posts', 'Pages', 'Media', 'Comments', 'Bans', 'Widgets', 'Menus', 'Users', 'Word list'])
        assert.ok(await nav.getByRole('link', { name: link, exact: true }).isVisible(), `${link} is shown`);
      assert.ok(await page.getByRole('link', { name: 'View site' }).isVisible());
      // The navigation sits beside the page, not above it.
      const navBox = (await nav.boundingBox())!;
      const mainBox = (await page.locator('main').boundingBox())!;
      assert.ok(navBox.x + navBox.width <= mainBox.x, 'the navigation is a column left of the page');
      // One heading typeface: the page's title and its sections' headings share it.
      const fonts = await page.evaluate(() =>
        [...document.querySelectorAll('main h1, main h2')].map((h) => getComputedStyle(h).fontFamily),
      );
      assert.equal(new Set(fonts).size, 1, fonts.join(' | '));
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        const violations = await axeViolations(page);
        assert.equal(violations.length, 0, describeViolations(`dashboard (${scheme})`, violations));
      }
    } finally {
      await page.close();
    }
  });

  test('a reader reporting a comment on a phone finds each reason beside its label and none chosen', async () => {
    const page = await browser.newPage(PHONE);
    try {
      await open(page, reportUrl, 'report');
      assert.equal(await overflow(page), 0);
      const radios = page.getByRole('radio');
      assert.equal(await radios.count(), 5);
      for (const radio of await radios.all()) {
        assert.equal(await radio.isChecked(), false);
        const id = await radio.getAttribute('id');
        const box = (await radio.boundingBox())!;
        const label = (await page.locator(`label[for="${id}"]`).boundingBox())!;
        assert.ok(Math.abs(box.y + box.height / 2 - (label.y + label.height / 2)) < 8, `${id} is on its label's line`);
        assert.ok(label.x - (box.x + box.width) < 24, `${id} sits next to its label`);
      }
    } finally {
      await page.close();
    }
  });
});
