import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/accounts.service.ts';
import { USER_ROLES, type User } from '../../src/modules/accounts/accounts.types.ts';
import { getSiteSecret } from '../../src/modules/shared/secret.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { csrfTokenFor } from '../../src/web/admin/session.ts';
import { buildApp } from '../../src/web/app.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

/**
 * The role matrix: every route the app registers under /admin × every role (and nobody signed in). The routes
 * are collected from a freshly built app with an onRoute hook, so a new admin route without an entry in
 * EXPECTATIONS fails the first test below. To add yours: one line `'METHOD /admin/path/:param': WHO` with WHO
 * one of the role lists below (or PUBLIC for pages reached before signing in); add `url` when the path has a
 * parameter other than :id, :number or :action (those get 999999, 1 and 'approve').
 *
 * What "allowed" means here is only "the role gets past the capability check": the answer is neither 403 nor a
 * redirect to sign-in, and not a 5xx. Whose object it is (an author and someone else's post, an admin and the
 * owner's account) is tested by the area's own tests, and for user accounts at the end of this file.
 */

type Who = readonly UserRole[] | 'public';

const PUBLIC = 'public';
const EVERYONE: readonly UserRole[] = USER_ROLES;
const WRITERS: readonly UserRole[] = ['owner', 'admin', 'editor', 'author', 'contributor'];
const UPLOADERS: readonly UserRole[] = ['owner', 'admin', 'editor', 'author'];
const MODERATORS: readonly UserRole[] = ['owner', 'admin', 'editor', 'moderator'];
const EDITORS: readonly UserRole[] = ['owner', 'admin', 'editor'];
const ADMINS: readonly UserRole[] = ['owner', 'admin'];
const OWNERS: readonly UserRole[] = ['owner'];

const EXPECTATIONS: Record<string, Who | { who: Who; url: string }> = {
  // Before signing in (routes/admin.tsx, routes/admin-account.tsx)
  'GET /admin': PUBLIC,
  'GET /admin/': PUBLIC,
  'GET /admin/sign-in': PUBLIC,
  'POST /admin/sign-in': PUBLIC,
  'POST /admin/sign-in/code': PUBLIC,
  'POST /admin/sign-out': PUBLIC,
  'GET /admin/welcome': PUBLIC,
  'POST /admin/welcome': PUBLIC,
  'GET /admin/setup': PUBLIC,
  'POST /admin/setup': PUBLIC,
  'GET /admin/forgot-password': PUBLIC,
  'POST /admin/forgot-password': PUBLIC,
  'GET /admin/reset-password': PUBLIC,
  'POST /admin/reset-password': PUBLIC,
  // One's own account (routes/admin-account.tsx)
  'GET /admin/account': EVERYONE,
  'POST /admin/account/name': EVERYONE,
  'POST /admin/account/byline': WRITERS,
  'POST /admin/account/password': EVERYONE,
  'POST /admin/account/totp/start': EVERYONE,
  'POST /admin/account/totp/confirm': EVERYONE,
  'POST /admin/account/totp/disable': EVERYONE,
  'POST /admin/account/sessions/end': EVERYONE,
  'POST /admin/account/sign-out-everywhere': EVERYONE,
  // Users (routes/admin-users.tsx): manage_users
  'GET /admin/users': ADMINS,
  'POST /admin/users': ADMINS,
  'GET /admin/users/:id': ADMINS,
  'POST /admin/users/:id/role': ADMINS,
  'POST /admin/users/:id/disable': ADMINS,
  'POST /admin/users/:id/enable': ADMINS,
  'POST /admin/users/:id/byline': ADMINS,
  'POST /admin/users/:id/second-factor/reset': ADMINS,
  'POST /admin/users/:id/remove': ADMINS,
  // Comments (routes/admin.tsx): moderate_comments
  'GET /admin/moderation': MODERATORS,
  'POST /admin/moderation/bulk': MODERATORS,
  'POST /admin/moderation/:id/edit': MODERATORS,
  'POST /admin/moderation/:id/reply': MODERATORS,
  'POST /admin/moderation/:id/ban': MODERATORS,
  'POST /admin/moderation/:id/:action': MODERATORS,
  'GET /admin/bans': MODERATORS,
  'POST /admin/bans': MODERATORS,
  'POST /admin/bans/:id/remove': MODERATORS,
  // Discussion rules (routes/admin-discussion.tsx): manage_discussion
  'GET /admin/discussion': EDITORS,
  'POST /admin/discussion': EDITORS,
  'POST /admin/discussion/articles/:id/open': EDITORS,
  'POST /admin/discussion/articles/:id/close': EDITORS,
  // Posts (routes/admin-posts.tsx): write_posts; whose post it is: test/http/editor.test.ts
  'GET /admin/posts': WRITERS,
  'GET /admin/posts/new': WRITERS,
  'GET /admin/posts/:id': WRITERS,
  'POST /admin/posts': WRITERS,
  'POST /admin/posts/autosave': WRITERS,
  // The writing desk's JSON (web/admin/posts/desk.routes.tsx): the sources `:cite[` completes from, the checks
  'GET /admin/posts/cite-suggest': WRITERS,
  'POST /admin/posts/checks': WRITERS,
  // History's entities (web/admin/entities): edit_others_posts
  'GET /admin/entities': EDITORS,
  'GET /admin/entities/new': EDITORS,
  'POST /admin/entities': EDITORS,
  'GET /admin/entities/edit/:id': { who: EDITORS, url: '/admin/entities/edit/999999' },
  'POST /admin/entities/edit/:id': { who: EDITORS, url: '/admin/entities/edit/999999' },
  'POST /admin/entities/edit/:id/delete': { who: EDITORS, url: '/admin/entities/edit/999999/delete' },
  'GET /admin/entities/edit/:id/merge': { who: EDITORS, url: '/admin/entities/edit/999999/merge?q=zh' },
  'POST /admin/entities/edit/:id/merge': { who: EDITORS, url: '/admin/entities/edit/999999/merge' },
  // The editor's completion of mentions (web/admin/entities/suggest.routes.ts): write_posts
  'GET /admin/entities/suggest': { who: WRITERS, url: '/admin/entities/suggest?q=zh' },
  'GET /admin/words': EDITORS,
  'POST /admin/words': EDITORS,
  'POST /admin/posts/:id': WRITERS,
  'POST /admin/posts/preview': WRITERS,
  'POST /admin/posts/:id/autosave': WRITERS,
  'POST /admin/posts/:id/autosave/discard': WRITERS,
  'GET /admin/posts/:id/revisions': WRITERS,
  'GET /admin/posts/:id/revisions/compare': { who: WRITERS, url: '/admin/posts/999999/revisions/compare?from=1&to=2' },
  'POST /admin/posts/:id/revisions/:number/restore': WRITERS,
  'GET /admin/posts/:id/edit': WRITERS,
  // Backups (routes/admin-backups.tsx): manage_backups, owners only
  'GET /admin/backups': OWNERS,
  'POST /admin/backups/schedule': OWNERS,
  'POST /admin/backups/run': OWNERS,
  'GET /admin/backups/files/:name': { who: OWNERS, url: '/admin/backups/files/annalist-backup-20250101-030000.tar.gz' },
  // Export (routes/admin-export.tsx): export_site, owners and admins
  'GET /admin/export': ADMINS,
  'POST /admin/export/wordpress': ADMINS,
  'POST /admin/export/json': ADMINS,
  // Import (routes/admin-import.tsx): import_site, owners and admins
  'GET /admin/import': ADMINS,
  'POST /admin/import': ADMINS,
  'GET /admin/import/status': ADMINS,
  'POST /admin/import/:id/confirm': ADMINS,
  'POST /admin/import/:id/discard': ADMINS,
  'GET /admin/import/:id/report.json': ADMINS,
  // Site (routes/admin-site.tsx): the dashboard for everyone; settings, widgets, menus: manage_site
  'GET /admin/dashboard': EVERYONE,
  'POST /admin/dashboard/checklist/hide': ADMINS,
  'GET /admin/settings': ADMINS,
  'POST /admin/settings': ADMINS,
  'GET /admin/widgets': ADMINS,
  'POST /admin/widgets': ADMINS,
  'POST /admin/widgets/:id': ADMINS,
  'POST /admin/widgets/:id/move': ADMINS,
  'POST /admin/widgets/:id/remove': ADMINS,
  'GET /admin/menus': ADMINS,
  'POST /admin/menus': ADMINS,
  'POST /admin/menus/:id/move': ADMINS,
  'POST /admin/menus/:id/remove': ADMINS,
  // Categories and tags (routes/admin-taxonomy.tsx): manage_taxonomy
  'GET /admin/taxonomy': EDITORS,
  'POST /admin/taxonomy/categories': EDITORS,
  'POST /admin/taxonomy/categories/:id': EDITORS,
  'POST /admin/taxonomy/categories/:id/merge': EDITORS,
  'POST /admin/taxonomy/categories/:id/delete': EDITORS,
  'POST /admin/taxonomy/tags/:id': EDITORS,
  'POST /admin/taxonomy/tags/:id/merge': EDITORS,
  // Media (routes/admin-media.tsx): upload_media
  'GET /admin/media': UPLOADERS,
  'POST /admin/media': UPLOADERS,
  'GET /admin/media/:id': UPLOADERS,
  'POST /admin/media/:id': UPLOADERS,
  'POST /admin/media/:id/delete': UPLOADERS,
  // Correction suggestions (routes/admin-corrections.tsx): review_corrections, or moderate_comments for held ones
  'GET /admin/corrections': MODERATORS,
  'GET /admin/corrections/:id': MODERATORS,
  'POST /admin/corrections/:id/reject': EDITORS,
  'POST /admin/corrections/:id/ask': EDITORS,
  'POST /admin/corrections/:id/moderate': MODERATORS,
  'GET /admin/corrections/from-comment': MODERATORS,
  'GET /admin/corrections/from-comment/:id': MODERATORS,
  'POST /admin/corrections/from-comment/:id': MODERATORS,
  // Sources library (routes/admin-sources.tsx): manage_sources
  'GET /admin/sources': UPLOADERS,
  'POST /admin/sources': UPLOADERS,
  'GET /admin/sources/new': UPLOADERS,
  'GET /admin/sources/import': UPLOADERS,
  'POST /admin/sources/import': UPLOADERS,
  'GET /admin/sources/edit/:key': { who: UPLOADERS, url: '/admin/sources/edit/no-such-key' },
  'POST /admin/sources/edit/:key': { who: UPLOADERS, url: '/admin/sources/edit/no-such-key' },
  'POST /admin/sources/edit/:key/delete': { who: UPLOADERS, url: '/admin/sources/edit/no-such-key/delete' },
};

const PARAM_SAMPLES: Record<string, string> = { id: '999999', number: '1', action: 'approve' };

function expectationOf(key: string): { who: Who; url: string } {
  const e = EXPECTATIONS[key];
  assert.ok(e, `no expectation for ${key}`);
  const path = key.slice(key.indexOf(' ') + 1);
  if (typeof e === 'object' && 'url' in e) return e;
  const url = path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const sample = PARAM_SAMPLES[name];
    assert.ok(sample, `${key}: give a "url" for the parameter :${name}`);
    return sample;
  });
  return { who: e, url };
}

let t: TestSite;
let routes: string[];
const people = new Map<UserRole, User>();
let secret: Buffer;

before(async () => {
  t = await startTestSite();
  // A second app on the same site, only to see every route being registered.
  const fresh = buildApp({
    content: t.site.content,
    contentVersion: t.site.storage.contentVersion,
    changes: t.site.changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: t.site.mediaDir,
    logger: false,
  });
  const seen: string[] = [];
  fresh.addHook('onRoute', (r) => {
    for (const method of [r.method].flat())
      if (/^\/admin(\/|$)/.test(r.url) && method !== 'HEAD') seen.push(`${method} ${r.url}`);
  });
  await fresh.ready();
  await fresh.close();
  routes = [...new Set(seen)].sort();
  for (const role of USER_ROLES)
    people.set(role, await createUser(t.site.content, { email: `${role}@matrix.test`, name: `Matrix ${role}`, role }));
  secret = await getSiteSecret(t.site.content.db);
});
after(() => t.close());

/** A new session for `user`, made directly (no password hashing), and its CSRF token. */
async function sessionOf(user: User): Promise<{ cookie: string; csrf: string }> {
  const token = randomBytes(32).toString('base64url');
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const now = t.clock.now();
  await t.site.content.db
    .insertInto('sessions')
    .values({
      token_hash: tokenHash,
      user_id: user.id,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 86_400_000).toISOString(),
    })
    .execute();
  return { cookie: `annalist_session=${token}`, csrf: csrfTokenFor(secret, tokenHash) };
}

/** One request as `user` (or nobody), with a valid CSRF token on POSTs so only the capability check can refuse. */
async function request(method: string, url: string, user: User | undefined) {
  const session = user ? await sessionOf(user) : undefined;
  const headers: Record<string, string> = session ? { cookie: session.cookie } : {};
  if (method === 'GET') return t.app.inject({ method: 'GET', url, headers });
  return t.app.inject({
    method: method as 'POST',
    url,
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', origin: TEST_BASE_URL },
    payload: new URLSearchParams({ csrf: session?.csrf ?? '' }).toString(),
  });
}

/** The staff scope's "sign in first" redirect (not signing out, which also lands on the sign-in page, with a notice). */
const toSignIn = (res: { statusCode: number; headers: Record<string, unknown> }) => {
  const location = String(res.headers.location ?? '');
  return res.statusCode === 303 && (location === '/admin/sign-in' || location.startsWith('/admin/sign-in?next='));
};

describe('the role matrix', () => {
  test('every /admin route the app registers has an expectation, and every expectation a route', () => {
    assert.ok(routes.length > 20, `routes were collected (${routes.length})`);
    const missing = routes.filter((r) => !(r in EXPECTATIONS));
    assert.deepEqual(missing, [], `add these to EXPECTATIONS in test/http/role-matrix.test.ts:\n${missing.join('\n')}`);
    const stale = Object.keys(EXPECTATIONS).filter((k) => !routes.includes(k));
    assert.deepEqual(stale, [], `these EXPECTATIONS name routes that no longer exist:\n${stale.join('\n')}`);
  });

  test('signed out: every route outside the sign-in pages sends a GET or POST to sign in', async () => {
    const wrong: string[] = [];
    for (const key of routes.filter((r) => r in EXPECTATIONS)) {
      const { who, url } = expectationOf(key);
      const method = key.split(' ')[0]!;
      const res = await request(method, url, undefined);
      if (res.statusCode >= 500) wrong.push(`${key}: ${res.statusCode} for nobody`);
      else if (who !== PUBLIC && !toSignIn(res)) wrong.push(`${key}: ${res.statusCode}, not a redirect to sign in`);
      else if (who === PUBLIC && toSignIn(res) && method === 'GET' && !key.startsWith('GET /admin/sign-in'))
        wrong.push(`${key}: a page meant for people signing in sends them to sign in`);
    }
    assert.deepEqual(wrong, []);
  });

  for (const role of USER_ROLES) {
    test(`${role}: allowed exactly where the table says, 403 everywhere else`, async () => {
      const user = people.get(role)!;
      const wrong: string[] = [];
      for (const key of routes.filter((r) => r in EXPECTATIONS)) {
        const { who, url } = expectationOf(key);
        if (who === PUBLIC) continue;
        const res = await request(key.split(' ')[0]!, url, user);
        const allowed = who.includes(role);
        if (res.statusCode >= 500) wrong.push(`${key}: ${res.statusCode}`);
        else if (toSignIn(res)) wrong.push(`${key}: sent a signed-in ${role} to sign in`);
        else if (allowed && res.statusCode === 403)
          wrong.push(
            `${key}: 403, expected allowed (${/Code: <code>(\w+)/.exec(res.body)?.[1] ?? res.body.slice(0, 80)})`,
          );
        else if (!allowed && res.statusCode !== 403) wrong.push(`${key}: ${res.statusCode}, expected 403`);
        else if (!allowed && !res.body.includes('Code: <code>FORBIDDEN</code>'))
          wrong.push(`${key}: 403 but not for lack of capability`);
      }
      assert.deepEqual(wrong, [], `${role}:\n${wrong.join('\n')}`);
    });
  }
});

describe("someone else's account", () => {
  test('an admin can open the owner’s page but every change to it is refused (403), and nothing changes', async () => {
    const adminUser = people.get('admin')!;
    const ownerUser = people.get('owner')!;
    const before = await t.site.content.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', ownerUser.id)
      .executeTakeFirstOrThrow();
    assert.equal((await request('GET', `/admin/users/${ownerUser.id}`, adminUser)).statusCode, 200);
    for (const [action, fields] of [
      ['role', { role: 'contributor' }],
      ['disable', {}],
      ['enable', {}],
      ['byline', { author: 'new' }],
      ['remove', { confirm: '1' }],
    ] as const) {
      const session = await sessionOf(adminUser);
      const res = await t.app.inject({
        method: 'POST',
        url: `/admin/users/${ownerUser.id}/${action}`,
        headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: TEST_BASE_URL },
        payload: new URLSearchParams({ csrf: session.csrf, ...fields }).toString(),
      });
      assert.equal(res.statusCode, 403, `${action}: ${res.body.slice(0, 200)}`);
    }
    const afterwards = await t.site.content.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', ownerUser.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(afterwards, before);
  });

  test('an editor opening the users admin, or another person’s account there, gets 403', async () => {
    const editorUser = people.get('editor')!;
    for (const url of ['/admin/users', `/admin/users/${people.get('author')!.id}`, `/admin/users/${editorUser.id}`])
      assert.equal((await request('GET', url, editorUser)).statusCode, 403, url);
  });
});
