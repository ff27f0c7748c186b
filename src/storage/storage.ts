import type { Capabilities } from './capabilities.ts';
import type { Db } from './schema.ts';
import type { SearchIndex } from './search-index.ts';

/**
 * Everything the domain needs from a database, picked once in main.ts. `contentVersion()` changes whenever
 * any process has written to the content, so caches can tell that what they hold is stale.
 */
export interface Storage {
  db: Db;
  capabilities: Capabilities;
  search: SearchIndex;
  /** Cheap, synchronous: called on every cached page view. */
  contentVersion(): string;
  /**
   * This process has just committed a write; `change` says what it changed, encoded by the domain
   * (src/modules/shared/changes.ts encodeChange: keys separated by spaces, `*` for everything). The storage passes it
   * on to the other processes or nodes on the same database, whose remoteChanges() return it.
   */
  noteWrite(change: string): void;
  /**
   * Synchronous and cheap: the encoded changes other processes or nodes announced since the last call, `*` when
   * one may have been missed (a commit without its announcement, a lost connection). Every call drains them.
   */
  remoteChanges(): string[];
  close(): Promise<void>;
  /**
   * Before a long import on a command line, which writes far more than the page cache holds in one transaction:
   * SQLite's page cache for this connection grows from 16 MB to 40 MB (its indexes are written in no order, and a
   * page missed is read back from the write-ahead log). PostgreSQL has nothing to change.
   */
  prepareForBulkWrites?(): void;
}

/** Raised when a database (file or server) cannot be used; the message is one line a person can act on. */
export class StorageOpenError extends Error {
  constructor(
    readonly code:
      | 'DATABASE_NOT_SQLITE'
      | 'DATABASE_FOREIGN'
      | 'DATABASE_CORRUPT'
      | 'DATABASE_TOO_NEW'
      | 'DATABASE_TOO_OLD'
      | 'DATABASE_UNREADABLE'
      | 'DATABASE_UNREACHABLE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageOpenError';
  }
}
