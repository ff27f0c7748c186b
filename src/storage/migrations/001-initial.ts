import { type Migration, sql } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { createTableWithId } from './create-table-with-id.ts';
import type { AnyDb } from './index.ts';

export function initialMigration(caps: Capabilities): Migration {
  const id = (db: AnyDb, table: string) => createTableWithId(db, caps, table);

  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await id(db, 'authors')
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('bio', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await id(db, 'categories')
        .addColumn('parent_id', 'integer', (c) => c.references('categories.id').onDelete('restrict'))
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await id(db, 'tags')
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .execute();

      await id(db, 'posts')
        .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('post', 'page')`))
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('standfirst', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('body_md', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('excerpt', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'scheduled', 'published')`))
        .addColumn('published_at', 'text')
        .addColumn('updated_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('primary_category_id', 'integer', (c) => c.references('categories.id').onDelete('set null'))
        .addColumn('cover_src', 'text')
        .addColumn('cover_alt', 'text')
        .addColumn('cover_caption', 'text')
        .addColumn('cover_credit', 'text')
        .addColumn('seo_title', 'text')
        .addColumn('seo_description', 'text')
        .addColumn('body_html', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('toc_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('word_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('render_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('posts_listing').on('posts').columns(['type', 'status', 'published_at']).execute();
      await db.schema
        .createIndex('posts_category')
        .on('posts')
        .columns(['primary_category_id', 'published_at'])
        .execute();

      await db.schema
        .createTable('post_tags')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('tag_id', 'integer', (c) => c.notNull().references('tags.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('post_tags_pk', ['post_id', 'tag_id'])
        .execute();
      await db.schema.createIndex('post_tags_tag').on('post_tags').columns(['tag_id', 'post_id']).execute();

      await db.schema
        .createTable('post_authors')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('author_id', 'integer', (c) => c.notNull().references('authors.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('post_authors_pk', ['post_id', 'author_id'])
        .execute();
      await db.schema.createIndex('post_authors_author').on('post_authors').columns(['author_id', 'post_id']).execute();

      await db.schema
        .createTable('slug_history')
        .addColumn('old_slug', 'text', (c) => c.primaryKey())
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('changed_at', 'text', (c) => c.notNull())
        .execute();

      await id(db, 'widgets')
        .addColumn('area', 'text', (c) => c.notNull().check(sql`area in ('header', 'sidebar', 'footer')`))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('config_json', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      if (caps.fullText === 'fts5') {
        // FTS5 keeps its own copy of the plain text (rowid = post id) so that snippet() can quote it.
        await sql`create virtual table search_posts using fts5(
          title, standfirst, body,
          tokenize='porter unicode61 remove_diacritics 2'
        )`.execute(db);
      }
      if (caps.fullText === 'tsvector') await createTsvectorSearch(db);
    },
    async down(db: AnyDb) {
      if (caps.fullText === 'fts5') await sql`drop table if exists search_posts`.execute(db);
      if (caps.fullText === 'tsvector') {
        await sql`drop table if exists search_posts`.execute(db);
        await sql`drop text search configuration if exists annalist_search`.execute(db);
      }
      for (const t of [
        'widgets',
        'slug_history',
        'post_authors',
        'post_tags',
        'posts',
        'tags',
        'categories',
        'authors',
        'settings',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}

/** The text search configuration site search uses on PostgreSQL (created below). */
export const TSVECTOR_CONFIG = 'annalist_search';

/**
 * PostgreSQL's full-text index: English stemming (as FTS5's porter) and, when the `unaccent` extension can be
 * installed by the database owner (it is a trusted extension in PostgreSQL's contrib), accents folded away (as
 * FTS5's remove_diacritics). The plain text is kept for ts_headline; the weighted tsvector (A title, B
 * standfirst, C body) is generated from it, so it can never disagree with the text.
 */
async function createTsvectorSearch(db: AnyDb): Promise<void> {
  const available = await sql<{
    ok: number;
  }>`select 1 as ok from pg_available_extensions where name = 'unaccent'`.execute(db);
  let unaccent = false;
  if (available.rows.length > 0) {
    // A failed statement aborts the migration's transaction: try inside a savepoint, so a database user who may
    // not create extensions still gets search (with accents kept) rather than no migration at all.
    await sql`savepoint annalist_unaccent`.execute(db);
    try {
      await sql`create extension if not exists unaccent`.execute(db);
      await sql`release savepoint annalist_unaccent`.execute(db);
      unaccent = true;
    } catch {
      await sql`rollback to savepoint annalist_unaccent`.execute(db);
    }
  }
  await sql`create text search configuration ${sql.id(TSVECTOR_CONFIG)} (copy = english)`.execute(db);
  if (unaccent) {
    await sql`alter text search configuration ${sql.id(TSVECTOR_CONFIG)}
      alter mapping for hword, hword_part, word with unaccent, english_stem`.execute(db);
  }
  const vector = (column: string, weight: string) =>
    sql`setweight(to_tsvector(${sql.lit(TSVECTOR_CONFIG)}::regconfig, ${sql.ref(column)}), ${sql.lit(weight)})`;
  await sql`create table search_posts (
    post_id integer primary key,
    title text not null,
    standfirst text not null,
    body text not null,
    document tsvector generated always as (
      ${vector('title', 'A')} || ${vector('standfirst', 'B')} || ${vector('body', 'C')}
    ) stored
  )`.execute(db);
  await sql`create index search_posts_document on search_posts using gin (document)`.execute(db);
}
