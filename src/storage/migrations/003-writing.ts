import { type Migration, sql } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { createTableWithId } from './create-table-with-id.ts';
import type { AnyDb } from './index.ts';

/**
 * Writing and running the site: accounts tied to bylines and second factors, optimistic concurrency and the
 * review/unpublished workflow on posts, secondary categories, revisions, a durable job table, uploaded media
 * (stored in the database so app processes stay stateless), navigation menus, and the old addresses of
 * renamed or merged categories and tags.
 */
export function writingMigration(caps: Capabilities): Migration {
  const withId = (db: AnyDb, table: string) => createTableWithId(db, caps, table);
  const blob = caps.autoIncrement === 'identity' ? 'bytea' : 'blob';

  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('users')
        .addColumn('author_id', 'integer', (c) => c.references('authors.id').onDelete('set null'))
        .execute();
      await db.schema.alterTable('users').addColumn('totp_secret', 'text').execute();
      await db.schema.alterTable('users').addColumn('totp_enabled_at', 'text').execute();
      await db.schema.alterTable('users').addColumn('totp_last_step', 'integer').execute();

      // Optimistic concurrency: every save names the version it started from and bumps it.
      await db.schema
        .alterTable('posts')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      // Workflow beyond the stored status: a draft sent for review, a post taken down again (status draft).
      await db.schema.alterTable('posts').addColumn('submitted_at', 'text').execute();
      await db.schema.alterTable('posts').addColumn('unpublished_at', 'text').execute();
      await db.schema
        .alterTable('posts')
        .addColumn('owner_user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .execute();

      await db.schema
        .createTable('post_categories')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('category_id', 'integer', (c) => c.notNull().references('categories.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('post_categories_pk', ['post_id', 'category_id'])
        .execute();
      await db.schema
        .createIndex('post_categories_category')
        .on('post_categories')
        .columns(['category_id', 'post_id'])
        .execute();

      await withId(db, 'post_revisions')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('save', 'autosave', 'publish', 'restore')`))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('standfirst', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('excerpt', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('body_md', 'text', (c) => c.notNull())
        .addColumn('meta_json', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('post_revisions_post')
        .on('post_revisions')
        .columns(['post_id', 'number'])
        .unique()
        .execute();

      await withId(db, 'jobs')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('unique_key', 'text', (c) => c.unique())
        .addColumn('payload_json', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('run_at', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .addColumn('locked_by', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('done_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['done_at', 'run_at']).execute();

      await withId(db, 'media')
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('original_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('mime', 'text', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('alt', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('caption', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('credit', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('media_files')
        .addColumn('media_id', 'integer', (c) => c.notNull().references('media.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('bytes', blob, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('media_files_media').on('media_files').columns(['media_id']).execute();

      await withId(db, 'menu_items')
        .addColumn('menu', 'text', (c) => c.notNull().check(sql`menu in ('primary', 'footer')`))
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('taxonomy_history')
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('category', 'tag')`))
        .addColumn('old_path', 'text', (c) => c.notNull())
        .addColumn('target_id', 'integer', (c) => c.notNull())
        .addColumn('changed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('taxonomy_history_pk', ['kind', 'old_path'])
        .execute();
    },
  };
}
