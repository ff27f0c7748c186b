import { type Migration, sql } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { createTableWithId } from './create-table-with-id.ts';
import type { AnyDb } from './index.ts';

/**
 * Evidence: the site's sources library (CSL-JSON items under a citation key), which posts cite which keys,
 * readers' correction suggestions anchored to a quoted passage (W3C Web Annotation selectors), and the public
 * log of corrections and updates made to published articles.
 */
export function evidenceMigration(caps: Capabilities): Migration {
  const withId = (db: AnyDb, table: string) => createTableWithId(db, caps, table);
  return {
    async up(db: AnyDb) {
      await withId(db, 'sources')
        // The key authors cite by (`:cite[glantz-1983]`); lower case letters, digits, - _ : .
        .addColumn('key', 'text', (c) => c.notNull().unique())
        // book | article | chapter | archive | webpage | other: for listing and filtering only.
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        // The item in CSL-JSON (its `id` equals `key`): the one source of truth for formatting.
        .addColumn('csl_json', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      // Kept in step by the post writer from the keys a body cites (a key with no source yet is kept too, so
      // the article is linked once the source is added).
      await db.schema
        .createTable('post_citations')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('source_key', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('post_citations_pk', ['post_id', 'source_key'])
        .execute();
      await db.schema
        .createIndex('post_citations_key')
        .on('post_citations')
        .columns(['source_key', 'post_id'])
        .execute();

      await withId(db, 'post_corrections')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        // correction: the article was wrong; update: something was added or clarified.
        .addColumn('kind', 'text', (c) =>
          c.notNull().defaultTo('correction').check(sql`kind in ('correction', 'update')`),
        )
        // What changed and why, in the editor's words (plain text).
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('source_text', 'text', (c) => c.notNull().defaultTo(''))
        // The reader credited, only if they agreed to be named.
        .addColumn('credit_name', 'text')
        // post_revisions.number of the published revision that carries the change.
        .addColumn('revision_number', 'integer')
        .addColumn('suggestion_id', 'integer')
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('post_corrections_post')
        .on('post_corrections')
        .columns(['post_id', 'created_at'])
        .execute();
      await db.schema.createIndex('post_corrections_time').on('post_corrections').columns(['created_at']).execute();

      await withId(db, 'correction_suggestions')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        // post_revisions.number of the revision the reader read (null if the post had none).
        .addColumn('revision_number', 'integer')
        // W3C Web Annotation target selectors: [{type:'TextQuoteSelector',exact,prefix,suffix},
        // {type:'TextPositionSelector',start,end}] over the text of the article body.
        .addColumn('selector_json', 'text', (c) => c.notNull())
        .addColumn('quote', 'text', (c) => c.notNull())
        .addColumn('problem', 'text', (c) => c.notNull())
        .addColumn('proposed', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('source_text', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('author_name', 'text', (c) => c.notNull())
        .addColumn('author_email', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('credit_ok', 'integer', (c) => c.notNull().defaultTo(0))
        // held | spam | open | needs_info | accepted | rejected | trash
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reasons_json', 'text', (c) => c.notNull().defaultTo('[]'))
        // An editor's reason for a rejection, or the question when asking for more.
        .addColumn('decision_note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('decided_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('decided_at', 'text')
        // A suggestion a moderator made from a reader's comment keeps the link to it.
        .addColumn('comment_id', 'integer', (c) => c.references('comments.id').onDelete('set null'))
        .addColumn('correction_id', 'integer', (c) => c.references('post_corrections.id').onDelete('set null'))
        .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('correction_suggestions_status')
        .on('correction_suggestions')
        .columns(['status', 'created_at'])
        .execute();
      await db.schema
        .createIndex('correction_suggestions_post')
        .on('correction_suggestions')
        .columns(['post_id', 'status'])
        .execute();
      await db.schema
        .createIndex('correction_suggestions_email')
        .on('correction_suggestions')
        .columns(['author_email', 'created_at'])
        .execute();
    },
  };
}
