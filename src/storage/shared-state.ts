/**
 * State that several app nodes share when REDIS_URL is set (decision 016). The domain and the web layer see only
 * these small interfaces; src/storage/redis/ implements them with ioredis, and without Redis each node keeps its
 * own (MemoryRateLimiter, no second-level cache). The database stays the only place an acknowledged write lives.
 */

/** Attempts per key counted over a sliding window. `now` is milliseconds on the app's clock. */
export interface RateLimiter {
  /** Records one attempt on `key`; says how many fall within the window, this one included. */
  hit(key: string, windowMs: number, now: number): Promise<RateCount>;
  /** How many attempts on `key` fall within the window, recording nothing. */
  count(key: string, windowMs: number, now: number): Promise<number>;
  /** Forgets every attempt on `key`. */
  reset(key: string): Promise<void>;
}

export interface RateCount {
  count: number;
  /** When the oldest attempt in the window leaves it (0 when none is left). */
  retryAfterMs: number;
}

/**
 * Where the shared (second-level) page cache stood when a page was looked up: the shared generation every node
 * agrees on (a counter moved by every write) and the epoch (moved only by a change of everything). A store hands
 * it back, so a page rendered before a change of one of its keys is never shared.
 */
export interface SharedPageMark {
  generation: string;
  epoch: string;
}

/** A rendered response in the shared page cache, found together with the mark a store of it must carry. */
export interface SharedPageLookup {
  mark: SharedPageMark;
  value?: Buffer;
}

/** A page to share: its bytes under the request key, and the change keys it was built from. */
export interface SharedPageEntry {
  /** What lookup() answered when the request began. */
  mark: SharedPageMark;
  /** The request key (the URL). */
  key: string;
  value: Buffer;
  /** The change keys the page depends on (src/modules/shared/changes.ts); `*`: any change. */
  dependsOn: readonly string[];
  ttlMs: number;
}

/**
 * Bytes per request key, each with the change keys it depends on: an announced change drops exactly the pages
 * depending on one of its keys (a change of everything, all of them). Lookups never throw: an unreachable store is
 * a miss.
 */
export interface SharedPageStore {
  /** The current mark and the entry kept for `key`, in one round trip; undefined if unreachable. */
  lookup(key: string): Promise<SharedPageLookup | undefined>;
  /** Keeps the entry for `ttlMs` unless one of its keys changed since its mark (then nothing). Never throws. */
  store(entry: SharedPageEntry): Promise<void>;
  /** Resolves when every store started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
}

/** What an app node shares with the others. */
export interface SharedState {
  limiter: RateLimiter;
  pages: SharedPageStore;
  /**
   * Cheap and synchronous, like Storage.contentVersion: the shared generation as last seen (moved by every
   * node's writes, learnt by message or by refresh()), and a new value when the connection comes back after a
   * loss (invalidations may have been missed meanwhile).
   */
  contentVersion(): string;
  /**
   * Reads the shared generation from Redis (one GET, bounded wait, never throws), so a write acknowledged by any
   * node is seen by this node's next request, before a message about it may have arrived.
   */
  refresh(): Promise<void>;
  /**
   * Whether a page view must refresh() before trusting this node's caches: while this node may miss announcements
   * (not subscribed yet, or the subscription is down), or when the reader carries the shared generation of a write
   * of their own (`seen`, see src/web/kit/shared-pages.ts) that this node has not reached yet. Everyone else relies on
   * the announcements (decision 018). Cheap and synchronous.
   */
  mustRefresh(seen: string | undefined): boolean;
  /**
   * Announces a committed write of this node to every node: moves the shared generation, drops the shared pages
   * that depend on what `change` names (encoded as for Storage.noteWrite; everything: all of them) and publishes
   * it, at once. Never throws; the returned promise settles once Redis has it or has failed.
   */
  noteWrite(change?: string): Promise<void>;
  /**
   * Synchronous: the encoded changes other nodes announced since the last call (`*` for a message missed or a
   * subscription lost meanwhile). Every call drains them.
   */
  remoteChanges(): string[];
  /** Resolves when every announcement started so far has settled (so an acknowledged write is announced). */
  settled(): Promise<void>;
  /** Called when another node announced a write (e.g. to poke the job worker). */
  onRemoteWrite(fn: () => void): void;
  /** The shared generation last seen by this node (for the purge webhook). */
  generation(): string;
  available(): boolean;
  close(): Promise<void>;
}

/** A shared-state call failed because Redis cannot be reached; the web layer answers SHARED_STATE_UNAVAILABLE. */
export class SharedStateUnavailableError extends Error {
  constructor(message = 'Redis cannot be reached', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SharedStateUnavailableError';
  }
}

/** REDIS_URL is set but Redis cannot be used at start: one line, and the node does not start. */
export class SharedStateOpenError extends Error {
  readonly code = 'REDIS_UNREACHABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SharedStateOpenError';
  }
}
