import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EVIDENCE_SLUG } from '../../src/modules/demo/demo-evidence.ts';
import { launchBrowser, PHONE, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';

// Issue 16: the demo's discussion was a wall. A long comment shows its first lines and "Read the whole comment";
// the button shows all of it and puts focus on its text. Without script every comment is whole.

let site: ServedSite;
let browser: TestBrowser;
let noScript: TestBrowser;
before(async () => {
  [site, browser, noScript] = await Promise.all([
    startServedSite(),
    launchBrowser(),
    launchBrowser({ javaScriptEnabled: false }),
  ]);
});
after(async () => {
  await browser?.close();
  await noScript?.close();
  await site?.close();
});

const bodySize = (el: HTMLElement) => ({ shown: el.clientHeight, whole: el.scrollHeight });

test('a long comment on a phone shows its first lines, and "Read the whole comment" shows the rest', async () => {
  const page = await browser.newPage(PHONE);
  try {
    await page.goto(`${site.origin}/${EVIDENCE_SLUG}/`);
    const button = page.getByRole('button', { name: 'Read the whole comment' }).first();
    await button.scrollIntoViewIfNeeded();
    const body = page.locator('.comment__body--clamped').first();
    const id = await body.getAttribute('id');
    const before = await body.evaluate(bodySize);
    assert.ok(before.shown < before.whole - 40, `the comment is cut short (${before.shown} of ${before.whole}px)`);
    await button.click();
    const opened = page.locator(`#${id}`);
    const afterwards = await opened.evaluate(bodySize);
    assert.equal(afterwards.shown, afterwards.whole, 'the whole comment shows');
    assert.equal(await page.evaluate('document.activeElement.id'), id, 'focus is on the comment text');
  } finally {
    await page.close();
  }
});

test('without script no comment is cut short and there is no button', async () => {
  const page = await noScript.newPage(PHONE);
  try {
    await page.goto(`${site.origin}/${EVIDENCE_SLUG}/`);
    assert.equal(await page.locator('.comment__body--clamped').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Read the whole comment' }).count(), 0);
  } finally {
    await page.close();
  }
});
