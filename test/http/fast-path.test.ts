import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { FastPath } from '../../src/web/kit/fast-path.ts';
import { ContentGeneration } from '../../src/web/kit/generation.ts';
import { type Article, type Category, createArticle, createCategory, createComment } from '../support/factories.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

/**
 * The fast path (src/web/kit/fast-path.ts) answers page-cache hits of a listening server before Fastify. `inject()`
 * never reaches it, so each test compares what a real connection gets with what Fastify's own path (inject)
 * gives for the same hit.
 */
let t: TestSite;
let base: string;
// Counts answers given by the fast path: a spy on the real object, nothing replaced.
let fastAnswers = 0;
const tryServe = FastPath.prototype.tryServe;
FastPath.prototype.tryServe = function (this: FastPath, req, res) {
  const served = tryServe.call(this, req, res);
  if (served) fastAnswers++;
  return served;
};

// What the pages read: made for this file, on a site without the demo.
let ARTICLE: string;
let other: Article;
let category: Category;
const ABOUT = '/about-this-site/';

before(async () => {
  t = await startTestSite({ demo: false });
  category = await createCategory(t, { name: 'Frontier Wars' });
  const article = await createArticle(t, {
    title: 'The Fast Path Article',
    body: 'Cavalry and armour crossed the steppe river in the summer.',
    category: category.path,
    tags: ['cavalry'],
  });
  await createComment(t, article, { body: 'A reader asks where the crossing was.' });
  ARTICLE = article.url;
  other = await createArticle(t, { title: 'Another Article', category: category.path });
  await createArticle(t, { type: 'page', title: 'About this site', slug: 'about-this-site' });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => t.close());

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Whether the fast path gave this answer. */
  fast: boolean;
}

function request(path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const before = fastAnswers;
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          fast: fastAnswers > before,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The same request through Fastify's own path. */
async function viaFastify(path: string, opts: { method?: 'GET' | 'HEAD'; headers?: Record<string, string> } = {}) {
  const res = await t.app.inject({ method: opts.method ?? 'GET', url: path, headers: opts.headers });
  return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
}

/** Headers that must be equal on both paths: all but those the connection adds. */
function comparable(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k === 'date' || k === 'connection' || k === 'keep-alive' || v === undefined) continue;
    out[k] = String(v);
  }
  return out;
}

/** Renders the page, then lets Fastify answer one hit. */
async function warm(path: string, headers: Record<string, string> = {}) {
  const miss = await viaFastify(path, { headers });
  const hit = await viaFastify(path, { headers });
  assert.equal(hit.headers['x-cache'], 'hit', `${path} is in the page cache`);
  return { miss, hit };
}

describe(`the page cache's fast path (${TEST_DATABASE})`, () => {
  test('a hit on the fast path carries exactly the headers and body of a hit on the Fastify path', async () => {
    const { miss, hit } = await warm(ARTICLE);
    const fast = await request(ARTICLE);
    assert.ok(fast.fast, 'answered by the fast path');
    assert.equal(fast.status, 200);
    assert.deepEqual(comparable(fast.headers), comparable(hit.headers));
    assert.deepEqual(fast.body, hit.body);
    // And the same as the render itself, but for what says it was cached.
    for (const name of ['content-security-policy', 'x-frame-options', 'content-type', 'etag', 'content-length'])
      assert.equal(fast.headers[name], miss.headers[name], name);
    assert.equal(miss.headers['x-cache'], 'miss');
    assert.equal(fast.headers['x-cache'], 'hit');
    assert.equal(fast.headers['cache-control'], 'public, max-age=0, s-maxage=1, stale-while-revalidate=1');
    assert.match(String(fast.headers['surrogate-key']), /\bpost:\d+ post:\d+:comments\b/);
    assert.equal(fast.headers.vary, 'accept-encoding');
  });

  test('other page types (home, a feed, a search) are answered the same way', async () => {
    for (const path of ['/', '/feed/', '/search?q=steppe', category.url]) {
      const { hit } = await warm(path);
      const fast = await request(path);
      assert.ok(fast.fast, path);
      assert.deepEqual(comparable(fast.headers), comparable(hit.headers), path);
      assert.equal('set-cookie' in fast.headers, false, `${path} carries no comment form`);
      assert.deepEqual(fast.body, hit.body, path);
    }
  });

  test('a matching If-None-Match gets 304 without a body, as on the Fastify path', async () => {
    const { hit } = await warm(ABOUT);
    const headers = { 'if-none-match': String(hit.headers.etag) };
    const fast = await request(ABOUT, { headers });
    const slow = await viaFastify(ABOUT, { headers });
    assert.ok(fast.fast);
    assert.equal(fast.status, 304);
    assert.equal(fast.body.length, 0);
    assert.deepEqual(comparable(fast.headers), comparable(slow.headers));
    const head = await request(ABOUT, { method: 'HEAD', headers });
    assert.ok(head.fast);
    assert.equal(head.status, 304);
    assert.deepEqual(
      comparable(head.headers),
      comparable((await viaFastify(ABOUT, { method: 'HEAD', headers })).headers),
    );
  });

  test('readers that accept br or gzip get the compressed copy, with the same headers', async () => {
    const { hit } = await warm(ARTICLE);
    for (const [accept, encoding, decode] of [
      ['gzip, deflate, br', 'br', brotliDecompressSync],
      ['gzip', 'gzip', gunzipSync],
    ] as const) {
      const headers = { 'accept-encoding': accept, cookie: 'annalist_form=x' };
      const fast = await request(ARTICLE, { headers });
      const slow = await viaFastify(ARTICLE, { headers });
      assert.ok(fast.fast, accept);
      assert.equal(fast.headers['content-encoding'], encoding);
      assert.deepEqual(comparable(fast.headers), comparable(slow.headers), accept);
      assert.deepEqual(decode(fast.body), hit.body);
    }
  });

  test('HEAD gets the headers of the GET answer and no body', async () => {
    const { hit } = await warm('/tag/cavalry/');
    const fast = await request('/tag/cavalry/', { method: 'HEAD' });
    const slow = await viaFastify('/tag/cavalry/', { method: 'HEAD' });
    assert.ok(fast.fast);
    assert.equal(fast.status, 200);
    assert.equal(fast.body.length, 0);
    assert.equal(fast.headers['content-length'], String(hit.body.length));
    assert.deepEqual(comparable(fast.headers), comparable(slow.headers));
    assert.deepEqual(comparable(fast.headers), comparable(hit.headers));
  });

  test('an article page carries no Set-Cookie on either path, for a new reader or a returning one (decision 035)', async () => {
    const { miss, hit } = await warm(ARTICLE);
    assert.equal(miss.headers['set-cookie'], undefined, 'the render');
    assert.equal(hit.headers['set-cookie'], undefined, 'a hit on the Fastify path');
    for (const cookie of [undefined, 'annalist_form=x', 'annalist_commenter=y']) {
      const fast = await request(ARTICLE, cookie ? { headers: { cookie } } : {});
      assert.ok(fast.fast, String(cookie));
      assert.equal(fast.status, 200);
      assert.equal(fast.headers['set-cookie'], undefined, String(cookie));
    }
    // The comment form is on the page; its token is asked for when the reader starts writing.
    assert.match(hit.body.toString(), /<form id="respond"/);
  });

  test('signed-in staff, an Authorization header and POSTs are left to Fastify', async () => {
    await warm(ARTICLE);
    const staff = await request(ARTICLE, { headers: { cookie: 'annalist_session=not-a-real-one' } });
    assert.equal(staff.fast, false);
    assert.equal(staff.headers['x-cache'], undefined, 'staff never get the cached page');
    const authorized = await request(ARTICLE, { headers: { authorization: 'Bearer something' } });
    assert.equal(authorized.fast, false);
    const post = await request(`${ARTICLE}comments`, { method: 'POST' });
    assert.equal(post.fast, false);
    assert.notEqual(post.status, 200);
    const notCached = await request('/tag/cavalry/?never-seen');
    assert.equal(notCached.fast, false);
    assert.equal(notCached.headers['x-cache'], 'miss');
  });

  test('a write starts a new generation: the next request is rendered, with the change', async () => {
    await warm(other.url);
    assert.ok((await request(other.url)).fast);
    await savePost(t.site.content, {
      id: other.id,
      type: 'post',
      slug: other.slug,
      title: 'Another Article, seen through the fast path',
      standfirst: '',
      bodyMarkdown: 'The same article, edited.',
      status: 'published',
      publishedAt: t.clock.now().toISOString(),
      categoryPath: category.path,
    });
    const next = await request(other.url);
    assert.equal(next.fast, false);
    assert.equal(next.headers['x-cache'], 'miss');
    assert.match(next.body.toString(), /seen through the fast path/);
  });

  test('a fault in the fast path is logged and Fastify answers instead', async () => {
    await warm(ABOUT);
    const descriptor = Object.getOwnPropertyDescriptor(ContentGeneration.prototype, 'expiryPending');
    assert.ok(descriptor);
    Object.defineProperty(ContentGeneration.prototype, 'expiryPending', {
      configurable: true,
      get() {
        throw new Error('a fault for the test');
      },
    });
    try {
      const res = await request(ABOUT);
      assert.equal(res.fast, false);
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-cache'], 'hit');
    } finally {
      Object.defineProperty(ContentGeneration.prototype, 'expiryPending', descriptor);
    }
    assert.ok((await request(ABOUT)).fast, 'and the next hit is fast again');
  });
});
