/**
 * Reads the GeoJSON an editor pastes for a place's shapes (decision 043): a geometry (LineString,
 * MultiLineString, Polygon, MultiPolygon), a Feature holding one, or a FeatureCollection of them. A feature's
 * properties may hold `name` (what the shape is) and `validity` (EDTF: when the line or area held); any other
 * member anywhere is refused, naming it, as are other geometry types, markup and coordinates off the globe.
 */
import { GEO_LIMITS, type GeoRefusal, type Position, refuse, SHAPE_TYPES, type ShapeGeometry } from './geo-types.ts';

/** One shape as read, before its validity is parsed and its size checked. */
export interface RawShape {
  label: string;
  validity: string;
  geometry: ShapeGeometry;
}

type Json = Record<string, unknown>;
type Read<T> = T | GeoRefusal;
const refused = (v: unknown): v is GeoRefusal => typeof v === 'object' && v !== null && (v as GeoRefusal).ok === false;

const MEMBERS: Record<string, readonly string[]> = {
  FeatureCollection: ['type', 'features', 'bbox'],
  Feature: ['type', 'geometry', 'properties', 'id', 'bbox'],
  geometry: ['type', 'coordinates', 'bbox'],
  properties: ['name', 'validity'],
};
const quoted = (names: string[]) => names.map((n) => `“${n.slice(0, 40)}”`).join(', ');

function foreignMembers(o: Json, allowed: readonly string[], where: string): GeoRefusal | undefined {
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length === 0) return undefined;
  const what = unknown.length === 1 ? 'a member' : 'members';
  return refuse(
    'GEOJSON_FOREIGN_MEMBER',
    `${where[0]!.toUpperCase()}${where.slice(1)} has ${what} Annalist does not keep: ${quoted(unknown)}. Remove ${unknown.length === 1 ? 'it' : 'them'} (only ${allowed.join(', ')} are read there).`,
  );
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function readPosition(v: unknown, where: string): Read<Position> {
  if (!Array.isArray(v) || v.length < 2 || v.length > 3 || !v.every((n) => typeof n === 'number' && Number.isFinite(n)))
    return refuse('GEOJSON_COORDINATES_INVALID', `${where}: a position is [longitude, latitude], two numbers.`);
  const [lon, lat] = v as number[];
  if (Math.abs(lon!) > 180 || Math.abs(lat!) > 90)
    return refuse(
      'GEOJSON_COORDINATES_INVALID',
      `${where}: [${lon}, ${lat}] is off the globe (longitude first, −180 to 180; latitude −90 to 90).`,
    );
  return [lon!, lat!];
}

function readLine(v: unknown, where: string, ring: boolean): Read<Position[]> {
  if (!Array.isArray(v)) return refuse('GEOJSON_COORDINATES_INVALID', `${where}: expected a list of positions.`);
  if (v.length > GEO_LIMITS.refuseAbove) return tooLarge(v.length);
  const line: Position[] = [];
  for (let i = 0; i < v.length; i++) {
    const p = readPosition(v[i], `${where}, position ${i + 1}`);
    if (refused(p)) return p;
    line.push(p);
  }
  const min = ring ? 4 : 2;
  if (line.length < min)
    return refuse(
      'GEOJSON_COORDINATES_INVALID',
      `${where}: ${ring ? 'a ring' : 'a line'} needs at least ${min} positions.`,
    );
  const [a, z] = [line[0]!, line[line.length - 1]!];
  if (ring && (a[0] !== z[0] || a[1] !== z[1]))
    return refuse(
      'GEOJSON_COORDINATES_INVALID',
      `${where}: a ring ends where it starts (repeat its first position last).`,
    );
  return line;
}

export const tooLarge = (n: number): GeoRefusal =>
  refuse(
    'GEOJSON_TOO_LARGE',
    `The shapes have ${n.toLocaleString('en')} points or more; at most ${GEO_LIMITS.refuseAbove.toLocaleString('en')} are accepted (and above ${GEO_LIMITS.simplifyAbove.toLocaleString('en')} they are simplified). Simplify the drawing first.`,
  );

function readLines(v: unknown, where: string, ring: boolean): Read<Position[][]> {
  if (!Array.isArray(v) || v.length === 0)
    return refuse('GEOJSON_COORDINATES_INVALID', `${where}: expected a list of ${ring ? 'rings' : 'lines'}.`);
  const out: Position[][] = [];
  for (let i = 0; i < v.length; i++) {
    const line = readLine(v[i], `${where}, ${ring ? 'ring' : 'line'} ${i + 1}`, ring);
    if (refused(line)) return line;
    out.push(line);
  }
  return out;
}

function readPolygons(v: unknown, where: string): Read<Position[][][]> {
  if (!Array.isArray(v) || v.length === 0)
    return refuse('GEOJSON_COORDINATES_INVALID', `${where}: expected a list of polygons.`);
  const out: Position[][][] = [];
  for (let i = 0; i < v.length; i++) {
    const polygon = readLines(v[i], `${where}, polygon ${i + 1}`, true);
    if (refused(polygon)) return polygon;
    out.push(polygon);
  }
  return out;
}

function readCoordinatesOf(type: ShapeGeometry['type'], v: unknown, where: string): Read<ShapeGeometry> {
  switch (type) {
    case 'LineString': {
      const c = readLine(v, where, false);
      return refused(c) ? c : { type, coordinates: c };
    }
    case 'MultiLineString':
    case 'Polygon': {
      const c = readLines(v, where, type === 'Polygon');
      return refused(c) ? c : ({ type, coordinates: c } as ShapeGeometry);
    }
    case 'MultiPolygon': {
      const c = readPolygons(v, where);
      return refused(c) ? c : { type, coordinates: c };
    }
  }
}

const POINT_HINT = 'a place’s point goes in the latitude and longitude fields';

function readGeometry(v: unknown, where: string): Read<ShapeGeometry> {
  if (!isObject(v)) return refuse('GEOJSON_TYPE_REFUSED', `${where}: expected a geometry object.`);
  const type = v.type;
  if (typeof type !== 'string' || !(SHAPE_TYPES as readonly string[]).includes(type)) {
    const named = typeof type === 'string' ? `“${type.slice(0, 40)}”` : 'no type';
    const hint = type === 'Point' || type === 'MultiPoint' ? ` (${POINT_HINT})` : '';
    return refuse(
      'GEOJSON_TYPE_REFUSED',
      `${where} has ${named}: a shape is a LineString, MultiLineString, Polygon or MultiPolygon${hint}.`,
    );
  }
  return (
    foreignMembers(v, MEMBERS.geometry!, where) ??
    readCoordinatesOf(type as ShapeGeometry['type'], v.coordinates, where)
  );
}

function readProperties(v: unknown, where: string): Read<{ label: string; validity: string }> {
  if (v === null || v === undefined) return { label: '', validity: '' };
  if (!isObject(v)) return refuse('GEOJSON_UNREADABLE', `${where}: properties are an object or null.`);
  const foreign = foreignMembers(v, MEMBERS.properties!, `the properties of ${where}`);
  if (foreign) return foreign;
  const { name = '', validity = '' } = v;
  if (typeof name !== 'string' || typeof validity !== 'string')
    return refuse('GEOJSON_UNREADABLE', `${where}: “name” and “validity” are text.`);
  if (name.length > GEO_LIMITS.label)
    return refuse('GEOJSON_UNREADABLE', `${where}: a name is at most ${GEO_LIMITS.label} characters.`);
  if (/[<>]|script:/i.test(name)) return markup(`${where}’s name`);
  return { label: name.trim(), validity: validity.trim() };
}

const markup = (where: string): GeoRefusal =>
  refuse('GEOJSON_MARKUP', `${where} holds markup or a script (“<”, “>” or “script:”): a shape is only its GeoJSON.`);

function readFeature(v: unknown, where: string): Read<RawShape> {
  if (!isObject(v) || v.type !== 'Feature') return refuse('GEOJSON_TYPE_REFUSED', `${where} is not a Feature.`);
  const foreign = foreignMembers(v, MEMBERS.Feature!, where);
  if (foreign) return foreign;
  const props = readProperties(v.properties, where);
  if (refused(props)) return props;
  const geometry = readGeometry(v.geometry, `the geometry of ${where}`);
  return refused(geometry) ? geometry : { ...props, geometry };
}

function readCollection(v: Json): Read<RawShape[]> {
  const foreign = foreignMembers(v, MEMBERS.FeatureCollection!, 'the FeatureCollection');
  if (foreign) return foreign;
  if (!Array.isArray(v.features)) return refuse('GEOJSON_UNREADABLE', 'A FeatureCollection has a list of “features”.');
  if (v.features.length > GEO_LIMITS.shapes)
    return refuse('GEOJSON_TOO_LARGE', `At most ${GEO_LIMITS.shapes} shapes a place; this has ${v.features.length}.`);
  const shapes: RawShape[] = [];
  for (let i = 0; i < v.features.length; i++) {
    const f = readFeature(v.features[i], `feature ${i + 1}`);
    if (refused(f)) return f;
    shapes.push(f);
  }
  return shapes;
}

/** Where a character the shapes may not hold first appears, 1-based. */
const positionOf = (text: string, re: RegExp) => (text.search(re) ?? 0) + 1;

/**
 * The shapes in a GeoJSON text, or a refusal naming what is wrong (GEOJSON_*). An empty text is no shapes.
 * Sizes and self-intersections are checked by `checkShapes` (shape-checks.ts), which may simplify.
 */
export function readShapesJson(text: string): Read<RawShape[]> {
  if (text.trim() === '') return [];
  if (text.length > GEO_LIMITS.text) return tooLarge(GEO_LIMITS.refuseAbove);
  if (/[<>]/.test(text)) return markup(`Character ${positionOf(text, /[<>]/)}: the GeoJSON`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message.replace(/^JSON\.parse: /, '') : 'unreadable';
    return refuse('GEOJSON_UNREADABLE', `This is not JSON: ${why.slice(0, 160)}.`);
  }
  if (!isObject(v)) return refuse('GEOJSON_UNREADABLE', 'GeoJSON is an object with a “type”.');
  if (v.type === 'FeatureCollection') return readCollection(v);
  if (v.type === 'Feature') {
    const f = readFeature(v, 'the Feature');
    return refused(f) ? f : [f];
  }
  const g = readGeometry(v, 'the GeoJSON');
  return refused(g) ? g : [{ label: '', validity: '', geometry: g }];
}

export { refused as isGeoRefusal };
