import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { openSite } from '../../src/main.ts';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import type { User } from '../../src/modules/accounts/accounts.types.ts';
import { createOwnerSetupLink } from '../../src/modules/accounts/owner-setup.service.ts';
import { checkUserChange } from '../../src/modules/accounts/policies.ts';
import { changeRole, removeUser, setUserDisabled } from '../../src/modules/accounts/user-admin.service.ts';
import { createSmtpMailer } from '../../src/modules/mail/mailer.ts';
import { type OutboxWorker, startOutboxWorker } from '../../src/modules/mail/outbox.ts';
import { AppError } from '../../src/modules/shared/errors.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { buildApp } from '../../src/web/app.ts';
import { newTestDatabase, startTestSite, TEST_BASE_URL, TestClock, type TestSite } from '../support/site.ts';
import { TestSmtp } from '../support/smtp.ts';

const PASSWORD = 'correct horse battery staple';
const FORM = 'application/x-www-form-urlencoded';
const CLI = new URL('../../bin/annalist.js', import.meta.url).pathname;

let t: TestSite;
let smtp: TestSmtp;
let worker: OutboxWorker;
let owner: User;
let admin: User;
let editor: User;
let seq = 0;
let nextIp = 1;
/** Each sign-in from its own address, so one test's failures never throttle another's. */
const freshIp = () => `198.51.100.${nextIp++ % 250}`;

before(async () => {
  t = await startTestSite();
  smtp = new TestSmtp();
  await smtp.start();
  const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'Annalist <noreply@annalist.test>' });
  worker = startOutboxWorker({ db: db(), mailer, clock: t.clock, log: { error: () => {} }, intervalMs: 3_600_000 });
  owner = await person('owner', 'Olga Owner');
  admin = await person('admin', 'Adam Admin');
  editor = await person('editor', 'Edith Editor');
});
after(async () => {
  await worker.stop();
  await smtp.stop();
  await t.close();
});

const db = () => t.site.content.db;
const deps = () => ({ db: db(), clock: t.clock, baseUrl: TEST_BASE_URL });

/** A person with a password, with an address no other test uses. */
async function person(role: UserRole, name = `${role} ${seq + 1}`): Promise<User> {
  const user = await createUser(deps(), { email: `${role}.${++seq}@staff.test`, name, role });
  await setPassword(deps(), { userId: user.id, password: PASSWORD });
  return user;
}

const encode = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const all = ([] as unknown[]).concat(res.headers['set-cookie'] ?? []).map(String);
  const c = all.find((s) => s.startsWith('annalist_session=') && !s.startsWith('annalist_session=;'));
  assert.ok(c, `a session cookie is set (got ${all.join(' | ')})`);
  return c.split(';')[0]!;
}

const signInRequest = (email: string, password = PASSWORD, ip = freshIp()) =>
  t.app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    remoteAddress: ip,
    headers: { 'content-type': FORM, origin: TEST_BASE_URL },
    payload: encode({ email, password }),
  });

async function signIn(user: Pick<User, 'email'>, password = PASSWORD): Promise<string> {
  const res = await signInRequest(user.email, password);
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
  return cookieOf(res);
}

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

async function csrfOf(cookie: string): Promise<string> {
  const res = await get('/admin/account', cookie);
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return /name="csrf" value="([^"]+)"/.exec(res.body)![1]!;
}

/** A POST as the signed-in person, with their CSRF token (unless `fields.csrf` says otherwise). */
async function post(url: string, cookie: string | undefined, fields: Record<string, string> = {}, ip = '192.0.2.1') {
  const csrf = cookie && fields.csrf === undefined ? await csrfOf(cookie) : (fields.csrf ?? '');
  return t.app.inject({
    method: 'POST',
    url,
    remoteAddress: ip,
    headers: { 'content-type': FORM, origin: TEST_BASE_URL, ...(cookie ? { cookie } : {}) },
    payload: encode({ ...fields, csrf }),
  });
}

const alertOf = (body: string) => /role="alert">(?:<p>)?([^<]+)/.exec(body)?.[1];
const isSignInRedirect = (res: { statusCode: number; headers: Record<string, unknown> }) =>
  res.statusCode === 303 && String(res.headers.location).startsWith('/admin/sign-in');
const userRow = (id: number) => db().selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const moveClock = (ms: number) => t.clock.set(new Date(t.clock.now().getTime() + ms));
const linkIn = (text: string, path: string) => {
  const m = new RegExp(`${TEST_BASE_URL}(${path}\\?token=\\S+)`).exec(text);
  assert.ok(m, `no ${path} link in:\n${text}`);
  return m[1]!;
};

describe('first run', () => {
  test('`annalist user add --role owner EMAIL` prints a one-time sign-in link that works once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'annalist-first-run-'));
    const database = await newTestDatabase();
    try {
      const run = spawnSync(
        process.execPath,
        [CLI, 'user', 'add', '--role', 'owner', 'ada.byron@example.org', '--data-dir', dir],
        {
          encoding: 'utf8',
          env: { ...process.env, ...database.env, ANNALIST_BASE_URL: TEST_BASE_URL },
        },
      );
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /Added Ada Byron <ada\.byron@example\.org> as owner\./);
      assert.doesNotMatch(run.stdout, /password:/i);
      const path = linkIn(run.stdout, '/admin/welcome');

      const site = await openSite(dir, { databaseUrl: database.databaseUrl });
      const app = buildApp({
        content: site.content,
        contentVersion: site.storage.contentVersion,
        changes: site.changes,
        baseUrl: TEST_BASE_URL,
        mediaDir: site.mediaDir,
        logger: false,
      });
      try {
        assert.equal((await app.inject({ url: path })).statusCode, 200);
        const token = new URL(path, TEST_BASE_URL).searchParams.get('token')!;
        const set = await app.inject({
          method: 'POST',
          url: '/admin/welcome',
          headers: { 'content-type': FORM, origin: TEST_BASE_URL },
          payload: encode({ token, password: PASSWORD, confirm: PASSWORD }),
        });
        assert.equal(set.statusCode, 303);
        assert.match(String(set.headers.location), /^\/admin\//);
        assert.equal((await app.inject({ url: '/admin/account', headers: { cookie: cookieOf(set) } })).statusCode, 200);
        const again = await app.inject({ url: path });
        assert.equal(again.statusCode, 400, 'a used link is refused');
        assert.match(again.body, /SIGN_IN_LINK_INVALID/);
      } finally {
        await app.close();
        await site.storage.close();
      }
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the demo prints a one-time setup link on start while no owner has a password, and never a password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'annalist-demo-setup-'));
    const database = await newTestDatabase();
    const start = async () => {
      const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dir, '--port', '0'], {
        env: {
          ...process.env,
          ...database.env,
          LOG_LEVEL: 'silent',
          ANNALIST_BASE_URL: TEST_BASE_URL,
          ANNALIST_WORKERS: '1',
        },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const deadline = Date.now() + 60_000;
      while (!/serving .* at (http:\/\/\S+)/.test(out) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500)); // the setup link follows the "serving" line
      const url = /serving .* at (http:\/\/\S+)/.exec(out)?.[1];
      assert.ok(url, `the server started:\n${out}`);
      return { child, out: () => out, url };
    };
    const stop = async (child: ChildProcess) => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    };
    try {
      const first = await start();
      try {
        assert.doesNotMatch(first.out(), /password:/i);
        const path = linkIn(first.out(), '/admin/setup');
        const token = new URL(path, TEST_BASE_URL).searchParams.get('token')!;
        const page = await fetch(first.url + path);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /Set up the site’s owner/);
        const send = (fields: Record<string, string>) =>
          fetch(`${first.url}/admin/setup`, {
            method: 'POST',
            redirect: 'manual',
            headers: { 'content-type': FORM, origin: first.url },
            body: encode({ token, ...fields }),
          });
        const bad = await send({ name: 'Sofia Setup', email: 'not an email', password: 'short', confirm: 'short' });
        assert.equal(bad.status, 400);
        const badBody = await bad.text();
        assert.match(badBody, /That is not an email address/);
        assert.match(badBody, /value="Sofia Setup"/, 'what was typed is kept');
        const ok = await send({
          name: 'Sofia Setup',
          email: 'sofia@example.org',
          password: PASSWORD,
          confirm: PASSWORD,
        });
        assert.equal(ok.status, 303);
        const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0]!;
        const account = await fetch(`${first.url}/admin/account`, { headers: { cookie }, redirect: 'manual' });
        assert.equal(account.status, 200, 'the new owner is signed in');
        assert.match(await account.text(), /with the role <strong>owner<\/strong>/);
        const used = await fetch(first.url + path);
        assert.equal(used.status, 400, 'a used setup link is refused');
        const reuse = await send({ name: 'Mallory', email: 'm@example.org', password: PASSWORD, confirm: PASSWORD });
        assert.equal(reuse.status, 400, 'and cannot make a second owner');
      } finally {
        await stop(first.child);
      }
      const second = await start();
      try {
        assert.doesNotMatch(second.out(), /\/admin\/setup/, 'once an owner can sign in, no link is printed');
      } finally {
        await stop(second.child);
      }
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a setup link expires after a day, and is refused once an owner can sign in', async () => {
    const fresh = await startTestSite({ demo: false, clock: new TestClock() });
    try {
      const d = { db: fresh.site.content.db, clock: fresh.clock, baseUrl: TEST_BASE_URL };
      const path = (await createOwnerSetupLink(d)).url.slice(TEST_BASE_URL.length);
      assert.equal((await fresh.app.inject({ url: path })).statusCode, 200);
      assert.equal((await fresh.app.inject({ url: `${path.slice(0, -2)}zz` })).statusCode, 400, 'tampered');
      fresh.clock.set(new Date(fresh.clock.now().getTime() + 25 * 3_600_000));
      assert.equal((await fresh.app.inject({ url: path })).statusCode, 400, 'expired');
      const other = (await createOwnerSetupLink(d)).url.slice(TEST_BASE_URL.length);
      const o = await createUser(d, { email: 'o@example.org', name: 'O', role: 'owner' });
      assert.equal(
        (await fresh.app.inject({ url: other })).statusCode,
        200,
        'an owner without a password is not enough',
      );
      await setPassword(d, { userId: o.id, password: PASSWORD });
      assert.equal((await fresh.app.inject({ url: other })).statusCode, 400, 'an owner can sign in: no more setup');
    } finally {
      await fresh.close();
    }
  });
});

describe('sessions', () => {
  test('"sign out everywhere" on the account page ends every session of the person at once', async () => {
    const p = await person('author');
    const here = await signIn(p);
    const there = await signIn(p);
    const other = await signIn(editor);
    const res = await post('/admin/account/sign-out-everywhere', here);
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers['set-cookie']), /annalist_session=; Path=\/; Max-Age=0/);
    assert.ok(isSignInRedirect(await get('/admin/account', here)));
    assert.ok(isSignInRedirect(await get('/admin/account', there)), 'the other browser too');
    assert.equal((await get('/admin/account', other)).statusCode, 200, 'other people stay signed in');
  });

  test('the cookie of a signed-out session stops working at once', async () => {
    const p = await person('author');
    const cookie = await signIn(p);
    assert.equal((await post('/admin/sign-out', cookie)).statusCode, 303);
    assert.ok(isSignInRedirect(await get('/admin/account', cookie)));
  });

  test('the cookie of a disabled user stops working at once, and works no more after enabling', async () => {
    const p = await person('contributor');
    const cookie = await signIn(p);
    const adminCookie = await signIn(admin);
    assert.equal((await post(`/admin/users/${p.id}/disable`, adminCookie)).statusCode, 303);
    assert.ok(isSignInRedirect(await get('/admin/account', cookie)));
    assert.equal((await signInRequest(p.email)).statusCode, 401, 'and cannot sign in');
    assert.equal((await post(`/admin/users/${p.id}/enable`, adminCookie)).statusCode, 303);
    assert.ok(isSignInRedirect(await get('/admin/account', cookie)), 'its sessions were ended, not suspended');
    assert.equal((await signInRequest(p.email)).statusCode, 303);
  });

  test('the cookie of a removed user stops working at once', async () => {
    const p = await person('moderator');
    const cookie = await signIn(p);
    const adminCookie = await signIn(admin);
    const res = await post(`/admin/users/${p.id}/remove`, adminCookie, { confirm: '1' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/admin/users?notice=removed');
    assert.ok(isSignInRedirect(await get('/admin/account', cookie)));
    assert.equal(await db().selectFrom('users').select('id').where('id', '=', p.id).executeTakeFirst(), undefined);
  });

  test('the account page lists the person’s own sessions and can end one of them', async () => {
    const p = await person('author');
    const first = await signIn(p);
    moveClock(60_000);
    const second = await signIn(p);
    await signIn(editor);
    const page = await get('/admin/account', second);
    const refs = [...page.body.matchAll(/name="session" value="([0-9a-f]{16})"/g)].map((m) => m[1]!);
    assert.equal(refs.length, 1, 'one other session of this person, none of anyone else');
    assert.match(page.body, /This browser/);
    const ended = await post('/admin/account/sessions/end', second, { session: refs[0]! });
    assert.equal(ended.headers.location, '/admin/account?notice=session-ended#sessions');
    assert.ok(isSignInRedirect(await get('/admin/account', first)));
    assert.equal((await get('/admin/account', second)).statusCode, 200);
  });
});

describe('own account', () => {
  test('changing one’s name: a blank name is refused beside the field, with the typed value kept', async () => {
    const p = await person('author');
    const cookie = await signIn(p);
    const bad = await post('/admin/account/name', cookie, { name: '   ' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="account-name-error">Give a name of 1 to 80 characters/);
    assert.match(bad.body, /aria-describedby="account-name-hint account-name-error"/);
    const ok = await post('/admin/account/name', cookie, { name: 'Anna Renamed' });
    assert.equal(ok.statusCode, 303);
    assert.match(
      (await get('/admin/account?notice=name', cookie)).body,
      /Signed in as <\/span><strong>Anna Renamed<\/strong>/,
    );
  });

  test('changing the password needs the current one, and signs out the other browsers but not this one', async () => {
    const p = await person('author');
    const here = await signIn(p);
    const there = await signIn(p);
    const wrong = await post('/admin/account/password', here, {
      current: 'not it at all',
      password: 'a brand new passphrase',
      confirm: 'a brand new passphrase',
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /That is not your current password/);
    const mismatch = await post('/admin/account/password', here, {
      current: PASSWORD,
      password: 'a brand new passphrase',
      confirm: 'another one entirely',
    });
    assert.equal(mismatch.statusCode, 400);
    const short = await post('/admin/account/password', here, {
      current: PASSWORD,
      password: 'short',
      confirm: 'short',
    });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /Use at least 12 characters/);
    assert.equal((await signInRequest(p.email)).statusCode, 303, 'nothing changed so far');
    const ok = await post('/admin/account/password', here, {
      current: PASSWORD,
      password: 'a brand new passphrase',
      confirm: 'a brand new passphrase',
    });
    assert.equal(ok.statusCode, 303);
    assert.equal((await get('/admin/account', here)).statusCode, 200);
    assert.ok(isSignInRedirect(await get('/admin/account', there)));
    assert.equal((await signInRequest(p.email)).statusCode, 401);
    assert.equal((await signInRequest(p.email, 'a brand new passphrase')).statusCode, 303);
  });
});

describe('password reset', () => {
  const ask = (email: string, ip = '203.0.113.7') =>
    t.app.inject({
      method: 'POST',
      url: '/admin/forgot-password',
      remoteAddress: ip,
      headers: { 'content-type': FORM, origin: TEST_BASE_URL },
      payload: encode({ email }),
    });

  test('the sign-in page links to "Forgot your password?"', async () => {
    const page = await get('/admin/sign-in');
    assert.match(page.body, /<a href="\/admin\/forgot-password">Forgot your password\?<\/a>/);
    assert.equal((await get('/admin/forgot-password')).statusCode, 200);
  });

  test('answers the same, in about the same time, whether or not the account exists; only a real account gets mail', async () => {
    const p = await person('author');
    const t0 = performance.now();
    const known = await ask(p.email, '203.0.113.10');
    const t1 = performance.now();
    const unknown = await ask('nobody.at.all@staff.test', '203.0.113.11');
    const t2 = performance.now();
    assert.equal(known.statusCode, 200);
    assert.equal(unknown.statusCode, 200);
    const message = (body: string, email: string) =>
      /role="status">([\s\S]*?)<\/div>/.exec(body)?.[1]?.replace(email, 'EMAIL');
    assert.equal(message(known.body, p.email), message(unknown.body, 'nobody.at.all@staff.test'));
    assert.match(known.body, /If an account exists for/);
    for (const ms of [t1 - t0, t2 - t1]) assert.ok(ms >= 240, `each answer takes the fixed minimum (${ms} ms)`);
    assert.ok(Math.abs(t1 - t0 - (t2 - t1)) < 150, `similar times: ${t1 - t0} and ${t2 - t1} ms`);
    await worker.drain();
    assert.equal(smtp.to(p.email).length, 1);
    assert.equal(smtp.to('nobody.at.all@staff.test').length, 0);
    assert.match(smtp.to(p.email)[0]!.text, /works once, for 60 minutes/);
  });

  test('the emailed link sets a new password once, ends every session, and the old password stops working', async () => {
    const p = await person('editor');
    const cookie = await signIn(p);
    await ask(p.email, '203.0.113.20');
    await worker.drain();
    const path = linkIn(smtp.to(p.email).at(-1)!.text, '/admin/reset-password');
    const token = new URL(path, TEST_BASE_URL).searchParams.get('token')!;
    const page = await get(path);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['referrer-policy'], 'same-origin');
    const send = (password: string, confirm = password) =>
      t.app.inject({
        method: 'POST',
        url: '/admin/reset-password',
        headers: { 'content-type': FORM, origin: TEST_BASE_URL },
        payload: encode({ token, password, confirm }),
      });
    const short = await send('short');
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /id="reset-password-error">Use at least 12 characters/);
    const mismatch = await send('a good new passphrase', 'a different one here');
    assert.equal(mismatch.statusCode, 400);
    assert.match(mismatch.body, /not the same/);
    const ok = await send('a good new passphrase');
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/admin/sign-in?notice=password-reset');
    assert.ok(isSignInRedirect(await get('/admin/account', cookie)), 'the old session ended');
    assert.equal((await signInRequest(p.email)).statusCode, 401, 'the old password is refused');
    assert.equal((await signInRequest(p.email, 'a good new passphrase')).statusCode, 303);
    const again = await get(path);
    assert.equal(again.statusCode, 400, 'the link works once');
    assert.match(again.body, /SIGN_IN_LINK_INVALID/);
    assert.equal((await send('yet another passphrase')).statusCode, 400);
  });

  test('a reset link expires after an hour', async () => {
    const p = await person('author');
    await ask(p.email, '203.0.113.30');
    await worker.drain();
    const path = linkIn(smtp.to(p.email).at(-1)!.text, '/admin/reset-password');
    moveClock(61 * 60_000);
    assert.equal((await get(path)).statusCode, 400);
  });

  test('reset requests are limited per email and per address, the same whether or not the account exists', async () => {
    const p = await person('author');
    for (let i = 0; i < 3; i++) assert.equal((await ask(p.email, `203.0.113.${40 + i}`)).statusCode, 200);
    const limited = await ask(p.email, '203.0.113.50');
    assert.equal(limited.statusCode, 429, 'a fourth request for one email within the hour');
    for (let i = 0; i < 3; i++) assert.equal((await ask('ghost@staff.test', `203.0.113.${60 + i}`)).statusCode, 200);
    const ghost = await ask('ghost@staff.test', '203.0.113.70');
    assert.equal(ghost.statusCode, 429);
    assert.equal(alertOf(ghost.body), alertOf(limited.body));
    for (let i = 0; i < 10; i++) assert.equal((await ask(`spray${i}@staff.test`, '203.0.113.80')).statusCode, 200);
    assert.equal((await ask('spray-last@staff.test', '203.0.113.80')).statusCode, 429, 'an eleventh from one address');
    await worker.drain();
    assert.equal(smtp.to(p.email).length, 3);
  });
});

describe('second factor', () => {
  /** The code an authenticator app shows at `at` for this base32 secret. */
  const codeAt = (secret: string, at: Date) =>
    TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at.getTime() });

  async function enrol(p: User, cookie: string): Promise<string> {
    const start = await post('/admin/account/totp/start', cookie);
    assert.equal(start.statusCode, 303);
    const page = await get('/admin/account', cookie);
    const uri = /<code id="totp-uri">([^<]+)<\/code>/.exec(page.body)?.[1]?.replace(/&amp;/g, '&') ?? '';
    assert.ok(uri.startsWith('otpauth://totp/'), 'the otpauth:// URI is shown');
    assert.match(uri, /issuer=/);
    const secret = new URL(uri).searchParams.get('secret')!;
    const shown = /<code id="totp-secret">([^<]+)<\/code>/.exec(page.body)?.[1];
    assert.equal(shown?.replace(/ /g, ''), secret, 'and the secret as text');
    assert.equal((await userRow(p.id)).totp_enabled_at, null, 'not on until confirmed');
    const wrong = await post('/admin/account/totp/confirm', cookie, {
      code: '000000' === codeAt(secret, t.clock.now()) ? '111111' : '000000',
      password: PASSWORD,
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /That code is not right/);
    // A browser left signed in is not enough: turning it on asks for the password, as turning it off does.
    const noPassword = await post('/admin/account/totp/confirm', cookie, { code: codeAt(secret, t.clock.now()) });
    assert.ok([400, 403].includes(noPassword.statusCode), `refused (${noPassword.statusCode})`);
    assert.match(noPassword.body, /not your current password/);
    assert.equal((await userRow(p.id)).totp_enabled_at, null);
    const ok = await post('/admin/account/totp/confirm', cookie, {
      code: codeAt(secret, t.clock.now()),
      password: PASSWORD,
    });
    assert.equal(ok.statusCode, 303);
    assert.ok((await userRow(p.id)).totp_enabled_at);
    return secret;
  }

  test('enrolled on the account page; sign-in then asks for a code before any session exists', async () => {
    const p = await person('author');
    const secret = await enrol(p, await signIn(p));
    moveClock(30_000);
    const first = await signInRequest(p.email);
    assert.equal(first.statusCode, 200, 'the password alone does not sign in');
    assert.equal(first.headers['set-cookie'], undefined, 'no session yet');
    assert.match(first.body, /Sign in: your code/);
    const token = /name="token" value="([^"]+)"/.exec(first.body)![1]!;
    const sessions = await db().selectFrom('sessions').select('token_hash').where('user_id', '=', p.id).execute();
    const code = (fields: Record<string, string>, ip = '192.0.2.200') =>
      t.app.inject({
        method: 'POST',
        url: '/admin/sign-in/code',
        remoteAddress: ip,
        headers: { 'content-type': FORM, origin: TEST_BASE_URL },
        payload: encode({ token, ...fields }),
      });
    const wrong = await code({ code: '12345' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.headers['set-cookie'], undefined);
    assert.equal(
      (await db().selectFrom('sessions').select('token_hash').where('user_id', '=', p.id).execute()).length,
      sessions.length,
      'a wrong code makes no session',
    );
    const ok = await code({ code: codeAt(secret, t.clock.now()), next: '/admin/account' });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/admin/account');
    assert.equal((await get('/admin/account', cookieOf(ok))).statusCode, 200);

    const replay = await code({ code: codeAt(secret, t.clock.now()) });
    assert.equal(replay.statusCode, 400, 'a code cannot be used twice');
    assert.match(replay.body, /That code is not right/);

    const forged = await t.app.inject({
      method: 'POST',
      url: '/admin/sign-in/code',
      headers: { 'content-type': FORM, origin: TEST_BASE_URL },
      payload: encode({ token: `${token.slice(0, -2)}xx`, code: codeAt(secret, t.clock.now()) }),
    });
    assert.equal(forged.statusCode, 400);
    assert.match(forged.body, /SIGN_IN_STEP_EXPIRED/);
    moveClock(6 * 60_000);
    const late = await code({ code: codeAt(secret, t.clock.now()) });
    assert.equal(late.statusCode, 400, 'the half-signed-in step lasts five minutes');
    assert.match(late.body, /SIGN_IN_STEP_EXPIRED/);
  });

  test('wrong codes are throttled: after five, even the right code waits', async () => {
    const p = await person('editor');
    const secret = await enrol(p, await signIn(p));
    moveClock(30_000);
    const token = /name="token" value="([^"]+)"/.exec((await signInRequest(p.email)).body)![1]!;
    const right = codeAt(secret, t.clock.now());
    const wrongCode = right === '999999' ? '999998' : '999999';
    const code = (c: string, ip: string) =>
      t.app.inject({
        method: 'POST',
        url: '/admin/sign-in/code',
        remoteAddress: ip,
        headers: { 'content-type': FORM, origin: TEST_BASE_URL },
        payload: encode({ token, code: c }),
      });
    for (let i = 0; i < 5; i++) assert.equal((await code(wrongCode, `192.0.2.${210 + i}`)).statusCode, 400);
    const limited = await code(right, '192.0.2.220');
    assert.equal(limited.statusCode, 429, 'per account, from any address');
    assert.match(limited.body, /Too many wrong codes/);
    moveClock(16 * 60_000);
    const token2 = /name="token" value="([^"]+)"/.exec((await signInRequest(p.email)).body)![1]!;
    const later = await t.app.inject({
      method: 'POST',
      url: '/admin/sign-in/code',
      headers: { 'content-type': FORM, origin: TEST_BASE_URL },
      payload: encode({ token: token2, code: codeAt(secret, t.clock.now()) }),
    });
    assert.equal(later.statusCode, 303, 'the limit ends');
  });

  test('turning it off needs a current code or the password', async () => {
    const p = await person('author');
    const cookie = await signIn(p);
    const secret = await enrol(p, cookie);
    const none = await post('/admin/account/totp/disable', cookie, { code: '', password: '' });
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /Type a code from your app, or your current password/);
    const badPassword = await post('/admin/account/totp/disable', cookie, { code: '', password: 'not the password' });
    assert.equal(badPassword.statusCode, 400);
    assert.ok((await userRow(p.id)).totp_enabled_at, 'still on');
    moveClock(30_000);
    const ok = await post('/admin/account/totp/disable', cookie, { code: codeAt(secret, t.clock.now()), password: '' });
    assert.equal(ok.statusCode, 303);
    const row = await userRow(p.id);
    assert.equal(row.totp_enabled_at, null);
    assert.equal(row.totp_secret, null);
    assert.equal((await signInRequest(p.email)).statusCode, 303, 'the password alone signs in again');
    await enrol(p, cookie);
    assert.equal((await post('/admin/account/totp/disable', cookie, { code: '', password: PASSWORD })).statusCode, 303);
  });

  test('an admin turns off someone’s second factor (a lost phone); their sessions end; not their own this way', async () => {
    const p = await person('author');
    const theirs = await signIn(p);
    await enrol(p, theirs);
    const adminUser = await person('admin');
    const cookie = await signIn(adminUser);
    assert.match((await get(`/admin/users/${p.id}`, cookie)).body, /Turn off their second factor/);
    const res = await post(`/admin/users/${p.id}/second-factor/reset`, cookie);
    assert.equal(res.statusCode, 303);
    const row = await userRow(p.id);
    assert.equal(row.totp_enabled_at, null);
    assert.equal(row.totp_secret, null);
    assert.equal((await get('/admin/account', theirs)).statusCode, 303, 'their old session ended');
    assert.equal((await signInRequest(p.email)).statusCode, 303, 'the password alone signs in again');
    const own = await post(`/admin/users/${adminUser.id}/second-factor/reset`, cookie);
    assert.notEqual(own.statusCode, 303, 'one’s own second factor is turned off on the account page');
  });

  test('a password reset does not bypass the second factor', async () => {
    const p = await person('author');
    await enrol(p, await signIn(p));
    await t.app.inject({
      method: 'POST',
      url: '/admin/forgot-password',
      remoteAddress: '203.0.113.90',
      headers: { 'content-type': FORM, origin: TEST_BASE_URL },
      payload: encode({ email: p.email }),
    });
    await worker.drain();
    const path = linkIn(smtp.to(p.email).at(-1)!.text, '/admin/reset-password');
    const token = new URL(path, TEST_BASE_URL).searchParams.get('token')!;
    const done = await t.app.inject({
      method: 'POST',
      url: '/admin/reset-password',
      headers: { 'content-type': FORM, origin: TEST_BASE_URL },
      payload: encode({ token, password: 'reset but still two factors', confirm: 'reset but still two factors' }),
    });
    assert.equal(done.statusCode, 303);
    assert.equal(
      ([] as unknown[]).concat(done.headers['set-cookie'] ?? []).some((c) => /annalist_session=[^;]/.test(String(c))),
      false,
    );
    const next = await signInRequest(p.email, 'reset but still two factors');
    assert.equal(next.statusCode, 200);
    assert.match(next.body, /Sign in: your code/);
  });
});

describe('users admin', () => {
  test('an editor may not open or use the users admin', async () => {
    const cookie = await signIn(editor);
    const page = await get('/admin/users', cookie);
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /FORBIDDEN/);
    assert.equal((await get(`/admin/users/${admin.id}`, cookie)).statusCode, 403);
    const add = await post('/admin/users', cookie, { name: 'X', email: 'x@staff.test', role: 'author' });
    assert.equal(add.statusCode, 403);
    assert.equal(
      await db().selectFrom('users').select('id').where('email', '=', 'x@staff.test').executeTakeFirst(),
      undefined,
    );
    assert.doesNotMatch(
      (await get('/admin/account', cookie)).body,
      /href="\/admin\/users"/,
      'no Users link in the menu',
    );
  });

  test('an admin adds a person: the sign-in link is emailed to them and shown once', async () => {
    const cookie = await signIn(admin);
    const res = await post('/admin/users', cookie, { name: 'Nina Newcomer', email: 'Nina@Staff.test', role: 'author' });
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    const shown = /<code class="user-link">([^<]+)<\/code>/.exec(res.body)?.[1] ?? '';
    assert.ok(shown.startsWith(`${TEST_BASE_URL}/admin/welcome?token=`), 'the link is shown to the admin');
    assert.match(res.body, /Nina Newcomer is added as author/);
    await worker.drain();
    const mails = smtp.to('nina@staff.test');
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.text, /Adam Admin added you to .* as author/);
    assert.equal(linkIn(mails[0]!.text, '/admin/welcome'), shown.slice(TEST_BASE_URL.length));
    const list = await get('/admin/users', cookie);
    assert.doesNotMatch(list.body, /user-link/, 'the link is not shown again');
    assert.match(list.body, /Nina Newcomer<\/a>(?:[\s\S]*?)<td>author<\/td><td>Invited \(no password yet\)<\/td>/);
    assert.equal((await get(shown.slice(TEST_BASE_URL.length))).statusCode, 200, 'the link works');
  });

  test('adding: field errors beside each field, what was typed is kept, nothing is added', async () => {
    const cookie = await signIn(admin);
    const bad = await post('/admin/users', cookie, { name: '', email: 'not-an-email', role: 'author' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="add-email-error">That is not an email address/);
    assert.match(bad.body, /id="add-name-error">Give a name/);
    assert.match(bad.body, /value="not-an-email"/);
    assert.match(bad.body, /role="alert"/);
    const taken = await post('/admin/users', cookie, { name: 'Twin', email: editor.email, role: 'author' });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /id="add-email-error">There is already a user/);
    const high = await post('/admin/users', cookie, { name: 'Ozzy', email: 'ozzy@staff.test', role: 'owner' });
    assert.equal(high.statusCode, 403, 'an admin cannot add an owner');
    assert.match(high.body, /above your own/);
    assert.equal(
      await db().selectFrom('users').select('id').where('email', '=', 'ozzy@staff.test').executeTakeFirst(),
      undefined,
    );
  });

  test('change role, disable and enable, link a byline (existing or new)', async () => {
    const cookie = await signIn(admin);
    const p = await person('contributor', 'Carla Contributor');
    assert.equal((await post(`/admin/users/${p.id}/role`, cookie, { role: 'author' })).statusCode, 303);
    assert.equal((await userRow(p.id)).role, 'author');
    const byline = await db().selectFrom('authors').select(['id', 'name']).orderBy('id').executeTakeFirstOrThrow();
    const page = await get(`/admin/users/${p.id}`, cookie);
    assert.match(
      page.body,
      new RegExp(`<option value="${byline.id}">${byline.name}</option>`),
      'bylines come from the authors table',
    );
    assert.equal((await post(`/admin/users/${p.id}/byline`, cookie, { author: String(byline.id) })).statusCode, 303);
    assert.equal((await userRow(p.id)).author_id, byline.id);
    assert.equal((await post(`/admin/users/${p.id}/byline`, cookie, { author: 'new' })).statusCode, 303);
    const made = await db()
      .selectFrom('authors')
      .selectAll()
      .where('id', '=', (await userRow(p.id)).author_id!)
      .executeTakeFirstOrThrow();
    assert.equal(made.name, 'Carla Contributor');
    assert.equal(made.slug, 'carla-contributor');
    // Someone else of the same name gets a byline of their own, never Carla's (it would open her posts).
    const namesake = await person('author', 'Carla Contributor');
    assert.equal((await post(`/admin/users/${namesake.id}/byline`, cookie, { author: 'new' })).statusCode, 303);
    const theirs = (await userRow(namesake.id)).author_id!;
    assert.notEqual(theirs, made.id);
    assert.equal(
      (await db().selectFrom('authors').select('slug').where('id', '=', theirs).executeTakeFirstOrThrow()).slug,
      'carla-contributor-2',
    );
    assert.equal((await post(`/admin/users/${p.id}/byline`, cookie, { author: '999999' })).statusCode, 400);
    assert.equal((await post(`/admin/users/${p.id}/byline`, cookie, { author: '' })).statusCode, 303);
    assert.equal((await userRow(p.id)).author_id, null);
    assert.equal((await post(`/admin/users/${p.id}/disable`, cookie)).statusCode, 303);
    assert.match((await get('/admin/users', cookie)).body, /Carla Contributor<\/a>(?:[\s\S]*?)<td>Disabled<\/td>/);
    assert.equal((await post(`/admin/users/${p.id}/enable`, cookie)).statusCode, 303);
    assert.equal((await userRow(p.id)).disabled_at, null);
    assert.equal((await get('/admin/users/999999', cookie)).statusCode, 404);
    assert.equal(
      (await post(`/admin/users/${p.id}/remove`, cookie, {})).statusCode,
      400,
      'removal needs the box ticked',
    );
  });

  test('escalation over HTTP: an admin cannot touch the owner nor give a role above their own', async () => {
    const cookie = await signIn(admin);
    const page = await get(`/admin/users/${owner.id}`, cookie);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /above your own role, so you cannot change their account/);
    for (const [action, fields] of [
      ['role', { role: 'author' }],
      ['disable', {}],
      ['remove', { confirm: '1' }],
      ['byline', { author: 'new' }],
    ] as const) {
      const res = await post(`/admin/users/${owner.id}/${action}`, cookie, fields);
      assert.equal(res.statusCode, 403, action);
      assert.match(res.body, /This person is owner, above your own role/);
    }
    const o = await userRow(owner.id);
    assert.equal(o.role, 'owner');
    assert.equal(o.disabled_at, null);
    const p = await person('editor');
    const raise = await post(`/admin/users/${p.id}/role`, cookie, { role: 'owner' });
    assert.equal(raise.statusCode, 403);
    assert.equal((await userRow(p.id)).role, 'editor');
    const self = await post(`/admin/users/${admin.id}/role`, cookie, { role: 'owner' });
    assert.equal(self.statusCode, 403, 'nor raise themselves');
    assert.equal((await post(`/admin/users/${admin.id}/disable`, cookie)).statusCode, 409, 'nor lock themselves out');
    assert.doesNotMatch((await get('/admin/users', cookie)).body, /<option value="owner"/, 'owner is not offered');
  });

  test('the last owner cannot be demoted, disabled or removed, even by themselves; a second owner can be', async () => {
    const cookie = await signIn(owner);
    const demote = await post(`/admin/users/${owner.id}/role`, cookie, { role: 'admin' });
    assert.equal(demote.statusCode, 409);
    assert.match(demote.body, /only owner/);
    const second = await person('owner');
    assert.equal((await post(`/admin/users/${second.id}/disable`, cookie)).statusCode, 303);
    assert.equal(
      (await post(`/admin/users/${owner.id}/role`, cookie, { role: 'admin' })).statusCode,
      409,
      'a disabled owner does not count',
    );
    assert.equal((await post(`/admin/users/${second.id}/enable`, cookie)).statusCode, 303);
    assert.equal((await post(`/admin/users/${second.id}/role`, cookie, { role: 'editor' })).statusCode, 303);
    assert.equal((await userRow(second.id)).role, 'editor');
  });
});

describe('escalation rules (the accounts module, directly)', () => {
  const as = (id: number, role: UserRole, disabledAt: string | null = null) => ({ id, role, disabledAt });
  const codeOf = (fn: () => void) => {
    try {
      fn();
      return 'allowed';
    } catch (err) {
      assert.ok(err instanceof AppError);
      return err.code;
    }
  };

  test('nobody gives a role above their own, to anyone, themselves included', () => {
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'admin'), undefined, { kind: 'add', role: 'owner' }, 1)),
      'ROLE_TOO_HIGH',
    );
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'admin'), as(1, 'admin'), { kind: 'role', role: 'owner' }, 1)),
      'ROLE_TOO_HIGH',
    );
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'admin'), as(2, 'author'), { kind: 'role', role: 'admin' }, 1)),
      'allowed',
    );
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'owner'), as(2, 'admin'), { kind: 'role', role: 'owner' }, 1)),
      'allowed',
    );
  });

  test('nobody changes, disables or removes someone ranked above them; equals may', () => {
    for (const change of [
      { kind: 'role', role: 'author' },
      { kind: 'disable' },
      { kind: 'remove' },
      { kind: 'byline' },
    ] as const)
      assert.equal(
        codeOf(() => checkUserChange(as(1, 'admin'), as(2, 'owner'), change, 2)),
        'USER_OUTRANKS_YOU',
        change.kind,
      );
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'admin'), as(2, 'admin'), { kind: 'disable' }, 1)),
      'allowed',
    );
  });

  test('only people who may manage users change accounts', () => {
    for (const role of ['editor', 'author', 'contributor', 'moderator'] as const)
      assert.equal(
        codeOf(() => checkUserChange(as(1, role), as(2, 'contributor'), { kind: 'disable' }, 1)),
        'FORBIDDEN',
        role,
      );
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'owner', '2020-01-01T00:00:00Z'), as(2, 'author'), { kind: 'disable' }, 1)),
      'FORBIDDEN',
      'a disabled owner',
    );
  });

  test('the last active owner stays; nobody disables or removes themselves', () => {
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'owner'), as(1, 'owner'), { kind: 'role', role: 'admin' }, 1)),
      'LAST_OWNER',
    );
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'owner'), as(2, 'owner'), { kind: 'disable' }, 1)),
      'LAST_OWNER',
    );
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'owner'), as(2, 'owner'), { kind: 'disable' }, 2)),
      'allowed',
    );
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'owner'), as(1, 'owner'), { kind: 'role', role: 'admin' }, 2)),
      'allowed',
    );
    assert.equal(
      codeOf(() => checkUserChange(as(1, 'admin'), as(1, 'admin'), { kind: 'remove' }, 1)),
      'SELF_LOCKOUT',
    );
  });

  test('the use cases apply the rules against the database, in their transaction', async () => {
    const lone = await startTestSite({ demo: false });
    try {
      const d = { db: lone.site.content.db, clock: lone.clock, baseUrl: TEST_BASE_URL };
      const o = await createUser(d, { email: 'o@x.test', name: 'O', role: 'owner' });
      const a = await createUser(d, { email: 'a@x.test', name: 'A', role: 'admin' });
      const codeOfAsync = async (p: Promise<unknown>) =>
        p.then(
          () => 'allowed',
          (err: AppError) => err.code,
        );
      assert.equal(await codeOfAsync(changeRole(d, { actor: o, userId: o.id, role: 'admin' })), 'LAST_OWNER');
      assert.equal(
        await codeOfAsync(setUserDisabled(d, { actor: a, userId: o.id, disabled: true })),
        'USER_OUTRANKS_YOU',
      );
      assert.equal(await codeOfAsync(removeUser(d, { actor: a, userId: o.id })), 'USER_OUTRANKS_YOU');
      assert.equal(await codeOfAsync(changeRole(d, { actor: a, userId: a.id, role: 'owner' })), 'ROLE_TOO_HIGH');
      assert.equal(await codeOfAsync(changeRole(d, { actor: o, userId: a.id, role: 'owner' })), 'allowed');
      assert.equal(
        await codeOfAsync(changeRole(d, { actor: o, userId: o.id, role: 'admin' })),
        'allowed',
        'now there are two',
      );
      assert.equal(await codeOfAsync(removeUser(d, { actor: o, userId: 99999 })), 'USER_NOT_FOUND');
    } finally {
      await lone.close();
    }
  });
});
