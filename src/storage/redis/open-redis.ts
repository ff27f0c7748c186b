import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { type SharedState, SharedStateOpenError } from '../shared-state.ts';
import { announceArgs, bounded, pageCacheKeys, RedisPageStore } from './redis-pages.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';
import { defineScripts, type ScriptedRedis } from './redis-scripts.ts';

export interface SharedStateLog {
  info(msg: string): void;
  warn(msg: string): void;
}

const KEY_PREFIX = 'annalist:';
const EVERYTHING = '*';
/** Heard changes kept until the next remoteChanges(); past this, they collapse into "everything". */
const MAX_HEARD = 1000;

/** host:port of a Redis URL, for messages: never the password. */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'the REDIS_URL address';
  }
}

/**
 * Connects to Redis and returns the state this node shares with the others. Unreachable at start is a
 * SharedStateOpenError (one line naming host:port), so a node never starts half-shared. Once started, ioredis
 * reconnects on its own; while it is away, limits throw SharedStateUnavailableError, page lookups miss, and when
 * it is back the node's contentVersion() moves once (it may have missed invalidations).
 */
export async function openRedisSharedState(
  url: string,
  opts: { log?: SharedStateLog; connectTimeoutMs?: number } = {},
): Promise<SharedState> {
  const log = opts.log ?? { info: () => {}, warn: () => {} };
  const address = redisAddress(url);
  let started = false;
  let closing = false;
  const options = {
    lazyConnect: true,
    // A command while disconnected fails at once (the request answers 503 or renders) instead of waiting.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: opts.connectTimeoutMs ?? 3000,
    commandTimeout: 2000,
    // No retries before the first connection: a node that cannot reach Redis at start does not start.
    retryStrategy: (times: number) => (started && !closing ? Math.min(times * 100, 2000) : null),
  };
  const cmd: ScriptedRedis = defineScripts(new Redis(url, options));
  const sub = new Redis(url, { ...options, enableOfflineQueue: true });
  let lost = false;
  let lastError: Error | undefined;
  cmd.on('error', (err: Error) => {
    // Kept for the start-up message; afterwards the 'close'/'ready' handlers say what matters.
    lastError = err;
  });
  sub.on('error', () => {});
  const nodeId = randomBytes(8).toString('hex');
  const channel = `${KEY_PREFIX}content`;
  const cacheKeys = pageCacheKeys(KEY_PREFIX);
  const genKey = cacheKeys.generation;
  let reconnects = 0;
  let lastGeneration = '0';
  const remoteListeners: (() => void)[] = [];
  const pending = new Set<Promise<void>>();

  // What other nodes announced, for remoteChanges(); `heard` is the generation of the last message, so a gap
  // (a message missed) or a generation learnt by refresh() that no message has brought yet is "everything".
  let changes: string[] = [];
  let heard = 0;
  const hear = (change: string) => {
    changes = changes.length >= MAX_HEARD ? [EVERYTHING] : [...changes, change];
  };
  const heardUpTo: { generation: number; resolve: () => void }[] = [];
  const onHeard = (generation: number) => {
    if (heard > 0 && generation > heard + 1) hear(EVERYTHING);
    heard = Math.max(heard, generation);
    for (const w of heardUpTo.filter((x) => x.generation <= heard)) w.resolve();
  };
  /** Waits (bounded) until the messages up to `generation` have arrived; else everything may have changed. */
  const catchUp = async (generation: number) => {
    if (heard >= generation) return;
    const waiter = { generation, resolve: () => {} };
    const arrived = await bounded(
      new Promise<true>((resolve) => {
        waiter.resolve = () => resolve(true);
        heardUpTo.push(waiter);
      }),
    );
    heardUpTo.splice(heardUpTo.indexOf(waiter), 1);
    if (!arrived) {
      hear(EVERYTHING);
      heard = Math.max(heard, generation);
    }
  };

  const announce = (change = EVERYTHING): Promise<void> => {
    const p = cmd
      .annalistAnnounce(...announceArgs(cacheKeys, channel, nodeId, change))
      .then((g) => {
        lastGeneration = String(g);
      })
      .catch(() => {
        // Redis is away: the other nodes drop their first-level caches when it is back (see 'ready').
      })
      .finally(() => pending.delete(p));
    pending.add(p);
    return p;
  };

  // Until the subscription is confirmed (at start, after a loss) announcements may be missed: every page view
  // then reads the generation itself (mustRefresh).
  let subscribed = false;
  sub.on('close', () => {
    subscribed = false;
  });
  /** After a loss: ioredis subscribes again by itself; confirm it, then read what was announced meanwhile. */
  const confirmSubscription = () => {
    if (!started || closing || subscribed || sub.status !== 'ready' || cmd.status !== 'ready') return;
    sub
      .subscribe(channel)
      .then(() => cmd.get(genKey))
      .then((g) => {
        if (g) lastGeneration = g;
        // Messages sent while unsubscribed are lost.
        hear(EVERYTHING);
        heard = Math.max(heard, Number(g) || 0);
        subscribed = sub.status === 'ready';
      })
      .catch(() => {
        // Still away: page views keep refreshing; the next 'ready' of either connection tries again.
      });
  };
  sub.on('ready', confirmSubscription);
  cmd.on('close', () => {
    if (closing || lost || !started) return;
    lost = true;
    log.warn(
      `Redis at ${address} is unreachable: page views render without the shared cache, rate-limited posts answer 503, reconnecting`,
    );
  });
  cmd.on('ready', () => {
    if (!lost) return;
    lost = false;
    reconnects++;
    log.info(`Redis at ${address} is back: dropping this node's page cache once and moving the shared generation`);
    // Writes made while Redis was away were never announced: move the generation so nobody serves what is stale.
    void announce();
    confirmSubscription();
  });
  sub.on('message', (_channel: string, message: string) => {
    const [from, gen, ...rest] = message.split(' ');
    if (gen) lastGeneration = gen;
    if (from !== nodeId) hear(rest.length > 0 ? rest.join(' ') : EVERYTHING);
    onHeard(Number(gen) || 0);
    if (from === nodeId) return;
    for (const fn of remoteListeners) fn();
  });
  let connected = false;
  try {
    await Promise.all([cmd.connect(), sub.connect()]);
    connected = true;
    // A wrong or missing password shows here, at the first command, not at connect.
    await cmd.get(genKey);
    // Subscribe first, then read the generation: no announcement falls between the two.
    await sub.subscribe(channel);
    lastGeneration = (await cmd.get(genKey)) ?? '0';
    heard = Number(lastGeneration) || 0;
    subscribed = true;
  } catch (err) {
    cmd.disconnect();
    sub.disconnect();
    const cause = lastError ?? err;
    const reason = cause instanceof Error ? cause.message.replace(/\s+/g, ' ').slice(0, 120) : String(cause);
    const what = connected || /WRONGPASS|NOAUTH|NOPERM/.test(reason) ? 'Redis refused Annalist' : 'cannot reach Redis';
    throw new SharedStateOpenError(`REDIS_URL: ${what} at ${address} (${reason})`, { cause: err });
  }
  started = true;

  return {
    limiter: new RedisRateLimiter(cmd, KEY_PREFIX),
    pages: new RedisPageStore(cmd, cacheKeys),
    contentVersion: () => `${lastGeneration}.${reconnects}`,
    async refresh() {
      if (cmd.status !== 'ready') return;
      try {
        // A slow answer leaves the version as the messages left it.
        const g = await bounded(cmd.get(genKey));
        if (g) {
          lastGeneration = g;
          // What the writes up to there changed comes by message, usually at once.
          await catchUp(Number(g) || 0);
        }
      } catch {
        // Unreachable: pages are served by what this node knows (the messages, its own database version).
      }
    },
    mustRefresh(seen) {
      if (cmd.status !== 'ready') return false; // refresh() could not ask anyway
      // A generation this node has not reached (numbers; a counter reset by a Redis restart only costs refreshes).
      return !subscribed || (seen !== undefined && !(Number(seen) <= Number(lastGeneration)));
    },
    noteWrite: announce,
    remoteChanges() {
      if (changes.length === 0) return [];
      const taken = changes;
      changes = [];
      return taken;
    },
    async settled() {
      await Promise.all([...pending]);
    },
    onRemoteWrite(fn) {
      remoteListeners.push(fn);
    },
    generation: () => lastGeneration,
    available: () => cmd.status === 'ready',
    async close() {
      closing = true;
      await Promise.all([...pending]);
      await Promise.allSettled([cmd, sub].map(async (c) => c.quit()));
      cmd.disconnect();
      sub.disconnect();
    },
  };
}
