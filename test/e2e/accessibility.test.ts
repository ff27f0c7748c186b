import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { AXE_SWEEPS, type AxeViolation, axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { DEMO_PAGE_TYPES } from '../support/site.ts';

let site: ServedSite;
let browser: TestBrowser;
before(async () => {
  // The site's CSP forbids inline script, so this browser (and only this one) bypasses it to inject axe.
  [site, browser] = await Promise.all([startServedSite(), launchBrowser({ bypassCSP: true })]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

async function violationsOn(page: Page, url: string): Promise<AxeViolation[]> {
  await page.goto(site.origin + url);
  return axeViolations(page);
}

// The sweeps (AXE_SWEEPS: two widths, and dark mode) run side by side, each in its own tab. This file runs in one
// pass of `npm test` (scripts/test.mjs RUN_ONCE); the pages whose markup the database writes part of are swept on
// both databases by search-markup.test.ts.
describe('every page type passes an automated accessibility check', { concurrency: true }, () => {
  for (const { label, viewport, colorScheme } of AXE_SWEEPS) {
    test(`no axe violations on any page type ${label}`, async () => {
      const page = await browser.newPage(viewport);
      try {
        await page.emulateMedia({ colorScheme });
        const failures: string[] = [];
        for (const [name, url] of Object.entries(DEMO_PAGE_TYPES)) {
          const violations = await violationsOn(page, url);
          if (violations.length > 0) failures.push(describeViolations(`${name} (${url})`, violations));
        }
        assert.equal(failures.length, 0, `axe violations ${label}:\n${failures.join('\n')}`);
      } finally {
        await page.close();
      }
    });
  }
});
