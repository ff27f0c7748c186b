import { type Migration, sql } from 'kysely';
import type { AnyDb } from './index.ts';

/**
 * An entity's sources and other identifiers (issue 17, decision 048). `entity_sources` links items of the sources
 * library to an entity, in the editor's order, each with an optional note (pages, a chapter); a source an entity
 * cites cannot be deleted (SOURCE_IN_USE, as for articles), so the foreign key has no cascade. `entity_identifiers`
 * holds identifiers in other authority files besides Wikidata (VIAF, GeoNames, ISNI, the Library of Congress),
 * each checked against its scheme's pattern, shown as a link and never fetched.
 */
export function entitySourcesIdentifiersMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('entity_sources')
        .addColumn('entity_id', 'integer', (c) => c.notNull().references('entities.id').onDelete('cascade'))
        .addColumn('source_id', 'integer', (c) => c.notNull().references('sources.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
        .addPrimaryKeyConstraint('entity_sources_pk', ['entity_id', 'source_id'])
        .execute();
      await db.schema.createIndex('entity_sources_source').on('entity_sources').column('source_id').execute();

      await db.schema
        .createTable('entity_identifiers')
        .addColumn('entity_id', 'integer', (c) => c.notNull().references('entities.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('scheme', 'text', (c) => c.notNull().check(sql`scheme in ('viaf', 'geonames', 'isni', 'loc')`))
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('entity_identifiers_pk', ['entity_id', 'position'])
        .execute();
    },
  };
}
