import type { Insertable, Selectable } from 'kysely';
import type { Db, PlaceShapeTable } from '../../storage/schema.ts';
import type { EntityRow } from './entity.repository.ts';

export type PlaceShapeRow = Selectable<PlaceShapeTable>;

/** The shapes of these places, in their order. */
export async function listPlaceShapes(db: Db, entityIds: readonly number[]): Promise<PlaceShapeRow[]> {
  if (entityIds.length === 0) return [];
  return db
    .selectFrom('place_shapes')
    .selectAll()
    .where('entity_id', 'in', [...entityIds])
    .orderBy('entity_id')
    .orderBy('position')
    .execute();
}

/** Replaces a place's shapes. */
export async function replacePlaceShapes(
  db: Db,
  entityId: number,
  shapes: readonly Omit<Insertable<PlaceShapeTable>, 'entity_id' | 'position' | 'id'>[],
): Promise<void> {
  await db.deleteFrom('place_shapes').where('entity_id', '=', entityId).execute();
  if (shapes.length > 0)
    await db
      .insertInto('place_shapes')
      .values(shapes.map((s, position) => ({ ...s, entity_id: entityId, position })))
      .execute();
}

/** Gives place `toId` the shapes of place `fromId`, their positions shifted on by `positionsFrom`. */
export async function movePlaceShapes(db: Db, fromId: number, toId: number, positionsFrom: number): Promise<void> {
  await db
    .updateTable('place_shapes')
    .set((eb) => ({ entity_id: toId, position: eb('position', '+', positionsFrom) }))
    .where('entity_id', '=', fromId)
    .execute();
}

/** The places a post mentions that have a point or a shape, by name. */
export async function placesOnMapMentionedBy(db: Db, postId: number): Promise<EntityRow[]> {
  return db
    .selectFrom('entities')
    .innerJoin('entity_mentions', 'entity_mentions.entity_id', 'entities.id')
    .selectAll('entities')
    .where('entity_mentions.post_id', '=', postId)
    .where('entities.kind', '=', 'place')
    .where((eb) =>
      eb.or([
        eb('entities.latitude', 'is not', null),
        eb.exists(
          eb
            .selectFrom('place_shapes')
            .select('place_shapes.position')
            .whereRef('place_shapes.entity_id', '=', 'entities.id'),
        ),
      ]),
    )
    .orderBy('entities.name')
    .orderBy('entities.id')
    .execute();
}
