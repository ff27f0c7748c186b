import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import {
  createSignInLink,
  createUser,
  setPassword,
  signOutEverywhere,
} from '../../src/modules/accounts/accounts.service.ts';
import type { User } from '../../src/modules/accounts/accounts.types.ts';
import { recountPostComments } from '../../src/modules/comments/comment.repository.ts';
import { renderCommentMarkdown } from '../../src/modules/comments/comment-markdown.ts';
import type { CommentStatus } from '../../src/storage/schema.ts';
import { type Article, createArticle } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { newTestDatabase, startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

const PASSWORD = 'correct horse battery staple';
const FORM = 'application/x-www-form-urlencoded';

let t: TestSite;
let moderator: User;
let author: User;
/** The articles the queue's comments are written on: this file's own (test/support/factories.ts). */
let article: Article;
let articleId: number;
let otherArticleId: number;
/** Each test signs in from its own address, so the per-IP failure limit of one test never touches another. */
let nextIp = 1;
const freshIp = () => `192.0.2.${nextIp++}`;

before(async () => {
  t = await startTestSite();
  const deps = { db: t.site.content.db, clock: t.clock };
  moderator = await createUser(deps, { email: 'Moderator@Example.org', name: 'Mira Moderator', role: 'moderator' });
  await setPassword(deps, { userId: moderator.id, password: PASSWORD });
  author = await createUser(deps, { email: 'author@example.org', name: 'Arthur Author', role: 'author' });
  await setPassword(deps, { userId: author.id, password: PASSWORD });
  article = await createArticle(t, { title: 'The Crossing of the Khalkha' });
  articleId = article.id;
  otherArticleId = (await createArticle(t, { title: 'The Straits of Tsushima' })).id;
});
after(() => t.close());

const db = () => t.site.content.db;

/** The text of a page's one alert (a refused sign-in's message). */
const alertText = (html: string) => {
  const page = parsePage(html);
  return page.text(page.get('alert'));
};

/** The text of a page's status region (the notice after an action). */
const noticeText = (html: string) => {
  const page = parsePage(html);
  return page.text(page.get('status'));
};

/** The ids of the comments a queue page lists, in order. */
const queueIds = (html: string) => {
  const page = parsePage(html);
  return page
    .all('listitem')
    .map((li) => /^comment-(\d+)$/.exec(page.attr(li, 'id'))?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number);
};

/** A queue tab's name ("Held (3)") by its status word. */
const tab = (page: Page, label: string) =>
  page.text(page.within(page.get('navigation', 'Comment queues')).get('link', new RegExp(`^${label} \\(`)));

/** The bans table's rows, each as its cells' texts (no table when there is no ban in force). */
const banRows = (html: string) => {
  const page = parsePage(html);
  const caption = (table: Element) =>
    table.children.find((c): c is Element => c.type === 'element' && c.tagName === 'caption');
  const tables = page.all('table').filter((table) => {
    const found = caption(table);
    return found !== undefined && page.text(found) === 'Bans in force';
  });
  if (tables.length === 0) return [];
  return page
    .within(tables[0]!)
    .all('row')
    .map((row) => row.children.filter((c): c is Element => c.type === 'element' && c.tagName === 'td'))
    .filter((cells) => cells.length > 0)
    .map((cells) => cells.map((c) => page.text(c)));
};

function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const h = res.headers['set-cookie'];
  return h === undefined ? [] : Array.isArray(h) ? (h as string[]) : [String(h)];
}

function sessionCookieOf(res: { headers: Record<string, unknown> }): string {
  const c = setCookies(res).find((s) => s.startsWith('annalist_session='));
  assert.ok(c, `a session cookie is set (got ${setCookies(res).join(' | ')})`);
  return c.split(';')[0]!;
}

const encode = (fields: Record<string, string | string[]>) => {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) form.append(k, item);
  return form.toString();
};

function signInRequest(email: string, password: string, ip: string) {
  return t.app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    remoteAddress: ip,
    headers: { 'content-type': FORM, origin: TEST_BASE_URL },
    payload: encode({ email, password, next: '/admin/moderation' }),
  });
}

async function signIn(email = moderator.email, password = PASSWORD): Promise<string> {
  const res = await signInRequest(email, password, freshIp());
  assert.equal(res.statusCode, 303, res.body);
  return sessionCookieOf(res);
}

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

async function csrfFor(cookie: string): Promise<string> {
  const res = await get('/admin/moderation', cookie);
  assert.equal(res.statusCode, 200, res.body);
  const m = /name="csrf" value="([^"]+)"/.exec(res.body);
  assert.ok(m, 'the page carries a CSRF token');
  return m[1]!;
}

async function post(url: string, cookie: string, fields: Record<string, string | string[]>, origin = TEST_BASE_URL) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': FORM, cookie, ...(origin ? { origin } : {}) },
    payload: encode(fields),
  });
}

let commentSeq = 0;
async function insertComment(
  o: {
    status?: CommentStatus;
    body?: string;
    postId?: number;
    parentId?: number | null;
    name?: string;
    email?: string;
    ip?: string;
    reasons?: { phase: string; code: string; message: string }[];
    reports?: number;
  } = {},
): Promise<number> {
  commentSeq++;
  const body = o.body ?? `Test comment number ${commentSeq} about the Khalkha river.`;
  const parent = o.parentId
    ? await db().selectFrom('comments').selectAll().where('id', '=', o.parentId).executeTakeFirstOrThrow()
    : undefined;
  const at = new Date(t.clock.now().getTime() - 60_000 + commentSeq * 1000).toISOString();
  const { id } = await db()
    .insertInto('comments')
    .values({
      post_id: o.postId ?? articleId,
      parent_id: parent?.id ?? null,
      thread_id: parent ? (parent.thread_id ?? parent.id) : null,
      depth: parent ? parent.depth + 1 : 0,
      author_name: o.name ?? `Reader ${commentSeq}`,
      author_email: o.email ?? `reader${commentSeq}@example.net`,
      author_url: null,
      user_id: null,
      body_md: body,
      body_html: renderCommentMarkdown(body).html,
      quoted_comment_id: null,
      quoted_text: null,
      status: o.status ?? 'held',
      reasons_json: JSON.stringify(
        o.reasons ?? [{ phase: 'firstComment', code: 'FIRST_COMMENT', message: 'First comment from this email.' }],
      ),
      ip: o.ip ?? `198.51.100.${commentSeq % 250}`,
      user_agent: 'test',
      created_at: at,
      approved_at: o.status === 'approved' ? at : null,
      report_count: o.reports ?? 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (!parent) await db().updateTable('comments').set({ thread_id: id }).where('id', '=', id).execute();
  // As the comment workflow would: the article's count includes approved comments.
  await recountPostComments(db(), o.postId ?? articleId);
  return id;
}

const statusOf = async (id: number) =>
  (await db().selectFrom('comments').select('status').where('id', '=', id).executeTakeFirst())?.status;
const commentCount = async (postId = articleId) =>
  (await db().selectFrom('posts').select('comment_count').where('id', '=', postId).executeTakeFirstOrThrow())
    .comment_count;

describe('signing in', () => {
  test('the right password starts a session: HttpOnly, SameSite=Lax cookie, only its hash stored', async () => {
    const res = await signInRequest('  MODERATOR@example.org ', PASSWORD, freshIp());
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/moderation');
    const raw = setCookies(res).find((c) => c.startsWith('annalist_session='))!;
    assert.match(raw, /; HttpOnly/);
    assert.match(raw, /; SameSite=Lax/);
    assert.match(raw, /; Path=\//);
    assert.doesNotMatch(raw, /; Secure/, 'the test site is http');
    assert.match(raw, /Max-Age=1209600/, 'fourteen days');
    const token = raw.split(';')[0]!.split('=')[1]!;
    const rows = await db().selectFrom('sessions').selectAll().where('user_id', '=', moderator.id).execute();
    assert.ok(rows.some((r) => r.token_hash === createHash('sha256').update(token).digest('hex')));
    assert.ok(
      rows.every((r) => r.token_hash !== token),
      'the token itself is never stored',
    );
  });

  test('passwords are stored as argon2id hashes', async () => {
    const row = await db()
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', moderator.id)
      .executeTakeFirst();
    assert.match(row?.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test('a wrong password and an unknown email get the same generic refusal', async () => {
    const ip = freshIp();
    const wrong = await signInRequest(moderator.email, 'not the password', ip);
    const unknown = await signInRequest('nobody@example.org', PASSWORD, ip);
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.ok(alertText(wrong.body));
    assert.equal(alertText(wrong.body), alertText(unknown.body));
    assert.equal(setCookies(wrong).length, 0);
    assert.equal(wrong.headers['cache-control'], 'no-store');
  });

  test('after five failures the account is rate limited from that address, with the same message whether it exists', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) assert.equal((await signInRequest(moderator.email, `wrong ${i}`, ip)).statusCode, 401);
    for (let i = 0; i < 5; i++)
      assert.equal((await signInRequest('ghost@example.org', `wrong ${i}`, ip)).statusCode, 401);
    const limitedReal = await signInRequest(moderator.email, PASSWORD, ip);
    const limitedGhost = await signInRequest('ghost@example.org', PASSWORD, ip);
    assert.equal(limitedReal.statusCode, 429, 'even the right password is refused while limited');
    assert.equal(limitedGhost.statusCode, 429);
    assert.ok(alertText(limitedReal.body));
    assert.equal(alertText(limitedReal.body), alertText(limitedGhost.body));
    assert.equal(setCookies(limitedReal).length, 0);
    assert.equal(
      (await signInRequest(moderator.email, PASSWORD, freshIp())).statusCode,
      303,
      'other addresses are not',
    );
    t.clock.set(new Date(t.clock.now().getTime() + 16 * 60_000));
    try {
      assert.equal((await signInRequest(moderator.email, PASSWORD, ip)).statusCode, 303, 'the limit ends');
    } finally {
      t.clock.set(new Date(t.clock.now().getTime() - 16 * 60_000));
    }
  });

  test('sign-in is refused from another origin', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/sign-in',
      headers: { 'content-type': FORM, origin: 'https://evil.example' },
      payload: encode({ email: moderator.email, password: PASSWORD }),
    });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /CSRF_FAILED/);
  });

  test('a one-time link lets a new person choose a password, once', async () => {
    const deps = { db: db(), clock: t.clock, baseUrl: TEST_BASE_URL };
    const newbie = await createUser(deps, { email: 'newbie@example.org', name: 'Nell Newbie', role: 'editor' });
    const { url } = await createSignInLink(deps, newbie.id);
    assert.ok(url.startsWith(`${TEST_BASE_URL}/admin/welcome?token=`));
    const path = url.slice(TEST_BASE_URL.length);
    const token = new URL(url).searchParams.get('token')!;
    const page = await get(path);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'same-origin');
    parsePage(page.body).get('heading', 'Welcome, Nell Newbie');
    const send = (password: string, confirm = password) =>
      t.app.inject({
        method: 'POST',
        url: '/admin/welcome',
        headers: { 'content-type': FORM, origin: TEST_BASE_URL },
        payload: encode({ token, password, confirm }),
      });
    assert.equal((await send('short')).statusCode, 400);
    assert.equal((await send('long enough password', 'another long password')).statusCode, 400);
    const ok = await send('a perfectly fine passphrase');
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/admin/dashboard?notice=welcome');
    const queue = await get('/admin/moderation', sessionCookieOf(ok));
    assert.equal(queue.statusCode, 200, 'an editor may moderate');
    const again = await get(path);
    assert.equal(again.statusCode, 400, 'the link works once');
    assert.match(again.body, /SIGN_IN_LINK_INVALID/);
    assert.equal((await send('yet another passphrase')).statusCode, 400);
    assert.equal((await signInRequest('newbie@example.org', 'a perfectly fine passphrase', freshIp())).statusCode, 303);
  });

  test('sign-in links expire and cannot be tampered with', async () => {
    const deps = { db: db(), clock: t.clock, baseUrl: TEST_BASE_URL };
    const late = await createUser(deps, { email: 'late@example.org', name: 'Lee Late', role: 'moderator' });
    const { url } = await createSignInLink(deps, late.id, { validForHours: 1 });
    const path = url.slice(TEST_BASE_URL.length);
    assert.equal((await get(`${path.slice(0, -2)}xx`)).statusCode, 400);
    t.clock.set(new Date(t.clock.now().getTime() + 2 * 3_600_000));
    try {
      assert.equal((await get(path)).statusCode, 400);
    } finally {
      t.clock.set(new Date(t.clock.now().getTime() - 2 * 3_600_000));
    }
    assert.equal((await get(path)).statusCode, 200);
  });
});

describe('sessions and roles', () => {
  test('without a session, admin pages and actions redirect to sign-in', async () => {
    const page = await get('/admin/moderation?status=spam');
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, `/admin/sign-in?next=${encodeURIComponent('/admin/moderation?status=spam')}`);
    const id = await insertComment();
    const action = await post(`/admin/moderation/${id}/approve`, 'annalist_session=forged-token-value', { csrf: 'x' });
    assert.equal(action.statusCode, 303);
    assert.equal(await statusOf(id), 'held');
    const form = await get('/admin/sign-in');
    assert.equal(form.statusCode, 200);
    const signInPage = parsePage(form.body);
    assert.equal(signInPage.attr(signInPage.field('Email'), 'id'), 'sign-in-email');
  });

  test('signed-out, expired and disabled sessions are refused at once', async () => {
    const cookie = await signIn();
    const csrf = await csrfFor(cookie);
    const out = await post('/admin/sign-out', cookie, { csrf });
    assert.equal(out.statusCode, 303);
    assert.match(setCookies(out).join(), /annalist_session=; Path=\/; Max-Age=0/);
    assert.equal((await get('/admin/moderation', cookie)).statusCode, 303, 'signed out');

    const expiring = await signIn();
    t.clock.set(new Date(t.clock.now().getTime() + 15 * 86_400_000));
    try {
      assert.equal((await get('/admin/moderation', expiring)).statusCode, 303, 'expired after 14 days');
    } finally {
      t.clock.set(new Date(t.clock.now().getTime() - 15 * 86_400_000));
    }

    const disabled = await signIn();
    assert.equal((await get('/admin/moderation', disabled)).statusCode, 200);
    await db()
      .updateTable('users')
      .set({ disabled_at: t.clock.now().toISOString() })
      .where('id', '=', moderator.id)
      .execute();
    try {
      assert.equal((await get('/admin/moderation', disabled)).statusCode, 303, 'disabled account');
      assert.equal((await signInRequest(moderator.email, PASSWORD, freshIp())).statusCode, 401);
    } finally {
      await db().updateTable('users').set({ disabled_at: null }).where('id', '=', moderator.id).execute();
    }

    const everywhere = await signIn();
    await signOutEverywhere({ db: db(), clock: t.clock }, moderator.id);
    assert.equal((await get('/admin/moderation', everywhere)).statusCode, 303, 'signed out everywhere');
  });

  test('an author can sign in but may not moderate: 403', async () => {
    const cookie = await signIn(author.email);
    const page = await get('/admin/moderation', cookie);
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /FORBIDDEN/);
    assert.equal(page.headers['cache-control'], 'no-store');
    const id = await insertComment();
    const res = await post(`/admin/moderation/${id}/approve`, cookie, { csrf: 'whatever' });
    assert.equal(res.statusCode, 403);
    assert.equal(await statusOf(id), 'held');
    assert.equal((await get('/admin/bans', cookie)).statusCode, 403);
  });
});

describe('moderating comments', () => {
  let cookie: string;
  let csrf: string;
  before(async () => {
    cookie = await signIn();
    csrf = await csrfFor(cookie);
  });
  const act = (id: number, action: string, extra: Record<string, string | string[]> = {}) =>
    post(`/admin/moderation/${id}/${action}`, cookie, { csrf, back: '/admin/moderation?status=held', ...extra });

  test('the queue shows each held comment with its article, writer, reasons, reports and rendered body', async () => {
    const id = await insertComment({
      body: 'A *careful* point about Zhukov and supply lines.',
      name: 'Quentin Queue',
      email: 'quentin@example.net',
      ip: '203.0.113.77',
      reports: 2,
      reasons: [
        { phase: 'links', code: 'TOO_MANY_LINKS', message: 'Three links.' },
        { phase: 'first', code: 'FIRST_COMMENT', message: 'First comment.' },
      ],
    });
    const res = await get('/admin/moderation', cookie);
    assert.equal(res.statusCode, 200);
    const page = parsePage(res.body);
    const entry = page.get('article', `Quentin Queue on ${article.title}`);
    assert.ok(
      page
        .within(page.byId(`comment-${id}`))
        .all('article')
        .includes(entry),
      'the item is the comment',
    );
    const item = page.within(entry);
    assert.equal(page.attr(item.get('link', article.title), 'href'), article.url);
    item.get('link', 'quentin@example.net');
    item.get('link', '203.0.113.77');
    const facts = Object.fromEntries(
      item.all('term').map((dt, i) => [page.text(dt), page.text(item.all('definition')[i]!)]),
    );
    assert.equal(facts.Reports, '2');
    assert.match(facts['Why it is here']!, /Too many links/);
    assert.match(facts['Why it is here']!, /First comment from this email/);
    const rendered = item.get('paragraph', 'A careful point about Zhukov and supply lines.');
    assert.equal(page.text(page.within(rendered).get('emphasis')), 'careful');
    assert.equal(page.attr(item.get('button', 'Spam'), 'formAction'), `/admin/moderation/${id}/spam`);
    assert.match(tab(page, 'Held'), /^Held \(\d+\)$/);
  });

  test('approving a held comment publishes it on the article and updates the comment count', async () => {
    const body = 'Approved words about the Khalkha crossing, unmistakable wording here.';
    const id = await insertComment({ body });
    const before = await commentCount();
    const articleBefore = await get(article.url);
    assert.doesNotMatch(articleBefore.body, /unmistakable wording here/);
    assert.equal(parsePage(articleBefore.body).all('article', /^Reader /).length, 0, 'no comment shown yet');
    const res = await act(id, 'approve');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/moderation?status=held&notice=approve');
    assert.equal(await statusOf(id), 'approved');
    assert.equal(await commentCount(), before + 1);
    const shown = parsePage((await get(article.url)).body);
    const approved = shown.byId(`comment-${id}`);
    assert.equal(shown.attr(approved, 'className').split(' ')[0], 'comment', 'the cached article page was dropped');
    assert.equal(shown.text(shown.within(approved).get('paragraph')), body);
    const queue = await get('/admin/moderation?notice=approve', cookie);
    assert.equal(noticeText(queue.body), 'Comment approved.');
    assert.ok(!queueIds(queue.body).includes(id), 'no longer in the held queue');
  });

  test('marking as spam moves the comment to the spam tab and teaches the classifier', async () => {
    const id = await insertComment({ body: 'Cheap qwzxspamword pills at unbeatable prices' });
    const res = await act(id, 'spam');
    assert.equal(res.statusCode, 303);
    assert.equal(await statusOf(id), 'spam');
    const token = await db()
      .selectFrom('spam_tokens')
      .selectAll()
      .where('token', '=', 'qwzxspamword')
      .executeTakeFirst();
    assert.ok(token && token.spam >= 1, 'the words are learned as spam');
    const spamTab = await get('/admin/moderation?status=spam', cookie);
    assert.ok(queueIds(spamTab.body).includes(id), 'listed in the spam tab');
    await act(id, 'approve');
    const ham = await db().selectFrom('spam_tokens').selectAll().where('token', '=', 'qwzxspamword').executeTakeFirst();
    assert.equal(ham?.ham, 1, 'approving what was spam teaches ham');
  });

  test('trash, restore and delete permanently; replies to a deleted comment stay', async () => {
    const id = await insertComment({ status: 'approved' });
    const reply = await insertComment({ status: 'approved', parentId: id, body: 'A reply that must survive.' });
    const count = await commentCount();
    assert.equal((await act(id, 'trash')).statusCode, 303);
    assert.equal(await statusOf(id), 'trash');
    assert.equal(await commentCount(), count - 1);
    assert.equal((await act(id, 'restore')).statusCode, 303);
    assert.equal(await statusOf(id), 'held', 'restore puts it back in the held queue');
    assert.equal((await act(id, 'delete')).statusCode, 303);
    assert.equal(await statusOf(id), undefined);
    const kept = await db().selectFrom('comments').selectAll().where('id', '=', reply).executeTakeFirst();
    assert.equal(kept?.status, 'approved');
    assert.equal(kept?.parent_id, null);
    assert.equal(await commentCount(), count - 1);
    assert.equal((await act(id, 'approve')).statusCode, 404, 'a deleted comment is gone');
    assert.equal((await act(reply, 'explode')).statusCode, 404, 'unknown actions are not routes');
  });

  test('editing re-renders the Markdown with the comment renderer', async () => {
    const id = await insertComment({ body: 'Speling mistake' });
    const res = await act(id, 'edit', { body: 'Spelling **fixed** <script>alert(1)</script>' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/moderation?status=held&notice=edit');
    const row = await db().selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.body_md, 'Spelling **fixed** <script>alert(1)</script>');
    assert.equal(row.body_html, renderCommentMarkdown(row.body_md).html);
    assert.match(row.body_html, /<strong>fixed<\/strong>/);
    assert.doesNotMatch(row.body_html, /<script/);
    assert.ok(row.updated_at);
    assert.equal((await act(id, 'edit', { body: '   ' })).statusCode, 400);
  });

  test("a moderator's reply is published approved under the comment, and approves a held parent", async () => {
    const id = await insertComment({ body: 'A question for the editors.' });
    const count = await commentCount();
    const res = await act(id, 'reply', { body: 'Thank you, *fixed*.' });
    assert.equal(res.statusCode, 303);
    const parent = await db().selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const reply = await db().selectFrom('comments').selectAll().where('parent_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(parent.status, 'approved');
    assert.equal(reply.status, 'approved');
    assert.equal(reply.author_name, 'Mira Moderator');
    assert.equal(reply.author_email, 'moderator@example.org');
    assert.equal(reply.user_id, moderator.id);
    assert.equal(reply.depth, parent.depth + 1);
    assert.equal(reply.thread_id, parent.thread_id);
    assert.match(reply.body_html, /<em>fixed<\/em>/);
    assert.equal(await commentCount(), count + 2);
    const spam = await insertComment({ status: 'spam' });
    assert.equal((await act(spam, 'reply', { body: 'No.' })).statusCode, 400, 'spam must be restored first');
  });

  test('bulk actions apply to every selected comment', async () => {
    const ids = [await insertComment(), await insertComment(), await insertComment()];
    const res = await post('/admin/moderation/bulk', cookie, {
      csrf,
      back: '/admin/moderation?status=held&page=1',
      action: 'trash',
      ids: ids.map(String),
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/moderation?status=held&page=1&notice=trash&n=3');
    for (const id of ids) assert.equal(await statusOf(id), 'trash');
    const page = await get(res.headers.location as string, cookie);
    assert.equal(noticeText(page.body), '3 comments moved to the trash.');
    const none = await post('/admin/moderation/bulk', cookie, { csrf, action: 'approve' });
    assert.equal(none.headers.location, '/admin/moderation?notice=none-selected');
    const evil = await post('/admin/moderation/bulk', cookie, {
      csrf,
      back: 'https://evil.example/admin/moderation',
      action: 'restore',
      ids: ids.map(String),
    });
    assert.equal(evil.headers.location, '/admin/moderation?notice=restore&n=3', 'back never leaves the admin');
    for (const id of ids) assert.equal(await statusOf(id), 'held');
  });

  test('filters narrow the queue by article, reason and writer, and the tab counts follow', async () => {
    const onOther = await insertComment({ postId: otherArticleId, name: 'Tsushima Talker' });
    const banned = await insertComment({
      name: 'Word Watcher',
      email: 'watcher@example.com',
      reasons: [{ phase: 'words', code: 'MODERATION_WORD', message: 'Watched word.' }],
    });
    const plain = await insertComment({ name: 'Plain Reader', email: 'plain@example.com', ip: '203.0.113.9' });
    const ids = queueIds;

    const byPost = ids((await get(`/admin/moderation?post=${otherArticleId}`, cookie)).body);
    assert.ok(byPost.includes(onOther));
    assert.ok(!byPost.includes(banned) && !byPost.includes(plain));

    const byReason = await get('/admin/moderation?reason=MODERATION_WORD', cookie);
    assert.deepEqual(ids(byReason.body), [banned]);
    const filtered = parsePage(byReason.body);
    assert.equal(tab(filtered, 'Held'), 'Held (1)');
    const selected = filtered
      .field('Reason')
      .children.filter((c): c is Element => c.type === 'element' && c.properties.selected === true);
    assert.deepEqual(
      selected.map((o) => filtered.attr(o, 'value')),
      ['MODERATION_WORD'],
    );

    assert.deepEqual(ids((await get('/admin/moderation?author=PLAIN%40example.com', cookie)).body), [plain]);
    assert.deepEqual(ids((await get('/admin/moderation?author=203.0.113.9', cookie)).body), [plain]);
    assert.deepEqual(ids((await get('/admin/moderation?author=word%20watch', cookie)).body), [banned]);
    assert.deepEqual(
      ids((await get('/admin/moderation?author=100%25_', cookie)).body),
      [],
      'LIKE wildcards are literal',
    );

    assert.equal((await get('/admin/moderation?status=approved', cookie)).statusCode, 400);
    assert.equal((await get('/admin/moderation?reason=NOPE', cookie)).statusCode, 400);
    assert.equal((await get('/admin/moderation?post=abc', cookie)).statusCode, 400);
  });

  test('bans: from a comment with an expiry, by hand, listed while in force, and lifted', async () => {
    const id = await insertComment({ email: 'troll@example.net', ip: '203.0.113.200' });
    const res = await act(id, 'ban', { kind: 'ip', days: '2', reason: 'Trolling' });
    assert.equal(res.statusCode, 303);
    const ban = await db()
      .selectFrom('bans')
      .selectAll()
      .where('value', '=', '203.0.113.200')
      .executeTakeFirstOrThrow();
    assert.equal(ban.kind, 'ip');
    assert.equal(ban.reason, 'Trolling');
    assert.equal(new Date(ban.expires_at!).getTime(), t.clock.now().getTime() + 2 * 86_400_000);

    const added = await post('/admin/bans', cookie, { csrf, kind: 'email', value: 'Spammer@Example.net', days: '' });
    assert.equal(added.statusCode, 303);
    assert.equal(added.headers.location, '/admin/bans?notice=ban');
    const list = await get('/admin/bans?notice=ban', cookie);
    assert.equal(list.statusCode, 200);
    const banned = (html: string) => banRows(html).map((cells) => cells[1]);
    assert.ok(banned(list.body).includes('203.0.113.200'));
    assert.equal(noticeText(list.body), 'Ban added.');
    const forEmail = banRows(list.body).find((cells) => cells[1] === 'spammer@example.net');
    assert.ok(forEmail, 'the email ban is listed, folded to lower case');
    assert.equal(forEmail[4], 'No end');

    t.clock.set(new Date(t.clock.now().getTime() + 3 * 86_400_000));
    try {
      const later = await get('/admin/bans', cookie);
      assert.doesNotMatch(later.body, /203\.0\.113\.200/, 'an expired ban is no longer listed');
      assert.deepEqual(banned(later.body), ['spammer@example.net']);
    } finally {
      t.clock.set(new Date(t.clock.now().getTime() - 3 * 86_400_000));
    }

    const forever = await db()
      .selectFrom('bans')
      .select('id')
      .where('value', '=', 'spammer@example.net')
      .executeTakeFirstOrThrow();
    const lifted = await post(`/admin/bans/${forever.id}/remove`, cookie, { csrf });
    assert.equal(lifted.statusCode, 303);
    assert.equal(await db().selectFrom('bans').select('id').where('id', '=', forever.id).executeTakeFirst(), undefined);
    assert.equal((await post('/admin/bans', cookie, { csrf, kind: 'ip', value: 'not an ip' })).statusCode, 400);
    assert.equal((await post('/admin/bans', cookie, { csrf, kind: 'word', value: 'x', days: '-3' })).statusCode, 400);
  });

  test('CSRF: a missing or wrong token, or another origin, changes nothing', async () => {
    const id = await insertComment();
    const missing = await post(`/admin/moderation/${id}/approve`, cookie, {});
    assert.equal(missing.statusCode, 403);
    assert.match(missing.body, /CSRF_FAILED/);
    const wrong = await post(`/admin/moderation/${id}/approve`, cookie, { csrf: `${csrf.slice(0, -2)}AA` });
    assert.equal(wrong.statusCode, 403);
    const otherSession = await csrfFor(await signIn());
    assert.equal((await post(`/admin/moderation/${id}/approve`, cookie, { csrf: otherSession })).statusCode, 403);
    const crossOrigin = await post(`/admin/moderation/${id}/approve`, cookie, { csrf }, 'https://evil.example');
    assert.equal(crossOrigin.statusCode, 403);
    assert.match(crossOrigin.body, /CSRF_FAILED/);
    const nullOrigin = await post(`/admin/moderation/${id}/approve`, cookie, { csrf }, 'null');
    assert.equal(nullOrigin.statusCode, 403);
    const bulk = await post('/admin/moderation/bulk', cookie, { action: 'approve', ids: [String(id)] });
    assert.equal(bulk.statusCode, 403);
    assert.equal((await post('/admin/bans', cookie, { kind: 'word', value: 'csrf' })).statusCode, 403);
    assert.equal(await statusOf(id), 'held');
    const sameHost = await t.app.inject({
      method: 'POST',
      url: `/admin/moderation/${id}/approve`,
      headers: { 'content-type': FORM, cookie, origin: 'http://admin.example:8080', host: 'admin.example:8080' },
      payload: encode({ csrf }),
    });
    assert.equal(sameHost.statusCode, 303, 'the origin the request was addressed to is accepted');
  });

  test('every admin response is no-store and never enters the page cache', async () => {
    const deps = { db: db(), clock: t.clock, baseUrl: TEST_BASE_URL };
    const link = (await createSignInLink(deps, author.id)).url.slice(TEST_BASE_URL.length);
    const id = await insertComment();
    const responses = [
      await get('/admin/sign-in'),
      await get('/admin/moderation'),
      await get(link),
      await get('/admin/welcome?token=nonsense'),
      await get('/admin/moderation', cookie),
      await get('/admin/moderation?status=spam', cookie),
      await get('/admin/moderation?status=trash', cookie),
      await get('/admin/bans', cookie),
      await get('/admin/no-such-page', cookie),
      await act(id, 'approve'),
      await post('/admin/moderation/bulk', cookie, { action: 'approve' }),
    ];
    for (const res of responses) assert.equal(res.headers['cache-control'], 'no-store', res.body.slice(0, 200));
    const anonymous = await get('/admin/sign-in');
    assert.equal(anonymous.headers.etag, undefined, 'no cache entry was made');
  });
});

describe('annalist user add', () => {
  test('creates a user and prints a one-time sign-in link, never a password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'annalist-cli-user-'));
    const database = await newTestDatabase();
    try {
      const cli = new URL('../../bin/annalist.js', import.meta.url).pathname;
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [cli, ...args, '--data-dir', dir], {
          encoding: 'utf8',
          env: { ...process.env, ...database.env, ANNALIST_BASE_URL: 'https://history.example' },
        });
      const ok = run('user', 'add', '--role', 'moderator', '--email', 'cli@example.org', '--name', 'Cleo Cli');
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /Added Cleo Cli <cli@example\.org> as moderator\./);
      assert.match(ok.stdout, /^https:\/\/history\.example\/admin\/welcome\?token=[\w.-]+$/m);
      const twice = run('user', 'add', '--role', 'moderator', '--email', 'CLI@example.org', '--name', 'Again');
      assert.equal(twice.status, 1);
      assert.equal(twice.stderr, 'annalist: There is already a user with the email cli@example.org.\n');
      const missing = run('user', 'add', '--email', 'x@example.org');
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /needs --role, --email and --name/);
      const help = spawnSync(process.execPath, [cli, 'help'], { encoding: 'utf8' });
      assert.match(help.stdout, /user add/);
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
