import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import { createArticle, createEntity } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

/**
 * Maps of places (decision 043) on a site without the demo: every place, article and mention a test reads it
 * makes itself (test/support/factories.ts), and pages are read by role and name (test/support/page.ts). The
 * drawing inside an SVG (its points and paths) has no roles: that is read from the SVG's own markup.
 */

let t: TestSite;
const { person, get, send, formOf } = staffClient(() => t);
let editor: Person;
let folder: string;

const page = (url: string) => t.app.inject({ method: 'GET', url });
const open = async (url: string) => {
  const res = await page(url);
  assert.equal(res.statusCode, 200, url);
  return { res, page: parsePage(res.body) };
};

/** The SVG map named `title` (role img): the element, and its markup exactly as the page sent it. */
function svgMap(html: string, p: Page, title: string | RegExp): { svg: Element; markup: string } {
  const svg = p.get('img', title);
  assert.equal(svg.tagName, 'svg');
  const markup = html.slice(svg.position!.start.offset!, svg.position!.end.offset!);
  return { svg, markup };
}

/** xmllint's verdict on the SVG as a file of its own. */
function wellFormed(svg: string, name: string): void {
  const file = join(folder, `${name}.svg`);
  writeFileSync(file, svg);
  execFileSync('xmllint', ['--noout', file]);
}

/** The points the SVG draws, with their labels (drawing, not content: read from the markup). */
const circles = (svg: string) =>
  [...svg.matchAll(/<circle class="map__point" cx="([\d.]+)" cy="([\d.]+)"[^>]*><\/circle><text[^>]*>([^<]+)</g)].map(
    (m) => ({ x: Number(m[1]), y: Number(m[2]), name: m[3]! }),
  );

/** The entries of a map's list of places (and of their shapes), as text. */
const listed = (p: Page, map: Element) =>
  p
    .within(map)
    .all('listitem')
    .map((li) => p.text(li));

/** A place at a point, made as the entity form makes one. */
const place = (name: string, latitude: string, longitude: string, shapes = '') =>
  createEntity(t, {
    kind: 'place',
    name,
    date: '',
    description: `${name}, on the Rhine.`,
    latitude,
    longitude,
    shapes,
  });

/** GeoJSON as an editor pastes it: a feature with a name and, for an area, when it held. */
const feature = (name: string, geometry: unknown, validity?: string) => ({
  type: 'Feature',
  properties: { name, ...(validity ? { validity } : {}) },
  geometry,
});

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'annalist-maps-'));
  t = await startTestSite({ demo: false });
  editor = await person('editor', 'Edith');
});
after(async () => {
  await t.close();
  rmSync(folder, { recursive: true, force: true });
});

describe(`maps of places (${TEST_DATABASE})`, () => {
  test("a place's page shows a locator map: valid SVG, named, described, its point and shapes, and a list", async () => {
    const river = [
      [7.72, 50.14],
      [7.75, 50.11],
      [7.77, 50.08],
      [7.79, 50.05],
    ];
    const ground = [
      [
        [7.75, 50.075],
        [7.78, 50.075],
        [7.78, 50.095],
        [7.75, 50.095],
        [7.75, 50.075],
      ],
    ];
    const shapes = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        feature('course of the Rhine', { type: 'LineString', coordinates: river }),
        feature('ground held for the crossing', { type: 'Polygon', coordinates: ground }, '1813-12/1814-01'),
      ],
    });
    const kaub = await place('Kaub', '50.085', '7.765', shapes);
    const { res, page: p } = await open(`/places/${kaub.slug}/`);
    const { svg, markup } = svgMap(res.body, p, 'Map of Kaub and its surroundings');
    wellFormed(markup, 'place');
    assert.match(p.description(svg), /^Kaub at 50°05′ N, 7°46′ E, in today’s Germany/);
    assert.match(markup, /<path class="map__line" d="M/);
    assert.match(markup, /<path class="map__area" d="M[^"]+" fill="url\(#place-map-hatch\)"/);
    assert.match(markup, /<path class="map__country[^"]*" d="M/);
    assert.deepEqual(
      circles(markup).map((c) => c.name),
      ['Kaub'],
    );
    const items = listed(p, p.get('region', 'Map'));
    assert.match(items[0] ?? '', /^Kaub: 50°05′ N, 7°46′ E/);
    assert.ok(
      items.includes('ground held for the crossing (an area, between December 1813 and January 1814)'),
      items.join(' | '),
    );
    assert.ok(markup.length < 20_000, `small SVG (${markup.length} characters)`);
  });

  test('a place without coordinates or shapes has no map', async () => {
    const nowhere = await createEntity(t, { kind: 'place', name: 'The Loreley Ferry', date: '' });
    const event = await createEntity(t);
    for (const entity of [nowhere, event]) {
      const { page: p } = await open(`/${entity.kind === 'place' ? 'places' : 'events'}/${entity.slug}/`);
      p.get('heading', entity.name);
      assert.equal(p.all('region', 'Map').length, 0, `${entity.name}: no Map section`);
      assert.equal(p.all('img', /^Map of/).length, 0, `${entity.name}: no map`);
    }
  });

  test("the article's Map section shows the places it mentions, each linked, after the text", async () => {
    const places = [
      await place('Oberwesel', '50.107', '7.725'),
      await place('Bacharach', '50.057', '7.770'),
      await place('Lorch', '50.043', '7.806'),
    ];
    const article = await createArticle(t, {
      body: [
        `Wine went down the river from ${places.map((e) => e.mention).join(', ')}.`,
        'The last paragraph of the text.',
      ].join('\n\n'),
    });
    const { res, page: p } = await open(article.url);
    const region = p.get('region', 'Map');
    const { markup } = svgMap(res.body, p, /^Map of the places this article mentions: /);
    wellFormed(markup, 'article');
    assert.deepEqual(
      circles(markup)
        .map((c) => c.name)
        .sort(),
      ['Bacharach', 'Lorch', 'Oberwesel'],
    );
    const map = p.within(region);
    for (const e of places) assert.equal(p.attr(map.get('link', e.name), 'href'), `/places/${e.slug}/`);
    assert.ok(listed(p, region).includes('Lorch: 50°03′ N, 7°48′ E'), listed(p, region).join(' | '));
    const last = p.get('paragraph', 'The last paragraph of the text.');
    assert.ok(last.position!.start.offset! < region.position!.start.offset!, 'after the body');
    // Oberwesel is north-west of Lorch: higher up and further left on the map.
    const [north, south] = ['Oberwesel', 'Lorch'].map((n) => circles(markup).find((c) => c.name === n)!);
    assert.ok(north!.y < south!.y && north!.x < south!.x);
  });

  test('an article mentioning no place on the map has no Map section', async () => {
    const someone = await createEntity(t, { kind: 'person', name: 'Clemens Brentano', date: '1778/1842' });
    const unplaced = await createEntity(t, { kind: 'place', name: 'The Lurlei rock', date: '' });
    const article = await createArticle(t, { body: `${someone.mention} wrote of ${unplaced.mention}.` });
    const { page: p } = await open(article.url);
    p.get('link', someone.name);
    assert.equal(p.all('region', 'Map').length, 0);
    assert.equal(p.all('img', /^Map of/).length, 0);
  });

  test('moving a place in the admin shows at once on its page and on the article, both cached before', async () => {
    const moved = await place('Assmannshausen', '49.99', '7.87');
    const article = await createArticle(t, { body: `Red wine from ${moved.mention}.` });
    const edit = `/admin/entities/edit/${moved.id}`;
    for (const url of [`/places/${moved.slug}/`, article.url]) {
      await page(url);
      assert.equal((await page(url)).headers['x-cache'], 'hit', url);
    }
    const fields = await formOf(edit, editor, edit);
    assert.equal(fields.latitude, '49.99');
    const saved = await send(edit, editor, { ...fields, latitude: '50.01', longitude: '7.9' });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
    const placePage = await page(`/places/${moved.slug}/`);
    assert.notEqual(placePage.headers['x-cache'], 'hit');
    const own = parsePage(placePage.body);
    assert.ok(listed(own, own.get('region', 'Map')).includes('Assmannshausen: 50°01′ N, 7°54′ E'));
    const { page: p } = await open(article.url);
    const map = p.get('region', 'Map');
    assert.ok(listed(p, map).includes('Assmannshausen: 50°01′ N, 7°54′ E'), listed(p, map).join(' | '));
    p.within(map).get('link', 'Assmannshausen');
  });

  test('a new place with a point and a shape round-trips through the admin form', async () => {
    const shapes = JSON.stringify({
      type: 'Feature',
      properties: { name: 'the airfields', validity: '1939-06' },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [114.3, 47.1],
            [114.6, 47.1],
            [114.6, 47.3],
            [114.3, 47.1],
          ],
        ],
      },
    });
    const created = await send('/admin/entities', editor, {
      kind: 'place',
      name: 'Steppe Airstrip',
      slug: 'steppe-airstrip',
      latitude: '47.2',
      longitude: '114.45',
      shapes,
    });
    assert.equal(created.statusCode, 303, created.body.slice(0, 500));
    const edit = String(created.headers.location).replace(/\?.*/, '');
    const fields = await formOf(edit, editor, edit);
    assert.equal(fields.latitude, '47.2');
    assert.equal(fields.longitude, '114.45');
    assert.match(String(fields.shapes), /"name":"the airfields","validity":"1939-06"/);
    const { res, page: p } = await open('/places/steppe-airstrip/');
    assert.ok(listed(p, p.get('region', 'Map')).includes('the airfields (an area, June 1939)'));
    // JSON-LD is data in the head, not content with roles: read as the JSON it is.
    const ld = [...res.body.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)]
      .map((m) => JSON.parse(m[1]!))
      .find((b) => b['@type'] === 'Place');
    assert.deepEqual(ld?.geo, { '@type': 'GeoCoordinates', latitude: 47.2, longitude: 114.45 });
  });

  test('bad coordinates and bad GeoJSON come back at their fields, the typed values kept', async () => {
    const res = await send('/admin/entities', editor, {
      kind: 'place',
      name: 'Nowhere',
      latitude: '123',
      longitude: '118.6',
      shapes: '{"type":"LineString","coordinates":[[118,47],[119,48]],"stroke":"red"}',
    });
    assert.equal(res.statusCode, 400);
    const p = parsePage(res.body);
    const latitude = p.field('Latitude');
    const shapes = p.field('Lines and areas');
    assert.match(p.description(latitude), /between −90 and 90; 123 is not/);
    assert.match(p.description(shapes), /“stroke”/);
    assert.equal(p.attr(latitude, 'value'), '123');
    assert.ok(p.text(shapes).includes('"stroke":"red"'), p.text(shapes));
  });

  test('shapes of 60,000 points are refused with a message, not cut', async () => {
    const coordinates = Array.from({ length: 60_000 }, (_, i) => [100 + i / 1000, 40 + (i % 2) / 100]);
    const res = await send('/admin/entities', editor, {
      kind: 'place',
      name: 'A long trace',
      shapes: JSON.stringify({ type: 'LineString', coordinates }),
    });
    assert.equal(res.statusCode, 400);
    const p = parsePage(res.body);
    assert.match(p.description(p.field('Lines and areas')), /at most 50,000 are accepted/);
  });

  test('the place form carries a map whose projection a browser can rebuild', async () => {
    const placed = await place('Rüdesheim', '49.98', '7.92');
    const res = await get(`/admin/entities/edit/${placed.id}`, editor);
    const p = parsePage(res.body);
    p.get('img', 'Map for placing the point');
    const [figure, ...others] = p.all('figure');
    assert.equal(others.length, 0, 'one map figure');
    assert.equal(p.attr(figure!, 'dataProjection'), 'mercator');
    assert.match(p.attr(figure!, 'dataRotate'), /^[-\d.]+,0$/);
    // The island's script is markup with no role or name.
    assert.match(res.body, /<script type="module" src="\/assets\/place-map\.[0-9a-f]+\.js"><\/script>/);
    const form = await get('/admin/entities/new?kind=person', editor);
    assert.equal(parsePage(form.body).all('textbox', 'Latitude').length, 0);
    assert.doesNotMatch(form.body, /name="latitude"/);
  });
});
