import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/accounts.service.ts';
import { ADMIN_POSTS_PER_PAGE } from '../../src/modules/content/editor.service.ts';
import { insertPost } from '../../src/modules/content/post.repository.ts';
import { postRow } from '../support/posts.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Issue 16's orientation of a new owner: the grouped navigation with "View site", the dashboard's first-run
// checklist, the posts list's search and filters, and the report form that needs a reason.

let t: TestSite;
const db = () => t.site.content.db;
const { person, get, send } = staffClient(() => t);
let owner: Person;
let editor: Person;

before(async () => {
  t = await startTestSite();
  owner = await person('owner', 'Olwen');
  editor = await person('editor', 'Edmund');
});
after(() => t.close());

/** The titles of the posts a list page shows, in order. */
const titlesOn = (html: string) =>
  [...html.matchAll(/<td data-label="Title"><a href="\/admin\/posts\/\d+">([^<]*)<\/a>/g)].map((m) => m[1]!);
const checklistOf = (html: string) => /<section class="first-run"[\s\S]*?<\/section>/.exec(html)?.[0];

describe('the administration navigation', () => {
  test('groups the links under Content, Discussion and Site, with View site on every page', async () => {
    for (const url of ['/admin/dashboard', '/admin/posts', '/admin/moderation', '/admin/settings']) {
      const html = (await get(url, owner)).body;
      assert.match(html, /<a class="admin-header__view" href="\/">View site<\/a>/, url);
      const groups = [...html.matchAll(/<details class="admin-nav__group"[^>]*><summary>([^<]+)<\/summary>/g)];
      assert.deepEqual(
        groups.map((m) => m[1]),
        ['Content', 'Discussion', 'Site'],
        url,
      );
    }
    const nav = /<nav class="admin-nav"[\s\S]*?<\/nav>/.exec((await get('/admin/dashboard', owner)).body)![0];
    // Each link's visible words (the words only screen readers get, such as "Discussion" before Settings, left out).
    const group = (name: string): string[] =>
      [
        ...new RegExp(`<summary>${name}</summary><ul>([\\s\\S]*?)</ul>`)
          .exec(nav)![1]!
          .matchAll(/<a [^>]*>([\s\S]*?)<\/a>/g),
      ].map((m) => m[1]!.replace(/<span class="visually-hidden">[^<]*<\/span>/g, ''));
    // In this order; another area may add its own links among them.
    const inOrder = (links: string[], expected: string[]) =>
      assert.deepEqual(
        links.filter((l) => expected.includes(l)),
        expected,
      );
    inOrder(group('Content'), ['Posts', 'Pages', 'Media', 'Sources', 'Categories and tags']);
    inOrder(group('Discussion'), ['Comments', 'Corrections', 'Bans', 'Settings']);
    inOrder(group('Site'), ['Settings', 'Widgets', 'Menus', 'Users', 'Word list', 'Import', 'Export', 'Backups']);
  });

  test('opens the group of the page shown, and marks its link as the current page', async () => {
    const html = (await get('/admin/menus', owner)).body;
    assert.match(html, /<details class="admin-nav__group" open><summary>Site<\/summary>/);
    assert.match(html, /<details class="admin-nav__group"><summary>Content<\/summary>/);
    assert.match(html, /<a href="\/admin\/menus" aria-current="page">Menus<\/a>/);
    // Two links read "Settings": screen readers hear which is which.
    assert.match(html, /<a href="\/admin\/discussion"><span class="visually-hidden">Discussion <\/span>Settings<\/a>/);
    const pages = (await get('/admin/posts?type=page', owner)).body;
    assert.match(pages, /<a href="\/admin\/posts\?type=page" aria-current="page">Pages<\/a>/);
  });

  test('shows a moderator the groups they can use, without the site settings', async () => {
    const moderator = await person('moderator', 'Mirela');
    const html = (await get('/admin/moderation', moderator)).body;
    assert.match(html, /<summary>Discussion<\/summary>/);
    assert.doesNotMatch(html, /<summary>Site<\/summary>/);
    assert.match(html, />View site</);
  });
});

describe('the posts list', () => {
  test('finds posts by words of their title or address, ignoring case', async () => {
    const byTitle = await get('/admin/posts?q=SIBERIA', owner);
    assert.equal(byTitle.statusCode, 200);
    assert.deepEqual(titlesOn(byTitle.body), [
      'Steel across Siberia: building the Trans-Siberian and taking it to war',
    ]);
    assert.match(byTitle.body, /1 post matching “SIBERIA”/);
    assert.match(byTitle.body, /<input type="search" id="filter-q" name="q" value="SIBERIA"/);
    const bySlug = await get('/admin/posts?q=gekokujo', owner);
    assert.deepEqual(titlesOn(bySlug.body), ['Gekokujō: how the Kwantung Army learnt to ignore Tokyo']);
    // A % is a character to find, not a wildcard.
    const none = await get('/admin/posts?q=%25', owner);
    assert.equal(none.statusCode, 200);
    assert.deepEqual(titlesOn(none.body), []);
    assert.match(none.body, /No post matches these filters\./);
  });

  test('filters by author and by state together, and keeps the filters in its pager', async () => {
    const tom = await get('/admin/posts?author=tom-whitfield', owner);
    const tomTitles = titlesOn(tom.body);
    assert.ok(tomTitles.length >= 2, tom.body);
    assert.ok(tomTitles.includes('Steel across Siberia: building the Trans-Siberian and taking it to war'));
    assert.ok(!tomTitles.includes('Lake Khasan, 1938: a fight for two hills'), 'Elena’s post is not Tom’s');
    assert.match(tom.body, /<option value="tom-whitfield" selected>Tom Whitfield<\/option>/);
    const drafts = await get('/admin/posts?author=tom-whitfield&state=draft', owner);
    assert.deepEqual(titlesOn(drafts.body), []);

    // Enough drafts for a second page: the pager's link keeps the search.
    const now = t.clock.now().toISOString();
    for (let i = 0; i <= ADMIN_POSTS_PER_PAGE; i++)
      await insertPost(db(), postRow({ slug: `pager-draft-${i}`, title: `Pager draft ${i}`, created_at: now }));
    const first = await get('/admin/posts?q=pager&state=draft', owner);
    assert.equal(titlesOn(first.body).length, ADMIN_POSTS_PER_PAGE);
    assert.match(first.body, /<a href="\/admin\/posts\?q=pager&amp;state=draft&amp;page=2">Older<\/a>/);
    const second = await get('/admin/posts?q=pager&state=draft&page=2', owner);
    assert.equal(titlesOn(second.body).length, 1);
  });

  test('shows when each post was published and when it last changed, "Published" kept whole', async () => {
    const html = (await get('/admin/posts?q=siberia', owner)).body;
    assert.match(html, /<th scope="col">Published<\/th><th scope="col">Changed<\/th>/);
    const row = /<tr><td data-label="Title">[\s\S]*?<\/tr>/.exec(html)![0];
    const dates = [...row.matchAll(/<time datetime="([^"]+)">/g)].map((m) => m[1]);
    assert.equal(dates.length, 2, row);
    assert.notEqual(dates[0], dates[1], 'the publication date is not the install time');
    assert.match(row, /<td data-label="State" class="posts-table__state">Published<\/td>/);
    const css = (await t.app.inject(/href="(\/assets\/admin[^"]+\.css)"/.exec(html)![1]!)).body;
    assert.match(css, /\.posts-table__state,[\s\S]*?white-space: nowrap/);
  });

  test('answers a filter it does not have with a 400 that names it, never a 500', async () => {
    const cases: [string, RegExp][] = [
      ['/admin/posts?state=lost', /There is no state “lost”/],
      ['/admin/posts?type=essay', /There is no type “essay”/],
      ['/admin/posts?author=nobody-at-all', /There is no byline “nobody-at-all”/],
      [`/admin/posts?q=${'x'.repeat(201)}`, /q/],
      ['/admin/posts?q=a&q=b', /q/],
      ['/admin/posts?sort=title', /sort/],
      ['/admin/posts?page=0', /page number/],
    ];
    for (const [url, message] of cases) {
      const res = await get(url, owner);
      assert.equal(res.statusCode, 400, `${url}: ${res.body.slice(0, 200)}`);
      assert.match(res.body, message, url);
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/, `${url}: no stack trace`);
    }
  });
});

describe('the first-run checklist', () => {
  test('lists the steps left, ticks each as the site shows it done, and goes away once all are', async () => {
    const fresh = await startTestSite();
    const other = staffClient(() => fresh);
    try {
      const me = await other.person('owner', 'Nadia');
      const list = async () => checklistOf((await other.get('/admin/dashboard', me)).body);
      const done = (html: string) => [...html.matchAll(/<s>([^<]+)<\/s>/g)].map((m) => m[1]);
      let html = await list();
      assert.ok(html, 'a new owner sees the checklist');
      for (const href of ['/admin/posts/new', '/admin/account', '/admin/settings', '/admin/users', '/admin/import'])
        assert.match(html, new RegExp(`<a href="${href}">`), href);
      assert.match(html, /5 of 5 steps left/);

      // The site's title, through the settings form.
      const form = await other.formOf('/admin/settings', me, '/admin/settings');
      assert.equal((await other.send('/admin/settings', me, { ...form, title: 'Frontier Notes' })).statusCode, 303);
      html = (await list())!;
      assert.deepEqual(done(html), ['Give the site its title']);

      // Someone else gets an account; a byline; a post of the owner's own, published; an import that ran.
      const now = fresh.clock.now().toISOString();
      await createUser(
        { db: fresh.site.content.db, clock: fresh.clock },
        {
          email: 'iris@example.org',
          name: 'Iris',
          role: 'author',
        },
      );
      const author = await fresh.site.content.db
        .selectFrom('authors')
        .select('id')
        .where('slug', '=', 'elena-markova')
        .executeTakeFirstOrThrow();
      await fresh.site.content.db.updateTable('users').set({ author_id: author.id }).where('id', '=', me.id).execute();
      // A draft is not yet a first post.
      const draft = await insertPost(
        fresh.site.content.db,
        postRow({ slug: 'my-first', title: 'My first', created_at: now, owner_user_id: me.id }),
      );
      html = (await list())!;
      assert.deepEqual(done(html), [
        'Set your byline',
        'Give the site its title',
        'Invite the people who write or moderate with you',
      ]);
      await fresh.site.content.db
        .updateTable('posts')
        .set({ status: 'published', published_at: now })
        .where('id', '=', draft)
        .execute();
      assert.match((await list())!, /1 of 5 steps left/);
      await fresh.site.content.db
        .insertInto('import_map')
        .values({ source: 'wordpress https://old.example', kind: 'post', old_id: '7', new_id: draft })
        .execute();
      assert.equal(await list(), undefined, 'every step done: the checklist is gone');
    } finally {
      await fresh.close();
    }
  });

  test('can be hidden by the owner, and is not shown to an editor who does not run the site', async () => {
    assert.equal(checklistOf((await get('/admin/dashboard', editor)).body), undefined);
    assert.ok(checklistOf((await get('/admin/dashboard', owner)).body));
    assert.equal((await send('/admin/dashboard/checklist/hide', editor, {})).statusCode, 403);
    const res = await send('/admin/dashboard/checklist/hide', owner, {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/dashboard?notice=checklist-hidden');
    const after = (await get('/admin/dashboard?notice=checklist-hidden', owner)).body;
    assert.equal(checklistOf(after), undefined);
    assert.match(after, /The checklist is hidden/);
  });
});

describe('reporting a comment', () => {
  test('the form chooses no reason for the reader, and a report without one is refused with a message at the field', async () => {
    const target = await db()
      .selectFrom('comments')
      .select(['id', 'report_count'])
      .where('status', '=', 'approved')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const page = await t.app.inject(`/comments/${target.id}/report`);
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /type="radio"[^>]*checked/, 'no reason is chosen beforehand');
    assert.match(page.body, /<p class="report-reason"><input type="radio" name="reason" id="reason-abuse"/);

    const res = await t.app.inject({
      method: 'POST',
      url: `/comments/${target.id}/report`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_BASE_URL },
      payload: new URLSearchParams({ note: 'It names a private person.' }).toString(),
    });
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.match(res.body, /<p class="field__error" id="reason-error">Choose what is wrong with the comment\.<\/p>/);
    assert.match(res.body, /aria-invalid="true"/);
    assert.match(res.body, />It names a private person\.<\/textarea>/, 'the note is kept');
    const row = await db()
      .selectFrom('comments')
      .select('report_count')
      .where('id', '=', target.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.report_count, target.report_count, 'nothing was reported');
    const reports = await db().selectFrom('reports').select('id').where('comment_id', '=', target.id).execute();
    assert.equal(reports.length, 0);
  });
});
