import type { Migration } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { createTableWithId } from './create-table-with-id.ts';
import type { AnyDb } from './index.ts';

/**
 * Imports from the administration (/admin/import, decision 032). `import_uploads` is one uploaded export and
 * where it stands: checked by a dry run, waiting for "Import", imported, refused; its report; the progress the
 * running job last wrote. `active` is 'site' while an upload is in flight (checked, awaiting confirmation or
 * importing) and null otherwise: its unique index is what keeps imports one at a time, whichever node takes the
 * upload. `import_upload_chunks` holds the file itself, in pieces of about a megabyte, in the database, so any
 * node (or the same one after a restart) can run the import; they go with the upload (on delete cascade).
 */
export function importUploadsMigration(caps: Capabilities): Migration {
  const blob = caps.autoIncrement === 'identity' ? 'bytea' : 'blob';
  return {
    async up(db: AnyDb) {
      await createTableWithId(db, caps, 'import_uploads')
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('compression', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('uploaded_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('chunks', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('active', 'text', (c) => c.unique())
        .addColumn('report_json', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('progress_items', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('progress_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('progress_at', 'text')
        .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema
        .createTable('import_upload_chunks')
        .addColumn('upload_id', 'integer', (c) => c.notNull().references('import_uploads.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('bytes', blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('import_upload_chunks_pk', ['upload_id', 'seq'])
        .execute();
    },
  };
}
