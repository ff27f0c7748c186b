import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type AxeViolation, axeViolations, describeViolations } from '../support/axe.ts';
import {
  DESKTOP,
  launchBrowser,
  PHONE,
  type ServedSite,
  startServedSite,
  type TestBrowser,
} from '../support/browser.ts';
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

// The sweeps run side by side, each in its own tab. Dark mode is a separate palette readers get from their
// system setting, so its contrast is checked too (once: width does not change colours).
const SWEEPS = [
  { label: 'at desktop width (1280px)', viewport: DESKTOP, colorScheme: 'light' },
  { label: 'at phone width (390px)', viewport: PHONE, colorScheme: 'light' },
  { label: 'in dark mode at desktop width', viewport: DESKTOP, colorScheme: 'dark' },
] as const;

describe('every page type passes an automated accessibility check', { concurrency: true }, () => {
  for (const { label, viewport, colorScheme } of SWEEPS) {
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
