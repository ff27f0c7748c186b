import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { findSuggestionById, insertSuggestion } from '../../src/modules/corrections/suggestion.repository.ts';
import { markSuggestionAccepted, proposedEdit } from '../../src/modules/corrections/suggestion-review.service.ts';
import { createSmtpMailer } from '../../src/modules/mail/mailer.ts';
import { type OutboxWorker, startOutboxWorker } from '../../src/modules/mail/outbox.ts';
import { addBan } from '../../src/modules/moderation/bans.repository.ts';
import { parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { TestSmtp } from '../support/smtp.ts';
import { FORM, type Person, staffClient } from '../support/staff-client.ts';
import { htmlErrors } from '../support/vnu.ts';

const SLUG = 'border-incident-test';
const BODY = [
  'The first clash came on 11 May 1938, when Mongolian horsemen crossed the river.',
  '',
  'The Japanese force numbered about 30,000 men, with 73 tanks in all. Zhukov asked for *lorries* before anything else.',
  '',
  'He called it “a border incident”, and nothing more.',
].join('\n');

let t: TestSite;
let smtp: TestSmtp;
let worker: OutboxWorker;
let postId: number;
let editor: Person;
let editor2: Person;
let moderator: Person;
let author: Person;
const staff = staffClient(() => t);
let nextIp = 10;

/** A reader's browser: its own address, and the form cookie kept between requests as a real browser keeps it. */
class Reader {
  cookie = '';
  readonly ip = `198.51.100.${nextIp++}`;
  async open(url = `/${SLUG}/corrections/new`) {
    const res = await t.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: this.headers() });
    this.keep(res.headers['set-cookie']);
    return res;
  }
  async send(fields: Record<string, string>, opts: { origin?: string | null; cookie?: string } = {}) {
    const headers: Record<string, string> = { 'content-type': FORM, ...this.headers(opts.cookie) };
    if (opts.origin !== null) headers.origin = opts.origin ?? TEST_BASE_URL;
    const res = await t.app.inject({
      method: 'POST',
      url: `/${SLUG}/corrections/new`,
      remoteAddress: this.ip,
      headers,
      payload: new URLSearchParams(fields).toString(),
    });
    this.keep(res.headers['set-cookie']);
    return res;
  }
  private headers(cookie = this.cookie): Record<string, string> {
    return cookie ? { cookie } : {};
  }
  private keep(setCookie: string | string[] | undefined) {
    const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    if (first?.startsWith('annalist_form=')) this.cookie = first.split(';')[0]!;
  }
}

const suggestion = (over: Record<string, string> = {}) => ({
  name: 'Batu Erdene',
  email: 'batu@example.net',
  quote: 'The first clash came on 11 May 1938',
  problem: 'The first clash was in 1939, not 1938: the whole campaign was fought in 1939.',
  proposed: 'The first clash came on 11 May 1939',
  source: 'Coox, Nomonhan (1985), p. 187',
  ...over,
});

/** Moves the clock on, past the too-fast and flood checks. */
const later = (seconds = 30) => t.clock.set(new Date(t.clock.now().getTime() + seconds * 1000));

/** A reader who opens the form, waits a little, then sends it. */
async function suggest(fields: Record<string, string>, reader = new Reader()) {
  await reader.open();
  later();
  return { reader, res: await reader.send(fields) };
}

const db = () => t.site.content.db;
const latestSuggestion = () =>
  db().selectFrom('correction_suggestions').selectAll().orderBy('id', 'desc').executeTakeFirst();
const countSuggestions = async () =>
  Number(
    (
      await db()
        .selectFrom('correction_suggestions')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const countStatus = async (status: 'open' | 'held') =>
  Number(
    (
      await db()
        .selectFrom('correction_suggestions')
        .select((e) => e.fn.countAll().as('n'))
        .where('status', '=', status)
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Stores an open suggestion directly, as the reader form would, for the review tests. */
async function openSuggestion(email: string, quote = '11 May 1938') {
  const reader = new Reader();
  const { res } = await suggest(suggestion({ email, name: 'Oyuna', quote, problem: `Wrong date (${email}).` }), reader);
  assert.equal(res.statusCode, 303, res.body);
  const row = await latestSuggestion();
  await db().updateTable('correction_suggestions').set({ status: 'open' }).where('id', '=', row!.id).execute();
  return row!.id;
}

const confirmAddress = (email: string) =>
  db()
    .insertInto('commenters')
    .values({
      email,
      confirmed_at: t.clock.now().toISOString(),
      unsubscribed_at: null,
      created_at: t.clock.now().toISOString(),
    })
    .onConflict((oc) => oc.column('email').doUpdateSet({ confirmed_at: t.clock.now().toISOString() }))
    .execute();

before(async () => {
  t = await startTestSite();
  smtp = new TestSmtp();
  await smtp.start();
  const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'Annalist <noreply@annalist.test>' });
  worker = startOutboxWorker({ db: db(), mailer, clock: t.clock, log: { error: () => {} }, intervalMs: 3_600_000 });
  const saved = await savePost(t.site.content, {
    type: 'post',
    slug: SLUG,
    title: 'A border incident',
    bodyMarkdown: BODY,
    status: 'published',
    publishedAt: new Date(t.clock.now().getTime() - 86_400_000).toISOString(),
    authorSlugs: ['elena-markova'],
  });
  postId = saved.id;
  editor = await staff.person('editor', 'Edna');
  editor2 = await staff.person('editor', 'Edwin');
  moderator = await staff.person('moderator', 'Mo');
  author = await staff.person('author', 'Arthur');
});
after(async () => {
  await worker.stop();
  await smtp.stop();
  await t.close();
});

describe('the reader’s way in', () => {
  test('the article links to the suggestion form and loads the selection island', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/${SLUG}/` });
    assert.match(
      res.body,
      new RegExp(`<a class="suggest-correction__link" href="/${SLUG}/corrections/new">Suggest a correction</a>`),
    );
    assert.match(res.body, /<script type="module" src="\/assets\/corrections\.[0-9a-f]{10}\.js"/);
  });

  test('the form works without JavaScript: a text box for the passage and every field, labelled', async () => {
    const res = await new Reader().open();
    assert.equal(res.statusCode, 200);
    for (const name of ['quote', 'problem', 'proposed', 'source', 'name', 'email', 'credit', 'notify', 'homepage'])
      assert.match(res.body, new RegExp(`name="${name}"`), name);
    assert.match(res.body, /<label for="suggest-quote">The passage that is wrong<\/label>/);
    assert.match(String(res.headers['set-cookie']), /annalist_form=/, 'the form cookie is given');
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('opened from a selection, the form shows the passage as a quote and carries its selectors', async () => {
    const q = new URLSearchParams({
      exact: '73 tanks',
      prefix: 'about 30,000 men, with ',
      suffix: ' in all',
      start: '0',
      end: '0',
    });
    const res = await new Reader().open(`/${SLUG}/corrections/new?${q}`);
    assert.match(res.body, /<blockquote class="suggest-form__quote" id="suggest-quote"><p>73 tanks<\/p><\/blockquote>/);
    assert.match(res.body, /name="exact" value="73 tanks"/);
    const start = /name="start" value="(\d+)"/.exec(res.body)?.[1];
    assert.ok(Number(start) > 100, 'the position is the server’s own, not the one sent');
    assert.doesNotMatch(res.body, /<textarea[^>]*name="quote"/);
  });
});

describe('sending a suggestion', () => {
  test('a typed passage is found, stored with its selectors and revision, and a stranger’s first one is held', async () => {
    const before = await countSuggestions();
    const { res } = await suggest(suggestion({ quote: 'The first clash came on 11 May 1938' }));
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/${SLUG}/corrections/sent?held=1`);
    assert.equal(await countSuggestions(), before + 1);
    const row = (await latestSuggestion())!;
    assert.equal(row.status, 'held');
    assert.match(row.reasons_json, /FIRST_COMMENT/);
    assert.equal(row.quote, 'The first clash came on 11 May 1938');
    const [quote, pos] = JSON.parse(row.selector_json);
    assert.deepEqual(quote, {
      type: 'TextQuoteSelector',
      exact: 'The first clash came on 11 May 1938',
      prefix: '',
      suffix: ', when Mongolian horsemen crosse',
    });
    assert.deepEqual(pos, { type: 'TextPositionSelector', start: 0, end: 35 });
    const rev = await db()
      .selectFrom('post_revisions')
      .select((e) => e.fn.max('number').as('n'))
      .where('post_id', '=', postId)
      .where('status', '=', 'published')
      .executeTakeFirstOrThrow();
    assert.equal(row.revision_number, rev.n);
    const thanks = await t.app.inject({ method: 'GET', url: res.headers.location as string });
    assert.match(thanks.body, /A moderator will look at it first/);
  });

  test('a reader the site knows (an approved comment) goes straight to the editors', async () => {
    const now = t.clock.now().toISOString();
    await db()
      .insertInto('comments')
      .values({
        post_id: postId,
        parent_id: null,
        thread_id: null,
        author_name: 'Known',
        author_email: 'known@example.net',
        author_url: null,
        user_id: null,
        body_md: 'Hello',
        body_html: '<p>Hello</p>',
        quoted_comment_id: null,
        quoted_text: null,
        status: 'approved',
        created_at: now,
        updated_at: null,
        approved_at: now,
      })
      .execute();
    const { res } = await suggest(suggestion({ email: 'known@example.net', problem: 'Known reader: wrong year.' }));
    assert.equal(res.headers.location, `/${SLUG}/corrections/sent?held=0`);
    assert.equal((await latestSuggestion())?.status, 'open');
    const thanks = await t.app.inject({ method: 'GET', url: res.headers.location as string });
    assert.match(thanks.body, /It has gone to the editors/);
  });

  test('a passage that is not in the article is refused (422) with the reader’s text kept, and nothing stored', async () => {
    const before = await countSuggestions();
    const { res } = await suggest(
      suggestion({ quote: 'Napoleon crossed the Niemen in June', problem: 'My <b>careful</b> point & more' }),
    );
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /The passage you quoted is not in the article/);
    assert.match(res.body, /These words are not in the article/);
    assert.match(res.body, />Napoleon crossed the Niemen in June<\/textarea>/);
    assert.match(res.body, />My &lt;b>careful&lt;\/b> point &amp; more<\/textarea>/);
    assert.equal(await countSuggestions(), before);
  });

  test('a near miss is offered ("Did you mean"), stores nothing, and is stored once the reader confirms it', async () => {
    const before = await countSuggestions();
    const reader = new Reader();
    const { res } = await suggest(
      suggestion({ quote: 'the Japanese force numbred about 30.000 men', problem: 'Too many.' }),
      reader,
    );
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Did you mean/);
    assert.match(res.body, /<p>The Japanese force numbered about 30,000 men<\/p>/);
    assert.equal(await countSuggestions(), before);
    // The page is the form again, with the passage in hidden fields: send it back as the browser would.
    const hidden = Object.fromEntries(
      [...res.body.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    later();
    const confirmed = await reader.send({ ...suggestion({ problem: 'Too many.' }), ...hidden });
    assert.equal(confirmed.statusCode, 303, confirmed.body);
    const row = (await latestSuggestion())!;
    assert.equal(row.quote, 'The Japanese force numbered about 30,000 men');
  });

  test('selectors from the island are checked against the article: planted context is replaced by the real one', async () => {
    const { res } = await suggest(
      suggestion({
        quote: '',
        exact: '73 tanks',
        prefix: '<script>alert(1)</script>',
        suffix: 'anything',
        start: '5',
        end: '13',
        problem: 'Fewer tanks.',
      }),
    );
    assert.equal(res.statusCode, 303, res.body);
    const [quote] = JSON.parse((await latestSuggestion())!.selector_json);
    assert.equal(quote.prefix, 'numbered about 30,000 men, with ');
    assert.equal(quote.suffix, ' in all. Zhukov asked for lorrie');
  });

  test('every field problem is named at once, and what was typed is kept', async () => {
    const { res } = await suggest(suggestion({ problem: '   ', email: 'not-an-address', name: '' }));
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /role="alert"/);
    assert.match(res.body, /<a href="#suggest-problem">Say what is wrong with the passage.<\/a>/);
    assert.match(res.body, /That is not an email address/);
    assert.match(res.body, /aria-describedby="suggest-email-error"/);
    assert.match(res.body, /value="not-an-address"/);
  });

  test('a banned address and a filled honeypot end up as spam, and the reader is told only “held”', async () => {
    await addBan(db(), {
      kind: 'email',
      value: 'spammer@example.com',
      reason: '',
      expiresAt: null,
      now: t.clock.now().toISOString(),
    });
    const banned = await suggest(suggestion({ email: 'spammer@example.com', problem: 'Buy things.' }));
    assert.equal(banned.res.headers.location, `/${SLUG}/corrections/sent?held=1`);
    assert.equal((await latestSuggestion())?.status, 'spam');
    assert.match((await latestSuggestion())!.reasons_json, /BANNED_EMAIL/);
    const robot = await suggest(
      suggestion({ email: 'robot@example.org', homepage: 'http://spam.example', problem: 'Robots.' }),
    );
    assert.equal(robot.res.statusCode, 303);
    assert.equal((await latestSuggestion())?.status, 'spam');
  });

  test('no form cookie: a confirm page with the text kept, then sent; another site’s origin or a replayed form: refused', async () => {
    const reader = new Reader();
    await reader.open();
    later();
    const before = await latestSuggestion();
    const noCookie = await reader.send(suggestion({ email: 'unsent@example.net', problem: 'No cookie here.' }), {
      cookie: '',
    });
    assert.equal(noCookie.statusCode, 200);
    assert.equal(noCookie.headers['cache-control'], 'no-store');
    assert.match(noCookie.body, /<h1 id="suggest-title" class="page-title">Confirm your suggestion<\/h1>/);
    assert.match(noCookie.body, />No cookie here.<\/textarea>/);
    assert.match(noCookie.body, /<button type="submit" class="button" name="intent" value="confirm">/);
    assert.equal((await latestSuggestion())?.id, before?.id, 'nothing stored before it is confirmed');
    later();
    // The confirm page brought a token (the reader keeps it), and its button sends the same fields again.
    const confirmed = await reader.send(
      suggestion({ email: 'unsent@example.net', problem: 'No cookie here.', intent: 'confirm' }),
    );
    assert.equal(confirmed.statusCode, 303, confirmed.body.slice(0, 300));
    assert.equal((await latestSuggestion())?.author_email, 'unsent@example.net');
    const refused = await reader.send(suggestion({ problem: 'Still no cookie.', intent: 'confirm' }), { cookie: '' });
    assert.match(refused.body, /Allow cookies for this site/, 'a browser that refuses the cookie is told so');
    const crossSite = await reader.send(suggestion(), { origin: 'https://evil.example' });
    assert.equal(crossSite.statusCode, 403);
    assert.match(crossSite.body, /sent from another site/);
    const replayer = new Reader();
    await replayer.open();
    later();
    const cookie = replayer.cookie;
    const first = await replayer.send(suggestion({ email: 'replay@example.net', problem: 'Once.' }), { cookie });
    assert.equal(first.statusCode, 303);
    later();
    const again = await replayer.send(suggestion({ email: 'replay@example.net', problem: 'Twice.' }), { cookie });
    assert.equal(again.statusCode, 409);
  });

  test('“tell me what happens” with a new address sends the confirmation mail (double opt-in)', async () => {
    const { res } = await suggest(suggestion({ email: 'curious@example.net', notify: '1', problem: 'Tell me.' }));
    assert.match(String(res.headers.location), /confirm=1/);
    await worker.drain();
    const [mail] = smtp.to('curious@example.net');
    assert.ok(mail, 'a confirmation mail');
    assert.match(mail.text, /\/comments\/confirm\?token=/);
    assert.match(mail.text, /about the correction you suggested to “A border incident”/);
  });
});

describe('reviewing suggestions', () => {
  test('the detail page highlights the passage in the current article, escaping everything the reader typed', async () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const { res } = await suggest(
      suggestion({
        email: 'hostile@example.net',
        name: `Eve ${hostile}`,
        quote: 'asked for lorries',
        problem: `Problem ${hostile}`,
        proposed: `Proposed ${hostile}`,
        source: 'javascript:alert(1) and https://example.org/book?a=1&b=2 and <a href="javascript:x">x</a>',
      }),
    );
    assert.equal(res.statusCode, 303);
    const row = (await latestSuggestion())!;
    assert.equal(row.problem, `Problem ${hostile}`, 'stored as the plain text typed');
    const page = await staff.get(`/admin/corrections/${row.id}`, editor);
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /<script>alert/);
    assert.doesNotMatch(page.body, /<img src=x/);
    assert.doesNotMatch(page.body, /href="javascript:/i);
    assert.match(page.body, /Problem &lt;script>alert\(&quot;x&quot;\)&lt;\/script>&lt;img src=x/);
    assert.match(page.body, /<a href="https:\/\/example.org\/book\?a=1&amp;b=2" rel="nofollow ugc noopener"/);
    // The passage crosses <em>: marked on both sides of it, in place.
    assert.match(
      page.body,
      /<mark class="suggestion-mark" id="suggested-passage">asked for <\/mark><em><mark class="suggestion-mark">lorries<\/mark><\/em>/,
    );
    assert.match(page.body, new RegExp(`href="/${SLUG}/revisions/\\d+/"`));
  });

  test('after an edit that moves the passage it is still found; once deleted it is flagged orphaned', async () => {
    const id = await openSuggestion('mover@example.net', 'Mongolian horsemen crossed the river');
    const post = await db().selectFrom('posts').select('version').where('id', '=', postId).executeTakeFirstOrThrow();
    const moved = `A new first paragraph pushes everything down the page.\n\n${BODY}`;
    await savePost(
      t.site.content,
      {
        id: postId,
        type: 'post',
        slug: SLUG,
        title: 'A border incident',
        bodyMarkdown: moved,
        status: 'published',
        authorSlugs: ['elena-markova'],
      },
      { expectedVersion: post.version },
    );
    let page = await staff.get(`/admin/corrections/${id}`, editor);
    assert.match(
      page.body,
      /<mark class="suggestion-mark" id="suggested-passage">Mongolian horsemen crossed the river<\/mark>/,
    );
    assert.doesNotMatch(page.body, /Orphaned/);
    const v2 = await db().selectFrom('posts').select('version').where('id', '=', postId).executeTakeFirstOrThrow();
    await savePost(
      t.site.content,
      {
        id: postId,
        type: 'post',
        slug: SLUG,
        title: 'A border incident',
        bodyMarkdown: BODY.replace(', when Mongolian horsemen crossed the river', ''),
        status: 'published',
        authorSlugs: ['elena-markova'],
      },
      { expectedVersion: v2.version },
    );
    page = await staff.get(`/admin/corrections/${id}`, editor);
    assert.match(page.body, /<strong>Orphaned:<\/strong> the passage is no longer in the article/);
    assert.match(page.body, /<blockquote class="suggestion-quote">Mongolian horsemen crossed the river<\/blockquote>/);
    assert.doesNotMatch(page.body, /<mark/);
    // Put the article back for the other tests.
    const v3 = await db().selectFrom('posts').select('version').where('id', '=', postId).executeTakeFirstOrThrow();
    await savePost(
      t.site.content,
      {
        id: postId,
        type: 'post',
        slug: SLUG,
        title: 'A border incident',
        bodyMarkdown: BODY,
        status: 'published',
        authorSlugs: ['elena-markova'],
      },
      { expectedVersion: v3.version },
    );
  });

  test('rejecting needs a reason; the reason is mailed to a confirmed address and not to an unconfirmed one', async () => {
    const confirmed = await openSuggestion('confirmed@example.net');
    const unconfirmed = await openSuggestion('unconfirmed@example.net');
    await confirmAddress('confirmed@example.net');
    const empty = await staff.send(`/admin/corrections/${confirmed}/reject`, editor, { reason: '  ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Give the reason for rejecting it/);
    assert.match(empty.body, /aria-describedby="suggestion-reason-hint suggestion-reason-error"/);
    for (const id of [confirmed, unconfirmed]) {
      const res = await staff.send(`/admin/corrections/${id}/reject`, editor, {
        reason: 'Our source, Coox p. 187, gives 1938 for this skirmish.',
      });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal((await findSuggestionById(db(), id))?.status, 'rejected');
    }
    await worker.drain();
    const mails = smtp.to('confirmed@example.net');
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.text, /Our source, Coox p\. 187, gives 1938/);
    assert.equal(smtp.to('unconfirmed@example.net').length, 0);
  });

  test('asking for more keeps the suggestion waiting (needs_info) and mails the question', async () => {
    const id = await openSuggestion('asked@example.net');
    await confirmAddress('asked@example.net');
    const res = await staff.send(`/admin/corrections/${id}/ask`, editor, {
      question: 'Which edition of Coox do you cite?',
    });
    assert.equal(res.statusCode, 303);
    const row = (await findSuggestionById(db(), id))!;
    assert.equal(row.status, 'needs_info');
    assert.equal(row.decision_note, 'Which edition of Coox do you cite?');
    await worker.drain();
    assert.match(smtp.to('asked@example.net')[0]?.text ?? '', /Which edition of Coox do you cite\?/);
    // Still open to a decision: it can be rejected afterwards.
    const page = await staff.get(`/admin/corrections/${id}`, editor);
    assert.match(page.body, /Question asked/);
    assert.match(page.body, new RegExp(`href="/admin/posts/${postId}/edit\\?suggestion=${id}"`));
  });

  test('two editors deciding at once: one wins, the other is told it was already decided (409)', async () => {
    const id = await openSuggestion('race@example.net');
    const [a, b] = await Promise.all([
      staff.send(`/admin/corrections/${id}/reject`, editor, { reason: 'First reason.' }),
      staff.send(`/admin/corrections/${id}/reject`, editor2, { reason: 'Second reason.' }),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [303, 409]);
    const loser = a.statusCode === 409 ? a : b;
    assert.match(loser.body, /already rejected/);
    const row = (await findSuggestionById(db(), id))!;
    assert.ok(['First reason.', 'Second reason.'].includes(row.decision_note));
  });

  test('the accept flow: the proposed wording applied to the Markdown, then marked accepted once only', async () => {
    const id = await openSuggestion('accept@example.net', 'The first clash came on 11 May 1938');
    await confirmAddress('accept@example.net');
    await db().updateTable('correction_suggestions').set({ credit_ok: 1 }).where('id', '=', id).execute();
    const edit = await proposedEdit(db(), id);
    assert.equal(edit.applied, true);
    assert.equal(edit.postId, postId);
    assert.equal(edit.bodyMarkdown, BODY.replace('11 May 1938', '11 May 1939'));
    assert.equal(
      edit.summary,
      'Changed "The first clash came on 11 May 1938" to "The first clash came on 11 May 1939".',
    );
    assert.equal(edit.creditName, 'Oyuna');
    const correction = await db()
      .insertInto('post_corrections')
      .values({ post_id: postId, summary: edit.summary, created_at: t.clock.now().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await markSuggestionAccepted(db(), t.clock, {
      suggestionId: id,
      correctionId: correction.id,
      userId: editor.id,
      baseUrl: TEST_BASE_URL,
    });
    const row = (await findSuggestionById(db(), id))!;
    assert.equal(row.status, 'accepted');
    assert.equal(row.correction_id, correction.id);
    await assert.rejects(
      markSuggestionAccepted(db(), t.clock, {
        suggestionId: id,
        correctionId: correction.id,
        userId: editor.id,
        baseUrl: TEST_BASE_URL,
      }),
      { code: 'SUGGESTION_ALREADY_DECIDED' },
    );
    await assert.rejects(proposedEdit(db(), id), { code: 'SUGGESTION_ALREADY_DECIDED' });
    const late = await staff.send(`/admin/corrections/${id}/reject`, editor, { reason: 'Too late.' });
    assert.equal(late.statusCode, 409);
    await worker.drain();
    assert.match(smtp.to('accept@example.net')[0]?.text ?? '', /corrected the article/);
  });

  test('a passage that crosses Markdown markup is not applied: the body comes back unchanged', async () => {
    const id = await openSuggestion('markup@example.net', 'asked for lorries');
    const edit = await proposedEdit(db(), id);
    assert.equal(edit.applied, false);
    assert.equal(edit.bodyMarkdown, BODY);
  });
});

describe('who may do what', () => {
  test('an author may not see suggestions; a moderator sees only the held ones and may approve them', async () => {
    assert.equal((await staff.get('/admin/corrections', author)).statusCode, 403);
    const list = await staff.get('/admin/corrections', moderator);
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Held for moderation/);
    assert.doesNotMatch(list.body, /status=open/);
    assert.equal((await staff.get('/admin/corrections?status=open', moderator)).statusCode, 400);
    const openId = await openSuggestion('open-for-mod@example.net');
    assert.equal((await staff.get(`/admin/corrections/${openId}`, moderator)).statusCode, 403);
    assert.equal(
      (await staff.send(`/admin/corrections/${openId}/reject`, moderator, { reason: 'No.' })).statusCode,
      403,
    );
    await suggest(suggestion({ email: 'held-for-mod@example.net', problem: 'Held one.' }));
    const held = (await latestSuggestion())!;
    assert.equal(held.status, 'held');
    const res = await staff.send(`/admin/corrections/${held.id}/moderate`, moderator, { action: 'approve' });
    assert.equal(res.statusCode, 303);
    assert.equal((await findSuggestionById(db(), held.id))?.status, 'open');
  });

  test('the dashboard counts open suggestions for editors and held ones for moderators', async () => {
    const open = await countStatus('open');
    const held = await countStatus('held');
    const forEditor = await staff.get('/admin/dashboard', editor);
    assert.match(
      forEditor.body,
      new RegExp(`href="/admin/corrections\\?status=open">${open} open suggestions? waits? for`),
    );
    assert.match(forEditor.body, new RegExp(`href="/admin/corrections\\?status=held">${held} held for moderation`));
    const forModerator = await staff.get('/admin/dashboard', moderator);
    assert.doesNotMatch(forModerator.body, /status=open/);
    assert.match(forModerator.body, /status=held/);
    assert.doesNotMatch((await staff.get('/admin/dashboard', author)).body, /Correction suggestions/);
  });

  test('the editors’ list has a tab per status with counts', async () => {
    const res = await staff.get('/admin/corrections?status=open', editor);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /aria-current="page">Open <span class="count">\(\d+\)<\/span>/);
    assert.match(res.body, /Waiting for the reader/);
  });
});

describe('paging through a long list', () => {
  test('every suggestion is on exactly one page, and Newer/Older lead to the neighbouring pages', async () => {
    // 95 more in the trash: four pages of 30. Groups of five share a time, so order falls back on the id.
    const start = t.clock.now().getTime();
    for (let i = 0; i < 95; i++)
      await insertSuggestion(db(), {
        post_id: postId,
        revision_number: null,
        selector_json: '[]',
        quote: `Paged passage ${i}`,
        problem: `Paged problem ${i}`,
        author_name: 'Pager',
        author_email: 'pager@example.net',
        user_id: null,
        status: 'trash',
        decided_by: null,
        decided_at: null,
        comment_id: null,
        correction_id: null,
        created_at: new Date(start - Math.floor(i / 5) * 60_000).toISOString(),
      });
    const trashed = await db()
      .selectFrom('correction_suggestions')
      .select('id')
      .where('status', '=', 'trash')
      .execute();
    const pageCount = Math.ceil(trashed.length / 30);
    assert.ok(pageCount >= 4);

    const seen: number[] = [];
    // The page each link of the list's pager leads to, by its words (Newer, Older) and its rel.
    const pagerOf = (html: string, text: 'Newer' | 'Older') => {
      const page = parsePage(html);
      const link = page.within(page.get('navigation', 'Pages of suggestions')).all('link', text)[0];
      if (!link) return undefined;
      assert.equal(page.attr(link, 'rel'), text === 'Newer' ? 'prev' : 'next');
      return /^\/admin\/corrections\?status=trash&page=(\d+)$/.exec(page.attr(link, 'href'))?.[1];
    };
    for (let page = 1; page <= pageCount; page++) {
      const res = await staff.get(`/admin/corrections?status=trash&page=${page}`, editor);
      assert.equal(res.statusCode, 200);
      const ids = [...res.body.matchAll(/href="\/admin\/corrections\/(\d+)#suggested-passage"/g)].map((m) =>
        Number(m[1]),
      );
      assert.equal(ids.length, page < pageCount ? 30 : trashed.length - 30 * (pageCount - 1), `rows on page ${page}`);
      seen.push(...ids);
      assert.equal(pagerOf(res.body, 'Newer'), page > 1 ? String(page - 1) : undefined, `Newer on page ${page}`);
      assert.equal(
        pagerOf(res.body, 'Older'),
        page < pageCount ? String(page + 1) : undefined,
        `Older on page ${page}`,
      );
      const html = parsePage(res.body);
      assert.match(html.text(html.get('navigation', 'Pages of suggestions')), new RegExp(`Page ${page}(?!\\d)`));
    }
    assert.equal(new Set(seen).size, seen.length, 'no suggestion is on two pages');
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      trashed.map((r) => r.id).sort((a, b) => a - b),
      'every suggestion is on a page',
    );
  });
});

describe('turning a comment into a suggestion', () => {
  test('a moderator starts from the comment’s words and links; the suggestion keeps the link to the comment', async () => {
    const now = t.clock.now().toISOString();
    const comment = await db()
      .insertInto('comments')
      .values({
        post_id: postId,
        parent_id: null,
        thread_id: null,
        author_name: 'Commenter Cai',
        author_email: 'cai@example.net',
        author_url: null,
        user_id: null,
        body_md: 'Actually it was 1939, see https://example.org/nomonhan for the dates.',
        body_html: '<p>Actually it was 1939, see https://example.org/nomonhan for the dates.</p>',
        quoted_comment_id: null,
        quoted_text: null,
        status: 'held',
        created_at: now,
        updated_at: null,
        approved_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const queue = await staff.get('/admin/moderation', moderator);
    assert.match(queue.body, new RegExp(`href="/admin/corrections/from-comment/${comment.id}"`));
    const lookup = await staff.get(
      `/admin/corrections/from-comment?comment=${encodeURIComponent(`${TEST_BASE_URL}/comments/${comment.id}`)}`,
      moderator,
    );
    assert.equal(lookup.headers.location, `/admin/corrections/from-comment/${comment.id}`);
    const form = await staff.get(`/admin/corrections/from-comment/${comment.id}`, moderator);
    assert.equal(form.statusCode, 200);
    assert.match(
      form.body,
      /<textarea id="from-comment-problem"[^>]*>Actually it was 1939, see https:\/\/example.org\/nomonhan for the dates.<\/textarea>/,
    );
    assert.match(form.body, /<textarea id="from-comment-source"[^>]*>https:\/\/example.org\/nomonhan<\/textarea>/);
    const missing = await staff.send(`/admin/corrections/from-comment/${comment.id}`, moderator, {
      quote: 'nothing like this is in the article at all',
      problem: 'x',
    });
    assert.equal(missing.statusCode, 422);
    const res = await staff.send(`/admin/corrections/from-comment/${comment.id}`, moderator, {
      quote: '11 May 1938',
      problem: 'The reader says 1939.',
      source: 'https://example.org/nomonhan',
    });
    assert.equal(res.statusCode, 303, res.body);
    const row = (await latestSuggestion())!;
    assert.equal(row.comment_id, comment.id);
    assert.equal(row.author_name, 'Commenter Cai');
    assert.equal(row.author_email, 'cai@example.net');
    assert.equal(row.credit_ok, 0);
    assert.equal(row.status, 'open');
    const page = await staff.get(`/admin/corrections/${row.id}`, editor);
    assert.match(page.body, new RegExp(`<a href="/comments/${comment.id}">The reader's comment</a>`));
  });
});

test('every suggestion page is valid HTML (Nu HTML Checker), errors and all', async () => {
  const pages: { name: string; html: string }[] = [];
  const reader = new Reader();
  pages.push({ name: 'form', html: (await reader.open()).body });
  later();
  pages.push({
    name: 'form with errors',
    html: (await reader.send(suggestion({ problem: '', quote: 'not there at all, really' }))).body,
  });
  later();
  pages.push({
    name: 'did you mean',
    html: (await reader.send(suggestion({ quote: 'the Japanese force numbred about 30.000 men' }))).body,
  });
  pages.push({ name: 'confirm without a form token', html: (await reader.send(suggestion(), { cookie: '' })).body });
  pages.push({
    name: 'thanks',
    html: (await t.app.inject({ method: 'GET', url: `/${SLUG}/corrections/sent?held=1&confirm=1` })).body,
  });
  const id = await openSuggestion('valid@example.net', 'asked for lorries');
  pages.push({ name: 'admin list', html: (await staff.get('/admin/corrections?status=open', editor)).body });
  pages.push({ name: 'admin detail', html: (await staff.get(`/admin/corrections/${id}`, editor)).body });
  pages.push({
    name: 'admin detail, reject refused',
    html: (await staff.send(`/admin/corrections/${id}/reject`, editor, { reason: '' })).body,
  });
  const comment = await db()
    .selectFrom('comments')
    .select('id')
    .where('post_id', '=', postId)
    .executeTakeFirstOrThrow();
  pages.push({
    name: 'from comment',
    html: (await staff.get(`/admin/corrections/from-comment/${comment.id}`, editor)).body,
  });
  assert.deepEqual(await htmlErrors(pages), []);
});
