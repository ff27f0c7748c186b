import { type Migration, sql } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { createTableWithId } from './create-table-with-id.ts';
import type { AnyDb } from './index.ts';

/**
 * History's entities (issue 17, decision 041): people, places, events and organisations, each with a page at
 * /<kind's folder>/<slug>/, the other names they go by, the published articles that mention them (kept in step by
 * the post writer from the body's `:person[…]{#slug}` directives) and their old slugs (301s after a rename).
 * Dates are EDTF text with two day-number bounds (decision 038), null when the entity has no date.
 */
export function entitiesMigration(caps: Capabilities): Migration {
  return {
    async up(db: AnyDb) {
      await createTableWithId(db, caps, 'entities')
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('person', 'place', 'event', 'organisation')`))
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('date_text', 'text')
        .addColumn('date_lower', 'bigint')
        .addColumn('date_upper', 'bigint')
        .addColumn('wikidata_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('entities_kind_slug', ['kind', 'slug'])
        .execute();
      // The events index sorts by lower bound, then upper bound (decision 038).
      await db.schema
        .createIndex('entities_kind_date')
        .on('entities')
        .columns(['kind', 'date_lower', 'date_upper'])
        .execute();

      await db.schema
        .createTable('entity_names')
        .addColumn('entity_id', 'integer', (c) => c.notNull().references('entities.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        // A BCP 47 tag ("ru", "ja", "mn-Cyrl"), empty when unknown.
        .addColumn('lang', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('name_kind', 'text', (c) =>
          c.notNull().defaultTo('variant').check(sql`name_kind in ('variant', 'transliteration')`),
        )
        .addPrimaryKeyConstraint('entity_names_pk', ['entity_id', 'position'])
        .execute();

      // No cascade from entities: an entity that articles mention cannot be deleted (ENTITY_IN_USE).
      await db.schema
        .createTable('entity_mentions')
        .addColumn('entity_id', 'integer', (c) => c.notNull().references('entities.id'))
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('entity_mentions_pk', ['entity_id', 'post_id'])
        .execute();
      await db.schema.createIndex('entity_mentions_post').on('entity_mentions').column('post_id').execute();

      await db.schema
        .createTable('entity_old_slugs')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'integer', (c) => c.notNull().references('entities.id').onDelete('cascade'))
        .addColumn('changed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('entity_old_slugs_pk', ['kind', 'slug'])
        .execute();
      await db.schema.createIndex('entity_old_slugs_entity').on('entity_old_slugs').column('entity_id').execute();
    },
  };
}
