import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TestClock, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

/** A post's revisions in the editor, on posts each test writes through the editor form: none is the demo's. */

// 10:00 in London (summer time): the demo site's time zone is Europe/London.
const NOW = '2025-09-01T09:00:00.000Z';

let t: TestSite;
const db = () => t.site.content.db;
const people = {} as Record<'editor' | 'author' | 'otherAuthor' | 'contributor' | 'moderator', Person>;
const { person, get, send, formOf } = staffClient(() => t);

const idFrom = (location: unknown) => Number(/\/admin\/posts\/(\d+)/.exec(String(location))![1]);

let elenaPost: number;

before(async () => {
  t = await startTestSite({ clock: new TestClock(new Date(NOW)) });
  people.editor = await person('editor', 'Edith', undefined);
  // Each author writes under the byline their first save makes them (decision 039).
  people.author = await person('author', 'Elena', undefined);
  people.otherAuthor = await person('author', 'Tom', undefined);
  people.contributor = await person('contributor', 'Connie', undefined);
  people.moderator = await person('moderator', 'Mo', undefined);
  elenaPost = await newPost(people.author, 'elenas-own-post', 'Words only Elena and the editors may revise.');
});
after(() => t.close());

let minute = 0;
/** Saves the post through the editor form with some fields changed, a minute later each time. */
async function save(who: Person, id: number, fields: Record<string, string | string[]>, action = 'save') {
  t.clock.set(new Date(Date.parse(NOW) + ++minute * 60_000));
  const form = await formOf(`/admin/posts/${id}`, who);
  const res = await send(`/admin/posts/${id}`, who, { ...form, ...fields, action, preflightSeen: '1' });
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
}

async function newPost(who: Person, slug: string, body: string) {
  const form = await formOf('/admin/posts/new', who);
  const res = await send('/admin/posts', who, { ...form, title: 'Revision test', slug, body, action: 'save' });
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
  return idFrom(res.headers.location);
}

/** A page of the site as parsed HTML, fetched as `who`. */
const open = async (url: string, who?: Person) => {
  const res = await get(url, who);
  assert.equal(res.statusCode, 200, url);
  return parsePage(res.body);
};

/** The revision numbers the list shows, in its order (by the "Compare from" choice each row has). */
const listedNumbers = (page: Page) =>
  page.all('radio', /^Compare from revision \d+$/).map((el) => Number(page.attr(el, 'value')));

/** The row of the revisions list for revision `n`. */
const revisionRow = (page: Page, n: number) => {
  const rows = page.all('row').filter((row) => page.within(row).all('radio', `Compare from revision ${n}`).length > 0);
  assert.equal(rows.length, 1, `one row for revision ${n}`);
  return rows[0]!;
};

const revisions = (postId: number) =>
  db()
    .selectFrom('post_revisions')
    .select(['number', 'kind', 'title', 'body_md'])
    .where('post_id', '=', postId)
    .where('number', '>', 0)
    .orderBy('number')
    .execute();

/**
 * A change of a diff as it is read: the words only screen readers hear (a visually hidden "[added:"), then the
 * changed words everyone sees.
 */
function spoken(page: Page, change: Element) {
  const [first] = change.children;
  const lead = first?.type === 'element' && page.attr(first, 'className') === 'visually-hidden' ? first : undefined;
  const all = page.text(change);
  const hidden = lead ? page.text(lead) : '';
  return { hidden, shown: all.slice(hidden.length).trimStart() };
}

describe('revisions', () => {
  test('every save keeps a numbered revision, listed newest first with its kind', async () => {
    const id = await newPost(people.author, 'kept-revisions', 'First words on the Khalkha.');
    await save(people.author, id, { body: 'Second words on the Khalkha.' });
    await save(people.author, id, {}, 'publish');
    const rows = await revisions(id);
    assert.deepEqual(
      rows.map((r) => [r.number, r.kind]),
      [
        [1, 'save'],
        [2, 'save'],
        [3, 'publish'],
      ],
    );
    const page = await open(`/admin/posts/${id}/revisions`, people.author);
    assert.deepEqual(listedNumbers(page), [3, 2, 1], 'newest first');
    assert.match(page.text(revisionRow(page, 3)), /^3 ?Published or scheduled\b/);
    assert.match(page.text(revisionRow(page, 1)), /^1 ?Saved\b/);
    page.get('radio', 'Compare to revision 1');
  });

  test('comparing two revisions shows word-level changes with words for screen readers, and changed fields', async () => {
    const id = await newPost(
      people.author,
      'compared-revisions',
      'Zhukov arrived in June 1939 and took command of the corps.',
    );
    await save(people.author, id, {
      title: 'Revision test, retitled',
      body: 'Zhukov arrived in early June 1939 and took over the corps.',
      tags: 'Zhukov, Mongolia',
    });
    const page = await open(`/admin/posts/${id}/revisions/compare?from=1&to=2`, people.author);
    const body = page.within(page.get('region', 'Body'));
    const added = body.all('insertion').map((el) => spoken(page, el));
    const removed = body.all('deletion').map((el) => spoken(page, el));
    assert.ok(
      added.some((w) => w.hidden === '[added:' && w.shown.startsWith('early ')),
      JSON.stringify(added),
    );
    assert.ok(
      removed.some((w) => w.hidden === '[removed:' && w.shown.startsWith('command')),
      JSON.stringify(removed),
    );
    assert.equal(page.get('heading', 'Title').tagName, 'h2');
    assert.equal(page.get('heading', 'Tags').tagName, 'h2');
    assert.match(page.text(page.get('region', 'Tags')), /Zhukov, Mongolia/);
    assert.deepEqual(page.all('heading', 'Slug'), [], 'unchanged fields are not listed');
    assert.equal((await get(`/admin/posts/${id}/revisions/compare?from=1&to=99`, people.author)).statusCode, 404);
    assert.equal((await get(`/admin/posts/${id}/revisions/compare?from=x&to=2`, people.author)).statusCode, 400);
    // A bad address for a post that does not exist: one clear answer, and no query left failing unwatched
    // (which would take the whole process down with an unhandled rejection).
    assert.equal((await get('/admin/posts/999999/revisions/compare', people.author)).statusCode, 400);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await get(`/admin/posts/${id}/revisions`, people.author)).statusCode, 200);
  });

  test('restoring makes the post that content again as a new revision, and readers see it', async () => {
    const id = await newPost(people.author, 'restored-post', 'The original paragraph about Tamsag Bulak.');
    await save(people.author, id, {}, 'publish');
    await save(people.author, id, { body: 'A rewrite that went wrong.' });
    (await open('/restored-post/')).get('paragraph', 'A rewrite that went wrong.');
    const before = await db().selectFrom('posts').select('version').where('id', '=', id).executeTakeFirstOrThrow();
    const page = await open(`/admin/posts/${id}/revisions`, people.author);
    assert.equal(page.attr(page.get('button', 'Restore revision 1'), 'form'), 'restore-1');
    assert.equal(page.attr(page.byId('restore-1'), 'action'), `/admin/posts/${id}/revisions/1/restore`);
    const res = await send(`/admin/posts/${id}/revisions/1/restore`, people.author, {
      version: String(before.version),
    });
    assert.equal(res.statusCode, 303);
    const rows = await revisions(id);
    const last = rows[rows.length - 1]!;
    assert.equal(last.kind, 'restore');
    assert.equal(last.body_md, 'The original paragraph about Tamsag Bulak.');
    const post = await db().selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(post.version, before.version + 1);
    assert.equal(post.status, 'published', 'the workflow stays where it was');
    (await open('/restored-post/')).get('paragraph', 'The original paragraph about Tamsag Bulak.');

    const stale = await send(`/admin/posts/${id}/revisions/1/restore`, people.author, {
      version: String(before.version),
    });
    assert.equal(stale.statusCode, 409, 'a restore from a stale page is refused');
  });

  test('retention keeps the newest N revisions plus every version readers saw', async () => {
    const id = await newPost(people.editor, 'pruned-revisions', 'Draft zero.');
    await save(people.editor, id, { body: 'Draft one.' });
    await save(people.editor, id, { body: 'Published text.' }, 'publish');
    await db().insertInto('settings').values({ key: 'revisionsKept', value: '3' }).execute();
    try {
      // Updates of the published article: each is a version readers read (and may open again later).
      for (let i = 1; i <= 4; i++) await save(people.editor, id, { body: `Edit number ${i}.` });
    } finally {
      await db().deleteFrom('settings').where('key', '=', 'revisionsKept').execute();
    }
    const rows = await revisions(id);
    // The two drafts before publication went; the published version and every update stayed.
    assert.deepEqual(
      rows.map((r) => [r.number, r.kind]),
      [
        [3, 'publish'],
        [4, 'save'],
        [5, 'save'],
        [6, 'save'],
        [7, 'save'],
      ],
    );
  });

  test('someone else’s revisions are closed to authors and contributors', async () => {
    for (const who of [people.otherAuthor, people.contributor]) {
      assert.equal((await get(`/admin/posts/${elenaPost}/revisions`, who)).statusCode, 403);
      assert.equal((await get(`/admin/posts/${elenaPost}/revisions/compare?from=1&to=1`, who)).statusCode, 403);
      assert.equal(
        (await send(`/admin/posts/${elenaPost}/revisions/1/restore`, who, { version: '1' })).statusCode,
        403,
      );
    }
  });

  test('a contributor cannot restore content into a published post', async () => {
    const id = await newPost(people.contributor, 'contributor-published', 'Words by a contributor.');
    await save(people.editor, id, {}, 'publish');
    const v = await db().selectFrom('posts').select('version').where('id', '=', id).executeTakeFirstOrThrow();
    const res = await send(`/admin/posts/${id}/revisions/1/restore`, people.contributor, {
      version: String(v.version),
    });
    assert.equal(res.statusCode, 403);
  });
});
