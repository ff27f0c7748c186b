/**
 * One generation of content: the data every page repeats (the chrome, the category tree and its counts) is kept
 * for the generation it was read in. A new generation starts when the content version moves (any write, in any
 * process) or when a scheduled post goes live. Rendered pages are not kept per generation but by key
 * (page-cache.ts); the second-level cache in Redis still is (shared-pages.ts).
 */
export class ContentGeneration {
  private current = '';
  private expiresAt = Number.POSITIVE_INFINITY;
  private expiryKnown = false;
  private readonly memos = new Map<string, Promise<unknown>>();
  private readonly expiryListeners: (() => void)[] = [];

  constructor(
    private readonly opts: {
      version: () => string;
      now: () => number;
      /** When content next changes without a write (the next scheduled post). */
      nextChange: () => Promise<Date | undefined>;
    },
  ) {}

  /** The current version; starts a new generation first when the old one has ended. */
  check(): string {
    const v = this.opts.version();
    const expired = this.opts.now() >= this.expiresAt;
    if (v !== this.current || expired) {
      this.current = v;
      this.expiresAt = Number.POSITIVE_INFINITY;
      this.expiryKnown = false;
      this.memos.clear();
      if (expired) for (const fn of this.expiryListeners) fn();
    }
    return v;
  }

  /** Milliseconds until this generation ends at the latest (Infinity when no scheduled change is known). */
  msLeft(): number {
    return this.expiresAt - this.opts.now();
  }

  /** Hears a generation ending at its time (a scheduled post going live), not by a write. */
  onExpiry(fn: () => void): void {
    this.expiryListeners.push(fn);
  }

  /** True until ensureExpiry() has been started in this generation (a request must then wait for it). */
  get expiryPending(): boolean {
    return !this.expiryKnown;
  }

  /** Learns, once per generation, when it must end at the latest. */
  async ensureExpiry(): Promise<void> {
    if (this.expiryKnown) return;
    this.expiryKnown = true;
    const at = await this.opts.nextChange();
    if (at) this.expiresAt = Math.min(this.expiresAt, at.getTime());
  }

  /** `fn()`'s result, computed once per generation. A failure is not kept. */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    this.check();
    let p = this.memos.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.memos.set(key, p);
      p.catch(() => {
        if (this.memos.get(key) === p) this.memos.delete(key);
      });
    }
    return p;
  }
}
