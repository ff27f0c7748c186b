import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser, startSession } from '../../src/modules/accounts/accounts.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { moderateComment } from '../../src/modules/moderation/queue.service.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

/**
 * The discussion as issue 16 reads it, over HTTP: a writer's held comment kept out of the cached page and given
 * back to its writer alone, the form's message as the landing place of a post without JavaScript, the reply page
 * showing the comment answered, a long thread folded and its own page, and the "Author" and "Staff" badges.
 */

let t: TestSite;
const SLUG = 'khalkhin-gol-1939';
const ARTICLE = `/${SLUG}/`;

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
  /** Posts a comment as the island does: a form token first, then the JSON API. */
  async comment(fields: Record<string, unknown>) {
    await this.request('POST', '/form-token');
    return this.request('POST', `/api/v1/posts/${SLUG}/comments`, { json: fields });
  }
  held(keys: string[]) {
    return this.request('POST', '/api/v1/comments/held', { json: { keys } });
  }
}

const commentsOf = (html: string) => html.slice(html.indexOf('<section id="comments"'));

describe('a held comment stays with its writer, and nobody else', () => {
  test('the answer gives the writer a key; the key shows the comment while held, then says it was decided', async () => {
    const writer = new Browser();
    const words = 'The Kwantung Army staff in Hsinking kept their own map of the river line.';
    const res = await writer.comment({ name: 'Ilse Brandt', email: 'ilse.held@example.net', body: words });
    assert.equal(res.statusCode, 201, res.body);
    const answer = res.json().comment as { id: number; status: string; key: string };
    assert.equal(answer.status, 'held');
    assert.ok(answer.key, 'a held comment comes with a key');

    const page = await new Browser().request('GET', ARTICLE);
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes('their own map of the river line'), 'the article page shows no held comment');
    assert.equal(page.headers['set-cookie'], undefined, 'and sets no cookie');

    const asked = await writer.held([answer.key]);
    assert.equal(asked.statusCode, 200, asked.body);
    assert.equal(asked.headers['cache-control'], 'no-store');
    const [shown] = asked.json().comments;
    assert.equal(shown.state, 'held');
    assert.equal(shown.id, answer.id);
    assert.equal(shown.article, SLUG);
    assert.equal(shown.author.name, 'Ilse Brandt');
    assert.match(shown.html, /their own map of the river line/);

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

    const moderator = await createUser(
      { db: t.site.content.db, clock: t.clock },
      { email: 'held.moderator@staff.example', name: 'Held Moderator', role: 'moderator' },
    );
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
    const b = new Browser();
    const page = await b.request('GET', ARTICLE);
    assert.match(page.body, /<form id="respond"[^>]*action="\/khalkhin-gol-1939\/comments#respond-message"/);
    await b.request('POST', '/form-token');
    const words = 'A comment whose website is not a web address.';
    const refused = await b.request('POST', `${ARTICLE}comments`, {
      form: { name: 'Pavel Orlov', email: 'pavel@example.net', url: 'ftp://example.net', body: words },
    });
    assert.equal(refused.statusCode, 400);
    const message = /<div id="respond-message" class="comment-form__message" tabindex="-1">([\s\S]*?)<\/div>/.exec(
      refused.body,
    );
    assert.ok(message, 'the message box is there, focusable');
    assert.match(message[1]!, /role="alert"/);
    assert.ok(refused.body.includes(`>${words}</textarea>`), 'the text is kept');
  });

  test('a held comment is answered at the form, as information', async () => {
    const b = new Browser();
    await b.request('POST', '/form-token');
    const held = await b.request('POST', `${ARTICLE}comments`, {
      form: { name: 'Rosa Lind', email: 'rosa.first@example.net', body: 'My first comment here, about Zhukov.' },
    });
    assert.equal(held.statusCode, 303);
    assert.equal(held.headers.location, `${ARTICLE}?posted=held#respond-message`);
    const landed = await b.request('GET', held.headers.location!.split('#')[0]!);
    const form = /<form id="respond"[\s\S]*?<\/form>/.exec(landed.body)?.[0] ?? '';
    assert.match(
      form,
      /id="respond-message"[^>]*tabindex="-1"><p class="comment-notice" role="status">[^<]*awaiting moderation/,
    );
  });

  test('"Check before posting" shows the routine first-comment hold as information, not as an alert', async () => {
    const b = new Browser();
    const checked = await b.request('POST', `${ARTICLE}comments`, {
      form: {
        name: 'Aiko Mori',
        email: 'aiko.new@example.net',
        body: 'Was the Soviet bridge at the ford?',
        intent: 'check',
      },
    });
    assert.equal(checked.statusCode, 200);
    const form = /<form id="respond"[\s\S]*?<\/form>/.exec(checked.body)?.[0] ?? '';
    assert.match(form, /<p class="form-info" role="status">This is the first comment from this email address/);
    assert.doesNotMatch(form, /role="alert"/);
    assert.doesNotMatch(form, /class="form-warning"/);
  });
});

describe('replying and long threads without JavaScript', () => {
  test('the reply page shows the comment answered above the form', async () => {
    const page = await new Browser().request('GET', `${ARTICLE}?replyto=2`);
    const form = /<form id="respond"[\s\S]*?<\/form>/.exec(page.body)?.[0] ?? '';
    assert.match(form, /<h3 id="respond-heading">Reply to Neil Forsyth<\/h3>/);
    const parent = /<blockquote class="comment-form__parent"[^>]*>([\s\S]*?)<\/blockquote>/.exec(form);
    assert.ok(parent, 'the comment answered is quoted above the fields');
    assert.match(parent[1]!, /the first clash at the river was on 11 May 1939/);
    assert.ok(form.indexOf('comment-form__parent') < form.indexOf('id="comment-body"'), 'above the comment box');
  });

  test('a long thread folds after its first replies, behind a link to its own page, which shows it all', async () => {
    const page = await new Browser().request('GET', ARTICLE);
    const html = commentsOf(page.body);
    const more = /<p class="comment-more"><a href="([^"]+)" data-more="(\d+)">Show (\d+) more replies/.exec(html);
    assert.ok(more, 'a "Show N more replies" link');
    const [, href, rootId, n] = more;
    assert.match(href!, new RegExp(`^/${SLUG}/thread/${rootId}/#comment-\\d+$`));
    const folded = [...html.matchAll(/<li class="comment-folded" hidden="until-found">/g)].length;
    assert.ok(folded >= 1, 'the rest are folded, still found by a permalink or the browser’s find');
    const thread = await new Browser().request('GET', href!.split('#')[0]!);
    assert.equal(thread.statusCode, 200);
    assert.match(thread.body, /<h1 id="thread-title" class="page-title">Thread started by /);
    assert.doesNotMatch(thread.body, /hidden="until-found"/, 'nothing folded on the thread’s own page');
    const shown = [...thread.body.matchAll(/<article class="comment[^"]*" id="comment-\d+"/g)].length;
    assert.equal(shown, Number(n) + 3, 'the first comment, the two replies shown, and the N folded');
    assert.equal(thread.headers['set-cookie'], undefined);
  });

  test('a thread address that is not one answers 404', async () => {
    const b = new Browser();
    for (const url of [`${ARTICLE}thread/abc/`, `${ARTICLE}thread/99999/`, '/no-such-article/thread/12/']) {
      const res = await b.request('GET', url);
      assert.equal(res.statusCode, 404, url);
      assert.doesNotMatch(res.body, /at .*\.ts:\d+/, 'no stack trace');
    }
  });
});

describe('badges', () => {
  async function signedIn(role: UserRole, name: string, authorOfArticle: boolean): Promise<Browser> {
    const deps = { db: t.site.content.db, clock: t.clock };
    const user = await createUser(deps, { email: `${name.split(' ')[0]!.toLowerCase()}@staff.example`, name, role });
    if (authorOfArticle) {
      const byline = await deps.db
        .selectFrom('post_authors')
        .innerJoin('posts', 'posts.id', 'post_authors.post_id')
        .select('post_authors.author_id')
        .where('posts.slug', '=', SLUG)
        .executeTakeFirstOrThrow();
      await deps.db.updateTable('users').set({ author_id: byline.author_id }).where('id', '=', user.id).execute();
    }
    const row = await deps.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    const { token } = await startSession(deps, row);
    return new Browser(`annalist_session=${token}`);
  }

  test('in the demo, Elena Markova’s replies under her own article say "Author" and guests’ comments nothing', async () => {
    const html = commentsOf((await new Browser().request('GET', ARTICLE)).body);
    const headers = [...html.matchAll(/<header class="comment__header">(.*?)<\/header>/g)].map((m) => m[1]!);
    const hers = headers.filter((h) => h.includes('>Elena Markova</span>'));
    assert.ok(hers.length >= 1, 'the article’s author answers in its discussion');
    for (const h of hers)
      assert.match(h, /Elena Markova<\/span> <span class="comment__badge comment__badge--author">Author<\/span>/);
    const guests = headers.filter((h) => !h.includes('>Elena Markova</span>'));
    assert.ok(guests.length >= 20, `${guests.length} guests’ comments`);
    assert.deepEqual(
      guests.filter((h) => h.includes('comment__badge')),
      [],
      'a guest’s comment has no badge',
    );
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
    const moderator = await signedIn('moderator', 'Jonas Weil', false);
    // Through the island's JSON API: a signed-in writer sends no name or email, their account speaks for them.
    const a = await author.comment({ body: 'Author here: the second map is redrawn from Coox.' });
    const m = await moderator.comment({ body: 'Moderator here: please keep the thread on the battle.' });
    assert.equal(a.statusCode, 201, a.body);
    assert.equal(m.statusCode, 201, m.body);
    assert.equal(a.json().comment.status, 'approved', 'signed-in staff are trusted');
    const html = commentsOf((await new Browser().request('GET', ARTICLE)).body);
    const header = (id: number) =>
      new RegExp(`id="comment-${id}"[^>]*><header class="comment__header">(.*?)</header>`).exec(html)?.[1] ?? '';
    assert.match(
      header(a.json().comment.id),
      /Vera Castell<\/span> <span class="comment__badge comment__badge--author">Author<\/span>/,
    );
    assert.match(
      header(m.json().comment.id),
      /Jonas Weil<\/span> <span class="comment__badge comment__badge--staff">Staff<\/span>/,
    );
    assert.doesNotMatch(header(1), /comment__badge/, 'a guest’s comment has none');
  });
});
