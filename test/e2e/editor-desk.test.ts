import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import { importBibliography } from '../../src/modules/sources/bibliography-import.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { signInThroughForm } from '../support/staff-client.ts';

// Issue 16: the writer's desk in Chromium, at a desktop's 1440×900 and a phone's 390×844. A writer starts a post
// on the CodeMirror canvas, completes a citation from the sources library, adds a footnote with the toolbar,
// drops an image (a real PNG) and describes it in place, is told plainly whether the text is saved (and what
// happens offline), jumps from a check's finding to its line, and publishes through the pre-publish panel.
// The page passes axe-core, light and dark.

const SHOTS = '/var/tmp/shots/editor';
const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const PASSWORD = 'a long passphrase for the writer';
const SOURCE_KEY = 'vorontsov-1941';
// A source written for this test (CSL-JSON): the completion finds it by its author's name.
const LIBRARY = JSON.stringify([
  {
    id: SOURCE_KEY,
    type: 'book',
    title: 'River crossings of the eastern steppe',
    author: [{ family: 'Vorontsov', given: 'Ilya' }],
    publisher: 'Steppe Press',
    issued: { 'date-parts': [[1941]] },
  },
]);

let site: ServedSite;
let browser: TestBrowser;
let png: Buffer;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [site, browser] = await Promise.all([startServedSite(), launchBrowser({ bypassCSP: true })]);
  const deps = site.site.content;
  await importBibliography(deps, { text: LIBRARY });
  const owner = await createUser(deps, { email: 'wren@example.org', name: 'Wren Writer', role: 'owner' });
  await setPassword(deps, { userId: owner.id, password: PASSWORD });
  const { token: session } = await signInThroughForm(site.app, { email: 'wren@example.org', password: PASSWORD });
  await browser.context.addCookies([{ name: 'annalist_session', value: session, url: site.origin }]);
  // A small real picture: a blue river across a sand-coloured field.
  png = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#d9cfa8' } })
    .composite([{ input: { create: { width: 16, height: 64, channels: 3, background: '#3b6e9c' } }, left: 40, top: 0 }])
    .png()
    .toBuffer();
});
after(async () => {
  await browser?.close();
  await site?.close();
});

const postCount = async () => (await site.site.content.db.selectFrom('posts').select('id').execute()).length;

async function expectNoAxeViolations(page: Page, name: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const violations = await axeViolations(page);
    assert.equal(violations.length, 0, describeViolations(`${name} (${colorScheme})`, violations));
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The canvas's text as the form will send it (CodeMirror writes it back to the hidden textarea). */
const bodyText = (page: Page) => page.locator('textarea[name="body"]').inputValue();

/** Drops a file on the canvas the way a browser does: a drop event carrying a DataTransfer with the file. */
async function dropFile(page: Page, file: { name: string; type: string; base64?: string; size?: number }) {
  await page.evaluate((f) => {
    const bytes = f.base64 ? Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0)) : new Uint8Array(f.size ?? 0);
    const data = new DataTransfer();
    data.items.add(new File([bytes], f.name, { type: f.type }));
    const target = document.querySelector('.cm-content')!;
    const box = target.getBoundingClientRect();
    const at = { clientX: box.left + 20, clientY: box.top + 10 };
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true, ...at }));
  }, file);
}

/** The line the cursor is on (CodeMirror marks it as the active line). */
const cursorLine = (page: Page) =>
  page.evaluate(() => {
    const lines = [...document.querySelectorAll('.cm-content .cm-line')];
    const active = document.querySelector('.cm-content .cm-activeLine');
    return { text: active?.textContent ?? '', index: active ? lines.indexOf(active) + 1 : 0 };
  });

async function writersDay(first: Page, label: string, viewport: { width: number; height: number }) {
  let page = first;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const before = await postCount();
  await page.goto(`${site.origin}/admin/posts/new`);
  const canvas = page.getByRole('textbox', { name: 'Body (Markdown)' });
  await canvas.waitFor();
  assert.equal(await page.locator('textarea[name="body"]').isVisible(), false, 'the textarea gives way to the canvas');
  assert.ok(await page.getByRole('toolbar', { name: 'Formatting' }).isVisible());
  assert.equal(await page.getByRole('button', { name: /^(Publish|Send for review|Update|Schedule)$/ }).count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Publish', exact: true }).count(), 1, 'one primary action');
  const settings = page.getByRole('region', { name: 'Post settings' });
  assert.equal(await settings.isVisible(), false, 'the settings are folded away');

  const title = `The ford at Tamsag, ${label}`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await canvas.click();
  await page.keyboard.type('The ford held for three days. The batte for the crossing was short.');

  // ---- Citation completion: the source is found by its author's name, its key and a page inserted ----
  await page.keyboard.type(' As the survey notes:cite[voron');
  const option = page.getByRole('option', { name: new RegExp(SOURCE_KEY) });
  await option.waitFor();
  assert.match((await option.textContent()) ?? '', /Vorontsov 1941/);
  // Picked with the pointer: CodeMirror ignores an Enter in the first 75 ms of a list (its interactionDelay).
  await option.click();
  await page.keyboard.type('112');
  assert.match(await bodyText(page), /:cite\[vorontsov-1941\]\{page=112\}/);

  // ---- The footnote command: marker at the cursor, the note at the end, the cursor in the note ----
  await page.keyboard.press('End');
  await page.getByRole('button', { name: /^Footnote/ }).click();
  await page.keyboard.type('Measured at low water.');
  const withNote = await bodyText(page);
  assert.match(withNote, /\{page=112\}\[\^1\]/, 'the marker where the cursor was');
  assert.match(withNote, /\n\n\[\^1\]: Measured at low water\.$/, 'the note at the end, typed into');

  // ---- An image dropped on the text: too large and offline are refused in place, text untouched ----
  await dropFile(page, { name: 'huge-scan.png', type: 'image/png', size: 16 * 1024 * 1024 });
  const drop = page.getByRole('group', { name: /huge-scan\.png/ });
  assert.match((await drop.getByRole('alert').textContent()) ?? '', /up to 15\.0 MB.*unchanged/);
  await drop.getByRole('button', { name: 'Close' }).click();
  await page.context().setOffline(true);
  await dropFile(page, { name: 'ford-sketch.png', type: 'image/png', base64: png.toString('base64') });
  assert.match(
    (await page
      .getByRole('group', { name: /ford-sketch\.png/ })
      .getByRole('alert')
      .textContent()) ?? '',
    /offline/,
  );
  await page.getByRole('button', { name: 'Close' }).click();
  assert.equal(await bodyText(page), withNote, 'refused images leave the text as it was');
  await page.context().setOffline(false);

  await dropFile(page, { name: 'ford-sketch.png', type: 'image/png', base64: png.toString('base64') });
  const form = page.getByRole('group', { name: /Add “ford-sketch\.png”/ });
  await form.getByLabel('What the image shows (alternative text)').fill('Sketch of the ford with the river in blue');
  await form.getByLabel('Credit (optional)').fill('Drawn by the writer');
  await form.getByRole('button', { name: 'Upload and insert' }).click();
  await form.waitFor({ state: 'detached' });
  const withFigure = await bodyText(page);
  assert.match(
    withFigure,
    /::figure\[\]\{src="\/media\/[^"]+" alt="Sketch of the ford with the river in blue" credit="Drawn by the writer"\}/,
  );
  assert.match(
    withFigure,
    /\{page=112\}\[\^1\]\n\n::figure[^\n]+\n\n\[\^1\]: /,
    'on a line of its own, after the line it was dropped on',
  );

  // ---- Saved, in words: the first autosave makes the draft, and the page moves to its address ----
  await page.getByText('Saved', { exact: true }).waitFor({ timeout: 15_000 });
  await page.waitForURL(/\/admin\/posts\/\d+$/);
  assert.equal(await postCount(), before + 1, 'one draft');

  // Offline: the text is kept in this browser and offered back on the next visit.
  await page.context().setOffline(true);
  await canvas.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' Written on the train.');
  await page.getByText('Not saved: offline — kept in this browser').waitFor({ timeout: 15_000 });
  const url = page.url();
  const later = await browser.newPage(viewport);
  await page.close({ runBeforeUnload: false });
  await page.context().setOffline(false);
  await later.goto(url);
  const offer = later.getByRole('region', { name: 'Text kept in this browser' });
  // The editor's page and its island load in a browser sharing two cores with the rest of the suite.
  await offer.waitFor({ timeout: 15_000 });
  assert.match((await offer.textContent()) ?? '', /Restore what you typed on .+\?/);
  await offer.getByRole('button', { name: 'Restore it' }).click();
  assert.match(await bodyText(later), /Written on the train\.$/);
  page = later;
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.getByText('Saved', { exact: true }).waitFor({ timeout: 15_000 });
  assert.equal(await postCount(), before + 1, 'still one draft: autosave never makes a second');

  // ---- A check's finding jumps to its line ----
  await Promise.all([
    page.waitForEvent('load', { timeout: 20_000 }),
    page.getByRole('button', { name: 'Check', exact: true }).click(),
  ]);
  const finding = page.locator('#preflight li').filter({ hasText: '“batte”' });
  const lineLink = finding.getByRole('link', { name: /^Line \d+$/ });
  const n = Number(/\d+/.exec((await lineLink.textContent()) ?? '')![0]);
  await lineLink.click();
  const at = await cursorLine(page);
  assert.equal(at.index, n, 'the cursor is on the line the check named');
  assert.match(at.text, /The batte for the crossing/);
  assert.equal(await page.locator('.cm-checked-line').count(), 1, 'the line is marked');
  await expectNoAxeViolations(page, `editor ${label}`);
  const canvasBox = await page.locator('.cm-editor').boundingBox();
  await page.screenshot({ path: `${SHOTS}/editor-${viewport.width}.png` });

  // ---- Publish through the pre-publish panel ----
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  const panel = page.getByRole('dialog', { name: 'Ready to publish?' });
  await panel.waitFor();
  assert.ok(await panel.getByText('“batte” is not in the dictionary', { exact: false }).isVisible());
  await expectNoAxeViolations(page, `pre-publish panel ${label}`);
  await page.screenshot({ path: `${SHOTS}/prepublish-${viewport.width}.png` });
  await Promise.all([
    page.waitForEvent('load', { timeout: 20_000 }),
    panel.getByRole('button', { name: 'Publish anyway' }).click(),
  ]);
  assert.match(page.url(), /\?notice=published$/);
  assert.ok(await page.getByText('The post is published.').isVisible());
  assert.equal(await postCount(), before + 1);

  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const reader = await page.context().newPage();
  assert.equal((await reader.goto(`${site.origin}/${slug}/`))?.status(), 200);
  const article = reader.locator('article').first();
  assert.ok(await article.locator('figure img[alt="Sketch of the ford with the river in blue"]').isVisible());
  assert.ok(await article.getByText('Measured at low water.').isVisible());
  const notes = (await reader.locator('section.footnotes, section.bibliography').allTextContents()).join('\n');
  assert.match(notes, /Vorontsov[^\n]*River crossings of the eastern steppe[^\n]*112/i, 'the citation, with its page');
  await reader.close();
  assert.deepEqual(errors, []);
  return { page, canvasWidth: canvasBox?.width ?? 0 };
}

describe('the writing desk', () => {
  test('runs under the site’s own Content-Security-Policy: the canvas, its styles and completion, nothing refused', async () => {
    const strict = await launchBrowser();
    try {
      const cookies = await browser.context.cookies(site.origin);
      await strict.context.addCookies(cookies);
      const page = await strict.newPage(WIDE);
      const refused: string[] = [];
      page.on('console', (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) refused.push(m.text());
      });
      await page.goto(`${site.origin}/admin/posts/new`);
      const canvas = page.getByRole('textbox', { name: 'Body (Markdown)' });
      await canvas.click();
      await page.keyboard.type('A line:cite[vor');
      await page.getByRole('option', { name: new RegExp(SOURCE_KEY) }).waitFor();
      // CodeMirror's own layout rules are in force (its gutter sits beside the text, not above it).
      const [gutter, content] = await Promise.all([
        page.locator('.cm-gutters').boundingBox(),
        page.locator('.cm-content').boundingBox(),
      ]);
      assert.ok(gutter && content && gutter.x + gutter.width <= content.x + 1, 'the line numbers beside the text');
      assert.deepEqual(refused, []);
    } finally {
      await strict.close();
    }
  });

  test('at 1440×900 a writer cites, notes, drops an image, checks and publishes on a wide canvas', async () => {
    const { page, canvasWidth } = await writersDay(await browser.newPage(WIDE), 'desktop', WIDE);
    assert.ok(canvasWidth >= 640, `the writing canvas is ${canvasWidth} px wide`);
    console.log(`writing canvas at 1440: ${Math.round(canvasWidth)} px`);
    await page.close();
  });

  test('after “Check” the bar says whether the text is saved: “Saved” with the time, or “Not saved” and why', async () => {
    // Time passes, as it does for a writer: an autosave is newer than the draft it keeps text for.
    site.clock.run();
    const page = await browser.newPage(WIDE);
    await page.goto(`${site.origin}/admin/posts/new`);
    await page.getByLabel('Title', { exact: true }).fill('Salt roads of the lower Volga');
    await page.getByRole('textbox', { name: 'Body (Markdown)' }).click();
    await page.keyboard.type('Caravans carried salt north each autumn.');
    const status = page.locator('.editor-bar__status');
    await status.getByText('Saved', { exact: true }).waitFor({ timeout: 15_000 });
    await page.waitForURL(/\/admin\/posts\/\d+$/);
    const check = () =>
      Promise.all([
        page.waitForEvent('load', { timeout: 20_000 }),
        page.getByRole('button', { name: 'Check', exact: true }).click(),
      ]);

    await check();
    assert.ok(await page.locator('#preflight').isVisible(), 'the checks are shown');
    assert.match((await status.textContent()) ?? '', /^Saved at .*\d{2}:\d{2}$/);

    // A change the server has not had yet (the standfirst: no autosave on leaving it), checked at once.
    await page.getByLabel('Standfirst').fill('Salt, not silk, paid for the river towns.');
    await check();
    assert.equal(await status.textContent(), 'Not saved: changed since the last save');
    assert.equal(await page.getByLabel('Standfirst').inputValue(), 'Salt, not silk, paid for the river towns.');
    // The island keeps it as if just typed, and then says so.
    await status.getByText('Saved', { exact: true }).waitFor({ timeout: 15_000 });
    await check();
    assert.match((await status.textContent()) ?? '', /^Saved at /, 'the kept text is what the server has');
    await page.close();
    site.clock.set(site.clock.now());
  });

  test('opening the post settings leaves the canvas its width at 1280 and 1440; on a tablet and a phone they are a sheet', async () => {
    for (const width of [1280, 1440]) {
      const page = await browser.newPage({ width, height: 900 });
      await page.goto(`${site.origin}/admin/posts/new`);
      await page.locator('.cm-editor').waitFor();
      const toggle = page.getByRole('button', { name: 'Post settings', exact: true });
      if ((await toggle.getAttribute('aria-expanded')) === 'true') await toggle.click();
      const closed = (await page.locator('.cm-editor').boundingBox())!.width;
      await toggle.click();
      const settings = page.getByRole('region', { name: 'Post settings' });
      await settings.getByLabel('Slug').waitFor();
      const open = (await page.locator('.cm-editor').boundingBox())!.width;
      console.log(
        `writing canvas at ${width}: ${Math.round(closed)} px, ${Math.round(open)} px with the settings open`,
      );
      assert.ok(open >= 600, `the canvas is ${open} px wide at ${width} with the settings open`);
      assert.equal(Math.round(open), Math.round(closed), 'the settings take no width from the canvas');
      const [canvasBox, panelBox] = await Promise.all([
        page.locator('.cm-editor').boundingBox(),
        settings.boundingBox(),
      ]);
      assert.ok(panelBox!.x >= canvasBox!.x + canvasBox!.width, 'the panel lies beside the canvas, over the preview');
      if (width === 1440) await page.screenshot({ path: `${SHOTS}/editor-settings-${width}.png` });
      await toggle.click();
      await page.close();
    }

    // At 1024 the panel beside the canvas would cover the writing: a sheet, as on a phone.
    const TABLET = { width: 1024, height: 768 };
    const tablet = await browser.newPage(TABLET);
    await tablet.goto(`${site.origin}/admin/posts/new`);
    await tablet.locator('.cm-editor').waitFor();
    const tabletToggle = tablet.getByRole('button', { name: 'Post settings', exact: true });
    if ((await tabletToggle.getAttribute('aria-expanded')) === 'true') await tabletToggle.click();
    await tabletToggle.click();
    const tabletSheet = await tablet.getByRole('region', { name: 'Post settings' }).boundingBox();
    assert.deepEqual(
      [tabletSheet?.x, tabletSheet?.y, tabletSheet?.width, tabletSheet?.height],
      [0, 0, TABLET.width, TABLET.height],
      'at 1024 a sheet over the editor, never over half of the writing',
    );
    await tablet.close();

    const page = await browser.newPage(PHONE);
    await page.goto(`${site.origin}/admin/posts/new`);
    await page.locator('.cm-editor').waitFor();
    const settings = page.getByRole('region', { name: 'Post settings' });
    assert.equal(await settings.isVisible(), false, 'a phone opens on the writing, not behind the sheet');
    const toggle = page.getByRole('button', { name: 'Post settings', exact: true });
    await toggle.click();
    const sheet = await settings.boundingBox();
    assert.deepEqual(
      [sheet?.x, sheet?.y, sheet?.width, sheet?.height],
      [0, 0, PHONE.width, PHONE.height],
      'a full-width sheet over the editor',
    );
    const close = settings.getByRole('button', { name: 'Close', exact: true });
    assert.ok(await close.evaluate((el) => el === document.activeElement), 'the focus moves into the sheet');
    await page.screenshot({ path: `${SHOTS}/editor-settings-phone.png` });
    await expectNoAxeViolations(page, 'post settings sheet');
    await close.click();
    assert.equal(await settings.isVisible(), false);
    assert.ok(await toggle.evaluate((el) => el === document.activeElement), 'the focus returns to the button');
    await toggle.click();
    await settings.getByLabel('Slug').focus();
    await page.keyboard.press('Escape');
    assert.equal(await settings.isVisible(), false, 'Escape closes the sheet');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.ok(await toggle.evaluate((el) => el === document.activeElement), 'and gives the focus back');
    await page.close();
  });

  test('at 390×844 a writer does the same on a phone, nothing wider than the screen', async () => {
    const { page } = await writersDay(await browser.newPage(PHONE), 'phone', PHONE);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.equal(overflow, 0, 'the editor fits the phone');
    await page.close();
  });
});
