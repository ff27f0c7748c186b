import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { ContentDeps } from './modules/content/content.deps.ts';
import { isDemoNeeded, seedDemoSite } from './modules/demo/demo.service.ts';
import { createSmtpMailer } from './modules/notifications/mailer.ts';
import { startOutboxWorker } from './modules/notifications/outbox.ts';
import { systemClock } from './modules/shared/clock.ts';
import { openSqliteStorage } from './storage/sqlite/open-sqlite.ts';
import type { Storage } from './storage/storage.ts';
import { buildApp } from './web/app.ts';

export const DATABASE_FILE = 'annalist.db';

export interface Site {
  storage: Storage;
  content: ContentDeps;
  mediaDir: string;
}

/** Composition root: config -> database -> domain deps. The only place that picks the database. */
export async function openSite(dataDir: string): Promise<Site> {
  mkdirSync(dataDir, { recursive: true });
  const storage = await openSqliteStorage(join(dataDir, DATABASE_FILE));
  const content: ContentDeps = {
    db: storage.db,
    clock: systemClock,
    search: storage.search,
    noteWrite: storage.noteWrite,
  };
  return { storage, content, mediaDir: join(dataDir, 'media') };
}

/** Opens the site (creating the demo on an empty data folder), builds the web app and listens. */
export async function startServer(config: Config): Promise<{ app: FastifyInstance; site: Site; url: string }> {
  const site = await openSite(config.dataDir);
  if (await isDemoNeeded(site.content)) await seedDemoSite(site.content, { mediaDir: site.mediaDir });
  const app = buildApp({
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
  const address = await app.listen({ host: config.host, port: config.port });
  return { app, site, url: address };
}
