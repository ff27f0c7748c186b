import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { createOwnerSetupLink } from '../../src/modules/accounts/owner-setup.service.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { recordCorrection } from '../../src/modules/corrections/corrections-log.service.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { type Article, createArticle, createComment } from '../support/factories.ts';
import { TestClock } from '../support/site.ts';

// The evidence story in Chromium, across reader and editor, on an article made here: a reader selects a wrong
// passage and suggests a correction with a source; the editor finds it in the queue highlighted in the article,
// accepts it, which opens the editor with the change made and the note filled in, and publishes the update;
// readers then see the new wording, the dated entry in the article's corrections log crediting the reader (above
// the article's earlier correction), the site-wide corrections page, and the earlier version with the difference.

const NOW = '2025-10-01T09:00:00.000Z';
const PASSWORD = 'evidence before argument, always';
const SHOTS = '/tmp/annalist-shots';
const WRONG = 'usually put at seventy to ninety horsemen';
const RIGHT = 'usually put at about seventy horsemen';
const READER = { name: 'Ingrid Solheim', email: 'ingrid.solheim@example.org' };

/** The article's Markdown: a paragraph with the wrong words between two others. */
const body = (date: string) =>
  [
    `The first clash at the river came on ${date}, when a Mongolian patrol crossed to water its horses.`,
    `The patrol's strength is ${WRONG}, though the sources disagree on who fired first.`,
    'Within a fortnight both sides had sent reinforcements, and the incident had become a campaign.',
  ].join('\n\n');

let site: ServedSite;
let browser: TestBrowser;
let clock: TestClock;
let article: Article;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  clock = new TestClock(new Date(NOW));
  clock.run();
  [site, browser] = await Promise.all([startServedSite({ clock, demo: false }), launchBrowser({ bypassCSP: true })]);
  article = await articleWithEarlierCorrection();
  // She has commented on the site before, so her suggestion goes straight to the editors.
  await createComment(site, article, { ...READER, body: 'Does anyone have the patrol’s own report?' });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

/**
 * The article, published in September with a slip in a date, then corrected as the editor's save does it: the body
 * saved again (savePost), and the note recorded in the article's log with the revision that save made.
 */
async function articleWithEarlierCorrection(): Promise<Article> {
  const publishedAt = '2025-09-01T08:00:00.000Z';
  const made = await createArticle(site, { body: body('11 May 1938'), publishedAt });
  const fixedAt = { now: () => new Date('2025-09-03T16:10:00.000Z') };
  const deps = { ...site.site.content, clock: fixedAt };
  const saved = await savePost(deps, {
    id: made.id,
    type: 'post',
    status: 'published',
    slug: made.slug,
    title: made.title,
    standfirst: '',
    bodyMarkdown: body('11 May 1939'),
    publishedAt,
    updatedAt: fixedAt.now().toISOString(),
    categoryPath: null,
    tags: [],
    authorSlugs: [],
    cover: null,
    commentsOpen: true,
    seoTitle: null,
    seoDescription: null,
  });
  const note = {
    kind: 'correction' as const,
    summary: 'It read 11 May 1938.',
    reason: '',
    sourceText: '',
    credit: false,
  };
  const entry = { postId: made.id, revisionNumber: saved.revision, note, creditName: null, suggestionId: null };
  await recordCorrection(deps, { ...entry, userId: null });
  return made;
}

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
  await reader.goto(site.origin + article.url);
  await select(reader, WRONG);
  const button = reader.getByRole('button', { name: 'Suggest a correction' });
  await button.waitFor({ state: 'visible' });
  await go(reader, button);
  assert.equal(new URL(reader.url()).pathname, `${article.url}corrections/new`);
  const chosen = reader.getByRole('group', { name: 'The passage you chose' }).getByRole('blockquote');
  assert.equal((await chosen.textContent())?.trim(), WRONG);
  await reader
    .getByLabel('What is wrong')
    .fill(
      'Most accounts of the first clash give a patrol of about seventy; ninety is the high end of one estimate only.',
    );
  await reader.getByLabel('What it should say (optional)').fill(RIGHT);
  await reader.getByLabel('Your source (optional)').fill('https://example.org/coox-nomonhan-vol-1');
  await reader.getByLabel('Name', { exact: true }).fill(READER.name);
  await reader.getByLabel('Email (never shown)').fill(READER.email);
  await reader.getByLabel('Credit me by name in the corrections log if the correction is accepted').check();
  await expectNoAxeViolations(reader, 'suggestion form');
  await shot(reader, 'evidence-suggest');
  clock.run(new Date(clock.now().getTime() + 60_000)); // a person takes a minute to write this
  await go(reader, reader.getByRole('button', { name: 'Send the suggestion' }));
  const sent = new URL(reader.url());
  assert.equal(`${sent.pathname}${sent.search}`, `${article.url}corrections/sent?held=0`, 'not held');

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
  // By tag: playwright-core's role list has no "mark" (ARIA 1.3).
  assert.equal((await editor.locator('mark').textContent())?.replace(/\s+/g, ' '), WRONG);
  await expectNoAxeViolations(editor, 'suggestion detail');
  await shot(editor, 'evidence-review');

  // ---- 3. Accept: the editor opens with the change made and the note filled in; publish the update ----
  await go(editor, editor.getByRole('link', { name: /^Accept/ }));
  // The form's own field under the CodeMirror canvas (decision 046) holds what the canvas shows.
  const text = await editor.locator('textarea[name="body"]').inputValue();
  assert.ok(text.includes(RIGHT) && !text.includes(WRONG), 'the proposed wording is in the body');
  assert.ok((await editor.getByLabel('What changed').inputValue()).includes('seventy'), 'the note names the change');
  await editor.getByLabel(/Credit Ingrid Solheim/).check();
  await expectNoAxeViolations(editor, 'editor with a correction');
  await go(editor, editor.getByRole('button', { name: 'Update', exact: true }));
  assert.equal(await editor.getByRole('alert').count(), 0, 'the update was saved: no error summary');

  // ---- 4. Readers see the new wording, the log entry, the site-wide page and the earlier version ----
  await reader.goto(site.origin + article.url);
  const paragraphs = reader.getByRole('article', { name: article.title }).getByRole('paragraph');
  assert.equal(await paragraphs.filter({ hasText: RIGHT }).count(), 1, 'the article reads the corrected wording');
  assert.equal(await paragraphs.filter({ hasText: WRONG }).count(), 0, 'and no longer the wrong one');
  const log = reader.getByRole('region', { name: 'Corrections and updates' });
  const entries = log.getByRole('list').first().getByRole('listitem');
  assert.equal(await entries.count(), 2, 'the new entry and the earlier one');
  const newest = (await entries.first().textContent()) ?? '';
  for (const words of ['1 October 2025', 'seventy', `Suggested by ${READER.name}`])
    assert.ok(newest.includes(words), `the newest entry says “${words}”: ${newest}`);
  // The article's earlier correction (the 1938 slip) is still listed below it.
  const earlier = (await entries.nth(1).textContent()) ?? '';
  for (const words of ['3 September 2025', 'It read 11 May 1938.'])
    assert.ok(earlier.includes(words), `the earlier entry says “${words}”: ${earlier}`);
  await log.scrollIntoViewIfNeeded();
  await reader.screenshot({ path: `${SHOTS}/evidence-log.png` });
  await expectNoAxeViolations(reader, 'article with its corrections log');

  await reader.goto(`${site.origin}/corrections/`);
  assert.ok(((await reader.getByRole('main').textContent()) ?? '').includes('seventy'), 'the site-wide page lists it');
  await expectNoAxeViolations(reader, 'corrections page');

  // "See this version" of the newest entry, then the difference with the version before.
  await reader.goto(site.origin + article.url);
  await go(reader, log.getByRole('link', { name: /See this version/ }).first());
  assert.equal(new URL(reader.url()).pathname, `${article.url}revisions/3/`, 'the version the update made');
  await go(reader, reader.getByRole('link', { name: /All versions|earlier versions/i }).first());
  await expectNoAxeViolations(reader, 'versions list');
  assert.deepEqual(errors, []);
});
