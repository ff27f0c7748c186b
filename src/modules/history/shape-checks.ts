/**
 * What an editor's shapes must be before they are stored (decision 043): no more than 50,000 points (refused),
 * no more than 5,000 (simplified, and the editor told), no polygon crossing itself, validity as EDTF, and
 * coordinates rounded to six decimals (about 10 cm) so that the same drawing is stored, and drawn, the same way.
 */
import { type HistoricalDate, parseHistoricalDate } from './edtf.ts';
import {
  GEO_LIMITS,
  type GeoRefusal,
  type GeoResult,
  type Position,
  partsOf,
  refuse,
  type ShapeGeometry,
  vertexCount,
} from './geo-types.ts';
import { isGeoRefusal, type RawShape, readShapesJson, tooLarge } from './geojson-read.ts';
import { findCrossing } from './self-intersection.ts';
import { simplifyToFit } from './simplify.ts';

/** A checked shape, as stored. */
export interface PlaceShapeInput {
  label: string;
  geometry: ShapeGeometry;
  validity: HistoricalDate | undefined;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
const roundLine = (line: Position[]): Position[] => line.map(([x, y]) => [round6(x), round6(y)]);

function roundGeometry(g: ShapeGeometry): ShapeGeometry {
  switch (g.type) {
    case 'LineString':
      return { type: g.type, coordinates: roundLine(g.coordinates) };
    case 'MultiLineString':
    case 'Polygon':
      return { type: g.type, coordinates: g.coordinates.map(roundLine) } as ShapeGeometry;
    case 'MultiPolygon':
      return { type: g.type, coordinates: g.coordinates.map((p) => p.map(roundLine)) };
  }
}

/** The geometry with its parts replaced, in order (as partsOf lists them). */
function withParts(g: ShapeGeometry, parts: Position[][]): ShapeGeometry {
  switch (g.type) {
    case 'LineString':
      return { type: g.type, coordinates: parts[0]! };
    case 'MultiLineString':
    case 'Polygon':
      return { type: g.type, coordinates: parts } as ShapeGeometry;
    case 'MultiPolygon': {
      let i = 0;
      return { type: g.type, coordinates: g.coordinates.map((p) => p.map(() => parts[i++]!)) };
    }
  }
}

const polygonsOf = (g: ShapeGeometry): Position[][][] =>
  g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];

function crossingIn(shape: RawShape, where: string): GeoRefusal | undefined {
  for (const [i, rings] of polygonsOf(shape.geometry).entries()) {
    const c = findCrossing(rings);
    if (!c) continue;
    const poly = shape.geometry.type === 'MultiPolygon' ? ` (polygon ${i + 1})` : '';
    const rings2 =
      c.ring === c.other ? `its ring ${c.ring} crosses itself` : `its rings ${c.ring} and ${c.other} cross`;
    return refuse(
      'GEOJSON_SELF_INTERSECTING',
      `${where}${poly} is not a simple area: ${rings2}. Redraw it so that its edges meet only at their ends.`,
    );
  }
  return undefined;
}

/** Every shape simplified together so that their points add up to at most the cap. */
function simplifyAll(shapes: RawShape[]): RawShape[] {
  const parts = shapes.flatMap((s) =>
    partsOf(s.geometry).map((line) => ({ line, min: s.geometry.type.endsWith('Polygon') ? 4 : 2 })),
  );
  const simplified = simplifyToFit(parts, GEO_LIMITS.simplifyAbove);
  let i = 0;
  return shapes.map((s) => {
    const n = partsOf(s.geometry).length;
    const mine = simplified.slice(i, i + n);
    i += n;
    return { ...s, geometry: withParts(s.geometry, mine) };
  });
}

const shapeName = (s: RawShape, i: number) => (s.label ? `Shape ${i + 1} (“${s.label}”)` : `Shape ${i + 1}`);

function validityOf(s: RawShape, i: number): HistoricalDate | undefined | GeoRefusal {
  if (s.validity === '') return undefined;
  const parsed = parseHistoricalDate(s.validity);
  if (parsed.ok) return parsed.date;
  return refuse('GEOJSON_VALIDITY_INVALID', `${shapeName(s, i)}, its validity: ${parsed.message}.`);
}

/** Sizes (simplified above 5,000 points, refused above 50,000), crossings and validity, in that order. */
export function checkShapes(raw: RawShape[]): GeoResult<PlaceShapeInput[]> {
  const total = raw.reduce((n, s) => n + vertexCount(s.geometry), 0);
  if (total > GEO_LIMITS.refuseAbove) return tooLarge(total);
  const notes: string[] = [];
  let shapes = raw.map((s) => ({ ...s, geometry: roundGeometry(s.geometry) }));
  if (total > GEO_LIMITS.simplifyAbove) {
    shapes = simplifyAll(shapes);
    const after = shapes.reduce((n, s) => n + vertexCount(s.geometry), 0);
    notes.push(
      `The shapes had ${total.toLocaleString('en')} points; they were simplified to ${after.toLocaleString('en')} (at most ${GEO_LIMITS.simplifyAbove.toLocaleString('en')} are kept). Check them on the map.`,
    );
  }
  const value: PlaceShapeInput[] = [];
  for (const [i, s] of shapes.entries()) {
    const crossing = crossingIn(s, shapeName(s, i));
    if (crossing)
      return notes.length > 0 ? { ...crossing, message: `${crossing.message} (after simplifying)` } : crossing;
    const validity = validityOf(s, i);
    if (isGeoRefusal(validity)) return validity;
    value.push({ label: s.label, geometry: s.geometry, validity });
  }
  return { ok: true, value, notes };
}

/** The shapes of a GeoJSON text, checked (readShapesJson, then checkShapes). */
export function readShapes(text: string): GeoResult<PlaceShapeInput[]> {
  const raw = readShapesJson(text);
  return isGeoRefusal(raw) ? raw : checkShapes(raw);
}

/** Shapes as the form shows them back: a FeatureCollection, one feature a line. */
export function shapesText(
  shapes: readonly { label: string; geometry: ShapeGeometry; validityText: string }[],
): string {
  if (shapes.length === 0) return '';
  const features = shapes.map((s) => {
    const properties: Record<string, string> = {};
    if (s.label) properties.name = s.label;
    if (s.validityText) properties.validity = s.validityText;
    return JSON.stringify({ type: 'Feature', properties, geometry: s.geometry });
  });
  return `{"type": "FeatureCollection", "features": [\n${features.join(',\n')}\n]}`;
}
