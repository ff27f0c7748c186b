import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type GeoProjection, geoConicEqualArea, geoEqualEarth, geoMercator } from 'd3-geo';
import type { Locator, Page } from 'playwright-core';
import { launchBrowser, PHONE, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { staffClient } from '../support/staff-client.ts';
import { until } from '../support/until.ts';

// Issue 17's writer story in Chromium, through the pages alone and under the site's own Content-Security-Policy:
// an editor adds a place, setting its point by clicking on the form's map, adds an event with an uncertain date,
// writes an article that marks both (with the editor's completion) and publishes it through the pre-publish
// panel; a signed-out reader then finds the place on the article's map, the event in its timeline with the date
// in words, and the article on the place's page. At 1440×900, then the same steps on a 390×844 phone.

const WIDE = { width: 1440, height: 900 };

/** What one run of the story writes: a place with its true position, an event and the article's title. */
interface Story {
  place: { name: string; slug: string; lat: number; lon: number; description: string };
  event: { name: string; slug: string; edtf: string; words: string; description: string };
  /** What the writer types after `:place[` and `:event[` before taking the completion's offer. */
  typed: { place: string; event: string };
  title: string;
}

/**
 * How far a clicked point may land from the true one, in degrees: on the world map a new place starts from, a
 * pixel is most of a degree (the form's map is 324 px wide on a phone, 414 px at 1440); on the locator map the
 * edit form shows once the point is saved (250 km around it) a pixel is a few hundredths.
 */
const ON_THE_WORLD = 1.5;
const NEARBY = 0.05;

const RAID: Story = {
  place: {
    name: 'Tamsag-Bulak',
    slug: 'tamsag-bulak',
    lat: 47.2,
    lon: 117.3,
    description: 'Mongolian settlement and Soviet airfield west of the Khalkhin-Gol.',
  },
  event: {
    name: 'Japanese air raid on Tamsag-Bulak',
    slug: 'japanese-air-raid-on-tamsag-bulak',
    edtf: '1939-06-27?',
    words: '27 June 1939 (uncertain)',
    description: 'Japanese bombers and fighters strike the Soviet airfields behind the river.',
  },
  typed: { place: 'Tams', event: 'air raid' },
  title: 'Bombs on Tamsag-Bulak',
};

const HAILAR: Story = {
  place: {
    name: 'Hailar',
    slug: 'hailar',
    lat: 49.2,
    lon: 119.7,
    description: 'Manchurian railway town, home of the Japanese 23rd Division.',
  },
  event: {
    name: 'The 23rd Division moves west from Hailar',
    slug: 'the-23rd-division-moves-west-from-hailar',
    edtf: '1939-06?',
    words: 'June 1939 (uncertain)',
    description: 'The division gathers its regiments for the July offensive.',
  },
  typed: { place: 'Hail', event: '23rd div' },
  title: 'The road west from Hailar',
};

let site: ServedSite;
let writer: TestBrowser;
let reader: TestBrowser;
const { person } = staffClient(() => site);

before(async () => {
  // Two browsers: the editor's, signed in, and a reader's own, which never was.
  [site, writer, reader] = await Promise.all([startServedSite(), launchBrowser(), launchBrowser()]);
  const editor = await person('editor', 'Esther');
  await writer.context.addCookies([
    { name: 'annalist_session', value: editor.cookie.split('=')[1]!, url: site.origin },
  ]);
});
after(async () => {
  await Promise.all([writer?.close(), reader?.close()]);
  await site?.close();
});

/** Clicks something that loads a new page and waits for it. */
async function go(page: Page, target: Locator) {
  await Promise.all([page.waitForEvent('load'), target.click()]);
}

const pair = (s: string | undefined) => (s ?? '').split(',').map(Number) as [number, number];

/**
 * The map's projection, from the numbers the server put on the figure for the page's island: where on the
 * drawing a place at these coordinates lies, so the test can click where a writer looking for it would.
 */
async function projectionOf(figure: Locator): Promise<GeoProjection> {
  const d = await figure.evaluate((f) => ({ ...(f as HTMLElement).dataset }));
  const p =
    d.projection === 'mercator'
      ? geoMercator()
      : d.projection === 'equal-earth'
        ? geoEqualEarth()
        : geoConicEqualArea().parallels(pair(d.parallels));
  return p.rotate(pair(d.rotate)).scale(Number(d.scale)).translate(pair(d.translate));
}

/**
 * Clicks the form's map where the place lies and reads back the latitude and longitude the click set; fails
 * unless they are within `tolerance` degrees of the place's.
 */
async function clickPlaceOnMap(page: Page, place: Story['place'], tolerance: number) {
  const svg = page.getByRole('img', { name: 'Map for placing the point' });
  await svg.scrollIntoViewIfNeeded();
  const xy = (await projectionOf(page.locator('.place-form-map figure')))([place.lon, place.lat]);
  assert.ok(xy, 'the place lies on the map');
  const box = (await svg.boundingBox())!;
  const [, , width, height] = (await svg.getAttribute('viewBox'))!.split(' ').map(Number) as number[];
  assert.ok(Math.abs(box.width / width! - box.height / height!) < 0.01, 'the map is drawn to scale');
  const position = { x: (xy[0] * box.width) / width!, y: (xy[1] * box.height) / height! };
  assert.ok(position.x > 0 && position.x < box.width && position.y > 0 && position.y < box.height, 'on the map');
  await svg.click({ position });
  await page.getByRole('status').filter({ hasText: 'Point set to latitude' }).waitFor();
  const lat = Number(await page.getByLabel('Latitude').inputValue());
  const lon = Number(await page.getByLabel('Longitude').inputValue());
  const off = Math.max(Math.abs(lat - place.lat), Math.abs(lon - place.lon));
  assert.ok(off <= tolerance, `clicked for ${place.lat}, ${place.lon}; the fields say ${lat}, ${lon}`);
}

/** "47°12′ N, 117°18′ E" as decimal degrees. */
function degrees(words: string): { lat: number; lon: number } {
  const m = /(\d+)°(\d+)′ N, (\d+)°(\d+)′ E/.exec(words);
  assert.ok(m, `a point in degrees and minutes in ${JSON.stringify(words)}`);
  const [, a, b, c, d] = m.map(Number) as number[];
  return { lat: a! + b! / 60, lon: c! + d! / 60 };
}

/**
 * 1. The place: a first click on the world map, saved; then, on the map around it the form now shows, a second
 * click for precision, saved. Its page shows the point in degrees and minutes.
 */
async function addPlace(page: Page, story: Story) {
  const { place } = story;
  await page.goto(`${site.origin}/admin/entities?kind=place`);
  await go(page, page.getByRole('link', { name: 'Add a place' }));
  assert.equal(await page.getByLabel('Kind').inputValue(), 'place');
  await page.getByLabel('Name', { exact: true }).fill(place.name);
  await page.getByLabel('Description').fill(place.description);
  await clickPlaceOnMap(page, place, ON_THE_WORLD);
  await go(page, page.getByRole('button', { name: 'Add it' }));
  assert.match(page.url(), /\/admin\/entities\/edit\/\d+\?notice=created$/);
  assert.ok(await page.getByText('Saved. Articles mentioning it link to its page').isVisible());
  await clickPlaceOnMap(page, place, NEARBY);
  await go(page, page.getByRole('button', { name: 'Save' }));
  assert.match(page.url(), /notice=saved$/);

  await go(page, page.getByRole('link', { name: 'Its public page' }));
  assert.match(page.url(), new RegExp(`/places/${place.slug}/$`));
  const locator = page.getByRole('region', { name: 'Map' });
  assert.ok(await locator.getByRole('img', { name: `Map of ${place.name} and its surroundings` }).isVisible());
  const shown = degrees((await locator.getByRole('listitem').filter({ hasText: place.name }).textContent()) ?? '');
  // Minutes are rounded: half a minute more than the click's tolerance.
  const off = Math.max(Math.abs(shown.lat - place.lat), Math.abs(shown.lon - place.lon));
  assert.ok(off <= NEARBY + 1 / 120, `the page says ${JSON.stringify(shown)}`);
}

/** 2. The event with an uncertain date: its page gives the date in words. */
async function addEvent(page: Page, story: Story) {
  const { event } = story;
  await page.goto(`${site.origin}/admin/entities?kind=event`);
  await go(page, page.getByRole('link', { name: 'Add an event' }));
  await page.getByLabel('Name', { exact: true }).fill(event.name);
  await page.getByLabel('Date (EDTF)').fill(event.edtf);
  await page.getByLabel('Description').fill(event.description);
  await go(page, page.getByRole('button', { name: 'Add it' }));
  assert.match(page.url(), /notice=created$/);
  await go(page, page.getByRole('link', { name: 'Its public page' }));
  assert.match(page.url(), new RegExp(`/events/${event.slug}/$`));
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), event.name);
  assert.equal(await page.getByRole('definition').filter({ hasText: event.words }).count(), 1, 'its date in words');
}

/**
 * Types `:kind[` and the start of a name, and picks the entity the completion offers with the mouse (Enter
 * straight after the list appears is CodeMirror's new line, by design: its interactionDelay). While the
 * suggestions for the last keystroke are still on their way, CodeMirror ignores a click on the list it shows
 * (its result is pending); a writer clicks again, and so does this.
 */
async function mention(page: Page, directive: string, typed: string, name: string) {
  await page.keyboard.type(`:${directive}[${typed}`);
  const option = page.getByRole('option', { name: new RegExp(`^${name}`) });
  const picked = async () =>
    (await page.locator('textarea[name="body"]').inputValue()).includes(`:${directive}[${name}]{#`);
  await until(`“${name}” to be picked from the suggestions`, async () => {
    if (!(await picked())) await option.click();
    return picked();
  });
}

/** 3. The article, both marked as the writer types, published through the pre-publish panel. */
async function writeArticle(page: Page, story: Story): Promise<string> {
  await page.goto(`${site.origin}/admin/posts/new`);
  await page.getByLabel('Title', { exact: true }).fill(story.title);
  await page.getByRole('textbox', { name: 'Body (Markdown)' }).click();
  await page.keyboard.type('The fighting reached ');
  await mention(page, 'place', story.typed.place, story.place.name);
  await page.keyboard.type(' early in the summer. See ');
  await mention(page, 'event', story.typed.event, story.event.name);
  await page.keyboard.type(' for what happened there.');
  const body = await page.locator('textarea[name="body"]').inputValue();
  assert.match(body, new RegExp(`:place\\[${story.place.name}\\]\\{#${story.place.slug}\\}`));
  assert.match(body, new RegExp(`:event\\[${story.event.name}\\]\\{#${story.event.slug}\\}`));

  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  const panel = page.getByRole('dialog', { name: 'Ready to publish?' });
  await panel.waitFor();
  await go(page, panel.getByRole('button', { name: /^Publish( anyway)?$/ }));
  assert.match(page.url(), /\?notice=published$/);
  assert.ok(await page.getByText('The post is published.').isVisible());
  return `/${story.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}/`;
}

/** Whether the article's map draws a dot beside the place's name (within 20 px of it), inside the map's frame. */
async function dotBesideName(map: Locator, name: string): Promise<boolean> {
  // Boxes only are read in the page (a helper function defined inside evaluate() would not survive the build).
  const seen = await map.evaluate(
    (svg, label) => ({
      frame: svg.getBoundingClientRect().toJSON() as DOMRect,
      text: [...svg.querySelectorAll('text')]
        .find((t) => t.textContent === label)
        ?.getBoundingClientRect()
        .toJSON() as DOMRect | undefined,
      dots: [...svg.querySelectorAll('circle')].map((c) => c.getBoundingClientRect().toJSON() as DOMRect),
    }),
    name,
  );
  const { frame, text } = seen;
  if (!text) return false;
  return seen.dots.some((d) => {
    const [x, y] = [d.x + d.width / 2, d.y + d.height / 2];
    const within = x > frame.left && x < frame.right && y > frame.top && y < frame.bottom;
    const dx = Math.max(text.left - x, 0, x - text.right);
    const dy = Math.max(text.top - y, 0, y - text.bottom);
    return within && Math.hypot(dx, dy) < 20;
  });
}

/** 4. A signed-out reader: the article's map and timeline, then the place's "Mentioned in". */
async function readArticle(page: Page, story: Story, path: string) {
  assert.equal((await page.goto(`${site.origin}${path}`))?.status(), 200);
  const article = page.locator('article').first();
  assert.ok(await article.getByRole('heading', { level: 1, name: story.title }).isVisible());
  const named = article.getByRole('link', { name: story.place.name, exact: true }).first();
  assert.ok(await named.isVisible(), 'the place’s name in the text links to its page');

  const map = page.getByRole('region', { name: 'Map' });
  const drawing = map.getByRole('img', { name: `Map of the places this article mentions: ${story.place.name}` });
  await drawing.scrollIntoViewIfNeeded();
  assert.ok(await drawing.isVisible(), 'the article’s map, named for its place');
  assert.ok(await dotBesideName(drawing, story.place.name), 'a dot beside its name on the map');
  const listed = map.getByRole('listitem').filter({ has: page.getByRole('link', { name: story.place.name }) });
  assert.match((await listed.textContent()) ?? '', /\d+°\d+′ N, \d+°\d+′ E/);

  const timeline = page.getByRole('region', { name: 'Timeline' });
  const item = timeline.getByRole('listitem').filter({ has: page.getByRole('link', { name: story.event.name }) });
  assert.equal(await item.count(), 1, 'the event in the timeline');
  assert.match((await item.textContent()) ?? '', new RegExp(story.event.words.replace(/[()]/g, '\\$&')));

  await go(page, map.getByRole('link', { name: story.place.name }));
  assert.match(page.url(), new RegExp(`/places/${story.place.slug}/$`));
  const mentioned = page.getByRole('heading', { level: 2, name: 'Mentioned in' });
  const list = page.locator('h2:has-text("Mentioned in") + ul');
  assert.ok(await mentioned.isVisible());
  assert.ok(await list.getByRole('link', { name: story.title }).isVisible(), 'the article under “Mentioned in”');
}

async function story(viewport: { width: number; height: number }, s: Story) {
  const errors: string[] = [];
  const page = await writer.newPage(viewport);
  const outside = await reader.newPage(viewport);
  for (const p of [page, outside]) p.on('pageerror', (e) => errors.push(String(e)));
  try {
    await addPlace(page, s);
    await addEvent(page, s);
    const path = await writeArticle(page, s);
    await readArticle(outside, s, path);
    const overflow = await outside.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'the place page fits the screen');
    assert.deepEqual(errors, []);
  } finally {
    await Promise.all([page.close(), outside.close()]);
  }
}

describe('a writer marks a place and an event', () => {
  test('at 1440×900 an editor places Tamsag-Bulak on the map, dates the raid uncertainly, and a reader sees both on the article', async () => {
    await story(WIDE, RAID);
  });

  test('at 390×844 the same story on a phone, with Hailar and a month in doubt', async () => {
    await story(PHONE, HAILAR);
  });
});
