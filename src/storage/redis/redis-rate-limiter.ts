import { createHash, randomBytes } from 'node:crypto';
import { type RateCount, type RateLimiter, SharedStateUnavailableError } from '../shared-state.ts';
import type { ScriptedRedis } from './redis-scripts.ts';

/**
 * A sliding window per key in a Redis sorted set (score = time of the attempt), shared by every node. Keys are
 * hashed: what was typed (an email, an address) is never stored in Redis as such.
 */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly prefix: string,
    private readonly maxPerKey = 1000,
  ) {}

  async hit(key: string, windowMs: number, now: number): Promise<RateCount> {
    const [count, retryAfterMs] = await this.run(key, windowMs, now, 1);
    return { count, retryAfterMs: Math.max(0, retryAfterMs) };
  }

  async count(key: string, windowMs: number, now: number): Promise<number> {
    return (await this.run(key, windowMs, now, 0))[0];
  }

  async reset(key: string): Promise<void> {
    this.ensureReady();
    try {
      await this.redis.del(this.keyOf(key));
    } catch (err) {
      throw new SharedStateUnavailableError('Redis did not answer a rate-limit reset', { cause: err });
    }
  }

  private async run(key: string, windowMs: number, now: number, record: 0 | 1): Promise<[number, number]> {
    this.ensureReady();
    try {
      // Unique per attempt: two attempts in the same millisecond are two members.
      const member = `${now}-${randomBytes(6).toString('base64url')}`;
      const [count, retry] = await this.redis.annalistRate(
        this.keyOf(key),
        now,
        windowMs,
        record,
        member,
        this.maxPerKey,
      );
      return [Number(count), Number(retry)];
    } catch (err) {
      throw new SharedStateUnavailableError('Redis did not answer a rate-limit check', { cause: err });
    }
  }

  private ensureReady(): void {
    // Fail at once rather than wait for a reconnect: the request answers 503 and the reader can try again.
    if (this.redis.status !== 'ready') throw new SharedStateUnavailableError();
  }

  private keyOf(key: string): string {
    return `${this.prefix}rl:${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
  }
}
