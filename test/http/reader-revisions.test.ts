import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestSite, TestClock, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Readers' view of an article's history: the published versions only (never drafts, saves after unpublishing,
// or autosaves), one version as it was, and the word differences between two.

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

/** No stack trace or internal detail on a page a reader gets. */
const readable = (html: string) => {
  assert.match(html, /<!DOCTYPE html>/);
  assert.doesNotMatch(html, /\bat [\w.<>]+ \(|node:internal|\.ts:\d+/);
};

before(async () => {
  t = await startTestSite({ clock: new TestClock(new Date(NOW)) });
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
    const links = [...html.matchAll(new RegExp(`href="/${SLUG}/revisions/(\\d+)/"`, 'g'))].map((m) => m[1]);
    assert.deepEqual(links, ['6', '3', '2']);
    assert.match(html, /Version 6 \(current\)/);
    assert.match(html, /<strong>Correction:<\/strong> The war began in 1939, not 1938\./);
    assert.match(html, /aria-label="Compare from version 3"/);
    assert.doesNotMatch(html, /DRAFT-ONLY|UNPUBLISHED-EDIT|AUTOSAVED/);
  });

  test('a version shows the article as it was, marked as earlier, not indexed, canonical to the current one', async () => {
    const res = await get(`/${SLUG}/revisions/2/`);
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.match(html, /The <em>first<\/em> version said the war began in 1938\./);
    assert.doesNotMatch(html, /began in 1939/);
    assert.match(
      html,
      /You are reading an earlier version of this article, published <time datetime="[^"]+">2 March 2026<\/time>\./,
    );
    assert.match(html, new RegExp(`<a href="/${SLUG}/">Read the current version\\.</a>`));
    assert.match(html, /<meta name="robots" content="noindex"\/>/);
    assert.match(html, new RegExp(`<link rel="canonical" href="http://annalist.test/${SLUG}/"/>`));
    assert.match(html, new RegExp(`href="/${SLUG}/revisions/2\\.\\.\\.6/">What changed since`));
    const v3 = (await get(`/${SLUG}/revisions/3/`)).body;
    assert.match(v3, /Changed in this version/);
    assert.match(v3, /The war began in 1939, not 1938\./);
  });

  test('the differences between two versions are words in <del> and <ins>, labelled for screen readers', async () => {
    const res = await get(`/${SLUG}/revisions/2...3/`);
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.match(
      html,
      /<del><span class="visually-hidden">\[removed: <\/span>1938\.?<span class="visually-hidden">\]<\/span><\/del>/,
    );
    assert.match(
      html,
      /<ins><span class="visually-hidden">\[added: <\/span>1939\.?<span class="visually-hidden">\]<\/span><\/ins>/,
    );
    assert.match(html, /<meta name="robots" content="noindex"\/>/);
    const moved = await get(`/${SLUG}/revisions/?from=2&to=6`);
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, `/${SLUG}/revisions/2...6/`);
    assert.match((await get(`/${SLUG}/revisions/2...6/`)).body, /on the Khalkha/);
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
    const body2 = /<section[^>]*aria-label="Body"[^>]*>([\s\S]*?)<\/section>/.exec(diff.body)?.[1] ?? '';
    assert.ok(body2, 'a Body section in the diff');
    const words = body2.replace(/<[^>]+>/g, '');
    // The rendered words: heading text, link text, bold text and the note, with the months marked as changed.
    assert.match(words, /a skirmish on the river/);
    assert.match(words, /crossed the Khalkha in/);
    assert.match(words, /A note on the border as each side drew it\./);
    assert.match(body2, /<del><span class="visually-hidden">\[removed: <\/span>May<span/);
    assert.match(body2, /<ins><span class="visually-hidden">\[added: <\/span>June<span/);
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
    // The demo's articles were seeded today with their original publication dates.
    const post = await db()
      .selectFrom('posts')
      .select('published_at')
      .where('slug', '=', 'khalkhin-gol-1939')
      .executeTakeFirstOrThrow();
    const html = (await get('/khalkhin-gol-1939/revisions/')).body;
    assert.match(html, new RegExp(`<time datetime="${post.published_at}">`));
    assert.match(
      (await get('/khalkhin-gol-1939/revisions/1/')).body,
      new RegExp(`published <time datetime="${post.published_at}">`),
    );
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
