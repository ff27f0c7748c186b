/**
 * What differs between the databases Annalist runs on, named as capabilities (STYLE habit 6). Code that must
 * behave differently asks for a capability, never for a dialect name.
 */
export interface Capabilities {
  /** Full-text engine behind the SearchIndex. */
  fullText: 'fts5' | 'tsvector';
  /** How an auto-increment primary key is declared in migrations. */
  autoIncrement: 'integer-autoincrement' | 'identity';
  /**
   * Reading a whole table in pages, in storage order, inside one snapshot (backups): by SQLite's rowid or by
   * PostgreSQL's ctid (a TID range scan), so every table pages the same way whatever its primary key.
   */
  rowAddress: 'rowid' | 'ctid';
  /** The statement that opens a read-only transaction seeing one consistent snapshot of every table. */
  snapshot: 'deferred-begin' | 'repeatable-read';
  /**
   * Whole tables as JSON lines (backups): SQLite builds them itself (json_object), with no JavaScript object
   * per row; otherwise rows pass through JavaScript.
   */
  jsonLines: 'in-database' | 'in-javascript';
  /**
   * A restore of a whole site: SQLite leaves WAL for a rollback journal while it runs (new pages are written
   * once, into the file, and the journal holds only the few pages that existed before) when no other
   * connection has the file open, and builds each table's indexes after its rows are in.
   */
  bulkLoad: 'rollback-journal' | 'as-is';
  /**
   * Writers beside a long transaction: SQLite has one write lock for the whole file, so while one transaction
   * writes (an import) every other write waits for it (and better-sqlite3 waits blocking its thread); PostgreSQL
   * locks rows, so writes to other rows (a job's lease, its progress) go on beside it.
   */
  writers: 'one-at-a-time' | 'side-by-side';
  /**
   * How a node learns that someone committed a write it was never told about (its writer died between the commit
   * and the announcement, or is another program): SQLite's `PRAGMA data_version` moves on every commit; PostgreSQL
   * has no such counter, so the tables pages are built from carry a trigger whose NOTIFY goes out with the commit
   * (migration 018, decision 049).
   */
  commitSignal: 'data-version' | 'notify-trigger';
}

export const SQLITE_CAPABILITIES: Capabilities = {
  fullText: 'fts5',
  autoIncrement: 'integer-autoincrement',
  rowAddress: 'rowid',
  // In WAL mode a deferred transaction's first read fixes what it sees; writers go on meanwhile.
  snapshot: 'deferred-begin',
  jsonLines: 'in-database',
  bulkLoad: 'rollback-journal',
  writers: 'one-at-a-time',
  commitSignal: 'data-version',
};
export const POSTGRES_CAPABILITIES: Capabilities = {
  fullText: 'tsvector',
  autoIncrement: 'identity',
  rowAddress: 'ctid',
  snapshot: 'repeatable-read',
  jsonLines: 'in-javascript',
  bulkLoad: 'as-is',
  writers: 'side-by-side',
  commitSignal: 'notify-trigger',
};
