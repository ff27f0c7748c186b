import type { Db } from '../../storage/schema.ts';
import type { Change } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';

/**
 * What scheduled backups need, built in main.ts. The module never writes an archive itself: `writeArchive` is
 * the storage layer's writeBackup (decision 025) bound to the site's database and media folder.
 */
export interface BackupDeps {
  db: Db;
  clock: Clock;
  /** Called after the schedule or a "Back up now" request is stored: pokes the job worker. */
  noteWrite: (change?: Change) => void;
  /**
   * Where archives go, as an absolute path: `<data dir>/backups`, or ANNALIST_BACKUP_DIR / `--backup-dir`. Set
   * by the operator only; the admin pages show it and cannot change it (backup-folder.ts checks it on each use).
   */
  folder: string;
  /** The data folder: never the backup folder itself. */
  dataDir: string;
  /** The data folder's media/: a backup folder inside it would be copied into every backup. */
  mediaDir: string;
  /** This server's host name: each run records it, and retention removes only archives this node wrote. */
  node: string;
  /**
   * Writes one archive of the whole site, without passwords or second factors (as `annalist backup` does by
   * default), to `out`, which must not exist. On failure it leaves no file and throws with a one-line message.
   * Once `signal` is aborted it stops as soon as it can (and throws).
   */
  writeArchive: (out: string, signal?: AbortSignal) => Promise<{ bytes: number }>;
  log?: { error(obj: object, msg: string): void };
  /** How often a running backup renews its job lease (default: every minute). */
  leaseRenewMs?: number;
}

/** Job kind of every backup run; the key says which: the schedule's next run, or one asked for by hand. */
export const SITE_BACKUP = 'site_backup';
export const SCHEDULED_BACKUP_KEY = 'backup:scheduled';
export const BACKUP_NOW_KEY = 'backup:now';

/** The job worker's lane for backups: a long backup never holds back scheduled publishing (job-worker.ts). */
export const BACKUP_LANE = 'backups';
