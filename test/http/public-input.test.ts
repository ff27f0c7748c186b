import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HTTP_ERRORS } from '../../src/web/kit/http-errors.ts';
import { injectFormToken } from '../support/form-token.ts';
import { parsePage } from '../support/page.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { FORM } from '../support/staff-client.ts';

// Bad input to the public areas (reader, discussion, evidence, API): a 400 naming the field, never a 500, never a
// silent cut (issue 15).

let t: TestSite;
let slug: string;
let commentId: number;

before(async () => {
  t = await startTestSite();
  const now = t.clock.now().toISOString();
  const post = await t.site.content.db
    .selectFrom('posts')
    .select(['id', 'slug'])
    .where('type', '=', 'post')
    .where('status', '=', 'published')
    .where('published_at', '<=', now)
    .orderBy('id')
    .executeTakeFirstOrThrow();
  slug = post.slug;
  const comment = await t.site.content.db
    .selectFrom('comments')
    .select('id')
    .where('status', '=', 'approved')
    .orderBy('id')
    .executeTakeFirstOrThrow();
  commentId = comment.id;
});
after(() => t.close());

const later = (seconds = 30) => t.clock.set(new Date(t.clock.now().getTime() + seconds * 1000));

function postForm(url: string, fields: [string, string][], cookie?: string) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': FORM, origin: TEST_BASE_URL, ...(cookie ? { cookie } : {}) },
    payload: new URLSearchParams(fields).toString(),
  });
}

function postJson(url: string, payload: unknown) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', accept: 'application/json', origin: TEST_BASE_URL },
    payload: JSON.stringify(payload),
  });
}

/**
 * A new reader's form cookie: asked for when they start writing a comment (POST /form-token), or given by a form
 * page of its own (`path`: the suggestion form).
 */
async function formCookie(path?: string): Promise<string> {
  if (!path) return injectFormToken(t.app);
  const res = await t.app.inject({ method: 'GET', url: path });
  const set = res.headers['set-cookie'];
  const first = (Array.isArray(set) ? set : [set ?? '']).find((c) => c.startsWith('annalist_form='));
  assert.ok(first, `no form cookie from ${path}`);
  return first.split(';')[0]!;
}

/** A readable 400 page with the stable code and the field named; no stack trace. */
function assertRefusedPage(res: { statusCode: number; body: string }, code: keyof typeof HTTP_ERRORS, field: string) {
  assert.equal(res.statusCode, 400, res.body.slice(0, 500));
  assert.match(res.body, /<!DOCTYPE html>/i);
  assert.match(res.body, new RegExp(code));
  // As a reader meets it: the error's own heading, and the field named in the list of what is wrong.
  const page = parsePage(res.body);
  page.get('heading', HTTP_ERRORS[code].title);
  const named = page.all('listitem').filter((li) => page.text(li).startsWith(`${field}:`));
  assert.equal(named.length, 1, `one list item names ${field}`);
  assert.doesNotMatch(res.body, /at .*\.ts:\d+/);
}

function assertRefusedJson(res: { statusCode: number; json: () => unknown }, code: string, field: string) {
  assert.equal(res.statusCode, 400);
  const body = res.json() as { error: { code: string; fields?: Record<string, string> } };
  assert.equal(body.error.code, code);
  assert.ok(body.error.fields?.[field], `field ${field} named in ${JSON.stringify(body.error.fields)}`);
}

const comment = (over: [string, string][] = []): [string, string][] => [
  ['name', 'Saruul'],
  ['email', 'saruul@example.net'],
  ['body', 'A fair point about the river crossing.'],
  ...over,
];

describe('the comment form refuses what it does not send', () => {
  test('an unknown field is a 400 naming it', async () => {
    const res = await postForm(`/${slug}/comments`, comment([['admin', '1']]));
    assertRefusedPage(res, 'INVALID_FORM', 'admin');
  });

  test('a field sent twice is a 400 naming it', async () => {
    const res = await postForm(`/${slug}/comments`, comment([['body', 'and again']]));
    assertRefusedPage(res, 'INVALID_FORM', 'body');
  });

  test('an over-long reply number is a 400 naming it', async () => {
    const res = await postForm(`/${slug}/comments`, comment([['parent_id', '9'.repeat(40)]]));
    assertRefusedPage(res, 'INVALID_FORM', 'parent_id');
  });

  test('a form without its comment box is a 400 naming it', async () => {
    const res = await postForm(`/${slug}/comments`, [
      ['name', 'Saruul'],
      ['email', 'saruul@example.net'],
    ]);
    assertRefusedPage(res, 'INVALID_FORM', 'body');
    assert.match(res.body, /This is needed/);
  });

  test('a long comment sent with CRLF line breaks is shown again whole when refused', async () => {
    const cookie = await formCookie();
    later();
    // 2,000 lines of CRLF: 24,000 characters as sent, past the old 20,000-character cut, and over the site's limit.
    const text = `${'abcdefghij\r\n'.repeat(2000)}THE-END-OF-MY-COMMENT`;
    const res = await postForm(
      `/${slug}/comments`,
      comment()
        .slice(0, 2)
        .concat([['body', text]]),
      cookie,
    );
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.match(res.body, /COMMENT_INVALID|at most/);
    assert.match(res.body, /THE-END-OF-MY-COMMENT/);
  });
});

describe('a quoted passage is never shortened', () => {
  test('a quote past the limit is refused, naming the limit, with the comment kept', async () => {
    const cookie = await formCookie();
    later();
    const res = await postForm(
      `/${slug}/comments`,
      comment([
        ['parent_id', String(commentId)],
        ['quote', 'q'.repeat(2001)],
      ]),
      cookie,
    );
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.match(res.body, /Quote at most 2,000 characters/);
    assert.match(res.body, /A fair point about the river crossing\./);
  });
});

describe('the article page reads its address', () => {
  test('tracking parameters from other sites pass', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/${slug}/?utm_source=news&fbclid=abc` });
    assert.equal(res.statusCode, 200);
  });

  test('a reply number that is not one is a 400 naming it', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/${slug}/?replyto=abc` });
    assertRefusedPage(res, 'INVALID_QUERY', 'replyto');
  });

  test('an order given twice is a 400 naming it', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/${slug}/?corder=oldest&corder=newest` });
    assertRefusedPage(res, 'INVALID_QUERY', 'corder');
  });

  test('two searches at once are a 400 naming the field', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/search?q=river&q=tanks' });
    assertRefusedPage(res, 'INVALID_QUERY', 'q');
  });
});

describe('the comments API takes a JSON object of known fields', () => {
  const url = () => `/api/v1/posts/${slug}/comments`;
  const good = { name: 'Saruul', email: 'saruul@example.net', body: 'A fair point.' };

  test('an unknown field is a 400 naming it', async () => {
    assertRefusedJson(await postJson(url(), { ...good, admin: true }), 'INVALID_FORM', 'admin');
  });

  test('an object where text belongs is a 400 naming the field', async () => {
    assertRefusedJson(await postJson(url(), { ...good, name: { first: 'Saruul' } }), 'INVALID_FORM', 'name');
  });

  test('a reply number that is not a number is a 400 naming it', async () => {
    assertRefusedJson(await postJson(`${url()}/preview`, { ...good, parent_id: 'first' }), 'INVALID_FORM', 'parent_id');
  });

  test('a missing comment body is a 400 naming it', async () => {
    assertRefusedJson(await postJson(url(), { name: 'Saruul', email: 'saruul@example.net' }), 'INVALID_FORM', 'body');
  });

  test('a comment past the ceiling is a 400 naming it', async () => {
    assertRefusedJson(await postJson(url(), { ...good, body: 'a'.repeat(200_001) }), 'INVALID_FORM', 'body');
  });

  test('an unknown query parameter of the API is a 400 naming it', async () => {
    const res = await t.app.inject({ method: 'GET', url: `${url()}?sort=new` });
    assertRefusedJson(res, 'INVALID_QUERY', 'sort');
    const tags = await t.app.inject({ method: 'GET', url: '/api/v1/tags?limit=5' });
    assertRefusedJson(tags, 'INVALID_QUERY', 'limit');
  });

  test('openapi.json describes the comment body as the schema that checks it', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    };
    const schema = doc.paths['/posts/{slug}/comments']?.post?.requestBody.content['application/json']?.schema as {
      additionalProperties: boolean;
      required: string[];
      properties: Record<string, unknown>;
    };
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ['body']);
    assert.ok(schema.properties.homepage);
  });
});

describe('reporting a comment', () => {
  test('a reason the form does not offer is a 400 naming it', async () => {
    const res = await postForm(`/comments/${commentId}/report`, [['reason', 'boring']]);
    assertRefusedPage(res, 'INVALID_FORM', 'reason');
  });

  test('a note over the limit is refused with the note kept whole', async () => {
    const cookie = await formCookie();
    const note = `${'n'.repeat(1500)}END-OF-NOTE`;
    const res = await postForm(
      `/comments/${commentId}/report`,
      [
        ['reason', 'spam'],
        ['note', note],
      ],
      cookie,
    );
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /A note can be at most 900 characters/);
    assert.match(res.body, /END-OF-NOTE/);
    assert.match(res.body, /value="spam" checked/);
  });
});

describe('the correction suggestion form', () => {
  const suggestion = (over: [string, string][] = []): [string, string][] => [
    ['name', 'Batu'],
    ['email', 'batu@example.net'],
    ['quote', 'a passage'],
    ['problem', 'It is wrong.'],
    ...over,
  ];

  test('an unknown field is a 400 naming it', async () => {
    const res = await postForm(`/${slug}/corrections/new`, suggestion([['rating', '5']]));
    assertRefusedPage(res, 'INVALID_FORM', 'rating');
  });

  test('a button value the form does not have is a 400 naming it', async () => {
    const res = await postForm(`/${slug}/corrections/new`, suggestion([['intent', 'publish']]));
    assertRefusedPage(res, 'INVALID_FORM', 'intent');
  });

  test('a problem over the limit is refused with the text kept whole', async () => {
    const cookie = await formCookie(`/${slug}/corrections/new`);
    later();
    const problem = `${'p'.repeat(12_000)}END-OF-PROBLEM`;
    const res = await postForm(
      `/${slug}/corrections/new`,
      suggestion()
        .filter(([k]) => k !== 'problem')
        .concat([['problem', problem]]),
      cookie,
    );
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.match(res.body, /SUGGESTION_INVALID|At most 4000 characters/);
    assert.match(res.body, /END-OF-PROBLEM/);
  });

  test('a passage given twice in the address is a 400 naming it', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/${slug}/corrections/new?exact=a&exact=b` });
    assertRefusedPage(res, 'INVALID_QUERY', 'exact');
  });
});

describe('links in comment mail', () => {
  test('a token given twice is a 400 naming it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/comments/unsubscribe?token=a&token=b' });
    assertRefusedPage(res, 'INVALID_QUERY', 'token');
  });
});
