import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import { startSession } from '../../src/modules/accounts/accounts.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { moderateComment } from '../../src/modules/moderation/queue.service.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { type Article, createArticle, createComment, createUser } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

/**
 * The discussion as issue 16 reads it, over HTTP: a writer's held comment kept out of the cached page and given
 * back to its writer alone, the form's message as the landing place of a post without JavaScript, the reply page
 * showing the comment answered, a long thread folded and its own page, and the "Author" and "Staff" badges. Each
 * test makes the article and comments it reads (test/support/factories.ts); one test reads the demo's own
 * discussion, which is what it is about.
 */

let t: TestSite;
/** The demo's article whose author answers in its discussion (the one test about what the demo seeds). */
const DEMO_ARTICLE = '/khalkhin-gol-1939/';

before(async () => {
  t = await startTestSite();
  await saveModerationSettings(t.site.content, { holdFirstComment: true, minFormSeconds: 0, floodSeconds: 0 });
});
after(() => t.close());

let nextIp = 10;

/** A browser: keeps the cookies the site sets, posts as the island (JSON) or as the form (no JavaScript). */
class Browser {
  private jar = new Map<string, string>();
  readonly ip = `198.51.100.${nextIp++}`;
  constructor(extraCookie = '') {
    if (extraCookie) {
      const [name, value] = extraCookie.split('=') as [string, string];
      this.jar.set(name, value);
    }
  }
  get cookie() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  private keep(setCookie: string | string[] | undefined) {
    for (const header of [setCookie ?? []].flat()) {
      const pair = header.split(';')[0]!;
      const eq = pair.indexOf('=');
      this.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  async request(method: 'GET' | 'POST', url: string, body?: { json?: unknown; form?: Record<string, string> }) {
    const headers: Record<string, string> = { origin: TEST_BASE_URL };
    if (this.cookie) headers.cookie = this.cookie;
    let payload: string | undefined;
    if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body?.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body.form).toString();
    }
    const res = await t.app.inject({ method, url, headers, payload, remoteAddress: this.ip });
    this.keep(res.headers['set-cookie']);
    return res;
  }
  /** Posts a comment on `article` as the island does: a form token first, then the JSON API. */
  async comment(article: Article, fields: Record<string, unknown>) {
    await this.request('POST', '/form-token');
    return this.request('POST', `/api/v1/posts/${article.slug}/comments`, { json: fields });
  }
  held(keys: string[]) {
    return this.request('POST', '/api/v1/comments/held', { json: { keys } });
  }
}

/** An article page's discussion: the region headed by its comment count. */
const discussion = (page: Page) => page.within(page.get('region', /^(\d+|No) comments?$/));

/** The comment form, named by its heading ("Leave a comment", "Reply to …"). */
const commentForm = (page: Page, name: string | RegExp = 'Leave a comment') => page.within(page.get('form', name));

/** Where an element starts in the page's source: for "comes before" checks. */
const offset = (el: Element) => el.position?.start.offset ?? Number.NaN;

/**
 * The badge a comment's header shows between its writer's name and its permalink ('' for none): the header holds
 * the name, then the badge when there is one, then the link to the comment.
 */
function badgeOf(page: Page, comment: Element): string {
  const header = comment.children.find((c): c is Element => c.type === 'element' && c.tagName === 'header');
  assert.ok(header, 'a comment has a header');
  const parts = header.children.filter((c): c is Element => c.type === 'element');
  assert.equal(page.attr(parts.at(-1)!, 'className'), 'comment__permalink', 'the permalink ends the header');
  return parts
    .slice(1, -1)
    .map((el) => page.text(el))
    .join(' ');
}

describe('a held comment stays with its writer, and nobody else', () => {
  test('the answer gives the writer a key; the key shows the comment while held, then says it was decided', async () => {
    const article = await createArticle(t);
    const writer = new Browser();
    const words = 'The Kwantung Army staff in Hsinking kept their own map of the river line.';
    const res = await writer.comment(article, { name: 'Ilse Brandt', email: 'ilse.held@example.net', body: words });
    assert.equal(res.statusCode, 201, res.body);
    const answer = res.json().comment as { id: number; status: string; key: string };
    assert.equal(answer.status, 'held');
    assert.ok(answer.key, 'a held comment comes with a key');

    const page = await new Browser().request('GET', article.url);
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes('their own map of the river line'), 'the article page shows no held comment');
    assert.equal(parsePage(page.body).all('article', 'Ilse Brandt').length, 0, 'nor any comment of hers');
    assert.equal(page.headers['set-cookie'], undefined, 'and sets no cookie');

    const asked = await writer.held([answer.key]);
    assert.equal(asked.statusCode, 200, asked.body);
    assert.equal(asked.headers['cache-control'], 'no-store');
    const [shown] = asked.json().comments;
    assert.equal(shown.state, 'held');
    assert.equal(shown.id, answer.id);
    assert.equal(shown.article, article.slug);
    assert.equal(shown.author.name, 'Ilse Brandt');
    assert.equal(parsePage(shown.html).text(parsePage(shown.html).get('paragraph')), words);

    // The key is the proof, not the browser: a forged or altered key learns nothing.
    const forged = `${Buffer.from(String(answer.id)).toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    const stranger = await new Browser().held([forged, `${answer.key}x`]);
    assert.deepEqual(
      stranger.json().comments.map((c: { state: string; html?: string }) => [c.state, c.html]),
      [
        ['gone', undefined],
        ['gone', undefined],
      ],
    );

    const moderator = await createUser(t, 'moderator');
    await moderateComment(
      { ...t.site.content, baseUrl: TEST_BASE_URL },
      { commentId: answer.id, action: 'approve', moderatorId: moderator.id },
    );
    const decided = await writer.held([answer.key]);
    assert.deepEqual(decided.json().comments, [{ key: answer.key, state: 'approved' }]);
  });

  test('bad questions get a clear JSON answer', async () => {
    const b = new Browser();
    const tooMany = await b.held(Array.from({ length: 21 }, (_, i) => `k${i}`));
    assert.equal(tooMany.statusCode, 400);
    assert.ok(tooMany.json().error.code, 'a stable code');
    const notAList = await b.request('POST', '/api/v1/comments/held', { json: { keys: [{ id: 1 }] } });
    assert.equal(notAList.statusCode, 400);
    const crossSite = await t.app.inject({
      method: 'POST',
      url: '/api/v1/comments/held',
      headers: { origin: 'https://elsewhere.example', 'content-type': 'application/json' },
      payload: JSON.stringify({ keys: [] }),
    });
    assert.equal(crossSite.statusCode, 403);
    assert.equal(crossSite.json().error.code, 'CROSS_ORIGIN_REQUEST');
  });
});

describe('without JavaScript, a post lands on the message at the form', () => {
  test('the form posts to its own message, and a refused post shows the message there with the text kept', async () => {
    const article = await createArticle(t);
    const b = new Browser();
    const page = parsePage((await b.request('GET', article.url)).body);
    const form = page.get('form', 'Leave a comment');
    assert.equal(page.attr(form, 'id'), 'respond');
    assert.equal(page.attr(form, 'action'), `${article.url}comments#respond-message`);
    await b.request('POST', '/form-token');
    const words = 'A comment whose website is not a web address.';
    const refused = await b.request('POST', `${article.url}comments`, {
      form: { name: 'Pavel Orlov', email: 'pavel@example.net', url: 'ftp://example.net', body: words },
    });
    assert.equal(refused.statusCode, 400);
    const after = parsePage(refused.body);
    const message = after.byId('respond-message');
    assert.equal(after.attr(message, 'tabIndex'), '-1', 'the message box is there, focusable');
    after.within(message).get('alert');
    assert.equal(after.text(commentForm(after).field('Comment')), words, 'the text is kept');
  });

  test('a held comment is answered at the form, as information', async () => {
    const article = await createArticle(t);
    const b = new Browser();
    await b.request('POST', '/form-token');
    const held = await b.request('POST', `${article.url}comments`, {
      form: { name: 'Rosa Lind', email: 'rosa.first@example.net', body: 'My first comment here, about Zhukov.' },
    });
    assert.equal(held.statusCode, 303);
    assert.equal(held.headers.location, `${article.url}?posted=held#respond-message`);
    const landed = parsePage((await b.request('GET', held.headers.location!.split('#')[0]!)).body);
    const message = commentForm(landed).byId('respond-message');
    assert.equal(landed.attr(message, 'tabIndex'), '-1');
    const inside = landed.within(message);
    assert.match(landed.text(inside.get('status')), /awaiting moderation/);
    assert.equal(inside.all('alert').length, 0, 'information, not an alert');
  });

  test('"Check before posting" shows the routine first-comment hold as information, not as an alert', async () => {
    const article = await createArticle(t);
    const b = new Browser();
    const checked = await b.request('POST', `${article.url}comments`, {
      form: {
        name: 'Aiko Mori',
        email: 'aiko.new@example.net',
        body: 'Was the Soviet bridge at the ford?',
        intent: 'check',
      },
    });
    assert.equal(checked.statusCode, 200);
    const page = parsePage(checked.body);
    const form = commentForm(page);
    const info = form.get('status', /^This is the first comment from this email address/);
    assert.equal(page.attr(info, 'className'), 'form-info');
    assert.equal(form.all('alert').length, 0);
    assert.deepEqual(
      form.all('status').map((s) => page.attr(s, 'className')),
      ['form-info'],
      'no warning beside it',
    );
  });
});

describe('replying and long threads without JavaScript', () => {
  test('the reply page shows the comment answered above the form', async () => {
    const article = await createArticle(t);
    const words = 'The first clash at the river was on 11 May 1939, between Mongolian cavalry and Manchukuo troops.';
    const answered = await createComment(t, article, { name: 'Neil Forsyth', body: words });
    const page = parsePage((await new Browser().request('GET', `${article.url}?replyto=${answered.id}`)).body);
    const form = commentForm(page, 'Reply to Neil Forsyth');
    assert.equal(form.get('heading', 'Reply to Neil Forsyth').tagName, 'h3');
    const parent = form.get('blockquote');
    assert.equal(page.attr(parent, 'cite'), `${article.url}#comment-${answered.id}`);
    assert.equal(page.text(parent), words, 'the comment answered is quoted above the fields');
    assert.ok(offset(parent) < offset(form.field('Comment')), 'above the comment box');
  });

  test('a long thread folds after its first replies, behind a link to its own page, which shows it all', async () => {
    const article = await createArticle(t);
    const root = await createComment(t, article, { name: 'Tomas Berg' });
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await createComment(t, article, { parent: root }));
    const page = parsePage((await new Browser().request('GET', article.url)).body);
    const comments = discussion(page);
    const more = comments.get('link', 'Show 3 more replies in the thread started by Tomas Berg');
    const href = page.attr(more, 'href');
    assert.equal(href, `${article.url}thread/${root.id}/#comment-${replies[2]!.id}`, 'to the first one folded');
    assert.equal(page.attr(more, 'dataMore'), String(root.id));
    const folded = comments.all('listitem').filter((li) => page.attr(li, 'hidden') === 'until-found');
    assert.deepEqual(
      folded.map((li) => page.attr(li, 'className')),
      ['comment-folded', 'comment-folded', 'comment-folded'],
      'the rest are folded, still found by a permalink or the browser’s find',
    );
    const res = await new Browser().request('GET', href.split('#')[0]!);
    assert.equal(res.statusCode, 200);
    const thread = parsePage(res.body);
    const own = thread.within(thread.get('region', 'Thread started by Tomas Berg'));
    assert.equal(thread.get('heading', 'Thread started by Tomas Berg').tagName, 'h1');
    assert.equal(
      own.all('listitem').filter((li) => thread.attr(li, 'hidden') !== '').length,
      0,
      'nothing folded on the thread’s own page',
    );
    assert.equal(own.all('article').length, 3 + 3, 'the first comment, the two replies shown, and the 3 folded');
    assert.equal(res.headers['set-cookie'], undefined);
  });

  test('a thread address that is not one answers 404', async () => {
    const article = await createArticle(t);
    const b = new Browser();
    for (const url of [`${article.url}thread/abc/`, `${article.url}thread/99999/`, '/no-such-article/thread/12/']) {
      const res = await b.request('GET', url);
      assert.equal(res.statusCode, 404, url);
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/, 'no stack trace');
    }
  });
});

describe('badges', () => {
  /** A signed-in browser of a new staff account of `role`, with its own byline when `byline` is asked for. */
  async function signedIn(role: UserRole, name: string, byline = false) {
    const user = await createUser(t, role, { name, byline });
    const deps = { db: t.site.content.db, clock: t.clock };
    const row = await deps.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    const { token } = await startSession(deps, row);
    return { user, browser: new Browser(`annalist_session=${token}`) };
  }

  test('in the demo, Elena Markova’s replies under her own article say "Author" and guests’ comments nothing', async () => {
    const page = parsePage((await new Browser().request('GET', DEMO_ARTICLE)).body);
    const comments = discussion(page).all('article');
    const hers = discussion(page).all('article', 'Elena Markova');
    assert.ok(hers.length >= 1, 'the article’s author answers in its discussion');
    for (const c of hers) assert.equal(badgeOf(page, c), 'Author');
    const guests = comments.filter((c) => !hers.includes(c));
    assert.ok(guests.length >= 20, `${guests.length} guests’ comments`);
    assert.deepEqual(guests.map((c) => badgeOf(page, c)).filter(Boolean), [], 'a guest’s comment has no badge');
    // Her account holds her comments and nothing more: nobody can sign in as it.
    const account = await t.site.content.db
      .selectFrom('users')
      .select(['password_hash', 'disabled_at'])
      .where('name', '=', 'Elena Markova')
      .executeTakeFirstOrThrow();
    assert.equal(account.password_hash, null);
    assert.notEqual(account.disabled_at, null);
  });

  test('comments by the article’s author say "Author", by staff "Staff", by guests nothing', async () => {
    const author = await signedIn('author', 'Vera Castell', true);
    const moderator = await signedIn('moderator', 'Jonas Weil');
    const article = await createArticle(t, { authors: [author.user.byline!] });
    const guest = await createComment(t, article, { name: 'Gustav Guest' });
    // Through the island's JSON API: a signed-in writer sends no name or email, their account speaks for them.
    const a = await author.browser.comment(article, { body: 'Author here: the second map is redrawn from Coox.' });
    const m = await moderator.browser.comment(article, {
      body: 'Moderator here: please keep the thread on the battle.',
    });
    assert.equal(a.statusCode, 201, a.body);
    assert.equal(m.statusCode, 201, m.body);
    assert.equal(a.json().comment.status, 'approved', 'signed-in staff are trusted');
    const page = parsePage((await new Browser().request('GET', article.url)).body);
    const comments = discussion(page);
    const byId = (id: number) => page.byId(`comment-${id}`);
    assert.equal(comments.get('article', 'Vera Castell'), byId(a.json().comment.id));
    assert.equal(badgeOf(page, byId(a.json().comment.id)), 'Author');
    assert.equal(comments.get('article', 'Jonas Weil'), byId(m.json().comment.id));
    assert.equal(badgeOf(page, byId(m.json().comment.id)), 'Staff');
    assert.equal(comments.get('article', 'Gustav Guest'), byId(guest.id));
    assert.equal(badgeOf(page, byId(guest.id)), '', 'a guest’s comment has none');
  });
});
