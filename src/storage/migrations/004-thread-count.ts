import type { Migration } from 'kysely';
import { sql } from 'kysely';
import type { AnyDb } from './index.ts';

/**
 * Finding the comment page of a new comment counted every earlier thread of the article (linear in its
 * discussion). Posts now keep the number of their approved threads, as they keep comment_count, and an
 * index over (post, status, created_at, id, parent) gives a page its discussion's outline without reading
 * the rows, and makes the remaining range counts of threads index-only. The checks a new comment passes get
 * indexes that answer them in a step or two (an email's latest comment; the same text again). Media gets an
 * index on the hash its uploads are deduplicated by.
 */
export function threadCountMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('posts')
        .addColumn('thread_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update posts set thread_count = (select count(*) from comments where comments.post_id = posts.id
        and comments.status = 'approved' and comments.parent_id is null)`.execute(db);
      // The outline of a discussion (id, parent, time of every approved comment, in order) from the index alone.
      await db.schema
        .createIndex('comments_outline')
        .on('comments')
        .columns(['post_id', 'status', 'created_at', 'id', 'parent_id'])
        .execute();
      // comments_post (post, status, created_at) is a prefix of comments_outline: one index fewer to update.
      await db.schema.dropIndex('comments_post').execute();
      // The checks before a new comment: an email's latest comment in one step (the status in the middle of
      // the old index made that a scan of all their comments), and a duplicate found by the start of its text
      // rather than by reading every comment of the email.
      await db.schema.dropIndex('comments_email').execute();
      await db.schema.createIndex('comments_email').on('comments').columns(['author_email', 'created_at']).execute();
      await db.schema.createIndex('comments_text').on('comments').expression(sql`substr(body_md, 1, 64)`).execute();
      // Uploads are deduplicated by the hash of the original file.
      await db.schema.createIndex('media_sha256').on('media').columns(['sha256']).execute();
    },
  };
}
