import type { GeoPoint } from './geo-types.ts';

export type CoordinatesResult =
  | { ok: true; point: GeoPoint | null }
  | { ok: false; code: 'COORDINATES_INVALID' | 'COORDINATES_OUT_OF_RANGE'; fields: Record<string, string> };

const DECIMAL = /^[+-]?(?:\d{1,3}(?:\.\d{1,10})?|\.\d{1,10})$/;

function readDegrees(text: string, what: 'latitude' | 'longitude'): number | string {
  const t = text.trim().replace(',', '.').replace('−', '-');
  const max = what === 'latitude' ? 90 : 180;
  if (!DECIMAL.test(t)) {
    const example =
      what === 'latitude' ? '47.73 (south of the equator negative)' : '118.59 (west of Greenwich negative)';
    return `Write the ${what} in decimal degrees, e.g. ${example}.`;
  }
  const n = Number(t);
  if (Math.abs(n) > max) return `A ${what} is between −${max} and ${max}; ${t} is not.`;
  return n;
}

/**
 * A place's point from the two fields as typed: both empty is no point; a message per field otherwise
 * (`COORDINATES_INVALID` for what is not a decimal number, `COORDINATES_OUT_OF_RANGE` past ±90 or ±180).
 */
export function readCoordinates(latitude: string, longitude: string): CoordinatesResult {
  if (latitude.trim() === '' && longitude.trim() === '') return { ok: true, point: null };
  const fields: Record<string, string> = {};
  const lat = latitude.trim() === '' ? 'Give the latitude too, or neither.' : readDegrees(latitude, 'latitude');
  const lon = longitude.trim() === '' ? 'Give the longitude too, or neither.' : readDegrees(longitude, 'longitude');
  if (typeof lat === 'string') fields.latitude = lat;
  if (typeof lon === 'string') fields.longitude = lon;
  if (typeof lat === 'number' && typeof lon === 'number') return { ok: true, point: { latitude: lat, longitude: lon } };
  const range = Object.values(fields).some((m) => m.startsWith('A '));
  return { ok: false, fields, code: range ? 'COORDINATES_OUT_OF_RANGE' : 'COORDINATES_INVALID' };
}

/** The degrees as the form shows them back: at most six decimals (about 10 cm), no trailing zeros. */
export const degreesText = (n: number): string => String(Number(n.toFixed(6)));

const dms = (n: number, pos: string, neg: string): string => {
  const a = Math.abs(n);
  const deg = Math.floor(a);
  const min = Math.round((a - deg) * 60);
  const [d, m] = min === 60 ? [deg + 1, 0] : [deg, min];
  return `${d}°${String(m).padStart(2, '0')}′ ${n < 0 ? neg : pos}`;
};

/** A point in words for readers and screen readers: "47°44′ N, 118°35′ E" (to the nearest minute). */
export const pointInWords = (p: GeoPoint): string => `${dms(p.latitude, 'N', 'S')}, ${dms(p.longitude, 'E', 'W')}`;

/** Checks a stored or imported point (the export's and import's check): null when acceptable, else why not. */
export function pointProblem(p: GeoPoint): string | null {
  if (!Number.isFinite(p.latitude) || Math.abs(p.latitude) > 90) return 'latitude must be between -90 and 90';
  if (!Number.isFinite(p.longitude) || Math.abs(p.longitude) > 180) return 'longitude must be between -180 and 180';
  return null;
}
