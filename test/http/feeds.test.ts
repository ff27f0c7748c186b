import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { parseFeed } from '@rowanmanning/feed-parser';
import { figureSnippet } from '../../src/modules/media/media-snippet.ts';
import {
  type Article,
  type Category,
  createArticle,
  createCategory,
  createImage,
  createUser,
  type TestUser,
} from '../support/factories.ts';
import { parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

/**
 * Feeds, the sitemap and the JSON API over a site without the demo: every article, category, tag and byline they
 * list is one this file made (test/support/factories.ts), so each list can be checked whole.
 */

let t: TestSite;
let site: SiteContent;
before(async () => {
  t = await startTestSite({ demo: false });
  site = await makeSiteContent();
});
after(() => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url });
const getJson = async <T = Record<string, unknown>>(url: string): Promise<T> => {
  const res = await get(url);
  assert.equal(res.statusCode, 200, url);
  assert.match(res.headers['content-type'] as string, /^application\/json; charset=utf-8/, url);
  return res.json() as T;
};

/** xmllint's verdict on a document: an empty string when it is well-formed. */
function xmllint(xml: string): string {
  const run = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
  return run.status === 0 ? '' : run.stderr || `xmllint exited ${run.status}`;
}

const SITE = `${TEST_BASE_URL}/`;
const isAbsolute = (url: string | null | undefined) => typeof url === 'string' && url.startsWith(SITE);
/** The absolute addresses of articles, as feeds and the sitemap give them. */
const absolute = (articles: readonly Pick<Article, 'url'>[]) => articles.map((a) => `${TEST_BASE_URL}${a.url}`);

/**
 * Feed readers show an item's HTML away from the site: every link and image must be absolute, except a
 * fragment link (a footnote) whose target is inside the same item. Read as markup: any element's href or src
 * counts, not only those of elements with a link or image role.
 */
function assertLinksWorkOutOfContext(html: string, where: string): void {
  const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  const urls = [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(urls.length > 0, `${where} has links or images`);
  for (const url of urls) {
    if (url.startsWith('#')) assert.ok(ids.has(url.slice(1)), `${where}: ${url} points inside the item`);
    else assert.match(url, /^(https?:\/\/|mailto:)/, `${where}: ${url} is absolute`);
  }
}

interface ApiPost {
  slug: string;
  url: string;
  title: string;
  published_at: string;
  category: { path: string; name: string } | null;
  tags: { slug: string; name: string }[];
}

/** Every published post, from the API. */
async function allPosts(query = ''): Promise<ApiPost[]> {
  const body = await getJson<{ posts: ApiPost[] }>(`/api/v1/posts?per_page=100${query}`);
  return body.posts;
}

/** The category tree and the tag the feeds follow: named here, so the tests' names and addresses can say them. */
const REGION = { name: 'Fenland Waterways', slug: 'fenland-waterways' };
const DISTRICT = { name: 'The Middle Level', slug: 'middle-level' };
const PARISH = { name: 'Whittlesey Dyke', slug: 'whittlesey-dyke' };
const TAG = { name: 'Lock Keepers', slug: 'lock-keepers' };

const feedsOf = (page: string) => ({ page, rss: `${page}feed/`, atom: `${page}feed/atom/`, json: `${page}feed.json` });
const FEEDS = {
  'the whole site': { page: '/', rss: '/feed/', atom: '/feed/atom/', json: '/feed.json' },
  [`the ${REGION.name} category`]: feedsOf(`/category/${REGION.slug}/`),
  [`the ${TAG.name} tag`]: feedsOf(`/tag/${TAG.slug}/`),
};

interface PlacedArticle extends Article {
  category: Category;
  tagged: boolean;
  authors: TestUser[];
}

interface SiteContent {
  writers: TestUser[];
  region: Category;
  district: Category;
  parish: Category;
  elsewhere: Category;
  /** Every article, newest first. */
  articles: PlacedArticle[];
  /** A page (not an article): in the sitemap, in no feed. */
  page: Article;
}

/** About a hundred words, so that every item carries a full article of more than 500 characters. */
const PARAGRAPH = Array.from(
  { length: 8 },
  (_, i) => `Sentence ${i + 1} tells of the sluices, the pumping engines and the men who kept the water moving.`,
).join(' ');

/**
 * The site's content: two writers, a category three deep and one beside it, eight articles (newest first) spread
 * over them, half with the tag, each with what a feed must make absolute: a link to another page of the site,
 * an uploaded image, a footnote and an e-mail link; and one page.
 */
async function makeSiteContent(): Promise<SiteContent> {
  const writers = [
    await createUser(t, 'author', { name: 'Agnes Thurlow', byline: true }),
    await createUser(t, 'author', { name: 'Samuel Wells', byline: true }),
  ];
  const region = await createCategory(t, REGION);
  const district = await createCategory(t, { ...DISTRICT, parent: region });
  const parish = await createCategory(t, { ...PARISH, parent: district });
  const elsewhere = await createCategory(t, { name: 'Pennine Turnpikes' });
  const plan = [parish, elsewhere, district, region, elsewhere, district, region, parish];
  const articles: PlacedArticle[] = [];
  for (const [i, category] of plan.entries()) {
    const image = await createImage(t);
    const authors = i % 3 === 0 ? writers : [writers[i % 2]!];
    const body = [
      `${PARAGRAPH} More in [${category.name}](${category.url}).[^1] Corrections to [the editor](mailto:editor@example.org).`,
      figureSnippet(image),
      `[^1]: The lock-keeper's ledger, folio ${i + 1}.`,
    ].join('\n\n');
    const tagged = i % 2 === 0;
    const article = await createArticle(t, {
      category: category.path,
      tags: tagged ? [TAG.name] : ['Drainage'],
      authors: authors.map((w) => w.byline!),
      publishedAt: new Date(t.clock.now().getTime() - (i + 1) * 3_600_000).toISOString(),
      body,
    });
    articles.push({ ...article, category, tagged, authors });
  }
  const page = await createArticle(t, { type: 'page', title: 'About the Fenland Gazette' });
  return { writers, region, district, parish, elsewhere, articles, page };
}

/** The articles filed in `category` or below it, newest first. */
const filedUnder = (category: Category) =>
  site.articles.filter((a) => a.category.path === category.path || a.category.path.startsWith(`${category.path}/`));

describe('feeds', () => {
  for (const [name, feed] of Object.entries(FEEDS)) {
    test(`RSS 2.0 for ${name} is well-formed, parses, and links absolutely to full articles`, async () => {
      const res = await get(feed.rss);
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^application\/rss\+xml; charset=utf-8/);
      assert.equal(xmllint(res.body), '', 'well-formed XML');
      const parsed = parseFeed(res.body);
      assert.deepEqual(parsed.meta, { type: 'rss', version: '2.0' });
      assert.equal(parsed.url, `${TEST_BASE_URL}${feed.page}`, 'channel link is the page the feed follows');
      assert.equal(parsed.self, `${TEST_BASE_URL}${feed.rss}`, 'atom:link rel=self names the feed itself');
      assert.ok(parsed.items.length > 0);
      for (const item of parsed.items) {
        assert.ok(isAbsolute(item.url), `item link ${item.url} is absolute`);
        assert.ok(item.title, 'item has a title');
        assert.ok(item.published, `${item.url} has a publication date`);
        assert.ok(item.content && item.content.length > 500, `${item.url} carries the full article`);
        assertLinksWorkOutOfContext(item.content, item.url!);
        assert.ok(item.authors.length > 0 && item.authors.every((a) => a.name), `${item.url} names its author`);
      }
      // RSS 2.0 <author> is an e-mail address; a bare name belongs in dc:creator.
      for (const m of res.body.matchAll(/<author>([^<]*)<\/author>/g))
        assert.match(m[1]!, /@/, `RSS <author> holds an e-mail address, not “${m[1]}”`);
    });

    test(`Atom for ${name} is well-formed, parses, and labels its categories`, async () => {
      const res = await get(feed.atom);
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^application\/atom\+xml; charset=utf-8/);
      assert.equal(xmllint(res.body), '', 'well-formed XML');
      const parsed = parseFeed(res.body);
      assert.deepEqual(parsed.meta, { type: 'atom', version: '1.0' });
      assert.equal(parsed.url, `${TEST_BASE_URL}${feed.page}`);
      assert.equal(parsed.self, `${TEST_BASE_URL}${feed.atom}`);
      assert.ok(parsed.items.length > 0);
      for (const item of parsed.items) {
        assert.ok(isAbsolute(item.id) && isAbsolute(item.url), `entry ${item.id} has absolute id and link`);
        assert.ok(item.content && item.content.length > 500);
        assertLinksWorkOutOfContext(item.content, item.url!);
        assert.ok(
          item.authors.every((a) => a.name && isAbsolute(a.url)),
          `${item.url} links its authors`,
        );
        // atom:category requires term; without it readers drop the tags.
        assert.ok(item.categories.length > 0, `${item.url} has categories a reader can show`);
        for (const c of item.categories) assert.ok(c.term, `${item.url}: category “${c.label}” has a term`);
      }
    });

    test(`JSON Feed 1.1 for ${name} has every required field and absolute links`, async () => {
      const res = await get(feed.json);
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^application\/feed\+json; charset=utf-8/);
      const body = res.json();
      assert.equal(body.version, 'https://jsonfeed.org/version/1.1');
      assert.equal(typeof body.title, 'string');
      assert.equal(body.home_page_url, `${TEST_BASE_URL}${feed.page}`);
      assert.equal(body.feed_url, `${TEST_BASE_URL}${feed.json}`);
      assert.equal(body.language, 'en-GB');
      assert.ok(Array.isArray(body.items) && body.items.length > 0);
      for (const item of body.items) {
        for (const field of ['id', 'url', 'title', 'content_html'])
          assert.equal(typeof item[field], 'string', `${item.url}: ${field}`);
        assert.ok(isAbsolute(item.url), `${item.url} is absolute`);
        assert.ok(!Number.isNaN(Date.parse(item.date_published)), `${item.url} has date_published`);
        assertLinksWorkOutOfContext(item.content_html, item.url);
        assert.ok(Array.isArray(item.authors) && item.authors.length > 0, `${item.url} lists authors (1.1)`);
        for (const a of item.authors) assert.ok(a.name && isAbsolute(a.url));
        assert.equal(item.author, undefined, 'the 1.0 "author" field is gone');
      }
    });

    test(`the RSS, Atom and JSON feeds for ${name} carry the same articles in the same order`, async () => {
      const rss = parseFeed((await get(feed.rss)).body).items.map((i) => i.url);
      const atom = parseFeed((await get(feed.atom)).body).items.map((i) => i.url);
      const json = (await get(feed.json)).json().items.map((i: { url: string }) => i.url);
      assert.deepEqual(atom, rss);
      assert.deepEqual(json, rss);
    });
  }

  test('the whole-site feed lists the latest posts, newest first', async () => {
    const items = (await get('/feed.json')).json().items as { url: string; date_published: string }[];
    const posts = await allPosts();
    assert.deepEqual(
      items.map((i) => i.url),
      posts.slice(0, 20).map((p) => `${TEST_BASE_URL}${p.url}`),
    );
    assert.deepEqual(
      items.map((i) => i.url),
      absolute(site.articles),
      'every article of the site, newest first',
    );
    const dates = items.map((i) => i.date_published);
    assert.deepEqual(dates, [...dates].sort().reverse());
  });

  test('a category feed holds exactly the posts of that category and its sub-categories', async () => {
    const { region } = site;
    const posts = await allPosts();
    const inCategory = posts.filter(
      (p) => p.category && (p.category.path === region.path || p.category.path.startsWith(`${region.path}/`)),
    );
    assert.deepEqual(
      inCategory.map((p) => p.slug),
      filedUnder(region).map((a) => a.slug),
      'the API lists what was filed there',
    );
    assert.ok(inCategory.length < posts.length, 'some posts are elsewhere, so the filter is tested');
    assert.ok(
      inCategory.some((p) => p.category!.path !== region.path),
      'some posts are in sub-categories',
    );
    for (const url of [`${region.url}feed/`, `${region.url}feed/atom/`]) {
      const items = parseFeed((await get(url)).body).items.map((i) => i.url);
      assert.deepEqual(
        items,
        inCategory.map((p) => `${TEST_BASE_URL}${p.url}`),
        url,
      );
    }
    const json = (await get(`${region.url}feed.json`)).json();
    assert.deepEqual(
      json.items.map((i: { url: string }) => i.url),
      inCategory.map((p) => `${TEST_BASE_URL}${p.url}`),
    );
    assert.ok(json.title.startsWith(REGION.name), json.title);
  });

  test('a sub-category feed narrows further, and a tag feed holds only posts with that tag', async () => {
    const { district, parish } = site;
    const child = (await get(`${district.url}feed.json`)).json();
    assert.deepEqual(
      child.items.map((i: { url: string }) => i.url),
      absolute(filedUnder(district)),
      'the sub-category’s posts and its own sub-category’s',
    );
    assert.ok(
      filedUnder(district).some((a) => a.category === parish),
      'some are a level further down',
    );
    for (const item of child.items as { url: string }[]) {
      const slug = new URL(item.url).pathname.replaceAll('/', '');
      const { post } = await getJson<{ post: ApiPost }>(`/api/v1/posts/${slug}`);
      assert.ok(
        post.category?.path === district.path || post.category?.path.startsWith(`${district.path}/`),
        `${slug} is in ${post.category?.path}`,
      );
    }
    const tagged = (await allPosts(`&tag=${TAG.slug}`)).map((p) => `${TEST_BASE_URL}${p.url}`);
    assert.deepEqual(tagged, absolute(site.articles.filter((a) => a.tagged)));
    assert.ok(tagged.length >= 2 && tagged.length < site.articles.length);
    const tagFeed = (await get(`/tag/${TAG.slug}/feed.json`)).json();
    assert.deepEqual(
      tagFeed.items.map((i: { url: string }) => i.url),
      tagged,
    );
    for (const item of tagFeed.items as { tags: string[] }[]) assert.ok(item.tags.includes(TAG.name));
  });

  test('every page that offers feeds links them in its head', async () => {
    // The document's head is metadata, not content with roles and names: read as the markup it is.
    for (const feed of Object.values(FEEDS)) {
      const body = (await get(feed.page)).body;
      for (const [type, href] of [
        ['application/rss+xml', feed.rss],
        ['application/atom+xml', feed.atom],
        ['application/feed+json', feed.json],
      ] as const)
        assert.match(body, new RegExp(`<link rel="alternate" type="${type.replace('+', '\\+')}"[^>]* href="${href}"`));
    }
  });
});

describe('sitemap and robots.txt', () => {
  test('the sitemap is well-formed and lists articles, pages and every category, each answering 200', async () => {
    const res = await get('/sitemap.xml');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/xml/);
    assert.equal(xmllint(res.body), '', 'well-formed XML');
    assert.match(res.body, /<urlset xmlns="http:\/\/www\.sitemaps\.org\/schemas\/sitemap\/0\.9">/);
    const locs = [...res.body.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);
    assert.equal(new Set(locs).size, locs.length, 'no URL twice');
    for (const loc of locs) assert.ok(isAbsolute(loc), `${loc} is absolute`);
    for (const url of absolute([...site.articles, site.page])) assert.ok(locs.includes(url), `lists ${url}`);

    const { categories } = await getJson<{ categories: { url: string; children: unknown[] }[] }>('/api/v1/categories');
    const flatten = (cs: { url: string; children: unknown[] }[]): string[] =>
      cs.flatMap((c) => [c.url, ...flatten(c.children as typeof cs)]);
    for (const url of flatten(categories)) assert.ok(locs.includes(`${TEST_BASE_URL}${url}`), `lists ${url}`);
    for (const post of await allPosts()) assert.ok(locs.includes(`${TEST_BASE_URL}${post.url}`), `lists ${post.url}`);

    for (const loc of locs) {
      const page = await get(loc.slice(TEST_BASE_URL.length));
      assert.equal(page.statusCode, 200, loc);
    }
    for (const m of res.body.matchAll(/<lastmod>([^<]+)<\/lastmod>/g))
      assert.ok(!Number.isNaN(Date.parse(m[1]!)), `lastmod ${m[1]} is a date`);
  });

  test('robots.txt points crawlers at the sitemap', async () => {
    const res = await get('/robots.txt');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain/);
    assert.match(res.body, /^User-agent: \*$/m);
    assert.match(res.body, new RegExp(`^Sitemap: ${TEST_BASE_URL}/sitemap\\.xml$`, 'm'));
    assert.doesNotMatch(res.body, /^Disallow: \/$/m, 'the site is not closed to crawlers');
  });
});

describe('the JSON API', () => {
  test('/api/v1/posts pages through every post, newest first, without repeats', async () => {
    const first = await getJson<{
      posts: ApiPost[];
      page: number;
      per_page: number;
      total: number;
      total_pages: number;
    }>('/api/v1/posts');
    assert.equal(first.page, 1);
    assert.equal(first.per_page, 10);
    assert.ok(first.total >= site.articles.length);
    const seen: ApiPost[] = [];
    const perPage = 3;
    const pages = Math.ceil(first.total / perPage);
    for (let page = 1; page <= pages; page++) {
      const body = await getJson<{ posts: ApiPost[]; page: number; total_pages: number }>(
        `/api/v1/posts?per_page=${perPage}&page=${page}`,
      );
      assert.equal(body.page, page);
      assert.equal(body.total_pages, pages);
      assert.ok(body.posts.length <= perPage);
      seen.push(...body.posts);
    }
    assert.equal(seen.length, first.total);
    assert.equal(new Set(seen.map((p) => p.slug)).size, first.total, 'no post on two pages');
    const dates = seen.map((p) => p.published_at);
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
    for (const p of seen) assert.equal(p.url, `/${p.slug}/`);
    for (const a of site.articles)
      assert.ok(
        seen.some((p) => p.slug === a.slug),
        `${a.slug} is on a page`,
      );
    const beyond = await get(`/api/v1/posts?per_page=${perPage}&page=${pages + 1}`);
    assert.ok(beyond.statusCode === 404 || beyond.json().posts.length === 0, 'past the last page is empty or 404');
  });

  test('/api/v1/posts/:slug gives the rendered article with its contents and breadcrumb', async () => {
    const { region, district, parish } = site;
    const stages = [1, 2, 3, 4, 5, 6];
    const article = await createArticle(t, {
      title: 'Draining the Great Level',
      category: parish.path,
      authors: [site.writers[0]!.byline!],
      body: [
        'The adventurers undertook to drain the level within six years.[^deal]',
        ...stages.map(
          (n) => `## Stage ${n}\n\n${PARAGRAPH}${n < 6 ? `\n\n### The works of stage ${n}\n\nDykes.` : ''}`,
        ),
        '[^deal]: The agreement of 1630 with the Earl of Bedford.',
      ].join('\n\n'),
    });
    const { post } = await getJson<{
      post: ApiPost & {
        html: string;
        toc: { depth: number; id: string; text: string }[];
        breadcrumb: { name: string }[];
      };
    }>(`/api/v1/posts/${article.slug}`);
    assert.equal(post.slug, article.slug);
    assert.equal(post.title, article.title);
    // The body alone, as a fragment beginning with its first paragraph: no page around it.
    assert.match(post.html, /^<p>/);
    const body = parsePage(post.html);
    const refs = body.all('link').filter((a) => body.attr(a, 'href').startsWith('#user-content-fn-'));
    assert.equal(refs.length, 1, 'the footnote reference');
    assert.equal(body.byId(body.attr(refs[0]!, 'href').slice(1)).tagName, 'li', 'leads to its note');
    assert.equal(post.toc.length, 12, 'six sections, five sub-sections and the notes');
    for (const entry of post.toc) {
      assert.ok(entry.depth === 2 || entry.depth === 3);
      const heading = body.byId(entry.id);
      assert.equal(heading.tagName, `h${entry.depth}`, `#${entry.id} is a heading`);
      assert.equal(body.text(heading), entry.text);
    }
    assert.deepEqual(
      post.breadcrumb.map((c) => c.name),
      [region.name, district.name, parish.name],
    );
    assert.equal(post.category?.path, parish.path);
  });

  test('/api/v1/categories is the category tree with counts that add up', async () => {
    interface ApiCategory {
      slug: string;
      path: string;
      name: string;
      url: string;
      post_count: number;
      total_count: number;
      children: ApiCategory[];
    }
    const { categories } = await getJson<{ categories: ApiCategory[] }>('/api/v1/categories');
    const region = categories.find((c) => c.slug === REGION.slug);
    assert.ok(region);
    const district = region.children.find((c) => c.slug === DISTRICT.slug);
    assert.ok(district, `${DISTRICT.name} is under ${REGION.name}`);
    assert.equal(district.path, site.district.path);
    assert.ok(district.children.some((c) => c.path === site.parish.path));
    const check = (c: ApiCategory) => {
      assert.equal(c.url, `/category/${c.path}/`);
      assert.equal(
        c.total_count,
        c.post_count + c.children.reduce((n, child) => n + child.total_count, 0),
        `${c.path}: total counts its own posts and its sub-categories'`,
      );
      c.children.forEach(check);
    };
    categories.forEach(check);
    const posts = await allPosts();
    assert.equal(region.total_count, posts.filter((p) => p.category?.path.split('/')[0] === REGION.slug).length);
  });

  test('/api/v1/tags and /api/v1/authors list what the archives show', async () => {
    const { tags } = await getJson<{ tags: { slug: string; name: string; post_count: number; url: string }[] }>(
      '/api/v1/tags',
    );
    const tag = tags.find((each) => each.slug === TAG.slug);
    assert.ok(tag);
    assert.equal(tag.name, TAG.name);
    assert.equal(tag.url, `/tag/${TAG.slug}/`);
    assert.equal(tag.post_count, (await allPosts(`&tag=${TAG.slug}`)).length);
    assert.equal(tag.post_count, site.articles.filter((a) => a.tagged).length);

    const writer = site.writers[1]!;
    const { authors } = await getJson<{ authors: { slug: string; name: string; url: string }[] }>('/api/v1/authors');
    const listed = authors.find((a) => a.slug === writer.byline);
    assert.ok(listed);
    assert.equal(listed.name, writer.name);
    assert.equal(listed.url, `/author/${writer.byline}/`);
    const theirs = site.articles.filter((a) => a.authors.includes(writer));
    assert.ok(theirs.length > 0);
    assert.deepEqual(
      (await allPosts(`&author=${writer.byline}`)).map((p) => p.slug),
      theirs.map((a) => a.slug),
    );
  });

  test('/api/v1/search ranks matches and marks the matched words in its snippets', async () => {
    const best = await createArticle(t, {
      title: 'The wherry trade of the Ouse',
      body: 'Wherries carried the turf. A wherry drew little water, and wherry men knew every staunch.',
    });
    await createArticle(t, { body: 'Once a year a wherry came up the dyke with coal.' });
    const body = await getJson<{
      query: string;
      total: number;
      results: { post: ApiPost; snippet: { text: string; match: boolean }[] }[];
    }>('/api/v1/search?q=wherry');
    assert.equal(body.query, 'wherry');
    assert.equal(body.total, 2);
    assert.equal(body.results.length, Math.min(body.total, 10));
    assert.equal(body.results[0]!.post.slug, best.slug, 'the best match first');
    for (const r of body.results) {
      const matched = r.snippet.filter((s) => s.match).map((s) => s.text);
      assert.ok(matched.length > 0, `${r.post.slug} marks a match`);
      for (const m of matched) assert.match(m, /^wherr/i);
    }
    const missing = await get('/api/v1/search');
    assert.equal(missing.statusCode, 400);
    assert.ok(missing.json().error.code);
  });

  test('/api/v1/openapi.json is OpenAPI 3.1.0 and describes every path the API serves', async () => {
    const doc = await getJson<{
      openapi: string;
      info: { title: string; version: string };
      servers: { url: string }[];
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>('/api/v1/openapi.json');
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.info.title && doc.info.version);
    assert.equal(doc.servers[0]?.url, `${TEST_BASE_URL}/api/v1`);

    // The document describes the API, not itself.
    const served = servedPaths()
      .filter((p) => p.startsWith('/api/v1/') && p !== '/api/v1/openapi.json')
      .sort();
    const documented = Object.keys(doc.paths)
      .map((p) => `/api/v1${p.replace(/\{(\w+)\}/g, ':$1')}`)
      .sort();
    assert.ok(served.length >= 6, `found the API routes (${served.join(', ')})`);
    assert.deepEqual(documented, served);
    for (const [path, ops] of Object.entries(doc.paths)) {
      const op = ops.get ?? ops.post;
      assert.ok(op, `${path} documents its method`);
      assert.ok(op.responses['200'] ?? op.responses['201'], `${path} documents its success answer`);
    }
  });
});

/** Every GET or POST route path in the app, read from Fastify's route tree ("/api/v1/posts/:slug"). */
function servedPaths(): string[] {
  const paths: string[] = [];
  const stack: string[] = [];
  for (const line of t.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─\s]*)(\S+) \(([^)]*)\)/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const full = stack.join('').replace(/\/{2,}/g, '/');
    const methods = m[3]!.split(', ');
    if ((methods.includes('GET') || methods.includes('POST')) && !paths.includes(full)) paths.push(full);
  }
  return paths;
}
