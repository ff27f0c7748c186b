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
}

export const SQLITE_CAPABILITIES: Capabilities = {
  fullText: 'fts5',
  autoIncrement: 'integer-autoincrement',
  rowAddress: 'rowid',
  // In WAL mode a deferred transaction's first read fixes what it sees; writers go on meanwhile.
  snapshot: 'deferred-begin',
};
export const POSTGRES_CAPABILITIES: Capabilities = {
  fullText: 'tsvector',
  autoIncrement: 'identity',
  rowAddress: 'ctid',
  snapshot: 'repeatable-read',
};
