/**
 * Per-address limit on comment posts (form and API alike), held in this process. Several processes each keep
 * their own; the database-wide flood check in the moderation pipeline applies across all of them.
 */
export class PostRateLimit {
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly perMinute = 20) {}

  /** Records a post from `ip` at `now` (ms) and says whether it is over the limit. */
  exceeded(ip: string, now: number): boolean {
    const times = (this.recent.get(ip) ?? []).filter((t) => now - t < 60_000);
    times.push(now);
    this.recent.set(ip, times);
    // A flood of distinct addresses must not grow memory without bound.
    if (this.recent.size > 50_000) this.recent.clear();
    return times.length > this.perMinute;
  }
}
