import type { DatabaseSchema } from './schema.ts';

/**
 * Every table of the schema, parents before children: a table comes after every table its foreign keys point
 * at (a self-reference, such as comments.parent_id, is the only exception). Copying in this order fills a
 * database without breaking a foreign key; emptying in the reverse order removes children first.
 * The compiler checks that no table of DatabaseSchema is missing; test/storage/tables.test.ts checks the list
 * and the order against the tables and foreign keys of a migrated database.
 */
export const TABLES_IN_DEPENDENCY_ORDER = [
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
  'sessions',
  'comments',
  'commenters',
  'bans',
  'reports',
  'used_form_tokens',
  'spam_tokens',
  'outbox',
  'jobs',
  'media',
  'media_files',
  'media_pending',
  'sources',
  'post_citations',
  'post_corrections',
  'correction_suggestions',
  'import_map',
  'import_redirects',
  'backup_runs',
  'import_uploads',
  'import_upload_chunks',
  'entities',
  'entity_names',
  'entity_mentions',
  'entity_old_slugs',
  'place_shapes',
  'entity_sources',
  'entity_identifiers',
] as const satisfies readonly (keyof DatabaseSchema)[];

export type TableName = (typeof TABLES_IN_DEPENDENCY_ORDER)[number];

// A table added to DatabaseSchema but not to the list above fails the typecheck here.
type Unlisted = Exclude<keyof DatabaseSchema, TableName>;
const everyTableListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTableListed;

/**
 * Tables a database has that are not content: the migrator's bookkeeping and the full-text engine's own tables
 * (FTS5's search_posts and its shadow tables), which are rebuilt through the SearchIndex instead of copied, and
 * SQLite's change_log (how processes tell each other what changed: src/storage/sqlite/change-log.ts).
 * Matched by name prefix.
 */
export const NOT_CONTENT_TABLE_PREFIXES = ['kysely_migration', 'search_posts', 'change_log'] as const;

export function isContentTable(name: string): boolean {
  return !NOT_CONTENT_TABLE_PREFIXES.some((p) => name === p || name.startsWith(`${p}_`));
}

/**
 * Tables no reader's page is built from: sign-in sessions, used form tokens, the spam classifier's counts, mail and
 * job queues, moderation's own records (bans, reports, readers' suggestions before an editor takes them up, the
 * commenters' mail consent), backup runs and uploads waiting to be used. Their writes are not announced (nothing
 * to drop), so they carry no commit marker on PostgreSQL (decision 049); every other table does, and
 * test/storage/tables.test.ts checks it. When in doubt, leave a table out of this list: a write nobody announced
 * to a table with a marker costs the other nodes their cached pages, never a stale one.
 */
export const TABLES_NO_PAGE_SHOWS = [
  'sessions',
  'bans',
  'reports',
  'used_form_tokens',
  'spam_tokens',
  'commenters',
  'outbox',
  'jobs',
  'media_pending',
  'correction_suggestions',
  'backup_runs',
  'import_uploads',
  'import_upload_chunks',
] as const satisfies readonly TableName[];

/** Whether a write to `table` is followed by a commit marker on PostgreSQL (see TABLES_NO_PAGE_SHOWS). */
export function carriesCommitMarker(table: TableName): boolean {
  return !(TABLES_NO_PAGE_SHOWS as readonly string[]).includes(table);
}
