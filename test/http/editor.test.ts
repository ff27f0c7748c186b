import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import { findPostById } from '../../src/modules/content/post.repository.ts';
import { saveSiteSettings } from '../../src/modules/settings/settings.service.ts';
import { type Article, createArticle, createCategory, createImage } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, TestClock, type TestSite } from '../support/site.ts';
import { FORM, type Person, staffClient } from '../support/staff-client.ts';

/**
 * The editor, role by role, on a site without the demo: the posts, bylines and categories a test reads are made
 * here or in the test (test/support/factories.ts), and pages are read by role and label (test/support/page.ts).
 */

// 10:00 in London (summer time): the site below keeps its dates in Europe/London.
const NOW = '2025-09-01T09:00:00.000Z';

let t: TestSite;
const db = () => t.site.content.db;
const people = {} as Record<'editor' | 'author' | 'otherAuthor' | 'contributor' | 'moderator', Person>;
/** The bylines of the two authors: their own, made at their first save (decision 039). */
const bylines = {} as Record<'author' | 'otherAuthor', string>;
const { person, get, send, formOf } = staffClient(() => t);

const postRow = async (id: number) => {
  const row = await findPostById(db(), id);
  assert.ok(row, `post ${id} exists`);
  return row;
};
const idFrom = (location: unknown) => Number(/\/admin\/posts\/(\d+)/.exec(String(location))![1]);
const revisionCount = async (postId: number) =>
  (await db().selectFrom('post_revisions').select('id').where('post_id', '=', postId).where('number', '>', 0).execute())
    .length;

const open = async (url: string, who?: Person) => parsePage((await get(url, who)).body);
const BODY = 'Body (Markdown)';
const PUBLISH_AT = /^Publication time/;
/** The value of a select: its selected option's, else its first option's (as a browser sends it). */
function chosen(select: Element): string {
  const options = select.children.filter((c): c is Element => c.type === 'element' && c.tagName === 'option');
  const option = options.find((o) => o.properties.selected) ?? options[0];
  return String(option?.properties.value ?? '');
}
/** The posts a posts list shows: the id each title links to the editor of, and the title. */
async function listed(url: string, who: Person): Promise<{ id: number; title: string }[]> {
  const page = await open(url, who);
  const links = page.all('table').flatMap((table) => page.within(table).all('link'));
  return links
    .filter((a) => /^\/admin\/posts\/\d+$/.test(page.attr(a, 'href')))
    .map((a) => ({ id: idFrom(page.attr(a, 'href')), title: page.text(a) }));
}
const listedIds = async (url: string, who: Person) => (await listed(url, who)).map((p) => p.id);
/** The elements with this tag name inside `el`: a diff's <ins> and <del>, which have no role page.ts knows. */
const elementsNamed = (el: Element, tag: string): Element[] =>
  el.children.flatMap((c) =>
    c.type === 'element' ? [...(c.tagName === tag ? [c] : []), ...elementsNamed(c, tag)] : [],
  );
/** The text of the page's one alert (a refused save says why there). */
const alertText = (page: Page) => page.text(page.get('alert'));

/** A post carrying the author's byline but made by nobody signed in here: theirs by byline alone. */
let elenaPost: Article;
/** The same for the other author. */
let tomPost: Article;

before(async () => {
  t = await startTestSite({ demo: false, clock: new TestClock(new Date(NOW)) });
  await saveSiteSettings(t.site.content, { timeZone: 'Europe/London' });
  people.editor = await person('editor', 'Edith', undefined);
  people.author = await person('author', 'Elena', undefined);
  people.otherAuthor = await person('author', 'Tom', undefined);
  people.contributor = await person('contributor', 'Connie', undefined);
  people.moderator = await person('moderator', 'Mo', undefined);
  bylines.author = await firstSaveByline(people.author, 'Elena’s first draft');
  bylines.otherAuthor = await firstSaveByline(people.otherAuthor, 'Tom’s first draft');
  elenaPost = await createArticle(t, { title: 'A river war on the steppe', authors: [bylines.author] });
  tomPost = await createArticle(t, { title: 'A fleet sails round the world', authors: [bylines.otherAuthor] });
});
after(() => t.close());

/** The writer's first save (a draft of their own) makes their byline; a new post's form then offers it first. */
async function firstSaveByline(who: Person, title: string): Promise<string> {
  await createDraft(who, { title });
  const { authors } = await formOf('/admin/posts/new', who);
  const own = Array.isArray(authors) ? authors[0] : authors;
  assert.ok(own && own !== '@me', 'the byline exists after the first save');
  return own;
}

async function createDraft(who: Person, fields: Record<string, string | string[]> = {}) {
  const form = await formOf('/admin/posts/new', who);
  const res = await send('/admin/posts', who, {
    ...form,
    title: 'Notes on the Nomonhan incident',
    body: 'The fighting began in **May 1939**.[^1]\n\n[^1]: Coox, *Nomonhan*, p. 120.',
    action: 'save',
    ...fields,
  });
  assert.equal(res.statusCode, 303, res.body);
  return idFrom(res.headers.location);
}

describe('the posts list', () => {
  test('an editor sees every post and a Posts link; a moderator has no posts at all', async () => {
    const page = await open('/admin/posts', people.editor);
    const nav = page.within(page.get('navigation', 'Administration'));
    assert.equal(page.attr(nav.get('link', 'Posts'), 'ariaCurrent'), 'page');
    const titles = (await listed('/admin/posts', people.editor)).map((p) => p.title);
    assert.ok(titles.includes(elenaPost.title), 'one author’s post');
    assert.ok(titles.includes(tomPost.title), 'the other author’s post');
    assert.equal((await get('/admin/posts', people.moderator)).statusCode, 403);
  });

  test('an author sees only their own posts, and filters narrow the list', async () => {
    const about = await createArticle(t, { type: 'page', title: 'About this history site' });
    const titles = (await listed('/admin/posts', people.otherAuthor)).map((p) => p.title);
    assert.ok(titles.includes(tomPost.title));
    assert.ok(!titles.includes(elenaPost.title), 'not someone else’s post');
    const pages = (await listed('/admin/posts?type=page', people.editor)).map((p) => p.title);
    assert.ok(pages.includes(about.title));
    assert.ok(!pages.includes(tomPost.title), 'no post among the pages');
    assert.equal((await get('/admin/posts?state=nonsense', people.editor)).statusCode, 400);
  });
});

describe('the workflow, role by role', () => {
  test('a contributor saves a draft and sends it for review, but can neither publish nor schedule', async () => {
    const c = people.contributor;
    const id = await createDraft(c, { slug: 'contributor-draft' });
    let row = await postRow(id);
    assert.equal(row.status, 'draft');
    assert.equal(row.owner_user_id, c.id);
    assert.equal((await get('/contributor-draft/')).statusCode, 404);

    const form = await formOf(`/admin/posts/${id}`, c);
    const editing = await open(`/admin/posts/${id}`, c);
    const actions = editing.all('button').filter((b) => editing.attr(b, 'name') === 'action');
    assert.ok(
      actions.some((b) => editing.attr(b, 'value') === 'submit'),
      'Send for review is offered',
    );
    assert.deepEqual(
      actions.filter((b) => editing.attr(b, 'value') === 'publish' || /publish/i.test(editing.text(b))),
      [],
      'no Publish button is offered',
    );
    const submitted = await send(`/admin/posts/${id}`, c, { ...form, action: 'submit' });
    assert.equal(submitted.statusCode, 303);
    row = await postRow(id);
    assert.equal(row.status, 'draft');
    assert.ok(row.submitted_at, 'sent for review');
    assert.ok((await listedIds('/admin/posts?state=review', people.editor)).includes(id), 'in the review list');

    for (const action of ['publish', 'schedule']) {
      const again = await formOf(`/admin/posts/${id}`, c);
      const res = await send(`/admin/posts/${id}`, c, {
        ...again,
        action,
        publishAt: '2025-09-02T10:00',
        preflightSeen: '1',
      });
      assert.equal(res.statusCode, 403, `${action}: ${res.body.slice(0, 200)}`);
    }
    row = await postRow(id);
    assert.equal(row.status, 'draft');
    assert.equal((await get('/contributor-draft/')).statusCode, 404);
  });

  test('an editor publishes a post sent for review; an author publishes and unpublishes their own', async () => {
    const id = await createDraft(people.contributor, { slug: 'reviewed-then-published' });
    const form = await formOf(`/admin/posts/${id}`, people.editor);
    const res = await send(`/admin/posts/${id}`, people.editor, { ...form, action: 'publish', preflightSeen: '1' });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/admin/posts/${id}?notice=published`);
    assert.equal((await get('/reviewed-then-published/')).statusCode, 200);

    const own = await createDraft(people.author, { slug: 'elena-publishes' });
    const f1 = await formOf(`/admin/posts/${own}`, people.author);
    assert.equal(
      (await send(`/admin/posts/${own}`, people.author, { ...f1, action: 'publish', preflightSeen: '1' })).statusCode,
      303,
    );
    assert.equal((await get('/elena-publishes/')).statusCode, 200);
    const f2 = await formOf(`/admin/posts/${own}`, people.author);
    const down = await send(`/admin/posts/${own}`, people.author, { ...f2, action: 'unpublish' });
    assert.equal(down.headers.location, `/admin/posts/${own}?notice=unpublished`);
    assert.equal((await get('/elena-publishes/')).statusCode, 404);
    const row = await postRow(own);
    assert.equal(row.status, 'draft');
    assert.ok(row.unpublished_at);
    assert.ok(
      (await listedIds('/admin/posts?state=unpublished', people.author)).includes(own),
      'listed as unpublished',
    );
  });

  test('scheduling takes a time in the site’s zone, queues a publish job and the post appears when its time comes', async () => {
    const id = await createDraft(people.author, { slug: 'scheduled-for-tomorrow' });
    const form = await formOf(`/admin/posts/${id}`, people.author);
    const res = await send(`/admin/posts/${id}`, people.author, {
      ...form,
      action: 'schedule',
      publishAt: '2025-09-02T07:30',
      preflightSeen: '1',
    });
    assert.equal(res.statusCode, 303, res.body);
    const row = await postRow(id);
    assert.equal(row.status, 'scheduled');
    assert.equal(row.published_at, '2025-09-02T06:30:00.000Z', '07:30 in London in September is 06:30 UTC');
    const job = await db().selectFrom('jobs').selectAll().where('unique_key', '=', `publish:${id}`).executeTakeFirst();
    assert.ok(job, 'a durable publish job exists');
    assert.equal(new Date(job.run_at).toISOString(), '2025-09-02T06:30:00.000Z');
    const page = await open(`/admin/posts/${id}`, people.author);
    const publishAt = page.field('Publication time (Europe/London)');
    assert.equal(page.attr(publishAt, 'value'), '2025-09-02T07:30', 'the time is shown back in the site’s zone');
    assert.equal((await get('/scheduled-for-tomorrow/')).statusCode, 404);
    t.clock.set('2025-09-02T06:31:00.000Z');
    try {
      assert.equal((await get('/scheduled-for-tomorrow/')).statusCode, 200);
    } finally {
      t.clock.set(NOW);
    }
  });

  test('scheduling refuses a time that has passed or does not exist, keeping what was typed', async () => {
    const id = await createDraft(people.author, { slug: 'bad-schedule' });
    const form = await formOf(`/admin/posts/${id}`, people.author);
    for (const [when, message] of [
      ['2025-08-01T10:00', /That time has passed/],
      ['2026-03-29T01:30', /not a date and time that exists in Europe\/London/],
      ['', /Choose when to publish it/],
    ] as const) {
      const res = await send(`/admin/posts/${id}`, people.author, {
        ...form,
        title: 'A title typed just now',
        action: 'schedule',
        publishAt: when,
        preflightSeen: '1',
      });
      assert.equal(res.statusCode, 400);
      const page = parsePage(res.body);
      assert.match(page.description(page.field(PUBLISH_AT)), message, `${when || 'no time'}: said at the field`);
      assert.equal(page.attr(page.field('Title'), 'value'), 'A title typed just now');
    }
    assert.equal((await postRow(id)).status, 'draft');
  });
});

describe('whose posts a person may open', () => {
  test('authors and contributors get a 403 for someone else’s post, on every editor address', async () => {
    for (const who of [people.otherAuthor, people.contributor]) {
      assert.equal((await get(`/admin/posts/${elenaPost.id}`, who)).statusCode, 403);
      assert.equal((await get(`/admin/posts/${elenaPost.id}/revisions`, who)).statusCode, 403);
      const res = await send(`/admin/posts/${elenaPost.id}`, who, {
        title: 'Taken over',
        body: 'Mine now.',
        action: 'save',
        formId: 'a'.repeat(32),
        version: '1',
      });
      assert.equal(res.statusCode, 403);
      assert.equal(
        (await send(`/admin/posts/${elenaPost.id}/autosave`, who, { title: 'x', body: 'y' })).statusCode,
        403,
      );
    }
    assert.notEqual((await postRow(elenaPost.id)).title, 'Taken over');
  });

  test('a post is one’s own by byline or by having created it; editors open anyone’s', async () => {
    assert.equal((await get(`/admin/posts/${elenaPost.id}`, people.author)).statusCode, 200);
    assert.equal((await get(`/admin/posts/${tomPost.id}`, people.otherAuthor)).statusCode, 200);
    assert.equal((await get(`/admin/posts/${tomPost.id}`, people.editor)).statusCode, 200);
    const id = await createDraft(people.contributor, { slug: 'connies-own', authors: '' });
    assert.equal((await get(`/admin/posts/${id}`, people.contributor)).statusCode, 200);
  });
});

describe('bad input', () => {
  test('each field error is named, what was typed is kept, and nothing is written', async () => {
    const before = await db().selectFrom('posts').select('id').execute();
    const form = await formOf('/admin/posts/new', people.editor);
    // The value refused, the field (by its label; the authors' by their group) told why, and what it is told.
    const field = (label: string | RegExp) => (page: Page) => page.field(label);
    const authors = (page: Page) => page.get('group', 'Authors, in byline order');
    const cases: [Record<string, string | string[]>, string, (page: Page) => Element, RegExp][] = [
      [{ slug: 'Not A Slug!' }, 'slug', field('Slug'), /lower-case letters, digits and single hyphens/],
      [{ slug: elenaPost.slug }, 'slug', field('Slug'), /already used by/],
      [{ slug: 'admin' }, 'slug', field('Slug'), /address the site itself uses/],
      [{ category: 'no-such/category' }, 'category', field('Primary category'), /Choose a category from the list/],
      [{ publishAt: '2025-02-30T10:00' }, 'publishAt', field(PUBLISH_AT), /not a date and time/],
      [{ title: 'T'.repeat(201) }, 'title', field('Title'), /too long: at most 200/],
      [{ authors: 'nobody-at-all' }, 'authors', authors, /Choose authors from the list/],
      [{ coverSrc: 'javascript:alert(1)' }, 'coverSrc', field('Image address'), /cover image is an address/],
    ];
    for (const [fields, label, where, message] of cases) {
      const res = await send('/admin/posts', people.editor, {
        ...form,
        title: 'Kept title',
        body: 'Body text the writer typed.',
        action: 'save',
        ...fields,
      });
      assert.equal(res.statusCode, 400, `${label}: ${res.statusCode}`);
      const page = parsePage(res.body);
      assert.match(alertText(page), message, `${label}: the alert names the problem`);
      assert.match(page.description(where(page)), message, `${label} is tied to its error`);
      assert.equal(page.text(page.field(BODY)), 'Body text the writer typed.');
    }
    assert.equal((await db().selectFrom('posts').select('id').execute()).length, before.length, 'no post was written');
  });

  test('a failed save of an existing post leaves it and its version untouched', async () => {
    const row = await postRow(tomPost.id);
    const form = await formOf(`/admin/posts/${tomPost.id}`, people.otherAuthor);
    const res = await send(`/admin/posts/${tomPost.id}`, people.otherAuthor, {
      ...form,
      title: 'A new title',
      slug: elenaPost.slug,
      action: 'save',
    });
    assert.equal(res.statusCode, 400);
    const after = await postRow(tomPost.id);
    assert.equal(after.title, row.title);
    assert.equal(after.version, row.version);
  });
});

describe('two people, one post', () => {
  test('the second save is refused with a 409 and a diff, and keeps what the second writer typed', async () => {
    const id = await createDraft(people.author, { slug: 'shared-draft' });
    const mine = await formOf(`/admin/posts/${id}`, people.author);
    const theirs = await formOf(`/admin/posts/${id}`, people.editor);
    const first = await send(`/admin/posts/${id}`, people.editor, {
      ...theirs,
      body: 'The fighting began in **May 1939** on the Khalkha river.',
      action: 'save',
    });
    assert.equal(first.statusCode, 303);
    const res = await send(`/admin/posts/${id}`, people.author, {
      ...mine,
      body: 'The fighting began in **June 1939**, said the writer.',
      action: 'save',
    });
    assert.equal(res.statusCode, 409);
    const page = parsePage(res.body);
    assert.match(alertText(page), /^Someone else saved this post while you were writing/);
    const diff = page.get('region', 'Body');
    // Underlined and struck through for the eye, and said for a screen reader.
    assert.ok(
      elementsNamed(diff, 'ins').some((el) => /^\[added: .+\]$/.test(page.text(el))),
      'added text is marked',
    );
    assert.ok(
      elementsNamed(diff, 'del').some((el) => /^\[removed: .+\]$/.test(page.text(el))),
      'removed text too',
    );
    assert.equal(
      page.text(page.field(BODY)),
      'The fighting began in **June 1939**, said the writer.',
      'the typed body is kept in the form',
    );
    const stored = await postRow(id);
    assert.match(stored.body_md, /Khalkha river/, 'the first save stands');
    assert.match(res.body, new RegExp(`name="version" value="${stored.version}"`), 'saving again is deliberate');
  });

  test('the same form sent twice publishes once and answers both with the same redirect', async () => {
    const id = await createDraft(people.author, { slug: 'double-submit' });
    const form = await formOf(`/admin/posts/${id}`, people.author);
    const revisionsBefore = await revisionCount(id);
    const a = await send(`/admin/posts/${id}`, people.author, { ...form, action: 'publish', preflightSeen: '1' });
    const b = await send(`/admin/posts/${id}`, people.author, { ...form, action: 'publish', preflightSeen: '1' });
    assert.equal(a.statusCode, 303);
    assert.equal(b.statusCode, 303, 'not a conflict');
    assert.equal(a.headers.location, b.headers.location);
    assert.equal(await revisionCount(id), revisionsBefore + 1);
    assert.equal((await postRow(id)).version, 2);

    const newForm = await formOf('/admin/posts/new', people.author);
    const fields = { ...newForm, title: 'Sent twice', slug: 'sent-twice', body: 'Once only.', action: 'save' };
    const n1 = await send('/admin/posts', people.author, fields);
    const n2 = await send('/admin/posts', people.author, fields);
    assert.equal(n1.headers.location, n2.headers.location);
    assert.equal((await db().selectFrom('posts').select('id').where('title', '=', 'Sent twice').execute()).length, 1);
  });
});

describe('filing, addresses and comments', () => {
  test('a changed slug redirects from the old address; other categories list the post in their archives', async () => {
    const primary = await createCategory(t, { name: 'Far Eastern Affairs' });
    const other = await createCategory(t, { name: 'Frontier Wars', parent: await createCategory(t) });
    const id = await createDraft(people.editor, {
      slug: 'first-slug',
      category: primary.path,
      otherCategories: [other.path],
      tags: 'Zhukov, Mongolia',
    });
    const form = await formOf(`/admin/posts/${id}`, people.editor);
    assert.deepEqual(form.otherCategories, other.path);
    await send(`/admin/posts/${id}`, people.editor, { ...form, action: 'publish', preflightSeen: '1' });
    const f2 = await formOf(`/admin/posts/${id}`, people.editor);
    await send(`/admin/posts/${id}`, people.editor, { ...f2, slug: 'second-slug', commentsOpen: [], action: 'save' });
    const old = await get('/first-slug/');
    assert.equal(old.statusCode, 301);
    assert.equal(old.headers.location, '/second-slug/');
    const archive = await open(other.url);
    const title = 'Notes on the Nomonhan incident';
    const card = archive.all('article').find((c) => archive.text(archive.within(c).get('heading')) === title);
    assert.ok(card, 'listed in the archive of the other category');
    assert.equal(archive.attr(archive.within(card).get('link', title), 'href'), '/second-slug/');
    assert.equal((await postRow(id)).comments_open, 0);
  });
});

describe('the live preview', () => {
  test('renders footnotes, a table of contents and tables with the public pipeline, as JSON', async () => {
    const body = [
      '## Background',
      'Text with a note.[^a]',
      '## The battle',
      '| Side | Tanks |',
      '|---|---|',
      '| Soviet | 498 |',
      '## Aftermath',
      'More.',
      '',
      '<script>alert(1)</script>',
      '',
      '[^a]: The note.',
    ].join('\n');
    const res = await send('/admin/posts/preview', people.contributor, { body });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/json/);
    const { html } = res.json() as { html: string };
    const preview = parsePage(html);
    const toc = preview.within(preview.get('navigation', 'Contents'));
    assert.deepEqual(
      toc.all('link').map((a) => preview.text(a)),
      ['Background', 'The battle', 'Aftermath', 'Notes'],
    );
    assert.deepEqual(
      preview
        .within(preview.get('table'))
        .all('row')
        .map((row) => preview.text(row)),
      ['Side Tanks', 'Soviet 498'],
    );
    const ref = preview.get('link', '1');
    const note = preview.byId(preview.attr(ref, 'href').replace(/^#/, ''));
    assert.equal(preview.text(note), 'The note. ↩', 'the note the reference leads to');
    assert.equal(
      preview.attr(preview.within(note).get('link', 'Back to reference 1'), 'href'),
      `#${preview.attr(ref, 'id')}`,
    );
    assert.doesNotMatch(html, /<script/);
  });

  test('needs a signed-in writer and the CSRF token', async () => {
    const anon = await t.app.inject({
      method: 'POST',
      url: '/admin/posts/preview',
      headers: { 'content-type': FORM, origin: TEST_BASE_URL },
      payload: 'body=x',
    });
    assert.equal(anon.statusCode, 303);
    const noToken = await t.app.inject({
      method: 'POST',
      url: '/admin/posts/preview',
      headers: { 'content-type': FORM, cookie: people.author.cookie, origin: TEST_BASE_URL },
      payload: 'body=x',
    });
    assert.equal(noToken.statusCode, 403);
  });
});

describe('autosave', () => {
  test('keeps what was typed without touching the saved or public post, and offers it back', async () => {
    const id = await createDraft(people.author, { slug: 'autosaved-post' });
    const form = await formOf(`/admin/posts/${id}`, people.author);
    await send(`/admin/posts/${id}`, people.author, { ...form, action: 'publish', preflightSeen: '1' });
    const before = await postRow(id);
    const publicBefore = (await get('/autosaved-post/')).body;
    t.clock.set('2025-09-01T09:05:00.000Z');
    try {
      const res = await send(`/admin/posts/${id}/autosave`, people.author, {
        ...form,
        body: 'Half-written new paragraph about Zhukov.',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { savedAt: string }).savedAt, '2025-09-01T09:05:00.000Z');
    } finally {
      t.clock.set(NOW);
    }
    const afterRow = await postRow(id);
    assert.equal(afterRow.body_md, before.body_md);
    assert.equal(afterRow.version, before.version);
    const publicAfter = (await get('/autosaved-post/')).body;
    assert.doesNotMatch(publicAfter, /Half-written/);
    assert.equal(publicAfter.includes('Coox'), publicBefore.includes('Coox'));

    const editor = await get(`/admin/posts/${id}`, people.author);
    const offered = parsePage(editor.body);
    assert.equal(offered.attr(offered.get('link', 'Bring them back'), 'href'), `/admin/posts/${id}?autosave=restore`);
    assert.doesNotMatch(editor.body, /Half-written new paragraph/);
    const restored = await open(`/admin/posts/${id}?autosave=restore`, people.author);
    assert.equal(restored.text(restored.field(BODY)), 'Half-written new paragraph about Zhukov.');
    assert.doesNotMatch(
      (await get(`/admin/posts/${id}`, people.editor)).body,
      /Bring them back/,
      'autosaves are per person',
    );

    const discard = await send(`/admin/posts/${id}/autosave/discard`, people.author, {});
    assert.equal(discard.statusCode, 303);
    assert.doesNotMatch((await get(`/admin/posts/${id}`, people.author)).body, /Bring them back/);
  });
});

describe('autosave and someone else saving in between', () => {
  test('restoring an autosave typed on an older version and saving it is a conflict, not an overwrite', async () => {
    const id = await createDraft(people.author, { slug: 'autosave-versus-editor' });
    const authorForm = await formOf(`/admin/posts/${id}`, people.author);
    t.clock.set('2025-09-01T09:02:00.000Z');
    try {
      const auto = await send(`/admin/posts/${id}/autosave`, people.author, {
        ...authorForm,
        body: 'The author’s unsaved rewrite.',
      });
      assert.equal(auto.statusCode, 200, auto.body);
    } finally {
      t.clock.set(NOW);
    }
    // The editor saves a new paragraph; the author's tab had closed before saving.
    const editorForm = await formOf(`/admin/posts/${id}`, people.editor);
    const edited = await send(`/admin/posts/${id}`, people.editor, {
      ...editorForm,
      body: `${editorForm.body}\n\nThe editor’s added paragraph.`,
      action: 'save',
    });
    assert.equal(edited.statusCode, 303, edited.body);
    const restoredForm = await formOf(`/admin/posts/${id}?autosave=restore`, people.author);
    assert.equal(restoredForm.body, 'The author’s unsaved rewrite.');
    assert.equal(restoredForm.version, authorForm.version, 'the restored text carries the version it was typed on');
    const save = await send(`/admin/posts/${id}`, people.author, { ...restoredForm, action: 'save' });
    assert.equal(save.statusCode, 409);
    const conflict = parsePage(save.body);
    assert.match(alertText(conflict), /^Someone else saved this post while you were writing/);
    assert.match(
      conflict.text(conflict.get('region', 'Body')),
      /paragraph/,
      'the conflict shows what the other person saved',
    );
    assert.match((await postRow(id)).body_md, /The editor’s added paragraph/, 'nothing was overwritten');
  });
});

describe('text built to make the Markdown parser slow', () => {
  test('is refused at save, preview and check, at once and with a reason', async () => {
    const body = '*a_'.repeat(3000); // unbounded, this took the parser about a second and a half
    const form = await formOf('/admin/posts/new', people.author);
    const started = Date.now();
    const saved = await send('/admin/posts', people.author, { ...form, title: 'Marks', body, action: 'save' });
    assert.equal(saved.statusCode, 400);
    assert.match(alertText(parsePage(saved.body)), /more than 800 emphasis marks/);
    const preview = await send('/admin/posts/preview', people.author, { body });
    assert.match((preview.json() as { html: string }).html, /more than 800 emphasis marks/);
    assert.ok(Date.now() - started < 1000, `answered in ${Date.now() - started} ms`);
  });
});

describe('bylines', () => {
  test('an author credits themselves; adding someone else’s byline is an editor’s call', async () => {
    const form = await formOf('/admin/posts/new', people.author);
    const res = await send('/admin/posts', people.author, {
      ...form,
      title: 'Under another name',
      body: 'Text.',
      authors: [bylines.otherAuthor],
      action: 'save',
    });
    assert.equal(res.statusCode, 400);
    const refused = parsePage(res.body);
    assert.match(alertText(refused), /You can credit yourself; an editor adds other authors/);
    const group = refused.get('group', 'Authors, in byline order');
    assert.match(refused.description(group), /You can credit yourself/, 'said at the authors');
    const editorForm = await formOf('/admin/posts/new', people.editor);
    const byEditor = await send('/admin/posts', people.editor, {
      ...editorForm,
      title: 'Two authors',
      body: 'Text.',
      authors: [bylines.author, bylines.otherAuthor],
      action: 'save',
    });
    assert.equal(byEditor.statusCode, 303, byEditor.body);
  });
});

describe('bylines on every path that keeps a contributor’s text', () => {
  const CREDIT_REFUSED = 'You can credit yourself; an editor adds other authors.';
  const bylinesOf = async (postId: number) =>
    (
      await db()
        .selectFrom('post_authors')
        .innerJoin('authors', 'authors.id', 'post_authors.author_id')
        .select('authors.slug')
        .where('post_authors.post_id', '=', postId)
        .orderBy('post_authors.position')
        .execute()
    ).map((r) => r.slug);
  /** Posts this person created that carry this byline. */
  const creditedDrafts = async (who: Person, slug: string) =>
    db()
      .selectFrom('posts')
      .innerJoin('post_authors', 'post_authors.post_id', 'posts.id')
      .innerJoin('authors', 'authors.id', 'post_authors.author_id')
      .select('posts.id')
      .where('posts.owner_user_id', '=', who.id)
      .where('authors.slug', '=', slug)
      .execute();

  test('a new post’s autosave crediting another author is refused like the save, and review never carries it', async () => {
    const c = people.contributor;
    const form = await formOf('/admin/posts/new', c);
    const typed = { ...form, title: 'Under Elena’s name', body: 'Text.', authors: [bylines.author] };
    const postsBefore = (await db().selectFrom('posts').select('id').execute()).length;
    const saved = await send('/admin/posts', c, { ...typed, action: 'save' });
    assert.equal(saved.statusCode, 400);
    assert.ok(alertText(parsePage(saved.body)).includes(CREDIT_REFUSED), 'the save names the byline rule');

    const auto = await send('/admin/posts/autosave', c, typed);
    assert.equal(auto.statusCode, saved.statusCode, auto.body);
    assert.ok(auto.body.includes(CREDIT_REFUSED), 'the autosave gives the same reason');
    assert.match(auto.body, /POST_INVALID/);
    assert.equal((await db().selectFrom('posts').select('id').execute()).length, postsBefore, 'no draft was made');

    // The island carries on without the byline; sending that draft for review with it is refused too.
    const kept = await send('/admin/posts/autosave', c, { ...typed, authors: [] });
    assert.equal(kept.statusCode, 201, kept.body);
    const { id, version } = kept.json() as { id: number; version: number };
    const submitted = await send(`/admin/posts/${id}`, c, { ...typed, version: String(version), action: 'submit' });
    assert.equal(submitted.statusCode, 400);
    assert.ok(alertText(parsePage(submitted.body)).includes(CREDIT_REFUSED));
    assert.equal((await postRow(id)).submitted_at, null, 'not sent for review');
    const plain = await send(`/admin/posts/${id}`, c, {
      ...typed,
      authors: [],
      version: String(version),
      action: 'submit',
    });
    assert.equal(plain.statusCode, 303, plain.body);
    assert.ok((await postRow(id)).submitted_at, 'sent for review without the byline');
    assert.deepEqual(await bylinesOf(id), []);
    assert.deepEqual(await creditedDrafts(c, bylines.author), []);
  });

  test('an autosave of a draft crediting another author is refused and nothing is offered back', async () => {
    const c = people.contributor;
    const id = await createDraft(c, { slug: 'connie-autosaves-a-byline', authors: '' });
    const form = await formOf(`/admin/posts/${id}`, c);
    const res = await send(`/admin/posts/${id}/autosave`, c, {
      ...form,
      body: 'A later paragraph.',
      authors: [bylines.otherAuthor],
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.ok(res.body.includes(CREDIT_REFUSED));
    assert.doesNotMatch((await get(`/admin/posts/${id}`, c)).body, /Bring them back/);
    assert.deepEqual(await bylinesOf(id), []);
  });

  test('restoring a revision does not bring back a byline an editor has since taken off', async () => {
    const c = people.contributor;
    const id = await createDraft(c, { slug: 'connie-restores-a-byline', authors: '' });
    for (const authors of [[bylines.otherAuthor], []]) {
      const form = await formOf(`/admin/posts/${id}`, people.editor);
      const res = await send(`/admin/posts/${id}`, people.editor, { ...form, authors, action: 'save' });
      assert.equal(res.statusCode, 303, res.body);
    }
    assert.deepEqual(await bylinesOf(id), []);
    const { version } = await postRow(id);
    const withTom = await send(`/admin/posts/${id}/revisions/2/restore`, c, { version: String(version) });
    assert.equal(withTom.statusCode, 400);
    const refused = parsePage(withTom.body);
    refused.within(refused.get('region', 'The post needs a correction')).get('paragraph', CREDIT_REFUSED);
    assert.deepEqual(await bylinesOf(id), []);
    assert.equal((await postRow(id)).version, version, 'nothing was written');
    const first = await send(`/admin/posts/${id}/revisions/1/restore`, c, { version: String(version) });
    assert.equal(first.statusCode, 303, 'a revision with an allowed byline restores as before');
  });
});

describe('comments on or off', () => {
  test('belong to editors: an author saving or restoring their post leaves them as an editor set them', async () => {
    const id = await createDraft(people.author, { slug: 'comments-stay-closed' });
    const editorForm = await formOf(`/admin/posts/${id}`, people.editor);
    const { commentsOpen: _open, ...closed } = editorForm;
    const res = await send(`/admin/posts/${id}`, people.editor, { ...closed, action: 'save' });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal((await postRow(id)).comments_open, 0);
    const authorForm = await formOf(`/admin/posts/${id}`, people.author);
    assert.equal(authorForm.commentsOpen, undefined, 'the author’s form has no comments switch');
    await send(`/admin/posts/${id}`, people.author, { ...authorForm, commentsOpen: '1', action: 'save' });
    assert.equal((await postRow(id)).comments_open, 0, 'a crafted field does not reopen them');
    const { version } = await postRow(id);
    const restore = await send(`/admin/posts/${id}/revisions/1/restore`, people.author, { version: String(version) });
    assert.equal(restore.statusCode, 303, restore.body);
    assert.equal((await postRow(id)).comments_open, 0, 'restoring the first revision does not reopen them');
  });
});

describe('a form left open while the post moved on', () => {
  test('a contributor saving after an editor published the draft gets the conflict, with the typed text kept', async () => {
    const id = await createDraft(people.contributor, { slug: 'published-under-them' });
    const stale = await formOf(`/admin/posts/${id}`, people.contributor);
    const editorForm = await formOf(`/admin/posts/${id}`, people.editor);
    const published = await send(`/admin/posts/${id}`, people.editor, {
      ...editorForm,
      action: 'publish',
      preflightSeen: '1',
    });
    assert.equal(published.statusCode, 303, published.body);
    const res = await send(`/admin/posts/${id}`, people.contributor, {
      ...stale,
      body: 'A sentence the contributor was still writing.',
      action: 'submit',
    });
    assert.equal(res.statusCode, 409);
    const page = parsePage(res.body);
    assert.equal(page.text(page.field(BODY)), 'A sentence the contributor was still writing.');
  });
});

describe('autosave of a new post', () => {
  test('the first autosave creates a draft that opens with what was typed; saving then updates that draft', async () => {
    const form = await formOf('/admin/posts/new', people.author);
    assert.match(
      (await get('/admin/posts/new', people.author)).body,
      /data-autosave-new-url="\/admin\/posts\/autosave"/,
    );
    const postsBefore = await db().selectFrom('posts').select('id').execute();
    const res = await send('/admin/posts/autosave', people.author, {
      ...form,
      title: 'Half a draft about Tamsag-Bulak',
      body: 'The supply road ran from **Borzya**, some 650 km away.',
      tags: 'logistics',
    });
    assert.equal(res.statusCode, 201, res.body);
    const kept = res.json() as { id: number; version: number; editUrl: string; autosaveUrl: string; savedAt: string };
    assert.equal(kept.editUrl, `/admin/posts/${kept.id}`);
    assert.equal(res.headers.location, kept.editUrl);
    assert.equal(kept.autosaveUrl, `/admin/posts/${kept.id}/autosave`);
    assert.equal(kept.savedAt, NOW);
    const row = await postRow(kept.id);
    assert.equal(row.status, 'draft');
    assert.equal(row.published_at, null);
    assert.equal(row.owner_user_id, people.author.id);
    assert.equal(row.slug, 'half-a-draft-about-tamsag-bulak');
    assert.equal((await db().selectFrom('posts').select('id').execute()).length, postsBefore.length + 1);
    assert.equal((await get('/half-a-draft-about-tamsag-bulak/')).statusCode, 404, 'readers see nothing');

    // A reload opens the draft with the text, the tag and the byline as typed.
    const reopened = await get(kept.editUrl, people.author);
    assert.equal(reopened.statusCode, 200);
    const draft = parsePage(reopened.body);
    assert.equal(draft.text(draft.field(BODY)), 'The supply road ran from **Borzya**, some 650 km away.');
    assert.equal(draft.attr(draft.field('Tags'), 'value'), 'logistics');
    assert.equal(chosen(draft.field('First author')), bylines.author);
    assert.match(reopened.body, new RegExp(`name="version" value="${kept.version}"`));

    // The form the island redirected saves that draft, not a second post (same form id, now with a version).
    const save = await send(kept.editUrl, people.author, {
      ...form,
      version: String(kept.version),
      title: 'A draft about Tamsag-Bulak',
      body: 'The supply road ran from **Borzya**, some 650 km away, across open steppe.',
      action: 'save',
    });
    assert.equal(save.statusCode, 303, save.body);
    assert.equal(idFrom(save.headers.location), kept.id);
    assert.equal((await db().selectFrom('posts').select('id').execute()).length, postsBefore.length + 1);
    assert.match((await postRow(kept.id)).body_md, /across open steppe/);
  });

  test('before it has a title the draft is “Untitled draft”; a taken or reserved slug gets a free one', async () => {
    const published = await createArticle(t, { title: 'The Khalkhin Gol fighting' });
    const form = await formOf('/admin/posts/new', people.author);
    const untitled = await send('/admin/posts/autosave', people.author, { ...form, title: '', body: 'Notes first.' });
    assert.equal(untitled.statusCode, 201, untitled.body);
    const a = await postRow((untitled.json() as { id: number }).id);
    assert.equal(a.title, 'Untitled draft');
    assert.equal(a.slug, 'untitled-draft');
    // Another new post (its own form: one form makes one draft).
    const second = await formOf('/admin/posts/new', people.author);
    const again = await send('/admin/posts/autosave', people.author, { ...second, title: '', body: 'More notes.' });
    assert.equal((await postRow((again.json() as { id: number }).id)).slug, 'untitled-draft-2');
    const taken = await send('/admin/posts/autosave', people.author, {
      ...(await formOf('/admin/posts/new', people.author)),
      title: 'Khalkhin Gol again',
      slug: published.slug,
      body: 'x',
    });
    assert.equal(taken.statusCode, 201, taken.body);
    assert.equal((await postRow((taken.json() as { id: number }).id)).slug, 'khalkhin-gol-again');
    assert.equal((await get(published.url)).statusCode, 200, 'the published post keeps its address');
  });

  test('a field that cannot be worked around is refused and nothing is written; it needs a writer and the token', async () => {
    const form = await formOf('/admin/posts/new', people.author);
    const count = async () => (await db().selectFrom('posts').select('id').execute()).length;
    const before = await count();
    const bad = await send('/admin/posts/autosave', people.author, {
      ...form,
      title: 'Cover trouble',
      body: 'x',
      coverSrc: 'javascript:alert(1)',
    });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal(await count(), before);
    const moderator = await send('/admin/posts/autosave', people.moderator, { ...form, title: 'x', body: 'y' });
    assert.equal(moderator.statusCode, 403);
    const noToken = await t.app.inject({
      method: 'POST',
      url: '/admin/posts/autosave',
      headers: { 'content-type': FORM, cookie: people.author.cookie, origin: TEST_BASE_URL },
      payload: new URLSearchParams({ title: 'x', body: 'y' }).toString(),
    });
    assert.equal(noToken.statusCode, 403);
    assert.equal(await count(), before);
  });
});

describe('preflight before publishing', () => {
  test('“Check” lists warnings and saves nothing; Publish shows them first, and “Publish anyway” publishes', async () => {
    const image = await createImage(t);
    const id = await createDraft(people.author, {
      slug: 'checked-before-publishing',
      body: `The batte on the Khalkha began in May 1939.\n\n![](${image.src})`,
    });
    const form = await formOf(`/admin/posts/${id}`, people.author);
    const version = (await postRow(id)).version;
    const checked = await send(`/admin/posts/${id}`, people.author, { ...form, action: 'check' });
    assert.equal(checked.statusCode, 200);
    const checks = parsePage(checked.body);
    const warnings = checks.within(checks.get('region', 'Checks')).all('listitem');
    assert.ok(
      warnings.some((w) => checks.text(w).includes('“batte”')),
      'the misspelling',
    );
    assert.ok(
      warnings.some((w) => /no alt text/.test(checks.text(w))),
      'the image without a description',
    );
    assert.equal((await postRow(id)).version, version, 'checking saves nothing');

    const first = await send(`/admin/posts/${id}`, people.author, { ...form, action: 'publish' });
    assert.equal(first.statusCode, 200);
    const before = parsePage(first.body);
    const panel = before.within(before.get('region', 'Before publishing'));
    assert.equal(before.attr(panel.get('button', 'Publish anyway'), 'value'), 'publish');
    assert.equal((await postRow(id)).status, 'draft', 'not published yet');
    assert.equal((await get('/checked-before-publishing/')).statusCode, 404);

    const anyway = await send(`/admin/posts/${id}`, people.author, { ...form, action: 'publish', preflightSeen: '1' });
    assert.equal(anyway.statusCode, 303);
    assert.equal((await get('/checked-before-publishing/')).statusCode, 200);
  });
});
