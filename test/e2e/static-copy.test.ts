import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportStatic } from '../../src/export-static.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { startTestSite, TEST_BASE_URL, TEST_DATABASE } from '../support/site.ts';
import { DOCUMENTED_HEADERS, type StaticServer, startStaticNginx } from '../support/static-server.ts';
import { htmlErrors } from '../support/vnu.ts';

/** One page of each type of the copy, as a reader reaches them. */
const SAMPLE: Record<string, string> = {
  home: '/',
  'home, page 2': '/page/2/',
  article: '/khalkhin-gol-1939/',
  'static page': '/about/',
  'category index': '/category/',
  category: '/category/russian-history/soviet-union/',
  'category, page 2': '/category/russian-history/page/2/',
  tag: '/tag/zhukov/',
  author: '/author/elena-markova/',
  'monthly archive': '/2025/08/',
  sources: '/sources/',
  source: '/sources/coox-1985/',
  'corrections log': '/corrections/',
  "an article's versions": '/khalkhin-gol-1939/revisions/',
  'an earlier version': '/khalkhin-gol-1939/revisions/1/',
  search: '/search/',
};

let dir: string;
let nginx: StaticServer;
/** axe-core injects its own script, so its browser ignores the policy; a reader's browser keeps it. */
let axeBrowser: TestBrowser;
let browser: TestBrowser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'annalist-static-e2e-'));
  const t = await startTestSite();
  try {
    await exportStatic(t.site, { outDir: join(dir, 'copy'), siteUrl: TEST_BASE_URL });
  } finally {
    await t.close(); // the site and its app are gone: only nginx and the files remain
  }
  nginx = await startStaticNginx(join(dir, 'copy'));
  browser = await launchBrowser();
  axeBrowser = await launchBrowser({ bypassCSP: true });
});
after(async () => {
  await browser?.close();
  await axeBrowser?.close();
  await nginx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`a static copy served by nginx with the app stopped (${TEST_DATABASE})`, () => {
  test('a reader searches the copy offline and finds an article by a word of its body', async () => {
    const page = await browser.newPage();
    await page.goto(`${nginx.origin}/`);
    // The sidebar's search form, as a reader uses it: the copy's search page answers in the browser.
    const box = page.getByRole('complementary').getByRole('searchbox', { name: 'Search the site' });
    await box.fill('mosquitoes');
    await box.press('Enter');
    await page.waitForURL(/\/search\/\?q=mosquitoes/);
    const status = page.getByRole('status');
    await status.waitFor();
    assert.match((await status.textContent()) ?? '', /1 result for “mosquitoes”/);
    const result = page
      .getByRole('main')
      .getByRole('link', { name: 'Khalkhin-Gol: the border war that turned Japan south' });
    await result.click();
    await page.waitForURL(`${nginx.origin}/khalkhin-gol-1939/`);
    assert.equal(
      await page.getByRole('heading', { level: 1 }).textContent(),
      'Khalkhin-Gol: the border war that turned Japan south',
    );

    await page.goto(`${nginx.origin}/search/?q=xylophone`);
    await page.getByText('Nothing matched “xylophone”').waitFor();

    // Words that begin longer ones, two at once: only the articles holding both, the title match first.
    await page.goto(`${nginx.origin}/search/?q=${encodeURIComponent('Khalkh mosquito')}`);
    await page
      .getByRole('status')
      .getByText(/1 result for “Khalkh mosquito”/)
      .waitFor();
    await page.goto(`${nginx.origin}/search/?q=Zhukov`);
    await page
      .getByRole('status')
      .getByText(/\d+ results for “Zhukov”/)
      .waitFor();
    const titles = await page.getByRole('main').getByRole('listitem').getByRole('heading').allTextContents();
    assert.ok(titles.length > 1, titles.join(' | '));
    assert.match(titles[0]!, /Zhukov/, 'the article with the word in its title comes first');
    await page.close();
  });

  test('every type of page, and search, work under the security headers docs/export.md gives for nginx', async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') refused.push(`${page.url()}: ${msg.text()}`);
    });
    // A lazy image still loading when the next page is opened is aborted, which is no failure of the copy.
    page.on('requestfailed', (req) => {
      if (req.failure()?.errorText !== 'net::ERR_ABORTED') refused.push(`${req.url()}: ${req.failure()?.errorText}`);
    });
    for (const [name, path] of Object.entries({ ...SAMPLE, 'search results': '/search/?q=railway' })) {
      const res = await page.goto(`${nginx.origin}${path}`);
      assert.equal(res?.status(), 200, `${name} (${path})`);
      assert.equal(res?.headers()['content-security-policy'], DOCUMENTED_HEADERS['content-security-policy']);
      // The stylesheet applied: the page is laid out by the site's rules, not the browser's defaults.
      const sheets = await page.evaluate(() => [...document.styleSheets].filter((s) => s.cssRules.length > 0).length);
      assert.ok(sheets > 0, `${name}: its stylesheet is loaded`);
    }
    await page
      .getByRole('status')
      .getByText(/results? for “railway”/)
      .waitFor();
    await page.close();
    assert.deepEqual(refused, [], 'nothing is refused by the policy, nothing fails to load');
  });

  test('without JavaScript the search page says where else to look', async () => {
    // What a browser without JavaScript shows is the page as served: the island never runs to replace it.
    const html = await (await fetch(`${nginx.origin}/search/?q=Zhukov`)).text();
    assert.match(
      html,
      /searches in your browser, which needs JavaScript\. Without it, browse <a href="\.\.\/category\/">the categories<\/a>/,
    );
    assert.match(html, /<script type="module" src="\.\.\/assets\/static-search\.[0-9a-f]+\.js"><\/script>/);
  });

  test('every type of page has no axe-core violations', async () => {
    const failures: string[] = [];
    const page = await axeBrowser.newPage();
    for (const [name, path] of Object.entries(SAMPLE)) {
      const res = await page.goto(`${nginx.origin}${path}`);
      assert.equal(res?.status(), 200, `${name} (${path})`);
      const violations = await axeViolations(page);
      if (violations.length) failures.push(describeViolations(`${name} (${path})`, violations));
    }
    await page.close();
    assert.equal(failures.length, 0, failures.join('\n'));
  });

  test('every type of page is valid HTML according to the Nu validator', async () => {
    const pages: { name: string; html: string }[] = [];
    for (const [name, path] of Object.entries(SAMPLE)) {
      const res = await fetch(`${nginx.origin}${path}`);
      assert.equal(res.status, 200, `${name} (${path})`);
      pages.push({ name: `${name} (${path})`, html: await res.text() });
    }
    const errors = await htmlErrors(pages);
    assert.equal(errors.length, 0, `validator errors:\n${errors.join('\n')}`);
  });
});
