import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Element, Root } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toString as textOf } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import { ERROR_CODES } from '../../src/modules/shared/errors.ts';
import { getSiteSecret } from '../../src/modules/shared/secret.ts';
import { csrfTokenFor } from '../../src/web/admin/session.ts';
import { FORM_COOKIE } from '../../src/web/kit/form-token.ts';
import { HTTP_ERRORS } from '../../src/web/kit/http-errors.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';
import { staffClient } from '../support/staff-client.ts';

/**
 * Issue 15, "Bad input": every route the app registers, walked with input a browser or a script could send by
 * mistake or on purpose (unknown fields, a field repeated into an array, an object or a number where text is
 * expected, 300 kB and 1.1 MB values, an empty body, the wrong content type, malformed JSON, nonsense in the
 * path), once as a signed-in owner and once as an anonymous reader. The routes are collected with an onRoute hook
 * added as the app is created (Fastify's `fastify.initialization` channel), so a route added later is walked
 * without anyone listing it here. The field names come from the forms the site's own pages render.
 *
 * Never a 5xx. Input that cannot be right (unknown body fields, mistyped or malformed bodies, an over-long single-line
 * field) gets a 4xx; input a page may legitimately ignore (an unknown query parameter such as utm_source) may get a
 * 2xx or 3xx. A refusal as HTML is a readable page with the error's title and no stack trace or file path; as JSON
 * it is `{ error: { code } }` with a code from src/modules/shared/errors.ts.
 */

interface Route {
  method: string;
  url: string;
}

interface Field {
  name: string;
  value: string;
  /** `line`: a single-line text input; `text`: a textarea; `choice`: checkbox, radio, select, button; `file`. */
  kind: 'line' | 'text' | 'choice' | 'file';
}

interface Who {
  label: 'owner' | 'reader';
  /** Headers (cookie) and the CSRF token of a fresh owner session; a reader's form-token cookie. */
  headers(): Promise<{ cookie?: string; csrf?: string }>;
}

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** What a case accepts: `refusal` needs a 4xx (or a redirect to sign in, for someone signed out). */
type Expect = 'refusal' | 'no-fault';

const CONCURRENCY = 4;
const KB300 = 'a'.repeat(300 * 1024);
const MB1_1 = 'b'.repeat(1100 * 1024);
const LONG_QUERY = 'q'.repeat(20 * 1024);
/** Values for path parameters no route should accept (each replaces every parameter of the address). */
const NONSENSE = ['-1', '9'.repeat(30), `${'x'.repeat(250)}%20%00`];
const KNOWN_CODES = new Set<string>(ERROR_CODES);
const ERROR_TITLES = Object.values(HTTP_ERRORS).map((e) => e.title);
/** A stack frame, or a path on this machine or in the code base. */
const LEAK = /\n\s+at [^\n]+:\d+:\d+|node_modules|file:\/\/|\/(?:work|home|tmp|usr)\/|\bsrc\/[\w/.-]+\.tsx?\b/;

const routes: Route[] = [];
const collect = ({ fastify }: { fastify: FastifyInstance }) => {
  fastify.addHook('onRoute', (r: RouteOptions) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url ?? '' });
  });
};

let t: TestSite;
let ownerId: number;
let secret: Buffer;
/** Sample values for path parameters, by parameter name (and, for :id, by the segment before it). */
let samples: { byName: Record<string, string>; idBySegment: Record<string, string> };
/** The fields of every form the site's pages render, by the path the form posts to. */
const forms = new Map<string, { fields: Field[] }>();
/** The pages the GET walk read, by address: their forms are read once the walk is over, in address order. */
const pages = new Map<string, string>();
let nextAddress = 1;

before(async () => {
  diagnostics.subscribe('fastify.initialization', collect as (message: unknown) => void);
  try {
    t = await startTestSite();
  } finally {
    diagnostics.unsubscribe('fastify.initialization', collect as (message: unknown) => void);
  }
  const owner = await staffClient(() => t).person('owner', 'Walker');
  ownerId = owner.id;
  secret = await getSiteSecret(t.site.content.db);
  samples = await sampleValues();
});
after(() => t?.close());

/** Existing ids, slugs and keys on the demo site, so that the walk gets past "not found" to the input checks. */
async function sampleValues(): Promise<typeof samples> {
  const db = t.site.content.db;
  const post = await db
    .selectFrom('posts')
    .select(['id', 'slug', 'published_at'])
    .where('status', '=', 'published')
    .where('type', '=', 'post')
    .orderBy('id')
    .executeTakeFirstOrThrow();
  const firstId = async (table: 'comments' | 'bans' | 'widgets' | 'menu_items' | 'categories' | 'tags' | 'media') =>
    String((await db.selectFrom(table).select('id').orderBy('id').executeTakeFirst())?.id ?? 1);
  const suggestion = await db.selectFrom('correction_suggestions').select('id').executeTakeFirst();
  const source = await db.selectFrom('sources').select('key').executeTakeFirst();
  const published = new Date(post.published_at ?? Date.now());
  const comment = await firstId('comments');
  const user = await db.selectFrom('users').select('id').where('id', '!=', ownerId).executeTakeFirst();
  return {
    byName: {
      slug: post.slug,
      year: String(published.getUTCFullYear()),
      month: String(published.getUTCMonth() + 1).padStart(2, '0'),
      number: '1',
      which: '1',
      key: source?.key ?? 'coox-1985',
      action: 'approve',
      file: 'site.css',
      name: 'annalist-backup.tar',
      '*': 'russian-history/',
    },
    idBySegment: {
      posts: String(post.id),
      articles: String(post.id),
      moderation: comment,
      comments: comment,
      'from-comment': comment,
      bans: await firstId('bans'),
      widgets: await firstId('widgets'),
      menus: await firstId('menu_items'),
      categories: await firstId('categories'),
      tags: await firstId('tags'),
      media: await firstId('media'),
      users: String(user?.id ?? ownerId),
      corrections: String(suggestion?.id ?? 1),
    },
  };
}

/** The address of `route` with plausible values in its parameters, or with `nonsense` in every one. */
function addressOf(route: Route, nonsense?: string): string {
  const segments = route.url.split('/');
  return segments
    .map((segment, i) =>
      segment
        .replace(/:(\w+)(\([^/]*?\))?/g, (_, name: string) => nonsense ?? sampleFor(name, segments[i - 1] ?? ''))
        .replace(/\*$/, nonsense ?? samples.byName['*']!),
    )
    .join('/');
}

function sampleFor(name: string, before: string): string {
  if (name === 'id') return samples.idBySegment[before] ?? '1';
  return samples.byName[name] ?? '1';
}

/** A fresh owner session for each request (a route may sign out or end every session), or a reader's form token. */
const owner: Who = {
  label: 'owner',
  async headers() {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = createHash('sha256').update(token).digest('hex');
    const now = t.clock.now();
    await t.site.content.db
      .insertInto('sessions')
      .values({
        token_hash: tokenHash,
        user_id: ownerId,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + 86_400_000).toISOString(),
      })
      .execute();
    return { cookie: `annalist_session=${token}`, csrf: csrfTokenFor(secret, tokenHash) };
  },
};
const reader: Who = {
  label: 'reader',
  async headers() {
    // As the comment island asks for it when the reader starts writing (decision 035).
    const res = await t.app.inject({
      method: 'POST',
      url: '/form-token',
      headers: { origin: TEST_BASE_URL },
      remoteAddress: `2001:db8::${(nextAddress++).toString(16)}`,
    });
    const cookies = [res.headers['set-cookie'] ?? []].flat().map((c) => String(c).split(';')[0]!);
    return { cookie: cookies.find((c) => c.startsWith(`${FORM_COOKIE}=`)) };
  },
};

async function send(
  who: Who,
  method: string,
  url: string,
  body?: { type?: string; payload: string | ((csrf: string) => string) },
): Promise<Answer> {
  const { cookie, csrf } = await who.headers();
  const headers: Record<string, string> = { origin: TEST_BASE_URL };
  if (cookie) headers.cookie = cookie;
  if (body?.type) headers['content-type'] = body.type;
  const payload = typeof body?.payload === 'function' ? body.payload(csrf ?? '') : body?.payload;
  const res = await t.app.inject({
    method: method as 'GET',
    url,
    headers,
    payload,
    // A fresh address each time, so the per-address rate limits do not answer for the input checks.
    remoteAddress: `2001:db8::${(nextAddress++).toString(16)}`,
  });
  return { statusCode: res.statusCode, headers: res.headers, body: res.body };
}

/** Reads the forms of the pages walked into `forms`: for each address, the form with the most fields. */
function harvestForms(): void {
  for (const [url, html] of [...pages].sort(([a], [b]) => a.localeCompare(b))) harvestPage(url, html);
}

function harvestPage(pageUrl: string, html: string): void {
  const tree: Root = fromHtml(html);
  visit(tree, 'element', (form: Element) => {
    if (form.tagName !== 'form' || String(form.properties.method ?? 'get').toLowerCase() !== 'post') return;
    const action = new URL(String(form.properties.action ?? pageUrl), `${TEST_BASE_URL}${pageUrl}`).pathname;
    const fields: Field[] = [];
    visit(form, 'element', (el: Element) => {
      const name = el.properties.name === undefined ? undefined : String(el.properties.name);
      if (!name || name === 'csrf' || fields.some((f) => f.name === name)) return;
      const type = String(el.properties.type ?? (el.tagName === 'button' ? 'submit' : 'text')).toLowerCase();
      if (el.tagName === 'textarea') fields.push({ name, value: textOf(el), kind: 'text' });
      else if (el.tagName === 'select') fields.push({ name, value: selectedOption(el), kind: 'choice' });
      else if (el.tagName === 'button' || type === 'submit')
        fields.push({ name, value: String(el.properties.value ?? ''), kind: 'choice' });
      else if (type === 'file') fields.push({ name, value: '', kind: 'file' });
      else if (type === 'checkbox' || type === 'radio') {
        if (el.properties.checked) fields.push({ name, value: String(el.properties.value ?? 'on'), kind: 'choice' });
      } else if (el.tagName === 'input') fields.push({ name, value: String(el.properties.value ?? ''), kind: 'line' });
    });
    if (fields.length > (forms.get(action)?.fields.length ?? -1)) forms.set(action, { fields });
  });
}

function selectedOption(select: Element): string {
  const options: Element[] = [];
  visit(select, 'element', (el: Element) => {
    if (el.tagName === 'option') options.push(el);
  });
  const chosen = options.find((o) => o.properties.selected) ?? options[0];
  return chosen ? String(chosen.properties.value ?? textOf(chosen)) : '';
}

/** What is wrong with an answer to a case, or undefined when it is fine. */
function problemWith(res: Answer, expect: Expect, who: Who): string | undefined {
  const status = res.statusCode;
  if (status >= 500) return `${status} ${errorCodeOf(res) ?? ''}`.trim();
  const location = String(res.headers.location ?? '');
  const toSignIn = status === 303 && who.label === 'reader' && location.startsWith('/admin/sign-in');
  if (expect === 'refusal' && (status < 400 || status >= 500) && !toSignIn)
    return `${status}${location ? ` to ${location}` : ''} where a 4xx refusal was due`;
  if (status < 400) return undefined;
  return unreadableRefusal(res);
}

function errorCodeOf(res: Answer): string | undefined {
  if (!String(res.headers['content-type'] ?? '').includes('json'))
    return /Code: (?:<code>)?([A-Z_]+)/.exec(res.body)?.[1];
  try {
    return (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** A refusal must read as one: an HTML page with the error's title, or JSON with a known code; no stack trace. */
function unreadableRefusal(res: Answer): string | undefined {
  const type = String(res.headers['content-type'] ?? '');
  if (LEAK.test(res.body)) return `${res.statusCode} shows a stack trace or a file path`;
  if (type.startsWith('application/json')) {
    const code = errorCodeOf(res);
    return code && KNOWN_CODES.has(code) ? undefined : `${res.statusCode} JSON without a known error code`;
  }
  if (!type.startsWith('text/html')) return `${res.statusCode} answered as ${type || 'nothing'}, not HTML or JSON`;
  const title = /<title>([^<]+)<\/title>/.exec(res.body)?.[1];
  if (!title || !/<h1[\s>]/.test(res.body)) return `${res.statusCode} HTML page without a title and a heading`;
  // An error page carries its code's title; a form shown again says what is wrong, in a summary or by its fields.
  const saysWhy = ['role="alert"', 'aria-invalid="true"'].some((mark) => res.body.includes(mark));
  if (!ERROR_TITLES.some((e) => res.body.includes(e)) && !saysWhy)
    return `${res.statusCode} HTML page without the error's title or a field message`;
  return undefined;
}

interface Case {
  name: string;
  expect: Expect;
  body?: { type?: string; payload: string | ((csrf: string) => string) };
  url?: string;
}

/** The bad bodies for one POST route, built from its form's fields when a page renders that form. */
function bodyCases(fields: Field[]): Case[] {
  const valid = fields.filter((f) => f.kind !== 'file');
  const target = valid.find((f) => f.kind === 'line') ?? valid.find((f) => f.kind === 'text');
  // An over-long value in a single-line field cannot be right; in a textarea (an article) it may be.
  const longExpect: Expect = target?.kind === 'line' ? 'refusal' : 'no-fault';
  const form = (csrf: string, change: (p: URLSearchParams) => void = () => {}) => {
    const p = new URLSearchParams({ csrf });
    for (const f of valid) p.append(f.name, f.value);
    change(p);
    return p.toString();
  };
  const json = (csrf: string, extra: Record<string, unknown>) =>
    JSON.stringify({ csrf, ...Object.fromEntries(valid.map((f) => [f.name, f.value])), ...extra });
  const name = target?.name ?? 'title';
  const FORM = 'application/x-www-form-urlencoded';
  const JSON_TYPE = 'application/json';
  return [
    { name: 'an empty body', expect: 'no-fault' },
    {
      name: 'an unknown field',
      expect: 'refusal',
      body: { type: FORM, payload: (c) => form(c, (p) => p.append('zz_unknown', '1')) },
    },
    {
      name: `"${name}" repeated`,
      expect: target ? 'refusal' : 'no-fault',
      body: { type: FORM, payload: (c) => form(c, (p) => p.append(name, 'again')) },
    },
    {
      name: `300 kB in "${name}"`,
      expect: longExpect,
      body: { type: FORM, payload: (c) => form(c, (p) => p.set(name, KB300)) },
    },
    {
      name: `1.1 MB in "${name}"`,
      expect: longExpect,
      body: { type: FORM, payload: (c) => form(c, (p) => p.set(name, MB1_1)) },
    },
    {
      name: `an object as "${name}" in JSON`,
      expect: 'refusal',
      body: { type: JSON_TYPE, payload: (c) => json(c, { [name]: { nested: ['x'] } }) },
    },
    {
      name: `a number as "${name}" in JSON`,
      expect: 'no-fault',
      body: { type: JSON_TYPE, payload: (c) => json(c, { [name]: 12345 }) },
    },
    { name: 'a JSON array', expect: 'refusal', body: { type: JSON_TYPE, payload: '[1,2,3]' } },
    { name: 'malformed JSON', expect: 'refusal', body: { type: JSON_TYPE, payload: (c) => `{"csrf": "${c}", "ti` } },
    {
      name: 'a text/plain body',
      expect: 'refusal',
      body: { type: 'text/plain', payload: (c) => form(c) },
    },
    {
      name: 'a multipart body with an unknown field and a file of noise',
      expect: 'refusal',
      body: { type: `multipart/form-data; boundary=${BOUNDARY}`, payload: (c) => multipart(c, fields) },
    },
  ];
}

const BOUNDARY = 'walk-boundary-7f3a';

/** The form as multipart/form-data, plus an unknown field, and bytes that are no known file in every file field. */
function multipart(csrf: string, fields: Field[]): string {
  const part = (name: string, value: string, file = false) =>
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="noise.jpg"\r\nContent-Type: image/jpeg' : ''}\r\n\r\n${value}\r\n`;
  const parts = [part('csrf', csrf), part('zz_unknown', '1')];
  for (const f of fields)
    parts.push(f.kind === 'file' ? part(f.name, 'noise '.repeat(100), true) : part(f.name, f.value));
  return `${parts.join('')}--${BOUNDARY}--\r\n`;
}

/** Odd query strings for one GET route; a page may ignore what it does not read. */
function queryCases(): Case[] {
  const fields = 'page=2&page=x&q=a&q=b&corder=newest&corder=oldest&status=x&status=y';
  return [
    { name: 'as it is', expect: 'no-fault' },
    { name: 'with unknown parameters', expect: 'no-fault', url: '?utm_source=walk&zz_unknown=1' },
    { name: 'with parameters repeated', expect: 'no-fault', url: `?${fields}` },
    { name: 'with 20 kB values', expect: 'no-fault', url: `?q=${LONG_QUERY}&page=${LONG_QUERY}` },
    { name: 'with bracketed names', expect: 'no-fault', url: '?page[x]=1&q[]=a&__proto__[x]=1' },
  ];
}

/** Runs `jobs` with at most CONCURRENCY at a time. */
async function pool(jobs: (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const routesOf = (method: string) =>
  [...new Map(routes.filter((r) => r.method === method).map((r) => [`${r.method} ${r.url}`, r])).values()].sort(
    (a, b) => a.url.localeCompare(b.url),
  );

const hasParams = (route: Route) => /[:*]/.test(route.url);

/** Walks `cases` on each route as `who`, and returns every problem found, one line each. */
async function walk(who: Who, method: string, cases: (route: Route) => Case[]): Promise<string[]> {
  const problems: string[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (const route of routesOf(method)) {
    const address = addressOf(route);
    for (const c of cases(route))
      jobs.push(async () => {
        const res = await send(who, method, `${address}${c.url ?? ''}`, c.body);
        if (method === 'GET' && c.url === undefined && res.statusCode === 200 && !pages.has(address))
          pages.set(address, res.body);
        const problem = problemWith(res, c.expect, who);
        if (problem) problems.push(`${who.label} ${method} ${route.url} [${c.name}]: ${problem}`);
      });
    if (!hasParams(route)) continue;
    for (const nonsense of NONSENSE)
      jobs.push(async () => {
        const url = addressOf(route, nonsense);
        const fields = forms.get(address)?.fields ?? [];
        const res = method === 'GET' ? await send(who, method, url) : await send(who, method, url, bodyFor(fields));
        // Nonsense in the address is never a page: a 4xx, or a redirect.
        const problem =
          res.statusCode >= 200 && res.statusCode < 300
            ? `${res.statusCode} for the nonsense address ${url.slice(0, 80)}`
            : problemWith(res, 'no-fault', who);
        if (problem)
          problems.push(`${who.label} ${method} ${route.url} [nonsense ${nonsense.slice(0, 12)}]: ${problem}`);
      });
  }
  await pool(jobs);
  if (method === 'GET') harvestForms();
  return problems.sort();
}

/** The form as its page renders it, with the session's token: a body that is right but for its address. */
function bodyFor(fields: Field[]): { type: string; payload: (csrf: string) => string } {
  return {
    type: 'application/x-www-form-urlencoded',
    payload: (csrf) => {
      const p = new URLSearchParams({ csrf });
      for (const f of fields) if (f.kind !== 'file') p.append(f.name, f.value);
      return p.toString();
    },
  };
}

const report = (problems: string[]) =>
  `${problems.length} answers went wrong:\n${problems.slice(0, 400).join('\n')}${problems.length > 400 ? '\n…' : ''}`;

describe('every registered route, sent bad input', () => {
  test('the routes were collected as the app registered them, reader, API and admin alike', () => {
    const keys = new Set(routes.map((r) => `${r.method} ${r.url}`));
    assert.ok(keys.size > 100, `routes were collected (${keys.size})`);
    for (const known of ['GET /', 'GET /api/v1/posts', 'POST /admin/sign-in', 'GET /search'])
      assert.ok(keys.has(known), `${known} is among the collected routes`);
  });

  for (const who of [owner, reader]) {
    test(`GET: odd query strings and nonsense in the address never make a 5xx or an unreadable error (${who.label})`, async () => {
      const problems = await walk(who, 'GET', () => queryCases());
      assert.deepEqual(problems, [], report(problems));
    });
  }

  for (const who of [owner, reader]) {
    test(`POST: unknown fields, mistyped, over-long, empty and malformed bodies are refused with a 4xx, never a 5xx (${who.label})`, async () => {
      // The forms come from the pages: walk them first when this test runs on its own.
      if (forms.size === 0) await walk(owner, 'GET', () => [{ name: 'as it is', expect: 'no-fault' }]);
      const problems = await walk(who, 'POST', (route) => bodyCases(forms.get(addressOf(route))?.fields ?? []));
      assert.deepEqual(problems, [], report(problems));
    });
  }
});
