import { sql } from 'kysely';
import type { Db } from '../../storage/schema.ts';
import type { TableName } from '../../storage/tables.ts';

/** The SQL of the Annalist import (annalist-import.service.ts) beside the table writer's batches. */

/** True if `table` holds at least one row. */
export async function tableHasRows(db: Db, table: TableName): Promise<boolean> {
  const { rows } = await sql`select 1 as one from ${sql.table(table)} limit 1`.execute(db);
  return rows.length > 0;
}

/** Removes the settings of these keys (a fresh site's own, before the export's are written). */
export async function deleteSettings(db: Db, keys: readonly string[]): Promise<void> {
  await db
    .deleteFrom('settings')
    .where('key', 'in', [...keys])
    .execute();
}

/** The name a comment was written under, if the comment exists. */
export async function findCommentAuthorName(db: Db, id: number): Promise<{ author_name: string } | undefined> {
  return db.selectFrom('comments').select('author_name').where('id', '=', id).executeTakeFirst();
}
