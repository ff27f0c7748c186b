import { createHash, randomBytes } from 'node:crypto';
import type { SharedPageEntry, SharedPageLookup, SharedPageStore } from '../shared-state.ts';
import type { ScriptedRedis } from './redis-scripts.ts';

/** A page view waits at most this long for Redis (a half-open connection must not hold readers up). */
const PAGE_WAIT_MS = 250;

/** `p`'s value, or undefined when it takes longer than PAGE_WAIT_MS. */
export async function bounded<T>(p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, PAGE_WAIT_MS, undefined);
  });
  try {
    return await Promise.race([p, slow]);
  } finally {
    clearTimeout(timer);
  }
}

/** The key a page that names none depends on: every change with keys drops it (as in the page cache). */
const ANY = '*';
/**
 * How many keys' last changes Redis remembers for the stores' check; past it the oldest are forgotten, and a store
 * looked up before the newest of them is refused (a bounded memory, at the price of a few pages not shared).
 */
const CHANGES_REMEMBERED = 10_000;
/** A change key as changes carry them (src/modules/shared/changes.ts); anything else counts as any change. */
const CHANGE_KEY = /^[\w:.-]+$/;

/** The names of the shared page cache's Redis keys. */
export interface PageCacheKeys {
  /** The shared generation: moved by every announced write. */
  generation: string;
  /** Moved (to a new random value) by a change of everything; pages and key sets live under it. */
  epoch: string;
  /** Sorted set: change key -> the generation of its last change. */
  changed: string;
  /** The newest generation `changed` has forgotten. */
  floor: string;
  /** + epoch + ':' + page hash: a hash with the page (`v`) and its keys (`k`). */
  pagePrefix: string;
  /** + epoch + ':' + change key: sorted set of the hashes of the pages depending on it (score: their expiry). */
  setPrefix: string;
}

export function pageCacheKeys(prefix: string): PageCacheKeys {
  return {
    generation: `${prefix}generation`,
    epoch: `${prefix}epoch`,
    changed: `${prefix}changed`,
    floor: `${prefix}changed-floor`,
    pagePrefix: `${prefix}shared-page:`,
    setPrefix: `${prefix}shared-key:`,
  };
}

/**
 * What an announced change drops (encoded as for Storage.noteWrite: keys joined by spaces, `*` everything, `~`
 * nothing readers see, a `!` prefix for a removal): the pages depending on its keys or on any change, or all.
 */
export function droppedBy(change: string): string[] | 'all' {
  const body = change.startsWith('!') ? change.slice(1) : change;
  if (body === '~') return [];
  const keys = body.split(' ');
  if (body === '*' || !keys.every((k) => CHANGE_KEY.test(k))) return 'all';
  return [...new Set([...keys, ANY])];
}

/** The arguments of the annalistAnnounce script for `change` made by `nodeId`. */
export function announceArgs(
  keys: PageCacheKeys,
  channel: string,
  nodeId: string,
  change: string,
): (string | number)[] {
  const dropped = droppedBy(change);
  const all = dropped === 'all';
  return [
    ...[keys.generation, keys.epoch, keys.changed, keys.floor],
    ...[channel, nodeId, change, keys.pagePrefix, keys.setPrefix],
    ...[all ? randomBytes(9).toString('base64url') : '', all ? '1' : '0', CHANGES_REMEMBERED],
    ...(all ? [] : dropped),
  ];
}

/** A page's keys as stored: one that a change could not name counts as any change. */
function storedKeys(dependsOn: readonly string[]): string[] {
  return [...new Set(dependsOn.map((k) => (CHANGE_KEY.test(k) ? k : ANY)))];
}

const hashOf = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 32);

/**
 * The second-level page cache in Redis (decision 016, amended): each page with the change keys it depends on, and
 * per key a set of the pages depending on it, so an announced change (annalistAnnounce) drops exactly those.
 */
export class RedisPageStore implements SharedPageStore {
  private readonly storing = new Set<Promise<void>>();

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: PageCacheKeys,
  ) {}

  async lookup(key: string): Promise<SharedPageLookup | undefined> {
    if (this.redis.status !== 'ready') return undefined;
    const k = this.keys;
    try {
      const found = await bounded(
        this.redis.annalistPageLookupBuffer(k.generation, k.epoch, k.pagePrefix, k.setPrefix, hashOf(key)),
      );
      if (!found) return undefined;
      return { mark: { generation: found[0].toString(), epoch: found[1].toString() }, value: found[2] ?? undefined };
    } catch {
      return undefined;
    }
  }

  store(entry: SharedPageEntry): Promise<void> {
    if (this.redis.status !== 'ready' || entry.ttlMs < 1) return Promise.resolve();
    const k = this.keys;
    const p = this.redis
      .annalistPageStore(
        ...[k.generation, k.epoch, k.changed, k.floor, k.pagePrefix, k.setPrefix, hashOf(entry.key)],
        ...[entry.mark.generation, entry.mark.epoch, entry.value, Math.ceil(entry.ttlMs)],
        ...storedKeys(entry.dependsOn),
      )
      .then(() => {})
      .catch(() => {
        // The cache is an optimisation: a failed store is a later miss.
      })
      .finally(() => this.storing.delete(p));
    this.storing.add(p);
    return p;
  }

  async settled(): Promise<void> {
    await Promise.all([...this.storing]);
  }
}
