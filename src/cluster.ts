import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.ts';
import type { ContentDeps } from './modules/content/content.deps.ts';
import { isDemoNeeded, seedDemoSite } from './modules/demo/demo.service.ts';
import type { WriteGate } from './storage/write-gate.ts';

/**
 * `serve` with ANNALIST_WORKERS > 1: Node's cluster. The primary prepares the database once (migrations, the
 * demo on an empty folder), then forks the workers, which share the listening socket and the database file.
 * Everything they share goes through the database (SQLite in WAL mode, write transactions `begin immediate`):
 * page caches notice other processes' writes through PRAGMA data_version, form tokens are used up in the
 * database, the outbox and job claims are leases. What each process keeps to itself: the per-address
 * comment limit and the sign-in throttle, so with N workers an address gets up to N times their allowance.
 * With DATABASE_URL, `openSite` (passed in) opens PostgreSQL in the primary and in every worker, never the
 * SQLite file, and workers take no write gate (clusterWriteGate is used for SQLite only, in main.ts).
 */
export async function runPrimary(
  config: Config,
  openSite: (dir: string) => Promise<{ content: ContentDeps; mediaDir: string; close(): Promise<void> }>,
  /** Called once every worker listens, with the address they share. */
  onListening?: (url: string) => Promise<void>,
): Promise<void> {
  const site = await openSite(config.dataDir);
  try {
    if (await isDemoNeeded(site.content)) await seedDemoSite(site.content, { mediaDir: site.mediaDir });
  } finally {
    await site.close();
  }

  let stopping = false;
  let announced = false;
  const listening = new Set<number>();
  const restarts: number[] = [];

  const fork = () => cluster.fork({ ANNALIST_WORKER: '1' });

  // The write gate (see src/storage/write-gate.ts): whose turn it is, and who waits, first come first served.
  let holder: Worker | undefined;
  const waiting: Worker[] = [];
  const grantNext = () => {
    while (!holder && waiting.length > 0) {
      const next = waiting.shift()!;
      if (next.isDead() || !next.isConnected()) continue;
      holder = next;
      next.send(GATE_GRANTED);
    }
  };
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (message === GATE_ACQUIRE) {
      waiting.push(worker);
      grantNext();
    } else if (message === GATE_RELEASE && holder === worker) {
      holder = undefined;
      grantNext();
    }
  });
  cluster.on('listening', (worker: Worker, address) => {
    listening.add(worker.id);
    if (!announced && listening.size === config.workers) {
      announced = true;
      const host = address.address?.includes(':') ? `[${address.address}]` : (address.address ?? config.host);
      const url = `http://${host}:${address.port}`;
      process.stdout.write(`Annalist is serving ${config.dataDir} at ${url} with ${config.workers} processes\n`);
      onListening?.(url).catch((err: unknown) => process.stderr.write(`annalist: ${(err as Error).message}\n`));
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker.id);
    // A worker that died holding or awaiting the turn gives it up (its transaction died with it).
    if (holder === worker) holder = undefined;
    for (let i = waiting.length - 1; i >= 0; i--) if (waiting[i] === worker) waiting.splice(i, 1);
    grantNext();
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    // A worker that died is replaced; one that keeps dying (five times in a minute) stops the whole server.
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
    if (restarts.length > 5) {
      process.stderr.write(
        `annalist: worker processes keep exiting (last: code ${code}, signal ${signal}); stopping\n`,
      );
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
      process.exitCode = 1;
      return;
    }
    process.stderr.write(
      `annalist: worker ${worker.process.pid} exited (code ${code}, signal ${signal}); starting another\n`,
    );
    fork();
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w?.kill('SIGTERM');
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGKILL');
      process.exit(0);
    }, 10_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  for (let i = 0; i < config.workers; i++) fork();
}

const GATE_ACQUIRE = 'annalist:gate:acquire';
const GATE_RELEASE = 'annalist:gate:release';
const GATE_GRANTED = 'annalist:gate:granted';

/** How many of its own queued transactions a worker may run in one turn before it lets another worker write. */
const TURN_LENGTH = 8;

/**
 * In a cluster worker, the write gate: asks the primary for the turn and waits for it without blocking the
 * event loop. Transactions of this process queue here first, so only one asks the primary at a time; a worker
 * that has the turn and more transactions waiting runs up to TURN_LENGTH of them before handing it back, so the
 * round trip to the primary (and the wait for this event loop to get to a granted transaction) is paid once
 * for several commits.
 */
export function clusterWriteGate(): WriteGate | undefined {
  if (!cluster.isWorker) return undefined;
  const local: (() => void)[] = [];
  let busy = false; // a transaction of this process is running
  let holding = false; // this process has the turn from the primary
  let streak = 0;
  let granted: (() => void) | undefined;
  process.on('message', (message) => {
    if (message === GATE_GRANTED) {
      const g = granted;
      granted = undefined;
      g?.();
    }
  });
  const askPrimary = () =>
    new Promise<void>((resolve) => {
      granted = resolve;
      process.send?.(GATE_ACQUIRE);
    });
  return {
    async acquire() {
      if (busy) await new Promise<void>((resolve) => local.push(resolve));
      busy = true;
      if (!holding) {
        await askPrimary();
        holding = true;
        streak = 0;
      }
    },
    release() {
      streak++;
      const next = local.shift();
      if (next && streak < TURN_LENGTH) {
        next(); // keeps the turn: the next local transaction runs at once
        return;
      }
      holding = false;
      process.send?.(GATE_RELEASE);
      if (next) next();
      else busy = false;
    },
  };
}

export const isClusterPrimary = (config: Config) => config.workers > 1 && cluster.isPrimary;
export const isClusterWorker = () => cluster.isWorker;
