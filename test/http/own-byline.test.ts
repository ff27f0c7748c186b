import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { saveSiteSettings } from '../../src/modules/settings/settings.service.ts';
import { startTestSite, TEST_DATABASE, TestClock, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Issue 16, bylines: on a fresh site (no demo) the owner's first post carries the owner's own byline, made at that
// first save and edited under "Your account"; the article says "Updated" only for a change on a later day than
// publication, or when a correction was logged.

const PUBLISHED = '2026-12-04T09:00:00.000Z';

let t: TestSite;
const db = () => t.site.content.db;
const { person, get, send, formOf } = staffClient(() => t);
let owner: Person;

before(async () => {
  t = await startTestSite({ demo: false, clock: new TestClock(new Date(PUBLISHED)) });
  owner = await person('owner', 'Ottoline');
});
after(() => t.close());

const at = (iso: string) => t.clock.set(new Date(iso));

/** Publishes a new post through the editor's form as `who` opens it (their byline as the form pre-selects it). */
async function publish(who: Person, slug: string, fields: Record<string, string | string[]> = {}): Promise<number> {
  const form = await formOf('/admin/posts/new', who);
  const res = await send('/admin/posts', who, {
    ...form,
    title: `On the ferry timetables of ${slug}`,
    slug,
    body: 'The winter timetable cut the crossings from six a day to four.',
    action: 'publish',
    preflightSeen: '1',
    ...fields,
  });
  assert.equal(res.statusCode, 303, res.body.slice(0, 800));
  return Number(/\/admin\/posts\/(\d+)/.exec(String(res.headers.location))![1]);
}

/** Saves the published post `id` again (its Update button) with `fields` changed. */
async function update(who: Person, id: number, fields: Record<string, string | string[]>) {
  const form = await formOf(`/admin/posts/${id}`, who);
  const res = await send(`/admin/posts/${id}`, who, { ...form, action: 'save', preflightSeen: '1', ...fields });
  assert.equal(res.statusCode, 303, res.body.slice(0, 800));
}

const bylineOf = (html: string) => /<p class="byline">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
const bylinesNamed = async (name: string) =>
  (await db().selectFrom('authors').select(['id', 'slug']).where('name', '=', name).execute()).length;

describe(`a writer's own byline (${TEST_DATABASE})`, () => {
  test('a new owner finds themselves pre-selected as author, and their first article is signed with their name', async () => {
    assert.equal(await bylinesNamed('Ottoline'), 0, 'no byline before the first save');
    const editor = await get('/admin/posts/new', owner);
    const firstSlot = /<select id="post-authors" name="authors">([\s\S]*?)<\/select>/.exec(editor.body)?.[1] ?? '';
    assert.match(firstSlot, /<option value="[^"]*" selected>Ottoline<\/option>/);

    await publish(owner, 'harbour-one');
    const article = await get('/harbour-one/');
    assert.equal(article.statusCode, 200);
    assert.match(bylineOf(article.body), /By <a href="\/author\/ottoline\/" rel="author">Ottoline<\/a>/);
    assert.equal(await bylinesNamed('Ottoline'), 1);
    // The next post's form names the byline itself now.
    const next = await formOf('/admin/posts/new', owner);
    assert.deepEqual([next.authors].flat().filter(Boolean), ['ottoline']);
  });

  test('two first saves at once by a newly added writer make one byline, carried by both drafts', async () => {
    const writer = await person('author', 'Wilhelmina');
    // Two tabs, each with its own form (a form sent twice is applied once, whatever the byline).
    const [formA, formB] = [await formOf('/admin/posts/new', writer), await formOf('/admin/posts/new', writer)];
    const save = (form: Record<string, string | string[]>, slug: string) =>
      send('/admin/posts', writer, { ...form, title: `Draft ${slug}`, slug, body: 'Notes.', action: 'save' });
    const [a, b] = await Promise.all([save(formA, 'race-a'), save(formB, 'race-b')]);
    assert.equal(a.statusCode, 303, a.body.slice(0, 500));
    assert.equal(b.statusCode, 303, b.body.slice(0, 500));
    const bylines = await db().selectFrom('authors').select(['id', 'slug']).where('name', '=', 'Wilhelmina').execute();
    assert.deepEqual(
      bylines.map((r) => r.slug),
      ['wilhelmina'],
    );
    const carried = await db()
      .selectFrom('post_authors')
      .innerJoin('posts', 'posts.id', 'post_authors.post_id')
      .select('posts.slug')
      .where('post_authors.author_id', '=', bylines[0]!.id)
      .orderBy('posts.slug')
      .execute();
    assert.deepEqual(
      carried.map((r) => r.slug),
      ['race-a', 'race-b'],
    );
    const user = await db().selectFrom('users').select('author_id').where('id', '=', writer.id).executeTakeFirst();
    assert.equal(user?.author_id, bylines[0]!.id);
  });

  test('a save refused after the first autosave made the byline still shows the writer as first author', async () => {
    const writer = await person('contributor', 'Cornelius');
    const form = await formOf('/admin/posts/new', writer);
    const auto = await send('/admin/posts/autosave', writer, { ...form, title: 'Kept while typing', body: 'Half a' });
    assert.equal(auto.statusCode, 201, auto.body);
    const { id, version } = JSON.parse(auto.body) as { id: number; version: number };
    assert.equal(await bylinesNamed('Cornelius'), 1, 'the first autosave made the byline');
    // The page in the browser still holds the form as it was opened ("me" as first author); this save is refused.
    const res = await send(`/admin/posts/${id}`, writer, {
      ...form,
      version: String(version),
      title: '',
      body: 'Half a sentence.',
      action: 'save',
    });
    assert.equal(res.statusCode, 400);
    const firstSlot = /<select id="post-authors" name="authors">([\s\S]*?)<\/select>/.exec(res.body)?.[1] ?? '';
    assert.match(firstSlot, /<option value="cornelius" selected>Cornelius<\/option>/);
  });

  test('a byline edited under "Your account" is what the article and the author page show', async () => {
    const page = await get('/admin/account', owner);
    assert.match(page.body, /<h2 id="byline">Byline<\/h2>/);
    assert.match(page.body, /name="bylineName"[^>]*value="Ottoline"/);
    const res = await send('/admin/account/byline', owner, {
      bylineName: 'Ottoline Marsh',
      bylineBio: 'Writes about island ferries and the people who run them.',
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    assert.equal(res.headers.location, '/admin/account?notice=byline#byline');
    assert.match((await get('/admin/account?notice=byline', owner)).body, /Your byline is saved/);

    const article = await get('/harbour-one/');
    assert.match(bylineOf(article.body), /By <a href="\/author\/ottoline\/" rel="author">Ottoline Marsh<\/a>/);
    const authorPage = await get('/author/ottoline/');
    assert.match(authorPage.body, /Ottoline Marsh/);
    assert.match(authorPage.body, /Writes about island ferries and the people who run them\./);
  });

  test('a byline with no name or an overlong biography is refused on the page, with what was typed kept', async () => {
    const empty = await send('/admin/account/byline', owner, { bylineName: '  ', bylineBio: 'Kept as typed.' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Give the byline a name of 1 to 80 characters\./);
    assert.match(empty.body, /Kept as typed\.<\/textarea>/);
    const long = await send('/admin/account/byline', owner, { bylineName: 'Ottoline', bylineBio: 'x'.repeat(601) });
    assert.equal(long.statusCode, 400);
    assert.match(long.body, /The biography is too long: at most 600 characters\./);
    assert.match(bylineOf((await get('/harbour-one/')).body), /Ottoline Marsh/, 'nothing was changed');
  });

  test('a moderator, who writes nothing, has no byline section and cannot save one', async () => {
    const mod = await person('moderator', 'Mordecai');
    assert.doesNotMatch((await get('/admin/account', mod)).body, /id="byline"/);
    const res = await send('/admin/account/byline', mod, { bylineName: 'Mordecai', bylineBio: '' });
    assert.equal(res.statusCode, 403);
    assert.equal(await bylinesNamed('Mordecai'), 0);
  });
});

describe(`when an article says "Updated" (${TEST_DATABASE})`, () => {
  test('an edit later on the day of publication shows no "Updated"; one on a later day does', async () => {
    at('2026-12-04T10:00:00.000Z');
    const id = await publish(owner, 'harbour-two');
    at('2026-12-04T22:30:00.000Z');
    await update(owner, id, { body: 'The winter timetable cut the crossings from six a day to three.' });
    const sameDayHtml = (await get('/harbour-two/')).body;
    assert.match(bylineOf(sameDayHtml), /4 December 2026/);
    assert.doesNotMatch(bylineOf(sameDayHtml), /Updated/);
    // Machines are still told the real modification time.
    assert.match(sameDayHtml, /"dateModified":"2026-12-04T22:30:00.000Z"/);

    at('2026-12-06T08:00:00.000Z');
    await update(owner, id, { body: 'The winter timetable cut the crossings from six a day to two.' });
    assert.match(
      bylineOf((await get('/harbour-two/')).body),
      /Updated <time datetime="2026-12-06T08:00:00.000Z">6 December 2026<\/time>/,
    );
  });

  test('a logged correction shows "Updated" even on the day of publication', async () => {
    at('2026-12-07T09:00:00.000Z');
    const id = await publish(owner, 'harbour-three');
    at('2026-12-07T09:20:00.000Z');
    await update(owner, id, {
      body: 'The winter timetable cut the crossings from five a day to four.',
      correctionKind: 'correction',
      correctionSummary: 'There were five crossings a day before the cut, not six.',
    });
    assert.match(bylineOf((await get('/harbour-three/')).body), /Updated <time[^>]*>7 December 2026<\/time>/);
  });

  test("the calendar day is the site's: past midnight in its time zone is a later day", async () => {
    await saveSiteSettings(t.site.content, { timeZone: 'Pacific/Auckland' });
    // 20:00 on 8 December in Auckland (UTC+13), then 01:00 on 9 December there: the same UTC day.
    at('2026-12-08T07:00:00.000Z');
    const id = await publish(owner, 'harbour-four');
    at('2026-12-08T12:00:00.000Z');
    await update(owner, id, { body: 'The winter timetable cut the crossings from six a day to five.' });
    assert.match(bylineOf((await get('/harbour-four/')).body), /Updated <time[^>]*>9 December 2026<\/time>/);
    await saveSiteSettings(t.site.content, { timeZone: 'UTC' });
  });
});
