import { type Migration, sql } from 'kysely';
import type { AnyDb } from './index.ts';

/**
 * Places on the map (issue 17, decision 043): a place's WGS84 point (two nullable double-precision columns on
 * `entities`, both set or both null) and the shapes drawn for it (`place_shapes`: a river's line, a disputed
 * strip), each a GeoJSON geometry as checked text with an optional EDTF validity stored as decision 038 stores
 * dates (the text and two day-number bounds).
 */
export function placeGeometryMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('entities').addColumn('latitude', 'double precision').execute();
      await db.schema.alterTable('entities').addColumn('longitude', 'double precision').execute();

      await db.schema
        .createTable('place_shapes')
        .addColumn('entity_id', 'integer', (c) => c.notNull().references('entities.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        // What the shape is ("the river's course", "the strip Mongolia claimed"), '' when the place's name says it.
        .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('geometry_type', 'text', (c) =>
          c.notNull().check(sql`geometry_type in ('LineString', 'MultiLineString', 'Polygon', 'MultiPolygon')`),
        )
        // The geometry's GeoJSON, as the domain checked and wrote it (never a Feature; no foreign members).
        .addColumn('geometry', 'text', (c) => c.notNull())
        .addColumn('valid_text', 'text')
        .addColumn('valid_lower', 'bigint')
        .addColumn('valid_upper', 'bigint')
        .addPrimaryKeyConstraint('place_shapes_pk', ['entity_id', 'position'])
        .execute();
    },
  };
}
