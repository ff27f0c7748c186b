/**
 * Exactly which cached pages each kind of write re-renders (issue 14). A set of pages is read until every one is
 * a cache hit; one write is made as staff or a reader would make it; then every page of the set is read again and
 * must be re-rendered (`miss`) or still a `hit` as the write's keys say, and each must equal what an app without a
 * page cache renders now: no page of the set is ever stale, and a page answered from the cache whose bytes
 * changed (its widget areas stitched again) has a new ETag. A term or source edited re-renders exactly the pages
 * showing it: an article that shows neither stays a hit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { articleText, describeQuote } from '../../src/modules/corrections/anchoring.ts';
import { emptyEntityForm } from '../../src/modules/history/entity-form.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { buildApp } from '../../src/web/app.ts';
import type { WebDeps } from '../../src/web/kit/web-deps.ts';
import {
  type Article,
  type Category,
  createArticle,
  createCategory,
  createComment,
  createEntity,
  createSource,
  createUser,
} from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { type Person, STAFF_PASSWORD, staffClient } from '../support/staff-client.ts';
import { until } from '../support/until.ts';

/**
 * The pages watched: two articles in different categories, A's neighbour, A's lists, the feeds and the rest,
 * every one of them this file's own (made in `before`, test/support/factories.ts) on the demo site, whose widgets,
 * menus and settings the site-wide writes change. A cites two sources; B cites nothing; the general's page lists
 * the second source among its sources, and A mentions him.
 */
const PAGE_NAMES = [
  'article A',
  'article B',
  "A's neighbour",
  'home',
  "A's category",
  "A's tag",
  "A's author",
  "A's month",
  'search',
  'feed',
  'comments feed',
  "A's comments feed",
  "B's comments feed",
  'sitemap',
  'corrections',
  'sources',
  "the first source's page",
  "the general's page",
  'categories',
  'robots.txt',
] as const;
type PageName = (typeof PAGE_NAMES)[number];
let PAGES: Record<PageName, string>;
/** A, B and the rest of this file's own data, made in `before`. */
let A: Article;
let B: Article;
/** A later article in A's category: A's next. */
let neighbour: Article;
/** An article in a sub-category of A's, published before A: A's previous once its category is merged into A's. */
let storm: Article;
/** A page (not an article), such as About. */
let aboutPage: Article;
/** A's category, its parent, and the sub-category `storm` is in. */
let cat: Category;
let parent: Category;
let sub: Category;
/** The two sources A cites. */
let firstSource: { key: string };
let secondSource: { key: string };
/** The words of A's body a reader's correction quotes. */
const QUOTED = 'a forty-two-year-old corps commander';
const NAMES: PageName[] = [...PAGE_NAMES];
const except = (...names: PageName[]) => NAMES.filter((n) => !names.includes(n));
/** The pages named, in the set's order. */
const only = (...names: PageName[]) => NAMES.filter((n) => names.includes(n));

/**
 * A comment on A: its page and the comment feeds. The lists that count A's comments stay hits: the count is
 * stitched into them when served (kit/count-fragments.ts).
 */
const COMMENT_ON_A: PageName[] = ['article A', 'comments feed', "A's comments feed"];
/** The lists showing A with its comment count. */
const LISTS_OF_A = ['home', "A's category", "A's tag", "A's author", "A's month"] as const;

/** The comment count a list shows for A. */
function countOfA(html: string): number {
  const page = parsePage(html);
  const link = page.get('link', new RegExp(`^\\d+ comments? on ${A.title}`));
  return Number(page.text(link).split(' ')[0]);
}
/**
 * A's text or title: everything that shows A or lists articles; B and its feed keep theirs, and so do the pages
 * built from nothing an article changes (robots.txt; the sources list, built from the library alone).
 */
const TEXT_OF_A = except('article B', "B's comments feed", 'robots.txt', 'sources');
/** Which articles readers see, or in which order: every previous/next link as well. */
const ORDER = except('robots.txt', 'sources');

let t: TestSite;
/** The same site without a page cache: what every page must be, now. */
let fresh: FastifyInstance;
const staff = staffClient(() => t);
const people = {} as Record<'editor' | 'moderator' | 'owner', Person>;
let mediaId = 0;
let nextIp = 1;

/**
 * A time `hours` before the same hour 35 days before the site clock's now, as an ISO string: in the month before
 * the clock's, and newer than the demo's articles.
 */
const hoursAgo = (hours: number) => new Date(t.clock.now().getTime() - (35 * 24 + hours) * 3_600_000).toISOString();

/** The articles, terms, sources and entity the watched pages show (PAGE_NAMES), and the pages' addresses. */
async function makeOwnData() {
  parent = await createCategory(t, { name: 'Steppe Wars' });
  cat = await createCategory(t, { name: 'Border Campaigns', parent });
  sub = await createCategory(t, { name: 'Winter Offensives', parent: cat });
  const naval = await createCategory(t, { name: 'Naval Battles' });
  const writer = (await createUser(t, 'author', { name: 'Ilse Varga', byline: true })).byline!;
  firstSource = await createSource(t, { key: 'voss-1985', title: 'The Halha River: Two Armies, 1939' });
  secondSource = await createSource(t, { key: 'brandt-1985', title: 'The Memoirs of General Orsk' });
  const general = await createEntity(t, {
    ...emptyEntityForm('person'),
    name: 'General Orsk',
    description: 'The commander at the Halha River.',
    date: '1896/1974',
    sources: secondSource.key,
  });
  storm = await createArticle(t, {
    title: 'The winter offensive',
    category: sub.path,
    authors: [writer],
    publishedAt: hoursAgo(6),
  });
  A = await createArticle(t, {
    title: 'The Halha River, 1939',
    category: cat.path,
    tags: ['Steppe Commanders', 'Halha 1939', 'Halha River'],
    authors: [writer],
    publishedAt: hoursAgo(5),
    body: [
      `The army group was led by ${general.mention}, ${QUOTED}, from June.:cite[${firstSource.key}]{p=112}`,
      '',
      `His armour crossed the river in August; the Tamsagbulag road carried it.:cite[${secondSource.key}]{p=9}`,
    ].join('\n'),
  });
  neighbour = await createArticle(t, { title: 'Lake Buir, 1939', category: cat.path, publishedAt: hoursAgo(4) });
  // Before the winter offensive: the home page's first five still show it after the tests publish two more.
  B = await createArticle(t, { title: 'The strait, 1905', category: naval.path, publishedAt: hoursAgo(8) });
  // The tag a later test gives a new address to, on an article no watched page depends on more than any other.
  await createArticle(t, { title: 'Manchukuo notes', tags: ['Manchukuo'], publishedAt: hoursAgo(48) });
  aboutPage = await createArticle(t, { type: 'page', title: 'About the steppe wars' });
  // A comment already, as the lists show a count only for an article that has some.
  await createComment(t, A);
  const month = hoursAgo(5).slice(0, 7).replace('-', '/');
  PAGES = {
    'article A': A.url,
    'article B': B.url,
    "A's neighbour": neighbour.url,
    home: '/',
    "A's category": cat.url,
    "A's tag": '/tag/steppe-commanders/',
    "A's author": `/author/${writer}/`,
    "A's month": `/${month}/`,
    search: '/search?q=Tamsagbulag',
    feed: '/feed/',
    'comments feed': '/comments/feed/',
    "A's comments feed": `${A.url}comments/feed/`,
    "B's comments feed": `${B.url}comments/feed/`,
    sitemap: '/sitemap.xml',
    corrections: '/corrections/',
    sources: '/sources/',
    "the first source's page": `/sources/${firstSource.key}/`,
    "the general's page": `/people/${general.slug}/`,
    categories: '/category/',
    'robots.txt': '/robots.txt',
  };
}

before(async () => {
  t = await startTestSite();
  // The middle of a month to come: this file's articles, published the month before (after any of the demo's),
  // share one month archive that the articles the tests publish (at the clock's now) are not in.
  const later = new Date(t.clock.now().getTime() + 62 * 86_400_000);
  t.clock.set(new Date(Date.UTC(later.getUTCFullYear(), later.getUTCMonth(), 15, 12)));
  await makeOwnData();
  fresh = await appWith({ pageCache: false });
  // A reader's comment is published at once, as a site with relaxed moderation does.
  await relaxModeration();
  people.editor = await staff.person('editor', 'Edith');
  people.moderator = await staff.person('moderator', 'Mira');
  people.owner = await staff.person('owner', 'Olga');
  const png = await sharp({ create: { width: 240, height: 160, channels: 3, background: '#7a6' } })
    .png()
    .toBuffer();
  const image = await ingestImage(t.site.content, {
    bytes: png,
    originalName: 'steppe.png',
    userId: people.owner.id,
    alt: 'Steppe grass',
    decorative: false,
    caption: '',
    credit: '',
  });
  mediaId = image.media.id;
});
after(async () => {
  await fresh?.close();
  await t?.close();
});

/** Another app on the test site, with web options the shared one does not have. */
async function appWith(options: Pick<WebDeps, 'pageCache' | 'staleMaxMs'>): Promise<FastifyInstance> {
  const app = buildApp({
    content: t.site.content,
    contentVersion: t.site.storage.contentVersion,
    changes: t.site.changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: t.site.mediaDir,
    logger: false,
    ...options,
  });
  await app.ready();
  return app;
}

const relaxModeration = () =>
  saveModerationSettings(t.site.content, { holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 });

const read = (app: FastifyInstance, url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });

/** A reader's comment on `slug` through the JSON API (a new address each time); its id. */
async function comment(slug: string, body: string, name = 'Oyuun Batsaikhan'): Promise<number> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/posts/${slug}/comments`,
    payload: { name, email: `${name.split(' ')[0]!.toLowerCase()}@example.net`, body },
    remoteAddress: `198.51.100.${nextIp++}`,
  });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { comment: { id: number } }).comment.id;
}

/** A moderator's button in the queue (approve, trash …), as the queue's form sends it. */
async function moderate(id: number, action: string) {
  const res = await staff.send(`/admin/moderation/${id}/${action}`, people.moderator, { back: '' });
  assert.equal(res.statusCode, 303, res.body.slice(0, 300));
}

/** Sends a staff form and expects the 303 of a saved form. */
async function submit(url: string, who: Person, fields: Record<string, string | string[]>) {
  const res = await staff.send(url, who, fields);
  assert.equal(res.statusCode, 303, `${url}: ${res.body.slice(0, 600)}`);
  return res;
}

/** The editor's form of post `id` sent back with `fields` changed. */
async function editPost(id: number, fields: Record<string, string>, query = '') {
  const form = await staff.formOf(`/admin/posts/${id}${query}`, people.editor);
  return submit(`/admin/posts/${id}`, people.editor, { ...form, action: 'save', ...fields });
}

/** An article in A's category, published now or an hour from now (before the pages are read): when, and its id. */
async function publishedPost(title: string, status: 'published' | 'scheduled' = 'published') {
  const at = status === 'scheduled' ? new Date(t.clock.now().getTime() + 3_600_000) : t.clock.now();
  const article = await createArticle(t, {
    title,
    body: `${title}: a short note for the cache tests.`,
    status,
    publishedAt: at.toISOString(),
    category: cat.path,
  });
  return { at, id: article.id };
}

interface Seen {
  cache: string;
  body: string;
  etag: string;
}

/** Every page of the set, as a reader gets it now. */
async function readAll(): Promise<Record<PageName, Seen>> {
  const out = {} as Record<PageName, Seen>;
  for (const name of NAMES) {
    const res = await read(t.app, PAGES[name]);
    assert.equal(res.statusCode, 200, `${name} (${PAGES[name]}): ${res.body.slice(0, 300)}`);
    out[name] = { cache: String(res.headers['x-cache']), body: res.body, etag: String(res.headers.etag) };
  }
  return out;
}

/** Reads every page until it is cached: each one's second view is a hit. */
async function warm(): Promise<Record<PageName, Seen>> {
  await readAll();
  const warmed = await readAll();
  const missed = NAMES.filter((n) => warmed[n].cache !== 'hit');
  assert.deepEqual(missed, [], 'every page is cached before the write');
  return warmed;
}

/** Where two versions of a page part: a little of each from the first difference. */
function difference(served: string, current: string): string {
  let at = 0;
  while (at < served.length && served[at] === current[at]) at++;
  const from = Math.max(0, at - 80);
  return `served …${served.slice(from, at + 120)}… but now …${current.slice(from, at + 120)}…`;
}

interface Write {
  name: string;
  /** What must exist before the pages are read (a held comment, a scheduled post …). */
  prepare?: () => Promise<void>;
  /** The write itself, after every page is cached. */
  write: () => Promise<void>;
  /** The pages it re-renders; every other page of the set stays a hit. */
  rerenders: readonly PageName[];
  /** That the write is there to see (the pages' bodies after it). */
  shows?: (pages: Record<PageName, string>) => void;
}

const marks = {
  comment: 'The steppe favoured the side with lorries.',
  trashed: 'A remark the moderators take away.',
  staff: 'From the moderators: sources for the casualty figures, please.',
};
let commenter: Person;

/** Whether the comment with marks.staff on an article page carries the "Staff" badge. */
function staffBadgeOn(html: string): boolean {
  const at = html.indexOf(marks.staff);
  assert.ok(at > 0, 'the staff comment is on the page');
  const header = html.slice(html.lastIndexOf('<header class="comment__header">', at), at);
  return header.includes('comment__badge--staff');
}
let held = 0;
let trashed = 0;
let scheduledAt = new Date(0);
let unpublished = 0;
let suggestionId = 0;

let countsBefore: Record<(typeof LISTS_OF_A)[number], number>;
const WRITES: Write[] = [
  {
    name: 'a comment posted on A (published at once)',
    write: async () => {
      const pairs = LISTS_OF_A.map(async (name) => [name, countOfA((await read(t.app, PAGES[name])).body)]);
      countsBefore = Object.fromEntries(await Promise.all(pairs));
      await comment(A.slug, marks.comment);
    },
    rerenders: COMMENT_ON_A,
    shows: (p) => {
      for (const name of ['article A', 'comments feed', "A's comments feed"] as const)
        assert.ok(p[name].includes(marks.comment), `${name} shows the comment`);
      const b = parsePage(p['article B']);
      assert.ok(b.text(b.get('complementary', 'Sidebar')).includes('Oyuun Batsaikhan'), "B's sidebar lists it");
      for (const name of LISTS_OF_A) assert.equal(countOfA(p[name]), countsBefore[name] + 1, `${name} counts it`);
    },
  },
  {
    name: 'a held comment on A approved from the queue',
    prepare: async () => {
      await saveModerationSettings(t.site.content, { holdFirstComment: true, floodSeconds: 0, minFormSeconds: 0 });
      held = await comment(A.slug, 'Held first, then approved: the Japanese lorries were too few.', 'Batbayar Dorj');
      await relaxModeration();
    },
    write: () => moderate(held, 'approve'),
    rerenders: COMMENT_ON_A,
    shows: (p) =>
      parsePage(p['article A']).get('paragraph', 'Held first, then approved: the Japanese lorries were too few.'),
  },
  {
    name: 'a comment on A trashed',
    prepare: async () => {
      trashed = await comment(A.slug, marks.trashed, 'Khulan Erdene');
    },
    write: () => moderate(trashed, 'trash'),
    rerenders: COMMENT_ON_A,
    shows: (p) => {
      for (const name of NAMES) assert.ok(!p[name].includes(marks.trashed), `${name} no longer shows it`);
    },
  },
  {
    name: "A's title edited",
    write: async () => {
      await editPost(A.id, { title: 'The Halha River, 1939: the steppe war' });
    },
    rerenders: TEXT_OF_A,
    shows: (p) => {
      for (const name of ['article A', "A's neighbour", 'home', "A's category", 'feed'] as const)
        assert.match(p[name], /The Halha River, 1939: the steppe war/, name);
    },
  },
  {
    name: 'an article published',
    write: async () => {
      const form = await staff.formOf('/admin/posts/new', people.editor);
      await submit('/admin/posts', people.editor, {
        ...form,
        title: 'The Tamsag salient',
        slug: 'tamsag-salient',
        body: 'The ground east of the river, held by the Japanese until August.',
        category: cat.path,
        action: 'publish',
        preflightSeen: '1',
      });
    },
    rerenders: ORDER,
    shows: (p) => {
      for (const name of ['home', "A's category", 'feed', 'sitemap'] as const)
        assert.match(p[name], /tamsag-salient/, name);
    },
  },
  {
    name: 'an article unpublished',
    prepare: async () => {
      unpublished = (await publishedPost('After Nomonhan')).id;
    },
    write: async () => {
      await editPost(unpublished, { action: 'unpublish' });
    },
    rerenders: ORDER,
    shows: (p) => {
      for (const name of NAMES) assert.doesNotMatch(p[name], /after-nomonhan|After Nomonhan/, name);
    },
  },
  {
    name: 'a scheduled article going live (the clock, no write)',
    prepare: async () => {
      scheduledAt = (await publishedPost('The August offensive', 'scheduled')).at;
    },
    write: async () => {
      t.clock.set(new Date(scheduledAt.getTime() + 1000));
    },
    rerenders: ORDER,
    shows: (p) => {
      for (const name of ['home', "A's category", 'feed', 'sitemap'] as const)
        assert.match(p[name], /august-offensive/, name);
    },
  },
  {
    name: "a reader's correction to A accepted",
    prepare: async () => {
      suggestionId = await suggestion(A.slug, QUOTED, 'a forty-two-year-old komkor');
    },
    write: async () => {
      await editPost(A.id, {}, `?suggestion=${suggestionId}`);
    },
    rerenders: TEXT_OF_A,
    shows: (p) => {
      assert.match(p['article A'], /a forty-two-year-old komkor/);
      assert.match(p.corrections, /Zhukov was a komkor, a corps commander/);
    },
  },
  {
    name: 'the site settings saved',
    write: async () => {
      const form = await staff.formOf('/admin/settings', people.owner, '/admin/settings');
      await submit('/admin/settings', people.owner, { ...form, tagline: 'Wars at the edges of empires' });
    },
    rerenders: NAMES,
    shows: (p) => assert.match(p.home, /Wars at the edges of empires/),
  },
  {
    name: 'a widget edited',
    write: async () => {
      await submit('/admin/widgets/7', people.owner, {
        area: 'footer',
        type: 'text',
        title: 'About this site',
        count: '',
        markdown: 'Notes on the wars of the Russian Far East.',
      });
    },
    rerenders: NAMES,
    shows: (p) => assert.match(p['article B'], /Notes on the wars of the Russian Far East\./),
  },
  {
    name: 'a menu item added',
    write: async () => {
      await submit('/admin/menus', people.owner, { menu: 'primary', label: 'Bibliography', url: '/sources/' });
    },
    rerenders: NAMES,
    shows: (p) => assert.equal(parsePage(p['article B']).all('link', 'Bibliography').length, 1),
  },
  {
    name: "A's category renamed",
    write: async () => {
      await editCategory(cat.id, { name: 'Border Campaigns, 1932–1945' });
    },
    // Every page naming it (breadcrumbs, list cards, the feed's terms, the tree); B, in another, stays a hit.
    rerenders: only(
      'article A',
      "A's neighbour",
      'home',
      "A's category",
      "A's tag",
      "A's author",
      "A's month",
      'feed',
      'sitemap',
      'categories',
    ),
    shows: (p) => {
      for (const name of ['article A', "A's neighbour", 'home', "A's category", 'feed', 'categories'] as const)
        assert.match(p[name], /Border Campaigns, 1932–1945/, name);
    },
  },
  {
    name: 'a sub-category moved under another parent (its address changes)',
    prepare: async () => {
      await cachedAt(sub.url);
    },
    write: async () => {
      await editCategory(sub.id, { parent: String(parent.id) });
      await movedTo(sub.url, movedSubUrl());
    },
    // Its articles' cards link to the new address; A's category no longer holds them. A itself is not in it.
    rerenders: only('home', "A's category", "A's author", "A's month", 'feed', 'sitemap', 'categories'),
    shows: (p) => {
      const home = parsePage(p.home);
      assert.ok(
        home.all('link').some((a) => home.attr(a, 'href') === movedSubUrl()),
        'cards link to its new address',
      );
      const own = mainOf(p["A's category"]);
      assert.ok(!own.includes(sub.url) && !own.includes(storm.url), 'moved out');
    },
  },
  {
    name: 'a category merged into A’s',
    prepare: async () => {
      await cachedAt(movedSubUrl());
    },
    write: async () => {
      await submit(`/admin/taxonomy/categories/${sub.id}/merge`, people.editor, { into: String(cat.id) });
      await movedTo(movedSubUrl(), cat.url);
    },
    // August Storm joins A's category: A and its neighbour get new previous/next links, and every list showing
    // an article of either category its card; B stays a hit.
    rerenders: only(
      'article A',
      "A's neighbour",
      'home',
      "A's category",
      "A's tag",
      "A's author",
      "A's month",
      'feed',
      'sitemap',
      'categories',
    ),
    shows: (p) => {
      const page = parsePage(p['article A']);
      const previous = page.within(page.get('navigation', /^More in /)).get('link', /^Previous in /);
      assert.equal(page.attr(previous, 'href'), storm.url, "A's previous article is the winter offensive");
      assert.ok(cardTitles(parsePage(p["A's category"])).includes(storm.title));
    },
  },
  {
    name: 'a sub-category created under A’s',
    write: async () => {
      await submit('/admin/taxonomy/categories', people.editor, {
        name: 'Border wars',
        slug: 'border-wars',
        parent: String(cat.id),
        description: '',
      });
    },
    // Only the pages listing categories: A's category among its sub-categories, the index, the sitemap.
    rerenders: only("A's category", 'sitemap', 'categories'),
    shows: (p) => {
      const page = parsePage(mainOf(p["A's category"]));
      assert.ok(page.all('link').some((a) => page.attr(a, 'href') === `${cat.url}border-wars/`));
    },
  },
  {
    name: 'an empty category deleted',
    prepare: async () => {
      await cachedAt(`${cat.url}border-wars/`);
    },
    write: async () => {
      await submit(`/admin/taxonomy/categories/${await categoryId(`${cat.path}/border-wars`)}/delete`, people.editor, {
        moveTo: '',
      });
      const gone = await read(t.app, `${cat.url}border-wars/`);
      assert.equal(gone.statusCode, 404, 'its cached page is not served');
    },
    rerenders: only("A's category", 'sitemap', 'categories'),
    shows: (p) => assert.doesNotMatch(mainOf(p["A's category"]), /border-wars/),
  },
  {
    name: 'a tag renamed',
    write: async () => {
      await submit(`/admin/taxonomy/tags/${await tagId('steppe-commanders')}`, people.editor, {
        name: 'Commanders on the steppe',
        slug: 'steppe-commanders',
      });
    },
    // Lists show no tags: only the pages naming it (A, its archive, the feed's terms, the sitemap's tags).
    rerenders: only('article A', "A's tag", 'feed', 'sitemap'),
    shows: (p) => {
      for (const name of ['article A', "A's tag", 'feed'] as const)
        assert.match(p[name], /Commanders on the steppe/, name);
    },
  },
  {
    name: 'a tag merged into another',
    write: async () => {
      await submit(`/admin/taxonomy/tags/${await tagId('halha-1939')}/merge`, people.editor, {
        into: String(await tagId('halha-river')),
      });
    },
    rerenders: only('article A', 'feed', 'sitemap'),
    shows: (p) => {
      const page = parsePage(p['article A']);
      assert.equal(page.all('link').filter((a) => page.attr(a, 'href') === '/tag/halha-1939/').length, 0);
      assert.equal(page.all('link', 'Halha River').length, 1, 'the tag it was merged into');
    },
  },
  {
    // The library's words are copied into what uses an image (a cover keeps its own alt text): no page shows them.
    name: "an image's alt text edited in the media library",
    write: async () => {
      await submit(`/admin/media/${mediaId}`, people.owner, { alt: 'Knee-high steppe grass', caption: '', credit: '' });
      const row = await t.site.content.db
        .selectFrom('media')
        .select('alt')
        .where('id', '=', mediaId)
        .executeTakeFirstOrThrow();
      assert.equal(row.alt, 'Knee-high steppe grass');
    },
    rerenders: [],
  },
  {
    name: 'a source A cites edited',
    write: () => editSource(firstSource.key, 'The Halha River: Two Armies, 1939 (two volumes)'),
    // A's notes and bibliography (on its page and in the feed), the library and the source's page.
    rerenders: only('article A', 'feed', 'sources', "the first source's page"),
    shows: (p) => {
      for (const name of ['article A', 'feed', 'sources', "the first source's page"] as const)
        assert.match(p[name], /\(two volumes\)/i, name);
    },
  },
  {
    name: 'a source A cites and an entity lists edited',
    write: () => editSource(secondSource.key, 'The Memoirs of General Orsk (first English edition)'),
    rerenders: only('article A', 'feed', 'sources', "the general's page"),
    shows: (p) => {
      for (const name of ['article A', 'feed', 'sources', "the general's page"] as const)
        assert.match(p[name], /first English edition/i, name);
    },
  },
  {
    name: 'a page (not an article) edited',
    write: async () => {
      await editPost(aboutPage.id, { title: 'About the steppe wars and their sources' });
    },
    rerenders: NAMES,
  },
  {
    name: 'a commenter’s role changed (their comment’s "Staff" badge goes)',
    prepare: async () => {
      commenter = await staff.person('moderator', 'Jonas');
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/posts/${A.slug}/comments`,
        headers: { cookie: commenter.cookie, origin: TEST_BASE_URL },
        payload: { body: marks.staff },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.ok(staffBadgeOn((await read(t.app, PAGES['article A'])).body), 'the comment carries the badge');
    },
    write: async () => {
      await submit(`/admin/users/${commenter.id}/role`, people.owner, { role: 'contributor' });
    },
    rerenders: COMMENT_ON_A,
    shows: (p) => assert.equal(staffBadgeOn(p['article A']), false, 'the badge is gone'),
  },
  {
    name: 'passwords, second factors and account names changed',
    write: async () => {
      const password = 'a long passphrase about the steppe';
      await submit('/admin/account/name', people.editor, { name: 'Edith Ward' });
      await submit('/admin/account/password', people.editor, { current: STAFF_PASSWORD, password, confirm: password });
      await submit(`/admin/users/${commenter.id}/disable`, people.owner, {});
      await submit(`/admin/users/${commenter.id}/enable`, people.owner, {});
    },
    rerenders: [],
  },
  {
    name: 'a draft saved',
    write: async () => {
      const form = await staff.formOf('/admin/posts/new', people.editor);
      await submit('/admin/posts', people.editor, {
        ...form,
        title: 'Draft: the Japanese withdrawal',
        slug: 'japanese-withdrawal',
        body: 'Not ready for readers.',
        action: 'save',
      });
    },
    rerenders: [],
  },
];

async function categoryId(path: string): Promise<number> {
  const row = await t.site.content.db.selectFrom('categories').select('id').where('path', '=', path).executeTakeFirst();
  assert.ok(row, `category ${path}`);
  return row.id;
}

/** Where the sub-category is once moved from under A's category to under its parent. */
const movedSubUrl = () => `${parent.url}${sub.path.split('/').pop()}/`;

/** The titles of the post cards a listing shows. */
const cardTitles = (page: Page) => page.all('article').map((card) => page.text(page.within(card).get('heading')));

/** Category `id` saved from the administration's form with `fields` changed. */
async function editCategory(id: number, fields: Partial<Record<'name' | 'slug' | 'parent' | 'description', string>>) {
  const row = await t.site.content.db
    .selectFrom('categories')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  await submit(`/admin/taxonomy/categories/${row.id}`, people.editor, {
    name: row.name,
    slug: row.slug,
    parent: row.parent_id === null ? '' : String(row.parent_id),
    description: row.description,
    ...fields,
  });
}

/** The source's form sent back with a new title, as its owner would. */
async function editSource(key: string, title: string) {
  const url = `/admin/sources/edit/${key}`;
  const form = await staff.formOf(url, people.owner, url);
  await submit(url, people.owner, { ...form, title });
}

/** A page without its widget areas (the category tree in the sidebar lists every category). */
const mainOf = (html: string) => html.slice(0, html.indexOf('</main>'));

/** Reads a page outside the watched set until it is a cache hit. */
async function cachedAt(url: string) {
  await read(t.app, url);
  const again = await read(t.app, url);
  assert.equal(again.statusCode, 200, `${url}: ${again.body.slice(0, 300)}`);
  assert.equal(again.headers['x-cache'], 'hit', url);
}

/** A term's old address, cached before the write, now sends readers to its new one. */
async function movedTo(from: string, to: string) {
  const res = await read(t.app, from);
  assert.equal(res.statusCode, 301, `${from}: ${res.body.slice(0, 300)}`);
  assert.equal(res.headers.location, to);
}

async function tagId(slug: string): Promise<number> {
  const row = await t.site.content.db.selectFrom('tags').select('id').where('slug', '=', slug).executeTakeFirst();
  assert.ok(row, `tag ${slug}`);
  return row.id;
}

/** A reader's open suggestion on `slug`, anchored on its text as the suggestion form stores one. */
async function suggestion(slug: string, quote: string, proposed: string): Promise<number> {
  const post = await findPostBySlug(t.site.content.db, slug);
  assert.ok(post);
  const text = articleText(post.body_html);
  const start = text.indexOf(quote);
  assert.ok(start >= 0, `"${quote}" is in ${slug}`);
  const row = await t.site.content.db
    .insertInto('correction_suggestions')
    .values({
      post_id: post.id,
      revision_number: null,
      selector_json: JSON.stringify(describeQuote(text, start, start + quote.length)),
      quote,
      problem: 'Zhukov was a komkor, a corps commander, in 1939.',
      proposed,
      source_text: 'Coox, Nomonhan (1985)',
      author_name: 'Ada Reader',
      author_email: 'ada@example.org',
      credit_ok: 1,
      status: 'open',
      created_at: t.clock.now().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe(`which cached pages each write re-renders (${TEST_DATABASE}, no stale bound)`, () => {
  for (const w of WRITES) {
    const n = w.rerenders.length;
    const outcome =
      n === NAMES.length
        ? 'every watched page re-rendered'
        : n === 0
          ? 'every watched page still a hit'
          : `${n} of ${NAMES.length} pages re-rendered, the others still hits`;
    test(`${w.name}: ${outcome}, none stale`, async () => {
      await w.prepare?.();
      const warmed = await warm();
      await w.write();
      const now = await readAll();
      const rerendered = NAMES.filter((n) => now[n].cache !== 'hit');
      assert.deepEqual(rerendered, [...w.rerenders], `re-rendered after ${w.name}`);
      for (const name of rerendered) assert.equal(now[name].cache, 'miss', `${name}: rendered, not served stale`);
      for (const name of NAMES) {
        const current = await read(fresh, PAGES[name]);
        const shown = now[name].body;
        assert.ok(shown === current.body, `${name} is not what the site shows now: ${difference(shown, current.body)}`);
        if (now[name].body !== warmed[name].body)
          assert.notEqual(now[name].etag, warmed[name].etag, `${name} changed, so its ETag did`);
      }
      w.shows?.(Object.fromEntries(NAMES.map((n) => [n, now[n].body])) as Record<PageName, string>);
    });
  }
});

describe('ETags of pages stitched from fragments', () => {
  test('another node (or this one after a restart) never answers 304 to a list showing an older count', async () => {
    const first = await read(t.app, '/');
    const before = countOfA(first.body);
    await comment(A.slug, 'Counted on every node, whatever it served before.');
    // A node that has never served the home page before: its fragments are loaded from scratch.
    const other = await appWith({});
    try {
      const now = await read(other, '/');
      assert.equal(countOfA(now.body), before + 1);
      const revalidated = await read(other, '/', { 'if-none-match': String(first.headers.etag) });
      assert.equal(revalidated.statusCode, 200, 'the old ETag is not the new page’s');
      // And the same words make the same ETag on both.
      assert.equal((await read(t.app, '/')).headers.etag, now.headers.etag);
    } finally {
      await other.close();
    }
  });
});

/** The page cache's counters from /metrics. */
async function metrics(app: FastifyInstance): Promise<Record<string, number>> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200, res.body);
  return Object.fromEntries(
    [...res.body.matchAll(/^(annalist_page_cache_\w+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]),
  );
}

describe('a page whose keys changed, read by several readers at once', () => {
  let lenient: FastifyInstance;
  const ARTICLE = () => A.url;
  before(async () => {
    lenient = await appWith({ staleMaxMs: 60_000 });
  });
  after(() => lenient?.close());

  /** Reads A on `app` until it is a current hit (a writer's view renders a stale copy again at once). */
  async function cached(app: FastifyInstance) {
    await read(app, ARTICLE(), { cookie: 'annalist_seen=0' });
    assert.equal((await read(app, ARTICLE())).headers['x-cache'], 'hit');
  }

  /** Moves the site's clock on (the bound is measured on it). */
  const later = (seconds: number) => t.clock.set(new Date(t.clock.now().getTime() + seconds * 1000));

  const views = (app: FastifyInstance, cookies: (string | undefined)[]) =>
    Promise.all(cookies.map((cookie) => read(app, ARTICLE(), cookie ? { cookie } : {})));

  test('within the stale bound readers get the old page, marked stale, while one request renders it', async () => {
    await cached(lenient);
    const text = 'Read stale for a moment, then current.';
    await comment(A.slug, text, 'Tsetseg Ganbold');
    // Early in the bound the copy is served as it is (a burst of comments costs a page few renders) …
    const early = await read(lenient, ARTICLE());
    assert.equal(early.headers['x-cache'], 'stale');
    assert.ok(!early.body.includes(text), 'the stale copy is the page from before the comment');
    assert.match(String(early.headers['cache-control']), /s-maxage=0\b/, 'a proxy in front may not keep it');
    // … and past half of it too (three quarters of the bound are left as they are) …
    later(31);
    assert.equal((await read(lenient, ARTICLE())).headers['x-cache'], 'stale', 'no render before three quarters');
    // … later in it, one reader renders the page while the others still get the copy.
    later(15);
    const answers = await views(lenient, [undefined, undefined]);
    assert.deepEqual(answers.map((r) => r.headers['x-cache']).sort(), ['miss', 'stale']);
    const stale = answers.find((r) => r.headers['x-cache'] === 'stale')!;
    const rendered = answers.find((r) => r.headers['x-cache'] === 'miss')!;
    assert.ok(!stale.body.includes(text));
    assert.ok(rendered.body.includes(text));
    const next = await read(lenient, ARTICLE());
    assert.equal(next.headers['x-cache'], 'hit');
    assert.ok(next.body.includes(text), 'the render is kept: the stale copy is gone');
  });

  /** A reader's comment on A through `app`; the annalist_seen cookie its answer sets, as the writer's browser keeps it. */
  async function commentAsWriter(app: FastifyInstance, name: string, body: string): Promise<string> {
    const posted = await app.inject({
      method: 'POST',
      url: `/api/v1/posts/${A.slug}/comments`,
      payload: { name, email: 'writer@example.net', body },
      remoteAddress: `198.51.100.${nextIp++}`,
    });
    assert.equal(posted.statusCode, 201, posted.body);
    const seen = [posted.headers['set-cookie'] ?? []]
      .flat()
      .find((c) => c.startsWith('annalist_seen='))
      ?.split(';')[0];
    assert.ok(seen, 'the answer to a write sets annalist_seen');
    return seen;
  }

  test('a reader back from a write (annalist_seen) gets the current page, never the stale one', async () => {
    await cached(lenient);
    const text = 'The writer sees their own comment at once.';
    const seen = await commentAsWriter(t.app, 'Tsetseg Ganbold', text);
    const [reader, writer, another] = await views(lenient, [undefined, seen, undefined]);
    assert.ok(writer!.body.includes(text), 'the writer gets the page with their comment');
    assert.notEqual(writer!.headers['x-cache'], 'stale');
    // The other readers get either the copy from before the comment, marked stale, or the page with it.
    for (const r of [reader!, another!])
      assert.equal(r.body.includes(text), r.headers['x-cache'] !== 'stale', String(r.headers['x-cache']));
    assert.ok([reader!, another!].some((r) => r.headers['x-cache'] === 'stale'));
  });

  test('"Recent comments" on other pages: the writer sees their comment at once, readers from three quarters of the bound', async () => {
    const other = B.url;
    const recentOf = (html: string) => parsePage(html).text(parsePage(html).get('complementary', 'Sidebar'));
    await read(lenient, other);
    const name = 'Tuya Recentwidget';
    const seen = await commentAsWriter(lenient, name, 'Shown in the sidebar of every page, in time.');
    const writer = await read(lenient, other, { cookie: seen });
    assert.ok(recentOf(writer.body).includes(name), 'the writer finds their comment among the recent ones');
    // Readers keep the areas they were shown: every page is not stitched again for each comment of a burst.
    later(44);
    assert.ok(!recentOf((await read(lenient, other)).body).includes(name), 'readers are not shown it yet');
    assert.equal((await read(lenient, other)).headers['x-cache'], 'hit', 'B itself was not rendered again');
    later(2);
    await until('readers to be shown it', async () => recentOf((await read(lenient, other)).body).includes(name));
  });

  test('after a comment is trashed nobody gets the page that showed it', async () => {
    const text = 'A comment the moderators will take away.';
    const id = await comment(A.slug, text, 'Tsetseg Ganbold');
    await cached(lenient);
    assert.ok((await read(lenient, ARTICLE())).body.includes(text));
    await moderate(id, 'trash');
    const answers = await views(lenient, [undefined, undefined, undefined, undefined]);
    for (const r of answers) {
      assert.notEqual(r.headers['x-cache'], 'stale');
      assert.ok(!r.body.includes(text), 'the trashed comment is on no answer');
    }
  });

  test('a tag given a new address answers 301 at its old one at once, never the page kept there', async () => {
    const old = '/tag/manchukuo/';
    await read(lenient, old);
    assert.equal((await read(lenient, old)).headers['x-cache'], 'hit');
    const id = await tagId('manchukuo');
    await submit(`/admin/taxonomy/tags/${id}`, people.editor, { name: 'Manchukuo', slug: 'manchukuo-1930s' });
    const moved = await read(lenient, old);
    assert.equal(moved.statusCode, 301, 'not the stale archive');
    assert.equal(moved.headers.location, '/tag/manchukuo-1930s/');
    await submit(`/admin/taxonomy/tags/${id}`, people.editor, { name: 'Manchukuo', slug: 'manchukuo' });
  });

  test('past the bound a stale page is not served, even while a render is in flight', async () => {
    await cached(lenient);
    await comment(A.slug, 'Posted, and then a minute passes.', 'Tsetseg Ganbold');
    later(61);
    const answers = await views(lenient, [undefined, undefined, undefined]);
    for (const r of answers) {
      assert.notEqual(r.headers['x-cache'], 'stale');
      assert.match(r.body, /Posted, and then a minute passes\./);
    }
  });

  test('concurrent misses of one page render it once; the others wait for that render', async () => {
    await cached(t.app);
    const text = 'Six readers at once, one render.';
    await comment(A.slug, text, 'Tsetseg Ganbold');
    const before = await metrics(t.app);
    const answers = await views(
      t.app,
      Array.from({ length: 6 }, () => undefined),
    );
    const after = await metrics(t.app);
    assert.equal(after.annalist_page_cache_misses_total! - before.annalist_page_cache_misses_total!, 1);
    assert.deepEqual(answers.map((r) => r.headers['x-cache']).sort(), ['hit', 'hit', 'hit', 'hit', 'hit', 'miss']);
    for (const r of answers) assert.ok(r.body.includes(text));
  });

  test('/metrics gives the counters to this machine and is not found from elsewhere', async () => {
    const local = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    assert.equal(local.statusCode, 200);
    assert.match(String(local.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const counter of ['hits', 'misses', 'stale', 'evictions'])
      assert.match(local.body, new RegExp(`^# TYPE annalist_page_cache_${counter}_total counter$`, 'm'));
    const counts = await metrics(lenient);
    assert.ok(counts.annalist_page_cache_stale_total! >= 2, 'the stale copies served above are counted');
    const outside = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    assert.equal(outside.statusCode, 404);
    assert.doesNotMatch(outside.body, /annalist_page_cache/);
  });
});
