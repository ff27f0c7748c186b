/**
 * The projection a map's extent calls for (decision 043), as plain numbers a browser island can rebuild with
 * d3-geo to turn a click back into longitude and latitude: Mercator for a region (true shapes, and its scale
 * varies little across a few hundred km), a conic equal-area projection with standard parallels inside the extent
 * for a country or a continent, and Equal Earth for the world.
 */
import {
  type GeoPermissibleObjects,
  type GeoProjection,
  geoConicEqualArea,
  geoEqualEarth,
  geoMercator,
  geoPath,
} from 'd3-geo';
import type { Polygon } from 'geojson';

export type ProjectionKind = 'mercator' | 'conic-equal-area' | 'equal-earth';

/** Enough to rebuild the projection exactly: d3's projection with these rotate, parallels, scale and translate. */
export interface ProjectionSpec {
  kind: ProjectionKind;
  rotate: [number, number];
  parallels: [number, number];
  scale: number;
  translate: [number, number];
}

/** A region in degrees: west, south, east, north (east < west never: extents here do not cross 180°). */
export interface Extent {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** Below this span (degrees of latitude, or of longitude shrunk by its latitude) a map is Mercator. */
const REGIONAL_SPAN = 15;
/** From this span of longitude a map is of the world. */
const WORLD_SPAN = 100;

export function projectionKindFor(e: Extent): ProjectionKind {
  const midLat = (e.south + e.north) / 2;
  const wide = (e.east - e.west) * Math.cos((midLat * Math.PI) / 180);
  if (e.east - e.west >= WORLD_SPAN) return 'equal-earth';
  return Math.max(wide, e.north - e.south) < REGIONAL_SPAN ? 'mercator' : 'conic-equal-area';
}

/** The d3 projection a spec describes, clipped to the map's box when `size` is given. */
export function buildProjection(spec: ProjectionSpec, size?: { width: number; height: number }): GeoProjection {
  const p =
    spec.kind === 'mercator'
      ? geoMercator()
      : spec.kind === 'equal-earth'
        ? geoEqualEarth()
        : geoConicEqualArea().parallels(spec.parallels);
  p.rotate(spec.rotate).scale(spec.scale).translate(spec.translate).precision(0.2);
  if (size)
    p.clipExtent([
      [0, 0],
      [size.width, size.height],
    ]);
  return p;
}

/** The extent as a polygon with points along its edges (a parallel is curved in a conic projection). */
export function extentPolygon(e: Extent): Polygon {
  const ring: [number, number][] = [];
  const steps = 8;
  for (let i = 0; i <= steps; i++) ring.push([e.west + ((e.east - e.west) * i) / steps, e.south]);
  for (let i = 1; i <= steps; i++) ring.push([e.east, e.south + ((e.north - e.south) * i) / steps]);
  for (let i = 1; i <= steps; i++) ring.push([e.east - ((e.east - e.west) * i) / steps, e.north]);
  for (let i = 1; i < steps; i++) ring.push([e.west, e.north - ((e.north - e.south) * i) / steps]);
  ring.push([e.west, e.south]);
  // d3-geo reads rings clockwise as the inside: this ring, west to east along the south edge, is anticlockwise.
  return { type: 'Polygon', coordinates: [ring.reverse()] };
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));

/**
 * The projection that fits the extent into a map `width` wide, and the height that keeps the extent's shape
 * (between half the width and the width): numbers rounded so the same extent always gives the same SVG.
 */
export function fitProjection(e: Extent, width: number): { spec: ProjectionSpec; height: number } {
  const kind = projectionKindFor(e);
  const midLon = round((e.west + e.east) / 2, 4);
  const span = e.north - e.south;
  const base: ProjectionSpec = {
    kind,
    rotate: [-midLon, 0],
    parallels: [round(e.south + span / 6, 4), round(e.north - span / 6, 4)],
    scale: 1,
    translate: [0, 0],
  };
  // The whole width of the world is fitted as the sphere: a polygon along the antimeridian would be cut there.
  const outline: GeoPermissibleObjects = e.east - e.west >= 300 ? { type: 'Sphere' } : extentPolygon(e);
  const [[x0, y0], [x1, y1]] = geoPath(buildProjection(base)).bounds(outline);
  const aspect = Math.min(1, Math.max(0.5, (y1 - y0) / Math.max(x1 - x0, 1e-9)));
  const height = Math.round(width * aspect);
  const fitted = buildProjection(base).fitSize([width, height], outline);
  return {
    spec: {
      ...base,
      scale: round(fitted.scale(), 3),
      translate: [round(fitted.translate()[0], 3), round(fitted.translate()[1], 3)],
    },
    height,
  };
}
