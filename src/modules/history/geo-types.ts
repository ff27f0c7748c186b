/**
 * Places on the map (decision 043): the shapes a place may have, as GeoJSON geometries (RFC 7946, WGS84
 * longitude-latitude), and the refusals of what an editor types, each with a stable code.
 */
import type { ShapeGeometryType } from '../../storage/schema.ts';

/** Longitude, latitude (GeoJSON's order), in degrees. */
export type Position = [number, number];

export type ShapeGeometry =
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

export const SHAPE_TYPES: readonly ShapeGeometryType[] = ['LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'];

/** A place's WGS84 point. */
export interface GeoPoint {
  latitude: number;
  longitude: number;
}

/** Why a point or a shape was refused. */
export type GeoErrorCode =
  | 'COORDINATES_INVALID'
  | 'COORDINATES_OUT_OF_RANGE'
  | 'GEOJSON_UNREADABLE'
  | 'GEOJSON_TYPE_REFUSED'
  | 'GEOJSON_FOREIGN_MEMBER'
  | 'GEOJSON_COORDINATES_INVALID'
  | 'GEOJSON_SELF_INTERSECTING'
  | 'GEOJSON_TOO_LARGE'
  | 'GEOJSON_MARKUP'
  | 'GEOJSON_VALIDITY_INVALID';

export interface GeoRefusal {
  ok: false;
  code: GeoErrorCode;
  message: string;
}

/** A value, with what was done to it that the editor should know ("simplified from 7,200 points to 4,990"). */
export type GeoResult<T> = { ok: true; value: T; notes: string[] } | GeoRefusal;

export const refuse = (code: GeoErrorCode, message: string): GeoRefusal => ({ ok: false, code, message });

/**
 * The limits of drawn shapes: above `simplifyAbove` points a shape is simplified to fit (and the editor told);
 * above `refuseAbove` it is refused. A map needs a few hundred points; thousands are a traced coastline.
 */
export const GEO_LIMITS = {
  simplifyAbove: 5_000,
  refuseAbove: 50_000,
  shapes: 20,
  label: 200,
  /** Characters of GeoJSON text: 50,000 points with their punctuation fit. */
  text: 3_000_000,
} as const;

/** Every position of a geometry, part by part: a line, or a ring. */
export function partsOf(g: ShapeGeometry): Position[][] {
  switch (g.type) {
    case 'LineString':
      return [g.coordinates];
    case 'MultiLineString':
    case 'Polygon':
      return g.coordinates;
    case 'MultiPolygon':
      return g.coordinates.flat();
  }
}

/** How many positions a geometry has (a ring's closing repeat counted, as written). */
export const vertexCount = (g: ShapeGeometry): number => partsOf(g).reduce((n, p) => n + p.length, 0);

/** Whether the geometry is an area (drawn hatched) rather than a line (drawn dashed). */
export const isArea = (g: ShapeGeometry): boolean => g.type === 'Polygon' || g.type === 'MultiPolygon';
