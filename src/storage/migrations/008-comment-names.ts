import { type Migration, sql } from 'kysely';
import type { AnyDb } from './index.ts';

/**
 * Finds approved comments by the name they were signed with, whatever its case (decision 021): a comment signed
 * with the name of an approved commenter who wrote from another address is held, so nobody borrows a regular's
 * name. `lower()` is ASCII-only on SQLite and Unicode on PostgreSQL; queries apply it on both sides alike.
 */
export function commentNamesMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.createIndex('comments_author_name').on('comments').expression(sql`lower(author_name)`).execute();
    },
  };
}
