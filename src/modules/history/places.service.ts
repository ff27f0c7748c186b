/**
 * Places on the map (decision 043): a place's point and shapes as its page and the admin show them, and the
 * places an article mentions that can be drawn.
 */
import type { Db } from '../../storage/schema.ts';
import { changeKeys } from '../shared/changes.ts';
import { type GenerationMemo, keptForGeneration } from '../shared/generation-memo.ts';
import { formatHistoricalDate, type HistoricalDate, parseHistoricalDate } from './edtf.ts';
import type { EntityRow } from './entity.repository.ts';
import type { GeoPoint, ShapeGeometry } from './geo-types.ts';
import { listPlaceShapes, type PlaceShapeRow, placesOnMapMentionedBy, replacePlaceShapes } from './place.repository.ts';
import type { PlaceShapeInput } from './shape-checks.ts';

/** A line or area of a place, as it is drawn and listed. */
export interface PlaceShape {
  label: string;
  geometry: ShapeGeometry;
  /** When it held: the EDTF as written and in words; absent when always. */
  validity?: { text: string; words: string };
}

/** A place as a map draws it. */
export interface MapPlace {
  id: number;
  slug: string;
  name: string;
  point: GeoPoint | null;
  shapes: PlaceShape[];
}

export const pointOf = (row: Pick<EntityRow, 'latitude' | 'longitude'>): GeoPoint | null =>
  row.latitude === null || row.longitude === null ? null : { latitude: row.latitude, longitude: row.longitude };

function shapeOf(row: PlaceShapeRow): PlaceShape {
  const parsed = row.valid_text ? parseHistoricalDate(row.valid_text) : undefined;
  return {
    label: row.label,
    geometry: JSON.parse(row.geometry) as ShapeGeometry,
    validity: parsed?.ok ? { text: parsed.date.text, words: formatHistoricalDate(parsed.date) } : undefined,
  };
}

/** The shapes of these places, by place id. */
export async function shapesOfPlaces(db: Db, ids: readonly number[]): Promise<Map<number, PlaceShape[]>> {
  const byId = new Map<number, PlaceShape[]>();
  for (const row of await listPlaceShapes(db, ids)) {
    const list = byId.get(row.entity_id) ?? [];
    list.push(shapeOf(row));
    byId.set(row.entity_id, list);
  }
  return byId;
}

const validityColumns = (v: HistoricalDate | undefined) => ({
  valid_text: v?.text ?? null,
  valid_lower: v?.lower ?? null,
  valid_upper: v?.upper ?? null,
});

/** Writes a place's checked shapes (inside the entity writer's transaction). */
export async function savePlaceShapes(db: Db, entityId: number, shapes: readonly PlaceShapeInput[]): Promise<void> {
  await replacePlaceShapes(
    db,
    entityId,
    shapes.map((s) => ({
      label: s.label,
      geometry_type: s.geometry.type,
      geometry: JSON.stringify(s.geometry),
      ...validityColumns(s.validity),
    })),
  );
}

/**
 * The places an article mentions that have a point or a shape, by name, kept until an article or entity write
 * (a save of a visible article names `posts`; an entity's write names everything).
 */
export async function articleMapPlaces(deps: { db: Db; memo?: GenerationMemo }, postId: number): Promise<MapPlace[]> {
  const slot = { area: 'article-map-places', key: String(postId), max: 256, dependsOn: [changeKeys.posts] };
  return keptForGeneration(deps, slot, async () => {
    const rows = await placesOnMapMentionedBy(deps.db, postId);
    const shapes = await shapesOfPlaces(
      deps.db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      slug: r.slug,
      name: r.name,
      point: pointOf(r),
      shapes: shapes.get(r.id) ?? [],
    }));
  });
}
