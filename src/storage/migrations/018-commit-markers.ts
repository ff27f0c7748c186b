import type { Migration } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { addCommitMarker, createCommitMarkerFunction } from './commit-marker.ts';
import type { AnyDb } from './index.ts';

/**
 * The tables pages were built from when this migration was written (every table but those of
 * TABLES_NO_PAGE_SHOWS): kept here as they were, since a later table gets its marker from its own migration.
 */
const PAGE_TABLES = [
  'settings',
  'authors',
  'categories',
  'tags',
  'users',
  'posts',
  'post_bodies',
  'post_tags',
  'post_authors',
  'post_categories',
  'post_meta',
  'slug_history',
  'post_revisions',
  'widgets',
  'menu_items',
  'taxonomy_history',
  'comments',
  'media',
  'media_files',
  'sources',
  'post_citations',
  'post_corrections',
  'import_map',
  'import_redirects',
  'entities',
  'entity_names',
  'entity_mentions',
  'entity_old_slugs',
  'place_shapes',
  'entity_sources',
  'entity_identifiers',
];

/**
 * Commit markers (issue 14, decision 049): on PostgreSQL, a statement-level trigger on every table pages are built
 * from sends a NOTIFY naming the writing node with the commit itself, so a node that commits and dies before its own
 * announcement (or a program that is not Annalist) still leaves the others a trace. Nothing on SQLite, whose
 * `PRAGMA data_version` already moves on every commit.
 */
export function commitMarkersMigration(caps: Capabilities): Migration {
  return {
    async up(db: AnyDb) {
      if (caps.commitSignal !== 'notify-trigger') return;
      await createCommitMarkerFunction(db);
      for (const table of PAGE_TABLES) await addCommitMarker(db, table);
    },
  };
}
