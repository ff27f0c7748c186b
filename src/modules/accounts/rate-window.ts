import type { AttemptCounter } from './accounts.types.ts';

/**
 * Attempts per key held in this process's memory over a sliding window: wrong second-factor codes, password
 * reset requests. Keys are built from what was typed (an email, an IP address, a user id the password already
 * proved), never from whether an account exists. A restart forgets them, as with the sign-in throttle.
 */
export class WindowCounter implements AttemptCounter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    /** Keys kept at most; the least recently used are forgotten first, so a flood cannot grow memory. */
    private readonly maxKeys = 20_000,
  ) {}

  isLimited(key: string, limit: number, now: Date): boolean {
    return this.recent(key, now).length >= limit;
  }

  record(key: string, now: Date): void {
    const times = this.recent(key, now);
    times.push(now.getTime());
    // Re-inserted so the Map's order is least recently used first.
    this.attempts.delete(key);
    this.attempts.set(key, times.slice(-1000));
    while (this.attempts.size > this.maxKeys) {
      const oldest = this.attempts.keys().next().value;
      if (oldest === undefined) break;
      this.attempts.delete(oldest);
    }
  }

  clear(key: string): void {
    this.attempts.delete(key);
  }

  private recent(key: string, now: Date): number[] {
    const since = now.getTime() - this.windowMs;
    return (this.attempts.get(key) ?? []).filter((t) => t > since);
  }
}
