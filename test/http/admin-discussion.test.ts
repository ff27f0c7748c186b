import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Element } from 'hast';
import { toString as rawText } from 'hast-util-to-string';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import type { User } from '../../src/modules/accounts/accounts.types.ts';
import { DEFAULT_MODERATION, type ModerationSettings } from '../../src/modules/moderation/moderation.types.ts';
import { getModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { type Article, createArticle, createComment } from '../support/factories.ts';
import { injectFormToken } from '../support/form-token.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { signInThroughForm } from '../support/staff-client.ts';

const PASSWORD = 'correct horse battery staple';
const FORM = 'application/x-www-form-urlencoded';

let t: TestSite;
let editor: User;
let moderator: User;
/** This file's own articles (test/support/factories.ts): one three days old with a discussion, one of today. */
let article: Article;
let other: Article;
let articleId: number;
let otherArticleId: number;
/** A reply two levels deep in `article`'s discussion, and the comment it answers. */
let deep: { id: number; parentId: number; parentName: string };

before(async () => {
  t = await startTestSite();
  const deps = { db: t.site.content.db, clock: t.clock };
  editor = await createUser(deps, { email: 'editor@example.org', name: 'Edda Editor', role: 'editor' });
  await setPassword(deps, { userId: editor.id, password: PASSWORD });
  moderator = await createUser(deps, { email: 'moderator@example.org', name: 'Mira Moderator', role: 'moderator' });
  await setPassword(deps, { userId: moderator.id, password: PASSWORD });
  const threeDaysAgo = new Date(t.clock.now().getTime() - 3 * 86_400_000).toISOString();
  article = await createArticle(t, { title: 'The Battle of the Khalkha', publishedAt: threeDaysAgo });
  other = await createArticle(t);
  articleId = article.id;
  otherArticleId = other.id;
  const root = await createComment(t, article, { name: 'Rada Root' });
  const reply = await createComment(t, article, { name: 'Remy Reply', parent: root });
  deep = { id: (await createComment(t, article, { parent: reply })).id, parentId: reply.id, parentName: 'Remy Reply' };
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
  return (await signInThroughForm(t.app, { email: user.email, password: PASSWORD })).cookie;
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

/** What a reader sees of an article's discussion: its comment forms and the paragraph saying it is closed. */
async function readerView(a: Article) {
  const page = parsePage((await get(a.url)).body);
  return { forms: page.all('form', 'Leave a comment').length, closed: page.all('paragraph', CLOSED).length };
}

/** A settings page's notice (the status region's text). */
const noticeText = (page: Page) => page.text(page.get('status'));

/** An article's row of the settings page's table: its cells, and what its state cell says and hints. */
function articleRow(page: Page, id: number) {
  const row = page.byId(`article-${id}`);
  const cells = row.children.filter((c): c is Element => c.type === 'element' && c.tagName === 'td');
  const stateCell = cells[2]!;
  const state = stateCell.children
    .filter((c) => c.type === 'text')
    .map((c) => (c.type === 'text' ? c.value : ''))
    .join('')
    .trim();
  const hint = stateCell.children.find((c): c is Element => c.type === 'element');
  return { row: page.within(row), cells, state, hint: hint ? page.text(hint) : '' };
}

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
    const page = parsePage(res.body);
    assert.equal(page.get('heading', 'Discussion settings').tagName, 'h1');
    const here = page.get('link', 'Discussion Settings');
    assert.equal(page.attr(here, 'href'), '/admin/discussion');
    assert.equal(page.attr(here, 'ariaCurrent'), 'page');
    for (const key of Object.keys(DEFAULT_MODERATION)) {
      const control = page.byId(`discussion-${key}`);
      const labelled = [...page.all('textbox', /\S/), ...page.all('checkbox', /\S/)];
      assert.ok(labelled.includes(control), `${key} has a label`);
      const hint = page.text(page.byId(`discussion-${key}-hint`));
      assert.ok(hint, `${key} has a hint`);
      assert.equal(page.description(control), hint, `${key} is described by its hint`);
    }
    const words = page.byId('discussion-moderationWords');
    assert.equal(words.tagName, 'textarea');
    assert.equal(page.attr(words, 'name'), 'moderationWords');
    const closeAfter = page.byId('discussion-closeAfterDays');
    assert.equal(page.attr(closeAfter, 'name'), 'closeAfterDays');
    assert.equal(page.attr(closeAfter, 'type'), 'text');
    assert.equal(page.attr(closeAfter, 'inputMode'), 'numeric');
    assert.equal(page.attr(closeAfter, 'value'), '0');
    assert.match(page.description(closeAfter), / From 0 to 36,500\.$/);
    const hold = page.byId('discussion-holdFirstComment');
    assert.equal(page.attr(hold, 'name'), 'holdFirstComment');
    assert.equal(page.attr(hold, 'value'), '1');
    assert.equal(hold.properties.checked, true);
    const count = (
      await db().selectFrom('posts').select('comment_count').where('id', '=', articleId).executeTakeFirstOrThrow()
    ).comment_count;
    assert.equal(count, 3, 'the article has its three comments');
    const { row, cells, state } = articleRow(page, articleId);
    assert.equal(page.attr(row.get('link', article.title), 'href'), article.url);
    assert.equal(page.text(cells[1]!), String(count));
    assert.equal(state, 'Open');
    row.get('button', `Close comments on ${article.title}`);
    const switchForm = cells[3]!.children.find((c): c is Element => c.type === 'element' && c.tagName === 'form');
    assert.equal(page.attr(switchForm!, 'action'), `/admin/discussion/articles/${articleId}/close`);
    const pages = page.all('row').filter((tr) => /^article-\d+$/.test(page.attr(tr, 'id'))).length;
    const articles = await db().selectFrom('posts').select('id').where('type', '=', 'post').execute();
    assert.equal(pages, articles.length, 'every article, and no static page, is listed');
  });

  test('closing after one day closes a three-day-old article for readers: no form, and a comment is refused', async () => {
    assert.deepEqual(await readerView(article), { forms: 1, closed: 0 }, 'open before (and now in the page cache)');
    const res = await post('/admin/discussion', cookie, settingsForm(csrf, { closeAfterDays: '1' }));
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/admin/discussion?notice=saved');
    assert.equal((await getModerationSettings({ db: db() })).closeAfterDays, 1);
    assert.deepEqual(JSON.parse((await storedSettings())!), { closeAfterDays: 1 }, 'untouched settings not pinned');

    assert.deepEqual(await readerView(article), { forms: 0, closed: 1 });
    assert.deepEqual(await readerView(other), { forms: 1, closed: 0 }, 'a day-old article stays open');
    const refused = await readerPosts(article.slug, 'A comment that arrives long after the article was published.');
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /closed/i);
    const stored = await db().selectFrom('comments').select('id').where('author_email', '=', 'rhoda@example.net');
    assert.equal((await stored.execute()).length, 0, 'nothing was stored');

    const page = parsePage((await get(res.headers.location as string, cookie)).body);
    assert.equal(noticeText(page), 'Discussion settings saved.');
    assert.equal(page.attr(page.byId('discussion-closeAfterDays'), 'value'), '1');
    const { state, hint } = articleRow(page, articleId);
    assert.deepEqual([state, hint], ['Closed', 'Over 1 day old']);
  });

  test('two levels of nesting: deeper replies stop nesting and say whom they answer', async () => {
    const open = async () => parsePage((await get(article.url)).body);
    /** The "In reply to …" lines of a page, or of one comment. */
    const inReplyTo = (page: Page) => page.all('paragraph', /^In reply to /);

    const before = await open();
    assert.equal(inReplyTo(before.within(before.byId(`comment-${deep.id}`))).length, 0, 'nested at the default depth');
    const res = await post('/admin/discussion', cookie, settingsForm(csrf, { displayDepth: '2' }));
    assert.equal(res.statusCode, 303, res.body);
    const after = await open();
    const entry = after.within(after.byId(`comment-${deep.id}`));
    const line = entry.get('paragraph', `In reply to ${deep.parentName}`);
    const link = after.within(line).get('link', deep.parentName);
    assert.equal(after.attr(link, 'href'), `${article.url}#comment-${deep.parentId}`);
    assert.ok(inReplyTo(after).length > inReplyTo(before).length);
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
    const page = parsePage((await get('/admin/discussion', cookie)).body);
    const box = page.byId('discussion-moderationWords');
    assert.equal(
      box.children.map((c) => (c.type === 'text' ? c.value : '')).join(''),
      'zhukov\nkwantung army\nmanchukuo',
    );
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
    const page = parsePage(res.body);
    const alert = page.within(page.get('alert'));
    alert.get('paragraph', 'Some settings need a correction; nothing was saved.');
    const summary = alert.get('link', 'Enter a whole number from 100 to 50,000.');
    assert.equal(page.attr(summary, 'href'), '#discussion-maxLength');
    /** The control labelled `label`, checked to be the setting `key`'s. */
    const control = (key: string, label: string) => {
      const el = page.field(label);
      assert.equal(page.attr(el, 'id'), `discussion-${key}`, label);
      return el;
    };
    /** Its field's wrapper: styled as an error or not (CSS only, so no role says it: read from the markup). */
    const styledAsError = (key: string) =>
      new RegExp(`<div class="field field--error"><label for="discussion-${key}">`).test(res.body);
    for (const [key, label, message, typed] of [
      ['minLength', 'Shortest comment (characters)', 'Enter a whole number from 1 to 100.', '0'],
      ['maxLength', 'Longest comment (characters)', 'Enter a whole number from 100 to 50,000.', 'lots'],
      ['displayDepth', 'Levels of nested replies', 'Enter a whole number from 1 to 10.', '11'],
      ['floodSeconds', 'Seconds between comments from one person', 'Enter a whole number from 0 to 3,600.', '2.5'],
      ['closeAfterDays', 'Close comments after (days)', 'Enter a whole number from 0 to 36,500.', '36501'],
      ['reportThreshold', 'Reports that hold a published comment', 'Enter a whole number from 1 to 100.', ''],
    ] as const) {
      const el = control(key, label);
      assert.ok(styledAsError(key), key);
      assert.equal(page.attr(el, 'ariaDescribedBy'), `discussion-${key}-hint discussion-${key}-error`, key);
      const hint = page.text(page.byId(`discussion-${key}-hint`));
      assert.equal(page.description(el), `${hint} ${message}`, `${key} is described by its hint, then its error`);
      assert.equal(page.attr(el, 'ariaInvalid'), 'true', key);
      assert.equal(page.attr(el, 'value'), typed, `${key} keeps what was typed`);
    }
    const words = control('moderationWords', 'Words and phrases that hold a comment');
    assert.match(page.description(words), /at most 100 characters/);
    assert.equal(page.attr(words, 'ariaInvalid'), 'true');
    assert.equal(rawText(words), `fine\n${'x'.repeat(101)}`, 'the typed lines are kept');
    const links = control('maxLinks', 'Most links in a comment');
    assert.ok(!styledAsError('maxLinks'), 'a valid field has no error');
    assert.equal(page.attr(links, 'ariaInvalid'), '');
    assert.equal(page.attr(links, 'ariaDescribedBy'), 'discussion-maxLinks-hint');
    assert.equal(page.attr(links, 'value'), '9', 'and keeps what was typed too');
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
    assert.deepEqual(await readerView(article), { forms: 0, closed: 1 });
    assert.deepEqual(await readerView(other), { forms: 1, closed: 0 }, 'other articles stay open');
    const otherRow = db().selectFrom('posts').select('comments_open').where('id', '=', otherArticleId);
    assert.equal((await otherRow.executeTakeFirstOrThrow()).comments_open, 1);
    assert.equal((await readerPosts(article.slug, 'Sent to an article closed by hand.')).statusCode, 422);
    const page = parsePage((await get('/admin/discussion?notice=closed', cookie)).body);
    assert.equal(noticeText(page), 'Comments are closed on the article.');
    const { row, cells, state, hint } = articleRow(page, articleId);
    assert.deepEqual([state, hint], ['Closed', '']);
    const switchForm = cells[3]!.children.find((c): c is Element => c.type === 'element' && c.tagName === 'form');
    assert.equal(page.attr(switchForm!, 'action'), `/admin/discussion/articles/${articleId}/open`);
    row.get('button', `Open comments on ${article.title}`);

    const open = await post(`/admin/discussion/articles/${articleId}/open`, cookie, { csrf });
    assert.equal(open.statusCode, 303);
    assert.equal(open.headers.location, '/admin/discussion?notice=opened#articles');
    assert.deepEqual(await readerView(article), { forms: 1, closed: 0 });
    const again = await post(`/admin/discussion/articles/${articleId}/open`, cookie, { csrf });
    assert.equal(again.statusCode, 303, 'opening an open article is harmless');
  });

  test('unknown articles and static pages have no comment switch', async () => {
    assert.equal((await post('/admin/discussion/articles/999999/close', cookie, { csrf })).statusCode, 404);
    assert.equal((await post('/admin/discussion/articles/abc/close', cookie, { csrf })).statusCode, 404);
    assert.equal((await post(`/admin/discussion/articles/${articleId}/toggle`, cookie, { csrf })).statusCode, 404);
    const about = await createArticle(t, { type: 'page', title: 'About This Test Site' });
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
