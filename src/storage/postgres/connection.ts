import pg from 'pg';
import { NODE_NAME_PREFIX } from '../migrations/commit-marker.ts';
import { StorageOpenError } from '../storage.ts';

const INT8 = 20;
const NUMERIC = 1700;

/**
 * count(*), sum() and bigint columns come back from pg as strings (int8 may exceed 2^53); every such value
 * Annalist reads is a count or an id far below that, and the SQLite side returns numbers, so both are parsed
 * as JS numbers here. Times are ISO text columns (decision 002): nothing to convert.
 */
export const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** What to call the server in messages: host:port/database, never the user's password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres';
    return `${host}:${u.port || '5432'}/${db}`;
  } catch {
    return 'the DATABASE_URL server';
  }
}

/**
 * The pg connection settings for `url`: loopback-friendly timeouts so a dead server fails fast, not slowly, and the
 * connection named `annalist:<node>` (application_name), which the commit markers name the writer by (decision
 * 049). An application_name in the URL would win over ours, so it is left out.
 */
export function connectionConfig(url: string, node: string): pg.ClientConfig {
  return {
    connectionString: withoutApplicationName(url),
    application_name: `${NODE_NAME_PREFIX}${node}`,
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    types: PG_TYPES,
  };
}

/** `url` without an application_name parameter (rewritten only when it has one). */
function withoutApplicationName(url: string): string {
  if (!/[?&]application_name=/.test(url)) return url;
  try {
    const u = new URL(url);
    u.searchParams.delete('application_name');
    return u.toString();
  } catch {
    return url;
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is PostgreSQL running and listening there?',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ECONNRESET: 'the server closed the connection',
  '28P01': 'the password or user name in DATABASE_URL was refused',
  '28000': 'the server does not let this user connect (pg_hba.conf)',
  '3D000': 'the database does not exist: create it (createdb) or fix DATABASE_URL',
  '57P03': 'the server is starting up or shutting down: try again in a moment',
  '53300': 'the server has too many connections',
};

/** Turns a failure to connect into the one line an operator can act on (never containing the password). */
export function unreachableError(url: string, err: unknown): StorageOpenError {
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = String((err as Error)?.message ?? err);
  const timeout = /timeout/i.test(message) ? 'the connection timed out' : undefined;
  const reason = REASONS[code] ?? timeout ?? message.split('\n')[0] ?? 'unknown error';
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {}
  const safe = password ? reason.replaceAll(password, '***') : reason;
  return new StorageOpenError(
    'DATABASE_UNREACHABLE',
    `cannot use PostgreSQL at ${describeDatabaseUrl(url)} (${safe})`,
    {
      cause: err,
    },
  );
}
