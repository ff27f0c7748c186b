import assert from 'node:assert/strict';

/**
 * Waits until `check` gives a value that holds (not false, undefined, null, 0 or ''), asking again every 20 ms,
 * and returns it; fails naming `what` after `ms`. The condition a test waits for, never a fixed sleep; the default
 * leaves room for a machine busy with the rest of the suite.
 */
export async function until<T>(what: string, check: () => T | Promise<T>, ms = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
