import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

let t: TestSite;
const { person, get, send } = staffClient(() => t);
let editor: Person;
let folder: string;

const page = (url: string) => t.app.inject({ method: 'GET', url });

const svgOf = (html: string, id: string) => {
  const svg = new RegExp(
    `<svg class="map"[^>]*aria-labelledby="${id}-title" aria-describedby="${id}-desc"[\\s\\S]*?</svg>`,
  ).exec(html)?.[0];
  assert.ok(svg, `an SVG map ${id}`);
  return svg;
};

/** xmllint's verdict on the SVG as a file of its own. */
function wellFormed(svg: string, name: string): void {
  const file = join(folder, `${name}.svg`);
  writeFileSync(file, svg);
  execFileSync('xmllint', ['--noout', file]);
}

const circles = (svg: string) =>
  [...svg.matchAll(/<circle class="map__point" cx="([\d.]+)" cy="([\d.]+)"[^>]*><\/circle><text[^>]*>([^<]+)</g)].map(
    (m) => ({ x: Number(m[1]), y: Number(m[2]), name: m[3]! }),
  );

/** The edit address of a demo entity, from the admin list. */
async function editAddress(kind: string, name: string): Promise<string> {
  const list = await get(`/admin/entities?kind=${kind}`, editor);
  const id = new RegExp(`href="/admin/entities/edit/(\\d+)">${name}<`).exec(list.body)?.[1];
  assert.ok(id, `${name} in the list`);
  return `/admin/entities/edit/${id}`;
}

/** The form's fields as the edit page shows them (what a browser would send back). */
async function fieldsOf(url: string): Promise<Record<string, string>> {
  const html = (await get(url, editor)).body;
  const value = (name: string) =>
    new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1] ??
    new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(html)?.[1] ??
    '';
  const decode = (s: string) =>
    s.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  const kind = /<option value="(\w+)" selected/.exec(html)?.[1] ?? '';
  const fields: Record<string, string> = { kind };
  for (const f of ['name', 'slug', 'names', 'date', 'description', 'wikidata', 'latitude', 'longitude', 'shapes'])
    fields[f] = decode(value(f));
  return fields;
}

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'annalist-maps-'));
  t = await startTestSite();
  editor = await person('editor', 'Edith');
});
after(async () => {
  await t.close();
  rmSync(folder, { recursive: true, force: true });
});

describe(`maps of places (${TEST_DATABASE})`, () => {
  test("a place's page shows a locator map: valid SVG, named, described, its point and shapes, and a list", async () => {
    const res = await page('/places/khalkhin-gol/');
    assert.equal(res.statusCode, 200);
    const svg = svgOf(res.body, 'place-map');
    wellFormed(svg, 'place');
    assert.match(svg, /role="img"/);
    assert.match(svg, /<title id="place-map-title">Map of Khalkhin-Gol and its surroundings<\/title>/);
    assert.match(svg, /<desc id="place-map-desc">Khalkhin-Gol at 47°44′ N, 118°35′ E, in today’s Mongolia/);
    assert.match(svg, /<path class="map__line" d="M/);
    assert.match(svg, /<path class="map__area" d="M[^"]+" fill="url\(#place-map-hatch\)"/);
    assert.match(svg, /<path class="map__country" d="M/);
    assert.deepEqual(
      circles(svg).map((c) => c.name),
      ['Khalkhin-Gol'],
    );
    assert.match(res.body, /<ul class="map-places"><li>Khalkhin-Gol: 47°44′ N, 118°35′ E/);
    assert.match(
      res.body,
      /strip between the river and the border Mongolia claimed \(an area, between May and September 1939\)/,
    );
    assert.ok(svg.length < 20_000, `small SVG (${svg.length} characters)`);
  });

  test('a place without coordinates or shapes has no map', async () => {
    const res = await page('/events/battle-of-khalkhin-gol/');
    assert.doesNotMatch(res.body, /class="map"/);
  });

  test("the article's Map section shows the places it mentions, each linked, after the text", async () => {
    const res = await page('/khalkhin-gol-1939/');
    const svg = svgOf(res.body, 'article-map');
    wellFormed(svg, 'article');
    assert.deepEqual(
      circles(svg)
        .map((c) => c.name)
        .sort(),
      ['Bain-Tsagan', 'Khalkhin-Gol', 'Nomonhan'],
    );
    assert.match(res.body, /<h2 id="article-map-heading">Map<\/h2>/);
    assert.match(res.body, /<li><a href="\/places\/nomonhan\/">Nomonhan<\/a>: 47°46′ N, 118°45′ E<\/li>/);
    assert.ok(res.body.indexOf('class="prose"') < res.body.indexOf('article-map-heading'), 'after the body');
    // Bain-Tsagan is north-west of Nomonhan: higher up and further left on the map.
    const [bain, nomonhan] = ['Bain-Tsagan', 'Nomonhan'].map((n) => circles(svg).find((c) => c.name === n)!);
    assert.ok(bain!.y < nomonhan!.y && bain!.x < nomonhan!.x);
  });

  test('an article mentioning no place on the map has no Map section', async () => {
    const res = await page('/zhukov-before-moscow/');
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /article-map-heading/);
  });

  test('moving a place in the admin shows at once on its page and on the article, both cached before', async () => {
    const edit = await editAddress('place', 'Nomonhan');
    for (const url of ['/places/nomonhan/', '/khalkhin-gol-1939/']) {
      await page(url);
      assert.equal((await page(url)).headers['x-cache'], 'hit', url);
    }
    const fields = await fieldsOf(edit);
    assert.equal(fields.latitude, '47.773');
    const saved = await send(edit, editor, { ...fields, latitude: '47.6', longitude: '118.95' });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
    const place = await page('/places/nomonhan/');
    assert.notEqual(place.headers['x-cache'], 'hit');
    assert.match(place.body, /Nomonhan: 47°36′ N, 118°57′ E/);
    const article = await page('/khalkhin-gol-1939/');
    assert.match(article.body, /Nomonhan<\/a>: 47°36′ N, 118°57′ E/);
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
      name: 'Tamsag-Bulak',
      slug: 'tamsag-bulak',
      latitude: '47.2',
      longitude: '114.45',
      shapes,
    });
    assert.equal(created.statusCode, 303, created.body.slice(0, 500));
    const fields = await fieldsOf(String(created.headers.location).replace(/\?.*/, ''));
    assert.equal(fields.latitude, '47.2');
    assert.equal(fields.longitude, '114.45');
    assert.match(fields.shapes!, /"name":"the airfields","validity":"1939-06"/);
    const res = await page('/places/tamsag-bulak/');
    assert.match(res.body, /the airfields \(an area, June 1939\)/);
    assert.match(res.body, /"geo":\{"@type":"GeoCoordinates","latitude":47.2,"longitude":114.45\}/);
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
    assert.match(res.body, /id="entity-latitude-error">[^<]*between −90 and 90; 123 is not/);
    assert.match(res.body, /id="entity-shapes-error">[^<]*“stroke”/);
    assert.match(res.body, /value="123"/);
    assert.match(res.body, /&quot;stroke&quot;:&quot;red&quot;/);
  });

  test('shapes of 60,000 points are refused with a message, not cut', async () => {
    const coordinates = Array.from({ length: 60_000 }, (_, i) => [100 + i / 1000, 40 + (i % 2) / 100]);
    const res = await send('/admin/entities', editor, {
      kind: 'place',
      name: 'A long trace',
      shapes: JSON.stringify({ type: 'LineString', coordinates }),
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /id="entity-shapes-error">[^<]*at most 50,000 are accepted/);
  });

  test('the place form carries a map whose projection a browser can rebuild', async () => {
    const res = await get(await editAddress('place', 'Bain-Tsagan'), editor);
    assert.match(res.body, /<figure class="map-figure" data-projection="mercator" data-rotate="[-\d.]+,0"/);
    assert.match(res.body, /<script type="module" src="\/assets\/place-map\.[0-9a-f]+\.js"><\/script>/);
    const person = await get('/admin/entities/new?kind=person', editor);
    assert.doesNotMatch(person.body, /name="latitude"/);
  });
});
