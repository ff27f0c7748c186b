import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, afterEach, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createUser } from '../../src/modules/accounts/accounts.service.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';

const ARTICLE = '/khalkhin-gol-1939/';

let site: ServedSite;
let browser: TestBrowser;
before(async () => {
  [site, browser] = await Promise.all([startServedSite(), launchBrowser()]);
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
  return page.evaluate(() => {
    const paragraphs = [...document.querySelectorAll('article .prose > p')];
    const p = paragraphs.find((el) => (el.firstChild?.textContent ?? '').length > 60)!;
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

test('a reader selects words in the article, presses the button beside them and the form opens with the quote', async () => {
  const page = await open(ARTICLE);
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
  await page.waitForURL(/\/khalkhin-gol-1939\/corrections\/new\?/);
  const sentStart = new URL(page.url()).searchParams.get('start');
  const quote = page.locator('blockquote.suggest-form__quote');
  assert.equal((await quote.textContent())?.trim(), words);
  assert.equal(await page.locator('textarea[name="quote"]').count(), 0, 'no need to type the passage');

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
  const page = await open(ARTICLE);
  const words = await selectWords(page);
  const button = page.getByRole('button', { name: 'Suggest a correction' });
  await button.waitFor({ state: 'visible' });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/corrections\/new\?/);
  assert.equal((await page.locator('blockquote.suggest-form__quote').textContent())?.trim(), words);
});

test('the link under the article takes the current selection too (and works without one)', async () => {
  const page = await open(ARTICLE);
  const words = await selectWords(page);
  await page.getByRole('link', { name: 'Suggest a correction' }).click();
  await page.waitForURL(/\/corrections\/new\?/);
  assert.equal((await page.locator('blockquote.suggest-form__quote').textContent())?.trim(), words);
  await page.goto(site.origin + ARTICLE);
  await page.getByRole('link', { name: 'Suggest a correction' }).click();
  await page.waitForURL(/\/corrections\/new$/);
  assert.equal(await page.getByLabel('The passage that is wrong').count(), 1);
});

test('the suggestion pages and their review pages have no axe-core violations, errors and all', async () => {
  const axeBrowser = await launchBrowser({ bypassCSP: true });
  try {
    const editor = await createUser(site.site.content, {
      email: 'axe-editor@example.org',
      name: 'Axe Editor',
      role: 'editor',
    });
    const token = randomBytes(32).toString('base64url');
    const now = site.clock.now();
    await site.site.content.db
      .insertInto('sessions')
      .values({
        token_hash: createHash('sha256').update(token).digest('hex'),
        user_id: editor.id,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + 86_400_000).toISOString(),
      })
      .execute();
    const page = await axeBrowser.newPage();
    const failures: string[] = [];
    const check = async (name: string) => {
      const found = await axeViolations(page);
      if (found.length > 0) failures.push(describeViolations(name, found));
    };
    await page.goto(`${site.origin}/khalkhin-gol-1939/corrections/new`);
    await check('empty form');
    await page.getByRole('button', { name: 'Send the suggestion' }).click();
    await page.waitForLoadState();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /Say what is wrong/);
    await check('form with errors');
    const firstWords = await page.evaluate(async () => {
      const res = await fetch('/khalkhin-gol-1939/');
      const html = await res.text();
      const doc = new DOMParser().parseFromString(html, 'text/html');
      const p = [...doc.querySelectorAll('article .prose > p')].find((el) => (el.textContent ?? '').length > 80)!;
      return (p.textContent ?? '').slice(0, 60);
    });
    await page.getByLabel('The passage that is wrong').fill(`${firstWords.slice(0, 20)}x${firstWords.slice(21)}`);
    await page.getByLabel('What is wrong').fill('A letter is wrong.');
    await page.getByLabel('Name', { exact: true }).fill('Axe Reader');
    await page.getByLabel('Email (never shown)').fill('axe@example.net');
    await page.getByRole('button', { name: 'Send the suggestion' }).click();
    await page.waitForLoadState();
    assert.match(await page.content(), /Did you mean/);
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
    await axeBrowser.context.addCookies([{ name: 'annalist_session', value: token, url: site.origin }]);
    await page.goto(`${site.origin}/admin/corrections?status=held`);
    await check('admin list');
    await page.goto(`${site.origin}/admin/corrections/${row.id}`);
    assert.equal(await page.locator('mark#suggested-passage').count(), 1);
    await check('admin detail');
    const comment = await site.site.content.db.selectFrom('comments').select('id').limit(1).executeTakeFirstOrThrow();
    await page.goto(`${site.origin}/admin/corrections/from-comment/${comment.id}`);
    await check('comment to suggestion');
    assert.deepEqual(failures, []);
  } finally {
    await axeBrowser.close();
  }
});
