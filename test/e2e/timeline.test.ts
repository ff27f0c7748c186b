import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { launchBrowser, PHONE, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';

// A reader follows the Khalkhin-Gol fighting on the site's timeline and in the article's own "Timeline" section
// (issue 17): the events read as an ordered list to a screen reader, the chart is hidden from it, the chart can be
// enlarged with the island, and the pages hold together on a phone and a wide screen (pictures in /tmp/shots).
const WIDE = { width: 1440, height: 900 };
const SHOTS = '/tmp/shots';

let site: ServedSite;
let browser: TestBrowser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [site, browser] = await Promise.all([startServedSite(), launchBrowser()]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

/**
 * A picture of one part of the page (its top, as far as the window reaches), taken from the window: the article
 * is long, and a picture of the whole page takes longer than a test waits on a busy machine.
 */
async function shoot(page: Page, part: Locator, path: string): Promise<void> {
  const clip = await part.evaluate((el) => {
    el.scrollIntoView();
    const r = el.getBoundingClientRect();
    return { x: r.left, y: r.top, width: r.width, height: Math.min(r.height, window.innerHeight - r.top) };
  });
  await page.screenshot({ path, clip, timeout: 30_000 });
}

describe('timelines in Chromium', () => {
  test('a screen reader hears the site timeline as lists of dated events, never the chart', async () => {
    const page = await browser.newPage(WIDE);
    await page.goto(`${site.origin}/timeline/?zoom=month`);
    const main = await page.locator('main').ariaSnapshot();
    // The July group: a heading, then a list whose items give the date in words and the event's link.
    assert.match(main, /heading "July 1939"/);
    assert.match(
      main,
      /- list:\s*\n\s*- listitem:\s*\n\s*- text: between 3 and 5 July 1939\s*\n\s*- link "Battle of Bain-Tsagan"/,
    );
    assert.match(main, /text: 11 May 1939 \(uncertain\)/);
    assert.match(main, /text: c\. June 1939/);
    // The chart's drawing is not read out (aria-hidden): no tick label or tooltip reaches the tree.
    assert.doesNotMatch(main, /Jun 1939|Bain-Tsagan: between/);
    await page.screenshot({ path: `${SHOTS}/timeline-1440.png`, fullPage: true });
    await page.close();
  });

  test("the article's Timeline section lists the events it mentions in order, and the chart can be enlarged", async () => {
    const page = await browser.newPage(WIDE);
    await page.goto(`${site.origin}/khalkhin-gol-1939/`);
    const section = page.getByRole('region', { name: 'Timeline' });
    const items = await section.getByRole('listitem').allInnerTexts();
    const names = items.map((t) => t.split('\n')[1]);
    assert.deepEqual(names.slice(0, 3), [
      'First clash at the Khalkhin-Gol',
      'Battle of Khalkhin Gol',
      'Destruction of the Azuma detachment',
    ]);
    assert.equal(names.at(-1), 'Soviet–Japanese ceasefire agreement');
    const frame = section.locator('[data-timeline-axis]');
    const before = await frame.evaluate((el) => el.scrollWidth);
    await section.getByRole('button', { name: 'Enlarge chart' }).click();
    await section.getByRole('button', { name: 'Enlarge chart' }).click();
    const after = await frame.evaluate((el) => el.scrollWidth);
    assert.ok(after > before * 1.5, `the chart grew from ${before} to ${after} px`);
    await shoot(page, section, `${SHOTS}/article-timeline-1440.png`);
    await page.close();
  });

  test('on a phone the timeline and the article section fit the screen, the chart scrolling inside its frame', async () => {
    const page = await browser.newPage(PHONE);
    for (const [path, name] of [
      ['/timeline/', 'timeline-390'],
      ['/khalkhin-gol-1939/', 'article-timeline-390'],
    ] as const) {
      await page.goto(`${site.origin}${path}`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `${path} is ${width} px wide on a ${PHONE.width} px screen`);
      const target = path === '/timeline/' ? page.locator('main') : page.getByRole('region', { name: 'Timeline' });
      await shoot(page, target, `${SHOTS}/${name}.png`);
    }
    await page.close();
  });
});
