import { type Migration, sql } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { createTableWithId } from './create-table-with-id.ts';
import type { AnyDb } from './index.ts';

/** Comments, the people who write them, moderation (bans, reports, spam classifier), accounts and the mail outbox. */
export function discussionMigration(caps: Capabilities): Migration {
  const withId = (db: AnyDb, table: string) => createTableWithId(db, caps, table);

  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('posts')
        .addColumn('comments_open', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .alterTable('posts')
        .addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await withId(db, 'users')
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) =>
          c.notNull().check(sql`role in ('owner', 'admin', 'editor', 'author', 'contributor', 'moderator')`),
        )
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();

      await withId(db, 'comments')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('parent_id', 'integer', (c) => c.references('comments.id').onDelete('set null'))
        .addColumn('thread_id', 'integer')
        .addColumn('depth', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('author_name', 'text', (c) => c.notNull())
        .addColumn('author_email', 'text', (c) => c.notNull())
        .addColumn('author_url', 'text')
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('body_md', 'text', (c) => c.notNull())
        .addColumn('body_html', 'text', (c) => c.notNull())
        .addColumn('quoted_comment_id', 'integer')
        .addColumn('quoted_text', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('approved', 'held', 'spam', 'trash')`))
        .addColumn('reasons_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text')
        .addColumn('approved_at', 'text')
        .addColumn('report_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('comments_post')
        .on('comments')
        .columns(['post_id', 'status', 'created_at'])
        .execute();
      await db.schema
        .createIndex('comments_email')
        .on('comments')
        .columns(['author_email', 'status', 'created_at'])
        .execute();
      await db.schema.createIndex('comments_ip').on('comments').columns(['ip', 'created_at']).execute();
      await db.schema.createIndex('comments_status').on('comments').columns(['status', 'created_at']).execute();
      await db.schema.createIndex('comments_parent').on('comments').columns(['parent_id']).execute();

      await db.schema
        .createTable('commenters')
        .addColumn('email', 'text', (c) => c.primaryKey())
        .addColumn('confirmed_at', 'text')
        .addColumn('unsubscribed_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await withId(db, 'bans')
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('email', 'ip', 'domain', 'word')`))
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema.createIndex('bans_value').on('bans').columns(['kind', 'value']).execute();

      await withId(db, 'reports')
        .addColumn('comment_id', 'integer', (c) => c.notNull().references('comments.id').onDelete('cascade'))
        .addColumn('reporter', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('reports_once', ['comment_id', 'reporter'])
        .execute();

      await db.schema
        .createTable('used_form_tokens')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('used_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('spam_tokens')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('spam', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ham', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await withId(db, 'outbox')
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('headers_json', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('next_attempt_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .execute();
      await db.schema
        .createIndex('outbox_pending')
        .on('outbox')
        .columns(['sent_at', 'next_attempt_at', 'id'])
        .execute();
    },
    async down(db: AnyDb) {
      for (const t of [
        'outbox',
        'spam_tokens',
        'used_form_tokens',
        'reports',
        'bans',
        'commenters',
        'comments',
        'sessions',
        'users',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}
