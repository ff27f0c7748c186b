import { MemoryRateLimiter } from '../../storage/memory-rate-limiter.ts';
import type { RateLimiter } from '../../storage/shared-state.ts';
import type { AttemptCounter } from './accounts.types.ts';

/**
 * Attempts per key over a sliding window: wrong second-factor codes, password reset requests. Keys are built
 * from what was typed (an email, an IP address, a user id the password already proved), never from whether an
 * account exists. Held in this process's memory by default (a restart forgets them, as with the sign-in
 * throttle); given the shared RateLimiter (REDIS_URL), every node counts together.
 */
export class WindowCounter implements AttemptCounter {
  constructor(
    private readonly windowMs: number,
    private readonly limiter: RateLimiter = new MemoryRateLimiter(20_000),
    /** Keeps this counter's keys apart from other users of the same limiter. */
    private readonly namespace = 'window',
  ) {}

  async isLimited(key: string, limit: number, now: Date): Promise<boolean> {
    return (await this.limiter.count(this.keyOf(key), this.windowMs, now.getTime())) >= limit;
  }

  async record(key: string, now: Date): Promise<void> {
    await this.limiter.hit(this.keyOf(key), this.windowMs, now.getTime());
  }

  async clear(key: string): Promise<void> {
    await this.limiter.reset(this.keyOf(key));
  }

  private keyOf(key: string): string {
    return `${this.namespace}\n${key}`;
  }
}
