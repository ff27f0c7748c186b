import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser, startSession } from '../../src/modules/accounts/accounts.service.ts';
import { insertPost } from '../../src/modules/content/post.repository.ts';
import { getRevisionsKept } from '../../src/modules/content/revision.repository.ts';
import { preflightPost } from '../../src/modules/preflight/preflight.service.ts';
import { getSiteWords } from '../../src/modules/preflight/site-words.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { postRow } from '../support/posts.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

// The dashboard, site settings, widget areas and navigation menus, through HTTP, with the page cache on: every
// change must show on the public site at the next request.

const FORM = 'application/x-www-form-urlencoded';
const ARTICLE = '/khalkhin-gol-1939/';

let t: TestSite;
let owner: Session;
let author: Session;

interface Session {
  cookie: string;
  csrf: string;
  userId: number;
}

let userSeq = 0;
/** A person with `role`, signed in (a session made directly: signing in has tests of its own). */
async function signedIn(role: UserRole, authorId: number | null = null): Promise<Session> {
  const deps = { db: t.site.content.db, clock: t.clock };
  const user = await createUser(deps, { email: `${role}${++userSeq}@example.org`, name: `Test ${role}`, role });
  if (authorId !== null)
    await deps.db.updateTable('users').set({ author_id: authorId }).where('id', '=', user.id).execute();
  const row = await deps.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
  const { token } = await startSession(deps, row);
  const cookie = `annalist_session=${token}`;
  const page = await get('/admin/dashboard', cookie);
  assert.equal(page.statusCode, 200, page.body);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(csrf, 'the dashboard carries a CSRF token');
  return { cookie, csrf, userId: user.id };
}

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

function post(url: string, who: Session, fields: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': FORM, cookie: who.cookie, origin: TEST_BASE_URL },
    payload: new URLSearchParams({ csrf: who.csrf, ...fields }).toString(),
  });
}

/** The public page as a reader gets it (from the page cache when it can). */
async function publicPage(url = ARTICLE): Promise<string> {
  const res = await get(url);
  assert.equal(res.statusCode, 200);
  return res.body;
}

/** The text of an element matched by `re` (first group), tags removed. */
const textOf = (html: string, re: RegExp) => (re.exec(html)?.[1] ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const sidebarOf = (html: string) =>
  textOf(html, /<aside class="widget-area widget-area--sidebar"[^>]*>([\s\S]*?)<\/aside>/);
const headerNavOf = (html: string) => /<nav class="site-nav" aria-label="Site">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
const footerNavOf = (html: string) =>
  /<nav class="site-nav site-footer-nav" aria-label="Footer">([\s\S]*?)<\/nav>/.exec(html)?.[1];

before(async () => {
  t = await startTestSite({ pageCache: true });
  owner = await signedIn('owner');
  author = await signedIn('author');
});
after(() => t.close());

describe('who may do what', () => {
  test('signing in lands on the dashboard, which every role may open', async () => {
    const res = await get('/admin', owner.cookie);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/dashboard');
    for (const role of ['moderator', 'contributor', 'author', 'editor'] as const) {
      const who = await signedIn(role);
      const page = await get('/admin/dashboard', who.cookie);
      assert.equal(page.statusCode, 200, `${role} sees the dashboard`);
      assert.match(page.body, /<h1 class="page-title">Dashboard<\/h1>/);
    }
  });

  test('an author gets 403 on settings, widgets, menus and their forms, and sees no Site link', async () => {
    for (const url of ['/admin/settings', '/admin/widgets', '/admin/menus']) {
      const res = await get(url, author.cookie);
      assert.equal(res.statusCode, 403, `GET ${url}`);
      assert.match(res.body, /FORBIDDEN/);
    }
    const before = await t.site.content.db.selectFrom('settings').selectAll().execute();
    const changes: [string, Record<string, string>][] = [
      [
        '/admin/settings',
        { title: 'Taken over', tagline: '', description: '', locale: 'en', timeZone: 'UTC', postsPerPage: '5' },
      ],
      ['/admin/widgets', { area: 'header', type: 'search', title: 'X', count: '', markdown: '' }],
      ['/admin/menus', { menu: 'primary', label: 'X', url: '/x/' }],
      ['/admin/widgets/1/remove', {}],
    ];
    for (const [url, fields] of changes) assert.equal((await post(url, author, fields)).statusCode, 403, `POST ${url}`);
    assert.deepEqual(await t.site.content.db.selectFrom('settings').selectAll().execute(), before);
    assert.ok(await t.site.content.db.selectFrom('widgets').where('id', '=', 1).selectAll().executeTakeFirst());
    const dash = await get('/admin/dashboard', author.cookie);
    assert.doesNotMatch(dash.body, /href="\/admin\/settings"/);
    assert.match((await get('/admin/dashboard', owner.cookie)).body, /href="\/admin\/settings"/);
  });

  test('a form without its CSRF token changes nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/menus',
      headers: { 'content-type': FORM, cookie: owner.cookie, origin: TEST_BASE_URL },
      payload: new URLSearchParams({ menu: 'primary', label: 'Sneaky', url: '/sneaky/' }).toString(),
    });
    assert.equal(res.statusCode, 403);
    assert.equal((await t.site.content.db.selectFrom('menu_items').selectAll().execute()).length, 0);
  });
});

describe('site settings', () => {
  const good = {
    title: 'Steppe and Sea',
    tagline: 'Wars at the edges of empires',
    description: 'Essays on the Russo-Japanese frontier.',
    locale: 'en-us',
    timeZone: 'asia/ulaanbaatar',
    postsPerPage: '3',
    revisionsKept: '20',
  };

  test('saved settings show on the public site at the next request, in canonical form', async () => {
    assert.match(await publicPage('/'), /<title>The Steppe and the Sea<\/title>/, 'primes the page cache');
    const res = await post('/admin/settings', owner, good);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/admin/settings?notice=saved');
    const home = await publicPage('/');
    assert.match(home, /<title>Steppe and Sea<\/title>/);
    assert.match(home, /Wars at the edges of empires/);
    assert.match(home, /<html lang="en-US">/);
    assert.equal([...home.matchAll(/<article class="post-card">/g)].length, 3, 'three articles per page');
    const page = await get('/admin/settings?notice=saved', owner.cookie);
    assert.match(page.body, /Settings saved\./);
    assert.match(page.body, /value="Asia\/Ulaanbaatar"/);
    assert.match(page.body, /<option value="Europe\/London">/, 'time zones offered from Intl');
    assert.match(page.body, /href="\/admin\/discussion"/, 'the comment policy links to the discussion rules');
    assert.equal(await getRevisionsKept(t.site.content.db), 20, 'the editor keeps as many revisions as set');
  });

  test('a bad time zone, locale and page size are refused field by field, keeping what was typed', async () => {
    const before = await t.site.content.db.selectFrom('settings').selectAll().execute();
    const res = await post('/admin/settings', owner, {
      ...good,
      title: 'A new title that must not be saved',
      timeZone: 'Mars/Olympus_Mons',
      locale: 'not a language!',
      postsPerPage: 'lots',
      revisionsKept: '0',
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /role="alert"/);
    assert.match(res.body, /id="settings-timeZone-error">Choose a time zone/);
    assert.match(res.body, /id="settings-locale-error">/);
    assert.match(res.body, /id="settings-postsPerPage-error">/);
    assert.match(res.body, /id="settings-revisionsKept-error">/);
    assert.match(res.body, /value="Mars\/Olympus_Mons"/, 'the typed time zone is kept');
    assert.match(res.body, /value="A new title that must not be saved"/);
    assert.match(res.body, /aria-describedby="[^"]*settings-timeZone-error"/);
    assert.doesNotMatch(res.body, /id="settings-title-error"/);
    assert.deepEqual(await t.site.content.db.selectFrom('settings').selectAll().execute(), before, 'nothing saved');
    assert.equal((await post('/admin/settings', owner, { ...good, title: '   ' })).statusCode, 400);
  });
});

describe('widget areas', () => {
  const widgets = () =>
    t.site.content.db.selectFrom('widgets').selectAll().where('area', '=', 'sidebar').orderBy('position').execute();

  test('a text widget added to the sidebar shows on the article at the next request, as sanitised Markdown', async () => {
    assert.doesNotMatch(sidebarOf(await publicPage()), /Field notes/, 'primes the page cache');
    const res = await post('/admin/widgets', owner, {
      area: 'sidebar',
      type: 'text',
      title: 'Field notes',
      count: '',
      markdown: 'Maps drawn from *Soviet* staff reports. [Sources](/sources-and-methods/)',
    });
    assert.equal(res.statusCode, 303, res.body);
    const html = await publicPage();
    assert.match(sidebarOf(html), /Field notes Maps drawn from Soviet staff reports\. Sources/);
    assert.match(html, /<em>Soviet<\/em>/);
    const list = await widgets();
    assert.equal(list.at(-1)?.title, 'Field notes', 'added at the end of the area');
    const admin = await get('/admin/widgets', owner.cookie);
    assert.match(admin.body, /Preview of the sidebar/);
    assert.match(admin.body, /<em>Soviet<\/em>/, 'the preview renders the widget as readers see it');
  });

  test('HTML in a text widget, a bad count or an unknown kind is refused with the typed text kept', async () => {
    const n = (await widgets()).length;
    const html = await post('/admin/widgets', owner, {
      area: 'sidebar',
      type: 'text',
      title: 'Bad',
      count: '',
      markdown: 'Hello <script>alert(1)</script>',
    });
    assert.equal(html.statusCode, 400);
    assert.match(html.body, /id="add-sidebar-markdown-error">Write Markdown or plain text/);
    assert.match(html.body, /Hello &lt;script(&gt;|>)alert\(1\)&lt;\/script(&gt;|>)<\/textarea>/, 'kept, escaped');
    const count = await post('/admin/widgets', owner, {
      area: 'sidebar',
      type: 'recent-posts',
      title: 'x',
      count: '500',
      markdown: '',
    });
    assert.equal(count.statusCode, 400);
    assert.match(count.body, /id="add-sidebar-count-error">Give a whole number from 1 to 20/);
    const kind = await post('/admin/widgets', owner, {
      area: 'sidebar',
      type: 'iframe',
      title: 'x',
      count: '',
      markdown: '',
    });
    assert.equal(kind.statusCode, 400);
    assert.equal((await widgets()).length, n, 'nothing added');
  });

  test('moving a widget up, editing it and removing it each show on the public page at once', async () => {
    const list = await widgets();
    const last = list.at(-1)!;
    const before = list.at(-2)!;
    assert.equal((await post(`/admin/widgets/${last.id}/move`, owner, { direction: 'up' })).statusCode, 303);
    let side = sidebarOf(await publicPage());
    assert.ok(side.indexOf('Field notes') < side.indexOf(before.title), `${side}: moved above ${before.title}`);
    const edit = await post(`/admin/widgets/${last.id}`, owner, {
      title: 'Notes from the field',
      count: '',
      markdown: 'Plain words.',
    });
    assert.equal(edit.statusCode, 303);
    side = sidebarOf(await publicPage());
    assert.match(side, /Notes from the field Plain words\./);
    assert.equal((await post(`/admin/widgets/${last.id}/remove`, owner, {})).statusCode, 303);
    assert.doesNotMatch(sidebarOf(await publicPage()), /Notes from the field/);
    assert.equal((await post(`/admin/widgets/${last.id}/remove`, owner, {})).statusCode, 404, 'already gone');
  });

  test('an empty area shows readers nothing: no sidebar element, no hint', async () => {
    for (const w of await widgets()) await post(`/admin/widgets/${w.id}/remove`, owner, {});
    const html = await publicPage();
    assert.doesNotMatch(html, /widget-area--sidebar/);
    assert.doesNotMatch(html, /widget-area--header/);
    assert.doesNotMatch(html, /No widgets here/);
    const admin = await get('/admin/widgets', owner.cookie);
    assert.match(admin.body, /No widgets here: readers see nothing in the sidebar\./);
  });
});

describe('navigation menus', () => {
  test('with no items the header keeps the default navigation and the footer has no menu', async () => {
    const html = await publicPage('/');
    assert.match(headerNavOf(html), /href="\/search"/);
    assert.equal(footerNavOf(html), undefined);
  });

  test('links added to the primary and footer menus show in the header and footer, in order', async () => {
    await publicPage('/');
    for (const [menu, label, url] of [
      ['primary', 'Articles', '/'],
      ['primary', 'Soviet Union', '/category/russian-history/soviet-union/'],
      ['primary', 'About', '/about/'],
      ['footer', 'Sources', 'https://example.org/sources?x=1&y=2'],
    ]) {
      const res = await post('/admin/menus', owner, { menu: menu!, label: label!, url: url! });
      assert.equal(res.statusCode, 303, res.body);
    }
    const html = await publicPage('/about/');
    const nav = headerNavOf(html);
    assert.deepEqual(
      [...nav.matchAll(/>([^<>]+)<\/a>/g)].map((m) => m[1]),
      ['Articles', 'Soviet Union', 'About'],
    );
    assert.doesNotMatch(nav, /href="\/search"/, 'the menu replaces the default links');
    assert.match(nav, /<a href="\/about\/" aria-current="page">About<\/a>/);
    assert.match(footerNavOf(html) ?? '', /<a href="https:\/\/example.org\/sources\?x=1&amp;y=2">Sources<\/a>/);

    const items = await t.site.content.db
      .selectFrom('menu_items')
      .selectAll()
      .where('menu', '=', 'primary')
      .orderBy('position')
      .execute();
    assert.equal((await post(`/admin/menus/${items[2]!.id}/move`, owner, { direction: 'up' })).statusCode, 303);
    assert.equal((await post(`/admin/menus/${items[0]!.id}/remove`, owner, {})).statusCode, 303);
    assert.deepEqual(
      [...headerNavOf(await publicPage('/about/')).matchAll(/>([^<>]+)<\/a>/g)].map((m) => m[1]),
      ['About', 'Soviet Union'],
    );
  });

  test('javascript:, data:, protocol-relative and other schemes are refused, keeping what was typed', async () => {
    const count = async () => (await t.site.content.db.selectFrom('menu_items').selectAll().execute()).length;
    const n = await count();
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      '//evil.example/',
      'vbscript:msgbox',
      'mailto:someone@example.org',
      'https://user:pass@example.org/',
      'about',
    ]) {
      const res = await post('/admin/menus', owner, { menu: 'primary', label: 'Click me', url });
      assert.equal(res.statusCode, 400, `${url} refused`);
      assert.match(res.body, /id="menu-primary-url-error">Give a path on this site/);
      assert.match(res.body, /value="Click me"/, 'label kept');
    }
    const empty = await post('/admin/menus', owner, { menu: 'footer', label: '', url: '/ok/' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /id="menu-footer-label-error">Give the link a label/);
    assert.match(empty.body, /value="\/ok\/"/);
    assert.equal(await count(), n, 'nothing added');
    assert.doesNotMatch(await publicPage('/'), /javascript:/i);
  });
});

describe('the dashboard', () => {
  test('authors see their own drafts; editors see everyone’s, and held comments', async () => {
    const db = t.site.content.db;
    const now = t.clock.now().toISOString();
    const author2 = await signedIn('author');
    const draft = (title: string, owner_user_id: number, body_md = 'Draft text.') =>
      insertPost(
        db,
        postRow({
          slug: title.toLowerCase().replace(/\W+/g, '-'),
          title,
          body_md,
          updated_at: now,
          created_at: now,
          word_count: 2,
          owner_user_id,
        }),
      ).then((id) => ({ id }));
    const mine = await draft('Mine about Nomonhan', author2.userId);
    const sloppy = await draft(
      'Sloppy notes on the river',
      author2.userId,
      'The infrantry made an assalt across the river.\n\n![](/media/khalkhin-gol-map.svg)',
    );
    await draft('Someone else’s about Tsushima', owner.userId);
    const ownView = await get('/admin/dashboard', author2.cookie);
    assert.match(ownView.body, /Your drafts/);
    assert.match(ownView.body, new RegExp(`href="/admin/posts/${mine.id}">Mine about Nomonhan`));
    assert.doesNotMatch(ownView.body, /Tsushima/);
    const failing = /id="dash-failing">([\s\S]*?)<\/section>/.exec(ownView.body)?.[1] ?? '';
    assert.match(failing, new RegExp(`href="/admin/posts/${sloppy.id}">Sloppy notes on the river`));
    assert.match(failing, /infrantry/, 'the spelling check names the word');
    assert.doesNotMatch(failing, /Mine about Nomonhan/, 'a clean draft is not listed');
    assert.doesNotMatch(ownView.body, /Held comments/, 'authors do not moderate');
    const editor = await signedIn('editor');
    const all = await get('/admin/dashboard', editor.cookie);
    assert.match(all.body, /Recent drafts/);
    assert.match(all.body, /Mine about Nomonhan/);
    assert.match(all.body, /Someone else’s about Tsushima/);
    assert.match(all.body, /Held comments/);
    const moderator = await signedIn('moderator');
    const mod = await get('/admin/dashboard', moderator.cookie);
    assert.match(mod.body, /Held comments/);
    assert.doesNotMatch(mod.body, /drafts/i);
  });
});

describe('the word list of the spelling check', () => {
  const check = (body: string) =>
    preflightPost(t.site.content, { title: 'Khalkhin-Gol, 1939', standfirst: '', bodyMarkdown: body });
  const spelling = async (body: string) =>
    (await check(body)).issues.filter((i) => i.check === 'spelling').map((i) => i.message);

  test('words an editor adds are accepted by every later check; a line that is not one word is refused', async () => {
    const text = 'The Soviets held the Hamar-Daba heights above the river.';
    assert.equal((await spelling(text)).length, 2, 'both halves of Hamar-Daba are unknown at first');
    const page = await get('/admin/words', owner.cookie);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Zhukov/, 'the list starts from the defaults');
    const current = (await getSiteWords(t.site.content)).join('\n');
    const refused = await post('/admin/words', owner, { words: `${current}\nBuir Nur\nHamar-Daba` });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /role="alert"/);
    assert.match(refused.body, /&quot;Buir Nur&quot; is not a single word/);
    assert.match(refused.body, /Hamar-Daba<\/textarea>/, 'what was typed is kept');
    assert.equal((await spelling(text)).length, 2, 'nothing was saved');
    const saved = await post('/admin/words', owner, { words: `${current}\r\nHamar-Daba\r\n` });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, '/admin/words?notice=saved');
    assert.deepEqual(await spelling(text), [], 'Hamar-Daba is accepted now');
    assert.match((await get('/admin/words?notice=saved', owner.cookie)).body, /Word list saved/);
  });
});
