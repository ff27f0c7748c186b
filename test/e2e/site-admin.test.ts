import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser, setPassword, startSession } from '../../src/modules/accounts/accounts.service.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { DESKTOP, launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { TEST_BASE_URL } from '../support/site.ts';
import { htmlErrors } from '../support/vnu.ts';

// The site administration in Chromium: an owner configures a sidebar widget and sees it on the public article,
// and every page of the dashboard, settings, widgets, menus, taxonomy, export and backups passes axe-core.

const EMAIL = 'owner@example.org';
const PASSWORD = 'a long owner passphrase for the steppe';

let site: ServedSite;
let browser: TestBrowser;

before(async () => {
  // The site's CSP forbids inline script, so this browser bypasses it to inject axe.
  [site, browser] = await Promise.all([startServedSite({ pageCache: true }), launchBrowser({ bypassCSP: true })]);
  const deps = { db: site.site.content.db, clock: site.clock };
  const owner = await createUser(deps, { email: EMAIL, name: 'Olga Owner', role: 'owner' });
  await setPassword(deps, { userId: owner.id, password: PASSWORD });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

async function signIn(page: Page) {
  await page.goto(`${site.origin}/admin/sign-in`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(/\/admin\/dashboard/), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** Clicks a button or link that loads a new page, and waits for it. */
async function go(page: Page, click: () => Promise<void>) {
  await Promise.all([page.waitForEvent('load'), click()]);
}

describe('running the site', () => {
  test('an owner adds a text widget to the sidebar, moves it up, and readers see it on the article', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      await signIn(page);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Dashboard');
      // The navigation's Site group, open beside the page on a desktop.
      const nav = page.getByRole('navigation', { name: 'Administration' });
      await go(page, () => nav.getByRole('link', { name: 'Widgets' }).click());

      const sidebar = page.getByRole('region', { name: 'Sidebar' });
      await sidebar.getByText('Add a widget to the sidebar').click();
      const add = sidebar.locator('form[action="/admin/widgets"]');
      await add.getByLabel('Kind of widget').selectOption({ label: 'Text' });
      await add.getByLabel('Title', { exact: true }).fill('Reading list');
      await add.getByLabel('Text (Markdown)').fill('Start with *Coox*, Nomonhan (1985), then the Soviet staff study.');
      await go(page, () => add.getByRole('button', { name: 'Add to the sidebar' }).click());
      assert.match((await page.getByRole('status').textContent()) ?? '', /Widget added/);
      // The preview shows the widget as readers will see it.
      const preview = page.locator('.widget-preview--sidebar');
      assert.equal(await preview.getByRole('heading', { name: 'Reading list' }).count(), 1);
      assert.equal(await preview.locator('em', { hasText: 'Coox' }).count(), 1);

      await Promise.all([
        page.waitForURL(/notice=widget-moved/),
        // The hidden part of the name is its own block, so the name reads "Move up : Text: Reading list".
        page.getByRole('button', { name: /^Move up\W+Text: Reading list$/ }).click(),
      ]);

      await page.goto(`${site.origin}/khalkhin-gol-1939/`);
      const aside = page.getByRole('complementary', { name: 'Sidebar' });
      const headings = await aside.getByRole('heading', { level: 2 }).allTextContents();
      const at = headings.indexOf('Reading list');
      assert.ok(at >= 0, `the widget is in the sidebar (${headings.join(', ')})`);
      assert.equal(headings[at + 1], 'Tags', 'moved up above the tag cloud');
      assert.match((await aside.textContent()) ?? '', /Start with Coox, Nomonhan \(1985\)/);
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });

  test('the dashboard, settings, widgets, menus, taxonomy, export and backups pages have no axe violations, forms open and with errors', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      await signIn(page);
      // Something in the menus table too.
      await page.goto(`${site.origin}/admin/menus`);
      const footer = page.getByRole('region', { name: 'Footer menu' });
      await footer.getByLabel('Label').fill('Sources');
      await footer.getByLabel('Address').fill('/sources-and-methods/');
      await go(page, () => footer.getByRole('button', { name: 'Add the link' }).click());

      const failures: string[] = [];
      const check = async (name: string) => {
        const v = await axeViolations(page);
        if (v.length > 0) failures.push(describeViolations(name, v));
      };
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const url of [
          '/admin/dashboard',
          '/admin/settings',
          '/admin/widgets',
          '/admin/menus',
          '/admin/taxonomy',
          '/admin/words',
          '/admin/export',
          '/admin/import',
          '/admin/backups',
          '/admin/posts?q=zhukov',
          '/admin/entities',
          '/admin/entities/new',
        ]) {
          const res = await page.goto(site.origin + url);
          assert.equal(res?.status(), 200, url);
          for (const summary of await page.locator('main summary').all()) await summary.click();
          await check(`${url} (${scheme}, every form open)`);
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });

      // Refused forms: the error summary and field errors must pass too.
      await page.goto(`${site.origin}/admin/settings`);
      await page.getByLabel('Time zone').fill('Mars/Olympus_Mons');
      await go(page, () => page.getByRole('button', { name: 'Save the settings' }).click());
      assert.match((await page.getByRole('alert').textContent()) ?? '', /Choose a time zone/);
      assert.equal(await page.getByLabel('Time zone').inputValue(), 'Mars/Olympus_Mons', 'kept as typed');
      await check('settings with an error');

      await page.goto(`${site.origin}/admin/menus`);
      const primary = page.getByRole('region', { name: 'Primary menu' });
      await primary.getByLabel('Label').fill('Run me');
      await primary.getByLabel('Address').fill('javascript:alert(1)');
      await go(page, () => primary.getByRole('button', { name: 'Add the link' }).click());
      assert.match((await page.getByRole('alert').textContent()) ?? '', /Give a path on this site/);
      await check('menus with an error');

      await page.goto(`${site.origin}/admin/taxonomy`);
      await page.getByRole('group', { name: 'Add a category' }).getByLabel('Name').fill('Soviet Union');
      await page
        .getByRole('group', { name: 'Add a category' })
        .getByLabel('Parent category')
        .selectOption({ label: 'Russian History' });
      await go(page, () => page.getByRole('button', { name: 'Add the category' }).click());
      assert.match((await page.getByRole('alert').textContent()) ?? '', /already has the address/);
      await check('taxonomy with an error');

      await page.goto(`${site.origin}/admin/widgets`);
      const header = page.getByRole('region', { name: 'Header' });
      await header.getByText('Add a widget to the header').click();
      await header.locator('form[action="/admin/widgets"]').getByLabel('Text (Markdown)').fill('<b>bold</b>');
      await go(page, () => header.getByRole('button', { name: 'Add to the header' }).click());
      assert.match((await page.getByRole('alert').textContent()) ?? '', /Write Markdown or plain text/);
      await check('widgets with an error');

      assert.equal(failures.length, 0, `axe violations:\n${failures.join('\n')}`);
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });

  test('every page, and each with a refused form, is valid HTML according to the Nu validator', async () => {
    const db = site.site.content.db;
    const row = await db.selectFrom('users').selectAll().where('email', '=', EMAIL).executeTakeFirstOrThrow();
    const { token } = await startSession({ db, clock: site.clock }, row);
    const cookie = `annalist_session=${token}`;
    const get = (url: string) => site.app.inject({ method: 'GET', url, headers: { cookie } });
    const dashboard = await get('/admin/dashboard');
    const csrf = /name="csrf" value="([^"]+)"/.exec(dashboard.body)![1]!;
    const post = (url: string, fields: Record<string, string>) =>
      site.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: TEST_BASE_URL },
        payload: new URLSearchParams({ csrf, ...fields }).toString(),
      });
    const pages: { name: string; html: string }[] = [];
    for (const url of ['/admin/dashboard', '/admin/settings', '/admin/widgets', '/admin/menus', '/admin/taxonomy']) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      pages.push({ name: url, html: res.body });
    }
    const refused = [
      [
        'settings with errors',
        await post('/admin/settings', {
          title: '',
          tagline: '',
          description: '',
          locale: '??',
          timeZone: 'Nowhere',
          postsPerPage: '0',
        }),
      ],
      [
        'widgets with errors',
        await post('/admin/widgets', { area: 'footer', type: 'text', title: '', count: '', markdown: '' }),
      ],
      ['menus with errors', await post('/admin/menus', { menu: 'footer', label: '', url: 'data:x' })],
      [
        'taxonomy with errors',
        await post('/admin/taxonomy/categories', { name: '', slug: 'Bad Slug', parent: '', description: '' }),
      ],
    ] as const;
    for (const [name, res] of refused) {
      assert.equal(res.statusCode, 400, name);
      pages.push({ name, html: res.body });
    }
    const errors = await htmlErrors(pages);
    assert.equal(errors.length, 0, `validator errors:\n${errors.join('\n')}`);
  });
});
