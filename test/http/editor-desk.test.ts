import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { findPostById } from '../../src/modules/content/post.repository.ts';
import { importBibliography } from '../../src/modules/sources/bibliography-import.ts';
import { createCategory, createUser } from '../support/factories.ts';
import { multipartBody } from '../support/import-files.ts';
import { parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, TestClock, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Issue 16: what the writing desk's island asks of the server. The sources a `:cite[` completes from, the
// checks for the pre-publish panel, an image dropped into the text uploaded through the media library as JSON,
// one draft per form however often its first autosave is sent, a draft reopened with the writer's kept text,
// and one primary action per role and state (with the pre-publish panel for browsers without JavaScript).

const NOW = '2025-09-01T09:00:00.000Z';
let t: TestSite;
const people = {} as Record<'owner' | 'author' | 'contributor' | 'moderator', Person>;
const { person, get, send, formOf } = staffClient(() => t);
const JSON_ACCEPT = { accept: 'application/json' };
/** Runs `fn` a few minutes later (an autosave is offered back when it is newer than the saved post). */
async function later<T>(minutes: number, fn: () => Promise<T>): Promise<T> {
  t.clock.set(new Date(Date.parse(NOW) + minutes * 60_000).toISOString());
  try {
    return await fn();
  } finally {
    t.clock.set(NOW);
  }
}
const postCount = async () => (await t.site.content.db.selectFrom('posts').select('id').execute()).length;

before(async () => {
  t = await startTestSite({ clock: new TestClock(new Date(NOW)) });
  people.owner = await person('owner', 'Olga', undefined);
  people.author = await person('author', 'Elena', 'elena-markova');
  people.contributor = await person('contributor', 'Connie', undefined);
  people.moderator = await person('moderator', 'Mo', undefined);
  // Two sources of this test's own: one found by its author, one by its title.
  const library = [
    {
      id: 'ostrovsky-1962',
      type: 'book',
      title: 'Supply columns across the Gobi',
      author: [{ family: 'Ostrovsky', given: 'Pavel' }],
      issued: { 'date-parts': [[1962]] },
    },
    {
      id: 'field-notes-1939',
      type: 'manuscript',
      title: 'Field notes from the Ostrov crossing',
      author: [{ family: 'Lindqvist', given: 'Anna' }, { family: 'Berg' }, { family: 'Sato' }],
      issued: { 'date-parts': [[1939]] },
    },
  ];
  await importBibliography(t.site.content, { text: JSON.stringify(library) });
});
after(() => t.close());

const getJson = (url: string, who: Person) =>
  t.app.inject({ method: 'GET', url, headers: { cookie: who.cookie, ...JSON_ACCEPT } });

describe('citation completion', () => {
  test('finds sources by key, author or title, the key matches first, with authors and year to tell them apart', async () => {
    const byAuthor = await getJson('/admin/posts/cite-suggest?q=ostrov', people.contributor);
    assert.equal(byAuthor.statusCode, 200, byAuthor.body);
    assert.match(String(byAuthor.headers['content-type']), /^application\/json/);
    const found = (byAuthor.json() as { sources: { key: string; authors: string; year: string; title: string }[] })
      .sources;
    assert.deepEqual(
      found.map((s) => s.key),
      ['ostrovsky-1962', 'field-notes-1939'],
      'the author Ostrovsky, then the title with “Ostrov” in it',
    );
    assert.deepEqual(found[0], {
      key: 'ostrovsky-1962',
      title: 'Supply columns across the Gobi',
      authors: 'Ostrovsky',
      year: '1962',
    });
    assert.equal(found[1]!.authors, 'Lindqvist et al.');
    const byKey = (await getJson('/admin/posts/cite-suggest?q=field', people.author)).json() as {
      sources: { key: string }[];
    };
    assert.equal(byKey.sources[0]!.key, 'field-notes-1939');
    // Words that only occur in the stored JSON's field names find nothing.
    const noise = (await getJson('/admin/posts/cite-suggest?q=issued', people.author)).json() as { sources: [] };
    assert.deepEqual(noise.sources, []);
  });

  test('an over-long query is a JSON error with its code; people who do not write get 403', async () => {
    const long = await getJson(`/admin/posts/cite-suggest?q=${'a'.repeat(300)}`, people.author);
    assert.equal(long.statusCode, 400);
    assert.equal((long.json() as { error: { code: string } }).error.code, 'INVALID_QUERY');
    assert.equal((await getJson('/admin/posts/cite-suggest?q=x', people.moderator)).statusCode, 403);
  });
});

describe('the pre-publish panel’s checks', () => {
  test('answer the findings for the form as typed, with their lines, and save nothing', async () => {
    const form = await formOf('/admin/posts/new', people.author);
    const before = await postCount();
    const res = await send('/admin/posts/checks', people.author, {
      ...form,
      title: 'The supply road',
      body: 'The road ran east.\n\nThe lorries were slwo on the sand.',
    });
    assert.equal(res.statusCode, 200, res.body);
    const { issues } = res.json() as { issues: { message: string; line?: number }[] };
    const slow = issues.find((i) => i.message.includes('“slwo”'));
    assert.ok(slow, JSON.stringify(issues));
    assert.equal(slow.line, 3);
    assert.equal(await postCount(), before, 'checking stores nothing');
  });
});

describe('an image dropped into the text', () => {
  const uploadJson = async (who: Person, fields: Record<string, string>, bytes: Buffer | undefined) => {
    const { payload, contentType } = multipartBody(
      fields,
      bytes ? { name: 'ridge.png', bytes, type: 'image/png' } : undefined,
    );
    return t.app.inject({
      method: 'POST',
      url: `/admin/media?csrf=${encodeURIComponent(who.csrf)}`,
      headers: { cookie: who.cookie, origin: TEST_BASE_URL, 'content-type': contentType, ...JSON_ACCEPT },
      payload,
    });
  };

  test('is uploaded through the media library and answered with its figure line, as typed', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#a08a5a' } })
      .png()
      .toBuffer();
    const res = await uploadJson(
      people.author,
      { alt: 'A low ridge', caption: 'The "west" ridge', credit: 'Olga' },
      png,
    );
    assert.equal(res.statusCode, 201, res.body);
    const data = res.json() as { id: number; src: string; figure: string };
    assert.match(data.src, /^\/media\//);
    assert.equal(
      data.figure,
      `::figure[The "west" ridge]{src="${data.src}" alt="A low ridge" credit="Olga"}`,
      'the caption as Markdown text, the attributes quoted',
    );
    // The same file again with other words: the stored image, the words just typed.
    const again = await uploadJson(people.author, { alt: 'The ridge at dusk', caption: '', credit: '' }, png);
    assert.equal(again.statusCode, 200, again.body);
    assert.match((again.json() as { figure: string }).figure, /alt="The ridge at dusk" credit="Olga"/);
  });

  test('without alt text, or too large, is refused as JSON with a code the island shows', async () => {
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const noAlt = await uploadJson(people.author, { alt: '', caption: '', credit: '' }, png);
    assert.equal(noAlt.statusCode, 400, noAlt.body);
    const err = (noAlt.json() as { error: { code: string; message: string; fields?: Record<string, string> } }).error;
    assert.equal(err.code, 'MEDIA_INVALID');
    assert.ok(err.fields?.alt, JSON.stringify(err));
    const huge = await uploadJson(people.author, { alt: 'x' }, Buffer.alloc(16 * 1024 * 1024, 1));
    assert.equal(huge.statusCode, 413);
    assert.equal((huge.json() as { error: { code: string } }).error.code, 'MEDIA_TOO_LARGE');
    // Contributors may write but not upload: the editor offers them no upload address.
    const page = await get('/admin/posts/new', people.contributor);
    assert.doesNotMatch(page.body, /data-upload-url/);
    assert.match((await get('/admin/posts/new', people.author)).body, /data-upload-url="\/admin\/media\?csrf=/);
  });
});

describe('no stray drafts', () => {
  test('a new post’s first autosave sent twice from one form (its answer lost) makes one draft, not two', async () => {
    const form = await formOf('/admin/posts/new', people.author);
    const before = await postCount();
    const first = await send('/admin/posts/autosave', people.author, {
      ...form,
      title: 'Fuel at Tamsag',
      body: 'One.',
    });
    assert.equal(first.statusCode, 201, first.body);
    const again = await later(2, () =>
      send('/admin/posts/autosave', people.author, { ...form, title: 'Fuel at Tamsag', body: 'One. Two.' }),
    );
    assert.equal(again.statusCode, 201, again.body);
    const a = first.json() as { id: number };
    const b = again.json() as { id: number; version: number };
    assert.equal(b.id, a.id, 'the same draft');
    assert.equal(await postCount(), before + 1);
    assert.equal(b.version, (await findPostById(t.site.content.db, a.id))!.version);
    // The second send's text is kept (as the draft's autosave), and reopening the draft shows it.
    assert.match((await get(`/admin/posts/${a.id}`, people.author)).body, /One\. Two\.<\/textarea>/);
    // Another form is another post.
    const other = await formOf('/admin/posts/new', people.author);
    const third = await send('/admin/posts/autosave', people.author, { ...other, title: 'Water', body: 'x' });
    assert.notEqual((third.json() as { id: number }).id, a.id);
  });

  test('a draft reopens with the writer’s kept text; a published post offers it back instead', async () => {
    const form = await formOf('/admin/posts/new', people.author);
    const saved = await send('/admin/posts', people.author, {
      ...form,
      title: 'Wells',
      body: 'Saved.',
      action: 'save',
    });
    const id = Number(/\/admin\/posts\/(\d+)/.exec(String(saved.headers.location))![1]);
    const editor = await formOf(`/admin/posts/${id}`, people.author);
    await later(3, () => send(`/admin/posts/${id}/autosave`, people.author, { ...editor, body: 'Saved. Then typed.' }));
    const reopened = await get(`/admin/posts/${id}`, people.author);
    assert.match(reopened.body, /Saved\. Then typed\.<\/textarea>/);
    assert.match(reopened.body, /Show the saved version instead/);
    assert.match((await get(`/admin/posts/${id}?autosave=saved`, people.author)).body, />Saved\.<\/textarea>/);
  });
});

describe('the saved state after Check', () => {
  /** The editor bar's status line, as a screen reader announces it. */
  const statusOf = (html: string) => {
    const page = parsePage(html);
    const bar = page.all('status').find((el) => page.attr(el, 'className').includes('editor-bar__status'));
    assert.ok(bar, 'the editor bar has its status line');
    return page.text(bar);
  };

  test('says Saved while the form is what the database keeps, tags, bylines and category read back; Not saved once it changes', async () => {
    // What the comparison reads back from the database: tags typed out of order, two bylines, a category.
    const [first, second] = [
      await createUser(t, 'author', { byline: true }),
      await createUser(t, 'author', { byline: true }),
    ];
    const category = await createCategory(t, { name: 'Remount Depots' });
    const form = await formOf('/admin/posts/new', people.owner);
    const saved = await send('/admin/posts', people.owner, {
      ...form,
      title: 'Horses for the steppe',
      body: 'Remounts came by rail.',
      tags: 'zebu, camels, horses',
      authors: [second.byline!, first.byline!],
      category: category.path,
      action: 'save',
    });
    assert.equal(saved.statusCode, 303, saved.body);
    const id = Number(/\/admin\/posts\/(\d+)/.exec(String(saved.headers.location))![1]);
    const editor = await formOf(`/admin/posts/${id}`, people.owner);
    assert.deepEqual(
      [editor.authors].flat().filter(Boolean),
      [second.byline, first.byline],
      'the bylines come back in the order given (with empty slots for more)',
    );

    const check = (fields: Record<string, string | string[]>) =>
      send(`/admin/posts/${id}`, people.owner, { ...fields, action: 'check' });
    const unchanged = await check(editor);
    assert.equal(unchanged.statusCode, 200, unchanged.body);
    assert.match(statusOf(unchanged.body), /^Saved( at .+)?$/);

    const changed = { ...editor, standfirst: 'Where the horses came from.' };
    assert.equal(statusOf((await check(changed)).body), 'Not saved: changed since the last save');

    // Kept by an autosave, the same text is saved again.
    const autosaved = await later(2, () => send(`/admin/posts/${id}/autosave`, people.owner, changed));
    assert.equal(autosaved.statusCode, 200, autosaved.body);
    assert.match(statusOf((await check(changed)).body), /^Saved( at .+)?$/);
  });
});

describe('one primary action', () => {
  const primaryOf = (html: string) =>
    /<button type="submit" name="action" value="(\w+)" class="editor-primary">([^<]+)</.exec(html);

  test('is Publish for those who publish, Send for review for contributors, Schedule with a time, Update when live', async () => {
    assert.deepEqual(primaryOf((await get('/admin/posts/new', people.owner)).body)?.slice(1), ['publish', 'Publish']);
    assert.deepEqual(primaryOf((await get('/admin/posts/new', people.contributor)).body)?.slice(1), [
      'submit',
      'Send for review',
    ]);
    const form = await formOf('/admin/posts/new', people.owner);
    const timed = await send('/admin/posts', people.owner, {
      ...form,
      title: 'Later',
      body: 'Soon.',
      publishAt: '2025-09-03T10:00',
      action: 'save',
    });
    const id = Number(/\/admin\/posts\/(\d+)/.exec(String(timed.headers.location))![1]);
    assert.deepEqual(primaryOf((await get(`/admin/posts/${id}`, people.owner)).body)?.slice(1), [
      'schedule',
      'Schedule',
    ]);
    const editor = await formOf(`/admin/posts/${id}`, people.owner);
    const live = await send(`/admin/posts/${id}`, people.owner, {
      ...editor,
      publishAt: '',
      action: 'publish',
      preflightSeen: '1',
    });
    assert.equal(live.statusCode, 303, live.body);
    const page = (await get(`/admin/posts/${id}`, people.owner)).body;
    assert.deepEqual(primaryOf(page)?.slice(1), ['save', 'Update']);
    assert.match(page, /value="unpublish" class="danger">Unpublish</, 'under More actions');
  });

  test('without JavaScript, Publish with findings shows the pre-publish panel above the writing, Publish anyway inside', async () => {
    const form = await formOf('/admin/posts/new', people.owner);
    const res = await send('/admin/posts', people.owner, {
      ...form,
      title: 'Wells of the steppe',
      body: 'The welss were dry.',
      action: 'publish',
    });
    assert.equal(res.statusCode, 200);
    const panel = res.body.indexOf('<section id="preflight" class="preflight preflight--before"');
    assert.ok(panel > 0, 'the panel is shown');
    assert.ok(panel < res.body.indexOf('class="editor__main"'), 'above the title and the text');
    const inside = res.body.slice(panel, res.body.indexOf('</section>', panel));
    assert.match(inside, /<h2 id="preflight-heading">Before publishing<\/h2>/);
    assert.match(inside, /“welss”[\s\S]*data-line="1"/);
    assert.match(inside, /<button type="submit" name="action" value="publish">Publish anyway<\/button>/);
  });
});
