/**
 * The comment counts stitched into cached lists (kit/count-fragments.ts, issue 14): which count a reader, the
 * writer and everyone after a removal are shown, and that a change heard while a count is read is not lost.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commentChange, EVERYTHING, postChange } from '../../src/modules/shared/changes.ts';
import { CountFragments } from '../../src/web/kit/count-fragments.ts';

const BOUND = 1000;

/** Counts read from `counts` (what the database holds now), with the reads made so far and a way to hold one. */
function countsFrom(counts: Map<number, number>) {
  const reads: number[][] = [];
  let held: Promise<void> | undefined;
  const fragments = new CountFragments(async (ids) => {
    reads.push([...ids]);
    const answer = new Map(ids.map((id) => [id, `${counts.get(id) ?? 0} comments`]));
    await held;
    return answer;
  });
  const hold = () => {
    let release = () => {};
    held = new Promise((r) => {
      release = r;
    });
    return () => {
      held = undefined;
      release();
    };
  };
  return { fragments, reads, hold };
}

const shown = (f: CountFragments, id: number, now: number, bound = BOUND) => f.get(id, now, bound)?.html.toString();

describe('comment counts stitched into lists', () => {
  test('a count is read once for every list that asks at the same time, and kept until its article changes', async () => {
    const counts = new Map([
      [1, 3],
      [2, 0],
    ]);
    const { fragments, reads } = countsFrom(counts);
    assert.equal(shown(fragments, 1, 0), undefined, 'nothing is shown before it is read');
    await Promise.all([fragments.refresh([1, 2]), fragments.refresh([1]), fragments.refresh([2, 1])]);
    assert.deepEqual(reads, [[1, 2]]);
    assert.equal(shown(fragments, 1, 0), '3 comments');
    // A change to another article, or to nothing readers see, leaves it.
    fragments.changed(commentChange(2), 10);
    fragments.changed({ keys: [] }, 10);
    assert.equal(fragments.usable([1], 10, 0), true);
    assert.equal(fragments.usable([2], 10, 0), false, 'the writer of a comment on 2 waits for its count');
  });

  test('after a comment a reader is shown the old count within the bound while it is read again; the writer never', async () => {
    const counts = new Map([[1, 3]]);
    const { fragments, reads } = countsFrom(counts);
    await fragments.refresh([1]);
    counts.set(1, 4);
    fragments.changed(commentChange(1), 100);
    assert.equal(shown(fragments, 1, 100, 0), undefined, 'the writer (no bound) must wait for the new count');
    assert.equal(shown(fragments, 1, 100 + BOUND), undefined, 'past the bound nobody is shown the old one');
    assert.equal(shown(fragments, 1, 600), '3 comments', 'within the bound a reader gets the old count …');
    await fragments.refresh([1]);
    assert.equal(shown(fragments, 1, 600, 0), '4 comments', '… while it is read again, once');
    assert.deepEqual(reads, [[1], [1]]);
  });

  test('after a removal nobody is shown the old count, even within the bound', async () => {
    const counts = new Map([[1, 3]]);
    const { fragments } = countsFrom(counts);
    await fragments.refresh([1]);
    counts.set(1, 2);
    fragments.changed(commentChange(1, true), 100);
    assert.equal(shown(fragments, 1, 101), undefined);
    await fragments.refresh([1]);
    assert.equal(shown(fragments, 1, 101), '2 comments');
  });

  test('a new title or address of the article, any article saved, and a change of everything make it read again', async () => {
    const counts = new Map([
      [1, 3],
      [2, 1],
    ]);
    const { fragments } = countsFrom(counts);
    for (const change of [postChange([1]), postChange([2]), EVERYTHING]) {
      await fragments.refresh([1]);
      assert.equal(fragments.usable([1], 0, 0), true);
      fragments.changed(change, 0);
      assert.equal(fragments.usable([1], 0, 0), false, JSON.stringify(change));
    }
  });

  test('a comment heard while its count is read makes the writer wait for a read begun after it', async () => {
    const counts = new Map([[1, 3]]);
    const { fragments, hold, reads } = countsFrom(counts);
    await fragments.refresh([1]);
    fragments.changed(commentChange(1), 100);
    // A reader's background read starts, and is slow …
    const release = hold();
    const readersRead = fragments.refresh([1]);
    // … the writer's comment commits and is heard meanwhile.
    counts.set(1, 4);
    fragments.changed(commentChange(1), 110);
    release();
    await fragments.refresh([1]);
    assert.equal(shown(fragments, 1, 120, 0), '4 comments', 'the writer is shown their comment counted');
    await readersRead;
    assert.equal(fragments.latest(1)?.html.toString(), '4 comments', 'the older read does not overwrite it');
    assert.equal(reads.length, 3);
  });

  test('a read begun before every count was forgotten (too many kept) never leaves its old count as current', async () => {
    const counts = new Map([[1, 3]]);
    let heldForOne: Promise<void> | undefined;
    const fragments = new CountFragments(async (ids) => {
      const answer = new Map(ids.map((id) => [id, `${counts.get(id) ?? 0} comments`]));
      if (ids.includes(1)) await heldForOne;
      return answer;
    });
    await fragments.refresh([1]);
    fragments.changed(commentChange(1), 0);
    let release = () => {};
    heldForOne = new Promise((r) => {
      release = r;
    });
    const slow = fragments.refresh([1]);
    heldForOne = undefined;
    counts.set(1, 4);
    fragments.changed(commentChange(1), 1);
    // Lists of ten thousand other articles are served: every count is forgotten; then 1 is read again.
    await fragments.refresh(Array.from({ length: 10_000 }, (_, i) => i + 2));
    await fragments.refresh([1]);
    assert.equal(shown(fragments, 1, 2, 0), '4 comments');
    release();
    await slow;
    assert.equal(shown(fragments, 1, 3, 0), '4 comments', 'the old read does not overwrite the newer count');
  });

  test('an unchanged count keeps its version, so the lists showing it keep their ETag', async () => {
    const counts = new Map([[1, 3]]);
    const { fragments } = countsFrom(counts);
    await fragments.refresh([1]);
    const before = fragments.latest(1)?.version;
    fragments.changed(commentChange(1), 0);
    await fragments.refresh([1]);
    assert.equal(fragments.latest(1)?.version, before);
    counts.set(1, 4);
    fragments.changed(commentChange(1), 0);
    await fragments.refresh([1]);
    assert.notEqual(fragments.latest(1)?.version, before);
  });
});
