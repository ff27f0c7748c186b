import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findPostById } from '../../src/modules/content/post.repository.ts';
import { articleText, describeQuote } from '../../src/modules/corrections/anchoring.ts';
import { startTestSite, TestClock, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// The public corrections log: the editor's "Correction or update note", recorded with the save that publishes
// it; the log on the article, in its JSON-LD, on /corrections/ and in its Atom feed; and the accept flow from a
// reader's suggestion.

const NOW = '2026-03-02T10:00:00.000Z';

let t: TestSite;
const db = () => t.site.content.db;
const people = {} as Record<'editor' | 'author', Person>;
const { person, get, send, formOf } = staffClient(() => t);

let minute = 0;
/** Moves the clock on a minute, so each save has its own time. */
const tick = () => t.clock.set(new Date(Date.parse(NOW) + ++minute * 60_000));

const BODY = [
  'The fighting on the Khalkha began on 11 May 1938, when a Mongolian patrol crossed the river.',
  '',
  'By August the Soviet commander had gathered tanks, guns and aircraft on the west bank.',
].join('\n');

/** A published post of our own, so the tests do not depend on the demo's wording. */
async function publishedPost(slug: string, body = BODY): Promise<number> {
  tick();
  const form = await formOf('/admin/posts/new', people.editor);
  const res = await send('/admin/posts', people.editor, {
    ...form,
    title: `Log test ${slug}`,
    slug,
    body,
    action: 'publish',
    preflightSeen: '1',
  });
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
  return Number(/\/admin\/posts\/(\d+)/.exec(String(res.headers.location))![1]);
}

/** Sends the editor form of post `id` with `fields` changed (the Update button of a published post by default). */
async function saveWith(id: number, fields: Record<string, string | string[]>, who = people.editor, url?: string) {
  tick();
  const form = await formOf(url ?? `/admin/posts/${id}`, who);
  return send(`/admin/posts/${id}`, who, { action: 'save', preflightSeen: '1', ...form, ...fields });
}

const entries = (postId: number) =>
  db().selectFrom('post_corrections').selectAll().where('post_id', '=', postId).orderBy('id').execute();

const latestRevision = async (postId: number) =>
  (
    await db()
      .selectFrom('post_revisions')
      .select((eb) => eb.fn.max('number').as('n'))
      .where('post_id', '=', postId)
      .executeTakeFirstOrThrow()
  ).n;

const postRow = async (id: number) => {
  const row = await findPostById(db(), id);
  assert.ok(row, `post ${id} exists`);
  return row;
};

/** A reader's suggestion row, as helper B's intake stores one (anchored on the post's current text). */
async function suggestion(
  postId: number,
  o: { quote: string; proposed: string; creditOk: boolean; name?: string; status?: 'open' | 'accepted' },
) {
  const post = await postRow(postId);
  const text = articleText(post.body_html);
  const start = text.indexOf(o.quote);
  const selectors =
    start >= 0
      ? describeQuote(text, start, start + o.quote.length)
      : [
          { type: 'TextQuoteSelector', exact: o.quote, prefix: '', suffix: '' },
          { type: 'TextPositionSelector', start: 0, end: 0 },
        ];
  const r = await db()
    .insertInto('correction_suggestions')
    .values({
      post_id: postId,
      revision_number: null,
      selector_json: JSON.stringify(selectors),
      quote: o.quote,
      problem: 'The fighting began in 1939, not 1938.',
      proposed: o.proposed,
      source_text: 'Coox, Nomonhan (1985), vol. 1',
      author_name: o.name ?? 'Ada Reader',
      author_email: 'ada@example.org',
      credit_ok: o.creditOk ? 1 : 0,
      status: o.status ?? 'open',
      created_at: t.clock.now().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

const jsonLd = (html: string) =>
  [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1]!));

before(async () => {
  t = await startTestSite({ clock: new TestClock(new Date(NOW)) });
  people.editor = await person('editor', 'Edith');
  people.author = await person('author', 'Elena', 'elena-markova');
});
after(() => t.close());

describe('recording a correction note', () => {
  test('publishing an edit of a published article with a note records one entry with the revision it created', async () => {
    const id = await publishedPost('note-recorded');
    const page = await get(`/admin/posts/${id}`, people.editor);
    assert.match(page.body, /<legend>Correction or update note<\/legend>/);
    const res = await saveWith(id, {
      body: BODY.replace('11 May 1938', '11 May 1939'),
      correctionKind: 'correction',
      correctionSummary: 'The fighting began in May 1939, not 1938.',
      correctionReason: 'A typing mistake in the year.',
      correctionSource: 'https://example.org/coox',
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 800));
    const rows = await entries(id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.revision_number, await latestRevision(id));
    assert.equal(rows[0]!.kind, 'correction');
    assert.equal(rows[0]!.summary, 'The fighting began in May 1939, not 1938.');
    assert.equal(rows[0]!.credit_name, null);
    assert.equal(rows[0]!.user_id, people.editor.id);
    // The revision it names is the published one with the corrected text.
    const rev = await db()
      .selectFrom('post_revisions')
      .select(['body_md', 'status'])
      .where('post_id', '=', id)
      .where('number', '=', rows[0]!.revision_number!)
      .executeTakeFirstOrThrow();
    assert.equal(rev.status, 'published');
    assert.match(rev.body_md, /11 May 1939/);
  });

  test('an update without a note records nothing', async () => {
    const id = await publishedPost('no-note');
    const res = await saveWith(id, { body: `${BODY}\n\nA new paragraph.` });
    assert.equal(res.statusCode, 303);
    assert.equal((await entries(id)).length, 0);
  });

  test('a save that leaves the post unpublished keeps the note in the form, not in the log', async () => {
    const id = await publishedPost('kept-in-form');
    tick();
    const form = await formOf(`/admin/posts/${id}`, people.editor);
    const res = await send(`/admin/posts/${id}`, people.editor, {
      ...form,
      action: 'unpublish',
      correctionKind: 'update',
      correctionSummary: 'Added the order of battle.',
    });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.match(res.body, /kept here, not in the public log yet/);
    assert.match(res.body, /name="correctionSummary"[^>]*>Added the order of battle\.<\/textarea>/);
    assert.match(res.body, /value="update" checked/);
    assert.equal((await entries(id)).length, 0);
    assert.equal((await postRow(id)).status, 'draft', 'the save itself went through');
    // A save of the now unpublished (draft) post keeps the note too; publishing it again records it.
    const kept = await saveWith(id, { correctionSummary: 'Added the order of battle.' });
    assert.equal(kept.statusCode, 200);
    assert.equal((await entries(id)).length, 0);
    tick();
    const again = await formOf(`/admin/posts/${id}`, people.editor);
    const out = await send(`/admin/posts/${id}`, people.editor, {
      ...again,
      action: 'publish',
      preflightSeen: '1',
      correctionKind: 'update',
      correctionSummary: 'Added the order of battle.',
    });
    assert.equal(out.statusCode, 303, out.body.slice(0, 500));
    const rows = await entries(id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.kind, 'update');
    assert.equal(rows[0]!.revision_number, await latestRevision(id));
  });

  test('a note without "what changed", or too long, is refused with field messages and nothing is saved', async () => {
    const id = await publishedPost('note-invalid');
    const before = await postRow(id);
    const typedBody = BODY.replace('tanks', 'tanks & lorries');
    const res = await saveWith(id, {
      body: typedBody,
      correctionReason: 'Because <readers> asked',
      correctionSource: 'Coox',
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /role="alert"/);
    assert.match(res.body, /href="#post-correctionSummary"/);
    assert.match(res.body, /id="post-correctionSummary-error"/);
    assert.match(res.body, /aria-describedby="[^"]*post-correctionSummary-error"/);
    assert.match(res.body, /Because &lt;readers> asked<\/textarea>/);
    assert.match(res.body, /tanks &amp; lorries/, 'the body as typed is kept');
    const afterRow = await postRow(id);
    assert.equal(afterRow.version, before.version, 'nothing was saved');
    assert.equal(afterRow.body_md, before.body_md);
    assert.equal((await entries(id)).length, 0);

    const long = await saveWith(id, { correctionSummary: 'x'.repeat(501), correctionKind: 'erratum' });
    assert.equal(long.statusCode, 400);
    assert.match(long.body, /Keep it under 500 characters/);
    assert.match(long.body, /Choose correction or update/);
    assert.equal((await entries(id)).length, 0);
  });

  test('a note on a form opened before someone else saved is a conflict with the note kept', async () => {
    const id = await publishedPost('note-conflict');
    const stale = await formOf(`/admin/posts/${id}`, people.editor);
    await saveWith(id, { body: `${BODY}\n\nSomeone else's paragraph.` });
    tick();
    const res = await send(`/admin/posts/${id}`, people.editor, {
      ...stale,
      action: 'save',
      correctionSummary: 'Fixed the year.',
    });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /Fixed the year\.<\/textarea>/);
    assert.equal((await entries(id)).length, 0);
  });
});

describe('the log as readers see it', () => {
  let id: number;
  before(async () => {
    id = await publishedPost('log-on-page');
    const first = await saveWith(id, {
      body: BODY.replace('11 May 1938', '11 May 1939'),
      correctionSummary: 'The fighting began in May 1939, not 1938.',
      correctionReason: 'A typing mistake.',
      correctionSource: 'See https://example.org/coox?a=1&b=2. Also Coox, vol. 1',
    });
    assert.equal(first.statusCode, 303);
    const second = await saveWith(id, {
      body: `${BODY.replace('11 May 1938', '11 May 1939')}\n\nThe Japanese 23rd Division was raised in 1938.`,
      correctionKind: 'update',
      correctionSummary: 'Added <the> 23rd Division & its origins.',
      correctionSource: 'javascript:alert(1)',
    });
    assert.equal(second.statusCode, 303);
  });

  test('the article shows a dated "Corrections and updates" section, newest first, with links to each version', async () => {
    const page = await get('/log-on-page/');
    assert.equal(page.statusCode, 200);
    const html = page.body;
    const section = html.slice(
      html.indexOf('<section class="corrections"'),
      html.indexOf('</section>', html.indexOf('<section class="corrections"')),
    );
    assert.match(section, /id="corrections"/);
    assert.match(section, /<h2 id="corrections-heading">Corrections and updates<\/h2>/);
    assert.match(section, /<time dateTime="2026-03-02T10:\d\d:00.000Z">2 March 2026<\/time>/i);
    assert.ok(
      section.indexOf('Added &lt;the> 23rd Division &amp; its origins.') < section.indexOf('began in May 1939'),
    );
    assert.match(section, /<strong>Update<\/strong>/);
    assert.match(section, /<strong>Correction<\/strong>/);
    assert.match(section, /<dt>Why<\/dt><dd>A typing mistake\.<\/dd>/);
    assert.match(section, /<a href="https:\/\/example.org\/coox\?a=1&amp;b=2" rel="nofollow noopener">/);
    assert.match(section, /\. Also Coox, vol\. 1/);
    assert.doesNotMatch(section, /href="javascript/);
    assert.match(section, /javascript:alert\(1\)/, 'a source that is not a web address stays text');
    const rows = await entries(id);
    for (const r of rows) assert.match(section, new RegExp(`href="/log-on-page/revisions/${r.revision_number}/"`));
    assert.match(section, /See this version/);
    assert.match(section, /href="\/log-on-page\/revisions\/">View earlier versions/);
    assert.doesNotMatch(section, /Suggested by/);
  });

  test('JSON-LD carries the entries as CorrectionComments, and dateModified follows the latest one', async () => {
    const rows = await entries(id);
    // A log entry later than the article's own update time (as an entry recorded on its own would be).
    const later = '2026-04-01T08:00:00.000Z';
    await db()
      .insertInto('post_corrections')
      .values({
        post_id: id,
        kind: 'update',
        summary: 'A later note.',
        revision_number: null,
        created_at: later,
        credit_name: null,
        suggestion_id: null,
        user_id: null,
      })
      .execute();
    t.site.content.noteWrite();
    const html = (await get('/log-on-page/')).body;
    const article = jsonLd(html).find((d) => d['@type'] === 'Article');
    assert.equal(article.dateModified, later);
    assert.match(html, new RegExp(`<meta property="article:modified_time" content="${later}"`));
    assert.equal(article.correction.length, 3);
    assert.deepEqual(article.correction[0], {
      '@type': 'CorrectionComment',
      text: 'A later note.',
      datePublished: later,
      url: 'http://annalist.test/log-on-page/#corrections',
    });
    const first = article.correction.find((c: { text: string }) => c.text.startsWith('The fighting began'));
    assert.equal(first.text, 'The fighting began in May 1939, not 1938. A typing mistake.');
    assert.equal(first.url, `http://annalist.test/log-on-page/revisions/${rows[0]!.revision_number}/`);
    assert.doesNotMatch(html, /<the>/, 'nothing typed reaches the page unescaped');
    await db().deleteFrom('post_corrections').where('created_at', '=', later).execute();
    t.site.content.noteWrite();
  });

  test('an article without entries has no section and no JSON-LD correction', async () => {
    const other = await publishedPost('log-empty');
    assert.ok(other);
    const html = (await get('/log-empty/')).body;
    assert.doesNotMatch(html, /Corrections and updates<\/h2>/);
    assert.equal(jsonLd(html).find((d) => d['@type'] === 'Article').correction, undefined);
  });

  test("/corrections/ lists every published article's entries newest first, linked to the article", async () => {
    const page = await get('/corrections/');
    assert.equal(page.statusCode, 200);
    const html = page.body;
    assert.match(
      html,
      /<link rel="alternate" type="application\/atom\+xml" title="Corrections and updates \(Atom\)" href="\/corrections\/feed.xml"/,
    );
    const a = html.indexOf('Added &lt;the> 23rd Division');
    const b = html.indexOf('The fighting began in May 1939, not 1938.');
    assert.ok(a > 0 && b > a, 'newest first');
    assert.match(html, /<a href="\/log-on-page\/#corrections">Log test log-on-page<\/a>/);
    assert.match(html, /<dt>Why<\/dt><dd>A typing mistake\.<\/dd>/);
    // An unpublished article's entries are not listed.
    const hidden = await publishedPost('log-hidden');
    const res = await saveWith(hidden, { correctionSummary: 'A secret correction.' });
    assert.equal(res.statusCode, 303);
    assert.match((await get('/corrections/')).body, /A secret correction\./);
    tick();
    const form = await formOf(`/admin/posts/${hidden}`, people.editor);
    assert.equal(
      (await send(`/admin/posts/${hidden}`, people.editor, { ...form, action: 'unpublish' })).statusCode,
      303,
    );
    assert.doesNotMatch((await get('/corrections/')).body, /A secret correction\./);
    assert.doesNotMatch((await get('/corrections/feed.xml')).body, /A secret correction\./);
    assert.equal((await get('/corrections/?page=99')).statusCode, 404);
    assert.equal((await get('/corrections/?page=abc')).statusCode, 400);
  });

  test('the Atom feed lists the entries newest first, escaped, each linked to its version', async () => {
    const res = await get('/corrections/feed.xml');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/atom\+xml/);
    const xml = res.body;
    assert.match(xml, /^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
    assert.match(xml, /<title type="text">Update: Log test log-on-page<\/title>/);
    assert.match(xml, /Added &lt;the&gt; 23rd Division &amp; its origins\./);
    assert.match(xml, /https:\/\/example.org\/coox\?a=1&amp;b=2/);
    assert.doesNotMatch(xml, /<the>/);
    const a = xml.indexOf('Added &lt;the&gt;');
    const b = xml.indexOf('The fighting began in May 1939');
    assert.ok(a > 0 && b > a, 'newest first');
    const rows = await entries(id);
    assert.match(xml, new RegExp(`href="http://annalist.test/log-on-page/revisions/${rows[1]!.revision_number}/"`));
    assert.match(
      xml,
      /<link rel="self" type="application\/atom\+xml" href="http:\/\/annalist.test\/corrections\/feed.xml"\/>/,
    );
    const updated = /<feed[\s\S]*?<updated>([^<]+)<\/updated>/.exec(xml)![1];
    const newest = /<entry>[\s\S]*?<updated>([^<]+)<\/updated>/.exec(xml)![1];
    assert.equal(updated, newest);
  });

  test('the sitemap lists /corrections/', async () => {
    assert.match((await get('/sitemap.xml')).body, /<loc>http:\/\/annalist.test\/corrections\/<\/loc>/);
  });
});

describe("accepting a reader's suggestion", () => {
  test('the editor opens with the change applied and the note filled in; publishing records it, credits the reader and marks the suggestion accepted', async () => {
    const id = await publishedPost('accept-flow');
    const sid = await suggestion(id, {
      quote: '11 May 1938',
      proposed: '11 May 1939',
      creditOk: true,
      name: 'Ada <Reader>',
    });
    const page = await get(`/admin/posts/${id}/edit?suggestion=${sid}`, people.editor);
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, `/admin/posts/${id}?suggestion=${sid}`);
    const url = `/admin/posts/${id}?suggestion=${sid}`;
    const opened = await get(url, people.editor);
    assert.equal(opened.statusCode, 200);
    assert.match(opened.body, /began on 11 May 1939, when/, 'the body has the change applied');
    assert.match(opened.body, /The proposed wording is already in the body/);
    assert.match(opened.body, new RegExp(`<input type="hidden" name="suggestionId" value="${sid}"/>`));
    assert.match(opened.body, /name="correctionReason"[^>]*>The fighting began in 1939, not 1938\.<\/textarea>/);
    assert.match(opened.body, /<label for="post-correctionCredit">Credit Ada &lt;Reader><\/label>/);
    const form = await formOf(url, people.editor);
    assert.equal(form.correctionCredit, '1', 'credit is ticked when the reader agreed');
    tick();
    const res = await send(`/admin/posts/${id}`, people.editor, { ...form, action: 'save' });
    assert.equal(res.statusCode, 303, res.body.slice(0, 800));
    const [entry] = await entries(id);
    assert.ok(entry);
    assert.equal(entry.credit_name, 'Ada <Reader>');
    assert.equal(entry.suggestion_id, sid);
    assert.equal(entry.revision_number, await latestRevision(id));
    const s = await db()
      .selectFrom('correction_suggestions')
      .selectAll()
      .where('id', '=', sid)
      .executeTakeFirstOrThrow();
    assert.equal(s.status, 'accepted');
    assert.equal(s.correction_id, entry.id);
    assert.equal(s.decided_by, people.editor.id);
    assert.match((await postRow(id)).body_md, /11 May 1939/);
    const article = (await get('/accept-flow/')).body;
    assert.match(article, /Suggested by Ada &lt;Reader>/);
    assert.match(article, /began on 11 May 1939, when/);

    // A second accept of the same suggestion is refused, and nothing is saved.
    const again = await get(url, people.editor);
    assert.equal(again.statusCode, 409);
    assert.doesNotMatch(again.body, /\bat [\w.]+ \(/, 'a readable page, no stack trace');
    const before = await postRow(id);
    tick();
    const plain = await formOf(`/admin/posts/${id}`, people.editor);
    const second = await send(`/admin/posts/${id}`, people.editor, {
      ...plain,
      body: `${plain.body}\n\nMore.`,
      suggestionId: String(sid),
      correctionSummary: 'Again.',
      action: 'save',
    });
    assert.equal(second.statusCode, 409);
    assert.match(second.body, /href="#post-suggestionId"/);
    assert.match(second.body, /Again\.<\/textarea>/);
    assert.equal((await entries(id)).length, 1);
    assert.equal((await postRow(id)).version, before.version);
  });

  test('the reader is not credited when they did not agree, whatever the form says', async () => {
    const id = await publishedPost('accept-no-credit');
    const sid = await suggestion(id, { quote: '11 May 1938', proposed: '11 May 1939', creditOk: false });
    const url = `/admin/posts/${id}?suggestion=${sid}`;
    const opened = await get(url, people.editor);
    assert.doesNotMatch(opened.body, /name="correctionCredit"/);
    const form = await formOf(url, people.editor);
    tick();
    const res = await send(`/admin/posts/${id}`, people.editor, { ...form, correctionCredit: '1', action: 'save' });
    assert.equal(res.statusCode, 303);
    const [entry] = await entries(id);
    assert.equal(entry!.credit_name, null);
    assert.doesNotMatch((await get('/accept-no-credit/')).body, /Suggested by/);
  });

  test('a passage that cannot be found shows the quote and proposed wording beside the editor', async () => {
    const id = await publishedPost('accept-not-applied');
    const sid = await suggestion(id, {
      quote: 'a passage the article never had',
      proposed: 'better words',
      creditOk: false,
    });
    const opened = await get(`/admin/posts/${id}?suggestion=${sid}`, people.editor);
    assert.equal(opened.statusCode, 200);
    assert.match(opened.body, /Could not apply automatically/);
    assert.match(opened.body, /<dt>The quoted passage<\/dt><dd><q>a passage the article never had<\/q><\/dd>/);
    assert.match(opened.body, /<dt>Proposed wording<\/dt><dd><q>better words<\/q><\/dd>/);
  });

  test("only people who review corrections may accept a suggestion; another article's suggestion is refused", async () => {
    const own = (
      await db().selectFrom('posts').select('id').where('slug', '=', 'khalkhin-gol-1939').executeTakeFirstOrThrow()
    ).id;
    const sid = await suggestion(own, { quote: 'Khalkhin-Gol', proposed: 'Khalkhin Gol', creditOk: false });
    assert.equal((await get(`/admin/posts/${own}?suggestion=${sid}`, people.author)).statusCode, 403);
    const before = (await entries(own)).length; // the demo's own correction (the 1938 slip) is there already
    // The plain note works for anyone who may publish the post (Elena writes this one).
    const res = await saveWith(
      own,
      { correctionKind: 'update', correctionSummary: 'Tidied the first paragraph.' },
      people.author,
    );
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    assert.equal((await entries(own)).length, before + 1);
    const other = await publishedPost('accept-other');
    assert.equal((await get(`/admin/posts/${other}?suggestion=${sid}`, people.editor)).statusCode, 404);
    assert.equal((await get(`/admin/posts/${other}?suggestion=abc`, people.editor)).statusCode, 400);
  });
});
