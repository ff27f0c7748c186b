import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSmtpMailer } from '../../src/modules/mail/mailer.ts';
import { type OutboxWorker, queueMail, startOutboxWorker } from '../../src/modules/mail/outbox.ts';
import {
  type NotificationDeps,
  onCommentApproved,
  onCommentHeld,
  requestEmailConfirmation,
} from '../../src/modules/notifications/notifications.service.ts';
import type { CommentStatus, Db } from '../../src/storage/schema.ts';
import { createArticle } from '../support/factories.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { TestSmtp } from '../support/smtp.ts';

const linkIn = (text: string, path: string) => {
  const m = new RegExp(`${TEST_BASE_URL}${path}\\?token=\\S+`).exec(text);
  assert.ok(m, `no ${path} link in:\n${text}`);
  return m[0];
};
const local = (url: string) => url.slice(TEST_BASE_URL.length);

let t: TestSite;
let smtp: TestSmtp;
let worker: OutboxWorker;
let db: Db;
let postId: number;
let deps: NotificationDeps;
let n = 0;

before(async () => {
  t = await startTestSite({ demo: false });
  db = t.site.content.db;
  smtp = new TestSmtp();
  await smtp.start();
  const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'Annalist <noreply@annalist.test>' });
  worker = startOutboxWorker({ db, mailer, clock: t.clock, log: { error: () => {} }, intervalMs: 3_600_000 });
  postId = (await createArticle(t, { title: 'Boots for the river crossing' })).id;
  deps = { db, clock: t.clock, baseUrl: TEST_BASE_URL, noteWrite: t.site.content.noteWrite };
});
after(async () => {
  await worker.stop();
  await smtp.stop();
  await t.close();
});

/** A fresh address per call, so tests never see each other's mail. */
const address = (who: string) => `${who}.${++n}@readers.test`;

async function addComment(c: {
  email: string;
  name: string;
  parentId?: number;
  status?: CommentStatus;
  body?: string;
  reasons?: { phase: string; code: string; message: string }[];
}): Promise<number> {
  const now = t.clock.now().toISOString();
  const status = c.status ?? 'approved';
  const body = c.body ?? `A comment by ${c.name}.`;
  const row = await db
    .insertInto('comments')
    .values({
      post_id: postId,
      parent_id: c.parentId ?? null,
      thread_id: c.parentId ?? null,
      depth: c.parentId ? 1 : 0,
      author_name: c.name,
      author_email: c.email,
      author_url: null,
      user_id: null,
      body_md: body,
      body_html: `<p>${body.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`,
      quoted_comment_id: null,
      status,
      reasons_json: JSON.stringify(c.reasons ?? []),
      created_at: now,
      approved_at: status === 'approved' ? now : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function confirmed(email: string) {
  const now = t.clock.now().toISOString();
  await db
    .insertInto('commenters')
    .values({ email, confirmed_at: now, unsubscribed_at: null, created_at: now })
    .execute();
}

describe('reply notifications', () => {
  test('a reply to a confirmed commenter mails them the reply with links to it, to unsubscribe and to delete their comment', async () => {
    const alice = address('alice');
    await confirmed(alice);
    const parent = await addComment({ email: alice, name: 'Alice Parent' });
    const long = `Coox disagrees on the date & the place. ${'The river crossing is the key. '.repeat(20)}`;
    const reply = await addComment({ email: address('bob'), name: 'Bob Replier', parentId: parent, body: long });
    assert.equal(await onCommentApproved(deps, reply), true);
    await worker.drain();

    const [mail, ...more] = smtp.to(alice);
    assert.ok(mail);
    assert.equal(more.length, 0);
    assert.match(mail.subject, /Bob Replier replied to your comment on “Boots for the river crossing”/);
    assert.match(mail.text, /Hello Alice Parent,/);
    assert.match(mail.text, /> Coox disagrees on the date & the place\. The river crossing/);
    assert.ok(!mail.text.includes(long.trim()), 'only the start of a long reply is quoted');
    assert.ok(mail.text.includes(`${TEST_BASE_URL}/comments/${reply}\n`));
    const unsubscribe = linkIn(mail.text, '/comments/unsubscribe');
    linkIn(mail.text, '/comments/delete');
    assert.equal(mail.headers.get('list-unsubscribe'), `<${unsubscribe}>`);
    assert.equal(mail.headers.get('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    assert.equal(mail.headers.get('from'), 'Annalist <noreply@annalist.test>');

    // A moderator approving the same reply again does not mail it again.
    assert.equal(await onCommentApproved(deps, reply), false);
    await worker.drain();
    assert.equal(smtp.to(alice).length, 1);
  });

  test('nobody is mailed about their own reply, nor about a reply to a comment that is not approved', async () => {
    const carl = address('carl');
    await confirmed(carl);
    const parent = await addComment({ email: carl, name: 'Carl' });
    const own = await addComment({ email: carl.toUpperCase(), name: 'Carl', parentId: parent });
    assert.equal(await onCommentApproved(deps, own), false);
    const trashed = await addComment({ email: carl, name: 'Carl', status: 'trash' });
    assert.equal(
      await onCommentApproved(deps, await addComment({ email: address('x'), name: 'X', parentId: trashed })),
      false,
    );
    await worker.drain();
    assert.equal(smtp.to(carl).length, 0);
  });

  test('an unconfirmed commenter gets no reply mail until they follow the confirmation link (double opt-in)', async () => {
    const dora = address('dora');
    const parent = await addComment({ email: dora, name: 'Dora' });
    assert.equal(
      await onCommentApproved(deps, await addComment({ email: address('e'), name: 'E', parentId: parent })),
      false,
    );

    assert.equal(await requestEmailConfirmation(deps, { email: dora, name: 'Dora' }), 'queued');
    assert.equal(await requestEmailConfirmation(deps, { email: dora, name: 'Dora' }), 'recently-sent');
    await worker.drain();
    const mails = smtp.to(dora);
    assert.equal(mails.length, 1, 'only the confirmation, once');
    const link = linkIn(mails[0]!.text, '/comments/confirm');

    const page = await t.app.inject({ method: 'GET', url: local(link) });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Your address is confirmed; you will get replies to your comments/);
    assert.match(page.body, /<meta name="robots" content="noindex"/);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(await requestEmailConfirmation(deps, { email: dora, name: 'Dora' }), 'already-confirmed');

    const later = await addComment({ email: address('f'), name: 'Fay Later', parentId: parent });
    assert.equal(await onCommentApproved(deps, later), true);
    await worker.drain();
    assert.match(smtp.to(dora)[1]?.subject ?? '', /Fay Later replied/);
  });

  test('a confirmation link older than 7 days, or tampered with, gets a 400 page that says why', async () => {
    const gus = address('gus');
    await requestEmailConfirmation(deps, { email: gus, name: 'Gus' });
    await worker.drain();
    const link = local(linkIn(smtp.to(gus)[0]!.text, '/comments/confirm'));
    const tampered = await t.app.inject({
      method: 'GET',
      url: `${link.slice(0, -1)}${link.endsWith('A') ? 'B' : 'A'}`,
    });
    assert.equal(tampered.statusCode, 400);
    assert.match(tampered.body, /This confirmation link is not valid/);
    const missing = await t.app.inject({ method: 'GET', url: '/comments/confirm' });
    assert.equal(missing.statusCode, 400);

    const issued = t.clock.now();
    t.clock.set(new Date(issued.getTime() + 8 * 24 * 3_600_000));
    try {
      const expired = await t.app.inject({ method: 'GET', url: link });
      assert.equal(expired.statusCode, 400);
      assert.match(expired.body, /expired/);
    } finally {
      t.clock.set(issued);
    }
  });

  test('a held reply never mails the commenter it answers, but mails every active moderator with the reasons', async () => {
    const now = t.clock.now().toISOString();
    const staff = [
      { email: address('owner'), name: 'Owner', role: 'owner' as const, disabled_at: null },
      { email: address('mod'), name: 'Mod', role: 'moderator' as const, disabled_at: null },
      { email: address('writer'), name: 'Writer', role: 'author' as const, disabled_at: null },
      { email: address('gone'), name: 'Gone', role: 'admin' as const, disabled_at: now },
    ];
    await db
      .insertInto('users')
      .values(staff.map((u) => ({ ...u, password_hash: null, created_at: now })))
      .execute();
    const hana = address('hana');
    await confirmed(hana);
    const parent = await addComment({ email: hana, name: 'Hana' });
    const held = await addComment({
      email: address('ivan'),
      name: 'Ivan',
      parentId: parent,
      status: 'held',
      body: 'Buy cheap boots at example.com',
      reasons: [{ phase: 'links', code: 'TOO_MANY_LINKS', message: 'More links than allowed.' }],
    });
    assert.equal(await onCommentApproved(deps, held), false);
    const expected = await db
      .selectFrom('users')
      .select('email')
      .where('role', 'in', ['owner', 'admin', 'editor', 'moderator'])
      .where('disabled_at', 'is', null)
      .execute();
    assert.equal(await onCommentHeld(deps, held), expected.length);
    await worker.drain();

    assert.equal(smtp.to(hana).length, 0);
    for (const who of [staff[0]!, staff[1]!]) {
      const [mail] = smtp.to(who.email);
      assert.ok(mail, `${who.role} is told`);
      assert.match(mail.subject, /A comment on “Boots for the river crossing” is waiting for moderation/);
      assert.match(mail.text, /TOO_MANY_LINKS: More links than allowed\./);
      assert.ok(mail.text.includes(`${TEST_BASE_URL}/admin/moderation`));
    }
    assert.equal(smtp.to(staff[2]!.email).length, 0, 'authors are not moderators');
    assert.equal(smtp.to(staff[3]!.email).length, 0, 'disabled users get nothing');
  });

  test('one-click unsubscribe (RFC 8058 POST, no cookies) answers 200 and stops further reply mail', async () => {
    const jo = address('jo');
    await confirmed(jo);
    const parent = await addComment({ email: jo, name: 'Jo' });
    await onCommentApproved(deps, await addComment({ email: address('k'), name: 'K', parentId: parent }));
    await worker.drain();
    const [mail] = smtp.to(jo);
    assert.ok(mail);
    const url = local(mail.headers.get('list-unsubscribe')!.slice(1, -1));

    const form = await t.app.inject({ method: 'GET', url });
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<form method="post" action="\/comments\/unsubscribe\?token=/);
    assert.ok(form.body.includes(jo));

    const oneClick = await t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    assert.equal(oneClick.statusCode, 200);
    assert.match(oneClick.body, /Reply e-mails stopped/);
    const row = await db.selectFrom('commenters').selectAll().where('email', '=', jo).executeTakeFirstOrThrow();
    assert.ok(row.unsubscribed_at);

    const again = await t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--x--\r\n',
    });
    assert.equal(again.statusCode, 200, 'a second one-click (multipart this time) is harmless');

    assert.equal(
      await onCommentApproved(deps, await addComment({ email: address('l'), name: 'L', parentId: parent })),
      false,
    );
    await worker.drain();
    assert.equal(smtp.to(jo).length, 1);
  });

  test('the delete link trashes the commenter’s own comment and recounts; a tampered link gets a clear 400 page', async () => {
    const kim = address('kim');
    await confirmed(kim);
    const parent = await addComment({ email: kim, name: 'Kim', body: 'Kim wrote this and regrets it.' });
    await onCommentApproved(deps, await addComment({ email: address('m'), name: 'M', parentId: parent }));
    await db.updateTable('posts').set({ comment_count: 999 }).where('id', '=', postId).execute();
    await worker.drain();
    const url = local(linkIn(smtp.to(kim)[0]!.text, '/comments/delete'));

    const tampered = await t.app.inject({ method: 'POST', url: url.replace('token=', 'token=x') });
    assert.equal(tampered.statusCode, 400);
    assert.match(tampered.body, /This delete link is not valid\. Copy the whole link from the e-mail/);

    const confirmPage = await t.app.inject({ method: 'GET', url });
    assert.equal(confirmPage.statusCode, 200);
    assert.match(confirmPage.body, /Kim wrote this and regrets it\./);
    assert.match(confirmPage.body, /<button type="submit">Delete my comment<\/button>/);
    const before = await db.selectFrom('comments').select('status').where('id', '=', parent).executeTakeFirstOrThrow();
    assert.equal(before.status, 'approved', 'showing the page changes nothing');

    const done = await t.app.inject({ method: 'POST', url });
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /Comment deleted/);
    const after = await db.selectFrom('comments').select('status').where('id', '=', parent).executeTakeFirstOrThrow();
    assert.equal(after.status, 'trash');
    const counted = await db
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('post_id', '=', postId)
      .where('status', '=', 'approved')
      .executeTakeFirstOrThrow();
    const post = await db
      .selectFrom('posts')
      .select('comment_count')
      .where('id', '=', postId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(post.comment_count), Number(counted.n));
  });
});

describe('the outbox worker', () => {
  test('retries while the SMTP server is down, records the error, and sends once when it is back', async () => {
    const lee = address('lee');
    await smtp.stop();
    await queueMail(db, t.clock, { to: lee, subject: 'Retry me', text: 'Hello' });
    await worker.drain();
    const failed = await db.selectFrom('outbox').selectAll().where('to_address', '=', lee).executeTakeFirstOrThrow();
    assert.equal(failed.attempts, 1);
    assert.equal(failed.sent_at, null);
    assert.match(failed.last_error ?? '', /ECONNREFUSED|connect/i);

    await smtp.start();
    await worker.drain();
    assert.equal(smtp.to(lee).length, 0, 'not again before the retry delay');

    t.clock.set(new Date(t.clock.now().getTime() + 2 * 60_000));
    await worker.drain();
    await worker.drain();
    const sent = await db.selectFrom('outbox').selectAll().where('to_address', '=', lee).executeTakeFirstOrThrow();
    assert.ok(sent.sent_at);
    assert.equal(sent.attempts, 2);
    assert.equal(smtp.to(lee).length, 1);
  });

  test('two workers draining the same outbox at once send every message exactly once', async () => {
    const to = Array.from({ length: 12 }, () => address('many'));
    for (const a of to) await queueMail(db, t.clock, { to: a, subject: 'Once', text: 'Only once' });
    const second = startOutboxWorker({
      db,
      mailer: createSmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'second@annalist.test' }),
      clock: t.clock,
      log: { error: () => {} },
      intervalMs: 3_600_000,
    });
    try {
      await Promise.all([worker.drain(), second.drain()]);
    } finally {
      await second.stop();
    }
    for (const a of to) assert.equal(smtp.to(a).length, 1, a);
  });

  test('a row is given up after 8 failed attempts', async () => {
    const failing = startOutboxWorker({
      db,
      mailer: {
        send: async () => {
          throw new Error('relay says no');
        },
      },
      clock: t.clock,
      log: { error: () => {} },
      intervalMs: 3_600_000,
    });
    const max = address('max');
    await queueMail(db, t.clock, { to: max, subject: 'Doomed', text: 'x' });
    try {
      for (let i = 0; i < 12; i++) {
        await failing.drain();
        t.clock.set(new Date(t.clock.now().getTime() + 13 * 3_600_000));
      }
    } finally {
      await failing.stop();
    }
    const row = await db.selectFrom('outbox').selectAll().where('to_address', '=', max).executeTakeFirstOrThrow();
    assert.equal(row.attempts, 8);
    assert.equal(row.sent_at, null);
    assert.match(row.last_error ?? '', /relay says no/);
  });
});
