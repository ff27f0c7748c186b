import assert from 'node:assert/strict';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { TEST_BASE_URL, type TestSite } from './site.ts';

/**
 * Staff in the editor tests: people of each role signed in on a test site, and their browser's requests
 * (GET, form POSTs with their CSRF token, the editor form read back as a browser would send it).
 */
/** Every staff person's password. */
export const STAFF_PASSWORD = 'correct horse battery staple';
export const FORM = 'application/x-www-form-urlencoded';

export interface Person {
  id: number;
  cookie: string;
  csrf: string;
}

let signInIp = 0;

/**
 * Signs a person in through the sign-in form, as their browser would (from an address of its own, so the form's
 * throttle never sees two tests as one guesser); the session cookie as a Cookie header's `name=value`, and its
 * value alone (for a browser context's cookies).
 */
export async function signInThroughForm(
  app: { inject: TestSite['app']['inject'] },
  who: { email: string; password: string },
): Promise<{ cookie: string; token: string }> {
  signInIp++;
  const res = await app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    remoteAddress: `198.18.${(signInIp >> 8) & 255}.${signInIp & 255}`,
    headers: { 'content-type': FORM, origin: TEST_BASE_URL },
    payload: new URLSearchParams({ email: who.email, password: who.password }).toString(),
  });
  assert.equal(res.statusCode, 303, res.body);
  const cookie = [res.headers['set-cookie'] ?? []]
    .flat()
    .map((c) => String(c).split(';')[0]!.trim())
    .find((c) => c.startsWith('annalist_session='));
  assert.ok(cookie, 'signing in sets a session cookie');
  return { cookie, token: cookie.slice('annalist_session='.length) };
}

/** The helpers for the site `site()` gives (read when called: test files build their site in before()). */
export function staffClient(site: () => TestSite) {
  async function person(role: UserRole, name: string, authorSlug?: string): Promise<Person> {
    const deps = { db: site().site.content.db, clock: site().clock };
    const user = await createUser(deps, { email: `${name.toLowerCase()}@example.org`, name, role });
    await setPassword(deps, { userId: user.id, password: STAFF_PASSWORD });
    if (authorSlug) {
      const a = await site()
        .site.content.db.selectFrom('authors')
        .select('id')
        .where('slug', '=', authorSlug)
        .executeTakeFirstOrThrow();
      await site().site.content.db.updateTable('users').set({ author_id: a.id }).where('id', '=', user.id).execute();
    }
    const { cookie } = await signInThroughForm(site().app, { email: user.email, password: STAFF_PASSWORD });
    const p: Person = { id: user.id, cookie, csrf: '' };
    const page = await get(role === 'moderator' ? '/admin/moderation' : '/admin/posts', p);
    assert.equal(page.statusCode, 200, page.body);
    p.csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return p;
  }

  const get = (url: string, who?: Person) =>
    site().app.inject({ method: 'GET', url, headers: who ? { cookie: who.cookie } : {} });

  function send(url: string, who: Person, fields: Record<string, string | string[]>) {
    const form = new URLSearchParams({ csrf: who.csrf });
    for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) form.append(k, item);
    return site().app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': FORM, cookie: who.cookie, origin: TEST_BASE_URL },
      payload: form.toString(),
    });
  }

  /**
   * The editor's form as the page renders it, as fields to send back (like a browser would); with `action`, the
   * form of the page that posts there instead (settings, a source).
   */
  async function formOf(url: string, who: Person, action?: string): Promise<Record<string, string | string[]>> {
    const res = await get(url, who);
    assert.equal(res.statusCode, 200, res.body);
    const html = res.body;
    const out: Record<string, string | string[]> = {};
    const add = (k: string, v: string) => {
      const prev = out[k];
      if (prev === undefined) out[k] = v;
      else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
    };
    const unescapeHtml = (s: string) =>
      s
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
    const start = action === undefined ? html.indexOf('<form class="editor"') : html.search(formPosting(action));
    assert.ok(start >= 0, `${url} has the form ${action ?? 'of the editor'}`);
    const form = html.slice(start, html.indexOf('</form>', start));
    for (const m of form.matchAll(/<input([^>]*)>/g)) {
      const attrs = m[1]!;
      const name = /name="([^"]+)"/.exec(attrs)?.[1];
      if (!name || name === 'csrf') continue;
      const value = unescapeHtml(/value="([^"]*)"/.exec(attrs)?.[1] ?? '');
      if (/type="(checkbox|radio)"/.test(attrs) && !/\bchecked\b/.test(attrs)) continue;
      add(name, value);
    }
    for (const m of form.matchAll(/<textarea([^>]*)>([\s\S]*?)<\/textarea>/g)) {
      const name = /name="([^"]+)"/.exec(m[1]!)?.[1];
      if (name) add(name, unescapeHtml(m[2]!));
    }
    for (const m of form.matchAll(/<select([^>]*)>([\s\S]*?)<\/select>/g)) {
      const name = /name="([^"]+)"/.exec(m[1]!)?.[1];
      const selected = /<option[^>]*value="([^"]*)"[^>]*selected/.exec(m[2]!)?.[1] ?? '';
      if (name) add(name, unescapeHtml(selected));
    }
    return out;
  }

  return { person, get, send, formOf };
}

/** The opening tag of a form that posts to `action`. */
const formPosting = (action: string) =>
  new RegExp(`<form[^>]*\\baction="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`);
