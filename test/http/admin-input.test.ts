import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { FORM, type Person, staffClient } from '../support/staff-client.ts';

// Bad input to the administration (issue 15): every route's params, query and body has a schema; what does not
// fit is a 400 naming the field (INVALID_FORM for a body, INVALID_QUERY for the address), never a 500, and typed
// text is never cut: over the domain's limit, the form comes back with the message and the text whole.

let t: TestSite;
const staff = staffClient(() => t);
let owner: Person;
let moderator: Person;
let commentId: number;

before(async () => {
  t = await startTestSite();
  owner = await staff.person('owner', 'Olive');
  moderator = await staff.person('moderator', 'Moss');
  const comment = await t.site.content.db.selectFrom('comments').select('id').orderBy('id').executeTakeFirstOrThrow();
  commentId = comment.id;
});
after(() => t.close());

/** A form POST with exactly these fields (the CSRF token first), repeated names allowed. */
function postForm(url: string, who: Person | undefined, fields: [string, string][]) {
  const form = new URLSearchParams(who ? [['csrf', who.csrf], ...fields] : fields);
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': FORM, origin: TEST_BASE_URL, ...(who ? { cookie: who.cookie } : {}) },
    payload: form.toString(),
  });
}

function postJson(url: string, who: Person, payload: Record<string, unknown>) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      origin: TEST_BASE_URL,
      cookie: who.cookie,
    },
    payload: JSON.stringify({ csrf: who.csrf, ...payload }),
  });
}

/** A readable 400 page with the stable code and the field named; no stack trace. */
function assertRefusedPage(res: { statusCode: number; body: string }, code: string, field: string) {
  assert.equal(res.statusCode, 400, res.body.slice(0, 500));
  assert.match(res.body, /<!DOCTYPE html>/i);
  assert.match(res.body, new RegExp(code));
  assert.match(res.body, new RegExp(`\\b${field}\\b`));
  assert.doesNotMatch(res.body, /at .*\.tsx?:\d+/);
}

const activeBans = () => t.site.content.db.selectFrom('bans').select(['value', 'reason']).execute();

describe('admin forms refuse what their page never sends', () => {
  test('an unknown field in the comment edit form is refused by name, and the comment is unchanged', async () => {
    const before = await t.site.content.db
      .selectFrom('comments')
      .select('body_md')
      .where('id', '=', commentId)
      .executeTakeFirstOrThrow();
    const res = await postForm(`/admin/moderation/${commentId}/edit`, moderator, [
      ['body', 'Rewritten by a forged form'],
      ['status', 'approved'],
    ]);
    assertRefusedPage(res, 'INVALID_FORM', 'status');
    const after = await t.site.content.db
      .selectFrom('comments')
      .select('body_md')
      .where('id', '=', commentId)
      .executeTakeFirstOrThrow();
    assert.equal(after.body_md, before.body_md);
  });

  test('two values where the bulk form sends one action is a 400 naming the action', async () => {
    const res = await postForm('/admin/moderation/bulk', moderator, [
      ['action', 'approve'],
      ['action', 'delete'],
      ['ids', String(commentId)],
    ]);
    assertRefusedPage(res, 'INVALID_FORM', 'action');
  });

  test('an action that is not one of the buttons is refused before anything runs', async () => {
    const res = await postForm('/admin/moderation/bulk', moderator, [
      ['action', 'publish-everything'],
      ['ids', String(commentId)],
    ]);
    assertRefusedPage(res, 'INVALID_FORM', 'action');
  });

  test('a missing value the form always sends is named: a user without a role is not added', async () => {
    const res = await postForm('/admin/users', owner, [
      ['name', 'No Role'],
      ['email', 'no-role@example.org'],
    ]);
    assertRefusedPage(res, 'INVALID_FORM', 'role');
    const row = await t.site.content.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'no-role@example.org')
      .executeTakeFirst();
    assert.equal(row, undefined);
  });

  test('a ban reason longer than a ban keeps is refused, not stored cut short', async () => {
    const reason = 'r'.repeat(201);
    const res = await postForm('/admin/bans', moderator, [
      ['kind', 'email'],
      ['value', 'too-long-reason@example.org'],
      ['reason', reason],
      ['days', ''],
    ]);
    assertRefusedPage(res, 'INVALID_FORM', 'reason');
    assert.match(res.body, /longer than 200 characters/);
    assert.equal((await activeBans()).filter((b) => b.value === 'too-long-reason@example.org').length, 0);
  });

  test('the sign-in form refuses two passwords at once without signing anyone in', async () => {
    const res = await postForm('/admin/sign-in', undefined, [
      ['email', 'olive@example.org'],
      ['password', 'correct horse battery staple'],
      ['password', 'another'],
    ]);
    assertRefusedPage(res, 'INVALID_FORM', 'password');
    assert.equal(res.headers['set-cookie'], undefined);
  });
});

describe('JSON sent to an admin form', () => {
  test('an object or a number where a form has text is a readable 400 before anything runs, never a 500', async () => {
    for (const payload of [
      { kind: 'email', value: 12345 },
      { kind: { $ne: 'x' }, value: 'json-ban@example.org' },
    ]) {
      const res = await postJson('/admin/bans', moderator, payload);
      assert.equal(res.statusCode, 400, res.body.slice(0, 300));
      // It asked for JSON (as the admin's islands do), so the refusal is JSON with its stable code.
      assert.equal(res.json().error.code, 'BAD_REQUEST', 'the admin takes forms only: the CSRF check cannot read JSON');
      assert.doesNotMatch(res.body, /at .*\.tsx?:\d+/);
    }
    const banned = (await activeBans()).map((b) => b.value);
    assert.ok(!banned.includes('12345') && !banned.includes('json-ban@example.org'));
  });
});

describe('staff addresses carry the parameters their pages make and nothing else', () => {
  test('an unknown parameter on the moderation queue is a 400 naming it', async () => {
    const res = await staff.get('/admin/moderation?status=held&debug=1', moderator);
    assertRefusedPage(res, 'INVALID_QUERY', 'debug');
  });

  test('an over-long search in the sources list is refused, not cut', async () => {
    const res = await staff.get(`/admin/sources?q=${'a'.repeat(101)}`, owner);
    assertRefusedPage(res, 'INVALID_QUERY', 'q');
  });

  test('repeated filters on the posts list are a 400, not a guess at which one was meant', async () => {
    const res = await staff.get('/admin/posts?state=draft&state=published', owner);
    assertRefusedPage(res, 'INVALID_QUERY', 'state');
  });

  test('an id that is not a number is still an address that names nothing (404); an absurdly long one a 400', async () => {
    assert.equal((await staff.get('/admin/users/abc', owner)).statusCode, 404);
    const res = await staff.get(`/admin/users/${'9'.repeat(40)}`, owner);
    assertRefusedPage(res, 'INVALID_QUERY', 'id');
  });
});

describe('typed text over a limit comes back whole', () => {
  test('an account name past the limit is shown again in full with the message, never cut to 200', async () => {
    const name = `${'Olivia '.repeat(40)}the End`;
    const res = await postForm('/admin/account/name', owner, [['name', name]]);
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.match(res.body, /Give a name of 1 to 80 characters/);
    assert.ok(res.body.includes(`value="${name}"`), 'the whole name is in the field');
  });

  test('a category name of 700 characters with line breaks is refused with the text kept whole', async () => {
    const name = `${'Long name\r\n'.repeat(63)}the end`;
    const res = await postForm('/admin/taxonomy/categories', owner, [
      ['name', name],
      ['slug', ''],
      ['parent', ''],
      ['description', ''],
    ]);
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.match(res.body, /Keep the name to 100 characters/);
    assert.ok(res.body.includes('the end'), 'the end of the typed name is shown again');
  });

  test('an upload whose alt text is past what the form can carry is refused by name, not stored cut', async () => {
    const boundary = 'x-annalist-test';
    const alt = 'a'.repeat(17 * 1024);
    const payload = [
      `--${boundary}\r\nContent-Disposition: form-data; name="alt"\r\n\r\n${alt}\r\n`,
      `--${boundary}--\r\n`,
    ].join('');
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/media?csrf=${encodeURIComponent(owner.csrf)}`,
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        origin: TEST_BASE_URL,
        cookie: owner.cookie,
      },
      payload,
    });
    assertRefusedPage(res, 'INVALID_FORM', 'alt');
    const stored = await t.site.content.db.selectFrom('media').select('alt').execute();
    assert.ok(!stored.some((m) => m.alt.startsWith('aaaa')));
  });
});
