import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { buildApp } from '../../src/web/app.ts';
import { type Article, createArticle, createComment } from '../support/factories.ts';
import { parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { FORM } from '../support/staff-client.ts';
import { htmlErrors } from '../support/vnu.ts';

/**
 * Decision 035: no cached page sets a cookie. A reader gets the comment form's one-use token from
 * `POST /form-token` when they start writing; a form post that comes without one gets a page of its own to confirm
 * it, which brings a token, and is stored only once confirmed. CSRF (Origin and SameSite=Strict), one use per
 * token and the too-fast check hold as before. On a site without the demo: the article and the comments answered
 * or reported are made here.
 */
let t: TestSite;
let article: Article;
/** The article's address, the comment form's action is under. */
let ARTICLE: string;
let nextIp = 1;

before(async () => {
  t = await startTestSite({ demo: false });
  article = await createArticle(t, { title: 'The river crossing' });
  ARTICLE = article.url;
});
after(() => t.close());

/** Lets the clock run on, as a person takes time to write or to press a button. */
const later = (seconds: number) => t.clock.set(new Date(t.clock.now().getTime() + seconds * 1000));

const formCookieIn = (setCookie: string | string[] | number | undefined) =>
  [setCookie ?? []]
    .flat()
    .map(String)
    .find((c) => c.startsWith('annalist_form='));

/** A browser with JavaScript off: its own address and the form cookie it was given, if any. */
class Browser {
  readonly ip = `203.0.113.${nextIp++}`;
  cookie = '';

  async startWriting(origin = TEST_BASE_URL) {
    const res = await t.app.inject({ method: 'POST', url: '/form-token', headers: { origin }, remoteAddress: this.ip });
    this.keep(res.headers['set-cookie']);
    return res;
  }

  async post(url: string, fields: Record<string, string>, opts: { cookie?: string } = {}) {
    const cookie = opts.cookie ?? this.cookie;
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': FORM, origin: TEST_BASE_URL, ...(cookie ? { cookie } : {}) },
      payload: new URLSearchParams(fields).toString(),
      remoteAddress: this.ip,
    });
    this.keep(res.headers['set-cookie']);
    return res;
  }

  private keep(setCookie: string | string[] | number | undefined) {
    const found = formCookieIn(setCookie);
    if (found) this.cookie = found.split(';')[0]!;
  }
}

const comment = (email: string, body: string, over: Record<string, string> = {}) => ({
  name: 'Oyuun Bat',
  email,
  url: '',
  body,
  ...over,
});

const newestFrom = (email: string) =>
  t.site.content.db
    .selectFrom('comments')
    .selectAll()
    .where('author_email', '=', email)
    .orderBy('id', 'desc')
    .executeTakeFirst();

const reasonCodes = (row: { reasons_json: string } | undefined) =>
  row ? (JSON.parse(row.reasons_json) as { code: string }[]).map((r) => r.code) : [];

describe('pages readers are served carry no cookie', () => {
  test('an article page sets no cookie, rendered or from the cache, with or without cookies of its own', async () => {
    for (const cookie of [undefined, 'annalist_form=old', 'annalist_commenter=x']) {
      const miss = await t.app.inject({ url: ARTICLE, headers: cookie ? { cookie } : {} });
      const hit = await t.app.inject({ url: ARTICLE, headers: cookie ? { cookie } : {} });
      assert.equal(hit.headers['x-cache'], 'hit', String(cookie));
      assert.equal(miss.headers['set-cookie'], undefined, `render, cookie ${cookie}`);
      assert.equal(hit.headers['set-cookie'], undefined, `hit, cookie ${cookie}`);
      const page = parsePage(hit.body);
      assert.equal(page.attr(page.get('form', 'Leave a comment'), 'id'), 'respond', 'the comment form is on the page');
    }
  });
});

describe('POST /form-token', () => {
  test('answers 204 with a one-use token in an HttpOnly, SameSite=Strict cookie, never cached; the token posts a comment', async () => {
    const reader = new Browser();
    const res = await reader.startWriting();
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(
      String(formCookieIn(res.headers['set-cookie'])),
      /^annalist_form=[\w.-]+; Path=\/; Max-Age=172800; HttpOnly; SameSite=Strict$/,
    );
    later(30);
    const posted = await reader.post(
      `${ARTICLE}comments`,
      comment('token@example.net', 'Posted with the fetched token.'),
    );
    assert.equal(posted.statusCode, 303, posted.body.slice(0, 300));
    const row = await newestFrom('token@example.net');
    assert.equal(row?.status, 'held');
    assert.deepEqual(reasonCodes(row), ['FIRST_COMMENT'], 'not too fast: the token was asked for 30 s before');
  });

  test('refuses another site’s page, and gives it no token', async () => {
    const res = await new Browser().startWriting('https://evil.example');
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /CROSS_ORIGIN_REQUEST/);
    assert.equal(formCookieIn(res.headers['set-cookie']), undefined);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('takes no body: a form with a field is a 400', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/form-token',
      headers: { origin: TEST_BASE_URL, 'content-type': FORM },
      payload: 'token=mine',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(formCookieIn(res.headers['set-cookie']), undefined);
  });

  test('is limited per address like readers’ posts, in a count of its own', async () => {
    const app = buildApp({
      content: t.site.content,
      contentVersion: t.site.storage.contentVersion,
      changes: t.site.changes,
      baseUrl: TEST_BASE_URL,
      mediaDir: t.site.mediaDir,
      commentPostsPerMinute: 2,
      logger: false,
    });
    await app.ready();
    try {
      const ask = () =>
        app.inject({
          method: 'POST',
          url: '/form-token',
          headers: { origin: TEST_BASE_URL },
          remoteAddress: '198.51.100.99',
        });
      const statuses = [(await ask()).statusCode, (await ask()).statusCode];
      const over = await ask();
      assert.deepEqual([...statuses, over.statusCode], [204, 204, 429]);
      assert.match(over.body, /Wait a little/);
    } finally {
      await app.close();
    }
  });
});

describe('a comment sent without a form token (JavaScript off)', () => {
  test('gets “Confirm your comment”: the text whole, a fresh token, one button; confirming posts it', async () => {
    const reader = new Browser();
    const body = `${'A long line of careful argument about the river crossing.\r\n'.repeat(100)}<b>THE END</b> & more`;
    const fields = comment('confirm@example.net', body, { url: 'https://example.org/oyuun', notify: '1' });
    const res = await reader.post(`${ARTICLE}comments`, fields);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['x-cache'], undefined);
    assert.match(String(formCookieIn(res.headers['set-cookie'])), /HttpOnly; SameSite=Strict$/);
    assert.equal(await newestFrom('confirm@example.net'), undefined, 'nothing stored yet');
    const page = parsePage(res.body);
    page.get('heading', 'Confirm your comment');
    page.get('form', 'Your comment');
    assert.equal(page.attr(page.field('Name'), 'value'), 'Oyuun Bat');
    assert.equal(page.attr(page.field('Email (never shown)'), 'value'), 'confirm@example.net');
    assert.equal(page.attr(page.field('Website (optional)'), 'value'), 'https://example.org/oyuun');
    const escaped = body.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    assert.ok(res.body.includes(`>${escaped}</textarea>`), 'the whole text, never cut, escaped');
    const form = page.get('form', 'Your comment');
    assert.equal(page.attr(form, 'action'), `${ARTICLE}comments#respond-message`);
    assert.deepEqual(
      page
        .within(form)
        .all('button')
        .map((b) => page.text(b)),
      ['Send comment'],
      'one button',
    );

    later(5);
    const sent = await reader.post(`${ARTICLE}comments`, { ...fields, notify: '1', intent: 'confirm' });
    assert.equal(sent.statusCode, 303, sent.body.slice(0, 300));
    const row = await newestFrom('confirm@example.net');
    assert.ok(row, 'stored once confirmed');
    assert.match(row.body_md, /THE END/);
    assert.deepEqual(reasonCodes(row), ['FIRST_COMMENT'], 'held as any first comment, not as too fast');
  });

  test('a browser that refuses the cookie is told so on the confirm page again, and nothing is stored', async () => {
    const reader = new Browser();
    const fields = comment('nocookie@example.net', 'Sent from a browser that keeps no cookies.');
    await reader.post(`${ARTICLE}comments`, fields, { cookie: '' });
    const again = await reader.post(`${ARTICLE}comments`, { ...fields, intent: 'confirm' }, { cookie: '' });
    assert.equal(again.statusCode, 200);
    const page = parsePage(again.body);
    page.get('heading', 'Confirm your comment');
    const alert = page.text(page.within(page.get('form', 'Your comment')).get('alert'));
    assert.match(alert, /^Your browser did not send this site’s form cookie back.*Allow cookies for this site/);
    assert.equal(await newestFrom('nocookie@example.net'), undefined);
  });

  test('a reply keeps whom it answers on the confirm page', async () => {
    const parent = await createComment(t, article, { name: 'Dorj Tseren' });
    const res = await new Browser().post(
      `${ARTICLE}comments`,
      comment('reply@example.net', 'A reply sent without a token.', { parent_id: String(parent.id) }),
    );
    assert.equal(res.statusCode, 200);
    const page = parsePage(res.body);
    const heading = page.get('heading', 'Reply to Dorj Tseren');
    assert.equal(page.attr(heading, 'id'), 'respond-heading', 'the form is named by it');
    const form = page.get('form', 'Reply to Dorj Tseren');
    assert.equal(page.attr(page.within(form).get('link', 'Dorj Tseren'), 'href'), `${ARTICLE}#comment-${parent.id}`);
    // The field that carries it on has no role: the markup it is sent from.
    assert.match(res.body, new RegExp(`<input type="hidden" name="parent_id" value="${parent.id}"/>`));
  });

  test('“Check before posting” needs no token: it answers with the warnings and brings one', async () => {
    const reader = new Browser();
    const res = await reader.post(
      `${ARTICLE}comments`,
      comment('check@example.net', 'Checked first, without a token.', { intent: 'check' }),
    );
    assert.equal(res.statusCode, 200);
    // The routine first-comment hold, told as information (issue 16).
    const page = parsePage(res.body);
    const form = page.within(page.get('form', 'Leave a comment'));
    assert.ok(
      form.all('status').some((s) => form.text(s).startsWith('This is the first comment from this email address')),
      'the first-comment notice, as a status',
    );
    assert.ok(reader.cookie, 'a token comes with the answer');
    later(2);
    const sent = await reader.post(
      `${ARTICLE}comments`,
      comment('check@example.net', 'Checked first, without a token.'),
    );
    assert.equal(sent.statusCode, 303);
    assert.deepEqual(reasonCodes(await newestFrom('check@example.net')), ['FIRST_COMMENT']);
  });

  test('the confirm page is valid HTML', async () => {
    const res = await new Browser().post(`${ARTICLE}comments`, comment('valid@example.net', 'Valid, I hope.'));
    assert.deepEqual(await htmlErrors([{ name: 'confirm your comment', html: res.body }]), []);
  });
});

describe('the protections hold', () => {
  test('a token is used once: the same token sent twice is refused the second time, the text kept', async () => {
    const reader = new Browser();
    await reader.startWriting();
    const token = reader.cookie;
    later(30);
    const first = await reader.post(`${ARTICLE}comments`, comment('twice@example.net', 'First sending.'), {
      cookie: token,
    });
    assert.equal(first.statusCode, 303);
    later(30);
    const second = await reader.post(`${ARTICLE}comments`, comment('twice@example.net', 'Second sending.'), {
      cookie: token,
    });
    assert.equal(second.statusCode, 409);
    assert.match(second.body, /FORM_TOKEN_REPLAYED|already sent once/);
    const page = parsePage(second.body);
    assert.equal(page.text(page.field('Comment')), 'Second sending.', 'the text kept in its field');
  });

  test('a comment sent the moment its token was asked for is filed as spam, too fast', async () => {
    const reader = new Browser();
    await reader.startWriting();
    const res = await reader.post(`${ARTICLE}comments`, comment('fast@example.net', 'Sent at once.'));
    assert.equal(res.statusCode, 303, 'a robot is not told');
    const row = await newestFrom('fast@example.net');
    assert.equal(row?.status, 'spam');
    assert.deepEqual(reasonCodes(row), ['TOO_FAST']);
  });

  test('the confirm page’s token counts one second, whatever minFormSeconds asks of writing', async () => {
    await saveModerationSettings(t.site.content, { minFormSeconds: 30 });
    try {
      const robot = new Browser();
      await robot.post(`${ARTICLE}comments`, comment('robot@example.net', 'Robot text.'));
      await robot.post(`${ARTICLE}comments`, comment('robot@example.net', 'Robot text.', { intent: 'confirm' }));
      assert.deepEqual(reasonCodes(await newestFrom('robot@example.net')), ['TOO_FAST'], 'sent back at once');

      const person = new Browser();
      await person.post(`${ARTICLE}comments`, comment('person@example.net', 'A person reads it over.'));
      later(1);
      await person.post(
        `${ARTICLE}comments`,
        comment('person@example.net', 'A person reads it over.', { intent: 'confirm' }),
      );
      const row = await newestFrom('person@example.net');
      assert.equal(row?.status, 'held');
      assert.deepEqual(reasonCodes(row), ['FIRST_COMMENT'], 'a second on the page is enough');

      const writer = new Browser();
      await writer.startWriting();
      later(10);
      await writer.post(`${ARTICLE}comments`, comment('writer@example.net', 'Written in ten seconds.'));
      assert.deepEqual(reasonCodes(await newestFrom('writer@example.net')), ['TOO_FAST'], 'writing still needs 30 s');
    } finally {
      await saveModerationSettings(t.site.content, { minFormSeconds: 3 });
    }
  });

  test('a post from another site is refused before any confirm page', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `${ARTICLE}comments`,
      headers: { 'content-type': FORM, origin: 'https://evil.example' },
      payload: new URLSearchParams(comment('evil@example.net', 'Forged.')).toString(),
      remoteAddress: '192.0.2.200',
    });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /sent from another site/);
    assert.doesNotMatch(res.body, /Confirm your comment/);
  });
});

describe('a report sent without a form token', () => {
  test('is confirmed on the report page, which brings the token; then it is sent', async () => {
    const target = await createComment(t, article, { name: 'Ganbold', body: 'Buy cheap maps at example.com!' });
    const url = `/comments/${target.id}/report`;
    const reader = new Browser();
    const first = await reader.post(url, { reason: 'spam', note: 'Advertising, twice.' });
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['cache-control'], 'no-store');
    const page = parsePage(first.body);
    const title = page.get('heading', 'Confirm your report');
    assert.deepEqual([title.tagName, page.attr(title, 'id')], ['h1', 'report-title']);
    const note = page.field('Anything a moderator should know (optional)');
    assert.equal(page.text(note), 'Advertising, twice.', 'the note kept');
    assert.equal(page.attr(page.field('Spam or advertising'), 'value'), 'spam');
    assert.equal(page.field('Spam or advertising').properties.checked, true, 'the reason kept');
    const reports = async () =>
      (await t.site.content.db.selectFrom('reports').select('id').where('comment_id', '=', target.id).execute()).length;
    const before = await reports();
    const sent = await reader.post(url, { reason: 'spam', note: 'Advertising, twice.', intent: 'confirm' });
    assert.equal(sent.statusCode, 200);
    const done = parsePage(sent.body);
    assert.match(done.text(done.get('status')), /^Thank you\./);
    assert.equal(await reports(), before + 1);
  });
});
