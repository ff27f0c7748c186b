/**
 * What differs between the databases Annalist runs on, named as capabilities (STYLE habit 6). Code that must
 * behave differently asks for a capability, never for a dialect name.
 */
export interface Capabilities {
  /** Full-text engine behind the SearchIndex. */
  fullText: 'fts5' | 'tsvector';
  /** How an auto-increment primary key is declared in migrations. */
  autoIncrement: 'integer-autoincrement' | 'identity';
}

export const SQLITE_CAPABILITIES: Capabilities = { fullText: 'fts5', autoIncrement: 'integer-autoincrement' };
export const POSTGRES_CAPABILITIES: Capabilities = { fullText: 'tsvector', autoIncrement: 'identity' };
