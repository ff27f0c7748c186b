import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import type { User } from '../../src/modules/accounts/accounts.types.ts';
import { DEFAULT_MODERATION, type ModerationSettings } from '../../src/modules/moderation/moderation.types.ts';
import { getModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { injectFormToken } from '../support/form-token.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

const ARTICLE = 'khalkhin-gol-1939';
const OTHER_ARTICLE = 'tsushima-1905';
const PASSWORD = 'correct horse battery staple';
const FORM = 'application/x-www-form-urlencoded';

let t: TestSite;
let editor: User;
let moderator: User;
let articleId: number;
let otherArticleId: number;
let nextIp = 1;
/** Each sign-in comes from its own address, so no test meets another's sign-in throttle. */
const freshIp = () => `192.0.2.${nextIp++}`;

before(async () => {
  t = await startTestSite();
  const deps = { db: t.site.content.db, clock: t.clock };
  editor = await createUser(deps, { email: 'editor@example.org', name: 'Edda Editor', role: 'editor' });
  await setPassword(deps, { userId: editor.id, password: PASSWORD });
  moderator = await createUser(deps, { email: 'moderator@example.org', name: 'Mira Moderator', role: 'moderator' });
  await setPassword(deps, { userId: moderator.id, password: PASSWORD });
  const idOf = async (slug: string) =>
    (await t.site.content.db.selectFrom('posts').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
  articleId = await idOf(ARTICLE);
  otherArticleId = await idOf(OTHER_ARTICLE);
});
after(() => t.close());

const db = () => t.site.content.db;

// Every test starts from the shipped settings with every article open.
beforeEach(async () => {
  await db().deleteFrom('settings').where('key', '=', 'moderation').execute();
  await db().updateTable('posts').set({ comments_open: 1 }).execute();
  t.site.content.noteWrite();
});

const encode = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

function post(url: string, cookie: string, fields: Record<string, string>, origin: string | null = TEST_BASE_URL) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': FORM, cookie, ...(origin ? { origin } : {}) },
    payload: encode(fields),
  });
}

async function signIn(user: User): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    remoteAddress: freshIp(),
    headers: { 'content-type': FORM, origin: TEST_BASE_URL },
    payload: encode({ email: user.email, password: PASSWORD }),
  });
  assert.equal(res.statusCode, 303, res.body);
  const raw = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith('annalist_session='));
  assert.ok(raw, 'a session cookie is set');
  return String(raw).split(';')[0]!;
}

async function csrfFrom(url: string, cookie: string): Promise<string> {
  const res = await get(url, cookie);
  assert.equal(res.statusCode, 200, res.body);
  const m = /name="csrf" value="([^"]+)"/.exec(res.body);
  assert.ok(m, 'the page carries a CSRF token');
  return m[1]!;
}

/** The whole settings form, as the page fills it in from DEFAULT_MODERATION, with `changes` typed over it. */
function settingsForm(csrf: string, changes: Record<string, string> = {}): Record<string, string> {
  const fields: Record<string, string> = { csrf };
  for (const [k, v] of Object.entries(DEFAULT_MODERATION)) {
    if (k === 'moderationWords') fields[k] = (v as string[]).join('\n');
    else if (k === 'holdFirstComment') {
      if (v) fields[k] = '1';
    } else fields[k] = String(v);
  }
  return { ...fields, ...changes };
}

const storedSettings = async () =>
  (await db().selectFrom('settings').select('value').where('key', '=', 'moderation').executeTakeFirst())?.value;

/** A reader's browser: a form token when writing starts (POST /form-token), then the comment with it. */
async function readerPosts(slug: string, body: string) {
  const ip = '203.0.113.40';
  const formCookie = await injectFormToken(t.app, { remoteAddress: ip });
  t.clock.set(new Date(t.clock.now().getTime() + 30_000)); // a person's pace: past the too-fast check
  return t.app.inject({
    method: 'POST',
    url: `/${slug}/comments`,
    remoteAddress: ip,
    headers: { 'content-type': FORM, origin: TEST_BASE_URL, cookie: formCookie },
    payload: encode({ name: 'Rhoda Reader', email: 'rhoda@example.net', url: '', body }),
  });
}

const CLOSED = 'Comments are closed on this article.';
const COMMENT_FORM = /<form[^>]+id="respond"/;

describe('the discussion settings page', () => {
  let cookie: string;
  let csrf: string;
  before(async () => {
    cookie = await signIn(editor);
    csrf = await csrfFrom('/admin/discussion', cookie);
  });

  test('an editor sees every setting with a label and a hint, and every article with its comments', async () => {
    const res = await get('/admin/discussion', cookie);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.body, /<h1 class="page-title">Discussion settings<\/h1>/);
    assert.match(
      res.body,
      /<a href="\/admin\/discussion" aria-current="page"><span class="visually-hidden">Discussion <\/span>Settings<\/a>/,
    );
    for (const key of Object.keys(DEFAULT_MODERATION)) {
      assert.match(res.body, new RegExp(`<label for="discussion-${key}">[^<]+</label>`), `${key} has a label`);
      assert.match(res.body, new RegExp(`id="discussion-${key}-hint"`), `${key} has a hint`);
    }
    assert.match(res.body, /<textarea id="discussion-moderationWords" name="moderationWords"/);
    assert.match(res.body, /name="closeAfterDays" type="text" inputmode="numeric"[^>]* value="0"/);
    assert.match(res.body, /id="discussion-closeAfterDays-hint">[^<]+ From 0 to 36,500\.<\/p>/);
    assert.match(res.body, /name="holdFirstComment" value="1" checked/);
    const count = (
      await db().selectFrom('posts').select('comment_count').where('id', '=', articleId).executeTakeFirstOrThrow()
    ).comment_count;
    const row = res.body.slice(res.body.indexOf(`id="article-${articleId}"`)).split('</tr>')[0]!;
    assert.match(row, /<a href="\/khalkhin-gol-1939\/">/);
    assert.match(row, new RegExp(`<td>${count}</td><td>Open</td>`));
    assert.match(row, new RegExp(`action="/admin/discussion/articles/${articleId}/close"`));
    assert.ok(count > 0, 'the demo article has comments');
    const pages = [...res.body.matchAll(/id="article-\d+"/g)].length;
    const articles = await db().selectFrom('posts').select('id').where('type', '=', 'post').execute();
    assert.equal(pages, articles.length, 'every article, and no static page, is listed');
  });

  test('closing after one day closes the 2025 demo article for readers: no form, and a comment is refused', async () => {
    const before = await get(`/${ARTICLE}/`);
    assert.match(before.body, COMMENT_FORM, 'open before the change (and now in the page cache)');
    const res = await post('/admin/discussion', cookie, settingsForm(csrf, { closeAfterDays: '1' }));
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/admin/discussion?notice=saved');
    assert.equal((await getModerationSettings({ db: db() })).closeAfterDays, 1);
    assert.deepEqual(JSON.parse((await storedSettings())!), { closeAfterDays: 1 }, 'untouched settings not pinned');

    const after = await get(`/${ARTICLE}/`);
    assert.match(after.body, new RegExp(CLOSED.replace('.', '\\.')));
    assert.doesNotMatch(after.body, COMMENT_FORM);
    const refused = await readerPosts(ARTICLE, 'A comment that arrives long after the article was published.');
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /closed/i);
    const stored = await db().selectFrom('comments').select('id').where('author_email', '=', 'rhoda@example.net');
    assert.equal((await stored.execute()).length, 0, 'nothing was stored');

    const page = await get(res.headers.location as string, cookie);
    assert.match(page.body, /role="status"><div class="admin-notice"><p>Discussion settings saved\.<\/p>/);
    assert.match(page.body, /name="closeAfterDays"[^>]* value="1"/);
    assert.match(page.body, /<td>Closed<span class="hint">Over 1 day old<\/span><\/td>/);
  });

  test('two levels of nesting: deeper replies stop nesting and say whom they answer', async () => {
    const deep = await db()
      .selectFrom('comments')
      .select(['id', 'parent_id'])
      .where('post_id', '=', articleId)
      .where('status', '=', 'approved')
      .where('depth', '=', 2)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const parent = await db()
      .selectFrom('comments')
      .select('author_name')
      .where('id', '=', deep.parent_id!)
      .executeTakeFirstOrThrow();
    const entry = (body: string) => body.slice(body.indexOf(`id="comment-${deep.id}"`)).split('</article>')[0]!;
    const inReplyTo = (body: string) => (body.match(/In reply to <a/g) ?? []).length;

    const before = (await get(`/${ARTICLE}/`)).body;
    assert.doesNotMatch(entry(before), /In reply to/, 'nested at the default depth');
    const res = await post('/admin/discussion', cookie, settingsForm(csrf, { displayDepth: '2' }));
    assert.equal(res.statusCode, 303, res.body);
    const after = (await get(`/${ARTICLE}/`)).body;
    assert.match(entry(after), new RegExp(`In reply to <a href="/${ARTICLE}/#comment-${deep.parent_id}">`));
    assert.match(entry(after), new RegExp(parent.author_name));
    assert.ok(inReplyTo(after) > inReplyTo(before));
  });

  test('watched words are trimmed, folded to lower case and kept once, one per line', async () => {
    const words = '  Zhukov \r\nzhukov\r\n\r\nKWANTUNG   Army\r\n  \r\nmanchukuo';
    const res = await post('/admin/discussion', cookie, settingsForm(csrf, { moderationWords: words }));
    assert.equal(res.statusCode, 303, res.body);
    assert.deepEqual((await getModerationSettings({ db: db() })).moderationWords, [
      'zhukov',
      'kwantung army',
      'manchukuo',
    ]);
    const page = await get('/admin/discussion', cookie);
    assert.match(page.body, />zhukov\nkwantung army\nmanchukuo<\/textarea>/);
    const cleared = await post('/admin/discussion', cookie, settingsForm(csrf, { holdFirstComment: '' }));
    assert.equal(cleared.statusCode, 303);
    const now = await getModerationSettings({ db: db() });
    assert.deepEqual(now.moderationWords, [], 'an empty box clears the list');
    assert.equal(now.holdFirstComment, false, 'an unticked box is no');
  });

  test('bad values get a message beside each field, keep what was typed, and change nothing', async () => {
    await post('/admin/discussion', cookie, settingsForm(csrf, { maxLinks: '7' }));
    const saved = await storedSettings();
    const settingsBefore = await getModerationSettings({ db: db() });
    const res = await post(
      '/admin/discussion',
      cookie,
      settingsForm(csrf, {
        minLength: '0',
        maxLength: 'lots',
        displayDepth: '11',
        floodSeconds: '2.5',
        closeAfterDays: '36501',
        reportThreshold: '',
        moderationWords: `fine\n${'x'.repeat(101)}`,
        maxLinks: '9',
      }),
    );
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.body, /role="alert"><p>Some settings need a correction; nothing was saved\.<\/p>/);
    const field = (key: string) => {
      const start = res.body.indexOf(`<label for="discussion-${key}">`);
      return res.body.slice(res.body.lastIndexOf('<div class="field', start), res.body.indexOf('</div>', start));
    };
    for (const [key, message, typed] of [
      ['minLength', 'Enter a whole number from 1 to 100.', '0'],
      ['maxLength', 'Enter a whole number from 100 to 50,000.', 'lots'],
      ['displayDepth', 'Enter a whole number from 1 to 10.', '11'],
      ['floodSeconds', 'Enter a whole number from 0 to 3,600.', '2.5'],
      ['closeAfterDays', 'Enter a whole number from 0 to 36,500.', '36501'],
      ['reportThreshold', 'Enter a whole number from 1 to 100.', ''],
    ] as const) {
      const html = field(key);
      assert.match(html, /^<div class="field field--error">/, key);
      assert.match(html, new RegExp(`<p class="field__error" id="discussion-${key}-error">${message}</p>`), key);
      assert.match(html, new RegExp(`aria-describedby="discussion-${key}-hint discussion-${key}-error"`), key);
      assert.match(html, /aria-invalid="true"/, key);
      const kept = typed === '' ? /value(="")?[ />]/ : new RegExp(`value="${typed.replace('.', '\\.')}"`);
      assert.match(html, kept, `${key} keeps what was typed`);
    }
    assert.match(field('moderationWords'), /at most 100 characters/);
    assert.match(field('moderationWords'), new RegExp(`>fine\n${'x'.repeat(101)}</textarea>`));
    assert.match(field('maxLinks'), /^<div class="field">/, 'a valid field has no error');
    assert.match(field('maxLinks'), /value="9"/, 'and keeps what was typed too');
    assert.match(res.body, /<a href="#discussion-maxLength">Enter a whole number from 100 to 50,000\.<\/a>/);
    assert.equal(await storedSettings(), saved, 'nothing was saved, not even the valid change');
    assert.deepEqual(await getModerationSettings({ db: db() }), settingsBefore);
  });

  test('the limits are inclusive', async () => {
    const edges: Partial<Record<keyof ModerationSettings, [number, number]>> = {
      minLength: [1, 100],
      maxLength: [100, 50_000],
      maxNameLength: [20, 200],
      floodSeconds: [0, 3600],
      minFormSeconds: [0, 120],
      maxLinks: [0, 50],
      closeAfterDays: [0, 36_500],
      displayDepth: [1, 10],
      reportThreshold: [1, 100],
    };
    for (const [key, [min, max]] of Object.entries(edges)) {
      for (const ok of [min, max])
        assert.equal(
          (await post('/admin/discussion', cookie, settingsForm(csrf, { [key]: String(ok) }))).statusCode,
          303,
          `${key} = ${ok}`,
        );
      for (const bad of [min - 1, max + 1])
        assert.equal(
          (await post('/admin/discussion', cookie, settingsForm(csrf, { [key]: String(bad) }))).statusCode,
          400,
          `${key} = ${bad}`,
        );
    }
    const many = Array.from({ length: 501 }, (_, i) => `word${i}`).join('\n');
    const tooMany = await post('/admin/discussion', cookie, settingsForm(csrf, { moderationWords: many }));
    assert.equal(tooMany.statusCode, 400);
    assert.match(tooMany.body, /Enter at most 500 words or phrases; there are 501\./);
    const longest = Array.from({ length: 500 }, (_, i) => `${String(i).padStart(3, '0')}${'ж'.repeat(97)}`);
    const full = await post('/admin/discussion', cookie, settingsForm(csrf, { moderationWords: longest.join('\n') }));
    assert.equal(full.statusCode, 303, '500 phrases of 100 non-Latin characters fit in one form');
    assert.equal((await getModerationSettings({ db: db() })).moderationWords.length, 500);
  });

  test('closing one article hides its comment form, and opening it brings the form back', async () => {
    const close = await post(`/admin/discussion/articles/${articleId}/close`, cookie, { csrf });
    assert.equal(close.statusCode, 303);
    assert.equal(close.headers.location, '/admin/discussion?notice=closed#articles');
    const closed = await get(`/${ARTICLE}/`);
    assert.match(closed.body, new RegExp(CLOSED.replace('.', '\\.')));
    assert.doesNotMatch(closed.body, COMMENT_FORM);
    assert.match((await get(`/${OTHER_ARTICLE}/`)).body, COMMENT_FORM, 'other articles stay open');
    const other = await db().selectFrom('posts').select('comments_open').where('id', '=', otherArticleId);
    assert.equal((await other.executeTakeFirstOrThrow()).comments_open, 1);
    assert.equal((await readerPosts(ARTICLE, 'Sent to an article closed by hand.')).statusCode, 422);
    const page = await get('/admin/discussion?notice=closed', cookie);
    assert.match(page.body, /Comments are closed on the article\./);
    const row = page.body.slice(page.body.indexOf(`id="article-${articleId}"`)).split('</tr>')[0]!;
    assert.match(row, /<td>Closed<\/td>/);
    assert.match(row, new RegExp(`action="/admin/discussion/articles/${articleId}/open"`));
    assert.match(row, /Open comments<span class="visually-hidden"> on Khalkhin-Gol/);

    const open = await post(`/admin/discussion/articles/${articleId}/open`, cookie, { csrf });
    assert.equal(open.statusCode, 303);
    assert.equal(open.headers.location, '/admin/discussion?notice=opened#articles');
    const reopened = await get(`/${ARTICLE}/`);
    assert.match(reopened.body, COMMENT_FORM);
    assert.doesNotMatch(reopened.body, new RegExp(CLOSED.replace('.', '\\.')));
    const again = await post(`/admin/discussion/articles/${articleId}/open`, cookie, { csrf });
    assert.equal(again.statusCode, 303, 'opening an open article is harmless');
  });

  test('unknown articles and static pages have no comment switch', async () => {
    assert.equal((await post('/admin/discussion/articles/999999/close', cookie, { csrf })).statusCode, 404);
    assert.equal((await post('/admin/discussion/articles/abc/close', cookie, { csrf })).statusCode, 404);
    assert.equal((await post(`/admin/discussion/articles/${articleId}/toggle`, cookie, { csrf })).statusCode, 404);
    const about = await db().selectFrom('posts').select('id').where('slug', '=', 'about').executeTakeFirstOrThrow();
    assert.equal((await post(`/admin/discussion/articles/${about.id}/close`, cookie, { csrf })).statusCode, 404);
  });
});

describe('who may change the rules', () => {
  test('without a session the page redirects to sign-in, and a POST changes nothing', async () => {
    const page = await get('/admin/discussion');
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, `/admin/sign-in?next=${encodeURIComponent('/admin/discussion')}`);
    const res = await post(`/admin/discussion/articles/${articleId}/close`, 'annalist_session=forged', { csrf: 'x' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/sign-in');
    assert.equal(await storedSettings(), undefined);
  });

  test('a moderator works the queue but gets 403 here, and sees no link to it', async () => {
    const cookie = await signIn(moderator);
    const queue = await get('/admin/moderation', cookie);
    assert.equal(queue.statusCode, 200);
    assert.doesNotMatch(queue.body, /\/admin\/discussion/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(queue.body)![1]!;
    const page = await get('/admin/discussion', cookie);
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /FORBIDDEN/);
    assert.equal(page.headers['cache-control'], 'no-store');
    const save = await post('/admin/discussion', cookie, settingsForm(csrf, { closeAfterDays: '1' }));
    assert.equal(save.statusCode, 403);
    const close = await post(`/admin/discussion/articles/${articleId}/close`, cookie, { csrf });
    assert.equal(close.statusCode, 403);
    assert.equal(await storedSettings(), undefined);
    const row = await db().selectFrom('posts').select('comments_open').where('id', '=', articleId).executeTakeFirst();
    assert.equal(row?.comments_open, 1);
  });

  test('a missing or wrong CSRF token, or another origin, is refused with 403 and changes nothing', async () => {
    const cookie = await signIn(editor);
    const csrf = await csrfFrom('/admin/discussion', cookie);
    const { csrf: _, ...withoutCsrf } = settingsForm(csrf, { closeAfterDays: '1' });
    const missing = await post('/admin/discussion', cookie, withoutCsrf);
    assert.equal(missing.statusCode, 403);
    assert.match(missing.body, /CSRF_FAILED/);
    assert.equal(missing.headers['cache-control'], 'no-store');
    const wrong = await post('/admin/discussion', cookie, settingsForm(`${csrf.slice(0, -2)}AA`));
    assert.equal(wrong.statusCode, 403);
    const crossOrigin = await post('/admin/discussion', cookie, settingsForm(csrf), 'https://evil.example');
    assert.equal(crossOrigin.statusCode, 403);
    assert.match(crossOrigin.body, /CSRF_FAILED/);
    assert.equal((await post(`/admin/discussion/articles/${articleId}/close`, cookie, {})).statusCode, 403);
    assert.equal(
      (await post(`/admin/discussion/articles/${articleId}/close`, cookie, { csrf }, 'https://evil.example'))
        .statusCode,
      403,
    );
    assert.equal(await storedSettings(), undefined);
    const row = await db().selectFrom('posts').select('comments_open').where('id', '=', articleId).executeTakeFirst();
    assert.equal(row?.comments_open, 1);
  });

  test('owners and admins may change the rules too; authors may not', async () => {
    const deps = { db: db(), clock: t.clock };
    for (const [role, status] of [
      ['owner', 200],
      ['admin', 200],
      ['author', 403],
    ] as const) {
      const user = await createUser(deps, { email: `${role}@example.org`, name: `A ${role}`, role });
      await setPassword(deps, { userId: user.id, password: PASSWORD });
      assert.equal((await get('/admin/discussion', await signIn(user))).statusCode, status, role);
    }
  });

  test('every response is no-store and none enters the page cache', async () => {
    const cookie = await signIn(editor);
    const csrf = await csrfFrom('/admin/discussion', cookie);
    const responses = [
      await get('/admin/discussion', cookie),
      await get('/admin/discussion?notice=saved', cookie),
      await post('/admin/discussion', cookie, settingsForm(csrf)),
      await post('/admin/discussion', cookie, settingsForm(csrf, { minLength: 'x' })),
      await post(`/admin/discussion/articles/${articleId}/close`, cookie, { csrf }),
      await post(`/admin/discussion/articles/${articleId}/open`, cookie, { csrf }),
    ];
    for (const res of responses) {
      assert.equal(res.headers['cache-control'], 'no-store', res.body.slice(0, 200));
      assert.equal(res.headers.etag, undefined);
    }
    assert.doesNotMatch((await get('/admin/discussion?notice=<b>x</b>', cookie)).body, /<b>x<\/b>/);
  });
});
