import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { geoContains } from 'd3-geo';
import { readCoordinates } from '../../src/modules/history/coordinates.ts';
import { emptyEntityForm, readEntityForm } from '../../src/modules/history/entity-form.ts';
import { readShapes } from '../../src/modules/history/shape-checks.ts';
import { drawMap } from '../../src/modules/maps/map-drawing.ts';
import { buildProjection } from '../../src/modules/maps/projection.ts';
import { worldCountries } from '../../src/modules/maps/world.ts';
import { isAppError } from '../../src/modules/shared/errors.ts';

type Lonlat = [number, number];

const line = (coordinates: Lonlat[]) => JSON.stringify({ type: 'LineString', coordinates });
const polygon = (ring: Lonlat[]) => JSON.stringify({ type: 'Polygon', coordinates: [ring] });
const square: Lonlat[] = [
  [118.6, 47.6],
  [118.8, 47.6],
  [118.8, 47.8],
  [118.6, 47.8],
  [118.6, 47.6],
];

function refusal(text: string) {
  const r = readShapes(text);
  assert.ok(!r.ok, `refused: ${text.slice(0, 80)}`);
  return r;
}

/** A long wiggly line of `n` points along the river's latitude. */
const wiggle = (n: number): Lonlat[] =>
  Array.from({ length: n }, (_, i) => [118 + i / n, 47.7 + 0.01 * Math.sin(i / 7)] as Lonlat);

describe('a place’s coordinates', () => {
  test('decimal degrees are read; both empty is no point', () => {
    assert.deepEqual(readCoordinates('47.73', '118.59'), { ok: true, point: { latitude: 47.73, longitude: 118.59 } });
    assert.deepEqual(readCoordinates(' ', ''), { ok: true, point: null });
  });

  test('a latitude past 90 or a longitude past 180 is refused at its field', () => {
    const r = readCoordinates('91', '-181');
    assert.ok(!r.ok);
    assert.equal(r.code, 'COORDINATES_OUT_OF_RANGE');
    assert.match(r.fields.latitude!, /between −90 and 90; 91 is not/);
    assert.match(r.fields.longitude!, /between −180 and 180/);
  });

  test('degrees and minutes, or one half of a point, get a message saying what to write', () => {
    const r = readCoordinates('47°44′', '');
    assert.ok(!r.ok);
    assert.equal(r.code, 'COORDINATES_INVALID');
    assert.match(r.fields.latitude!, /decimal degrees, e\.g\. 47\.73/);
    assert.match(r.fields.longitude!, /Give the longitude too/);
  });

  test('the entity form refuses a point for a person, naming the field', () => {
    const form = { ...emptyEntityForm('person'), name: 'Zhukov', latitude: '55.7', longitude: '37.6' };
    assert.throws(
      () => readEntityForm(form),
      (err) => isAppError(err) && err.code === 'ENTITY_INVALID' && /Only a place/.test(err.fields?.latitude ?? ''),
    );
  });
});

describe('a place’s shapes as GeoJSON', () => {
  test('a line, a polygon, a Feature and a FeatureCollection with names and validity are read', () => {
    assert.equal(readShapes(line(square.slice(0, 3))).ok, true);
    assert.equal(readShapes(polygon(square)).ok, true);
    const fc = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { name: 'river', validity: '1939-05/1939-09' },
          geometry: JSON.parse(polygon(square)),
        },
      ],
    });
    const r = readShapes(fc);
    assert.ok(r.ok);
    assert.equal(r.value[0]!.label, 'river');
    assert.equal(r.value[0]!.validity?.text, '1939-05/1939-09');
  });

  test('foreign members are refused, each named', () => {
    const r = refusal(JSON.stringify({ type: 'LineString', coordinates: square, crs: {}, style: 'red' }));
    assert.equal(r.code, 'GEOJSON_FOREIGN_MEMBER');
    assert.match(r.message, /“crs”, “style”/);
    const props = refusal(
      JSON.stringify({
        type: 'Feature',
        properties: { name: 'x', stroke: '#f00' },
        geometry: JSON.parse(line(square)),
      }),
    );
    assert.match(props.message, /properties of the Feature .*“stroke”/);
  });

  test('a point, a geometry collection and an unknown type are refused with what a shape may be', () => {
    const point = refusal(JSON.stringify({ type: 'Point', coordinates: [118.6, 47.7] }));
    assert.equal(point.code, 'GEOJSON_TYPE_REFUSED');
    assert.match(point.message, /latitude and longitude fields/);
    assert.equal(refusal(JSON.stringify({ type: 'GeometryCollection', geometries: [] })).code, 'GEOJSON_TYPE_REFUSED');
  });

  test('a self-intersecting polygon (a bow tie) is refused', () => {
    const bowTie: Lonlat[] = [
      [0, 0],
      [1, 1],
      [1, 0],
      [0, 1],
      [0, 0],
    ];
    const r = refusal(polygon(bowTie));
    assert.equal(r.code, 'GEOJSON_SELF_INTERSECTING');
    assert.match(r.message, /ring 1 crosses itself/);
  });

  test('coordinates off the globe, an open ring and text that is not JSON are refused with where', () => {
    assert.match(
      refusal(
        line([
          [200, 47],
          [118, 47],
        ]),
      ).message,
      /position 1: \[200, 47\] is off the globe/,
    );
    assert.match(refusal(polygon(square.slice(0, 4))).message, /ends where it starts/);
    assert.equal(refusal('{"type": "LineString",').code, 'GEOJSON_UNREADABLE');
  });

  test('markup or a script anywhere is refused, even escaped inside a name', () => {
    assert.equal(refusal(`{"type":"LineString","coordinates":[[1,2],[3,4]],"x":"<script>"}`).code, 'GEOJSON_MARKUP');
    const escaped = JSON.stringify({
      type: 'Feature',
      properties: { name: '\u003cimg src=x onerror=alert(1)\u003e' },
      geometry: JSON.parse(line(square)),
    }).replaceAll('<', '\\u003c');
    assert.equal(refusal(escaped).code, 'GEOJSON_MARKUP');
  });

  test('a validity that is not EDTF is refused naming the character', () => {
    const fc = JSON.stringify({
      type: 'Feature',
      properties: { validity: '1939-13' },
      geometry: JSON.parse(line(square)),
    });
    const r = refusal(fc);
    assert.equal(r.code, 'GEOJSON_VALIDITY_INVALID');
    assert.match(r.message, /Character 6/);
  });

  test('above 5,000 points a line is simplified to fit, and the editor is told', () => {
    const r = readShapes(line(wiggle(12_000)));
    assert.ok(r.ok);
    const kept = r.value[0]!.geometry.coordinates.length;
    assert.ok(kept <= 5_000 && kept > 100, `kept ${kept}`);
    assert.match(r.notes[0]!, /had 12,000 points; they were simplified to [\d,]+/);
  });

  test('above 50,000 points the shapes are refused with a message', () => {
    const r = refusal(line(wiggle(50_001)));
    assert.equal(r.code, 'GEOJSON_TOO_LARGE');
    assert.match(r.message, /at most 50,000/);
  });
});

describe('the map drawing', () => {
  const KHALKHIN_GOL = { name: 'Khalkhin-Gol', lon: 118.59, lat: 47.73 };
  // Hailar, in Inner Mongolia (China), 170 km north-east of the battlefield.
  const HAILAR = { name: 'Hailar', lon: 119.74, lat: 49.21 };
  const drawing = drawMap({ width: 480, contextKm: 250, points: [KHALKHIN_GOL, HAILAR], shapes: [] });
  const projection = buildProjection(drawing.projection);
  const mongolia = worldCountries('50m').find((c) => c.name === 'Mongolia')!;

  test('a small region is drawn in Mercator and the point sits where the projection puts it', () => {
    assert.equal(drawing.projection.kind, 'mercator');
    const drawn = drawing.points.find((p) => p.name === 'Khalkhin-Gol')!;
    const [x, y] = projection([KHALKHIN_GOL.lon, KHALKHIN_GOL.lat])!;
    assert.ok(Math.abs(drawn.x - x) < 0.1 && Math.abs(drawn.y - y) < 0.1, `${drawn.x},${drawn.y} vs ${x},${y}`);
    assert.ok(drawn.x > 0 && drawn.x < drawing.width && drawn.y > 0 && drawn.y < drawing.height);
  });

  test('Khalkhin-Gol lies in Mongolia, within a few tens of km of its eastern border; Hailar outside it', () => {
    assert.equal(geoContains(mongolia.feature, [KHALKHIN_GOL.lon, KHALKHIN_GOL.lat]), true);
    assert.equal(drawing.points.find((p) => p.name === 'Khalkhin-Gol')!.country, 'Mongolia');
    assert.equal(drawing.points.find((p) => p.name === 'Hailar')!.country, 'China');
    // 0.5° east (about 37 km) is across the border; Mongolia's eastern edge is within a degree.
    assert.equal(geoContains(mongolia.feature, [KHALKHIN_GOL.lon + 0.5, KHALKHIN_GOL.lat]), false);
    assert.ok(mongolia.bounds[1][0] - KHALKHIN_GOL.lon < 1.5, `east edge ${mongolia.bounds[1][0]}`);
    // Drawn: where Mongolia's drawn outline reaches Hailar's column, it is well south of Hailar's dot.
    const mongoliaPath = drawing.countries.find((c) => c.name === 'Mongolia')!.d;
    const vertices = [...mongoliaPath.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const hailar = drawing.points.find((p) => p.name === 'Hailar')!;
    const column = vertices.filter(([x]) => Math.abs(x! - hailar.x) < 10);
    assert.ok(column.length > 0 && column.every(([, y]) => y! > hailar.y + 50), `Hailar at ${hailar.x},${hailar.y}`);
    const gol = drawing.points.find((p) => p.name === 'Khalkhin-Gol')!;
    const near = vertices.filter(([x]) => Math.abs(x! - gol.x) < 10).map(([, y]) => y!);
    assert.ok(Math.min(...near) < gol.y && Math.max(...near) > gol.y, 'the outline passes above and below the dot');
  });

  test('the world gets Equal Earth, and a country-sized extent a conic equal-area projection', () => {
    assert.equal(
      drawMap({ width: 480, contextKm: 10_000, points: [KHALKHIN_GOL], shapes: [] }).projection.kind,
      'equal-earth',
    );
    assert.equal(
      drawMap({ width: 480, contextKm: 1_500, points: [KHALKHIN_GOL], shapes: [] }).projection.kind,
      'conic-equal-area',
    );
  });

  test('the same places draw the same map, byte for byte', () => {
    const again = drawMap({ width: 480, contextKm: 250, points: [HAILAR, KHALKHIN_GOL], shapes: [] });
    assert.deepEqual(again, drawing);
  });
});
