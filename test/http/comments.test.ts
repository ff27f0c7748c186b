import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { recountPostComments } from '../../src/modules/comments/comment.repository.ts';
import { findCommentView } from '../../src/modules/comments/comment-thread.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { moderateComment } from '../../src/modules/moderation/queue.service.ts';
import { buildApp } from '../../src/web/app.ts';
import type { WebDeps } from '../../src/web/kit/web-deps.ts';
import { shownUnder } from '../support/comment-threads.ts';
import { type Article, createArticle, createComment, createUser } from '../support/factories.ts';
import { injectFormToken } from '../support/form-token.ts';
import { parsePage } from '../support/page.ts';
import { startTestSite, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

/**
 * Comments as readers post them, on articles each test makes for itself (test/support/factories.ts), so what a
 * test reads is what it wrote: nothing here leans on the demo's discussion.
 */

let t: TestSite;
const ORIGIN = 'http://annalist.test';

before(async () => {
  t = await startTestSite();
});
after(() => t.close());

/** A reader's browser on one article: keeps the cookies the site sets (form token, returning-commenter proof). */
class Reader {
  private jar = new Map<string, string>();
  constructor(
    readonly article: Article,
    readonly ip = '203.0.113.7',
  ) {}

  get cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async open(url = this.article.url) {
    const res = await t.app.inject({
      method: 'GET',
      url,
      headers: this.cookie ? { cookie: this.cookie } : {},
      remoteAddress: this.ip,
    });
    this.keep(res.headers['set-cookie']);
    return res;
  }

  async post(fields: Record<string, string>, opts: { url?: string; origin?: string | null; cookie?: string } = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (opts.origin !== null) headers.origin = opts.origin ?? ORIGIN;
    const cookie = opts.cookie ?? this.cookie;
    if (cookie) headers.cookie = cookie;
    const res = await t.app.inject({
      method: 'POST',
      url: opts.url ?? `${this.article.url}comments`,
      headers,
      payload: new URLSearchParams(fields).toString(),
      remoteAddress: this.ip,
    });
    this.keep(res.headers['set-cookie']);
    return res;
  }

  /** Starts writing in the comment form: the island asks for a form token then (POST /form-token, decision 035). */
  async startWriting() {
    const res = await t.app.inject({
      method: 'POST',
      url: '/form-token',
      headers: { origin: ORIGIN, ...(this.cookie ? { cookie: this.cookie } : {}) },
      remoteAddress: this.ip,
    });
    assert.equal(res.statusCode, 204, res.body);
    this.keep(res.headers['set-cookie']);
    return res;
  }

  /** Posts a comment through the JSON API, as the comment island does (same origin, the browser's cookies). */
  async api(fields: Record<string, unknown>, opts: { cookie?: string } = {}) {
    const cookie = opts.cookie ?? this.cookie;
    const res = await t.app.inject({
      method: 'POST',
      url: apiComments(this.article),
      headers: { origin: ORIGIN, 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      payload: JSON.stringify(fields),
      remoteAddress: this.ip,
    });
    this.keep(res.headers['set-cookie']);
    return res;
  }

  private keep(setCookie: string | string[] | undefined) {
    for (const header of [setCookie ?? []].flat()) {
      const pair = header.split(';')[0]!;
      const eq = pair.indexOf('=');
      if (eq > 0) this.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
}

/** The JSON API's address for an article's comments. */
const apiComments = (article: Article) => `/api/v1/posts/${article.slug}/comments`;

/** Where a comment held for moderation sends its writer back to. */
const heldNotice = (article: Article) => `${article.url}?posted=held#respond-message`;

const comment = (over: Record<string, string> = {}) => ({
  name: 'Dorota Nowak',
  email: 'dorota@example.net',
  url: '',
  body: 'The encirclement closed faster than the Kwantung Army believed possible.',
  ...over,
});

/** A second app on the same site, with web options the shared one does not have. */
async function appWith(options: Pick<WebDeps, 'trustProxy' | 'commentPostsPerMinute'>) {
  const app = buildApp({
    content: t.site.content,
    contentVersion: t.site.storage.contentVersion,
    changes: t.site.changes,
    baseUrl: ORIGIN,
    mediaDir: t.site.mediaDir,
    logger: false,
    ...options,
  });
  await app.ready();
  return app;
}

/** Lets the clock run on so the too-fast and flood checks see a person's pace. */
const later = (seconds: number) => t.clock.set(new Date(t.clock.now().getTime() + seconds * 1000));

/** The newest comment written under an address. */
const newestFrom = (email: string) =>
  t.site.content.db
    .selectFrom('comments')
    .selectAll()
    .where('author_email', '=', email)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();

const reasonCodes = (row: { reasons_json: string }) =>
  (JSON.parse(row.reasons_json) as { code: string }[]).map((r) => r.code);

/** The text of the page's one alert (a refused form's message), for checks of what the writer is told. */
const alertText = (html: string) => {
  const page = parsePage(html);
  return page.text(page.get('alert'));
};

/** The text of the page's main landmark: what an error or thank-you page says. */
const mainText = (html: string) => {
  const page = parsePage(html);
  return page.text(page.get('main'));
};

const staff = staffClient(() => t);
let moderatorPerson: Person | undefined;
/** A signed-in moderator (made on first use). */
const moderator = async () => {
  moderatorPerson ??= await staff.person('moderator', 'Mira');
  return moderatorPerson;
};

/** A moderator approves a held comment from the queue, as the Approve button does. */
async function approve(commentId: number) {
  const res = await staff.send(`/admin/moderation/${commentId}/approve`, await moderator(), { back: '' });
  assert.equal(res.statusCode, 303, res.body.slice(0, 300));
  assert.equal(
    (
      await t.site.content.db
        .selectFrom('comments')
        .select('status')
        .where('id', '=', commentId)
        .executeTakeFirstOrThrow()
    ).status,
    'approved',
  );
}

/**
 * A reader's abusive comment on `article`, held for moderation (PROFANITY), as the pipeline holds one: the
 * comment a page or feed must not show.
 */
async function heldAbuse(article: Article, ip: string) {
  const writer = { name: 'Vic Rude', email: `rude.${ip}@example.net` };
  const reader = new Reader(article, ip);
  await reader.startWriting();
  later(10);
  const res = await reader.post(comment({ ...writer, body: 'What a load of shite, the author knows nothing.' }));
  assert.equal(res.headers.location, heldNotice(article));
  const row = await newestFrom(writer.email);
  assert.equal(row.status, 'held');
  assert.ok(reasonCodes(row).includes('PROFANITY'), row.reasons_json);
  return writer;
}

beforeEach(async () => {
  await saveModerationSettings(t.site.content, { holdFirstComment: true, floodSeconds: 15, minFormSeconds: 3 });
  later(60);
});

describe('posting without JavaScript', () => {
  test('the article shows its discussion with threads, quote-replies and @name links', async () => {
    const article = await createArticle(t);
    const opening = { name: 'Agnieszka Wolny', body: 'The river crossing was the hinge of the whole battle.' };
    const first = await createComment(t, article, opening);
    const quoting = await createComment(t, article, {
      name: 'Bruno Salvi',
      parent: first,
      quote: 'the hinge of the whole battle',
      body: 'Only if the pontoon bridges held.',
    });
    await createComment(t, article, { name: 'Chen Yu', parent: quoting, body: '@Agnieszka Wolny is right about it.' });
    const abuser = await heldAbuse(article, '203.0.113.31');
    const html = (await new Reader(article).open()).body;
    const page = parsePage(html);
    page.get('heading', '3 comments');
    assert.equal(
      shownUnder(html, 'Only if the pontoon bridges held.'),
      opening.body,
      'the reply nests under its parent',
    );
    const quote = page.within(page.get('article', 'Bruno Salvi')).get('blockquote');
    assert.equal(page.attr(quote, 'cite'), `#comment-${first.id}`);
    assert.deepEqual(
      page
        .within(quote)
        .all('paragraph')
        .map((p) => page.text(p)),
      ['the hinge of the whole battle', '— Agnieszka Wolny'],
    );
    assert.equal(page.attr(page.within(quote).get('link', 'Agnieszka Wolny'), 'href'), `#comment-${first.id}`);
    const mention = page.within(page.get('article', 'Chen Yu')).get('link', '@Agnieszka Wolny');
    assert.equal(page.attr(mention, 'href'), `#comment-${first.id}`);
    assert.match(page.attr(mention, 'className'), /\bmention\b/);
    assert.equal(page.all('article', abuser.name).length, 0, 'the abusive comment is held, not shown');
    assert.doesNotMatch(html, /shite/i, 'nothing of it is shown');
  });

  test('a first comment from a new address is held, and the writer is told so', async () => {
    const article = await createArticle(t);
    const reader = new Reader(article);
    await reader.startWriting();
    later(10);
    const res = await reader.post(
      comment({ email: 'newcomer@example.net', body: 'Where did the Soviet pontoon bridges come from?' }),
    );
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, heldNotice(article));
    const notice = await reader.open(res.headers.location as string);
    parsePage(notice.body).get('status', /awaiting moderation/);
    assert.doesNotMatch(notice.body, /pontoon bridges/, 'not shown before a moderator approves it');
    const row = await t.site.content.db
      .selectFrom('comments')
      .selectAll()
      .where('author_email', '=', 'newcomer@example.net')
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'held');
    assert.match(row.reasons_json, /FIRST_COMMENT/);
  });

  test('a returning commenter, whose comment from this browser a moderator approved, posts straight through; the answer is a 303 to the new comment, shown at once', async () => {
    const article = await createArticle(t);
    const reader = new Reader(article, '203.0.113.8');
    await reader.startWriting();
    later(10);
    const writer = { name: 'Margit Kovács', email: 'margit@example.net' };
    const first = await reader.post(comment({ ...writer, body: 'Were the Soviet tank crews volunteers?' }));
    assert.equal(first.headers.location, heldNotice(article));
    // The browser is handed its signed proof with the comment, out of reach of page scripts.
    assert.match(
      [first.headers['set-cookie'] ?? []].flat().join('\n'),
      /^annalist_commenter=[\w-]+\.[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/m,
    );
    await approve((await newestFrom(writer.email)).id);
    later(30);
    const res = await reader.post(
      comment({ ...writer, body: 'Coming back to add: the *Ha-Go* tanks were outclassed.' }),
    );
    assert.equal(res.statusCode, 303);
    const location = res.headers.location as string;
    assert.match(location, new RegExp(`^${article.url}(\\?cpage=\\d+)?#comment-\\d+$`));
    const id = location.split('#comment-')[1];
    const page = parsePage((await reader.open(location.split('#')[0])).body);
    const shown = page.all('article', writer.name).find((a) => page.attr(a, 'id') === `comment-${id}`);
    assert.ok(shown, `comment ${id} is on the page under ${writer.name}`);
    assert.match(page.text(shown), /the Ha-Go tanks were outclassed/);
    page.within(shown).get('emphasis', 'Ha-Go');
    const home = parsePage((await reader.open('/')).body);
    const count = home.get('link', `2 comments on ${article.title}`);
    assert.equal(home.attr(count, 'href'), `${article.url}#comments`);
  });

  test('a reply nests under its parent, and a quote-reply quotes only words that are in the parent', async () => {
    // A site that holds no stranger's comment, so the reply appears at once.
    await saveModerationSettings(t.site.content, { holdFirstComment: false });
    const article = await createArticle(t);
    const said = {
      name: 'Pieter Claes',
      body: 'The *Japanese* infantry fought on long after the encirclement closed.',
    };
    const parent = await createComment(t, article, said);
    const reader = new Reader(article, '203.0.113.9');
    const form = parsePage((await reader.open(`${article.url}?replyto=${parent.id}&quote=1`)).body);
    form.get('heading', `Reply to ${said.name}`);
    assert.equal(form.attr(form.field('Quoted passage'), 'name'), 'quote');
    await reader.startWriting();
    later(10);
    const words = said.body
      .split(/\s+/)
      .slice(0, 5)
      .join(' ')
      .replace(/[*_`[\]]/g, '');
    const ok = await reader.post(
      comment({
        parent_id: String(parent.id),
        quote: words,
        body: 'Answering that point.',
      }),
    );
    assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
    const replyId = (ok.headers.location as string).split('#comment-')[1];
    const row = await t.site.content.db
      .selectFrom('comments')
      .selectAll()
      .where('id', '=', Number(replyId))
      .executeTakeFirstOrThrow();
    assert.equal(row.parent_id, parent.id);
    assert.equal(row.depth, 1);
    assert.equal(row.quoted_comment_id, parent.id);
    later(20);
    const forged = await reader.post(
      comment({
        parent_id: String(parent.id),
        quote: 'Words the parent never wrote',
        body: 'Forged quote.',
      }),
    );
    assert.equal(forged.statusCode, 400);
    const refused = parsePage(forged.body);
    assert.match(
      refused.description(refused.field('Quoted passage')),
      /Quote only words that are in the comment you are replying to/,
    );
    assert.equal(refused.text(refused.field('Comment')), 'Forged quote.', 'the text is kept');
  });

  test('a permalink to a comment on another comments page leads there', async () => {
    await saveModerationSettings(t.site.content, {});
    const article = await createArticle(t);
    const all = [];
    for (let i = 0; i < 3; i++) all.push(await createComment(t, article));
    const page1 = parsePage((await new Reader(article).open()).body);
    // 50 threads per page: these fit on one page, so ask for smaller pages through the flat order instead.
    const last = all.at(-1)!.id;
    page1.byId(`comment-${last}`); // every comment on page 1, or a pointer to its page
  });

  test('a new thread after 50 others is sent to comments page 2; a reply to the first thread to page 1', async () => {
    await saveModerationSettings(t.site.content, { holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 });
    const db = t.site.content.db;
    const article = await createArticle(t);
    const firstThread = await createComment(t, article, { body: 'Thread 0.' });
    for (let i = 1; i < 60; i++) {
      later(1);
      await createComment(t, article, { body: `Thread ${i}.` });
    }
    const reader = new Reader(article, '203.0.113.60');
    await reader.startWriting();
    later(5);
    const thread = await reader.post(comment({ email: 'pagefinder@example.net', body: 'A new thread at the end.' }));
    assert.equal(thread.statusCode, 303);
    assert.match(thread.headers.location as string, new RegExp(`^${article.url}\\?cpage=2#comment-\\d+$`));
    later(5);
    const reply = await reader.post(
      comment({
        email: 'pagefinder@example.net',
        body: 'A reply in the first thread.',
        parent_id: String(firstThread.id),
      }),
    );
    assert.equal(reply.statusCode, 303);
    assert.match(reply.headers.location as string, new RegExp(`^${article.url}#comment-\\d+$`));
    // The permalink route sends each to its page, with or without JavaScript.
    const threadId = /#comment-(\d+)$/.exec(thread.headers.location as string)![1];
    const permalink = await t.app.inject({ method: 'GET', url: `/comments/${threadId}` });
    assert.equal(permalink.statusCode, 303);
    assert.equal(permalink.headers.location, `${article.url}?cpage=2#comment-${threadId}`);
    // With JavaScript off, an old link to #comment-N on page 1 lands on a line that points to its page.
    const page1 = parsePage((await new Reader(article).open()).body);
    const pointer = page1.byId(`comment-${threadId}`);
    assert.equal(page1.text(pointer), 'That comment is on comments page 2.');
    assert.equal(
      page1.attr(page1.within(pointer).get('link', 'comments page 2'), 'href'),
      `${article.url}?cpage=2#comment-${threadId}`,
    );
    const first = await t.app.inject({ method: 'GET', url: `/comments/${firstThread.id}` });
    assert.equal(first.headers.location, `${article.url}#comment-${firstThread.id}`);
    assert.equal((await t.app.inject({ method: 'GET', url: '/comments/99999999' })).statusCode, 404);
    const counts = await db
      .selectFrom('posts')
      .select(['thread_count', 'comment_count'])
      .where('id', '=', article.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(counts, { thread_count: 61, comment_count: 62 });
    await recountPostComments(db, article.id);
    const recounted = await db
      .selectFrom('posts')
      .select(['thread_count', 'comment_count'])
      .where('id', '=', article.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(counts, recounted, 'the counters kept step with the comments');
  });
});

describe('an approved commenter’s identity cannot be borrowed', () => {
  test('her name and email from a browser that has not proved them are held IDENTITY_NOT_CONFIRMED, and moderators see why', async () => {
    const article = await createArticle(t);
    const regular = { name: 'Halina Brzeska', email: 'halina.brzeska@example.org' };
    const hers = await createComment(t, article, { ...regular, body: 'I have walked the ground at Nomonhan twice.' });
    const stranger = new Reader(article, '203.0.113.20');
    await stranger.startWriting();
    later(20); // past the flood check: her comment was just now
    // A home-made proof naming her approved comment is not signed by the site, so it proves nothing either.
    const homeMade = `annalist_commenter=${Buffer.from(`${t.clock.now().getTime()}|${hers.id}|`).toString('base64url')}.${'A'.repeat(32)}`;
    const res = await stranger.post(
      comment({ ...regular, body: 'My new book is out: [read it here](https://books.example/brzeska).' }),
      { cookie: `${stranger.cookie}; ${homeMade}` },
    );
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, heldNotice(article));
    const row = await newestFrom(regular.email);
    assert.equal(row.status, 'held');
    assert.deepEqual(reasonCodes(row), ['IDENTITY_NOT_CONFIRMED']);
    assert.doesNotMatch((await stranger.open()).body, /books\.example/, 'nothing appears under her name');
    const queue = await staff.get('/admin/moderation?reason=IDENTITY_NOT_CONFIRMED', await moderator());
    assert.equal(queue.statusCode, 200);
    const page = parsePage(queue.body);
    const item = page.within(page.get('article', `${regular.name} on ${article.title}`));
    const reason = item.get('listitem', 'Identity not confirmed (known email or name)');
    assert.match(page.attr(reason, 'title'), /^This email address belongs to an approved commenter, but the browser/);
    assert.equal(page.attr(item.get('link', 'read it here'), 'href'), 'https://books.example/brzeska');
  });

  test('a proven regular signing with another regular’s name is held, and approving that comment proves nothing', async () => {
    const article = await createArticle(t);
    await createComment(t, article, { name: 'Oskar Lindqvist', email: 'oskar.lindqvist@example.org' });
    const reader = new Reader(article, '203.0.113.23');
    await reader.startWriting();
    later(10);
    const own = { name: 'Tomasz Wrona', email: 'tomasz@example.net' };
    await reader.post(comment({ ...own, body: 'Which maps did the Soviet staff use at Bain-Tsagan?' }));
    await approve((await newestFrom(own.email)).id);
    later(30);
    // His own address and a browser that proves it, but the other regular's name: held, so nothing appears as his.
    const borrowed = await reader.post(comment({ ...own, name: 'oskar LINDQVIST', body: 'I take it all back.' }));
    assert.equal(borrowed.headers.location, heldNotice(article));
    const row = await newestFrom(own.email);
    assert.equal(row.status, 'held');
    assert.deepEqual(reasonCodes(row), ['IDENTITY_NOT_CONFIRMED']);
    // A moderator lets that text through; the browser gains nothing from it.
    await approve(row.id);
    later(30);
    // His own name still passes straight through from his browser.
    const again = await reader.post(comment({ ...own, body: 'Back under my own name, with a map reference.' }));
    assert.match(String(again.headers.location), /#comment-\d+$/);
  });

  test('opening the confirmation link mailed to the address proves that browser, and only that one', async () => {
    const article = await createArticle(t);
    const writer = { name: 'Inês Duarte', email: 'ines@example.net' };
    const laptop = new Reader(article, '203.0.113.21');
    await laptop.startWriting();
    later(10);
    await laptop.post({
      ...comment({ ...writer, body: 'Which archive holds the Japanese after-action reports?' }),
      notify: '1',
    });
    await approve((await newestFrom(writer.email)).id);
    // Later, on her phone: the address alone is not enough...
    const phone = new Reader(article, '203.0.113.22');
    await phone.startWriting();
    later(30);
    const unproven = await phone.post(comment({ ...writer, body: 'Found them: the Boeicho archive in Tokyo.' }));
    assert.equal(unproven.headers.location, heldNotice(article));
    assert.deepEqual(reasonCodes(await newestFrom(writer.email)), ['IDENTITY_NOT_CONFIRMED']);
    // ...but once the link from her mailbox is opened on the phone, the phone is hers.
    const mail = await t.site.content.db
      .selectFrom('outbox')
      .select('text_body')
      .where('to_address', '=', writer.email)
      .where('subject', 'like', 'Confirm%')
      .executeTakeFirstOrThrow();
    const link = /\/comments\/confirm\?token=\S+/.exec(mail.text_body)![0];
    assert.equal((await phone.open(link)).statusCode, 200);
    later(30);
    const proven = await phone.post(comment({ ...writer, body: 'And the Soviet side is in RGVA, fond 32113.' }));
    assert.match(proven.headers.location as string, /#comment-\d+$/);
    assert.equal((await newestFrom(writer.email)).status, 'approved');
    // A third browser that never opened the link still waits for a moderator.
    const other = new Reader(article, '203.0.113.23');
    await other.startWriting();
    later(30);
    const borrowed = await other.post(comment({ ...writer, body: 'Someone else typing her address.' }));
    assert.equal(borrowed.headers.location, heldNotice(article));
  });
});

describe('bad input gets a clear answer and nothing is stored', () => {
  const count = async () =>
    Number(
      (
        await t.site.content.db
          .selectFrom('comments')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('empty, over-long and malformed fields are named, with the writer’s text kept', async () => {
    const reader = new Reader(await createArticle(t), '198.51.100.1');
    await reader.startWriting();
    later(10);
    const before = await count();
    const body = 'x'.repeat(20_000);
    const res = await reader.post({ name: '', email: 'not-an-email', url: 'javascript:alert(1)', body });
    assert.equal(res.statusCode, 400);
    const page = parsePage(res.body);
    for (const [label, error] of [
      ['Name', /^Give a name/],
      ['Email (never shown)', /^That is not an email address/],
      ['Website (optional)', /^A website must be an http/],
      ['Comment', /A comment can be at most/],
    ] as const) {
      const field = page.field(label);
      assert.match(page.description(field), error, label);
      assert.equal(page.attr(field, 'ariaInvalid'), 'true', label);
    }
    assert.equal(page.text(page.field('Comment')), body, 'the text is kept');
    assert.equal(await count(), before);
  });

  test('a post from another site is refused; one without a valid form token waits on the confirm page', async () => {
    const reader = new Reader(await createArticle(t), '198.51.100.2');
    await reader.startWriting();
    later(10);
    const before = await count();
    const crossSite = await reader.post(comment(), { origin: 'https://evil.example' });
    assert.equal(crossSite.statusCode, 403);
    assert.match(mainText(crossSite.body), /sent from another site/);
    for (const cookie of ['', 'annalist_form=forged.token']) {
      const res = await reader.post(comment(), { cookie });
      assert.equal(res.statusCode, 200, cookie);
      parsePage(res.body).get('region', 'Confirm your comment');
    }
    assert.equal(await count(), before, 'nothing is stored before the writer confirms');
  });

  test('a replayed form token is refused the second time', async () => {
    const reader = new Reader(await createArticle(t), '198.51.100.3');
    await reader.startWriting();
    const token = reader.cookie;
    later(10);
    const first = await reader.post(comment({ email: 'replay@example.net', body: 'First sending of this comment.' }), {
      cookie: token,
    });
    assert.equal(first.statusCode, 303);
    later(30);
    const again = await reader.post(
      comment({ email: 'replay@example.net', body: 'Second sending with the same token.' }),
      { cookie: token },
    );
    assert.equal(again.statusCode, 409);
    assert.match(alertText(again.body), /already sent once/);
  });

  test('a reply to a comment on another article, or to a comment no longer shown, is refused', async () => {
    const article = await createArticle(t);
    const elsewhere = await createArticle(t);
    const approved = await createComment(t, article);
    const reader = new Reader(article, '198.51.100.4');
    await reader.startWriting();
    later(10);
    const first = await reader.post(comment({ email: 'held.parent@example.net', body: 'A first comment, held.' }));
    assert.equal(first.headers.location, heldNotice(article));
    const held = await newestFrom('held.parent@example.net');
    assert.equal(held.status, 'held');
    later(20);
    const res = await reader.post(comment({ parent_id: String(held.id), body: 'Replying to a held comment.' }));
    assert.equal(res.statusCode, 400);
    assert.match(alertText(res.body), /not on this article any more/);
    later(20);
    const wrong = await reader.post(
      comment({ parent_id: String(approved.id), body: 'Reply posted to the wrong article.' }),
      { url: `${elsewhere.url}comments` },
    );
    assert.equal(wrong.statusCode, 400);
    assert.match(alertText(wrong.body), /not on this article/);
  });

  test('the same comment sent again (from the same email, or the same address) is refused as a duplicate', async () => {
    await saveModerationSettings(t.site.content, { holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 });
    const article = await createArticle(t);
    const text = 'The Soviet armour crossed at night, which the Japanese patrols did not expect.';
    const count = async () =>
      Number(
        (
          await t.site.content.db
            .selectFrom('comments')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('body_md', '=', text)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const first = new Reader(article, '203.0.113.71');
    await first.startWriting();
    later(5);
    assert.equal((await first.post(comment({ email: 'twice@example.net', body: text }))).statusCode, 303);
    later(5);
    const again = await first.post(comment({ email: 'twice@example.net', body: text }));
    assert.equal(again.statusCode, 422);
    assert.match(alertText(again.body), /already posted this comment/);
    // Another email from the same address, and the same email from another address: both duplicates.
    later(5);
    const sameIp = await first.post(comment({ email: 'other@example.net', body: text }));
    assert.match(alertText(sameIp.body), /already posted this comment/);
    const elsewhere = new Reader(article, '203.0.113.72');
    await elsewhere.startWriting();
    later(5);
    assert.match(
      alertText((await elsewhere.post(comment({ email: 'twice@example.net', body: text }))).body),
      /already posted/,
    );
    // A text that only starts the same way is not a duplicate.
    later(5);
    assert.equal(
      (await elsewhere.post(comment({ email: 'twice@example.net', body: `${text} Coox says so.` }))).statusCode,
      303,
    );
    assert.equal(await count(), 1);
  });

  test('a comment built to make the Markdown parser slow is refused with a reason, quickly', async () => {
    const reader = new Reader(await createArticle(t), '203.0.113.73');
    await reader.startWriting();
    later(5);
    const started = Date.now();
    const res = await reader.post(comment({ email: 'marks@example.net', body: '*a_'.repeat(1500) }));
    assert.equal(res.statusCode, 400);
    const page = parsePage(res.body);
    assert.match(page.description(page.field('Comment')), /emphasis marks/);
    assert.ok(Date.now() - started < 1000, `answered in ${Date.now() - started} ms`);
  });

  test('posting too fast after opening the page is treated as a robot’s', async () => {
    const reader = new Reader(await createArticle(t), '198.51.100.5');
    await reader.startWriting();
    const res = await reader.post(
      comment({ email: 'quick@example.net', body: 'Posted the same second the page opened.' }),
    );
    assert.equal(res.statusCode, 303, 'a robot is not told');
    const row = await t.site.content.db
      .selectFrom('comments')
      .selectAll()
      .where('author_email', '=', 'quick@example.net')
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'spam');
    assert.match(row.reasons_json, /TOO_FAST/);
  });

  test('comments on a closed article are refused with the reason', async () => {
    const closed = await createArticle(t, { commentsOpen: false });
    const reader = new Reader(closed, '198.51.100.6');
    const page = parsePage((await reader.open()).body);
    page.get('paragraph', 'Comments are closed on this article.');
    assert.equal(page.all('form', 'Leave a comment').length, 0, 'no comment form');
    await reader.startWriting();
    later(10);
    const res = await reader.post(comment());
    assert.equal(res.statusCode, 422);
    assert.match(mainText(res.body), /closed/i);
  });
});

describe('reports, feeds and the API', () => {
  test('enough readers reporting a comment hold it for review', async () => {
    await saveModerationSettings(t.site.content, { reportThreshold: 2 });
    const article = await createArticle(t);
    const target = await createComment(t, article, { name: 'Rudolf Marsh' });
    for (const ip of ['192.0.2.10', '192.0.2.11']) {
      const reader = new Reader(article, ip);
      // The report form is a page of its own, never cached: it brings the form token.
      const page = await reader.open(`/comments/${target.id}/report`);
      parsePage(page.body).get('group', 'What is wrong with it?');
      assert.equal(page.headers['cache-control'], 'no-store');
      const res = await reader.post({ reason: 'abuse', note: 'Rude.' }, { url: `/comments/${target.id}/report` });
      assert.equal(res.statusCode, 200);
      assert.match(mainText(res.body), /Thank you/);
    }
    const row = await t.site.content.db
      .selectFrom('comments')
      .selectAll()
      .where('id', '=', target.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'held');
    assert.match(row.reasons_json, /REPORTED/);
    const after = parsePage((await new Reader(article).open()).body);
    assert.equal(after.all('article', 'Rudolf Marsh').length, 0, 'no longer shown');
  });

  test('comment feeds for the site and for the article list approved comments only', async () => {
    const article = await createArticle(t);
    const approved = { name: 'Felix Amsel', body: 'A comment the feeds carry.' };
    await createComment(t, article, approved);
    await heldAbuse(article, '192.0.2.12');
    for (const url of ['/comments/feed/', `${article.url}comments/feed/`]) {
      const res = await t.app.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.match(res.headers['content-type'] as string, /rss\+xml/);
      assert.match(res.body, /<item>/);
      assert.ok(res.body.includes(approved.body), `${url} carries the approved comment`);
      assert.doesNotMatch(res.body, /shite/i);
    }
  });

  test('the JSON API lists comments and creates them through the same checks, with the cookies the page set', async () => {
    const article = await createArticle(t);
    for (let i = 0; i < 11; i++) await createComment(t, article);
    const list = await t.app.inject(apiComments(article));
    assert.equal(list.statusCode, 200);
    assert.equal(list.json().comments.length, 11);
    const bad = await t.app.inject({
      method: 'POST',
      url: apiComments(article),
      payload: { name: 'A', email: 'nope', body: '' },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'COMMENT_INVALID');
    assert.ok(bad.json().error.fields.email);
    const reader = new Reader(article, '192.0.2.50');
    await reader.startWriting();
    later(30);
    const ok = await reader.api({ name: 'API Reader', email: 'api@example.net', body: 'Posted through the API.' });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().comment.status, 'held');
    const row = await newestFrom('api@example.net');
    assert.equal(row.status, 'held');
    assert.deepEqual(reasonCodes(row), ['FIRST_COMMENT']);
  });

  test('an approved API post answers with the comment as the discussion shows it, which the island puts in place', async () => {
    const article = await createArticle(t);
    const parent = await createComment(t, article, { name: 'Parent <Writer>', body: 'The river crossing came first.' });
    const writer = { name: '<b>Ada</b> & Co', email: 'in-place@example.net' };
    const reader = new Reader(article, '192.0.2.56');
    await reader.startWriting();
    later(10);
    const first = await reader.api({ ...writer, body: 'First, waiting for a moderator.' });
    assert.equal(first.json().comment.html, null, 'a held comment is not shown to everyone, so no markup');
    await approve(first.json().comment.id);
    later(30);
    const res = await reader.api({
      ...writer,
      body: 'The bridge was *pontoon*, not stone. <script>alert(1)</script>',
      parent_id: parent.id,
    });
    assert.equal(res.statusCode, 201, res.body);
    const answer = res.json().comment;
    assert.equal(answer.status, 'approved');
    assert.equal(answer.parent_id, parent.id);
    // Whom it answers, named and linked: the island may show it apart from the comment answered.
    const inReplyTo = `<p class="comment__in-reply-to">In reply to <a href="${article.url}#comment-${parent.id}">Parent &lt;Writer&gt;</a></p>`;
    assert.ok(answer.html.includes(inReplyTo), answer.html);
    // Otherwise exactly the markup the article page gives the same comment (nested there, so without that line).
    const onPage = (await reader.open()).body;
    const shown = new RegExp(`<article [^>]*id="comment-${answer.id}"[\\s\\S]*?</article>`).exec(onPage)?.[0];
    assert.ok(shown, 'the comment is on the article page');
    assert.equal(answer.html.replace(inReplyTo, ''), shown);
    assert.equal(shownUnder(onPage, 'The bridge was'), 'The river crossing came first.');
    // Named by its writer as typed, as text; the body is the sanitised comment.
    assert.ok(parsePage(answer.html).get('article', '<b>Ada</b> & Co'));
    assert.ok(!answer.html.includes('<script') && !answer.html.includes('<b>'), answer.html);
    assert.match(answer.html, /<em>pontoon<\/em>/);
  });

  test('the comment shown in place is only ever an approved comment of the article, naming only an approved parent', async () => {
    const article = await createArticle(t);
    const parent = await createComment(t, article, { name: 'Later Trashed' });
    const reply = await createComment(t, article, { name: 'Replier', parent });
    const view = (commentId: number, postId = article.id) =>
      findCommentView(t.site.content, { postId, commentId, parentId: parent.id });
    assert.equal((await view(reply.id))?.inReplyTo?.authorName, 'Later Trashed');
    assert.equal(await view(reply.id, (await createArticle(t)).id), undefined, 'not under another article');
    const deps = { ...t.site.content, baseUrl: ORIGIN };
    await moderateComment(deps, { commentId: parent.id, action: 'trash', moderatorId: 0 });
    const shown = await view(reply.id);
    assert.equal(shown?.authorName, 'Replier');
    assert.equal(shown?.inReplyTo, null, 'a parent taken down is not named');
    await moderateComment(deps, { commentId: reply.id, action: 'spam', moderatorId: 0 });
    assert.equal(await view(reply.id), undefined, 'a comment taken down is not shown');
  });

  test('an API post without the form cookie is answered like any other but filed as spam TOO_FAST, as a form sent back at once', async () => {
    const article = await createArticle(t);
    later(30);
    const bare = await t.app.inject({
      method: 'POST',
      url: apiComments(article),
      payload: { name: 'Script', email: 'script@example.net', body: 'Posted by a script that never opened the page.' },
      remoteAddress: '192.0.2.51',
    });
    assert.equal(bare.statusCode, 201, bare.body);
    assert.equal(bare.json().comment.status, 'held', 'a robot is not told');
    const row = await newestFrom('script@example.net');
    assert.equal(row.status, 'spam');
    assert.deepEqual(reasonCodes(row), ['TOO_FAST']);
    // The same as a form token used the moment it was issued.
    const quick = new Reader(article, '192.0.2.52');
    await quick.startWriting();
    const fast = await quick.api({
      name: 'Quick',
      email: 'quick-api@example.net',
      body: 'Sent the instant the page opened.',
    });
    assert.equal(fast.json().comment.status, 'held');
    assert.deepEqual(reasonCodes(await newestFrom('quick-api@example.net')), ['TOO_FAST']);
  });

  test('the comment island’s API reads and renews the same returning-commenter cookie as the form', async () => {
    const article = await createArticle(t);
    const writer = { name: 'Island Reader', email: 'island@example.net' };
    const reader = new Reader(article, '192.0.2.53');
    await reader.startWriting();
    later(10);
    const first = await reader.api({ ...writer, body: 'First, through the island.' });
    assert.equal(first.json().comment.status, 'held');
    await approve(first.json().comment.id);
    later(30);
    const again = await reader.api({ ...writer, body: 'Second, straight through.' });
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.json().comment.status, 'approved');
    // Without the cookie, the same name and email wait for a moderator.
    const other = new Reader(article, '192.0.2.54');
    await other.startWriting();
    later(30);
    const borrowed = await other.api({ ...writer, body: 'Third, from another browser.' });
    assert.equal(borrowed.json().comment.status, 'held');
    assert.deepEqual(reasonCodes(await newestFrom(writer.email)), ['IDENTITY_NOT_CONFIRMED']);
  });
});

describe('signed-in users', () => {
  test('comment under their account without typing a name or email, and skip the checks meant for strangers', async () => {
    const { signIn } = await import('../../src/modules/accounts/accounts.service.ts');
    const { SignInThrottle } = await import('../../src/modules/accounts/sign-in-throttle.ts');
    const password = 'a long and careful passphrase';
    const user = await createUser(t, 'editor', { name: 'Elena Markova (editor)', password });
    const { token } = await signIn(
      { ...t.site.content, throttle: new SignInThrottle() },
      { email: user.email, password, ip: '192.0.2.99' },
    );
    const article = await createArticle(t);
    const reader = new Reader(article, '192.0.2.99');
    await reader.startWriting();
    const session = `annalist_session=${token}`;
    const html = (await t.app.inject({ url: article.url, headers: { cookie: `${reader.cookie}; ${session}` } })).body;
    const page = parsePage(html);
    const who = page.get('paragraph', 'Commenting as Elena Markova (editor).');
    page.within(who).get('strong', 'Elena Markova (editor)');
    assert.equal(page.all('textbox', 'Email (never shown)').length, 0, 'no email to type');
    const res = await reader.post(
      { body: 'Thank you all: the May date is now corrected.' },
      { cookie: `${reader.cookie}; ${session}` },
    );
    assert.equal(res.statusCode, 303, res.body.slice(0, 400));
    const row = await t.site.content.db
      .selectFrom('comments')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.author_name, 'Elena Markova (editor)');
    assert.equal(row.status, 'approved', 'a first comment from a signed-in user is not held');
  });
});

describe('behind a reverse proxy', () => {
  test('with ANNALIST_TRUST_PROXY the reader’s own address (X-Forwarded-For) is the one limited and recorded', async () => {
    const article = await createArticle(t);
    const app = await appWith({ trustProxy: 'loopback' });
    const cookie = await injectFormToken(app, { remoteAddress: '127.0.0.1', origin: ORIGIN });
    later(10);
    const res = await app.inject({
      method: 'POST',
      url: `${article.url}comments`,
      remoteAddress: '127.0.0.1',
      headers: {
        cookie,
        origin: ORIGIN,
        'x-forwarded-for': '198.51.100.77',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(
        comment({ email: 'proxied@example.net', body: 'Sent through the proxy in front.' }),
      ).toString(),
    });
    assert.equal(res.statusCode, 303);
    const row = await t.site.content.db
      .selectFrom('comments')
      .select('ip')
      .where('author_email', '=', 'proxied@example.net')
      .executeTakeFirstOrThrow();
    assert.equal(row.ip, '198.51.100.77');
    await app.close();
  });
});

describe('per-address limit', () => {
  test('an address that posts too often in a minute is told to wait, on the form and the API alike', async () => {
    const article = await createArticle(t);
    const app = await appWith({ commentPostsPerMinute: 2 });
    const statuses: number[] = [];
    // The first token from /form-token, then the fresh one each answer brings, as a browser keeps them.
    let cookie = await injectFormToken(app, { remoteAddress: '198.51.100.200', origin: ORIGIN });
    for (let i = 0; i < 3; i++) {
      later(16); // past the flood check, inside the minute
      const res = await app.inject({
        method: 'POST',
        url: `${article.url}comments`,
        remoteAddress: '198.51.100.200',
        headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(
          comment({ email: `limit${i}@example.net`, body: `Limited comment ${i}.` }),
        ).toString(),
      });
      statuses.push(res.statusCode);
      cookie = String([res.headers['set-cookie']].flat().find((c) => c?.startsWith('annalist_form='))).split(';')[0]!;
      if (i === 2) assert.match(mainText(res.body), /Wait a little/);
    }
    assert.deepEqual(statuses, [303, 303, 429]);
    const api = await app.inject({
      method: 'POST',
      url: apiComments(article),
      remoteAddress: '198.51.100.200',
      payload: { name: 'Api', email: 'limit-api@example.net', body: 'Over the limit through the API.' },
    });
    assert.equal(api.statusCode, 429);
    assert.equal(api.json().error.code, 'RATE_LIMITED');
    await app.close();
  });
});

describe('check before posting', () => {
  test('says why a comment would be held, keeps the text and stores nothing', async () => {
    const article = await createArticle(t);
    const reader = new Reader(article, '198.51.100.31');
    await reader.startWriting();
    later(10);
    const count = async () =>
      Number(
        (
          await t.site.content.db
            .selectFrom('comments')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const body =
      'Sources: [one](https://example.org/1), [two](https://example.org/2) and [three](https://example.org/3).';
    const res = await reader.post({ ...comment({ email: 'checker@example.net', body }), intent: 'check' });
    assert.equal(res.statusCode, 200);
    const page = parsePage(res.body);
    const warning = page.get('status', /may be held for a moderator to read first, because/);
    assert.match(page.text(warning), /link/i);
    assert.equal(page.text(page.field('Comment')), body, 'the text is kept in the form');
    assert.equal(await count(), before, 'nothing stored');
    const preview = await t.app.inject({
      method: 'POST',
      url: `${apiComments(article)}/preview`,
      payload: { name: 'Checker', email: 'checker@example.net', body },
      remoteAddress: '198.51.100.31',
    });
    assert.equal(preview.statusCode, 200);
    const codes = preview.json().warnings.map((w: { code: string }) => w.code);
    assert.ok(codes.includes('TOO_MANY_LINKS'), codes.join(','));
    assert.ok(codes.includes('FIRST_COMMENT'), codes.join(','));
    assert.ok(!codes.includes('TOO_FAST') && !codes.includes('HONEYPOT'), 'robot traps stay hidden');
  });
});
