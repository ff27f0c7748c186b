import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { type Article, createArticle, createComment } from '../support/factories.ts';
import { staffClient } from '../support/staff-client.ts';

/**
 * The "Suggest a correction" island and form in Chromium, on an article made here (test/support/factories.ts):
 * its second paragraph is the one the reader selects words in.
 */

const OPENING = 'A short opening paragraph.';
const PASSAGE =
  'The river crossing was held for three days by a battalion that had marched two hundred kilometres to reach it.';

let site: ServedSite;
let browser: TestBrowser;
let article: Article;
const staff = staffClient(() => site);
before(async () => {
  [site, browser] = await Promise.all([startServedSite({ demo: false }), launchBrowser()]);
  article = await createArticle(site, { body: `${OPENING}\n\n${PASSAGE}\n\nA closing paragraph, also short.` });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

// Every story fails on a console error: a CSP violation by the island would show up there.
let visit: { page: Page; errors: string[] } | undefined;
async function open(path: string): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  visit = { page, errors };
  await page.goto(site.origin + path);
  return page;
}
afterEach(async () => {
  if (!visit) return;
  const { page, errors } = visit;
  visit = undefined;
  await page.close();
  assert.deepEqual(errors, [], 'no console errors (CSP violations, script errors)');
});

/** Selects words of the article's second paragraph as a keyboard or mouse selection would; returns them. */
async function selectWords(page: Page): Promise<string> {
  const paragraph = page
    .getByRole('article', { name: article.title })
    .getByRole('paragraph')
    .filter({ hasText: PASSAGE });
  return paragraph.evaluate((p) => {
    p.scrollIntoView({ block: 'center' });
    const node = p.firstChild!;
    const text = node.textContent!;
    const start = text.indexOf(' ') + 1;
    const end = text.indexOf(' ', start + 25);
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    const sel = window.getSelection()!;
    sel.removeAllRanges();
    sel.addRange(range);
    return text.slice(start, end);
  });
}

/** The passage the form quotes, as chosen by the selection. */
const chosenPassage = async (page: Page) =>
  (await page.getByRole('group', { name: 'The passage you chose' }).getByRole('blockquote').textContent())?.trim();

test('a reader selects words in the article, presses the button beside them and the form opens with the quote', async () => {
  const page = await open(article.url);
  const button = page.getByRole('button', { name: 'Suggest a correction' });
  assert.equal(await button.isVisible(), false, 'no button until something is selected');
  const words = await selectWords(page);
  await button.waitFor({ state: 'visible' });
  // The button sits just below the selection.
  const [box, selectionBottom] = await Promise.all([
    button.boundingBox(),
    page.evaluate(() => window.getSelection()!.getRangeAt(0).getBoundingClientRect().bottom),
  ]);
  assert.ok(box && Math.abs(box.y - selectionBottom) < 40, `button at ${box?.y}, selection ends at ${selectionBottom}`);
  await button.click();
  await page.waitForURL((url) => url.pathname === `${article.url}corrections/new` && url.search !== '');
  const sentStart = new URL(page.url()).searchParams.get('start');
  assert.equal(await chosenPassage(page), words);
  assert.equal(await page.getByLabel('The passage that is wrong').count(), 0, 'no need to type the passage');

  await page.getByLabel('What is wrong').fill('The date is a year out, as the sources show.');
  await page.getByLabel('Name', { exact: true }).fill('Selma Reader');
  await page.getByLabel('Email (never shown)').fill('selma@example.net');
  site.clock.set(new Date(site.clock.now().getTime() + 60_000));
  await page.getByRole('button', { name: 'Send the suggestion' }).click();
  await page.waitForURL(/\/corrections\/sent/);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Thank you for your suggestion');
  const row = await site.site.content.db
    .selectFrom('correction_suggestions')
    .selectAll()
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  assert.equal(row.quote, words);
  assert.equal(row.author_name, 'Selma Reader');
  // The browser's textContent offsets and the server's text model agree.
  assert.equal(String(JSON.parse(row.selector_json)[1].start), sentStart);
});

test('with the keyboard: after selecting, the button is reached with the keyboard and opens the form', async () => {
  const page = await open(article.url);
  const words = await selectWords(page);
  const button = page.getByRole('button', { name: 'Suggest a correction' });
  await button.waitFor({ state: 'visible' });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/corrections\/new\?/);
  assert.equal(await chosenPassage(page), words);
});

test('the link under the article takes the current selection too (and works without one)', async () => {
  const page = await open(article.url);
  const words = await selectWords(page);
  await page.getByRole('link', { name: 'Suggest a correction' }).click();
  await page.waitForURL(/\/corrections\/new\?/);
  assert.equal(await chosenPassage(page), words);
  await page.goto(site.origin + article.url);
  await page.getByRole('link', { name: 'Suggest a correction' }).click();
  await page.waitForURL(/\/corrections\/new$/);
  assert.equal(await page.getByLabel('The passage that is wrong').count(), 1);
});

test('the suggestion pages and their review pages have no axe-core violations, errors and all', async () => {
  const axeBrowser = await launchBrowser({ bypassCSP: true });
  try {
    const editor = await staff.person('editor', 'AxeEditor');
    const page = await axeBrowser.newPage();
    const failures: string[] = [];
    const check = async (name: string) => {
      const found = await axeViolations(page);
      if (found.length > 0) failures.push(describeViolations(name, found));
    };
    await page.goto(`${site.origin}${article.url}corrections/new`);
    await check('empty form');
    await page.getByRole('button', { name: 'Send the suggestion' }).click();
    await page.waitForLoadState();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /Say what is wrong/);
    await check('form with errors');
    // One letter of the passage mistyped: the form offers the passage as it stands.
    const firstWords = PASSAGE.slice(0, 60);
    await page.getByLabel('The passage that is wrong').fill(`${firstWords.slice(0, 20)}x${firstWords.slice(21)}`);
    await page.getByLabel('What is wrong').fill('A letter is wrong.');
    await page.getByLabel('Name', { exact: true }).fill('Axe Reader');
    await page.getByLabel('Email (never shown)').fill('axe@example.net');
    await page.getByRole('button', { name: 'Send the suggestion' }).click();
    await page.waitForLoadState();
    assert.equal(await page.getByRole('group', { name: 'Did you mean this passage?' }).count(), 1);
    await check('did you mean');
    site.clock.set(new Date(site.clock.now().getTime() + 60_000));
    await page.getByRole('button', { name: 'Yes, send the suggestion' }).click();
    await page.waitForURL(/\/corrections\/sent/);
    await check('thank-you page');
    const row = await site.site.content.db
      .selectFrom('correction_suggestions')
      .select('id')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const [name, value] = editor.cookie.split('=') as [string, string];
    await axeBrowser.context.addCookies([{ name, value, url: site.origin }]);
    await page.goto(`${site.origin}/admin/corrections?status=held`);
    await check('admin list');
    await page.goto(`${site.origin}/admin/corrections/${row.id}`);
    // By tag: playwright-core's role list has no "mark" (ARIA 1.3).
    assert.equal(await page.locator('mark').count(), 1, 'the passage highlighted in the article');
    await check('admin detail');
    const comment = await createComment(site, article, { body: 'The battalion had marched three hundred kilometres.' });
    await page.goto(`${site.origin}/admin/corrections/from-comment/${comment.id}`);
    await check('comment to suggestion');
    assert.deepEqual(failures, []);
  } finally {
    await axeBrowser.close();
  }
});
