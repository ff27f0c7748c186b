import { sql } from 'kysely';
import { MIGRATION_NAMES } from './migrations/index.ts';
import type { Db } from './schema.ts';
import { StorageOpenError } from './storage.ts';

/**
 * For a database opened read-only (the export commands), where nothing may be migrated: this version's
 * migrations the database has not applied yet, in order. Asks through Kysely's introspection and a plain select,
 * which read the same on SQLite and PostgreSQL.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return [...MIGRATION_NAMES];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const applied = new Set(rows.map((r) => r.name));
  return MIGRATION_NAMES.filter((name) => !applied.has(name));
}

/**
 * Refuses (DATABASE_TOO_OLD) a database whose schema is older than this version's, or that holds no site yet:
 * read-only, it cannot be upgraded here. `where` names it (a file, or PostgreSQL's host and database).
 */
export async function requireCurrentSchema(db: Db, where: string): Promise<void> {
  const pending = await pendingMigrations(db);
  if (pending.length === 0) return;
  if (pending.length === MIGRATION_NAMES.length)
    throw new StorageOpenError('DATABASE_TOO_OLD', `${where} holds no Annalist site yet; nothing was changed`);
  throw new StorageOpenError(
    'DATABASE_TOO_OLD',
    `${where} has an older schema than this Annalist (${pending.length} update${pending.length === 1 ? '' : 's'} not applied, from ${pending[0]}); start \`annalist serve\` with this version once (it upgrades the database), then run the command again; nothing was changed`,
  );
}
