import type { Change } from '../../modules/shared/changes.ts';
import { ANY_CHANGE } from './page-cache.ts';

export interface PurgeLog {
  warn(obj: object, msg: string): void;
}

/** Past this many keys or paths in one batch, the CDN is told to drop everything instead. */
const MAX_LISTED = 1000;

/** What one purge request says: exact keys and paths, or everything. */
export type PurgeBody =
  | { keys: string[]; paths: string[]; removal: boolean; generation: string }
  | { paths: 'all'; generation: string };

/**
 * Tells a CDN in front what changed (ANNALIST_PURGE_WEBHOOK, issue 14): a POST with JSON `{ "keys": [...],
 * "paths": [...], "removal": bool, "generation": "…" }` — the surrogate keys (the `Surrogate-Key`/`Cache-Tag`
 * headers of the pages) of every change since the last request, and the paths of this node's cached pages that
 * depend on them — or `{ "paths": "all", … }` when a change named no keys. Changes are batched: at most one
 * request per `intervalMs`, sent after the last change of a burst has had time to settle, never while a request is
 * answering a reader; a failure (or a 2 s timeout) is logged and forgotten. The URL is the operator's own setting,
 * so it may point anywhere, loopback included.
 */
export class PurgeWebhook {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastSent = 0;
  private keys = new Set<string>();
  private paths = new Set<string>();
  private all = false;
  private removal = false;

  constructor(
    private readonly opts: {
      url: string;
      /** The generation to report (the shared one with Redis, else this node's content version). */
      generation: () => string;
      /** The paths of the pages this node keeps that depend on one of the keys. */
      pathsFor: (keys: readonly string[]) => string[];
      log: PurgeLog;
      intervalMs?: number;
      timeoutMs?: number;
    },
  ) {}

  /** Content changed: a purge follows within intervalMs. */
  changed(change: Change): void {
    this.note(change);
    if (this.timer) return;
    const interval = this.opts.intervalMs ?? 1000;
    const wait = Math.max(50, this.lastSent + interval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastSent = Date.now();
      this.inFlight = this.send().finally(() => {
        this.inFlight = undefined;
      });
    }, wait);
    this.timer.unref();
  }

  /** Sends what is pending now and waits for it (on shutdown). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.send();
    }
    await this.inFlight;
  }

  private note(change: Change): void {
    if (change.keys === 'all') {
      this.all = true;
      return;
    }
    if (change.removal) this.removal = true;
    // Pages that named nothing depend on any change: they carry the key `*`, purged with every change.
    for (const key of [...change.keys, ANY_CHANGE]) this.keys.add(key);
    for (const path of this.opts.pathsFor(change.keys)) this.paths.add(path);
    if (this.keys.size > MAX_LISTED || this.paths.size > MAX_LISTED) this.all = true;
  }

  /** What is pending, as one request's body; the batch starts again empty. */
  private take(): PurgeBody {
    const generation = this.opts.generation();
    const body: PurgeBody = this.all
      ? { paths: 'all', generation }
      : { keys: [...this.keys], paths: [...this.paths], removal: this.removal, generation };
    this.keys = new Set();
    this.paths = new Set();
    this.all = false;
    this.removal = false;
    return body;
  }

  private async send(): Promise<void> {
    const body = this.take();
    try {
      const res = await fetch(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 2000),
      });
      await res.body?.cancel();
      if (!res.ok) this.opts.log.warn({ status: res.status }, 'the purge webhook answered an error');
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'the purge webhook could not be reached');
    }
  }
}
