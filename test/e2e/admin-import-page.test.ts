import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import {
  DESKTOP,
  launchBrowser,
  PHONE,
  type ServedSite,
  startServedSite,
  type TestBrowser,
} from '../support/browser.ts';
import { almanacSlug, almanacWxr } from '../support/import-files.ts';

// /admin/import in Chromium: an owner uploads a WordPress export with the page's form, the progress island brings
// the dry run's report in by itself, Import brings the site in; every step passes axe-core and fits a phone and a
// desktop (pictures kept in /tmp/shots for people to look at).

const SHOTS = '/tmp/shots';
const UPLOAD_WAIT_MS = 30_000;
const EMAIL = 'margit@example.org';
const PASSWORD = 'a long owner passphrase for the baltic';

let site: ServedSite;
let browser: TestBrowser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The site's CSP forbids inline script, so this browser bypasses it to inject axe (the island is a file).
  [site, browser] = await Promise.all([
    startServedSite({ jobs: true, demo: false }),
    launchBrowser({ bypassCSP: true }),
  ]);
  const deps = { db: site.site.content.db, clock: site.clock };
  const owner = await createUser(deps, { email: EMAIL, name: 'Margit Owner', role: 'owner' });
  await setPassword(deps, { userId: owner.id, password: PASSWORD });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

async function signIn(page: Page) {
  await page.goto(`${site.origin}/admin/sign-in?next=/admin/import`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(/\/admin\/import$/), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** Takes the page's picture at this width, checks it fits and passes axe-core. */
async function look(page: Page, name: string, width: number) {
  await page.screenshot({ path: `${SHOTS}/admin-import-${name}-${width}.png`, fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name}: no sideways scrolling (${overflow} px too wide)`);
  const v = await axeViolations(page);
  assert.equal(v.length, 0, describeViolations(name, v));
}

describe('the import page in a browser', () => {
  for (const [label, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    test(`on a ${label} (${viewport.width} px): upload, the report arrives by itself, Import, the article is there`, async () => {
      const page = await browser.newPage(viewport);
      try {
        await signIn(page);
        await look(page, 'empty', viewport.width);
        const n = viewport.width === PHONE.width ? 1 : 2;
        await page.getByLabel('WordPress (WXR, .xml)').check();
        await page.getByLabel('Export file').setInputFiles({
          name: `almanac-${n}.xml`,
          mimeType: 'application/xml',
          buffer: Buffer.from(almanacWxr({ posts: 60, comments: 4 })),
        });
        // An upload answers once the file is stored: on a busy machine that takes longer than a click's wait.
        await Promise.all([
          page.waitForURL(/notice=uploaded/, { timeout: UPLOAD_WAIT_MS }),
          page.getByRole('button', { name: 'Upload and check' }).click({ noWaitAfter: true }),
        ]);
        // Checked in the background: the island reloads the page when the report is ready (no click, no refresh).
        await page.getByRole('heading', { name: 'Checked: ready to import', level: 2 }).waitFor({ timeout: 60_000 });
        assert.match(
          (await page.locator('.import-current .import-report').textContent()) ?? '',
          /Dry run \(nothing was changed\)/,
        );
        await look(page, 'report', viewport.width);

        await Promise.all([
          page.waitForURL(/notice=import-queued/, { timeout: UPLOAD_WAIT_MS }),
          page.getByRole('button', { name: 'Import', exact: true }).click({ noWaitAfter: true }),
        ]);
        await page.getByRole('heading', { name: `Imported: almanac-${n}.xml`, level: 3 }).waitFor({ timeout: 60_000 });
        await look(page, 'imported', viewport.width);
        await page.goto(`${site.origin}/${almanacSlug(1)}/`);
        assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'The Herring of the Hanse');
      } finally {
        await browser.context.clearCookies();
        await page.close();
      }
    });
  }

  test('a file far past the cap is cut off at once, and the browser shows the 413 page', async () => {
    const page = await browser.newPage(DESKTOP);
    const file = join(tmpdir(), `annalist-import-big-${process.pid}.xml`);
    writeFileSync(file, Buffer.alloc(64 * 1024 * 1024, 0x61));
    site.site.imports.maxBytes = 1024 * 1024;
    try {
      await signIn(page);
      await page.getByLabel('Export file').setInputFiles(file);
      const [answer] = await Promise.all([
        page.waitForEvent('response', (r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Upload and check' }).click(),
      ]);
      assert.equal(answer.status(), 413);
      await page.getByRole('alert').waitFor();
      assert.match((await page.getByRole('alert').textContent()) ?? '', /larger than 1 MB.*annalist import/);
    } finally {
      site.site.imports.maxBytes = undefined;
      rmSync(file, { force: true });
      await browser.context.clearCookies();
      await page.close();
    }
  });

  test('a refused upload shows its reason beside the form, and passes axe-core', async () => {
    const page = await browser.newPage(PHONE);
    try {
      await signIn(page);
      await page
        .getByLabel('Export file')
        .setInputFiles({ name: 'empty.xml', mimeType: 'text/xml', buffer: Buffer.alloc(0) });
      await page.getByRole('button', { name: 'Upload and check' }).click();
      assert.match((await page.getByRole('alert').textContent()) ?? '', /The file is empty/);
      await look(page, 'refused', PHONE.width);
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });
});
