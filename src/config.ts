import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

/** Settings read once from the environment, checked, and typed. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /**
   * Where scheduled backups and "Back up now" write (ANNALIST_BACKUP_DIR or --backup-dir, absolute once read);
   * undefined: `<data dir>/backups`. The operator's choice: no admin form can change it (docs/backups.md).
   */
  backupDir?: string;
  /** Absolute origin used in feeds, sitemaps and canonical links. */
  baseUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Keep rendered pages for anonymous readers (ANNALIST_PAGE_CACHE=off turns it off, e.g. to benchmark rendering). */
  pageCache: boolean;
  /**
   * Which proxies to believe about the reader's address (X-Forwarded-For): false (none, the default), true
   * (any), a hop count, or addresses/CIDRs. Behind nginx on the same machine: ANNALIST_TRUST_PROXY=loopback.
   */
  trustProxy: boolean | number | string;
  /** SMTP server for the mail outbox (SMTP_URL, e.g. smtp://127.0.0.1:2525); unset: mail waits in the outbox. */
  smtpUrl?: string;
  /** From address of outgoing mail (MAIL_FROM). */
  mailFrom: string;
  /** App processes sharing the port and the database (ANNALIST_WORKERS: a number, or "auto" for one per core). */
  workers: number;
  /** PostgreSQL instead of SQLite in the data folder (DATABASE_URL, postgres://user:password@host:port/database). */
  databaseUrl?: string;
  /** Redis shared by every app node (REDIS_URL, redis:// or rediss://): page cache, invalidation, rate limits. */
  redisUrl?: string;
  /** Told (POST, JSON) after content changes so a CDN in front can purge (ANNALIST_PURGE_WEBHOOK, http(s)). */
  purgeWebhook?: string;
  /**
   * How long a cached page whose content changed may still be served while one request renders it again
   * (ANNALIST_STALE_MAX, seconds, default 1; 0: never). Never after a removal, never to the writer.
   */
  staleMaxMs: number;
  /**
   * How long a CDN or proxy in front may keep a page (s-maxage; ANNALIST_CDN_MAX_AGE, seconds): default 1, or 3600
   * with ANNALIST_PURGE_WEBHOOK (the CDN is then told what changed).
   */
  cdnMaxAgeS: number;
}

export class ConfigError extends Error {}

export function readConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const host = overrides.host ?? env.HOST ?? '127.0.0.1';
  const portText = env.PORT ?? '3000';
  const port = overrides.port ?? Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be a whole number from 0 to 65535, not "${portText}"`);
  const dataDir = resolve(overrides.dataDir ?? env.ANNALIST_DATA_DIR ?? './data');
  const backupText = overrides.backupDir ?? (env.ANNALIST_BACKUP_DIR?.trim() || undefined);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (backupText !== undefined && /[\u0000-\u001f\u007f]/.test(backupText))
    throw new ConfigError('ANNALIST_BACKUP_DIR must be a folder path without control characters');
  const backupDir = backupText === undefined ? undefined : resolve(backupText);
  const rawBase =
    overrides.baseUrl ?? env.ANNALIST_BASE_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let baseUrl: string;
  try {
    const u = new URL(rawBase);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    baseUrl = u.origin + u.pathname.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`ANNALIST_BASE_URL must be an http(s) URL such as https://history.example, not "${rawBase}"`);
  }
  const logLevel = (overrides.logLevel ?? env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'silent'].includes(logLevel))
    throw new ConfigError(`LOG_LEVEL "${logLevel}" is not one of fatal, error, warn, info, debug, silent`);
  const cacheText = (env.ANNALIST_PAGE_CACHE ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(cacheText))
    throw new ConfigError(`ANNALIST_PAGE_CACHE must be "on" or "off", not "${cacheText}"`);
  const smtpUrl = overrides.smtpUrl ?? (env.SMTP_URL || undefined);
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]/.test(smtpUrl))
    throw new ConfigError('SMTP_URL must be an smtp:// or smtps:// URL such as smtp://127.0.0.1:2525');
  const mailFrom = overrides.mailFrom ?? env.MAIL_FROM ?? 'Annalist <noreply@localhost>';
  const pageCache = overrides.pageCache ?? cacheText === 'on';
  const proxyText = (env.ANNALIST_TRUST_PROXY ?? 'off').trim();
  const trustProxy =
    proxyText === 'off' || proxyText === ''
      ? false
      : proxyText === 'all'
        ? true
        : /^\d{1,2}$/.test(proxyText)
          ? Number(proxyText)
          : proxyText;
  const workersText = (env.ANNALIST_WORKERS ?? '1').trim().toLowerCase();
  const workers = overrides.workers ?? (workersText === 'auto' ? availableParallelism() : Number(workersText));
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new ConfigError(`ANNALIST_WORKERS must be a whole number from 1 to 64, or "auto", not "${workersText}"`);
  const databaseUrl = overrides.databaseUrl ?? (env.DATABASE_URL?.trim() || undefined);
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl))
    // Never echo the value: it may carry a password.
    throw new ConfigError(
      'DATABASE_URL must be a postgres:// or postgresql:// URL such as postgres://annalist:secret@127.0.0.1:5432/annalist',
    );
  const redisUrl = overrides.redisUrl ?? (env.REDIS_URL?.trim() || undefined);
  if (redisUrl !== undefined && !isUrlOf(redisUrl, ['redis:', 'rediss:']))
    // Never echo the value: it may carry a password.
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379');
  const purgeWebhook = overrides.purgeWebhook ?? (env.ANNALIST_PURGE_WEBHOOK?.trim() || undefined);
  if (purgeWebhook !== undefined && !isUrlOf(purgeWebhook, ['http:', 'https:']))
    throw new ConfigError(
      'ANNALIST_PURGE_WEBHOOK must be an http:// or https:// URL such as https://cdn.example/purge',
    );
  const staleMaxMs = overrides.staleMaxMs ?? seconds(env.ANNALIST_STALE_MAX, 'ANNALIST_STALE_MAX', 1, 60) * 1000;
  const cdnMaxAgeS =
    overrides.cdnMaxAgeS ??
    Math.round(seconds(env.ANNALIST_CDN_MAX_AGE, 'ANNALIST_CDN_MAX_AGE', purgeWebhook ? 3600 : 1, 31_536_000));
  return {
    host,
    port,
    dataDir,
    backupDir,
    baseUrl,
    logLevel,
    pageCache,
    smtpUrl,
    mailFrom,
    trustProxy,
    workers,
    databaseUrl,
    redisUrl,
    purgeWebhook,
    staleMaxMs,
    cdnMaxAgeS,
  };
}

/** A number of seconds from 0 to `max` (decimals allowed), `fallback` when unset. */
function seconds(text: string | undefined, name: string, fallback: number, max: number): number {
  const t = text?.trim();
  if (t === undefined || t === '') return fallback;
  const n = Number(t);
  if (!/^\d+(\.\d+)?$/.test(t) || !(n <= max))
    throw new ConfigError(
      `${name} must be a number of seconds from 0 to ${max}, such as 1 or 0.5, not "${t.slice(0, 40)}"`,
    );
  return n;
}

function isUrlOf(text: string, protocols: string[]): boolean {
  try {
    const u = new URL(text);
    return protocols.includes(u.protocol) && u.hostname !== '';
  } catch {
    return false;
  }
}

function isPostgresUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (
      (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && (u.hostname !== '' || u.searchParams.has('host'))
    );
  } catch {
    return false;
  }
}
