import type { Migration } from 'kysely';
import { sql } from 'kysely';
import type { AnyDb } from './index.ts';

/**
 * Post bodies (the Markdown, its rendered HTML and table of contents: tens of kilobytes an article) move out of
 * the posts row into a table of their own. In SQLite a row keeps only its first bytes in the table's pages and
 * the rest in a chain of overflow pages; the columns after body_md (status, dates, category, counts) could be
 * reached only through that chain, so every listing, count, archive and search result read ~10 pages a post.
 * At 100,000 posts a category archive took half a second. Now a post's row is a few hundred bytes and only an
 * article page (and feeds, the editor, revisions) reads a body. PostgreSQL kept large values out of line by
 * itself (TOAST); the schema is the same on both.
 */
export function postBodiesMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('post_bodies')
        .addColumn('post_id', 'integer', (c) => c.primaryKey().references('posts.id').onDelete('cascade'))
        .addColumn('body_md', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('body_html', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('toc_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await sql`insert into post_bodies (post_id, body_md, body_html, toc_json)
        select id, body_md, body_html, toc_json from posts`.execute(db);
      for (const column of ['body_md', 'body_html', 'toc_json'])
        await db.schema.alterTable('posts').dropColumn(column).execute();
    },
  };
}
