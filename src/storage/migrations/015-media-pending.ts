import type { Migration } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { createTableWithId } from './create-table-with-id.ts';
import type { AnyDb } from './index.ts';

/**
 * Uploads kept after a refused form (issue 16, decision 047): the file was fine but a field was not (no alt
 * text), so the file waits here, under the hash of a token the form carries, until the writer sends the form
 * again without choosing the file again. One per person (a new one replaces theirs), gone with its person, and
 * removed after a day. Kept in the database, not on a disk, so any node can finish the upload.
 */
export function mediaPendingMigration(caps: Capabilities): Migration {
  const blob = caps.autoIncrement === 'identity' ? 'bytea' : 'blob';
  return {
    async up(db: AnyDb) {
      await createTableWithId(db, caps, 'media_pending')
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('original_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('bytes', blob, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('media_pending_user').on('media_pending').column('user_id').execute();
    },
  };
}
