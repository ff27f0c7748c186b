/**
 * A map drawn as numbers and SVG path data (decision 043): the countries of the region clipped to the map's box,
 * a place's lines and areas, its points with their labels, a scale bar, and the projection that placed them.
 * Pure and deterministic: the same places give the same drawing, byte for byte (pages are cached). The web layer
 * turns a drawing into SVG.
 */
import { type GeoPath, type GeoProjection, geoArea, geoContains, geoDistance, geoPath } from 'd3-geo';
import type { Geometry } from 'geojson';
import { buildProjection, type Extent, fitProjection, type ProjectionSpec } from './projection.ts';
import { type Country, type WorldResolution, worldCountries } from './world.ts';

type Lonlat = [number, number];

/** What a map shows: points and shapes with their names. */
export interface MapInput {
  points: { name: string; lon: number; lat: number }[];
  shapes: { name: string; area: boolean; geometry: Geometry }[];
  /** Around a lone point, how far the map reaches on each side, in km (a locator map's context). */
  contextKm: number;
  width: number;
  /** The region to show instead of the one the points and shapes call for (a world map to place a first point). */
  extent?: Extent;
}

export interface DrawnPoint {
  name: string;
  /** The country the point lies in today (Natural Earth's borders), when one does. */
  country?: string;
  x: number;
  y: number;
  label: { x: number; y: number; anchor: 'start' | 'end' };
}

export interface MapDrawing {
  width: number;
  height: number;
  projection: ProjectionSpec;
  countries: { name: string; d: string }[];
  countryLabels: { name: string; x: number; y: number }[];
  shapes: { name: string; area: boolean; d: string }[];
  points: DrawnPoint[];
  scaleBar?: { x: number; y: number; length: number; label: string };
}

const KM_PER_DEGREE = 111.32;
const EARTH_KM = 6371;
const round1 = (n: number) => Math.round(n * 10) / 10;

function lonlatsOf(g: Geometry): Lonlat[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates as Lonlat];
    case 'MultiPoint':
    case 'LineString':
      return g.coordinates as Lonlat[];
    case 'MultiLineString':
    case 'Polygon':
      return g.coordinates.flat() as Lonlat[];
    case 'MultiPolygon':
      return g.coordinates.flat(2) as Lonlat[];
    default:
      return [];
  }
}

/** The region the map covers: every point and shape, padded, and at least `contextKm` around their middle. */
export function mapExtent(input: Pick<MapInput, 'points' | 'shapes' | 'contextKm' | 'extent'>): Extent {
  if (input.extent) return input.extent;
  const all: Lonlat[] = [
    ...input.points.map((p) => [p.lon, p.lat] as Lonlat),
    ...input.shapes.flatMap((s) => lonlatsOf(s.geometry)),
  ];
  const lons = all.map((p) => p[0]);
  const lats = all.map((p) => p[1]);
  let [west, east, south, north] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const padLat = Math.max((north - south) * 0.15, 0.05);
  const padLon = Math.max((east - west) * 0.15, 0.05);
  [west, east, south, north] = [west - padLon, east + padLon, south - padLat, north + padLat];
  const midLat = (south + north) / 2;
  const minLat = input.contextKm / KM_PER_DEGREE;
  const minLon = minLat / Math.max(Math.cos((midLat * Math.PI) / 180), 0.2);
  const grow = (lo: number, hi: number, half: number): [number, number] => {
    const mid = (lo + hi) / 2;
    return hi - lo >= 2 * half ? [lo, hi] : [mid - half, mid + half];
  };
  [south, north] = grow(south, north, minLat);
  [west, east] = grow(west, east, minLon);
  return {
    west: Math.max(-180, west),
    east: Math.min(180, east),
    south: Math.max(-85, south),
    north: Math.min(85, north),
  };
}

/** Whether a country's bounds meet the extent (a country across the antimeridian always may). */
function meets(c: Country, e: Extent): boolean {
  const [[w, s], [east, n]] = c.bounds;
  if (s > e.north || n < e.south) return false;
  if (w > east) return true;
  return !(w > e.east || east < e.west);
}

/** d3-geo reads a polygon's outer ring clockwise; GeoJSON writes it anticlockwise: flip what came out inside out. */
function rewound(g: Geometry): Geometry {
  if ((g.type !== 'Polygon' && g.type !== 'MultiPolygon') || geoArea(g) <= 2 * Math.PI) return g;
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map((r) => [...r].reverse()) };
  return { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map((r) => [...r].reverse())) };
}

function drawCountries(path: GeoPath, e: Extent, box: { width: number; height: number }) {
  const resolution: WorldResolution = e.east - e.west > 40 ? '110m' : '50m';
  const countries: MapDrawing['countries'] = [];
  const labels: MapDrawing['countryLabels'] = [];
  const shown: Country[] = [];
  for (const c of worldCountries(resolution)) {
    if (!meets(c, e)) continue;
    const d = path(c.feature);
    if (!d) continue;
    countries.push({ name: c.name, d });
    shown.push(c);
    // Named where enough of it shows to hold the name.
    if (path.area(c.feature) < box.width * box.height * 0.06) continue;
    const [x, y] = path.centroid(c.feature);
    if (x > 40 && x < box.width - 40 && y > 20 && y < box.height - 20)
      labels.push({ name: c.name, x: round1(x), y: round1(y) });
  }
  return { countries, labels, shown };
}

const LABEL_LINE = 16;

/** Points with labels to their right (left near the right edge), moved down when they would overlap another. */
function drawPoints(projection: GeoProjection, input: MapInput, within: readonly Country[]): DrawnPoint[] {
  const width = input.width;
  const taken: { x0: number; x1: number; y: number }[] = [];
  const points: DrawnPoint[] = [];
  const sorted = [...input.points].sort((a, b) => b.lat - a.lat || a.lon - b.lon || (a.name < b.name ? -1 : 1));
  for (const p of sorted) {
    const xy = projection([p.lon, p.lat]);
    if (!xy) continue;
    const [x, y] = [round1(xy[0]), round1(xy[1])];
    const chars = p.name.length * 7.5;
    const anchor = x + 8 + chars > width ? 'end' : 'start';
    const x0 = anchor === 'start' ? x + 8 : x - 8 - chars;
    let ly = y + 4;
    while (taken.some((t) => Math.abs(t.y - ly) < LABEL_LINE && t.x0 < x0 + chars && x0 < t.x1)) ly += LABEL_LINE;
    taken.push({ x0, x1: x0 + chars, y: ly });
    const country = within.find((c) => geoContains(c.feature, [p.lon, p.lat]))?.name;
    points.push({
      name: p.name,
      country,
      x,
      y,
      label: { x: anchor === 'start' ? x + 8 : x - 8, y: round1(ly), anchor },
    });
  }
  return points;
}

const COUNTRY_NUDGES = [0, 24, -24, 48, -48];

/** Country names moved up or down off the places' dots and names (left out when no nudge clears them). */
function clearOfPoints(
  labels: MapDrawing['countryLabels'],
  points: readonly DrawnPoint[],
): MapDrawing['countryLabels'] {
  const boxes = points.map((p) => {
    const w = p.name.length * 7.5;
    const x0 = Math.min(p.x - 6, p.label.anchor === 'start' ? p.label.x : p.label.x - w);
    return { x0, x1: Math.max(p.x + 6, p.label.anchor === 'start' ? p.label.x + w : p.label.x), y: p.label.y };
  });
  const hits = (name: string, x: number, y: number) => {
    const half = name.length * 8; // spaced capitals, about 16 px a letter
    return boxes.some((b) => Math.abs(b.y - y) < LABEL_LINE + 4 && b.x0 < x + half && x - half < b.x1);
  };
  return labels.flatMap((l) => {
    const dy = COUNTRY_NUDGES.find((d) => !hits(l.name, l.x, l.y + d));
    return dy === undefined ? [] : [{ ...l, y: round1(l.y + dy) }];
  });
}

const NICE = [1, 2, 5];

/** A scale bar about a fifth of the map wide, at the bottom left, in a round number of km. */
function scaleBar(projection: GeoProjection, width: number, height: number): MapDrawing['scaleBar'] {
  const y = height / 2;
  const a = projection.invert?.([width / 2 - 50, y]);
  const b = projection.invert?.([width / 2 + 50, y]);
  if (!a || !b) return undefined;
  const kmPerPx = (geoDistance(a, b) * EARTH_KM) / 100;
  const target = (width / 5) * kmPerPx;
  const magnitude = 10 ** Math.floor(Math.log10(target));
  const km =
    NICE.map((n) => n * magnitude)
      .filter((n) => n <= target)
      .pop() ?? magnitude;
  return { x: 16, y: height - 16, length: round1(km / kmPerPx), label: `${km.toLocaleString('en')} km` };
}

/** The drawing of a map of these points and shapes. */
export function drawMap(input: MapInput): MapDrawing {
  const extent = mapExtent(input);
  const { spec, height } = fitProjection(extent, input.width);
  const box = { width: input.width, height };
  const projection = buildProjection(spec, box);
  const path = geoPath(projection).digits(1);
  const { countries, labels, shown } = drawCountries(path, extent, box);
  const shapes = input.shapes
    .map((s) => ({ name: s.name, area: s.area, d: path(rewound(s.geometry)) ?? '' }))
    .filter((s) => s.d !== '');
  const points = drawPoints(projection, input, shown);
  return {
    ...box,
    projection: spec,
    countries,
    countryLabels: clearOfPoints(labels, points),
    shapes,
    points,
    scaleBar: spec.kind === 'equal-earth' ? undefined : scaleBar(projection, input.width, height),
  };
}
