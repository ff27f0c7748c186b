import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  DESKTOP,
  launchBrowser,
  PHONE,
  type ServedSite,
  startServedSite,
  type TestBrowser,
} from '../support/browser.ts';

const ARTICLE_TITLE = 'Khalkhin-Gol: the border war that turned Japan south';

let site: ServedSite;
let browser: TestBrowser;
before(async () => {
  [site, browser] = await Promise.all([startServedSite(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

// Every story watches what its page fetches and logs; afterEach fails the story if it reached another origin
// or logged an error (a CSP violation shows up as a console error).
let visit: { page: Page; foreign: string[]; errors: string[] } | undefined;

async function open(path: string, viewport = DESKTOP): Promise<Page> {
  const page = await browser.newPage(viewport);
  const watched = { page, foreign: [] as string[], errors: [] as string[] };
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(`${site.origin}/`) && !url.startsWith('data:')) watched.foreign.push(url);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') watched.errors.push(msg.text());
  });
  page.on('pageerror', (err) => watched.errors.push(String(err)));
  visit = watched;
  await page.goto(site.origin + path);
  return page;
}

afterEach(async () => {
  if (!visit) return;
  const { page, foreign, errors } = visit;
  visit = undefined;
  await page.close();
  assert.deepEqual(foreign, [], 'nothing is fetched from any other origin');
  assert.deepEqual(errors, [], 'no console errors (CSP violations, failed loads, script errors)');
});

const path = (page: Page) => new URL(page.url()).pathname;
const hash = (page: Page) => new URL(page.url()).hash;

/** Waits (through any smooth scrolling) until the element's top edge is on screen. */
async function assertScrolledIntoView(locator: Locator, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  let box = { top: Number.NaN, innerHeight: 0 };
  while (Date.now() < deadline) {
    box = await locator.evaluate((el) => ({ top: el.getBoundingClientRect().top, innerHeight: window.innerHeight }));
    if (box.top >= -1 && box.top < box.innerHeight * 0.5) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what} is near the top of the screen (top at ${box.top}px of ${box.innerHeight}px)`);
}

async function assertNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
    // Name the widest element that sticks out, so a failure says where to look.
    let widest = '';
    let right = window.innerWidth;
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.right > right + 0.5) {
        right = r.right;
        widest = `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`;
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest };
  });
  assert.ok(
    scrollWidth <= innerWidth,
    `${what}: page is ${scrollWidth}px wide on a ${innerWidth}px screen${widest ? ` (widest: ${widest})` : ''}`,
  );
}

describe('a reader on the demo site', () => {
  test('I open the Khalkhin-Gol article from the home page and use its breadcrumb to browse Soviet Union and come back', async () => {
    const page = await open('/');
    await page.getByRole('main').getByRole('link', { name: ARTICLE_TITLE, exact: true }).click();
    await page.waitForURL(`${site.origin}/khalkhin-gol-1939/`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), ARTICLE_TITLE);
    assert.match(await page.title(), /^Khalkhin-Gol: the border war that turned Japan south · /);

    const breadcrumb = page.getByRole('navigation', { name: 'Breadcrumb' });
    const crumbs = (await breadcrumb.getByRole('listitem').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(crumbs, ['Home', 'Russian History', 'Soviet Union', ARTICLE_TITLE]);
    // The › between crumbs is drawn by CSS for the eye only; a screen reader hears just the names.
    assert.doesNotMatch(await breadcrumb.ariaSnapshot(), /›/);
    assert.equal(await breadcrumb.getByRole('link').count(), 3, 'every crumb but the article itself is a link');
    assert.equal(await breadcrumb.locator('[aria-current="page"]').textContent(), ARTICLE_TITLE);

    await breadcrumb.getByRole('link', { name: 'Soviet Union' }).click();
    await page.waitForURL(`${site.origin}/category/russian-history/soviet-union/`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Soviet Union');
    assert.equal(
      await page.getByRole('main').getByRole('link', { name: ARTICLE_TITLE, exact: true }).count(),
      1,
      'the category lists the article',
    );
    const categoryCrumbs = await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link').allInnerTexts();
    assert.deepEqual(categoryCrumbs, ['Home', 'Russian History']);

    await page.goBack();
    assert.equal(path(page), '/khalkhin-gol-1939/');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), ARTICLE_TITLE);
  });

  test('I jump to a section from the contents and land on its heading', async () => {
    const page = await open('/khalkhin-gol-1939/');
    const contents = page.getByRole('navigation', { name: 'Contents' });
    const entries = await contents.getByRole('link').allInnerTexts();
    assert.ok(entries.length >= 10, `a contents entry per section (${entries.length})`);
    // The notes (footnotes and citations, numbered together), then the works cited.
    assert.deepEqual(entries.slice(-2), ['Notes', 'Bibliography']);

    for (const [entry, id, level] of [
      ['Zhukov prepares', 'zhukov-prepares', 2],
      ['The making of Zhukov', 'the-making-of-zhukov', 3],
    ] as const) {
      await contents.getByRole('link', { name: entry, exact: true }).click();
      await page.waitForURL(`${site.origin}/khalkhin-gol-1939/#${id}`);
      const heading = page.getByRole('heading', { name: entry, exact: true, level });
      assert.equal(await heading.getAttribute('id'), id);
      await assertScrolledIntoView(heading, `heading “${entry}”`);
    }
  });

  test('I open a footnote, see the note, and its back-link returns me to where I was reading', async () => {
    const page = await open('/khalkhin-gol-1939/');
    const article = page.getByRole('article', { name: ARTICLE_TITLE });
    // Its name is the bracketed number shown (the brackets and a word joiner come from CSS).
    const reference = article.getByRole('link', { name: /\[3\]$/ });
    assert.equal(await reference.count(), 1);

    // With JavaScript the note opens beside its marker, and the page stays where it was.
    await reference.click();
    const preview = page.getByRole('dialog', { name: 'Note 3' });
    await preview.waitFor();
    assert.match((await preview.textContent()) ?? '', /Alvin D\. Coox, The Anatomy of a Small War/);
    assert.equal(hash(page), '');
    await page.keyboard.press('Escape');
    await preview.waitFor({ state: 'hidden' });

    // The notes list is still there: from a link to the note, its back-link returns to the reference.
    await page.goto(`${site.origin}/khalkhin-gol-1939/#user-content-fn-3`);
    const note = page.locator('#user-content-fn-3');
    assert.ok(await note.evaluate((el) => el.matches(':target')), 'the note is the target');
    assert.match((await note.textContent())?.trim() ?? '', /^Alvin D\. Coox, The Anatomy of a Small War/);
    assert.ok(await note.isVisible());
    await assertScrolledIntoView(note, 'note 3');
    const highlight = await note.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(highlight, 'rgba(0, 0, 0, 0)', 'the targeted note is highlighted');

    await note.getByRole('link', { name: 'Back to reference 3' }).click();
    await page.waitForURL((url) => url.hash === '#user-content-fnref-3');
    assert.equal(hash(page), '#user-content-fnref-3');
    assert.ok(await reference.evaluate((el) => el.matches(':target')), 'the reference is the target again');
    await assertScrolledIntoView(reference, 'reference [3]');
  });

  test('I search for Zhukov, see the word highlighted in the results, and open one', async () => {
    const page = await open('/khalkhin-gol-1939/');
    await page.getByLabel('Search the site').fill('Zhukov');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(`${site.origin}/search?q=Zhukov`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Search: Zhukov');
    assert.equal(await page.getByLabel('Search words').inputValue(), 'Zhukov', 'the query stays in the box');
    assert.match((await page.getByRole('status').textContent()) ?? '', /^\d+ results? for “Zhukov”$/);

    const results = page.getByRole('main').getByRole('article');
    const count = await results.count();
    assert.ok(count >= 2, `several results (${count})`);
    for (let i = 0; i < count; i++) {
      const marks = await results.nth(i).locator('mark').allInnerTexts();
      assert.ok(marks.length > 0, `result ${i + 1} highlights the match`);
      for (const m of marks) assert.match(m, /^zhukov/i);
    }

    const first = results.first().getByRole('heading').getByRole('link');
    const title = (await first.textContent())?.trim();
    await first.click();
    await page.waitForURL((url) => url.pathname !== '/search');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), title);
  });

  test('on a 390px phone the home page and the article fit the screen without sideways scrolling', async () => {
    const page = await open('/', PHONE);
    await assertNoSidewaysScroll(page, 'home page');
    await page.getByRole('main').getByRole('link', { name: ARTICLE_TITLE, exact: true }).click();
    await page.waitForURL(`${site.origin}/khalkhin-gol-1939/`);
    await assertNoSidewaysScroll(page, 'article');
    // The wide table scrolls inside its own box rather than widening the page.
    const table = page.getByRole('region', { name: 'Table' });
    await table.scrollIntoViewIfNeeded();
    await assertNoSidewaysScroll(page, 'article with its table in view');
    const box = await table.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width + 0.5, 'the table box stays within the screen');
  });
});
