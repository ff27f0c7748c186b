import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import { createArticle } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TestClock, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Readers' view of an article's history: the published versions only (never drafts, saves after unpublishing,
// or autosaves), one version as it was, and the word differences between two. Every article here is made by the
// test (through the editor's forms, or test/support/factories.ts), on a site without the demo.

const NOW = '2026-03-02T10:00:00.000Z';
const SLUG = 'history-test';

let t: TestSite;
const db = () => t.site.content.db;
let editor: Person;
const { person, get, send, formOf } = staffClient(() => t);
let id: number;

let minute = 0;
const tick = () => t.clock.set(new Date(Date.parse(NOW) + ++minute * 60_000));

async function press(action: string, fields: Record<string, string> = {}) {
  tick();
  const form = await formOf(`/admin/posts/${id}`, editor);
  const res = await send(`/admin/posts/${id}`, editor, { ...form, ...fields, action, preflightSeen: '1' });
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
}

const statuses = async () =>
  (
    await db()
      .selectFrom('post_revisions')
      .select(['number', 'status'])
      .where('post_id', '=', id)
      .orderBy('number')
      .execute()
  ).map((r) => `${r.number}:${r.status}`);

/** The addresses of the page's links to single versions of the article at `slug`, in page order. */
const versionLinks = (page: Page, slug: string) =>
  page
    .all('link')
    .map((a) => page.attr(a, 'href'))
    .filter((href) => new RegExp(`^/${slug}/revisions/\\d+/$`).test(href));

/**
 * A changed word as a screen reader hears it, `[removed: 1938]` or `[added: 1939]`, with the bracketed words in
 * visually hidden spans around the word itself.
 */
function assertMarked(page: Page, el: Element, said: string, word: RegExp) {
  const [, label, inner] =
    /^\[(\w+): (.*)\]$/.exec(page.text(el)) ?? assert.fail(`not a marked change: ${page.text(el)}`);
  assert.equal(label, said);
  assert.match(inner!, word);
  const hidden = el.children.filter(
    (c): c is Element => c.type === 'element' && page.attr(c, 'className') === 'visually-hidden',
  );
  assert.deepEqual(
    hidden.map((h) => page.text(h)),
    [`[${said}:`, ']'],
    'the brackets are for screen readers only',
  );
}

/** No stack trace or internal detail on a page a reader gets. */
const readable = (html: string) => {
  assert.match(html, /<!DOCTYPE html>/);
  assert.doesNotMatch(html, /\bat [\w.<>]+ \(|node:internal|\.ts:\d+/);
};

before(async () => {
  t = await startTestSite({ demo: false, clock: new TestClock(new Date(NOW)) });
  editor = await person('editor', 'Edith');
  tick();
  const form = await formOf('/admin/posts/new', editor);
  const res = await send('/admin/posts', editor, {
    ...form,
    title: 'A history test',
    slug: SLUG,
    body: 'DRAFT-ONLY wording that readers never saw.',
    action: 'save',
  });
  assert.equal(res.statusCode, 303);
  id = Number(/\/admin\/posts\/(\d+)/.exec(String(res.headers.location))![1]);
  await press('publish', { body: 'The *first* version said the war began in 1938.' }); // 2: published
  await press('save', {
    body: 'The *first* version said the war began in 1939.',
    correctionSummary: 'The war began in 1939, not 1938.',
  }); // 3: published, with a note
  await press('unpublish'); // 4: unpublished
  await press('save', { body: 'UNPUBLISHED-EDIT wording.' }); // 5: unpublished
  await press('publish', { body: 'The *first* version said the war began in 1939, on the Khalkha.' }); // 6
  // An autosave (kept as the post's state, 'published') must never be readable.
  const form2 = await formOf(`/admin/posts/${id}`, editor);
  const auto = await send(`/admin/posts/${id}/autosave`, editor, { ...form2, body: 'AUTOSAVED secret wording.' });
  assert.equal(auto.statusCode, 200, auto.body);
});
after(() => t.close());

describe("readers' revisions", () => {
  test('the fixture has drafts, unpublished saves and an autosave among the published versions', async () => {
    const s = await statuses();
    assert.ok(
      s.some((x) => /^-\d+:published$/.test(x)),
      `an autosave: ${s}`,
    );
    assert.deepEqual(
      s.filter((x) => !x.startsWith('-')),
      ['1:draft', '2:published', '3:published', '4:unpublished', '5:unpublished', '6:published'],
    );
  });

  test('the list shows only published versions, newest first, with the correction each carries', async () => {
    const res = await get(`/${SLUG}/revisions/`);
    assert.equal(res.statusCode, 200);
    const html = res.body;
    const page = parsePage(html);
    assert.deepEqual(
      versionLinks(page, SLUG),
      [6, 3, 2].map((n) => `/${SLUG}/revisions/${n}/`),
    );
    page.get('link', 'Version 6 (current)');
    const v3 = page.all('row').find((row) => page.within(row).all('link', 'Version 3').length === 1);
    assert.ok(v3, 'a row for version 3');
    page.within(v3).get('strong', 'Correction:');
    assert.match(page.text(v3), /Correction: The war began in 1939, not 1938\./);
    page.get('radio', 'Compare from version 3');
    assert.doesNotMatch(html, /DRAFT-ONLY|UNPUBLISHED-EDIT|AUTOSAVED/);
  });

  test('a version shows the article as it was, marked as earlier, not indexed, canonical to the current one', async () => {
    const res = await get(`/${SLUG}/revisions/2/`);
    assert.equal(res.statusCode, 200);
    const html = res.body;
    const page = parsePage(html);
    const said = page.get('paragraph', 'The first version said the war began in 1938.');
    page.within(said).get('emphasis', 'first');
    assert.doesNotMatch(html, /began in 1939/);
    const note = page.get('note');
    assert.match(page.text(note), /^You are reading an earlier version of this article, published 2 March 2026\./);
    assert.notEqual(page.attr(page.within(note).get('time', '2 March 2026'), 'dateTime'), '');
    assert.equal(page.attr(page.get('link', 'Read the current version.'), 'href'), `/${SLUG}/`);
    // The head's metadata has no role to find it by.
    assert.match(html, /<meta name="robots" content="noindex"\/>/);
    assert.match(html, new RegExp(`<link rel="canonical" href="http://annalist.test/${SLUG}/"/>`));
    assert.equal(page.attr(page.get('link', /^What changed since/), 'href'), `/${SLUG}/revisions/2...6/`);
    const v3 = parsePage((await get(`/${SLUG}/revisions/3/`)).body);
    assert.match(v3.text(v3.get('region', 'Changed in this version')), /The war began in 1939, not 1938\./);
  });

  test('the differences between two versions are words in <del> and <ins>, labelled for screen readers', async () => {
    const res = await get(`/${SLUG}/revisions/2...3/`);
    assert.equal(res.statusCode, 200);
    const html = res.body;
    const page = parsePage(html);
    assertMarked(page, page.get('deletion'), 'removed', /^1938\.?$/);
    assertMarked(page, page.get('insertion'), 'added', /^1939\.?$/);
    assert.match(html, /<meta name="robots" content="noindex"\/>/);
    const moved = await get(`/${SLUG}/revisions/?from=2&to=6`);
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, `/${SLUG}/revisions/2...6/`);
    const since = parsePage((await get(`/${SLUG}/revisions/2...6/`)).body);
    assert.match(since.text(since.get('region', 'Body')), /on the Khalkha/);
  });

  test('the differences are in the words readers read, never the Markdown source', async () => {
    tick();
    const form = await formOf('/admin/posts/new', editor);
    const body = (month: string) =>
      [
        `## ${month}: a skirmish on the **river**`,
        '',
        `Mongolian horsemen crossed the [Khalkha](https://example.org/khalkha) in ${month}.[^3]`,
        '',
        '[^3]: A note on the border as each side drew it.',
      ].join('\n');
    const res = await send('/admin/posts', editor, {
      ...form,
      title: 'Markup test',
      slug: 'markup-test',
      body: body('May'),
      action: 'publish',
      preflightSeen: '1',
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const mid = Number(/\/admin\/posts\/(\d+)/.exec(String(res.headers.location))![1]);
    tick();
    const edit = await formOf(`/admin/posts/${mid}`, editor);
    const saved = await send(`/admin/posts/${mid}`, editor, {
      ...edit,
      body: body('June'),
      action: 'save',
      preflightSeen: '1',
    });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
    const published = (
      await db()
        .selectFrom('post_revisions')
        .select('number')
        .where('post_id', '=', mid)
        .where('status', '=', 'published')
        .where('number', '>', 0)
        .orderBy('number')
        .execute()
    ).map((r) => r.number);
    assert.equal(published.length, 2, `published versions: ${published}`);
    const diff = await get(`/markup-test/revisions/${published[0]}...${published[1]}/`);
    assert.equal(diff.statusCode, 200);
    const page = parsePage(diff.body);
    const body2 = page.get('region', 'Body');
    const words = page.text(body2);
    // The rendered words: heading text, link text, bold text and the note, with the months marked as changed.
    assert.match(words, /a skirmish on the river/);
    assert.match(words, /crossed the Khalkha in/);
    assert.match(words, /A note on the border as each side drew it\./);
    // Each month is changed twice, in the heading and in the paragraph.
    const [removed, added] = [page.within(body2).all('deletion'), page.within(body2).all('insertion')];
    assert.deepEqual([removed.length, added.length], [2, 2]);
    for (const el of removed) assertMarked(page, el, 'removed', /^May$/);
    for (const el of added) assertMarked(page, el, 'added', /^June$/);
    // None of the source's markup.
    for (const markup of ['##', '[^', '**', '](', 'https://example.org']) {
      assert.ok(!words.includes(markup), `no "${markup}" in the reader's diff: ${words}`);
    }
  });

  test('drafts, unpublished saves and autosaves are 404s, alone or in a comparison', async () => {
    const autosave = (await statuses()).find((x) => x.startsWith('-'))!.split(':')[0]!;
    for (const path of ['1/', '4/', '5/', '1...6/', '2...5/']) {
      const res = await get(`/${SLUG}/revisions/${path}`);
      assert.equal(res.statusCode, 404, path);
      readable(res.body);
      assert.doesNotMatch(res.body, /DRAFT-ONLY|UNPUBLISHED-EDIT|AUTOSAVED/);
    }
    assert.equal((await get(`/${SLUG}/revisions/${autosave}/`)).statusCode, 400);
    // Its number without the minus (the writer's account id) is the published version of that number, if there is
    // one, and never the autosave.
    const positive = autosave.slice(1);
    const plain = await get(`/${SLUG}/revisions/${positive}/`);
    assert.equal(plain.statusCode, (await statuses()).includes(`${positive}:published`) ? 200 : 404);
    assert.doesNotMatch(plain.body, /AUTOSAVED/);
  });

  test('bad version numbers give a readable 400 or 404, never a stack trace', async () => {
    const cases: [string, number][] = [
      ['abc/', 400],
      ['0/', 404],
      ['99/', 404],
      ['12345678901/', 400],
      ['2...abc/', 400],
      ['2....3/', 400],
      ['2...99/', 404],
      ['%3Cscript%3E/', 400],
    ];
    for (const [path, status] of cases) {
      const res = await get(`/${SLUG}/revisions/${path}`);
      assert.equal(res.statusCode, status, path);
      readable(res.body);
      assert.doesNotMatch(res.body, /<script>/);
    }
    assert.equal((await get(`/${SLUG}/revisions/?from=x&to=2`)).statusCode, 400);
    assert.equal((await get(`/${SLUG}/revisions`)).statusCode, 301);
  });

  test('the first version of an article kept since before its revisions is dated from its publication', async () => {
    // Saved today with a publication date years back, as an imported article or the demo's are.
    const publishedAt = '1999-05-01T10:00:00.000Z';
    const old = await createArticle(t, { title: 'An old article', publishedAt });
    const list = parsePage((await get(`${old.url}revisions/`)).body);
    const first = list.all('row').find((row) => list.within(row).all('link', 'Version 1 (current)').length === 1);
    assert.ok(first, 'a row for version 1');
    assert.equal(list.attr(list.within(first).get('time'), 'dateTime'), publishedAt);
    const v1 = parsePage((await get(`${old.url}revisions/1/`)).body);
    const note = v1.get('note');
    assert.match(v1.text(note), /published 1 May 1999\./);
    assert.equal(v1.attr(v1.within(note).get('time'), 'dateTime'), publishedAt);
  });

  test('an article readers cannot see has no readable history', async () => {
    tick();
    const form = await formOf('/admin/posts/new', editor);
    const res = await send('/admin/posts', editor, {
      ...form,
      title: 'Never out',
      slug: 'never-out',
      body: 'x',
      action: 'save',
    });
    assert.equal(res.statusCode, 303);
    for (const url of ['/never-out/revisions/', '/never-out/revisions/1/', '/no-such-article/revisions/']) {
      const r = await get(url);
      assert.equal(r.statusCode, 404, url);
      readable(r.body);
    }
  });
});
