import { sql } from 'kysely';
import type { AnyDb } from './index.ts';

/** The channel of commit markers; src/storage/postgres/content-notices.ts listens on it (decision 049). */
export const COMMIT_CHANNEL = 'annalist_commit';

/** The application_name prefix of Annalist's connections: `annalist:<node id>` (src/storage/postgres/connection.ts). */
export const NODE_NAME_PREFIX = 'annalist:';

/** What a marker names when the connection was not Annalist's (psql, another program): an unknown writer. */
export const UNKNOWN_WRITER = '*';

const MARKER = 'annalist_commit_marker';

/**
 * PostgreSQL only. The trigger function: a NOTIFY naming the node that wrote (from its connection's
 * application_name), or `*`. NOTIFY is sent when, and only if, the transaction commits, and identical ones in one
 * transaction are sent once: one marker per committed transaction that wrote to a page's table.
 */
export async function createCommitMarkerFunction(db: AnyDb): Promise<void> {
  const prefixLength = NODE_NAME_PREFIX.length;
  await sql
    .raw(`create function ${MARKER}() returns trigger language plpgsql as $marker$
declare
  writer text := pg_catalog.current_setting('application_name');
begin
  perform pg_catalog.pg_notify('${COMMIT_CHANNEL}', case
    when pg_catalog.substr(writer, 1, ${prefixLength}) = '${NODE_NAME_PREFIX}' and pg_catalog.length(writer) > ${prefixLength}
      then pg_catalog.substr(writer, ${prefixLength + 1})
    else '${UNKNOWN_WRITER}' end);
  return null;
end
$marker$`)
    .execute(db);
}

/**
 * PostgreSQL only. Puts the commit marker on `table`: once per statement (a bulk insert costs one call), for every
 * kind of write. A migration that creates a table some page is built from calls this for it
 * (test/storage/tables.test.ts fails on a table without one that is not in TABLES_NO_PAGE_SHOWS).
 */
export async function addCommitMarker(db: AnyDb, table: string): Promise<void> {
  await sql`create trigger ${sql.id(MARKER)} after insert or update or delete or truncate on ${sql.table(table)}
    for each statement execute function ${sql.id(MARKER)}()`.execute(db);
}
