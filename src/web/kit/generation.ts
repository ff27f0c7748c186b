import type { Change } from '../../modules/shared/changes.ts';

/** One kept read: its promise and the change keys whose announcement drops it (none: only "everything"). */
interface KeptRead {
  readonly value: Promise<unknown>;
  readonly dependsOn: readonly string[];
}

/**
 * One generation of content, and the reads every page repeats (the chrome, the category tree and its counts, the
 * lists, an article, a page of comments). A new generation starts when the content version moves (any write, in
 * any process) or when a scheduled post goes live; the next such moment bounds how long the second-level cache in
 * Redis keeps a page (shared-pages.ts). The kept reads are dropped by what changed instead (decision 037): each names the change keys
 * it is built from (changes.ts), and a change drops only the reads that name one of its keys, so a comment leaves
 * the settings, the menus and the category tree kept. A change to everything, and a scheduled post going live,
 * drop them all. Rendered pages are kept by key too (page-cache.ts).
 */
export class ContentGeneration {
  private current = '';
  private expiresAt = Number.POSITIVE_INFINITY;
  private expiryKnown = false;
  /** When the kept reads' end was last looked for: a post scheduled later may go live before anyone asks again. */
  private lookedAt: number | undefined;
  private readonly kept = new Map<string, KeptRead>();
  private readonly expiryListeners: (() => void)[] = [];

  constructor(
    private readonly opts: {
      version: () => string;
      now: () => number;
      /** When content next changes without a write: the first scheduled post going live after `after`. */
      nextChange: (after: Date) => Promise<Date | undefined>;
      /** Brings in the changes other processes and nodes made (ChangeStream.poll): cheap, synchronous. */
      poll?: () => void;
    },
  ) {}

  /**
   * The current version; starts a new generation first when the old one has ended. The time the kept reads end
   * at is kept across generations (they are): only a scheduled post going live ends it.
   */
  check(): string {
    const v = this.opts.version();
    const expired = this.opts.now() >= this.expiresAt;
    if (v !== this.current || expired) {
      this.current = v;
      this.expiryKnown = false;
      if (expired) {
        // What went live at that moment is shown from now on: look for the next one after it.
        this.lookedAt = this.expiresAt;
        this.expiresAt = Number.POSITIVE_INFINITY;
        this.kept.clear();
        for (const fn of this.expiryListeners) fn();
      }
    }
    return v;
  }

  /** A committed write (here or elsewhere): drops the kept reads built from what it changed. */
  apply(change: Change): void {
    if (change.keys === 'all') {
      this.kept.clear();
      return;
    }
    if (change.keys.length === 0) return;
    const changed = new Set(change.keys);
    for (const [key, read] of this.kept) if (read.dependsOn.some((k) => changed.has(k))) this.kept.delete(key);
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

  /**
   * Learns, once per generation, when it must end at the latest: the first post scheduled to go live since this
   * was last asked (a write may have scheduled one, and its time may have passed unseen), so kept reads and pages
   * from before it end at once.
   */
  async ensureExpiry(): Promise<void> {
    if (this.expiryKnown) return;
    this.expiryKnown = true;
    const now = this.opts.now();
    const since = Math.min(this.lookedAt ?? now, now);
    this.lookedAt = now;
    const at = await this.opts.nextChange(new Date(since));
    if (at) this.expiresAt = Math.min(this.expiresAt, at.getTime());
    if (this.opts.now() >= this.expiresAt) this.check();
  }

  /**
   * `fn()`'s result, read once and kept until a change names one of `dependsOn` (or changes everything). A failure
   * is not kept.
   */
  memo<T>(key: string, fn: () => Promise<T>, dependsOn: readonly string[]): Promise<T> {
    this.opts.poll?.();
    this.check();
    const found = this.kept.get(key);
    if (found) return found.value as Promise<T>;
    const value = fn();
    const read: KeptRead = { value, dependsOn };
    this.kept.set(key, read);
    value.catch(() => {
      if (this.kept.get(key) === read) this.kept.delete(key);
    });
    return value;
  }
}
