import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { createOwnerSetupLink } from '../../src/modules/accounts/owner-setup.service.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { TestClock } from '../support/site.ts';

// The evidence story in Chromium, across reader and editor: a reader selects a wrong passage in the demo
// article and suggests a correction with a source; the editor finds it in the queue highlighted in the
// article, accepts it, which opens the editor with the change made and the note filled in, and publishes the
// update; readers then see the new wording, the dated entry in the article's corrections log crediting the
// reader, the site-wide corrections page, and the earlier version with the difference.

const NOW = '2025-10-01T09:00:00.000Z';
const PASSWORD = 'evidence before argument, always';
const SHOTS = '/tmp/annalist-shots';
const ARTICLE = '/khalkhin-gol-1939/';
const WRONG = 'usually put at seventy to ninety horsemen';
const RIGHT = 'usually put at about seventy horsemen';

let site: ServedSite;
let browser: TestBrowser;
let clock: TestClock;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  clock = new TestClock(new Date(NOW));
  clock.run();
  [site, browser] = await Promise.all([startServedSite({ clock }), launchBrowser({ bypassCSP: true })]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

async function expectNoAxeViolations(page: Page, name: string) {
  const violations = await axeViolations(page);
  assert.equal(violations.length, 0, describeViolations(name, violations));
}

async function go(page: Page, target: Locator) {
  await Promise.all([page.waitForEvent('load'), target.click()]);
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

/** Selects `words` inside the article body as a reader's mouse would, and lets the island see it. */
async function select(page: Page, words: string) {
  const found = await page.evaluate((w) => {
    const prose = document.querySelector('article .prose')!;
    const walker = document.createTreeWalker(prose, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const at = n.textContent!.indexOf(w);
      if (at < 0) continue;
      (n.parentElement as HTMLElement).scrollIntoView({ block: 'center' });
      const range = document.createRange();
      range.setStart(n, at);
      range.setEnd(n, at + w.length);
      const sel = window.getSelection()!;
      sel.removeAllRanges();
      sel.addRange(range);
      document.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
      return true;
    }
    return false;
  }, words);
  assert.ok(found, `"${words}" is in the article`);
}

test('a reader suggests a correction, an editor accepts it, and the article and its log show it', async () => {
  const reader = await browser.newPage();
  const editor = await browser.newPage();
  const errors: string[] = [];
  for (const p of [reader, editor]) p.on('pageerror', (e) => errors.push(String(e)));

  // ---- 1. The reader selects the wrong words; the button beside them opens the form with the quote ----
  await reader.goto(site.origin + ARTICLE);
  await select(reader, WRONG);
  const button = reader.getByRole('button', { name: 'Suggest a correction' });
  await button.waitFor({ state: 'visible' });
  await go(reader, button);
  assert.match(reader.url(), /\/khalkhin-gol-1939\/corrections\/new\?/);
  assert.equal((await reader.locator('blockquote.suggest-form__quote').textContent())?.trim(), WRONG);
  await reader
    .getByLabel('What is wrong')
    .fill(
      'Most accounts of the first clash give a patrol of about seventy; ninety is the high end of one estimate only.',
    );
  await reader.getByLabel('What it should say (optional)').fill(RIGHT);
  await reader.getByLabel('Your source (optional)').fill('https://example.org/coox-nomonhan-vol-1');
  await reader.getByLabel('Name', { exact: true }).fill('Ingrid Solheim');
  // She has commented on the site before, so her suggestion goes straight to the editors.
  await reader.getByLabel('Email (never shown)').fill('ingrid.solheim@example.org');
  await reader.getByLabel('Credit me by name in the corrections log if the correction is accepted').check();
  await expectNoAxeViolations(reader, 'suggestion form');
  await shot(reader, 'evidence-suggest');
  clock.run(new Date(clock.now().getTime() + 60_000)); // a person takes a minute to write this
  await go(reader, reader.getByRole('button', { name: 'Send the suggestion' }));
  assert.match(reader.url(), /\/khalkhin-gol-1939\/corrections\/sent\?held=0/);

  // ---- 2. The editor signs in (the one-time owner link) and finds it in the corrections queue ----
  const link = await createOwnerSetupLink({ db: site.site.content.db, clock, baseUrl: site.origin });
  await editor.goto(link.url);
  await editor.getByLabel('Your name').fill('Elena Markova');
  await editor.getByLabel('Email').fill('elena@example.org');
  await editor.getByLabel('New password', { exact: true }).fill(PASSWORD);
  await editor.getByLabel('New password again').fill(PASSWORD);
  await go(editor, editor.getByRole('button', { name: 'Become the owner and sign in' }));
  await go(editor, editor.getByRole('link', { name: 'Corrections', exact: true }));
  await expectNoAxeViolations(editor, 'corrections queue');
  const item = editor.getByRole('link', { name: new RegExp(WRONG) });
  await go(editor, item.first());
  // The passage is highlighted where it stands in the current article.
  assert.equal((await editor.locator('mark#suggested-passage').textContent())?.replace(/\s+/g, ' '), WRONG);
  await expectNoAxeViolations(editor, 'suggestion detail');
  await shot(editor, 'evidence-review');

  // ---- 3. Accept: the editor opens with the change made and the note filled in; publish the update ----
  await go(editor, editor.getByRole('link', { name: /^Accept/ }));
  // The form's own field under the CodeMirror canvas (decision 046) holds what the canvas shows.
  const body = await editor.locator('textarea[name="body"]').inputValue();
  assert.ok(body.includes(RIGHT) && !body.includes(WRONG), 'the proposed wording is in the body');
  assert.match(await editor.locator('textarea[name="correctionSummary"]').inputValue(), /seventy/);
  await editor.getByLabel(/Credit Ingrid Solheim/).check();
  await expectNoAxeViolations(editor, 'editor with a correction');
  await go(editor, editor.getByRole('button', { name: 'Update', exact: true }));
  assert.equal(await editor.locator('.error-summary').count(), 0, 'the update was saved');

  // ---- 4. Readers see the new wording, the log entry, the site-wide page and the earlier version ----
  await reader.goto(site.origin + ARTICLE);
  const prose = (await reader.locator('article .prose').textContent()) ?? '';
  assert.ok(prose.includes(RIGHT) && !prose.includes(WRONG), 'the article reads the corrected wording');
  const log = reader.locator('#corrections');
  const entries = log.locator('li');
  const newest = (await entries.first().textContent()) ?? '';
  assert.match(newest, /1 October 2025/);
  assert.match(newest, /seventy/);
  assert.match(newest, /Suggested by Ingrid Solheim/);
  // The demo's older correction (the 1938 slip) is still listed below it.
  assert.match((await log.textContent()) ?? '', /11 May 1938/);
  await log.scrollIntoViewIfNeeded();
  await reader.screenshot({ path: `${SHOTS}/evidence-log.png` });
  await expectNoAxeViolations(reader, 'article with its corrections log');

  await reader.goto(`${site.origin}/corrections/`);
  assert.match((await reader.locator('main').textContent()) ?? '', /seventy/);
  await expectNoAxeViolations(reader, 'corrections page');

  // "See this version" of the newest entry, then the difference with the version before.
  await reader.goto(site.origin + ARTICLE);
  await go(reader, log.getByRole('link', { name: /See this version/ }).first());
  assert.match(reader.url(), /\/khalkhin-gol-1939\/revisions\/\d+\/$/);
  await go(reader, reader.getByRole('link', { name: /All versions|earlier versions/i }).first());
  await expectNoAxeViolations(reader, 'versions list');
  assert.deepEqual(errors, []);
});
