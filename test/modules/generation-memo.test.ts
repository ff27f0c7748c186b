import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type GenerationMemo, keptForGeneration } from '../../src/modules/shared/generation-memo.ts';

/** A content generation's memo as the web layer gives it; `next()` starts a new generation. */
function generation() {
  let memos = new Map<string, Promise<unknown>>();
  const memo: GenerationMemo = <T>(key: string, fn: () => Promise<T>) => {
    let p = memos.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      memos.set(key, p);
    }
    return p;
  };
  return { memo, next: () => (memos = new Map()) };
}

/** A read that counts how often it ran. */
function counted<T>(value: (n: number) => T) {
  let runs = 0;
  return {
    read: async () => value(++runs),
    get runs() {
      return runs;
    },
  };
}

const outside = { isTransaction: false };

describe('reads kept for the content generation', () => {
  test('a read runs once per generation, and again in the next one', async () => {
    const g = generation();
    const r = counted((n) => `read ${n}`);
    const slot = { area: 'articles', key: 'a', max: 4 };
    assert.equal(await keptForGeneration({ db: outside, memo: g.memo }, slot, r.read), 'read 1');
    assert.equal(await keptForGeneration({ db: outside, memo: g.memo }, slot, r.read), 'read 1');
    g.next();
    assert.equal(await keptForGeneration({ db: outside, memo: g.memo }, slot, r.read), 'read 2');
    assert.equal(r.runs, 2);
  });

  test('at most `max` reads are kept in an area, the least recently used dropped first', async () => {
    const g = generation();
    const deps = { db: outside, memo: g.memo };
    const runs = new Map<string, number>();
    const read = (key: string) =>
      keptForGeneration(deps, { area: 'lists', key, max: 2 }, async () => {
        runs.set(key, (runs.get(key) ?? 0) + 1);
        return key;
      });
    await read('a');
    await read('b');
    await read('a'); // "a" is now the most recently used
    await read('c'); // drops "b"
    await read('a');
    await read('b');
    assert.deepEqual(Object.fromEntries(runs), { a: 1, b: 2, c: 1 });
  });

  test('a failed read is not kept: the next asks again', async () => {
    const g = generation();
    let runs = 0;
    const slot = { area: 'articles', key: 'missing', max: 4 };
    const read = () =>
      keptForGeneration({ db: outside, memo: g.memo }, slot, async () => {
        runs++;
        if (runs === 1) throw new Error('POST_NOT_FOUND');
        return 'found';
      });
    await assert.rejects(read(), /POST_NOT_FOUND/);
    assert.equal(await read(), 'found');
    assert.equal(runs, 2);
  });

  test('inside a transaction, or without a memo, every read goes to the database', async () => {
    const g = generation();
    const r = counted((n) => n);
    const slot = { area: 'articles', key: 'a', max: 4 };
    await keptForGeneration({ db: { isTransaction: true }, memo: g.memo }, slot, r.read);
    await keptForGeneration({ db: { isTransaction: true }, memo: g.memo }, slot, r.read);
    await keptForGeneration({ db: outside }, slot, r.read);
    await keptForGeneration({ db: outside }, slot, r.read);
    assert.equal(r.runs, 4);
  });
});
