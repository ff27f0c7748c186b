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
 * Failed sign-ins held in this process's memory, keyed by the email as typed (normalised) and the IP address.
 * The key never depends on whether an account exists, so being limited says nothing about the account.
 * One instance per web app, made where the app is built; a restart forgets it, which is acceptable for a limit
 * measured in minutes.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {}

  /** True when this email from this IP (or this IP at all) has failed too often within the window. */
  isLimited(email: string, ip: string, now: Date): boolean {
    return (
      this.recent(accountKey(email, ip), now) >= this.limits.perAccountAndIp ||
      this.recent(ipKey(ip), now) >= this.limits.perIp
    );
  }

  recordFailure(email: string, ip: string, now: Date): void {
    for (const key of [accountKey(email, ip), ipKey(ip)]) {
      const times = this.failures.get(key) ?? [];
      times.push(now.getTime());
      // Re-insert so the Map's order is least recently failed first.
      this.failures.delete(key);
      this.failures.set(key, times.slice(-this.limits.perIp));
    }
    this.prune(now);
  }

  /** A successful sign-in clears the account's count (the IP's count stays: one success must not reset spraying). */
  recordSuccess(email: string, ip: string): void {
    this.failures.delete(accountKey(email, ip));
  }

  private recent(key: string, now: Date): number {
    const times = this.failures.get(key);
    if (!times) return 0;
    const since = now.getTime() - this.limits.windowMs;
    return times.filter((t) => t > since).length;
  }

  private prune(now: Date): void {
    if (this.failures.size <= this.limits.maxKeys) return;
    const since = now.getTime() - this.limits.windowMs;
    for (const [key, times] of this.failures) {
      if ((times[times.length - 1] ?? 0) <= since) this.failures.delete(key);
    }
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.limits.maxKeys) break;
      this.failures.delete(key);
    }
  }
}

const accountKey = (email: string, ip: string) => `a\n${email.trim().toLowerCase()}\n${ip}`;
const ipKey = (ip: string) => `i\n${ip}`;
