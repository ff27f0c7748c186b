import type { Capabilities } from '../../storage/capabilities.ts';
import type { Db } from '../../storage/schema.ts';
import type { ContentDeps } from '../content/content.deps.ts';
import type { Change } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';

/**
 * What the imports of the administration need (/admin/import, decision 032), built in main.ts. The upload is
 * kept in the site's database, so any node (or this one after a restart) can run it; the import itself runs on
 * the connection `openWriter` gives, in one transaction, as `annalist import` does.
 */
export interface AdminImportDeps {
  /** The site's own database: uploads, their chunks, the jobs. */
  db: Db;
  clock: Clock;
  capabilities: Capabilities;
  /** Called after an upload or a confirmation is stored (pokes the job worker) and after an import commits. */
  noteWrite: (change?: Change) => void;
  /**
   * The content deps an import writes with, on a connection of its own: on SQLite a second connection to the
   * file (the site's own goes on answering reads while the import holds the write lock); on PostgreSQL the
   * site's pool. `close` gives it back.
   */
  openWriter(): Promise<{ content: ContentDeps; close(): Promise<void> }>;
  /** The data folder: on SQLite a running import writes its progress to a small file here (see import-progress.ts). */
  dataDir: string;
  /** The largest upload, as sent and once unpacked (default IMPORT_MAX_BYTES); tests make it small. */
  maxBytes?: number;
  log?: { error(obj: object, msg: string): void; info?(obj: object, msg: string): void };
  /** How long a running import's job lease lasts, and how often it is renewed (tests shorten them). */
  leaseMs?: number;
  renewMs?: number;
  /** How often a running import writes its progress (default every second). */
  progressMs?: number;
}

/** The largest file the administration takes (as sent, and once a .gz is unpacked); past it, `annalist import`. */
export const IMPORT_MAX_BYTES = 512 * 1024 * 1024;

/**
 * The dry run of an upload, then the import it confirms: a job each, keys `import-check:<id>` and
 * `import-run:<id>` (two rows: "Import" may be pressed before the worker has marked the dry run's job done).
 */
export const IMPORT_CHECK = 'import_check';
export const IMPORT_RUN = 'import_run';
/** Removes an upload's file a day after it came, unless it is being imported. */
export const IMPORT_EXPIRE = 'import_expire';
/** The job worker's lane for imports: a long import never holds back scheduled publishing (job-worker.ts). */
export const IMPORT_LANE = 'imports';

export const checkJobKey = (uploadId: number) => `import-check:${uploadId}`;
export const runJobKey = (uploadId: number) => `import-run:${uploadId}`;
export const expireJobKey = (uploadId: number) => `import-expire:${uploadId}`;

/** An upload's file is removed this long after it came, unless imported (or discarded) first. */
export const UPLOAD_KEPT_MS = 24 * 60 * 60_000;
