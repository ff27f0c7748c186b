import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { getModerationSettings, saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { DESKTOP, launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { TEST_BASE_URL } from '../support/site.ts';
import { signInThroughForm } from '../support/staff-client.ts';
import { htmlErrors } from '../support/vnu.ts';

const PASSWORD = 'a long editor passphrase';
const FORM = 'application/x-www-form-urlencoded';

let site: ServedSite;
let browser: TestBrowser;
let cookie: string;
let csrf: string;

before(async () => {
  // The site's CSP forbids inline script, so this browser bypasses it to inject axe.
  [site, browser] = await Promise.all([startServedSite(), launchBrowser({ bypassCSP: true })]);
  const deps = { db: site.site.content.db, clock: site.clock };
  const editor = await createUser(deps, { email: 'editor@example.org', name: 'Edda Editor', role: 'editor' });
  await setPassword(deps, { userId: editor.id, password: PASSWORD });
  // Something in every part of the page: watched words, and one article closed by hand.
  await saveModerationSettings(site.site.content, { moderationWords: ['zhukov', 'kwantung army'] });
  await site.site.content.db
    .updateTable('posts')
    .set({ comments_open: 0 })
    .where('slug', '=', 'tsushima-1905')
    .execute();
  site.site.content.noteWrite();
  ({ cookie } = await signInThroughForm(site.app, { email: 'editor@example.org', password: PASSWORD }));
  const page = await site.app.inject({ method: 'GET', url: '/admin/discussion', headers: { cookie } });
  csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
});
after(async () => {
  await browser?.close();
  await site?.close();
});

const PAGES: Record<string, string> = {
  'discussion settings': '/admin/discussion',
  'discussion settings, saved': '/admin/discussion?notice=saved',
};

/** The form sent with values no setting accepts, so the page comes back with every kind of error shown. */
const BAD_VALUES = { minLength: '0', maxLength: 'lots', displayDepth: '11', moderationWords: 'x'.repeat(101) };

/** Sends the settings form in the browser with `values` typed in, past the browser's own checks. */
async function sendSettings(page: Page, values: Record<string, string>) {
  await page.goto(`${site.origin}/admin/discussion`);
  await page.locator('form[action="/admin/discussion"]').evaluate((f) => {
    (f as HTMLFormElement).noValidate = true;
  });
  for (const [name, value] of Object.entries(values)) await page.locator(`[name="${name}"]`).fill(value);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Save the settings' }).click()]);
}

describe('the discussion settings page', () => {
  test('an editor finds no axe violations on the settings page, saved or with errors, light and dark', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      await browser.context.addCookies([{ name: 'annalist_session', value: cookie.split('=')[1]!, url: site.origin }]);
      const failures: string[] = [];
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const [name, url] of Object.entries(PAGES)) {
          const res = await page.goto(site.origin + url);
          assert.equal(res?.status(), 200, `${url} answers 200`);
          const violations = await axeViolations(page);
          if (violations.length > 0) failures.push(describeViolations(`${name} (${scheme})`, violations));
        }
        await sendSettings(page, BAD_VALUES);
        assert.ok(await page.getByRole('alert').isVisible(), 'the errors are announced');
        const violations = await axeViolations(page);
        if (violations.length > 0) failures.push(describeViolations(`with errors (${scheme})`, violations));
      }
      assert.equal(failures.length, 0, `axe violations:\n${failures.join('\n')}`);
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });

  test('an editor sets the levels of nested replies by its label, and closes and reopens an article from the table', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      await browser.context.addCookies([{ name: 'annalist_session', value: cookie.split('=')[1]!, url: site.origin }]);
      await page.goto(`${site.origin}/admin/moderation`);
      await page
        .getByRole('navigation', { name: 'Administration' })
        .getByRole('link', { name: 'Discussion settings' })
        .click();
      await page.getByLabel('Levels of nested replies').fill('3');
      await page.getByRole('button', { name: 'Save the settings' }).click();
      await page.getByRole('status').getByText('Discussion settings saved.').waitFor();
      assert.equal((await getModerationSettings(site.site.content)).displayDepth, 3);
      assert.equal(await page.getByLabel('Levels of nested replies').inputValue(), '3');

      await page.getByRole('button', { name: /^Close comments on Khalkhin-Gol/ }).click();
      await page.getByRole('status').getByText('Comments are closed on the article.').waitFor();
      const article = await browser.newPage(DESKTOP);
      try {
        await article.goto(`${site.origin}/khalkhin-gol-1939/`);
        assert.ok(await article.getByText('Comments are closed on this article.').isVisible());
        await page.getByRole('button', { name: /^Open comments on Khalkhin-Gol/ }).click();
        await page.getByRole('status').getByText('Comments are open on the article again.').waitFor();
        await article.reload();
        assert.equal(await article.getByText('Comments are closed on this article.').count(), 0);
      } finally {
        await article.close();
      }
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });

  test('the settings page, saved and with errors, is valid HTML according to the Nu validator', async () => {
    const pages: { name: string; html: string }[] = [];
    for (const [name, url] of Object.entries(PAGES)) {
      const res = await site.app.inject({ method: 'GET', url, headers: { cookie } });
      assert.equal(res.statusCode, 200, `${name} (${url})`);
      pages.push({ name: `${name} (${url})`, html: res.body });
    }
    const form = new URLSearchParams({ csrf, ...BAD_VALUES });
    const bad = await site.app.inject({
      method: 'POST',
      url: '/admin/discussion',
      headers: { 'content-type': FORM, cookie, origin: TEST_BASE_URL },
      payload: form.toString(),
    });
    assert.equal(bad.statusCode, 400);
    pages.push({ name: 'with errors', html: bad.body });
    const errors = await htmlErrors(pages);
    assert.equal(errors.length, 0, `validator errors:\n${errors.join('\n')}`);
  });
});
