/**
 * Per-address limit on comment posts (form and API alike), held in this process. Several processes each keep
 * their own; the database-wide flood check in the moderation pipeline applies across all of them.
 */
const POSTS_PER_MINUTE = 20;
const recentPosts = new Map<string, number[]>();

export function postRateLimited(ip: string, now: number): boolean {
  const times = (recentPosts.get(ip) ?? []).filter((t) => now - t < 60_000);
  times.push(now);
  recentPosts.set(ip, times);
  // A flood of distinct addresses must not grow memory without bound.
  if (recentPosts.size > 50_000) recentPosts.clear();
  return times.length > POSTS_PER_MINUTE;
}
