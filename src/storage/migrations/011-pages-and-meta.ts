import type { Migration } from 'kysely';
import type { AnyDb } from './index.ts';

/**
 * What a WordPress site brings that Annalist kept nowhere (issue 12): `posts.sticky` (an article kept at the top
 * of the home page), `posts.parent_id` and `posts.menu_order` (the page tree and its order: a page's parent page,
 * and its place among its siblings), and `post_meta`, the other plugins' post meta, kept as it was for export and
 * never read as code. A post's meta goes with it (on delete cascade); a deleted parent leaves its children at the
 * top (on delete set null).
 */
export function pagesAndMetaMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('posts')
        .addColumn('sticky', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('posts')
        .addColumn('parent_id', 'integer', (c) => c.references('posts.id').onDelete('set null'))
        .execute();
      await db.schema
        .alterTable('posts')
        .addColumn('menu_order', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('posts_parent').on('posts').column('parent_id').execute();
      await db.schema
        .createTable('post_meta')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('meta_key', 'text', (c) => c.notNull())
        .addColumn('meta_value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('post_meta_pk', ['post_id', 'position'])
        .execute();
    },
  };
}
