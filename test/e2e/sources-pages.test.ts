import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { emptySourceForm } from '../../src/modules/sources/source-form.ts';
import { createSource } from '../../src/modules/sources/sources.service.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { DESKTOP, launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { TEST_BASE_URL } from '../support/site.ts';
import { signInThroughForm } from '../support/staff-client.ts';
import { htmlErrors } from '../support/vnu.ts';

const PASSWORD = 'an author passphrase for sources';

let site: ServedSite;
let browser: TestBrowser;
let cookie: string;

before(async () => {
  // The site's CSP forbids inline script, so this browser bypasses it to inject axe.
  [site, browser] = await Promise.all([startServedSite(), launchBrowser({ bypassCSP: true })]);
  const deps = { db: site.site.content.db, clock: site.clock, baseUrl: TEST_BASE_URL };
  const author = await createUser(deps, { email: 'alma@example.org', name: 'Alma Author', role: 'author' });
  await setPassword(deps, { userId: author.id, password: PASSWORD });
  await createSource(site.site.content, {
    ...emptySourceForm(),
    key: 'coox-1985a',
    authors: 'Coox, Alvin D.',
    title: 'Nomonhan: Japan against Russia, 1939',
    publisher: 'Stanford University Press',
    place: 'Stanford',
    date: '1985',
  });
  await savePost(site.site.content, {
    type: 'post',
    slug: 'a-cited-article',
    title: 'A cited article',
    bodyMarkdown: 'The offensive opened.:cite[coox-1985a]{p=112} It rained.[^1]\n\n[^1]: A note of our own.',
    status: 'published',
    publishedAt: new Date(site.clock.now().getTime() - 86_400_000).toISOString(),
    authorSlugs: ['elena-markova'],
  });
  ({ cookie } = await signInThroughForm(site.app, { email: 'alma@example.org', password: PASSWORD }));
});
after(async () => {
  await browser?.close();
  await site?.close();
});

const ADMIN_PAGES: Record<string, string> = {
  'sources list': '/admin/sources',
  'empty search': '/admin/sources?q=nothing-like-this',
  'new source': '/admin/sources/new',
  'edit source': '/admin/sources/edit/coox-1985a?notice=saved',
  import: '/admin/sources/import',
};
const PUBLIC_PAGES: Record<string, string> = {
  'sources index': '/sources/',
  'source page': '/sources/coox-1985a/',
  'cited article': '/a-cited-article/',
};

async function check(page: Page, name: string, failures: string[]) {
  const violations = await axeViolations(page);
  if (violations.length > 0) failures.push(describeViolations(name, violations));
}

describe('sources pages', () => {
  test('an author finds no axe violations in the sources library, its refused form and an import report', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      await browser.context.addCookies([{ name: 'annalist_session', value: cookie.split('=')[1]!, url: site.origin }]);
      const failures: string[] = [];
      for (const [name, url] of Object.entries(ADMIN_PAGES)) {
        const res = await page.goto(site.origin + url);
        assert.equal(res?.status(), 200, url);
        await check(page, name, failures);
      }
      // A refused form: the summary and field errors.
      await page.goto(`${site.origin}/admin/sources/new`);
      await page.getByLabel('Key', { exact: true }).fill('Not A Key');
      await page.getByLabel('Title', { exact: true }).fill('Steppe Campaigns');
      await page.getByLabel('Date', { exact: true }).fill('spring 1985');
      await page.getByRole('button', { name: 'Add the source' }).click();
      assert.ok(await page.getByRole('alert').isVisible());
      assert.equal(await page.getByLabel('Key', { exact: true }).inputValue(), 'Not A Key');
      await check(page, 'refused source form', failures);
      // An import with one good and one broken entry.
      await page.goto(`${site.origin}/admin/sources/import`);
      await page
        .getByLabel('Paste the bibliography')
        .fill(
          '@book{hale2010, author = {Hale, Nora}, title = {Steppe Campaigns}, year = 2010}\n@book{broken, title = {x',
        );
      await page.getByRole('button', { name: 'Import' }).click();
      assert.ok(await page.getByText('1 imported, 0 replaced, 1 failed (BibTeX).').isVisible());
      await check(page, 'import report', failures);
      assert.equal(failures.length, 0, `axe violations:\n${failures.join('\n')}`);
    } finally {
      await browser.context.clearCookies();
      await page.close();
    }
  });

  test('a reader finds no axe violations on the sources pages and the cited article with “Cite this article” open', async () => {
    const page = await browser.newPage(DESKTOP);
    try {
      const failures: string[] = [];
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const [name, url] of Object.entries(PUBLIC_PAGES)) {
          await page.goto(site.origin + url);
          await check(page, `${name} (${scheme})`, failures);
        }
      }
      await page.goto(`${site.origin}/a-cited-article/`);
      await page.getByText('Cite this article').click();
      assert.ok(await page.getByRole('link', { name: 'BibTeX' }).isVisible());
      await check(page, 'cite this article open', failures);
      assert.equal(failures.length, 0, `axe violations:\n${failures.join('\n')}`);
    } finally {
      await page.close();
    }
  });

  test('the sources pages are valid HTML according to the Nu validator', async () => {
    const fetched: { name: string; html: string }[] = [];
    for (const [name, url] of Object.entries(ADMIN_PAGES)) {
      const res = await site.app.inject({ method: 'GET', url, headers: { cookie } });
      assert.equal(res.statusCode, 200, url);
      fetched.push({ name: `${name} (${url})`, html: res.body });
    }
    for (const [name, url] of Object.entries(PUBLIC_PAGES)) {
      const res = await site.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      fetched.push({ name: `${name} (${url})`, html: res.body });
    }
    const errors = await htmlErrors(fetched);
    assert.equal(errors.length, 0, `validator errors:\n${errors.join('\n')}`);
  });
});
