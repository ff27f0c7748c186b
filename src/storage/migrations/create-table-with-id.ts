import type { Capabilities } from '../capabilities.ts';
import type { AnyDb } from './index.ts';

/** `create table <name> (id …primary key, …)` with the auto-increment the database has. */
export function createTableWithId(db: AnyDb, caps: Capabilities, table: string) {
  return db.schema
    .createTable(table)
    .addColumn('id', 'integer', (c) =>
      caps.autoIncrement === 'identity'
        ? c.primaryKey().generatedByDefaultAsIdentity()
        : c.primaryKey().autoIncrement(),
    );
}
