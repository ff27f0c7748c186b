import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * Throwaway PostgreSQL for tests: a cluster in a temp folder on a free loopback port, and fresh databases in it.
 * Nothing here is for production: fsync is off and anyone on loopback may connect as `postgres` without a password.
 */

const run = promisify(execFile);

export interface TestPostgres {
  /** A superuser URL (database `postgres`) of the throwaway cluster. */
  url: string;
  stop(): Promise<void>;
}

/** The folder holding initdb/pg_ctl/postgres: PATH first, then the highest /usr/lib/postgresql/<version>/bin. */
export function findPostgresBin(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  if (!versions[0]) throw new Error('PostgreSQL is not installed: no initdb on PATH or in /usr/lib/postgresql/*/bin');
  return join(base, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** initdb and postgres refuse to run as root: run them as the `postgres` system user when we are root. */
function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function hasLocale(name: string): boolean {
  try {
    return readdirSync('/usr/lib/locale').some((l) => l.toLowerCase() === name.toLowerCase()) || name === 'C';
  } catch {
    return name === 'C';
  }
}

// Clusters this process started, stopped at exit even when a test run crashes (an exit handler must be sync).
const running = new Map<string, number | undefined>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const [dir, pid] of running) killNow(dir, pid);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const [dir, pid] of running) killNow(dir, pid);
      running.clear();
      process.kill(process.pid, signal);
    });
  }
}

function killNow(dir: string, pid: number | undefined): void {
  // SIGQUIT = immediate shutdown; the data is thrown away anyway.
  if (pid) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a throwaway PostgreSQL cluster (initdb in a temp folder, C collation like SQLite's binary order, UTF-8,
 * trust auth, loopback only, fsync off) and waits until it accepts connections. stop() shuts it down and
 * removes the folder; a cluster still running when the process exits is killed then.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'annalist-pg-'));
  hookExit();
  running.set(dir, undefined);
  const dataDir = join(dir, 'data');
  try {
    if (process.getuid?.() === 0) {
      const { uid, gid } = await postgresIds();
      chownSync(dir, uid, gid);
    }
    const ctype = hasLocale('C.utf8') ? 'C.UTF-8' : 'C';
    await run(
      ...asPostgresUser(join(bin, 'initdb'), [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '--auth=trust',
        '--encoding=UTF8',
        '--lc-collate=C',
        `--lc-ctype=${ctype}`,
        '--lc-messages=C',
        '--no-sync',
      ]),
    );
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const options = [
        `-p ${port}`,
        "-c listen_addresses='127.0.0.1'",
        `-c unix_socket_directories='${dir}'`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        '-c shared_buffers=64MB',
      ].join(' ');
      try {
        await run(
          ...asPostgresUser(join(bin, 'pg_ctl'), [
            'start',
            '-w',
            '-t',
            '60',
            '-D',
            dataDir,
            '-l',
            join(dir, 'postgres.log'),
            '-o',
            options,
          ]),
        );
        running.set(dir, postmasterPid(dataDir));
        const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
        await waitForConnections(url);
        return {
          url,
          async stop() {
            if (!running.has(dir)) return;
            try {
              await run(...asPostgresUser(join(bin, 'pg_ctl'), ['stop', '-m', 'fast', '-w', '-D', dataDir]));
            } catch {
              killNow(dir, postmasterPid(dataDir));
            }
            running.delete(dir);
            rmSync(dir, { recursive: true, force: true });
          },
        };
      } catch (error) {
        lastError = error; // most likely the port was taken between freePort() and the start: try another
      }
    }
    throw lastError;
  } catch (error) {
    killNow(dir, postmasterPid(dataDir));
    running.delete(dir);
    const log = existsSync(join(dir, 'postgres.log')) ? readFileSync(join(dir, 'postgres.log'), 'utf8') : '';
    throw new Error(`could not start a test PostgreSQL: ${(error as Error).message}\n${log}`, { cause: error });
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function waitForConnections(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const TEMPLATE = 'annalist_template';

/**
 * The migrated template every test database is copied from (CREATE DATABASE … TEMPLATE is a file copy, much
 * faster than running the migrations each time). Built once per cluster by whichever process comes first: it is
 * migrated under a private name and renamed, so concurrent test processes never see a half-migrated template.
 * Undefined when the PostgreSQL storage cannot be loaded (then databases start empty and openSite migrates).
 */
async function ensureTemplate(client: pg.Client, adminUrl: string): Promise<string | undefined> {
  const exists = await client.query('select 1 from pg_database where datname = $1', [TEMPLATE]);
  if (exists.rowCount) return TEMPLATE;
  let openPostgresStorage: ((url: string) => Promise<{ close(): Promise<void> }>) | undefined;
  try {
    ({ openPostgresStorage } = await import('../../src/storage/postgres/open-postgres.ts'));
  } catch {
    return undefined;
  }
  if (!openPostgresStorage) return undefined;
  const building = `annalist_template_${process.pid}_${randomBytes(4).toString('hex')}`;
  await client.query(`create database "${building}"`);
  try {
    const storage = await openPostgresStorage(databaseUrl(adminUrl, building));
    await storage.close();
    await client.query(`alter database "${building}" rename to ${TEMPLATE}`);
  } catch (error) {
    await client.query(`drop database if exists "${building}" with (force)`);
    // Another process renamed its template first: use that one.
    const now = await client.query('select 1 from pg_database where datname = $1', [TEMPLATE]);
    if (now.rowCount) return TEMPLATE;
    throw error;
  }
  return TEMPLATE;
}

/**
 * A fresh database in the cluster of `adminUrl`; returns its URL. Migrated and empty, or a copy of `template`
 * (a database name from `buildTemplateDatabase`).
 */
export async function createTestDatabase(adminUrl: string, template?: string): Promise<string> {
  const name = `annalist_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, async (client) => {
    const from = template ?? (await ensureTemplate(client, adminUrl));
    await client.query(from ? `create database "${name}" template "${from}"` : `create database "${name}"`);
  });
  return databaseUrl(adminUrl, name);
}

/**
 * A template database named `name`, made once per cluster by whichever process comes first: `fill` writes it (given
 * its URL) under a private name, which is then renamed, so no process copies a half-made template. Returns `name`.
 */
export async function buildTemplateDatabase(
  adminUrl: string,
  name: string,
  fill: (url: string) => Promise<void>,
): Promise<string> {
  const exists = () =>
    withAdmin(adminUrl, async (c) =>
      Boolean((await c.query('select 1 from pg_database where datname = $1', [name])).rowCount),
    );
  if (await exists()) return name;
  const building = await createTestDatabase(adminUrl);
  const buildingName = new URL(building).pathname.slice(1);
  try {
    await fill(building);
    await withAdmin(adminUrl, (c) => c.query(`alter database "${buildingName}" rename to "${name}"`));
  } catch (error) {
    await dropTestDatabase(adminUrl, building);
    if (await exists()) return name; // another process renamed its copy first
    throw error;
  }
  return name;
}

/** Drops a database made by createTestDatabase, closing any connection still open to it. */
export async function dropTestDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^annalist_test_\w+$/.test(name)) throw new Error(`not a test database: ${name}`);
  await withAdmin(adminUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
}
