import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import {
  DESKTOP,
  launchBrowser,
  PHONE,
  type ServedSite,
  startServedSite,
  type TestBrowser,
} from '../support/browser.ts';

// /admin/export in Chromium: an admin reads the page on a phone and a desktop (pictures kept for people to look
// at), and downloads both files with the page's own forms, as a browser sends them (Origin, CSRF token).

const SHOTS = '/tmp/shots';
const EMAIL = 'olga@example.org';
const PASSWORD = 'a long owner passphrase for the taiga';

let site: ServedSite;
let browser: TestBrowser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [site, browser] = await Promise.all([startServedSite(), launchBrowser()]);
  const deps = { db: site.site.content.db, clock: site.clock };
  const owner = await createUser(deps, { email: EMAIL, name: 'Olga Owner', role: 'owner' });
  await setPassword(deps, { userId: owner.id, password: PASSWORD });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

async function signIn(page: Page) {
  await page.goto(`${site.origin}/admin/sign-in?next=/admin/export`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(/\/admin\/export$/), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** Clicks a download button and gives the file's suggested name and text. */
async function downloadWith(page: Page, button: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button }).click(),
  ]);
  const path = await download.path();
  assert.ok(path, `the ${button} download finished (${await download.failure()})`);
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

describe('the export page in a browser', () => {
  for (const [label, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    test(`on a ${label} (${viewport.width} px) both formats and their buttons fit the width`, async () => {
      const page = await browser.newPage(viewport);
      try {
        await signIn(page);
        await page.screenshot({ path: `${SHOTS}/admin-export-${viewport.width}.png`, fullPage: true });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
        for (const name of ['WordPress (WXR)', 'Annalist JSON', 'Never in either file'])
          assert.ok(await page.getByRole('heading', { name, level: 2 }).isVisible(), name);
        for (const name of ['Download the WordPress file', 'Download the Annalist JSON file']) {
          const box = await page.getByRole('button', { name }).boundingBox();
          assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width, `${name} is within the page`);
        }
        for (const format of ['wordpress', 'json'])
          assert.equal(await page.locator(`#export-${format}-personal`).isChecked(), false, `${format}: off at first`);
      } finally {
        await browser.context.clearCookies();
        await page.close();
      }
    });
  }

  test('an owner ticks the address box and downloads the WordPress file, then the JSON file, and stays on the page', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      await signIn(page);
      await page.locator('#export-wordpress-personal').check();
      const wxr = await downloadWith(page, 'Download the WordPress file');
      assert.match(wxr.name, /^annalist-annalist\.test-\d{4}-\d{2}-\d{2}\.wordpress\.xml$/);
      assert.ok(wxr.text.startsWith('<?xml'));
      assert.ok(wxr.text.trimEnd().endsWith('</rss>'), 'the whole file');
      const commenter = await site.site.content.db
        .selectFrom('comments')
        .select('author_email')
        .where('author_email', '!=', '')
        .executeTakeFirstOrThrow();
      assert.ok(wxr.text.includes(commenter.author_email), 'with the addresses, as ticked');

      const json = await downloadWith(page, 'Download the Annalist JSON file');
      assert.match(json.name, /^annalist-annalist\.test-\d{4}-\d{2}-\d{2}\.json$/);
      assert.equal((JSON.parse(json.text) as { format: string }).format, 'annalist-export');
      assert.match(new URL(page.url()).pathname, /^\/admin\/export$/, 'the page is still there');
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });
});
