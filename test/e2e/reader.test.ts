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
import { type Article, type Category, createArticle, createCategory, createSource } from '../support/factories.ts';

/**
 * A reader's stories in Chromium. The site is the demo's for its layout alone (the sidebar's search widget); the
 * long article with its sections, notes, source and wide table, its categories and the articles a search finds are
 * all made here (test/support/factories.ts).
 */

const ARTICLE_TITLE = 'The steppe campaign: a long article in sections';
/** A word no other text on the site holds, for the search story. */
const RARE_WORD = 'Orkhonite';

let site: ServedSite;
let browser: TestBrowser;
/** The article of every story, filed under `child` (itself under `parent`). */
let article: Article;
let parent: Category;
let child: Category;
/** The source note 3 cites. */
let source: { key: string; title: string };

before(async () => {
  [site, browser] = await Promise.all([startServedSite(), launchBrowser()]);
  parent = await createCategory(site, { name: 'Frontier Wars' });
  child = await createCategory(site, { name: 'Steppe Campaigns', parent });
  source = await createSource(site, { title: 'Grass and Iron', authors: 'Halvorsen, Ingrid', date: '1987' });
  article = await createArticle(site, { title: ARTICLE_TITLE, category: child.path, body: longBody(source.key) });
  // Two more articles with the rare word, for the search; neither in the category.
  await createArticle(site, {
    title: `${RARE_WORD} in the river sand`,
    body: `${PARAGRAPH}\n\n${RARE_WORD} was found.`,
  });
  await createArticle(site, { title: 'A second find', body: `The ${RARE_WORD} deposits were mapped in 1931.` });
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

/** A paragraph of about a hundred words: the sections are long enough that the page scrolls to each. */
const PARAGRAPH = Array.from(
  { length: 10 },
  (_, i) => `Sentence ${i + 1} of this paragraph tells the reader what a long article tells, at length.`,
).join(' ');

/** The long article's sections: [heading, its level] in order, as its contents lists them. */
const SECTIONS = [
  ['A frontier nobody had fixed', 2],
  ['Rivals in the borderlands', 2],
  ['Two client states', 3],
  ['The general prepares', 2],
  ['A long way from the railway', 3],
  ['The encirclement', 2],
] as const;

/** The Markdown of the long article: its sections, three notes (the third citing `sourceKey`) and a wide table. */
function longBody(sourceKey: string): string {
  const notes = ['[^1]', '[^2]', '[^3]'];
  const sections = SECTIONS.map(([heading, level], i) => {
    const note = notes[i] ?? '';
    return `${'#'.repeat(level)} ${heading}\n\n${PARAGRAPH}${note}\n\n${PARAGRAPH}`;
  });
  const cells = (word: string) => Array.from({ length: 8 }, (_, i) => `${word} ${i + 1} with several long words`);
  const table = [
    `| ${cells('Column').join(' | ')} |`,
    `| ${cells('x')
      .map(() => '---')
      .join(' | ')} |`,
    `| ${cells('Value').join(' | ')} |`,
  ].join('\n');
  return [
    PARAGRAPH,
    ...sections.slice(0, 5),
    table,
    sections[5],
    '[^1]: A first note, on the border claims.',
    '[^2]: A second note, on the rival powers.',
    `[^3]: :cite[${sourceKey}]{loc="p. 12"}, on the preparations.`,
  ].join('\n\n');
}

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

describe('a reader of a long article', () => {
  test('I open the article from the home page and use its breadcrumb to browse its category and come back', async () => {
    const page = await open('/');
    await page.getByRole('main').getByRole('link', { name: ARTICLE_TITLE, exact: true }).click();
    await page.waitForURL(site.origin + article.url);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), ARTICLE_TITLE);
    assert.ok((await page.title()).startsWith(`${ARTICLE_TITLE} · `), await page.title());

    const breadcrumb = page.getByRole('navigation', { name: 'Breadcrumb' });
    const crumbs = (await breadcrumb.getByRole('listitem').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(crumbs, ['Home', parent.name, child.name, ARTICLE_TITLE]);
    // The › between crumbs is drawn by CSS for the eye only; a screen reader hears just the names.
    assert.ok(!(await breadcrumb.ariaSnapshot()).includes('›'), 'no › in what a screen reader hears');
    assert.equal(await breadcrumb.getByRole('link').count(), 3, 'every crumb but the article itself is a link');
    assert.equal(await breadcrumb.locator('[aria-current="page"]').textContent(), ARTICLE_TITLE);

    await breadcrumb.getByRole('link', { name: child.name }).click();
    await page.waitForURL(site.origin + child.url);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), child.name);
    assert.equal(
      await page.getByRole('main').getByRole('link', { name: ARTICLE_TITLE, exact: true }).count(),
      1,
      'the category lists the article',
    );
    const categoryCrumbs = await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link').allInnerTexts();
    assert.deepEqual(categoryCrumbs, ['Home', parent.name]);

    await page.goBack();
    assert.equal(path(page), article.url);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), ARTICLE_TITLE);
  });

  test('I jump to a section from the contents and land on its heading', async () => {
    const page = await open(article.url);
    const contents = page.getByRole('navigation', { name: 'Contents' });
    const entries = await contents.getByRole('link').allInnerTexts();
    // A contents entry per section, then the notes (footnotes and citations, numbered together) and works cited.
    assert.deepEqual(entries, [...SECTIONS.map(([heading]) => heading), 'Notes', 'Bibliography']);

    for (const [entry, id, level] of [
      ['The general prepares', 'the-general-prepares', 2],
      ['A long way from the railway', 'a-long-way-from-the-railway', 3],
    ] as const) {
      await contents.getByRole('link', { name: entry, exact: true }).click();
      await page.waitForURL(`${site.origin}${article.url}#${id}`);
      const heading = page.getByRole('heading', { name: entry, exact: true, level });
      assert.equal(await heading.getAttribute('id'), id);
      await assertScrolledIntoView(heading, `heading “${entry}”`);
    }
  });

  test('I open a footnote, see the note, and its back-link returns me to where I was reading', async () => {
    const page = await open(article.url);
    const body = page.getByRole('article', { name: ARTICLE_TITLE });
    // Its name is the bracketed number shown (the brackets and a word joiner come from CSS).
    const reference = body.getByRole('link', { name: /\[3\]$/ });
    assert.equal(await reference.count(), 1);
    // The note cites the source: its author and title, then the page.
    const cited = 'Ingrid Halvorsen, Grass and Iron (London: Test Press, 1987), 12, on the preparations.';

    // With JavaScript the note opens beside its marker, and the page stays where it was.
    await reference.click();
    const preview = page.getByRole('dialog', { name: 'Note 3' });
    await preview.waitFor();
    const previewText = (await preview.textContent())?.trim() ?? '';
    assert.ok(previewText.endsWith(cited), previewText);
    assert.equal(hash(page), '');
    await page.keyboard.press('Escape');
    await preview.waitFor({ state: 'hidden' });

    // The notes list is still there: from a link to the note, its back-link returns to the reference.
    await page.goto(`${site.origin}${article.url}#user-content-fn-3`);
    const note = page.locator('#user-content-fn-3');
    assert.ok(await note.evaluate((el) => el.matches(':target')), 'the note is the target');
    const noteText = (await note.textContent())?.trim() ?? '';
    assert.ok(noteText.startsWith(cited), noteText);
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

  test('I search for a rare word, see it highlighted in the results, and open one', async () => {
    const page = await open(article.url);
    await page.getByLabel('Search the site').fill(RARE_WORD);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(`${site.origin}/search?q=${RARE_WORD}`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), `Search: ${RARE_WORD}`);
    assert.equal(await page.getByLabel('Search words').inputValue(), RARE_WORD, 'the query stays in the box');
    assert.equal(await page.getByRole('status').textContent(), `2 results for “${RARE_WORD}”`);

    const results = page.getByRole('main').getByRole('article');
    assert.equal(await results.count(), 2, 'the two articles with the word');
    for (let i = 0; i < 2; i++) {
      // By tag: playwright-core's role list has no "mark" (ARIA 1.3).
      const marks = await results.nth(i).locator('mark').allInnerTexts();
      assert.ok(marks.length > 0, `result ${i + 1} highlights the match`);
      for (const m of marks) assert.equal(m.toLowerCase(), RARE_WORD.toLowerCase());
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
    await page.waitForURL(site.origin + article.url);
    await assertNoSidewaysScroll(page, 'article');
    // The wide table scrolls inside its own box rather than widening the page.
    const table = page.getByRole('region', { name: 'Table' });
    await table.scrollIntoViewIfNeeded();
    await assertNoSidewaysScroll(page, 'article with its table in view');
    const box = await table.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width + 0.5, 'the table box stays within the screen');
    const scrolls = await table.evaluate((el) => el.scrollWidth > el.clientWidth);
    assert.ok(scrolls, 'the table is wider than the screen, so its box scrolls');
  });
});
