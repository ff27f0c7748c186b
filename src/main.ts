import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { clusterWriteGate } from './cluster.ts';
import type { Config } from './config.ts';
import type { ContentDeps } from './modules/content/content.deps.ts';
import { isDemoNeeded, seedDemoSite } from './modules/demo/demo.service.ts';
import { type JobLog, JobWorker } from './modules/jobs/job-worker.ts';
import { PUBLISH_POST, publishPostHandler } from './modules/jobs/publish-post.job.ts';
import { createSmtpMailer } from './modules/notifications/mailer.ts';
import { startOutboxWorker } from './modules/notifications/outbox.ts';
import { closeBoundedWork } from './modules/shared/bounded-work.ts';
import { systemClock } from './modules/shared/clock.ts';
import { openPostgresStorage } from './storage/postgres/open-postgres.ts';
import { openRedisSharedState, type SharedStateLog } from './storage/redis/open-redis.ts';
import type { SharedState } from './storage/shared-state.ts';
import { openSqliteStorage } from './storage/sqlite/open-sqlite.ts';
import type { Storage } from './storage/storage.ts';
import { setWriteGate } from './storage/write-gate.ts';
import { buildApp } from './web/app.ts';
import { PurgeWebhook } from './web/purge-webhook.ts';

export const DATABASE_FILE = 'annalist.db';

export interface Site {
  storage: Storage;
  content: ContentDeps;
  mediaDir: string;
}

/**
 * Composition root: config -> database -> domain deps. The only place that picks the database: PostgreSQL
 * when a URL is given, else SQLite in the data folder.
 */
export async function openSite(dataDir: string, opts: { databaseUrl?: string } = {}): Promise<Site> {
  mkdirSync(dataDir, { recursive: true });
  let storage: Storage;
  if (opts.databaseUrl) {
    // The server arbitrates between processes and nodes: no write gate.
    storage = await openPostgresStorage(opts.databaseUrl);
  } else {
    storage = await openSqliteStorage(join(dataDir, DATABASE_FILE));
    // A cluster worker takes its turn to write from the primary rather than from SQLite's sleeping busy handler.
    const gate = clusterWriteGate();
    if (gate) setWriteGate(storage.db, gate);
  }
  const content: ContentDeps = {
    db: storage.db,
    clock: systemClock,
    search: storage.search,
    noteWrite: storage.noteWrite,
  };
  return { storage, content, mediaDir: join(dataDir, 'media') };
}

/**
 * The durable job worker (scheduled publishing) on the site's clock. Every committed write pokes it, so a new
 * schedule is seen at once: create it before building the app, start() it once listening, stop() it before the
 * database closes.
 */
export function createJobWorker(site: Site, log?: JobLog): JobWorker {
  const jobs = new JobWorker({ db: site.storage.db, clock: site.content.clock, log }).register(
    PUBLISH_POST,
    publishPostHandler(site.content),
  );
  const noteWrite = site.content.noteWrite;
  site.content.noteWrite = () => {
    noteWrite();
    jobs.poke();
  };
  return jobs;
}

/**
 * With REDIS_URL (decision 016): every committed write of this node is announced to the others (their page caches
 * start a new generation), and their announcements poke this node's job worker. Call before the app serves.
 */
export function shareSite(site: Site, shared: SharedState, jobs?: JobWorker): void {
  const noteWrite = site.content.noteWrite;
  site.content.noteWrite = () => {
    noteWrite();
    void shared.noteWrite();
  };
  if (jobs) shared.onRemoteWrite(() => jobs.poke());
}

/** With ANNALIST_PURGE_WEBHOOK: every committed write tells the CDN in front (at most once a second). */
function purgeOnWrite(
  site: Site,
  url: string,
  shared: SharedState | undefined,
  log: () => FastifyInstance['log'],
): PurgeWebhook {
  const purge = new PurgeWebhook({
    url,
    generation: () => shared?.generation() ?? site.storage.contentVersion(),
    log: { warn: (obj, msg) => log().warn(obj, msg) },
  });
  const noteWrite = site.content.noteWrite;
  site.content.noteWrite = () => {
    noteWrite();
    purge.changed();
  };
  return purge;
}

/** Opens the site (creating the demo on an empty data folder), builds the web app and listens. */
export async function startServer(config: Config): Promise<{ app: FastifyInstance; site: Site; url: string }> {
  // Redis first: a node that cannot reach it does not start at all, rather than start without sharing.
  const sharedLog: SharedStateLog & { to?: FastifyInstance['log'] } = {
    info: (msg) => sharedLog.to?.info(msg),
    warn: (msg) => sharedLog.to?.warn(msg),
  };
  const shared = config.redisUrl ? await openRedisSharedState(config.redisUrl, { log: sharedLog }) : undefined;
  let site: Site;
  try {
    site = await openSite(config.dataDir, { databaseUrl: config.databaseUrl });
  } catch (err) {
    await shared?.close();
    throw err;
  }
  if (await isDemoNeeded(site.content)) await seedDemoSite(site.content, { mediaDir: site.mediaDir });
  const jobs = createJobWorker(site, { error: (obj, msg) => app.log.error(obj, msg) });
  if (shared) shareSite(site, shared, jobs);
  // Every announcement of a write is wired before the app is built: the web layer's routes take copies of
  // site.content, and a wrapper installed later would miss them (moderation actions never reached the CDN).
  const purge = config.purgeWebhook ? purgeOnWrite(site, config.purgeWebhook, shared, () => app.log) : undefined;
  const app = buildApp({
    shared,
    content: site.content,
    contentVersion: site.storage.contentVersion,
    baseUrl: config.baseUrl,
    mediaDir: site.mediaDir,
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
  if (purge) app.addHook('onClose', () => purge.flush());
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
  await jobs.start(); // what fell due while the server was down runs now
  return { app, site, url: address };
}
