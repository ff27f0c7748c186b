import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffSnapshots, type PostSnapshot } from '../../src/modules/content/revision-diff.ts';

const snapshot = (body: string): PostSnapshot => ({
  title: 'T',
  slug: 't',
  standfirst: '',
  excerpt: '',
  body,
  meta: {},
});

function words(n: number, seed: number): string {
  let s = seed;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(`w${s % 5000}`);
    if (i % 12 === 11) out.push('\n');
  }
  return out.join(' ');
}

test('a small change is shown word by word', () => {
  const [body] = diffSnapshots(snapshot('The siege lasted three days.'), snapshot('The siege lasted four days.'));
  assert.deepEqual(
    body?.parts.filter((p) => p.kind !== 'same'),
    [
      { kind: 'removed', text: 'three' },
      { kind: 'added', text: 'four' },
    ],
  );
});

test('comparing two long, unrelated texts ends in about a second, with everything shown', () => {
  const a = words(10_000, 1);
  const b = words(10_000, 2);
  const started = Date.now();
  const [body] = diffSnapshots(snapshot(a), snapshot(b));
  const ms = Date.now() - started;
  assert.ok(ms < 5_000, `took ${ms} ms (unbounded, this took 44 s)`);
  const removed = body!.parts.filter((p) => p.kind === 'removed').map((p) => ('text' in p ? p.text : ''));
  const added = body!.parts.filter((p) => p.kind === 'added').map((p) => ('text' in p ? p.text : ''));
  assert.ok(removed.join('').length > 0 && added.join('').length > 0);
});
