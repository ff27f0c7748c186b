/**
 * TABLES_IN_DEPENDENCY_ORDER is the one list `annalist migrate-data` copies (and empties in reverse). A
 * migration that adds a table, or a foreign key that points at a later table, must fail here rather than
 * leave a table behind in a copied site.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openPostgresStorage } from '../../src/storage/postgres/open-postgres.ts';
import { openSqliteStorage } from '../../src/storage/sqlite/open-sqlite.ts';
import type { Storage } from '../../src/storage/storage.ts';
import {
  carriesCommitMarker,
  isContentTable,
  TABLES_IN_DEPENDENCY_ORDER,
  TABLES_NO_PAGE_SHOWS,
} from '../../src/storage/tables.ts';
import { createTestDatabase, dropTestDatabase } from '../support/postgres.ts';
import { testPostgresAdminUrl } from '../support/site.ts';

const dir = mkdtempSync(join(tmpdir(), 'annalist-tables-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const listed = [...TABLES_IN_DEPENDENCY_ORDER].sort();
const position = (table: string) => (TABLES_IN_DEPENDENCY_ORDER as readonly string[]).indexOf(table);

/** Each foreign key's parent table must come before its child in the list (a self-reference excepted). */
function assertParentsFirst(keys: { child: string; parent: string }[]) {
  assert.ok(keys.length > 10, `foreign keys were found (${keys.length})`);
  for (const { child, parent } of keys) {
    if (child === parent) continue;
    assert.ok(position(parent) >= 0, `${parent} (referenced by ${child}) is listed`);
    assert.ok(position(parent) < position(child), `${parent} comes before ${child}, which refers to it`);
  }
}

describe('the list of tables migrate-data copies', () => {
  test('names every content table of a migrated SQLite database, parents before children', async () => {
    const storage = await openSqliteStorage(join(dir, 'annalist.db'));
    try {
      const { rows } = await sql<{ name: string }>`
        select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(storage.db);
      assert.deepEqual(
        rows
          .map((r) => r.name)
          .filter(isContentTable)
          .sort(),
        listed,
      );
      const keys = await sql<{ child: string; parent: string }>`
        select m.name as child, f."table" as parent
        from sqlite_master m join pragma_foreign_key_list(m.name) f
        where m.type = 'table'`.execute(storage.db);
      assertParentsFirst(keys.rows);
      const triggers = await sql<{ name: string }>`
        select name from sqlite_master where type = 'trigger'`.execute(storage.db);
      assert.deepEqual(triggers.rows, [], 'no commit markers on SQLite: PRAGMA data_version moves on every commit');
    } finally {
      await storage.close();
    }
  });

  test('names every content table of a migrated PostgreSQL database, parents before children', async () => {
    const admin = await testPostgresAdminUrl();
    const url = await createTestDatabase(admin);
    const storage = await openPostgresStorage(url);
    try {
      const { rows } = await sql<{ name: string }>`
        select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(storage.db);
      assert.deepEqual(
        rows
          .map((r) => r.name)
          .filter(isContentTable)
          .sort(),
        listed,
      );
      const keys = await sql<{ child: string; parent: string }>`
        select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent
        from pg_constraint c where c.contype = 'f'`.execute(storage.db);
      assertParentsFirst(keys.rows);
      await assertCommitMarkers(storage.db);
    } finally {
      await storage.close();
      await dropTestDatabase(admin, url);
    }
  });
});

/** tgtype bits of an AFTER trigger once per statement on insert (4), delete (8), update (16) and truncate (32). */
const EVERY_WRITE_PER_STATEMENT = 4 | 8 | 16 | 32;

/**
 * Decision 049: every table pages are built from carries the commit marker, for every kind of write, once per
 * statement; the tables of TABLES_NO_PAGE_SHOWS carry none. A migration that adds a table and forgets
 * addCommitMarker fails here, naming the table.
 */
async function assertCommitMarkers(db: Storage['db']): Promise<void> {
  const { rows } = await sql<{ table: string; type: number }>`
    select c.relname as table, t.tgtype as type from pg_trigger t join pg_class c on c.oid = t.tgrelid
    where not t.tgisinternal and t.tgname = 'annalist_commit_marker'
      and c.relnamespace = current_schema()::regnamespace`.execute(db);
  const marked = new Map(rows.map((r) => [r.table, r.type]));
  for (const table of TABLES_IN_DEPENDENCY_ORDER) {
    if (carriesCommitMarker(table))
      assert.equal(marked.get(table), EVERY_WRITE_PER_STATEMENT, `${table} carries the commit marker`);
    else assert.equal(marked.has(table), false, `${table} (TABLES_NO_PAGE_SHOWS) carries no commit marker`);
  }
  assert.ok(TABLES_NO_PAGE_SHOWS.length < TABLES_IN_DEPENDENCY_ORDER.length / 2, 'most tables carry one');
  assert.deepEqual(
    [...marked.keys()].filter((t) => !(TABLES_IN_DEPENDENCY_ORDER as readonly string[]).includes(t)),
    [],
    'no table outside the list carries one',
  );
}
