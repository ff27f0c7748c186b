import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findPostById } from '../../src/modules/content/post.repository.ts';
import { startTestSite, TestClock, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Sticky articles on the home page and the page tree, set through the editor's form as a browser sends it (with
// its CSRF token) and read back as a reader sees them, with the page cache on.

const NOW = '2025-09-01T09:00:00.000Z';

let t: TestSite;
let editor: Person;
const db = () => t.site.content.db;
const { person, get, send, formOf } = staffClient(() => t);
const idFrom = (location: unknown) => Number(/\/admin\/posts\/(\d+)/.exec(String(location))![1]);

before(async () => {
  t = await startTestSite({ clock: new TestClock(new Date(NOW)), pageCache: true });
  editor = await person('editor', 'Edith', undefined);
});
after(() => t.close());

/** The cards of a list page, in order: slug and whether it is marked pinned. */
function cards(html: string): { slug: string; pinned: boolean }[] {
  return [
    ...html.matchAll(/<article class="(post-card[^"]*)">[\s\S]*?<h2 class="post-card__title"><a href="\/([^/"]+)\/"/g),
  ].map((m) => ({ slug: m[2]!, pinned: m[1]!.includes('post-card--pinned') }));
}

/** Published articles, newest first, as the database has them. */
async function publishedSlugs(): Promise<string[]> {
  const rows = await db()
    .selectFrom('posts')
    .select('slug')
    .where('type', '=', 'post')
    .where('status', '=', 'published')
    .where('published_at', '<=', NOW)
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => r.slug);
}

const idOfSlug = async (slug: string) =>
  (await db().selectFrom('posts').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;

/** Saves the editor's form of a post with some fields changed (or left out, as an unticked box is). */
async function saveWith(id: number, change: Record<string, string>, leaveOut: string[] = []) {
  const form = await formOf(`/admin/posts/${id}`, editor);
  for (const k of leaveOut) delete form[k];
  return send(`/admin/posts/${id}`, editor, { ...form, ...change, action: 'save' });
}

/** A new page, published through the editor. */
async function publishPage(title: string, slug: string, fields: Record<string, string> = {}, publish = true) {
  const form = await formOf('/admin/posts/new', editor);
  const res = await send('/admin/posts', editor, {
    ...form,
    title,
    slug,
    type: 'page',
    body: `About ${title.toLowerCase()}.`,
    action: publish ? 'publish' : 'save',
    preflightSeen: '1',
    ...fields,
  });
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
  return idFrom(res.headers.location);
}

describe('sticky articles on the home page', () => {
  let all: string[];
  let older: string[];
  before(async () => {
    all = await publishedSlugs();
    assert.ok(all.length > 5, `the demo has more than a page of articles (${all.length})`);
    // The two oldest articles: they would be on the last page without the flag.
    older = all.slice(-2);
  });

  test('ticking "Keep at the top of the home page" puts the articles first, marked Pinned, newest first', async () => {
    const beforeHome = await get('/');
    assert.equal(beforeHome.statusCode, 200);
    assert.deepEqual(
      cards(beforeHome.body).map((c) => c.slug),
      all.slice(0, 5),
    );
    const form = await formOf(`/admin/posts/${await idOfSlug(older[0]!)}`, editor);
    assert.equal(form.sticky, undefined, 'the box starts unticked');
    assert.match(
      (await get(`/admin/posts/${await idOfSlug(older[0]!)}`, editor)).body,
      /Keep at the top of the home page/,
    );
    for (const slug of older) {
      const res = await saveWith(await idOfSlug(slug), { sticky: '1' });
      assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    }
    // The page cache held the old home page: the saves are writes, so readers get the new one.
    const home = await get('/');
    const first = cards(home.body);
    assert.deepEqual(first.slice(0, 2), [
      { slug: older[0]!, pinned: true },
      { slug: older[1]!, pinned: true },
    ]);
    assert.ok(first.slice(2).every((c) => !c.pinned));
    assert.deepEqual(
      first.slice(2).map((c) => c.slug),
      all.filter((s) => !older.includes(s)).slice(0, 3),
    );
    assert.match(home.body, /Pinned<span class="visually-hidden">: kept at the top of the home page<\/span>/);
    const reopened = await formOf(`/admin/posts/${await idOfSlug(older[1]!)}`, editor);
    assert.equal(reopened.sticky, '1', 'the editor shows the box ticked');
  });

  test('page 2 carries on where page 1 stopped: every article once, none skipped', async () => {
    const seen: string[] = [];
    let pageCount = 1;
    for (let n = 1; n <= pageCount; n++) {
      const res = await get(n === 1 ? '/' : `/?page=${n}`);
      assert.equal(res.statusCode, 200);
      pageCount = Number(/Page \d+ of (\d+)/.exec(res.body)?.[1] ?? '1');
      const here = cards(res.body);
      if (n > 1)
        assert.ok(
          here.every((c) => !c.pinned),
          `no Pinned label on page ${n}`,
        );
      seen.push(...here.map((c) => c.slug));
    }
    assert.deepEqual(seen, [...older, ...all.filter((s) => !older.includes(s))]);
    assert.equal(new Set(seen).size, all.length);
  });

  test('archives and feeds stay in date order, without the label', async () => {
    const row = await findPostById(db(), await idOfSlug(older[0]!));
    const category = await db()
      .selectFrom('categories')
      .select('id')
      .where('id', '=', row!.primary_category_id ?? -1)
      .executeTakeFirst();
    assert.ok(category, 'the pinned article has a category');
    const path = /<p class="post-card__kicker">\s*<a href="(\/category\/[^"]+)"/.exec((await get('/')).body)?.[1];
    assert.ok(path);
    const archive = await get(path);
    assert.doesNotMatch(archive.body, /post-card--pinned|Pinned/);
    const dates = [...archive.body.matchAll(/<article class="post-card">[\s\S]*?<time datetime="([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first in the archive');
    const feed = await get('/feed/');
    const titles = [...feed.body.matchAll(/<item>\s*<title>([^<]*)<\/title>/g)].length;
    assert.ok(titles > 0);
    const pubDates = [...feed.body.matchAll(/<pubDate>([^<]+)<\/pubDate>/g)].map((m) => Date.parse(m[1]!));
    assert.deepEqual(
      pubDates,
      [...pubDates].sort((a, b) => b - a),
      'the feed is newest first',
    );
  });

  test('the flag is kept in the revision, and unticking it puts the article back in date order', async () => {
    const id = await idOfSlug(older[0]!);
    const rev = await db()
      .selectFrom('post_revisions')
      .select('meta_json')
      .where('post_id', '=', id)
      .orderBy('number', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal((JSON.parse(rev.meta_json) as { sticky?: boolean }).sticky, true);
    const res = await saveWith(id, {}, ['sticky']);
    assert.equal(res.statusCode, 303);
    assert.equal((await findPostById(db(), id))!.sticky, 0);
    const first = cards((await get('/')).body);
    assert.deepEqual(first[0], { slug: older[1]!, pinned: true });
    assert.ok(!first.some((c) => c.slug === older[0]));
    // Back to one pinned article for the rest of the file's tests.
    await saveWith(await idOfSlug(older[1]!), {}, ['sticky']);
    assert.deepEqual(
      cards((await get('/')).body).map((c) => c.slug),
      all.slice(0, 5),
    );
  });
});

describe('the page tree', () => {
  let room: number;
  let aids: number;
  let microfilm: number;
  before(async () => {
    room = await publishPage('Reading room', 'reading-room');
    aids = await publishPage('Finding aids', 'finding-aids', { parent: String(room), menuOrder: '2' });
    await publishPage('Opening hours', 'opening-hours', { parent: String(room), menuOrder: '1' });
    await publishPage('Draft notes', 'draft-notes', { parent: String(room) }, false);
    microfilm = await publishPage('Microfilm', 'microfilm', { parent: String(aids) });
  });

  const crumbsOf = (html: string) => {
    const nav = /<nav class="breadcrumb" aria-label="Breadcrumb">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
    return [
      ...nav.matchAll(/<li>(?:<a href="([^"]*)">([^<]*)<\/a>|<span aria-current="page">([^<]*)<\/span>)<\/li>/g),
    ].map((m) => (m[1] ? `${m[2]} ${m[1]}` : m[3]!));
  };

  test('a page keeps its own address and shows the pages above it in its breadcrumb', async () => {
    const res = await get('/microfilm/');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(crumbsOf(res.body), [
      'Home /',
      'Reading room /reading-room/',
      'Finding aids /finding-aids/',
      'Microfilm',
    ]);
    assert.match(res.body, /"@type":"BreadcrumbList"/);
    assert.deepEqual(crumbsOf((await get('/finding-aids/')).body), [
      'Home /',
      'Reading room /reading-room/',
      'Finding aids',
    ]);
    assert.doesNotMatch((await get('/reading-room/')).body, /class="breadcrumb"/, 'a page at the top has none');
  });

  test('a page lists its published sub-pages after its body, by order then title; drafts are not shown', async () => {
    const html = (await get('/reading-room/')).body;
    const section = /<nav class="child-pages"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
    assert.match(section, /<h2 id="child-pages-heading">In this section<\/h2>/);
    assert.deepEqual(
      [...section.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => `${m[2]} ${m[1]}`),
      ['Opening hours /opening-hours/', 'Finding aids /finding-aids/'],
    );
    assert.doesNotMatch(html, /Draft notes/);
    assert.ok(html.indexOf('class="prose"') < html.indexOf('class="child-pages"'), 'after the body');
  });

  test('the editor shows the parent and order it saved, and offers no page under the page itself', async () => {
    const form = await formOf(`/admin/posts/${aids}`, editor);
    assert.equal(form.parent, String(room));
    assert.equal(form.menuOrder, '2');
    const html = (await get(`/admin/posts/${room}`, editor)).body;
    const select = /<select[^>]*name="parent"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    assert.match(html, /<label for="post-parent">Parent page<\/label>/);
    for (const own of [room, aids, microfilm]) assert.doesNotMatch(select, new RegExp(`value="${own}"`));
    assert.match(select, /<option value(="")?>None \(at the top\)<\/option>/);
  });

  test('placing a page under one of its own sub-pages, or under itself, is refused beside the field', async () => {
    for (const parent of [microfilm, room]) {
      const res = await saveWith(room, { parent: String(parent) });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /<p class="field__error" id="post-parent-error">[^<]*(sub-pages|its own parent)/);
      assert.match(res.body, /aria-invalid="true"[^>]*name="parent"|name="parent"[^>]*aria-invalid="true"/);
    }
    assert.equal((await findPostById(db(), room))!.parent_id, null, 'nothing was saved');
    assert.equal((await get('/reading-room/')).statusCode, 200);
    const order = await saveWith(aids, { menuOrder: 'first' });
    assert.equal(order.statusCode, 400);
    assert.match(order.body, /id="post-menuOrder-error">The order is a whole number/);
  });

  test('restoring a revision brings its parent page back, unless that parent is below the page by now', async () => {
    const hours = await idOfSlug('opening-hours');
    const restore = async (id: number, n: number) => {
      const { version } = (await findPostById(db(), id))!;
      const res = await send(`/admin/posts/${id}/revisions/${n}/restore`, editor, { version: String(version) });
      assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    };
    assert.equal((await saveWith(hours, { parent: '' })).statusCode, 303);
    assert.equal((await findPostById(db(), hours))!.parent_id, null);
    await restore(hours, 1);
    assert.equal((await findPostById(db(), hours))!.parent_id, room, 'revision 1 was under the reading room');

    assert.equal((await saveWith(hours, { parent: '' })).statusCode, 303);
    assert.equal((await saveWith(room, { parent: String(hours) })).statusCode, 303);
    await restore(hours, 1);
    assert.equal((await findPostById(db(), hours))!.parent_id, null, 'no loop: it stays at the top');
    assert.equal((await findPostById(db(), room))!.parent_id, hours);
    // As before, for the next test.
    assert.equal((await saveWith(room, { parent: '' })).statusCode, 303);
    assert.equal((await saveWith(hours, { parent: String(room), menuOrder: '1' })).statusCode, 303);
  });

  test('moving a page to another parent moves it in both lists; a page that becomes a post leaves the tree', async () => {
    assert.equal((await saveWith(microfilm, { parent: String(room), menuOrder: '0' })).statusCode, 303);
    const section = /<nav class="child-pages"[\s\S]*?<\/nav>/.exec((await get('/reading-room/')).body)?.[0] ?? '';
    assert.deepEqual(
      [...section.matchAll(/<a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]),
      ['Microfilm', 'Opening hours', 'Finding aids'],
    );
    assert.doesNotMatch((await get('/finding-aids/')).body, /class="child-pages"/);
    assert.equal((await saveWith(room, { type: 'post' })).statusCode, 303);
    assert.equal((await findPostById(db(), aids))!.parent_id, null, 'its sub-pages are at the top now');
    assert.doesNotMatch((await get('/finding-aids/')).body, /class="breadcrumb"/);
  });
});
