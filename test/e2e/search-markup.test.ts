import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AXE_SWEEPS, axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { DATABASE_WRITTEN_PAGE_TYPES, DEMO_PAGE_TYPES, TEST_DATABASE } from '../support/site.ts';
import { htmlErrors } from '../support/vnu.ts';

// The pages whose markup the database writes part of (DATABASE_WRITTEN_PAGE_TYPES: search snippets from FTS5 or
// ts_headline, and the suggestions on a page not found), checked by the Nu HTML Checker and axe-core on the
// database of this pass. The sweeps of every page type (html-validity.test.ts, accessibility.test.ts) run in one
// pass: the rest of their markup is the templates', the same on either database.

let site: ServedSite;
let browser: TestBrowser;
before(async () => {
  // The site's CSP forbids inline script, so this browser bypasses it to inject axe.
  [site, browser] = await Promise.all([startServedSite(), launchBrowser({ bypassCSP: true })]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

const PAGES = DATABASE_WRITTEN_PAGE_TYPES.map((name) => ({ name, url: DEMO_PAGE_TYPES[name] ?? '' }));

async function html(url: string): Promise<string> {
  const res = await site.app.inject({ method: 'GET', url });
  assert.match(String(res.headers['content-type']), /^text\/html/, `${url} is HTML`);
  return res.body;
}

describe(`search results and suggestions, as the database writes them, are valid and accessible (${TEST_DATABASE})`, () => {
  test('the pages hold what the database wrote: highlighted snippets, the entity found, suggested articles', async () => {
    for (const { name, url } of PAGES) assert.ok(url, `${name} is a page type of DEMO_PAGE_TYPES`);
    assert.match(
      await html(DEMO_PAGE_TYPES.search ?? ''),
      /<p class="snippet">[^<]*(?:<[^>]+>[^<]*)*<mark>Zhukov<\/mark>/i,
    );
    assert.match(await html(DEMO_PAGE_TYPES['search with an entity above the results'] ?? ''), /Жуков|Zhukov/);
    assert.match(await html(DEMO_PAGE_TYPES['not found, with suggestions'] ?? ''), /Perhaps you were looking for/);
  });

  test('every one is valid HTML according to the Nu validator', async () => {
    const pages = await Promise.all(
      PAGES.map(async ({ name, url }) => ({ name: `${name} (${url})`, html: await html(url) })),
    );
    const errors = await htmlErrors(pages);
    assert.equal(errors.length, 0, `validator errors:\n${errors.join('\n')}`);
  });

  test('axe-core finds no violations on any of them, at both widths and in dark mode', async () => {
    const failures: string[] = [];
    for (const { label, viewport, colorScheme } of AXE_SWEEPS) {
      const page = await browser.newPage(viewport);
      try {
        await page.emulateMedia({ colorScheme });
        for (const { name, url } of PAGES) {
          await page.goto(site.origin + url);
          const violations = await axeViolations(page);
          if (violations.length > 0) failures.push(describeViolations(`${name} (${url}) ${label}`, violations));
        }
      } finally {
        await page.close();
      }
    }
    assert.equal(failures.length, 0, `axe violations:\n${failures.join('\n')}`);
  });
});
