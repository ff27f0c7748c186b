import type { Migration } from 'kysely';
import type { AnyDb } from './index.ts';

/**
 * Imports from other platforms (decision 026). `import_map` remembers, per source site and kind, which row an
 * old id became, so importing the same export again (or a later one of the same site) updates those rows
 * instead of adding copies. `import_redirects` holds the old site's addresses (`/?p=12`, `/2009/08/23/slug/`,
 * `/author/login/`…) and the row each now leads to; the address is worked out at request time from the row, so
 * it survives later slug changes. Neither table has a foreign key: a target may be a post, category, tag or
 * byline, and a redirect whose target is gone simply stays a 404.
 */
export function importMapMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('import_map')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('old_id', 'text', (c) => c.notNull())
        .addColumn('new_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('import_map_pk', ['source', 'kind', 'old_id'])
        .execute();
      await db.schema
        .createTable('import_redirects')
        .addColumn('old_path', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target_id', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
