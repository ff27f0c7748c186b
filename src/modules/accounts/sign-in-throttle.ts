import { MemoryRateLimiter } from '../../storage/memory-rate-limiter.ts';
import type { RateLimiter } from '../../storage/shared-state.ts';

/** Limits on failed sign-ins, counted over a sliding window. */
export interface ThrottleLimits {
  /** Failures allowed for one email from one IP address within the window. */
  perAccountAndIp: number;
  /** Failures allowed from one IP address, whatever emails it tries (slows spraying one password at many). */
  perIp: number;
  windowMs: number;
  /** Keys kept at most; the oldest are forgotten first. Bounds memory under a flood of made-up emails. */
  maxKeys: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perAccountAndIp: 5,
  perIp: 50,
  windowMs: 15 * 60 * 1000,
  maxKeys: 20_000,
};

/**
 * Failed sign-ins keyed by the email as typed (normalised) and the IP address. The key never depends on whether
 * an account exists, so being limited says nothing about the account. One instance per web app, made where the
 * app is built: in this process's memory by default (a restart forgets it, acceptable for a limit measured in
 * minutes), or on the shared RateLimiter (REDIS_URL) so that every node counts the same failures.
 */
export class SignInThrottle {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS,
    limiter?: RateLimiter,
  ) {
    this.limiter = limiter ?? new MemoryRateLimiter(limits.maxKeys, limits.perIp);
  }

  /** True when this email from this IP (or this IP at all) has failed too often within the window. */
  async isLimited(email: string, ip: string, now: Date): Promise<boolean> {
    const t = now.getTime();
    const [account, address] = await Promise.all([
      this.limiter.count(accountKey(email, ip), this.limits.windowMs, t),
      this.limiter.count(ipKey(ip), this.limits.windowMs, t),
    ]);
    return account >= this.limits.perAccountAndIp || address >= this.limits.perIp;
  }

  async recordFailure(email: string, ip: string, now: Date): Promise<void> {
    const t = now.getTime();
    await Promise.all([
      this.limiter.hit(accountKey(email, ip), this.limits.windowMs, t),
      this.limiter.hit(ipKey(ip), this.limits.windowMs, t),
    ]);
  }

  /** A successful sign-in clears the account's count (the IP's count stays: one success must not reset spraying). */
  async recordSuccess(email: string, ip: string): Promise<void> {
    await this.limiter.reset(accountKey(email, ip));
  }
}

const accountKey = (email: string, ip: string) => `sign-in\na\n${email.trim().toLowerCase()}\n${ip}`;
const ipKey = (ip: string) => `sign-in\ni\n${ip}`;
