import type { Db } from '../../storage/schema.ts';
import type { Change } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';

/**
 * What the exports the administration offers (/admin/export) need, built in main.ts. The module never opens a
 * connection itself: `withSnapshot` is the storage layer's snapshot on a second, read-only connection opened
 * for the one export, so SQLite's one connection (or a slot of the pool) is not held while a large file is
 * written to a slow reader.
 */
export interface SiteExportDeps {
  /** The site's own database: the one-export-at-a-time lease is kept in its settings. */
  db: Db;
  clock: Clock;
  /** Written into the JSON export's header. */
  annalistVersion: string;
  /** Runs `fn` with a connection that sees one consistent snapshot of every table, then closes it. */
  withSnapshot<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** Told of each change to the export's lease: a write readers do not see, announced so nodes keep their caches. */
  noteWrite?: (change: Change) => void;
}
