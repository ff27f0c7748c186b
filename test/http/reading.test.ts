import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { figureSnippet } from '../../src/modules/media/media-snippet.ts';
import { getSiteSettings } from '../../src/modules/settings/settings.service.ts';
import {
  type Article,
  createArticle,
  createCategory,
  createComment,
  createEntity,
  createImage,
  createSource,
  createUser,
} from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { DEMO_PAGE_TYPES, startTestSite, type TestSite } from '../support/site.ts';

/**
 * What readers see, on articles, categories, tags and bylines each test makes for itself
 * (test/support/factories.ts); the sweep over every page type, the navigation and the widget areas read the
 * demo, which is what they are about.
 */

let t: TestSite;
before(async () => {
  t = await startTestSite();
});
after(() => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });
const open = async (url: string) => parsePage((await get(url)).body);

const HOUR = 3_600_000;
/** A time `hours` before the site clock's now, as an ISO string. */
const hoursAgo = (hours: number) => new Date(t.clock.now().getTime() - hours * HOUR).toISOString();

/** The titles of the post cards a listing shows, in order. */
const cardTitles = (page: Page) => page.all('article').map((card) => page.text(page.within(card).get('heading')));

/** The one element with this role and name whose tag is `tag` (a page heading beside a widget's of the same name). */
const tagged = (page: Page, role: string, name: string | RegExp, tag: string) => {
  const found = page.all(role, name).filter((el) => el.tagName === tag);
  assert.equal(found.length, 1, `one <${tag}> ${role} named ${String(name)}`);
  return found[0]!;
};

/** The texts of a breadcrumb's items, and its links' names. */
function breadcrumb(page: Page) {
  const crumb = page.within(page.get('navigation', 'Breadcrumb'));
  return { items: crumb.all('listitem').map((li) => page.text(li)), crumb };
}

/** A paragraph of about a hundred words, for bodies that must be long. */
const PARAGRAPH = Array.from(
  { length: 10 },
  (_, i) => `Sentence ${i + 1} of the paragraph says what a long article says, at length, to its readers.`,
).join(' ');

describe('pages a reader sees', () => {
  test('every page type answers with a complete HTML document and the right status', async () => {
    // The demo's page types (DEMO_PAGE_TYPES), as the accessibility and validity sweeps read them.
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
    // A day on, so these are the newest articles on the site: one page of them and one more.
    t.clock.set(new Date(t.clock.now().getTime() + 24 * HOUR));
    const { postsPerPage } = await getSiteSettings(t.site.content);
    const mine: Article[] = [];
    for (let i = postsPerPage; i >= 0; i--) mine.push(await createArticle(t, { publishedAt: hoursAgo(i + 1) }));
    const first = await open('/');
    assert.deepEqual(
      cardTitles(first),
      mine
        .slice(1)
        .reverse()
        .map((a) => a.title),
      `the ${postsPerPage} newest, newest first`,
    );
    const dates = first.all('article').map((card) => first.attr(first.within(card).all('time')[0]!, 'dateTime'));
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
    const older = first.within(first.get('navigation', 'Pages')).get('link', 'Older →');
    assert.equal(first.attr(older, 'href'), '/?page=2');
    assert.equal(first.attr(older, 'rel'), 'next');
    const second = await open('/?page=2');
    const pages = second.within(second.get('navigation', 'Pages'));
    const status = /Page 2 of (\d+)/.exec(second.text(second.get('navigation', 'Pages')));
    assert.ok(status, 'Page 2 of N');
    assert.equal(cardTitles(second)[0], mine[0]!.title, 'the next newest begins page 2');
    const newer = pages.get('link', '← Newer');
    assert.equal(second.attr(newer, 'href'), '/');
    assert.equal(second.attr(newer, 'rel'), 'prev');
    const last = Number(status[1]);
    assert.equal((await get(`/?page=${last}`)).statusCode, 200);
    assert.equal((await get(`/?page=${last + 1}`)).statusCode, 404);
  });

  test('the long article has a breadcrumb from its category path, byline, dates, reading time and contents', async () => {
    const parent = await createCategory(t, { name: 'Baltic History' });
    const child = await createCategory(t, { name: 'The Hanseatic League', parent });
    const writer = await createUser(t, 'author', { name: 'Ruth Anders', byline: true });
    const sections = ['Lübeck', 'Visby', 'Bergen', 'Novgorod', 'Bruges', 'London', 'Danzig', 'Decline'];
    const article = await createArticle(t, {
      title: 'The Hanse at its height',
      standfirst: 'How a league of merchants ran the northern seas for three centuries.',
      category: child.path,
      authors: [writer.byline!],
      publishedAt: hoursAgo(72),
      updatedAt: hoursAgo(0),
      body: sections.map((s) => `## ${s}\n\n${PARAGRAPH}`).join('\n\n'),
    });
    const page = await open(article.url);
    const { items, crumb } = breadcrumb(page);
    assert.deepEqual(items, ['Home', parent.name, child.name, article.title]);
    assert.equal(page.attr(crumb.get('link', child.name), 'href'), child.url);
    assert.equal(page.get('article', article.title).tagName, 'article', 'the article is named by its title');
    assert.equal(page.get('heading', article.title).tagName, 'h1');
    page.get('paragraph', 'How a league of merchants ran the northern seas for three centuries.');
    const by = page.get('link', writer.name);
    assert.equal(page.attr(by, 'href'), `/author/${writer.byline}/`);
    assert.equal(page.attr(by, 'rel'), 'author');
    const byline = page.all('paragraph').find((p) => page.text(p).startsWith(`By ${writer.name}`));
    assert.ok(byline, 'a byline');
    const times = page.within(byline).all('time');
    assert.deepEqual(
      times.map((el) => page.attr(el, 'dateTime')),
      [hoursAgo(72), hoursAgo(0)],
    );
    assert.match(page.text(byline), /Updated \d/);
    assert.match(page.text(byline), /\b\d+ min read\b/);
    const toc = page.within(page.get('navigation', 'Contents'));
    assert.deepEqual(
      toc.all('link').map((a) => page.text(a)),
      sections,
      'a contents entry per section',
    );
    for (const a of toc.all('link')) {
      const id = page.attr(a, 'href').replace(/^#/, '');
      assert.equal(page.byId(id).tagName, 'h2', `heading #${id} exists`);
    }
  });

  test('footnotes are numbered once across the article and link both ways', async () => {
    const notes = Array.from({ length: 8 }, (_, i) => i + 1);
    const article = await createArticle(t, {
      body: [
        ...notes.map((n) => `Claim ${n} needs a source.[^n${n}]`),
        'The first claim again, with its note again.[^n1]',
        ...notes.map((n) => `[^n${n}]: The source of claim ${n}.`),
      ].join('\n\n'),
    });
    const page = await open(article.url);
    // A note's reference links to the note (#user-content-fn-…), its way back to the reference (#…-fnref-…).
    const refs = page.all('link').filter((a) => page.attr(a, 'href').startsWith('#user-content-fn-'));
    assert.deepEqual(
      refs.map((a) => page.text(a)),
      [...notes, 1].map(String),
      'numbered 1, 2, 3… in reading order, a note cited again keeping its number',
    );
    for (const ref of refs) {
      const id = page.attr(ref, 'href').replace(/^#user-content-fn-/, '');
      const note = page.byId(`user-content-fn-${id}`);
      assert.equal(note.tagName, 'li', `note ${id} exists`);
      const back = page.within(note).all('link', /^Back to reference/);
      assert.ok(
        back.some((a) => page.attr(a, 'href') === `#${page.attr(ref, 'id')}`),
        `note ${id} links back to the reference`,
      );
    }
  });

  test('figures carry captions and credits; the cover image too', async () => {
    const cover = await createImage(t, { alt: 'A cog under sail', caption: 'A cog.', credit: 'Drawn for the cover' });
    const figures = [await createImage(t), await createImage(t)];
    const article = await createArticle(t, {
      cover,
      body: ['Ships and harbours.', ...figures.map(figureSnippet)].join('\n\n'),
    });
    const page = await open(article.url);
    const shown = page.all('figure');
    assert.equal(shown.length, 3, 'the cover and two figures');
    for (const [i, image] of [cover, ...figures].entries()) {
      const img = page.within(shown[i]!).get('img', image.alt);
      assert.equal(page.attr(img, 'src'), image.src, `figure ${i}`);
      assert.equal(page.text(shown[i]!), `${image.caption}${image.credit}`, `figure ${i}: caption, then credit`);
    }
    const media = await get(figures[0]!.src);
    assert.equal(media.statusCode, 200);
    assert.equal(media.headers['content-type'], figures[0]!.contentType);
  });

  test('the article links its tags and its neighbours in the same category', async () => {
    const category = await createCategory(t, { name: 'Danube Crossings' });
    const [older, middle, newer] = [
      await createArticle(t, { category: category.path, publishedAt: hoursAgo(3) }),
      await createArticle(t, { category: category.path, publishedAt: hoursAgo(2), tags: ['Pontoon Bridges'] }),
      await createArticle(t, { category: category.path, publishedAt: hoursAgo(1) }),
    ];
    const page = await open(middle!.url);
    const tag = page.get('link', 'Pontoon Bridges');
    assert.equal(page.attr(tag, 'href'), '/tag/pontoon-bridges/');
    assert.equal(page.attr(tag, 'rel'), 'tag');
    const adjacent = page.within(page.get('navigation', `More in ${category.name}`)).all('link');
    assert.deepEqual(
      adjacent.map((a) => [page.attr(a, 'rel'), page.attr(a, 'href')]),
      [
        ['prev', older!.url],
        ['next', newer!.url],
      ],
      'previous/next navigation within the category',
    );
    for (const neighbour of [older!, newer!]) {
      const { crumb } = breadcrumb(await open(neighbour.url));
      assert.equal(page.attr(crumb.get('link', category.name), 'href'), category.url, `${neighbour.slug} is in it`);
    }
  });

  test('an article carries OpenGraph tags and JSON-LD Article and BreadcrumbList', async () => {
    const parent = await createCategory(t);
    const child = await createCategory(t, { parent });
    const cover = await createImage(t);
    const article = await createArticle(t, {
      category: child.path,
      cover,
      body: Array.from({ length: 21 }, (_, i) => `## Part ${i + 1}\n\n${PARAGRAPH}`).join('\n\n'),
    });
    // The document's head is metadata, not content with roles and names: read as the markup it is.
    const body = (await get(article.url)).body;
    assert.match(body, /<meta property="og:type" content="article"/);
    assert.ok(body.includes(`<meta property="og:url" content="http://annalist.test${article.url}"`), 'og:url');
    assert.ok(body.includes(`<meta property="og:image" content="http://annalist.test${cover.src}"`), 'og:image');
    const blocks = [...body.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) =>
      JSON.parse(m[1]!),
    );
    const ld = blocks.find((b) => b['@type'] === 'Article');
    assert.ok(ld);
    assert.equal(ld.headline, article.title);
    assert.ok(ld.wordCount >= 2000, `a long article (${ld.wordCount} words)`);
    const crumbs = blocks.find((b) => b['@type'] === 'BreadcrumbList');
    assert.deepEqual(crumbs.itemListElement.map((i: { name: string }) => i.name).slice(0, 3), [
      'Home',
      parent.name,
      child.name,
    ]);
  });

  test('a category archive lists its sub-categories with counts and includes their posts', async () => {
    const top = await createCategory(t, { name: 'Steppe Empires' });
    const one = await createCategory(t, { name: 'The Khazars', parent: top });
    const two = await createCategory(t, { name: 'The Golden Horde', parent: top });
    const below = await createCategory(t, { name: 'The Great Stand', parent: two });
    const posts = [
      await createArticle(t, { category: one.path }),
      await createArticle(t, { category: two.path }),
      await createArticle(t, { category: below.path }),
    ];
    const page = await open(top.url);
    assert.equal(page.get('heading', top.name).tagName, 'h1');
    const subs = page.within(page.get('navigation', 'Sub-categories'));
    assert.deepEqual(
      subs.all('listitem').map((li) => page.text(li)),
      [`${two.name} (2)`, `${one.name} (1)`],
      'each sub-category with the articles in it and below it',
    );
    assert.equal(page.attr(subs.get('link', two.name), 'href'), two.url);
    assert.deepEqual(new Set(cardTitles(page)), new Set(posts.map((p) => p.title)), 'its sub-categories’ posts');
    const child = await get(below.url);
    assert.equal(child.statusCode, 200);
    const { items, crumb } = breadcrumb(parsePage(child.body));
    assert.deepEqual(items, ['Home', top.name, two.name, below.name]);
    assert.deepEqual(
      crumb.all('link').map((a) => page.text(a)),
      ['Home', top.name, two.name],
      'the category itself is where the reader is, not a link',
    );
  });

  test('the category index lists the whole tree with counts', async () => {
    const top = await createCategory(t, { name: 'Caucasus Passes' });
    const middle = await createCategory(t, { name: 'Darial Gorge', parent: top });
    const deepest = await createCategory(t, { name: 'The Georgian Military Road', parent: middle });
    await createArticle(t, { category: deepest.path });
    const res = await get('/category/');
    assert.equal(res.statusCode, 200);
    const page = parsePage(res.body);
    tagged(page, 'heading', 'Categories', 'h1');
    const index = page.within(page.get('navigation', 'All categories'));
    assert.equal(page.attr(index.get('link', deepest.name), 'href'), deepest.url);
    // Each with its count, which includes the articles of the categories below it.
    for (const c of [top, middle, deepest]) index.get('listitem', new RegExp(`^${c.name} \\(1\\)`));
  });

  test('tag, author and monthly archives list matching posts', async () => {
    const writer = await createUser(t, 'author', { name: 'Ilse Brandt', byline: true });
    const inTag = [
      await createArticle(t, { tags: ['Quill Pens'], authors: [writer.byline!] }),
      await createArticle(t, { tags: ['Quill Pens'] }),
    ];
    const tag = await open('/tag/quill-pens/');
    assert.deepEqual(new Set(cardTitles(tag)), new Set(inTag.map((a) => a.title)), 'every post tagged Quill Pens');
    const author = await open(`/author/${writer.byline}/`);
    assert.equal(author.get('heading', writer.name).tagName, 'h1');
    assert.deepEqual(cardTitles(author), [inTag[0]!.title]);
    const dated = await createArticle(t, { publishedAt: '2023-05-10T09:00:00.000Z' });
    const month = await open('/2023/05/');
    assert.equal(month.get('heading', 'May 2023').tagName, 'h1');
    assert.deepEqual(cardTitles(month), [dated.title]);
    assert.equal(month.attr(month.get('link', dated.title), 'href'), dated.url);
  });

  test('static pages render without breadcrumb or byline and appear in the navigation', async () => {
    // The demo's About page and the site menu that links it.
    const home = await open('/');
    const nav = home.within(home.get('navigation', 'Site'));
    assert.ok(
      nav.all('link').some((a) => home.attr(a, 'href') === '/about/'),
      'the site navigation links the About page',
    );
    const about = await get('/about/');
    assert.equal(about.statusCode, 200);
    const page = parsePage(about.body);
    assert.equal(page.all('navigation', 'Breadcrumb').length, 0, 'no breadcrumb');
    assert.equal(page.all('link').filter((a) => page.attr(a, 'rel') === 'author').length, 0, 'no byline');
    assert.doesNotMatch(about.body, /class="byline"/);
  });

  test('search ranks matches and highlights them in snippets, escaping what the reader typed', async () => {
    const best = await createArticle(t, {
      title: 'Quernstones of the Eifel',
      body: 'Quernstones were cut from the Eifel lava. A quernstone ground grain for a household; quernstones travelled far.',
    });
    await createArticle(t, { body: 'Among the cargo listed at Dorestad was a single quernstone.' });
    const res = await get('/search?q=quernstone');
    const page = parsePage(res.body);
    page.get('status', '2 results for “quernstone”');
    assert.ok(page.all('mark', /^quernstones?$/i).length > 0, 'the word is highlighted');
    const first = page.within(page.all('article')[0]!).get('heading');
    assert.equal(page.attr(page.within(first).get('link'), 'href'), best.url, 'the best match first');
    const hostile = await get(`/search?q=${encodeURIComponent('<script>alert(1)</script> "NEAR" *')}`);
    assert.equal(hostile.statusCode, 200);
    // What the reader typed must come back as text: these read the markup itself.
    assert.doesNotMatch(hostile.body, /<script>alert/);
    assert.match(hostile.body, /value="&lt;script>alert\(1\)&lt;\/script> &quot;NEAR&quot; \*"/);
  });

  test('widget areas: the sidebar and footer show their widgets; the empty header area shows nothing', async () => {
    // The demo's widgets, as its seed placed them.
    const body = (await get('/')).body;
    const page = parsePage(body);
    const sidebar = page.within(page.get('complementary', 'Sidebar'));
    for (const name of ['Search', 'Categories', 'Recent articles', 'Recent comments', 'Tags'])
      sidebar.get('region', name);
    page.get('region', 'Archives');
    assert.equal(sidebar.all('region', 'Archives').length, 0, 'the archives are in the footer');
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
      const page = parsePage(res.body);
      assert.equal(page.get('heading', /not found$/i).tagName, 'h1', url);
      const search = page.field('Search for what you were looking for');
      assert.equal(page.attr(search, 'name'), 'q', url);
    }
  });

  test('addresses without their trailing slash redirect permanently to it, keeping the query', async () => {
    const category = await createCategory(t);
    const writer = await createUser(t, 'author', { byline: true });
    const article = await createArticle(t, {
      category: category.path,
      tags: ['Ferry Tolls'],
      authors: [writer.byline!],
      publishedAt: '2022-03-04T10:00:00.000Z',
    });
    for (const [from, to] of [
      [`/${article.slug}`, article.url],
      [`/category/${category.path}`, category.url],
      ['/tag/ferry-tolls?page=1', '/tag/ferry-tolls/?page=1'],
      [`/author/${writer.byline}`, `/author/${writer.byline}/`],
      ['/2022/03', '/2022/03/'],
    ]) {
      const res = await get(from!);
      assert.equal(res.statusCode, 301, from);
      assert.equal(res.headers.location, to, from);
    }
  });
});

describe('bad input gets a readable answer, never a stack trace', () => {
  /** What an error page says: its heading, message and code. */
  const said = (html: string) => {
    const page = parsePage(html);
    return page.text(page.get('main'));
  };

  test('malformed page numbers are a 400 page naming the problem', async () => {
    for (const q of ['page=-1', 'page=abc', 'page=0', 'page=1.5', 'page=1&page=2', 'page=99999999999', 'page=%FF']) {
      const res = await get(`/?${q}`);
      assert.equal(res.statusCode, 400, q);
      tagged(parsePage(res.body), 'heading', /page number/i, 'h1');
      assert.match(said(res.body), /Code: INVALID_PAGE_NUMBER/, q);
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/, q);
    }
  });

  test('a 10 KB search string is refused with a 400 page', async () => {
    const res = await get(`/search?q=${'a'.repeat(10_000)}`);
    assert.equal(res.statusCode, 400);
    assert.match(said(res.body), /SEARCH_QUERY_TOO_LONG/);
    assert.match(said(res.body), /at most 200 characters/);
  });

  test('invalid UTF-8 or broken percent-encoding in the path is a 400 page', async () => {
    for (const url of ['/%FF/', '/%E0%A4%A/', '/category/%C0%AF/', '/%/']) {
      const res = await get(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(res.headers['content-type'] as string, /text\/html/, url);
      assert.match(said(res.body), /INVALID_URL_ENCODING|BAD_REQUEST/, url);
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
    const article = await createArticle(t);
    const res = await t.app.inject({ method: 'DELETE', url: article.url });
    assert.ok(res.statusCode === 404 || res.statusCode === 405);
    assert.doesNotMatch(res.body, /at .*\.ts:\d+/);
  });
});

describe('headers', () => {
  test('every page is sent with a strict content security policy and no inline script', async () => {
    // An article with everything an article can carry that brings a script or a style: notes, a figure, a
    // citation, a dated event (its mention card and timeline) and comments.
    const source = await createSource(t);
    const event = await createEntity(t);
    const figure = await createImage(t);
    const article = await createArticle(t, {
      cover: await createImage(t),
      body: [
        `It began with ${event.mention}.[^1] So says :cite[${source.key}].`,
        figureSnippet(figure),
        '[^1]: A note.',
      ].join('\n\n'),
    });
    await createComment(t, article);
    const res = await get(article.url);
    const csp = res.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    // What is checked is the markup itself: script and style attributes have no role or name.
    const scripts = [...res.body.matchAll(/<script[^>]*>/g)].map(([tag]) => tag);
    for (const island of ['comments', 'footnotes', 'mention-cards', 'timeline'])
      assert.ok(
        scripts.some((s) => s.includes(`/assets/${island}.`)),
        `the ${island} island is on the page: ${scripts.join(' ')}`,
      );
    // Scripts are JSON-LD data or island modules from our own hashed assets; never inline code.
    for (const tag of scripts) {
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
    const article = await createArticle(t, { title: 'Salt roads of Lüneburg', slug: 'salt-roads-luneburg' });
    const res = await t.app.inject('/luneburg-salt-roads-ledger/');
    assert.equal(res.statusCode, 404);
    const page = parsePage(res.body);
    const suggestions = page.within(page.get('navigation', 'Perhaps you were looking for'));
    assert.equal(page.attr(suggestions.get('link', article.title), 'href'), article.url);
    assert.match(page.attr(page.field('Search for what you were looking for'), 'value'), /^luneburg salt\b/);
    const nothing = parsePage((await t.app.inject('/qqqq-zzzz/')).body);
    assert.equal(nothing.all('navigation', 'Perhaps you were looking for').length, 0);
  });
});
