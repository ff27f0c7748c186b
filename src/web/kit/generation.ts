/**
 * One generation of content: everything cached in the web layer (pages, and data every page shows such as
 * the widget areas) belongs to the generation it was made in. A new generation starts when the content
 * version moves (any write, in any process) or when a scheduled post goes live, and everything is dropped.
 */
export class ContentGeneration {
  private current = '';
  private expiresAt = Number.POSITIVE_INFINITY;
  private expiryKnown = false;
  private readonly memos = new Map<string, Promise<unknown>>();
  private readonly listeners: (() => void)[] = [];

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
    if (v !== this.current || this.opts.now() >= this.expiresAt) {
      this.current = v;
      this.expiresAt = Number.POSITIVE_INFINITY;
      this.expiryKnown = false;
      this.memos.clear();
      for (const fn of this.listeners) fn();
    }
    return v;
  }

  /** Milliseconds until this generation ends at the latest (Infinity when no scheduled change is known). */
  msLeft(): number {
    return this.expiresAt - this.opts.now();
  }

  onNewGeneration(fn: () => void): void {
    this.listeners.push(fn);
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
