import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { clusterWriteGate } from './cluster.ts';
import { type Config, ConfigError } from './config.ts';
import type { BackupDeps } from './modules/backups/backup.deps.ts';
import { BACKUP_LANE, SITE_BACKUP } from './modules/backups/backup.deps.ts';
import { prepareBackupFolder } from './modules/backups/backup-folder.ts';
import { ensureBackupBooked } from './modules/backups/backup-schedule.service.ts';
import { backupJobHandler } from './modules/backups/run-backup.ts';
import type { ContentDeps } from './modules/content/content.deps.ts';
import { isDemoNeeded, seedDemoSite } from './modules/demo/demo.service.ts';
import { DEMO_MEDIA_DIR } from './modules/demo/demo-media.ts';
import type { SiteExportDeps } from './modules/export/export.deps.ts';
import {
  type AdminImportDeps,
  IMPORT_CHECK,
  IMPORT_EXPIRE,
  IMPORT_LANE,
  IMPORT_RUN,
} from './modules/import/admin-import.deps.ts';
import { importCheckHandler, importExpireHandler, importRunHandler } from './modules/import/import-jobs.ts';
import { type JobLog, JobWorker } from './modules/jobs/job-worker.ts';
import { PUBLISH_POST, publishPostHandler } from './modules/jobs/publish-post.job.ts';
import { createSmtpMailer } from './modules/mail/mailer.ts';
import { startOutboxWorker } from './modules/mail/outbox.ts';
import { closeBoundedWork } from './modules/shared/bounded-work.ts';
import { ChangeNotifier, decodeChange, encodeChange, onlyDiscussions } from './modules/shared/changes.ts';
import type { Clock } from './modules/shared/clock.ts';
import { systemClock } from './modules/shared/clock.ts';
import { withSnapshot } from './storage/backup/snapshot.ts';
import { writeBackup } from './storage/backup/write-backup.ts';
import { describeDatabaseUrl } from './storage/postgres/connection.ts';
import { openPostgresStorage } from './storage/postgres/open-postgres.ts';
import { openRedisSharedState, type SharedStateLog } from './storage/redis/open-redis.ts';
import { requireCurrentSchema } from './storage/schema-version.ts';
import type { SharedState } from './storage/shared-state.ts';
import { openSqliteStorage } from './storage/sqlite/open-sqlite.ts';
import type { Storage } from './storage/storage.ts';
import { setWriteGate } from './storage/write-gate.ts';
import { annalistVersion } from './version.ts';
import { buildApp } from './web/app.ts';

export const DATABASE_FILE = 'annalist.db';

export interface Site {
  storage: Storage;
  /** Frozen: the domain's dependencies, built once here. */
  content: Readonly<ContentDeps>;
  /** Every committed write of this process; the page cache, job worker, Redis and purge webhook subscribe. */
  changes: ChangeNotifier;
  mediaDir: string;
  /** Scheduled backups and "Back up now" (docs/backups.md): archives of this site into a folder. */
  backups: BackupDeps;
  /** The WordPress and JSON downloads of /admin/export (docs/export.md). */
  exports: SiteExportDeps;
  /** The WordPress, Ghost and Disqus imports of /admin/import (decision 032). */
  imports: AdminImportDeps;
}

/**
 * The site's database opened a second time, read-only, for a backup's snapshot: SQLite's one connection (or a
 * slot of the pool) is not held while the archive is written, so the site keeps serving.
 */
export async function openSnapshotSource(site: { dataDir: string; databaseUrl: string | undefined }): Promise<Storage> {
  if (site.databaseUrl) return openPostgresStorage(site.databaseUrl, { migrate: false, poolSize: 2 });
  return openSqliteStorage(join(site.dataDir, DATABASE_FILE), { readonly: true });
}

/**
 * Backups as the schedule and /admin/backups take them: the site's clock and writes, writeBackup for the file,
 * into `<data dir>/backups` or the operator's `backupDir` (ANNALIST_BACKUP_DIR, --backup-dir).
 */
function backupDeps(
  content: ContentDeps,
  location: { dataDir: string; databaseUrl: string | undefined; backupDir: string | undefined },
): BackupDeps {
  const mediaDir = join(location.dataDir, 'media');
  return {
    db: content.db,
    clock: content.clock,
    noteWrite: content.noteWrite,
    folder: resolve(location.backupDir ?? join(location.dataDir, 'backups')),
    dataDir: location.dataDir,
    mediaDir,
    node: hostname(),
    async writeArchive(out, signal) {
      signal?.throwIfAborted();
      const source = await openSnapshotSource(location);
      try {
        const { bytes } = await writeBackup({
          source,
          mediaDir,
          out,
          includeAccounts: false,
          annalistVersion: annalistVersion(),
          now: content.clock.now(),
          // Stopped between batches once the signal is aborted: writeBackup then removes what it wrote.
          progress: { advanced: () => signal?.throwIfAborted(), timed: () => signal?.throwIfAborted() },
        });
        return { bytes };
      } finally {
        await source.close();
      }
    },
  };
}

/** Exports as /admin/export takes them: each reads its own snapshot on a second, read-only connection. */
function exportDeps(
  content: ContentDeps,
  location: { dataDir: string; databaseUrl: string | undefined },
): SiteExportDeps {
  return {
    db: content.db,
    clock: content.clock,
    annalistVersion: annalistVersion(),
    noteWrite: content.noteWrite,
    async withSnapshot(fn) {
      const source = await openSnapshotSource(location);
      try {
        return await withSnapshot(source, fn);
      } finally {
        await source.close();
      }
    },
  };
}

/**
 * Imports as /admin/import runs them: the upload kept in the site's database, the import's transaction on a
 * connection of its own (decision 032).
 */
function importDeps(
  storage: Storage,
  content: ContentDeps,
  location: { dataDir: string; databaseUrl: string | undefined },
): AdminImportDeps {
  const writerContent = (db: Storage['db'], search: Storage['search']): ContentDeps =>
    Object.freeze({ db, clock: content.clock, search, noteWrite: content.noteWrite });
  return {
    db: content.db,
    clock: content.clock,
    capabilities: storage.capabilities,
    noteWrite: content.noteWrite,
    dataDir: location.dataDir,
    async openWriter() {
      // PostgreSQL: a connection of the pool. SQLite: a second connection to the file, so the site's own goes on
      // reading (WAL) while the import holds the write lock; in a cluster it takes its turn at the gate too.
      if (location.databaseUrl) return { content: writerContent(content.db, content.search), close: async () => {} };
      const writer = await openSqliteStorage(join(location.dataDir, DATABASE_FILE));
      const gate = clusterWriteGate();
      if (gate) setWriteGate(writer.db, gate);
      return { content: writerContent(writer.db, writer.search), close: () => writer.close() };
    },
  };
}

/** What openSite opens besides the data folder. */
export interface OpenSiteOptions {
  databaseUrl?: string;
  /** Where scheduled backups go (ANNALIST_BACKUP_DIR, --backup-dir); default `<data dir>/backups`. */
  backupDir?: string;
  /**
   * Only read (the export commands): the database is opened read-only and never migrated; a schema older than
   * this version's is refused with DATABASE_TOO_OLD. Nothing is created, not even the data folder.
   */
  readonly?: boolean;
  /** The site's clock (tests give a test clock); default the system's. */
  clock?: Clock;
  /**
   * ANNALIST_STALE_MAX (default 1 s): on PostgreSQL also how long another node's commit may go unannounced (its
   * node died before telling) before this one drops every cached page (decision 049).
   */
  staleMaxMs?: number;
}

/** The site's database opened read-only, refused unless its schema is this version's. */
async function openReadonlyStorage(dataDir: string, databaseUrl: string | undefined): Promise<Storage> {
  const storage = await openSnapshotSource({ dataDir, databaseUrl });
  try {
    await requireCurrentSchema(
      storage.db,
      databaseUrl ? `PostgreSQL at ${describeDatabaseUrl(databaseUrl)}` : join(dataDir, DATABASE_FILE),
    );
  } catch (err) {
    await storage.close();
    throw err;
  }
  return storage;
}

/**
 * Composition root: config -> database -> domain deps. The only place that picks the database: PostgreSQL
 * when a URL is given, else SQLite in the data folder.
 */
export async function openSite(dataDir: string, opts: OpenSiteOptions = {}): Promise<Site> {
  let storage: Storage;
  if (opts.readonly) {
    storage = await openReadonlyStorage(dataDir, opts.databaseUrl);
  } else if (opts.databaseUrl) {
    mkdirSync(dataDir, { recursive: true });
    // The server arbitrates between processes and nodes: no write gate.
    storage = await openPostgresStorage(opts.databaseUrl, { staleMaxMs: opts.staleMaxMs });
  } else {
    mkdirSync(dataDir, { recursive: true });
    storage = await openSqliteStorage(join(dataDir, DATABASE_FILE));
    // A cluster worker takes its turn to write from the primary rather than from SQLite's sleeping busy handler.
    const gate = clusterWriteGate();
    if (gate) setWriteGate(storage.db, gate);
  }
  // Every write is announced through one notifier; this process's own caches hear it first.
  const changes = new ChangeNotifier();
  // This process's changes go to the others on the same database; theirs come back through changes.poll().
  changes.subscribe((change) => {
    if (change.origin !== 'remote') storage.noteWrite(encodeChange(change));
  });
  changes.addRemoteSource(() => storage.remoteChanges().map(decodeChange));
  const content: ContentDeps = Object.freeze({
    db: storage.db,
    clock: opts.clock ?? systemClock,
    search: storage.search,
    noteWrite: changes.announce,
  });
  const location = { dataDir, databaseUrl: opts.databaseUrl, backupDir: opts.backupDir };
  const backups = backupDeps(content, location);
  return {
    storage,
    content,
    changes,
    mediaDir: join(dataDir, 'media'),
    backups,
    exports: exportDeps(content, location),
    imports: importDeps(storage, content, location),
  };
}

/**
 * The durable job worker (scheduled publishing, backups and imports) on the site's clock. Every committed write pokes it, so a new
 * schedule is seen at once: create it before building the app, start() it once listening, stop() it before the
 * database closes.
 */
export function createJobWorker(site: Site, log?: JobLog): JobWorker {
  if (log) {
    site.backups.log = log;
    site.imports.log = log;
  }
  const jobs = new JobWorker({ db: site.storage.db, clock: site.content.clock, log })
    .register(PUBLISH_POST, publishPostHandler(site.content))
    // Backups on a lane of their own: an hour-long backup never holds back a post scheduled meanwhile.
    .register(SITE_BACKUP, backupJobHandler(site.backups), { lane: BACKUP_LANE })
    // Imports likewise: a long import never holds back publishing or a backup.
    .register(IMPORT_CHECK, importCheckHandler(site.imports), { lane: IMPORT_LANE })
    .register(IMPORT_RUN, importRunHandler(site.imports), { lane: IMPORT_LANE })
    .register(IMPORT_EXPIRE, importExpireHandler(site.imports), { lane: IMPORT_LANE });
  site.changes.subscribe((change) => {
    if (!onlyDiscussions(change)) jobs.poke();
  });
  return jobs;
}

/**
 * With REDIS_URL (decision 016): every committed write of this node is announced to the others (their page caches
 * start a new generation), and their announcements poke this node's job worker. Call before the app serves.
 */
export function shareSite(site: Site, shared: SharedState, jobs?: JobWorker): void {
  site.changes.subscribe((change) => {
    // A write readers do not see (a draft saved) need not move the shared generation.
    const unseen = change.keys !== 'all' && change.keys.length === 0;
    // A commit its writer never announced (decision 049) is told by whoever hears of it: the shared pages too may
    // show what it changed.
    if ((change.origin !== 'remote' || change.unannounced) && !unseen) void shared.noteWrite(encodeChange(change));
  });
  site.changes.addRemoteSource(() => shared.remoteChanges().map(decodeChange));
  if (jobs) shared.onRemoteWrite(() => jobs.poke());
}

/** Opens the site (creating the demo on an empty data folder), builds the web app and listens. */
/**
 * Opens the site (the demo seeded into an empty one), builds the app and listens. `demo`: the demo was created
 * just now, with this many articles and pages (the command says so); null when the site already had content.
 */
export async function startServer(
  config: Config,
): Promise<{ app: FastifyInstance; site: Site; url: string; demo: { posts: number } | null }> {
  // Redis first: a node that cannot reach it does not start at all, rather than start without sharing.
  const sharedLog: SharedStateLog & { to?: FastifyInstance['log'] } = {
    info: (msg) => sharedLog.to?.info(msg),
    warn: (msg) => sharedLog.to?.warn(msg),
  };
  const shared = config.redisUrl ? await openRedisSharedState(config.redisUrl, { log: sharedLog }) : undefined;
  let site: Site;
  try {
    site = await openSite(config.dataDir, {
      databaseUrl: config.databaseUrl,
      backupDir: config.backupDir,
      staleMaxMs: config.staleMaxMs,
    });
  } catch (err) {
    await shared?.close();
    throw err;
  }
  try {
    // A folder the operator chose that cannot be used is told now, in one line, not at the first backup.
    await prepareBackupFolder(site.backups);
  } catch (err) {
    await site.storage.close();
    await shared?.close();
    throw new ConfigError(`${(err as Error).message} (ANNALIST_BACKUP_DIR or --backup-dir sets it)`);
  }
  const demo = (await isDemoNeeded(site.content))
    ? await seedDemoSite(site.content, { mediaDir: site.mediaDir })
    : null;
  const jobs = createJobWorker(site, { error: (obj, msg) => app.log.error(obj, msg) });
  if (shared) shareSite(site, shared, jobs);
  const app = buildApp({
    shared,
    content: site.content,
    contentVersion: site.storage.contentVersion,
    changes: site.changes,
    staleMaxMs: config.staleMaxMs,
    cdnMaxAgeS: config.cdnMaxAgeS,
    purgeWebhook: config.purgeWebhook,
    baseUrl: config.baseUrl,
    mediaDir: site.mediaDir,
    demoMediaDir: DEMO_MEDIA_DIR,
    backups: site.backups,
    exports: site.exports,
    imports: site.imports,
    pageCache: config.pageCache,
    trustProxy: config.trustProxy,
    logger:
      config.logLevel === 'silent'
        ? false
        : { level: config.logLevel, redact: ['req.headers.cookie', 'req.headers.authorization'] },
  });
  app.addHook('onClose', () => site.storage.close());
  app.addHook('onClose', () => closeBoundedWork()); // the worker threads that parse people's text
  sharedLog.to = app.log;
  if (shared) app.addHook('onClose', () => shared.close()); // after the job worker's last write is announced
  if (config.smtpUrl) {
    const mailer = createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom });
    const outbox = startOutboxWorker({
      db: site.storage.db,
      mailer,
      clock: systemClock,
      log: app.log,
      intervalMs: 5000,
    });
    app.addHook('onClose', () => outbox.stop()); // onClose hooks run last-first: before the database closes
  } else app.log.info('SMTP_URL is not set: mail stays queued in the outbox until it is');
  app.addHook('onClose', () => jobs.stop()); // waits for a job in progress, before the database closes
  const address = await app.listen({ host: config.host, port: config.port });
  // A schedule that is on always has its next run booked. Nothing about it may stop the server: a failure to
  // book is recorded for the dashboard by ensureBackupBooked, anything else (the database away) is logged.
  await ensureBackupBooked(site.backups).catch((err: unknown) =>
    app.log.error({ err }, 'the next scheduled backup could not be booked'),
  );
  await jobs.start(); // what fell due while the server was down runs now
  return { app, site, url: address, demo };
}
