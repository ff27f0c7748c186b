/**
 * The place fields of the entity form (decision 043): latitude and longitude as decimal degrees, and shapes as
 * GeoJSON text. Only a place has them: another kind with any of them filled is a field message, never dropped.
 */
import type { EntityKind } from '../../storage/schema.ts';
import { readCoordinates } from './coordinates.ts';
import type { GeoPoint } from './geo-types.ts';
import { type PlaceShapeInput, readShapes } from './shape-checks.ts';

export interface PlaceFields {
  latitude: string;
  longitude: string;
  shapes: string;
}

export interface PlaceValues {
  point: GeoPoint | null;
  shapes: PlaceShapeInput[];
  /** What was done that the editor should know (a drawing simplified). */
  notes: string[];
}

const NOT_A_PLACE = 'Only a place has a point or shapes on the map: empty this field, or make it a place.';

/**
 * Reads the place fields into `errors` (field -> message; the code of a refused shape after the message's field
 * in `codes`, for the logs and the API). Nothing for the other kinds, which must leave them empty.
 */
export function readPlaceFields(
  kind: EntityKind | string,
  form: PlaceFields,
  errors: Record<string, string>,
  codes: string[] = [],
): PlaceValues {
  const none: PlaceValues = { point: null, shapes: [], notes: [] };
  if (kind !== 'place') {
    for (const f of ['latitude', 'longitude', 'shapes'] as const) if (form[f].trim() !== '') errors[f] = NOT_A_PLACE;
    return none;
  }
  const point = readCoordinates(form.latitude, form.longitude);
  if (!point.ok) {
    Object.assign(errors, point.fields);
    codes.push(point.code);
  }
  const shapes = readShapes(form.shapes);
  if (!shapes.ok) {
    errors.shapes = shapes.message;
    codes.push(shapes.code);
  }
  return {
    point: point.ok ? point.point : null,
    shapes: shapes.ok ? shapes.value : [],
    notes: shapes.ok ? shapes.notes : [],
  };
}
