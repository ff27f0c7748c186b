import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, describeViolations } from '../support/axe.ts';
import {
  DESKTOP,
  launchBrowser,
  PHONE,
  type ServedSite,
  startServedSite,
  type TestBrowser,
} from '../support/browser.ts';
import { staffClient } from '../support/staff-client.ts';

// Maps in Chromium (decision 043): the place page and the article at 390 and 1440 px (pictures in
// /tmp/annalist-shots/maps-*.png), what a screen reader is given, and an editor placing a point by clicking.

const SHOTS = '/tmp/annalist-shots';
const WIDE = { width: 1440, height: 900 };

let site: ServedSite;
let browser: TestBrowser;
const { person } = staffClient(() => site);

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [site, browser] = await Promise.all([startServedSite(), launchBrowser({ bypassCSP: true })]);
});
after(async () => {
  await browser?.close();
  await site?.close();
});

/** The map's box on the page, and whether the page scrolls sideways. */
async function mapBox(page: Page, selector: string) {
  const box = await page.locator(`${selector} svg.map`).boundingBox();
  assert.ok(box, 'the map is shown');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  return { box, overflow };
}

test('a reader sees the locator map on a place page and the map of an article, on a phone and a wide screen', async () => {
  for (const [size, viewport] of [
    ['390', PHONE],
    ['1440', WIDE],
  ] as const) {
    const page = await browser.newPage(viewport);
    try {
      await page.goto(`${site.origin}/places/khalkhin-gol/`);
      const map = page.getByRole('img', { name: 'Map of Khalkhin-Gol and its surroundings' });
      await map.scrollIntoViewIfNeeded();
      const place = await mapBox(page, '.place-map');
      assert.equal(place.overflow, false, `no sideways scroll at ${size}`);
      assert.ok(place.box.width >= Math.min(viewport.width - 60, 400), `map ${place.box.width}px wide at ${size}`);
      await page.locator('.place-map').screenshot({ path: `${SHOTS}/maps-place-${size}.png` });

      await page.goto(`${site.origin}/khalkhin-gol-1939/`);
      await page.locator('#article-map-heading').scrollIntoViewIfNeeded();
      const article = await mapBox(page, '.article-map');
      assert.equal(article.overflow, false);
      assert.ok(article.box.height > 150);
      await page.locator('.article-map').screenshot({ path: `${SHOTS}/maps-article-${size}.png` });
      const violations = await axeViolations(page);
      assert.equal(violations.length, 0, describeViolations(`article at ${size}`, violations));
    } finally {
      await page.close();
    }
  }
});

test("a screen reader hears the map's name and description, then the list of its places", async () => {
  const page = await browser.newPage(DESKTOP);
  try {
    await page.goto(`${site.origin}/khalkhin-gol-1939/`);
    const region = page.getByRole('region', { name: 'Map' });
    const tree = await region.ariaSnapshot();
    assert.match(tree, /img "Map of the places this article mentions: Bain-Tsagan, Khalkhin-Gol, Nomonhan"/);
    assert.match(tree, /link "Nomonhan"/);
    assert.match(tree, /47°46′ N, 118°45′ E/);
    // The drawing's description, as the accessibility tree gives it to a screen reader.
    const description = await page
      .getByRole('img', { name: /^Map of the places this article mentions/ })
      .evaluate((svg) => document.getElementById(svg.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
    assert.match(description, /Khalkhin-Gol at 47°44′ N, 118°35′ E, in today’s Mongolia/);
  } finally {
    await page.close();
  }
});

test('an editor places Bain-Tsagan by clicking on the map, saves, and the place page shows the new point', async () => {
  const editor = await person('editor', 'Edith');
  await browser.context.addCookies([
    { name: 'annalist_session', value: editor.cookie.split('=')[1]!, url: site.origin },
  ]);
  const page = await browser.newPage(DESKTOP);
  try {
    await page.goto(`${site.origin}/admin/entities?kind=place`);
    await page.getByRole('link', { name: 'Bain-Tsagan' }).click();
    await page.waitForSelector('.map--clickable');
    const figure = page.locator('.place-form-map figure');
    // Where should a click land for 47.80 N, 118.70 E? The server's projection, through the page's own d3 numbers.
    const target = await figure.evaluate((f) => {
      const d = (f as HTMLElement).dataset;
      const [k, tx, ty] = [Number(d.scale), ...d.translate!.split(',').map(Number)] as number[];
      const lambda = ((118.7 + Number(d.rotate!.split(',')[0])) * Math.PI) / 180;
      const phi = (47.8 * Math.PI) / 180;
      return { x: tx! + k! * lambda, y: ty! - k! * Math.log(Math.tan(Math.PI / 4 + phi / 2)) };
    });
    const svg = page.locator('.place-form-map svg.map');
    const box = (await svg.boundingBox())!;
    const viewBox = (await svg.getAttribute('viewBox'))!.split(' ').map(Number);
    const scale = box.width / viewBox[2]!;
    await svg.click({ position: { x: target.x * scale, y: target.y * scale } });
    const lat = Number(await page.getByLabel('Latitude').inputValue());
    const lon = Number(await page.getByLabel('Longitude').inputValue());
    assert.ok(Math.abs(lat - 47.8) < 0.02 && Math.abs(lon - 118.7) < 0.02, `clicked to ${lat}, ${lon}`);
    await page.getByRole('status').filter({ hasText: 'Point set to' }).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/notice=saved/);
    await page.goto(`${site.origin}/places/bain-tsagan/`);
    assert.match((await page.locator('.map-places').textContent()) ?? '', /47°4[789]′ N, 118°4[123]′ E/);
  } finally {
    await page.close();
  }
});
