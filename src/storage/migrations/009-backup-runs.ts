import type { Migration } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { createTableWithId } from './create-table-with-id.ts';
import type { AnyDb } from './index.ts';

/**
 * Scheduled backups and "Back up now" (docs/backups.md): one row per run, written when it starts and again when
 * it ends, so the dashboard can say when the last backup ran, whether it worked, and show a failure until a
 * later run succeeds. The row also names the file the run wrote, which is how retention knows which files in
 * the folder are the schedule's own (it never removes anything else). `node` is the host name of the server that
 * ran it: with several nodes each archive is on its writer's disk, and each node prunes only its own. `bytes` is
 * bigint: archives pass 2 GB.
 */
export function backupRunsMigration(caps: Capabilities): Migration {
  return {
    async up(db: AnyDb) {
      await createTableWithId(db, caps, 'backup_runs')
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('node', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('folder', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('bytes', 'bigint')
        .addColumn('error', 'text')
        .addColumn('removed_at', 'text')
        .execute();
      await db.schema.createIndex('backup_runs_started').on('backup_runs').columns(['started_at', 'id']).execute();
    },
  };
}
