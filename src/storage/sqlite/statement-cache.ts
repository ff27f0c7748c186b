import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely prepares every query afresh; preparing costs more than running most of ours. This keeps prepared
 * statements by SQL text (bounded). Reuse is safe because better-sqlite3 runs each statement to completion
 * synchronously (`all`/`run`); nothing here streams with `iterate`.
 */
export function withStatementCache(raw: SQLite.Database, max = 500): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => {
      statements.clear();
      raw.close();
    },
    prepare(sql: string): SqliteStatement {
      let stmt = statements.get(sql);
      if (!stmt) {
        stmt = raw.prepare(sql) as unknown as SqliteStatement;
        if (statements.size >= max) statements.delete(statements.keys().next().value as string);
        statements.set(sql, stmt);
      }
      return stmt;
    },
  };
}
