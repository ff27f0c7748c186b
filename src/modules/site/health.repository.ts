import { sql } from 'kysely';
import type { Db } from '../../storage/schema.ts';

/** The smallest query there is: resolves when the database answers, rejects when it cannot be reached. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1 as one`.execute(db);
}
