import { AppError } from '../../modules/shared/errors.ts';
import { MemoryRateLimiter } from '../../storage/memory-rate-limiter.ts';
import { type RateLimiter, SharedStateUnavailableError } from '../../storage/shared-state.ts';

/**
 * Per-address limit on reader posts (comments, correction suggestions; form and API alike), or on another kind
 * of costly request (`kind`: previews, keyed by address or by account). Counted in this process by default, or
 * on the shared RateLimiter (REDIS_URL) so requests split across nodes add up. The database-wide flood check in
 * the moderation pipeline applies to posts in every case.
 */
export class PostRateLimit {
  constructor(
    private readonly perMinute = 20,
    private readonly limiter: RateLimiter = new MemoryRateLimiter(),
    private readonly kind = 'post',
  ) {}

  /**
   * Records a post from `ip` at `now` (ms) and says whether it is over the limit. When the shared limiter cannot
   * be reached the post is refused with SHARED_STATE_UNAVAILABLE (503): a limit nobody can count is no limit.
   */
  async exceeded(ip: string, now: number): Promise<boolean> {
    try {
      return (await this.limiter.hit(`${this.kind}\n${ip}`, 60_000, now)).count > this.perMinute;
    } catch (err) {
      if (err instanceof SharedStateUnavailableError) throw sharedStateUnavailable(err);
      throw err;
    }
  }
}

/** The readable refusal for a request that needs the shared state while Redis is away. */
export function sharedStateUnavailable(cause: unknown): AppError {
  return new AppError(
    'SHARED_STATE_UNAVAILABLE',
    'This could not be sent just now because part of the site is briefly unavailable. Wait a moment, then send it again; nothing was saved.',
    { cause },
  );
}
