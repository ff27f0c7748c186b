import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { toString as rawText } from 'hast-util-to-string';
import { createUser, startSession } from '../../src/modules/accounts/accounts.service.ts';
import { getRevisionsKept } from '../../src/modules/content/revision.repository.ts';
import { preflightPost } from '../../src/modules/preflight/preflight.service.ts';
import { getSiteWords } from '../../src/modules/preflight/site-words.ts';
import { getSiteSettings } from '../../src/modules/settings/settings.service.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { type Article, type Category, createArticle, createCategory, createImage } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

// The dashboard, site settings, widget areas and navigation menus, through HTTP, with the page cache on: every
// change must show on the public site at the next request. The articles, page and category read are this file's
// own (test/support/factories.ts); the site's own settings and widgets are only the starting point.

const FORM = 'application/x-www-form-urlencoded';

let t: TestSite;
/** The article whose page shows the sidebar, a static page and a category the menus link to. */
let article: Article;
let staticPage: Article;
let category: Category;
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
async function publicPage(url = article.url): Promise<string> {
  const res = await get(url);
  assert.equal(res.statusCode, 200);
  return res.body;
}

/** An admin page as `who` sees it, parsed. */
async function adminPage(url: string, who: Session): Promise<Page> {
  const res = await get(url, who.cookie);
  assert.equal(res.statusCode, 200, url);
  return parsePage(res.body);
}

/** The sidebar's widgets (each a region named by its title), in order; none when the page has no sidebar. */
function sidebarOf(html: string) {
  const page = parsePage(html);
  const [aside] = page.all('complementary', 'Sidebar');
  const widgets = aside ? page.within(aside).all('region') : [];
  return widgets.map((w) => {
    const [heading] = page.within(w).all('heading');
    return { title: heading ? page.text(heading) : '', widget: page.within(w) };
  });
}

/** The titles of the sidebar's widgets, in order. */
const sidebarTitles = (html: string) => sidebarOf(html).map((w) => w.title);

/** The names and addresses of a navigation landmark's links; undefined when the page has no such landmark. */
function navLinks(html: string, name: 'Site' | 'Footer') {
  const page = parsePage(html);
  const [nav] = page.all('navigation', name);
  if (!nav) return undefined;
  return page
    .within(nav)
    .all('link')
    .map((a) => ({ name: page.text(a), href: page.attr(a, 'href'), current: page.attr(a, 'ariaCurrent') }));
}

/** A form control (found by its id: a page of several forms has many fields of one label) and what it says. */
function control(page: Page, id: string) {
  const el = page.byId(id);
  return {
    el,
    value: page.attr(el, 'value'),
    description: page.description(el),
    invalid: page.attr(el, 'ariaInvalid'),
  };
}

before(async () => {
  t = await startTestSite({ pageCache: true });
  owner = await signedIn('owner');
  author = await signedIn('author');
  article = await createArticle(t, { title: 'Notes from the steppe' });
  staticPage = await createArticle(t, { type: 'page', title: 'Colophon of this site' });
  category = await createCategory(t, { name: 'Soviet Union', parent: await createCategory(t, { name: 'Russia' }) });
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
      assert.equal(parsePage(page.body).get('heading', 'Dashboard').tagName, 'h1');
    }
  });

  test('an author gets 403 on settings, widgets, menus and their forms, and sees no Site link', async () => {
    for (const url of ['/admin/settings', '/admin/widgets', '/admin/menus']) {
      const res = await get(url, author.cookie);
      assert.equal(res.statusCode, 403, `GET ${url}`);
      const refusal = parsePage(res.body);
      refusal.get('heading', 'Not allowed');
      assert.match(refusal.text(refusal.get('main')), /FORBIDDEN/);
    }
    // A widget of the owner's, which the author then tries to remove.
    assert.equal(
      (
        await post('/admin/widgets', owner, {
          area: 'footer',
          type: 'text',
          title: 'Kept',
          count: '',
          markdown: 'Kept.',
        })
      ).statusCode,
      303,
    );
    const kept = await t.site.content.db
      .selectFrom('widgets')
      .select('id')
      .where('title', '=', 'Kept')
      .executeTakeFirstOrThrow();
    const before = await t.site.content.db.selectFrom('settings').selectAll().execute();
    const changes: [string, Record<string, string>][] = [
      [
        '/admin/settings',
        { title: 'Taken over', tagline: '', description: '', locale: 'en', timeZone: 'UTC', postsPerPage: '5' },
      ],
      ['/admin/widgets', { area: 'header', type: 'search', title: 'X', count: '', markdown: '' }],
      ['/admin/menus', { menu: 'primary', label: 'X', url: '/x/' }],
      [`/admin/widgets/${kept.id}/remove`, {}],
    ];
    for (const [url, fields] of changes) assert.equal((await post(url, author, fields)).statusCode, 403, `POST ${url}`);
    assert.deepEqual(await t.site.content.db.selectFrom('settings').selectAll().execute(), before);
    assert.ok(await t.site.content.db.selectFrom('widgets').where('id', '=', kept.id).selectAll().executeTakeFirst());
    await post(`/admin/widgets/${kept.id}/remove`, owner, {});
    const settingsLinks = (page: Page) => page.all('link').filter((a) => page.attr(a, 'href') === '/admin/settings');
    assert.deepEqual(settingsLinks(await adminPage('/admin/dashboard', author)), []);
    assert.ok(settingsLinks(await adminPage('/admin/dashboard', owner)).length > 0);
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
    // The document's title and language are the head's, which no role query reads: checked in the markup.
    const { title } = await getSiteSettings(t.site.content);
    assert.ok(title !== good.title);
    assert.ok((await publicPage('/')).includes(`<title>${title}</title>`), 'primes the page cache');
    const res = await post('/admin/settings', owner, good);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/admin/settings?notice=saved');
    const homeHtml = await publicPage('/');
    const home = parsePage(homeHtml);
    assert.match(homeHtml, /<title>Steppe and Sea<\/title>/);
    assert.match(homeHtml, /<html lang="en-US">/);
    home.get('paragraph', 'Wars at the edges of empires');
    assert.equal(home.within(home.get('main')).all('article').length, 3, 'three articles per page');
    const page = await adminPage('/admin/settings?notice=saved', owner);
    assert.match(page.text(page.get('status')), /Settings saved\./);
    const zone = page.field('Time zone');
    assert.equal(page.attr(zone, 'value'), 'Asia/Ulaanbaatar');
    const offered = page.byId(page.attr(zone, 'list')).children.filter((c) => c.type === 'element');
    assert.ok(
      offered.some((o) => page.attr(o, 'value') === 'Europe/London'),
      'time zones offered from Intl',
    );
    const rules = page.all('link').filter((a) => page.attr(a, 'href') === '/admin/discussion');
    assert.ok(rules.length > 0, 'the comment policy links to the discussion rules');
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
    const page = parsePage(res.body);
    page.get('alert');
    const field = (label: string) => control(page, page.attr(page.field(label), 'id'));
    const zone = field('Time zone');
    assert.match(zone.description, /Choose a time zone/);
    assert.match(page.attr(zone.el, 'ariaDescribedBy'), /\bsettings-timeZone-error\b/);
    assert.equal(zone.value, 'Mars/Olympus_Mons', 'the typed time zone is kept');
    for (const label of ['Time zone', 'Language (BCP 47 tag)', 'Articles per page', 'Revisions kept per post']) {
      const id = page.attr(page.field(label), 'id');
      assert.ok(page.text(page.byId(`${id}-error`)), `${label} has its message`);
      assert.equal(field(label).invalid, 'true', label);
    }
    const title = field('Title');
    assert.equal(title.value, 'A new title that must not be saved');
    assert.equal(title.invalid, '', 'the title is fine');
    assert.doesNotMatch(page.attr(title.el, 'ariaDescribedBy'), /error/);
    assert.deepEqual(await t.site.content.db.selectFrom('settings').selectAll().execute(), before, 'nothing saved');
    assert.equal((await post('/admin/settings', owner, { ...good, title: '   ' })).statusCode, 400);
  });
});

describe('widget areas', () => {
  const widgets = () =>
    t.site.content.db.selectFrom('widgets').selectAll().where('area', '=', 'sidebar').orderBy('position').execute();

  test('a text widget added to the sidebar shows on the article at the next request, as sanitised Markdown', async () => {
    assert.ok(!sidebarTitles(await publicPage()).includes('Field notes'), 'primes the page cache');
    const res = await post('/admin/widgets', owner, {
      area: 'sidebar',
      type: 'text',
      title: 'Field notes',
      count: '',
      markdown: `Maps drawn from *Soviet* staff reports. [Sources](${staticPage.url})`,
    });
    assert.equal(res.statusCode, 303, res.body);
    const html = parsePage(await publicPage());
    const side = html.within(html.get('complementary', 'Sidebar'));
    side.get('heading', 'Field notes');
    side.get('paragraph', 'Maps drawn from Soviet staff reports. Sources');
    side.get('emphasis', 'Soviet');
    assert.equal(html.attr(side.get('link', 'Sources'), 'href'), staticPage.url);
    const list = await widgets();
    assert.equal(list.at(-1)?.title, 'Field notes', 'added at the end of the area');
    const admin = await adminPage('/admin/widgets', owner);
    const area = admin.within(admin.get('region', 'Sidebar'));
    area.get('heading', 'Preview of the sidebar');
    area.get('emphasis', 'Soviet');
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
    const refused = parsePage(html.body);
    const text = control(refused, 'add-sidebar-markdown');
    assert.match(text.description, /Write Markdown or plain text/);
    assert.equal(refused.text(text.el), 'Hello <script>alert(1)</script>', 'kept as text');
    assert.doesNotMatch(html.body, /<script>alert/, 'and escaped');
    const count = await post('/admin/widgets', owner, {
      area: 'sidebar',
      type: 'recent-posts',
      title: 'x',
      count: '500',
      markdown: '',
    });
    assert.equal(count.statusCode, 400);
    assert.match(control(parsePage(count.body), 'add-sidebar-count').description, /Give a whole number from 1 to 20/);
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
    const other = { area: 'sidebar', type: 'text', title: 'Reading room', count: '', markdown: 'Open daily.' };
    assert.equal((await post('/admin/widgets', owner, other)).statusCode, 303);
    const list = await widgets();
    const last = list.at(-1)!;
    const before = list.at(-2)!;
    assert.equal((await post(`/admin/widgets/${last.id}/move`, owner, { direction: 'up' })).statusCode, 303);
    const titles = sidebarTitles(await publicPage());
    assert.equal(last.title, 'Reading room');
    const moved = titles.indexOf('Reading room');
    assert.ok(moved >= 0 && moved < titles.indexOf(before.title), `${titles}: moved above ${before.title}`);
    const edit = await post(`/admin/widgets/${last.id}`, owner, {
      title: 'Notes from the field',
      count: '',
      markdown: 'Plain words.',
    });
    assert.equal(edit.statusCode, 303);
    const edited = sidebarOf(await publicPage()).find((w) => w.title === 'Notes from the field');
    assert.ok(edited, 'the widget under its new title');
    edited.widget.get('paragraph', 'Plain words.');
    assert.equal((await post(`/admin/widgets/${last.id}/remove`, owner, {})).statusCode, 303);
    assert.ok(!sidebarTitles(await publicPage()).includes('Notes from the field'));
    assert.equal((await post(`/admin/widgets/${last.id}/remove`, owner, {})).statusCode, 404, 'already gone');
  });

  test('an empty area shows readers nothing: no sidebar element, no hint', async () => {
    for (const w of await widgets()) await post(`/admin/widgets/${w.id}/remove`, owner, {});
    const html = await publicPage();
    assert.deepEqual(parsePage(html).all('complementary'), [], 'no sidebar landmark');
    assert.doesNotMatch(html, /widget-area--sidebar/);
    assert.doesNotMatch(html, /widget-area--header/);
    assert.doesNotMatch(html, /No widgets here/);
    const admin = await adminPage('/admin/widgets', owner);
    admin
      .within(admin.get('region', 'Sidebar'))
      .get('paragraph', 'No widgets here: readers see nothing in the sidebar.');
  });
});

describe('navigation menus', () => {
  test('with no items the header keeps the default navigation and the footer has no menu', async () => {
    const html = await publicPage('/');
    assert.ok(navLinks(html, 'Site')?.some((a) => a.href === '/search'));
    assert.equal(navLinks(html, 'Footer'), undefined);
  });

  test('links added to the primary and footer menus show in the header and footer, in order', async () => {
    await publicPage('/');
    for (const [menu, label, url] of [
      ['primary', 'Articles', '/'],
      ['primary', 'Soviet Union', category.url],
      ['primary', 'About', staticPage.url],
      ['footer', 'Sources', 'https://example.org/sources?x=1&y=2'],
    ]) {
      const res = await post('/admin/menus', owner, { menu: menu!, label: label!, url: url! });
      assert.equal(res.statusCode, 303, res.body);
    }
    const html = await publicPage(staticPage.url);
    const nav = navLinks(html, 'Site') ?? [];
    assert.deepEqual(
      nav.map((a) => [a.name, a.href]),
      [
        ['Articles', '/'],
        ['Soviet Union', category.url],
        ['About', staticPage.url],
      ],
      'the menu replaces the default links',
    );
    assert.deepEqual(
      nav.map((a) => a.current),
      ['', '', 'page'],
    );
    assert.deepEqual(navLinks(html, 'Footer'), [
      { name: 'Sources', href: 'https://example.org/sources?x=1&y=2', current: '' },
    ]);

    const items = await t.site.content.db
      .selectFrom('menu_items')
      .selectAll()
      .where('menu', '=', 'primary')
      .orderBy('position')
      .execute();
    assert.equal((await post(`/admin/menus/${items[2]!.id}/move`, owner, { direction: 'up' })).statusCode, 303);
    assert.equal((await post(`/admin/menus/${items[0]!.id}/remove`, owner, {})).statusCode, 303);
    assert.deepEqual(
      navLinks(await publicPage(staticPage.url), 'Site')?.map((a) => a.name),
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
      const page = parsePage(res.body);
      const address = control(page, 'menu-primary-url');
      assert.match(address.description, /Give a path on this site/);
      assert.equal(address.invalid, 'true');
      assert.equal(control(page, 'menu-primary-label').value, 'Click me', 'label kept');
    }
    const empty = await post('/admin/menus', owner, { menu: 'footer', label: '', url: '/ok/' });
    assert.equal(empty.statusCode, 400);
    const refused = parsePage(empty.body);
    assert.match(control(refused, 'menu-footer-label').description, /Give the link a label/);
    assert.equal(control(refused, 'menu-footer-url').value, '/ok/');
    assert.equal(await count(), n, 'nothing added');
    assert.doesNotMatch(await publicPage('/'), /javascript:/i);
  });
});

describe('the dashboard', () => {
  test('authors see their own drafts; editors see everyone’s, and held comments', async () => {
    const author2 = await signedIn('author');
    const draft = (title: string, owner: { id: number }, body = 'Draft text.') =>
      createArticle(t, { title, body, status: 'draft', owner });
    const mine = await draft('Mine about Nomonhan', { id: author2.userId });
    const image = await createImage(t);
    const sloppy = await draft(
      'Sloppy notes on the river',
      { id: author2.userId },
      `The infrantry made an assalt across the river.\n\n![](${image.src})`,
    );
    await draft('Someone else’s about Tsushima', { id: owner.userId });
    /** The link to a draft's editor in a dashboard section, checked to go there. */
    const editorLink = (page: Page, section: string, post: { id: number; title: string }) => {
      const link = page.within(page.get('region', section)).get('link', post.title);
      assert.equal(page.attr(link, 'href'), `/admin/posts/${post.id}`);
    };
    const ownHtml = (await get('/admin/dashboard', author2.cookie)).body;
    const ownView = parsePage(ownHtml);
    editorLink(ownView, 'Your drafts', mine);
    assert.doesNotMatch(ownHtml, /Tsushima/);
    editorLink(ownView, 'Checks to look at', sloppy);
    const failing = ownView.text(ownView.get('region', 'Checks to look at'));
    assert.match(failing, /infrantry/, 'the spelling check names the word');
    assert.doesNotMatch(failing, /Mine about Nomonhan/, 'a clean draft is not listed');
    assert.doesNotMatch(ownHtml, /Held comments/, 'authors do not moderate');
    const editor = await signedIn('editor');
    const all = await adminPage('/admin/dashboard', editor);
    editorLink(all, 'Recent drafts', mine);
    all.within(all.get('region', 'Recent drafts')).get('link', 'Someone else’s about Tsushima');
    all.get('region', 'Held comments');
    const moderator = await signedIn('moderator');
    const modHtml = (await get('/admin/dashboard', moderator.cookie)).body;
    parsePage(modHtml).get('region', 'Held comments');
    assert.doesNotMatch(modHtml, /drafts/i);
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
    const WORDS = 'Words the spelling check accepts';
    const page = await adminPage('/admin/words', owner);
    assert.match(rawText(page.field(WORDS)), /^Zhukov$/m, 'the list starts from the defaults');
    const current = (await getSiteWords(t.site.content)).join('\n');
    const refused = await post('/admin/words', owner, { words: `${current}\nBuir Nur\nHamar-Daba` });
    assert.equal(refused.statusCode, 400);
    const again = parsePage(refused.body);
    again.get('alert');
    assert.match(again.description(again.field(WORDS)), /"Buir Nur" is not a single word/);
    assert.equal(rawText(again.field(WORDS)), `${current}\nBuir Nur\nHamar-Daba`, 'what was typed is kept');
    assert.equal((await spelling(text)).length, 2, 'nothing was saved');
    const saved = await post('/admin/words', owner, { words: `${current}\r\nHamar-Daba\r\n` });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, '/admin/words?notice=saved');
    assert.deepEqual(await spelling(text), [], 'Hamar-Daba is accepted now');
    const after = await adminPage('/admin/words?notice=saved', owner);
    assert.match(after.text(after.get('status')), /Word list saved/);
  });
});
