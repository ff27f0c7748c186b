import type { RateCount, RateLimiter } from './shared-state.ts';

/**
 * Attempts held in this process's memory: one node on its own (no REDIS_URL), and the tests. A restart forgets
 * them, which is acceptable for limits measured in minutes.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    /** Keys kept at most; the least recently used are forgotten first, so a flood cannot grow memory. */
    private readonly maxKeys = 50_000,
    /** Attempts kept per key at most (the newest). */
    private readonly maxPerKey = 1000,
  ) {}

  async hit(key: string, windowMs: number, now: number): Promise<RateCount> {
    const times = this.recent(key, windowMs, now);
    times.push(now);
    // Re-inserted so the Map's order is least recently used first.
    this.attempts.delete(key);
    this.attempts.set(key, times.slice(-this.maxPerKey));
    while (this.attempts.size > this.maxKeys) {
      const oldest = this.attempts.keys().next().value;
      if (oldest === undefined) break;
      this.attempts.delete(oldest);
    }
    return { count: times.length, retryAfterMs: Math.max(0, (times[0] ?? now) + windowMs - now) };
  }

  async count(key: string, windowMs: number, now: number): Promise<number> {
    return this.recent(key, windowMs, now).length;
  }

  async reset(key: string): Promise<void> {
    this.attempts.delete(key);
  }

  private recent(key: string, windowMs: number, now: number): number[] {
    const since = now - windowMs;
    return (this.attempts.get(key) ?? []).filter((t) => t > since);
  }
}
