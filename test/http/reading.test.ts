import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PAGE_TYPES, startTestSite, type TestSite } from '../support/site.ts';

let t: TestSite;
before(async () => {
  t = await startTestSite();
});
after(() => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('pages a reader sees', () => {
  test('every page type answers with a complete HTML document and the right status', async () => {
    for (const [name, url] of Object.entries(DEMO_PAGE_TYPES)) {
      const res = await get(url);
      const expected = name.startsWith('not found') ? 404 : name.startsWith('bad request') ? 400 : 200;
      assert.equal(res.statusCode, expected, `${name} (${url})`);
      assert.match(res.headers['content-type'] as string, /^text\/html; charset=utf-8/, name);
      assert.match(res.body, /^<!DOCTYPE html><html lang="en-GB">/, name);
      assert.match(res.body, /<\/html>$/, name);
      assert.match(res.body, /<title>[^<]+<\/title>/, name);
    }
  });

  test('the home page lists the latest posts newest first and pages through the rest', async () => {
    const first = await get('/');
    const dates = [...first.body.matchAll(/<article class="post-card">[\s\S]*?<time datetime="([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    assert.equal(dates.length, 5, 'five posts per page on the demo');
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
    assert.match(first.body, /href="\/\?page=2" rel="next"/);
    const second = await get('/?page=2');
    assert.match(second.body, /Page 2 of 2/);
    assert.match(second.body, /href="\/" rel="prev"/);
    const beyond = await get('/?page=9');
    assert.equal(beyond.statusCode, 404);
  });

  test('the long article has a breadcrumb from its category path, byline, dates, reading time and contents', async () => {
    const res = await get('/khalkhin-gol-1939/');
    const body = res.body;
    const crumb = /<nav class="breadcrumb" aria-label="Breadcrumb">([\s\S]*?)<\/nav>/.exec(body)?.[1] ?? '';
    const crumbs = [
      ...crumb.matchAll(/<li>(?:<a href="([^"]*)">([^<]*)<\/a>|<span aria-current="page">([^<]*)<\/span>)<\/li>/g),
    ].map((m) => m[2] ?? m[3]);
    assert.deepEqual(crumbs.slice(0, 3), ['Home', 'Russian History', 'Soviet Union']);
    assert.match(crumb, /href="\/category\/russian-history\/soviet-union\/"/);
    assert.match(body, /<h1 id="article-title">[^<]*Khalkhin-Gol/);
    assert.match(body, /class="standfirst"/);
    assert.match(body, /By <a href="\/author\/[a-z-]+\/" rel="author">/);
    assert.match(body, /<time datetime="2025-/);
    assert.match(body, /Updated <time datetime=/);
    assert.match(body, /\d+ min read/);
    const toc = /<nav class="toc"[\s\S]*?<\/nav>/.exec(body)?.[0] ?? '';
    const anchors = [...toc.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(anchors.length >= 7, 'a contents entry per section');
    for (const id of anchors) assert.match(body, new RegExp(`id="${id}"`), `heading #${id} exists`);
  });

  test('footnotes are numbered once across the article and link both ways', async () => {
    const body = (await get('/khalkhin-gol-1939/')).body;
    const refs = [
      ...body.matchAll(
        /<a href="#user-content-fn-([^"]+)" id="user-content-fnref-[^"]+" data-footnote-ref[^>]*>(\d+)<\/a>/g,
      ),
    ];
    assert.ok(refs.length >= 8, 'at least eight note references');
    const numbers = refs.map((m) => Number(m[2]));
    assert.deepEqual(
      [...new Set(numbers)],
      numbers.map((_, i) => i + 1).slice(0, new Set(numbers).size),
      'numbered 1, 2, 3… in reading order',
    );
    for (const [, id] of refs) {
      assert.match(body, new RegExp(`<li id="user-content-fn-${id}">`), `note ${id} exists`);
      assert.match(body, new RegExp(`href="#user-content-fnref-${id}" data-footnote-backref`), `note ${id} links back`);
    }
  });

  test('figures carry captions and credits; the cover image too', async () => {
    const body = (await get('/khalkhin-gol-1939/')).body;
    assert.match(body, /<figure class="article__cover"><img src="\/media\/[^"]+\.svg" alt="[^"]+"/);
    const figures = [
      ...body.matchAll(/<figure><img src="([^"]+)" alt="([^"]+)"[^>]*><figcaption>([\s\S]*?)<\/figcaption><\/figure>/g),
    ];
    assert.ok(figures.length >= 2);
    for (const f of figures) assert.match(f[3]!, /<span class="credit">[^<]+<\/span>/);
    const media = await get(figures[0]![1]!);
    assert.equal(media.statusCode, 200);
    assert.equal(media.headers['content-type'], 'image/svg+xml');
  });

  test('the article links its tags and its neighbours in the same category', async () => {
    const body = (await get('/khalkhin-gol-1939/')).body;
    assert.match(body, /<a href="\/tag\/zhukov\/" rel="tag">Zhukov<\/a>/);
    const adjacent = /<nav class="adjacent" aria-label="More in Soviet Union">([\s\S]*?)<\/nav>/.exec(body)?.[1];
    assert.ok(adjacent, 'previous/next navigation within Soviet Union');
    for (const m of adjacent.matchAll(/href="\/([^"]+)\/"/g)) {
      const neighbour = await get(`/${m[1]}/`);
      assert.match(
        neighbour.body,
        /href="\/category\/russian-history\/soviet-union\/">Soviet Union<\/a>/,
        `${m[1]} is in the same category`,
      );
    }
  });

  test('an article carries OpenGraph tags and JSON-LD Article and BreadcrumbList', async () => {
    const body = (await get('/khalkhin-gol-1939/')).body;
    assert.match(body, /<meta property="og:type" content="article"/);
    assert.match(body, /<meta property="og:url" content="http:\/\/annalist\.test\/khalkhin-gol-1939\/"/);
    assert.match(body, /<meta property="og:image" content="http:\/\/annalist\.test\/media\//);
    const blocks = [...body.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) =>
      JSON.parse(m[1]!),
    );
    const article = blocks.find((b) => b['@type'] === 'Article');
    assert.ok(article);
    assert.match(article.headline, /Khalkhin-Gol/);
    assert.ok(article.wordCount >= 2000, `a long article (${article.wordCount} words)`);
    const crumbs = blocks.find((b) => b['@type'] === 'BreadcrumbList');
    assert.deepEqual(crumbs.itemListElement.map((i: { name: string }) => i.name).slice(0, 3), [
      'Home',
      'Russian History',
      'Soviet Union',
    ]);
  });

  test('a category archive lists its sub-categories with counts and includes their posts', async () => {
    const body = (await get('/category/russian-history/')).body;
    assert.match(body, /<h1 class="page-title">Russian History<\/h1>/);
    assert.match(body, /Sub-categories/);
    assert.match(
      body,
      /href="\/category\/russian-history\/soviet-union\/">Soviet Union<\/a> <span class="count">\(\d+\)<\/span>/,
    );
    const child = await get('/category/russian-history/soviet-union/great-patriotic-war/');
    assert.equal(child.statusCode, 200);
    const crumb = /<nav class="breadcrumb"[\s\S]*?<\/nav>/.exec(child.body)?.[0] ?? '';
    assert.match(
      crumb,
      />Russian History<\/a>[\s\S]*>Soviet Union<\/a>[\s\S]*aria-current="page">The Great Patriotic War</,
    );
  });

  test('the category index lists the whole tree with counts', async () => {
    const res = await get('/category/');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1 class="page-title">Categories<\/h1>/);
    assert.match(
      res.body,
      /<nav class="category-index"[\s\S]*href="\/category\/russian-history\/soviet-union\/great-patriotic-war\/"/,
    );
  });

  test('tag, author and monthly archives list matching posts', async () => {
    const tag = await get('/tag/zhukov/');
    assert.ok((tag.body.match(/class="post-card"/g) ?? []).length >= 2, 'more than one post tagged Zhukov');
    const author = await get('/author/elena-markova/');
    assert.match(author.body, /<h1 class="page-title">Elena Markova<\/h1>/);
    const month = await get('/2025/08/');
    assert.match(month.body, /<h1 class="page-title">August 2025<\/h1>/);
    assert.match(month.body, /khalkhin-gol-1939/);
  });

  test('static pages render without breadcrumb or byline and appear in the navigation', async () => {
    const home = (await get('/')).body;
    assert.match(home, /<nav class="site-nav" aria-label="Site">[\s\S]*href="\/about\/"/);
    const about = await get('/about/');
    assert.equal(about.statusCode, 200);
    assert.doesNotMatch(about.body, /class="breadcrumb"/);
    assert.doesNotMatch(about.body, /class="byline"/);
  });

  test('search ranks matches and highlights them in snippets, escaping what the reader typed', async () => {
    const res = await get('/search?q=Zhukov');
    assert.match(res.body, /\d+ results? for “Zhukov”/);
    assert.match(res.body, /<mark>Zhukov<\/mark>/);
    const first = /<ol class="post-list search-results">[\s\S]*?<a href="\/([^"]+)\/">/.exec(res.body)?.[1];
    assert.ok(first === 'zhukov-before-moscow' || first === 'khalkhin-gol-1939', `best match first (got ${first})`);
    const hostile = await get(`/search?q=${encodeURIComponent('<script>alert(1)</script> "NEAR" *')}`);
    assert.equal(hostile.statusCode, 200);
    assert.doesNotMatch(hostile.body, /<script>alert/);
    assert.match(hostile.body, /value="&lt;script>alert\(1\)&lt;\/script> &quot;NEAR&quot; \*"/);
  });

  test('widget areas: the sidebar and footer show their widgets; the empty header area shows nothing', async () => {
    const body = (await get('/')).body;
    assert.match(body, /<aside class="widget-area widget-area--sidebar" aria-label="Sidebar">/);
    for (const kind of ['search', 'category-tree', 'recent-posts', 'recent-comments', 'tag-cloud'])
      assert.match(body, new RegExp(`widget--${kind}`));
    assert.match(body, /widget-area--footer[\s\S]*widget--archives/);
    assert.doesNotMatch(body, /widget-area--header/);
    assert.doesNotMatch(body, /currently empty|no widgets/i);
  });
});

describe('addresses that moved or never existed', () => {
  test('an unknown slug or category path gets the 404 page, with search', async () => {
    for (const url of [
      '/no-such-article/',
      '/category/russian-history/no-such/',
      '/tag/nope/',
      '/author/nobody/',
      '/1999/01/',
      '/category/NOT%20A%20SLUG/',
      '/tag/',
      '/author/',
      '/Khalkhin-Gol/',
    ]) {
      const res = await get(url);
      assert.equal(res.statusCode, 404, url);
      assert.match(res.body, /<h1 id="error-title" class="page-title">[^<]*not found<\/h1>/i, url);
      assert.match(res.body, /<form class="search-form" action="\/search" method="get">/, url);
    }
  });

  test('addresses without their trailing slash redirect permanently to it, keeping the query', async () => {
    for (const [from, to] of [
      ['/khalkhin-gol-1939', '/khalkhin-gol-1939/'],
      ['/category/russian-history', '/category/russian-history/'],
      ['/tag/zhukov?page=1', '/tag/zhukov/?page=1'],
      ['/author/elena-markova', '/author/elena-markova/'],
      ['/2025/08', '/2025/08/'],
    ]) {
      const res = await get(from!);
      assert.equal(res.statusCode, 301, from);
      assert.equal(res.headers.location, to, from);
    }
  });
});

describe('bad input gets a readable answer, never a stack trace', () => {
  test('malformed page numbers are a 400 page naming the problem', async () => {
    for (const q of ['page=-1', 'page=abc', 'page=0', 'page=1.5', 'page=1&page=2', 'page=99999999999', 'page=%FF']) {
      const res = await get(`/?${q}`);
      assert.equal(res.statusCode, 400, q);
      assert.match(res.body, /page number/i, q);
      assert.match(res.body, /INVALID_PAGE_NUMBER/, q);
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/, q);
    }
  });

  test('a 10 KB search string is refused with a 400 page', async () => {
    const res = await get(`/search?q=${'a'.repeat(10_000)}`);
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /SEARCH_QUERY_TOO_LONG/);
    assert.match(res.body, /at most 200 characters/);
  });

  test('invalid UTF-8 or broken percent-encoding in the path is a 400 page', async () => {
    for (const url of ['/%FF/', '/%E0%A4%A/', '/category/%C0%AF/', '/%/']) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(res.headers['content-type'] as string, /text\/html/, url);
      assert.match(res.body, /INVALID_URL_ENCODING|BAD_REQUEST/, url);
    }
  });

  test('a NUL character (%00) in an address or a search is a plain answer, not a fault (PostgreSQL text cannot hold it)', async () => {
    for (const url of ['/tag/a%00b/', '/author/x%00/', '/a%00b/', '/category/a%00b/', '/api/v1/posts/a%00b']) {
      const res = await get(url);
      assert.ok(res.statusCode === 404 || res.statusCode === 400, `${url}: ${res.statusCode}`);
    }
    assert.equal((await get('/search?q=Zhukov%00')).statusCode, 200);
  });

  test('the JSON API answers errors as JSON with a stable code', async () => {
    const res = await get('/api/v1/posts?page=-1');
    assert.equal(res.statusCode, 400);
    // A schema failure names the field at fault (issue 15).
    assert.deepEqual(Object.keys(res.json().error).sort(), ['code', 'fields', 'message']);
    assert.ok(res.json().error.fields.page);
    const missing = await get('/api/v1/posts/no-such-post');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'POST_NOT_FOUND');
  });

  test('unsupported methods are refused without a stack trace', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/khalkhin-gol-1939/' });
    assert.ok(res.statusCode === 404 || res.statusCode === 405);
    assert.doesNotMatch(res.body, /at .*\.ts:\d+/);
  });
});

describe('headers', () => {
  test('every page is sent with a strict content security policy and no inline script', async () => {
    const res = await get('/khalkhin-gol-1939/');
    const csp = res.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    // Scripts are JSON-LD data or island modules from our own hashed assets; never inline code.
    for (const [tag] of res.body.matchAll(/<script[^>]*>/g)) {
      assert.match(tag, /type="application\/ld\+json"|type="module" src="\/assets\/[a-z-]+\.[0-9a-f]{10}\.js"/, tag);
    }
    assert.doesNotMatch(res.body, /<script type="module"[^>]*>[^<]/);
    assert.doesNotMatch(res.body, /\sstyle="/);
    assert.doesNotMatch(
      res.body,
      /https?:\/\/(?!annalist\.test|schema\.org)[a-z0-9.-]+\/[^"]*\.(?:css|js|woff2?)/,
      'nothing loaded from elsewhere',
    );
  });

  test('the stylesheet has a content-hashed name and is cached for a year', async () => {
    const body = (await get('/')).body;
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(body)?.[1];
    assert.match(href ?? '', /^\/assets\/site\.[0-9a-f]{10}\.css$/);
    const css = await get(href!);
    assert.equal(css.statusCode, 200);
    assert.match(css.headers['cache-control'] as string, /immutable/);
    assert.match(css.body, /@media print/);
  });
});

describe('a 404 that helps', () => {
  test('an address that led nowhere suggests the articles its words point to, and fills the search box with them', async () => {
    const res = await t.app.inject('/zhukov-moscow-1941-defence/');
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /<h2 id="suggestions-heading">Perhaps you were looking for<\/h2>/);
    assert.match(res.body, /<a href="\/zhukov-before-moscow\/">/);
    assert.match(res.body, /<input id="error-search-q" type="search" name="q" value="zhukov moscow/);
    const nothing = await t.app.inject('/qqqq-zzzz/');
    assert.doesNotMatch(nothing.body, /Perhaps you were looking for/);
  });
});
