import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Change, commentChange, EVERYTHING, postChange } from '../../src/modules/shared/changes.ts';
import { type GenerationMemo, keptForGeneration } from '../../src/modules/shared/generation-memo.ts';
import { ContentGeneration } from '../../src/web/kit/generation.ts';

/**
 * The content generation the web layer keeps reads in (web/kit/generation.ts); `apply` is a committed write
 * heard, `at` moves its clock, `nextPost` is when the next scheduled post goes live.
 */
function generation(opts: { scheduled?: number[] } = {}) {
  let now = 0;
  let version = 1;
  const scheduled = opts.scheduled ?? [];
  const g = new ContentGeneration({
    version: () => String(version),
    now: () => now,
    nextChange: async (after) => {
      const next = Math.min(...scheduled.filter((t) => t > after.getTime()));
      return Number.isFinite(next) ? new Date(next) : undefined;
    },
  });
  const memo: GenerationMemo = (key, fn, dependsOn) => g.memo(key, fn, dependsOn);
  return {
    memo,
    g,
    apply: (change: Change) => {
      version++;
      g.apply(change);
    },
    at: (ms: number) => {
      now = ms;
    },
  };
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

describe('reads kept until a write changes what they were built from', () => {
  test('a read is kept through changes to other things and read again after a change to its own keys', async () => {
    const g = generation();
    const r = counted((n) => `read ${n}`);
    const slot = { area: 'articles', key: 'a', max: 4, dependsOn: ['posts', 'comments'] };
    const read = () => keptForGeneration({ db: outside, memo: g.memo }, slot, r.read);
    assert.equal(await read(), 'read 1');
    assert.equal(await read(), 'read 1');
    g.apply({ keys: ['corrections'] });
    g.apply({ keys: [] }); // a draft saved: nothing readers see
    assert.equal(await read(), 'read 1', 'a correction or a draft leaves articles kept');
    g.apply(commentChange(7));
    assert.equal(await read(), 'read 2', 'a comment changes the comment counts articles show');
    g.apply(postChange([3]));
    assert.equal(await read(), 'read 3');
    g.apply(EVERYTHING);
    assert.equal(await read(), 'read 4', 'settings, menus or widgets: everything is read again');
  });

  test('a read that names no keys (the settings) is kept until everything changes', async () => {
    const g = generation();
    const r = counted((n) => n);
    const read = () => g.memo('settings', r.read, []);
    await read();
    g.apply(commentChange(1));
    g.apply(postChange([1], { order: true, removal: true }));
    assert.equal(await read(), 1);
    g.apply(EVERYTHING);
    assert.equal(await read(), 2);
  });

  test('a scheduled post going live drops every kept read at its time', async () => {
    const g = generation({ scheduled: [5_000] });
    const r = counted((n) => n);
    const read = () => g.memo('category-tree', r.read, ['posts']);
    // As each request begins (app.ts): the generation checked, then when it ends learnt.
    g.g.check();
    await g.g.ensureExpiry();
    assert.equal(await read(), 1);
    g.at(4_999);
    assert.equal(await read(), 1);
    g.at(5_000);
    assert.equal(await read(), 2, 'the post that went live is counted');
  });

  test('a post scheduled by a write no reader followed still ends the reads kept from before it', async () => {
    const scheduled: number[] = [];
    const g = generation({ scheduled });
    const r = counted((n) => n);
    const read = async () => {
      g.g.check();
      await g.g.ensureExpiry();
      return g.memo('category-tree', r.read, ['posts']);
    };
    assert.equal(await read(), 1);
    // The writer schedules a post for t=5 s: nothing readers see yet, so nothing is dropped.
    scheduled.push(5_000);
    g.apply({ keys: [] });
    g.at(60_000);
    assert.equal(await read(), 2, 'the first reader after it went live sees it counted');
    assert.equal(await read(), 2);
  });

  test('a read under way when its keys change is not kept for later readers', async () => {
    const g = generation();
    let release = () => {};
    let runs = 0;
    const load = () =>
      g.memo('home', () => {
        runs++;
        return runs === 1
          ? new Promise<string>((resolve) => (release = () => resolve('before')))
          : Promise.resolve('after');
      }, ['posts']);
    const first = load();
    g.apply(postChange([2], { order: true }));
    assert.equal(await load(), 'after');
    release();
    assert.equal(await first, 'before');
    assert.equal(await load(), 'after');
  });

  test('at most `max` reads are kept in an area, the least recently used dropped first', async () => {
    const g = generation();
    const deps = { db: outside, memo: g.memo };
    const runs = new Map<string, number>();
    const read = (key: string) =>
      keptForGeneration(deps, { area: 'lists', key, max: 2, dependsOn: ['posts'] }, async () => {
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
    const slot = { area: 'articles', key: 'missing', max: 4, dependsOn: ['posts'] };
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
    const slot = { area: 'articles', key: 'a', max: 4, dependsOn: ['posts'] };
    await keptForGeneration({ db: { isTransaction: true }, memo: g.memo }, slot, r.read);
    await keptForGeneration({ db: { isTransaction: true }, memo: g.memo }, slot, r.read);
    await keptForGeneration({ db: outside }, slot, r.read);
    await keptForGeneration({ db: outside }, slot, r.read);
    assert.equal(r.runs, 4);
  });
});
