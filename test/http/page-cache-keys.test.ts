import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commentChange, EVERYTHING, postChange } from '../../src/modules/shared/changes.ts';
import { type Fragment, type FragmentArea, fragmentOf } from '../../src/web/kit/fragments.ts';
import { ANY_CHANGE, PageCache, type RenderedPage } from '../../src/web/kit/page-cache.ts';

// The keyed page cache on its own (issue 14): what a change drops, what it lets be served stale, what a render that
// raced a change may keep, how pages in pieces are stitched, and that memory stays bounded.

const page = (text: string, keys: string[], extra: Partial<RenderedPage> = {}): RenderedPage => ({
  status: 200,
  contentType: 'text/html; charset=utf-8',
  body: Buffer.from(text),
  keys,
  ...extra,
});

const ARTICLE_A = ['post:1', 'post:1:comments', 'posts:order'];
const ARTICLE_B = ['post:2', 'post:2:comments', 'posts:order'];
const HOME = ['posts', 'post:1:comments', 'post:2:comments'];

function filled(staleMaxMs = 0): PageCache {
  const cache = new PageCache({ staleMaxMs });
  cache.set('/a/', cache.version, page('A', ARTICLE_A), undefined);
  cache.set('/b/', cache.version, page('B', ARTICLE_B), undefined);
  cache.set('/', cache.version, page('home', HOME), undefined);
  cache.set('/feed/', cache.version, page('feed', ['posts']), undefined);
  cache.set('/comments/feed/', cache.version, page('comments', ['comments']), undefined);
  cache.set('/robots.txt', cache.version, page('robots', []), undefined);
  cache.set('/anything', cache.version, page('any', [ANY_CHANGE]), undefined);
  return cache;
}

const kept = (cache: PageCache, now = 0) =>
  ['/a/', '/b/', '/', '/feed/', '/comments/feed/', '/robots.txt', '/anything'].filter(
    (url) => cache.lookup(url, now, undefined, true)?.fresh,
  );

describe('a change drops exactly the pages built from what it changed', () => {
  test('a comment on A: A, the lists showing A, the comment feed and pages of unknown make; not B, /feed/ or robots', () => {
    const cache = filled();
    cache.apply(commentChange(1), 0);
    assert.deepEqual(kept(cache), ['/b/', '/feed/', '/robots.txt']);
  });

  test('an edit of A: A, every list and the comment feed (they name it); B keeps its page', () => {
    const cache = filled();
    cache.apply(postChange([1]), 0);
    assert.deepEqual(kept(cache), ['/b/', '/robots.txt']);
  });

  test('A published or unpublished: every article too (previous/next links)', () => {
    const cache = filled();
    cache.apply(postChange([1], { order: true }), 0);
    assert.deepEqual(kept(cache), ['/robots.txt']);
  });

  test('a change without keys (settings, menus) drops everything', () => {
    const cache = filled();
    cache.apply(EVERYTHING, 0);
    assert.deepEqual(kept(cache), []);
    assert.equal(cache.size, 0);
  });
});

describe('stale within the bound, never after a removal', () => {
  test('a changed page is served stale until the bound, then must be rendered; a writer never gets it stale', () => {
    const cache = filled(1000);
    cache.apply(commentChange(1), 5000);
    const early = cache.lookup('/a/', 5999, undefined, true);
    assert.deepEqual([early?.fresh, early?.expired], [false, false]);
    assert.equal(early?.page.body.toString(), 'A');
    assert.equal(cache.lookup('/a/', 6001, undefined, true)?.expired, true, 'past the bound');
    assert.equal(cache.lookup('/a/', 5100, undefined, false)?.expired, true, 'the writer');
    assert.equal(cache.lookup('/b/', 5100, undefined, true)?.fresh, true, 'B was never touched');
  });

  test('a removal drops the page at once, whatever the bound', () => {
    const cache = filled(60_000);
    cache.apply(commentChange(1, true), 0);
    assert.equal(cache.lookup('/a/', 1, undefined, true), undefined);
    assert.equal(cache.lookup('/comments/feed/', 1, undefined, true), undefined);
  });

  test('a render that began before a change is kept as stale from that change, or not at all after a removal', () => {
    const cache = new PageCache({ staleMaxMs: 1000 });
    const began = cache.version;
    cache.apply(commentChange(1), 100);
    cache.set('/a/', began, page('A, read before the comment', ARTICLE_A), undefined);
    const found = cache.lookup('/a/', 150, undefined, true);
    assert.deepEqual([found?.fresh, found?.expired], [false, false]);
    assert.equal(cache.lookup('/a/', 1200, undefined, true)?.expired, true);

    const before = cache.version;
    cache.apply(commentChange(1, true), 2000);
    cache.set('/a/', before, page('A, read before the removal', ARTICLE_A), undefined);
    assert.equal(cache.lookup('/a/', 2001, undefined, true), undefined);

    const strict = new PageCache({ staleMaxMs: 0 });
    const at = strict.version;
    strict.apply(commentChange(1), 0);
    assert.equal(strict.set('/a/', at, page('old', ARTICLE_A), undefined).body.toString(), 'old', 'served once');
    assert.equal(strict.lookup('/a/', 0, undefined, true), undefined, 'but not kept');
  });

  test('a page that changes by itself at a time of its own is not served from then on', () => {
    const cache = new PageCache();
    cache.set('/a/', cache.version, page('form open', ARTICLE_A, { expiresAt: 10_000 }), undefined);
    assert.equal(cache.lookup('/a/', 9_999, undefined, true)?.fresh, true);
    assert.equal(cache.lookup('/a/', 10_000, undefined, true), undefined);
  });
});

describe('pages in pieces around their widget areas', () => {
  const areas = (sidebar: string): ReadonlyMap<FragmentArea, Fragment> =>
    new Map<FragmentArea, Fragment>([['sidebar', fragmentOf(Buffer.from(sidebar))]]);
  const pieces = {
    parts: [Buffer.from('<main>A</main><aside>'), Buffer.from('</aside>')],
    slots: ['sidebar' as const],
  };

  test('a new version of an area is stitched in when served, with a new ETag; no render', () => {
    const cache = new PageCache();
    const first = cache.set('/a/', cache.version, page('', ARTICLE_A, { pieces }), areas('one comment'));
    assert.equal(first.body.toString(), '<main>A</main><aside>one comment</aside>');
    const same = cache.lookup('/a/', 0, areas('one comment'), true);
    assert.equal(same?.page.etag, first.etag);
    const next = cache.lookup('/a/', 0, areas('two comments'), true);
    assert.equal(next?.fresh, true);
    assert.equal(next?.page.body.toString(), '<main>A</main><aside>two comments</aside>');
    assert.notEqual(next?.page.etag, first.etag);
    assert.equal(cache.lookup('/a/', 0, undefined, true), undefined, 'not served while the areas are reloaded');
  });
});

describe('bounded memory', () => {
  test('the cache keeps within its bytes, least recently used first, and counts evictions', () => {
    const cache = new PageCache({ maxBytes: 64 * 1024 });
    const body = 'x'.repeat(4000);
    for (let i = 0; i < 100; i++) cache.set(`/p${i}/`, cache.version, page(body, [`post:${i}`]), undefined);
    const stats = cache.stats();
    assert.ok(stats.bytes <= 64 * 1024, `${stats.bytes} bytes kept`);
    assert.ok(stats.evictions >= 80, `${stats.evictions} evicted`);
    assert.equal(cache.lookup('/p0/', 0, undefined, true), undefined, 'the oldest went first');
    assert.equal(cache.lookup('/p99/', 0, undefined, true)?.fresh, true);
  });

  test('changes to 100,000 distinct keys do not grow what is remembered without bound', () => {
    const cache = filled(1000);
    for (let i = 0; i < 100_000; i++) cache.apply(commentChange(1000 + i), i);
    const began = cache.version - 1;
    // A render begun before the memory was reset cannot be checked key by key any more: it is not kept.
    cache.apply(commentChange(5), 200_000);
    cache.set('/late/', began - 50_000, page('late', ['post:7']), undefined);
    assert.equal(cache.lookup('/late/', 200_001, undefined, true), undefined);
    assert.equal(cache.lookup('/b/', 0, undefined, true)?.fresh, true, 'B was never touched');
  });
});
