import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser, startSession } from '../../src/modules/accounts/accounts.service.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { startTestSite, TEST_BASE_URL, type TestSite } from '../support/site.ts';

// Categories and tags managed through HTTP, with the page cache on: renames, moves and merges keep every old
// address working with a 301 (the category's own and every descendant's), and bad changes are refused.

const FORM = 'application/x-www-form-urlencoded';

let t: TestSite;
let editor: Session;

interface Session {
  cookie: string;
  csrf: string;
}

let userSeq = 0;
async function signedIn(role: UserRole): Promise<Session> {
  const deps = { db: t.site.content.db, clock: t.clock };
  const user = await createUser(deps, { email: `tax-${role}${++userSeq}@example.org`, name: `Test ${role}`, role });
  const row = await deps.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
  const { token } = await startSession(deps, row);
  const cookie = `annalist_session=${token}`;
  const page = await get('/admin/dashboard', cookie);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(csrf, 'the dashboard carries a CSRF token');
  return { cookie, csrf };
}

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

function post(url: string, fields: Record<string, string>, who: Session = editor) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': FORM, cookie: who.cookie, origin: TEST_BASE_URL },
    payload: new URLSearchParams({ csrf: who.csrf, ...fields }).toString(),
  });
}

const db = () => t.site.content.db;
const category = (path: string) =>
  db().selectFrom('categories').selectAll().where('path', '=', path).executeTakeFirst();
const tag = (slug: string) => db().selectFrom('tags').selectAll().where('slug', '=', slug).executeTakeFirst();

/** Follows a 301 once and checks the reader lands on a page that answers 200. */
async function movedTo(oldUrl: string, newUrl: string) {
  const res = await get(oldUrl);
  assert.equal(res.statusCode, 301, `${oldUrl} answers 301 (got ${res.statusCode})`);
  assert.equal(res.headers.location, newUrl, `${oldUrl} leads to ${newUrl}`);
  assert.equal((await get(newUrl)).statusCode, 200, `${newUrl} answers 200`);
}

const categoryFields = (o: { name: string; slug?: string; parent?: number | null; description?: string }) => ({
  name: o.name,
  slug: o.slug ?? '',
  parent: o.parent ? String(o.parent) : '',
  description: o.description ?? '',
});

before(async () => {
  t = await startTestSite({ pageCache: true });
  editor = await signedIn('editor');
});
after(() => t.close());

describe('permissions', () => {
  test('an author gets 403 on the page and on every form; nothing changes', async () => {
    const author = await signedIn('author');
    assert.equal((await get('/admin/taxonomy', author.cookie)).statusCode, 403);
    const soviet = (await category('russian-history/soviet-union'))!;
    for (const [url, fields] of [
      ['/admin/taxonomy/categories', categoryFields({ name: 'Intruders' })],
      [
        `/admin/taxonomy/categories/${soviet.id}`,
        categoryFields({ name: 'USSR', slug: 'ussr', parent: soviet.parent_id }),
      ],
      [`/admin/taxonomy/categories/${soviet.id}/delete`, { moveTo: '' }],
      [`/admin/taxonomy/tags/${(await tag('zhukov'))!.id}`, { name: 'Z', slug: 'z' }],
    ] as const)
      assert.equal((await post(url, fields, author)).statusCode, 403, url);
    assert.ok(await category('russian-history/soviet-union'));
    assert.ok(await tag('zhukov'));
    assert.equal((await get('/admin/taxonomy', editor.cookie)).statusCode, 200, 'an editor may');
  });
});

describe('categories', () => {
  test('a new category goes under its parent; a slug taken beside it is refused with the typed values kept', async () => {
    const east = (await category('east-asia'))!;
    const res = await post(
      '/admin/taxonomy/categories',
      categoryFields({ name: 'Korea', parent: east.id, description: 'The peninsula.' }),
    );
    assert.equal(res.statusCode, 303, res.body);
    const korea = await category('east-asia/korea');
    assert.equal(korea?.parent_id, east.id);
    assert.equal(korea?.slug, 'korea', 'slug made from the name');
    const dup = await post(
      '/admin/taxonomy/categories',
      categoryFields({ name: 'Korea again', slug: 'korea', parent: east.id }),
    );
    assert.equal(dup.statusCode, 409);
    assert.match(dup.body, /TAXONOMY_CONFLICT|role="alert"/);
    assert.match(dup.body, /id="new-category-slug-error">Another category beside it already uses this slug/);
    assert.match(dup.body, /value="Korea again"/);
    const bad = await post('/admin/taxonomy/categories', categoryFields({ name: '', slug: 'Not A Slug!' }));
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="new-category-name-error"/);
    assert.match(bad.body, /id="new-category-slug-error"/);
    assert.match(bad.body, /value="Not A Slug!"/);
    assert.equal((await db().selectFrom('categories').selectAll().where('name', 'like', 'Korea%').execute()).length, 1);
  });

  test('renaming a parent’s slug sends its old address, and every descendant’s, on with a 301', async () => {
    // Prime the page cache with the old addresses: the rename must not leave stale pages behind.
    assert.equal((await get('/category/russian-history/soviet-union/')).statusCode, 200);
    assert.equal((await get('/category/russian-history/soviet-union/great-patriotic-war/')).statusCode, 200);
    const soviet = (await category('russian-history/soviet-union'))!;
    const res = await post(
      `/admin/taxonomy/categories/${soviet.id}`,
      categoryFields({
        name: 'The Soviet Union',
        slug: 'ussr',
        parent: soviet.parent_id,
        description: soviet.description,
      }),
    );
    assert.equal(res.statusCode, 303, res.body);
    await movedTo('/category/russian-history/soviet-union/', '/category/russian-history/ussr/');
    await movedTo(
      '/category/russian-history/soviet-union/great-patriotic-war/',
      '/category/russian-history/ussr/great-patriotic-war/',
    );
    await movedTo('/category/russian-history/soviet-union/feed/', '/category/russian-history/ussr/feed/');
    const page = await get('/category/russian-history/ussr/');
    assert.match(page.body, /The Soviet Union/);
    assert.match(page.body, /Khalkhin-Gol/, 'its posts came along');
    assert.equal((await get('/category/russian-history/no-such-thing/')).statusCode, 404, 'unknown paths stay 404');
  });

  test('moving a category under its own descendant is refused; moving it elsewhere redirects its old address', async () => {
    const russia = (await category('russian-history'))!;
    const war = (await category('russian-history/ussr/great-patriotic-war'))!;
    const cycle = await post(
      `/admin/taxonomy/categories/${russia.id}`,
      categoryFields({ name: russia.name, slug: russia.slug, parent: war.id }),
    );
    assert.equal(cycle.statusCode, 409);
    assert.match(cycle.body, /cannot go under itself or one of its own sub-categories/);
    assert.match(cycle.body, new RegExp(`id="category-${russia.id}-parent-error"`));
    assert.equal((await category('russian-history'))?.parent_id, null, 'nothing moved');
    const self = await post(
      `/admin/taxonomy/categories/${russia.id}`,
      categoryFields({ name: russia.name, slug: russia.slug, parent: russia.id }),
    );
    assert.equal(self.statusCode, 409);

    const east = (await category('east-asia'))!;
    const moved = await post(
      `/admin/taxonomy/categories/${war.id}`,
      categoryFields({ name: war.name, slug: war.slug, parent: east.id }),
    );
    assert.equal(moved.statusCode, 303, moved.body);
    await movedTo('/category/russian-history/ussr/great-patriotic-war/', '/category/east-asia/great-patriotic-war/');
    // The address from before the earlier rename follows the chain to today's.
    await movedTo(
      '/category/russian-history/soviet-union/great-patriotic-war/',
      '/category/east-asia/great-patriotic-war/',
    );
  });

  test('merging moves the posts and sub-categories, removes the category and redirects its address', async () => {
    const imperial = (await category('russian-history/imperial-russia'))!;
    const russia = (await category('russian-history'))!;
    const postsBefore = await db()
      .selectFrom('posts')
      .select('id')
      .where('primary_category_id', '=', imperial.id)
      .execute();
    assert.ok(postsBefore.length > 0);
    const self = await post(`/admin/taxonomy/categories/${imperial.id}/merge`, { into: String(imperial.id) });
    assert.equal(self.statusCode, 409, 'not into itself');
    const res = await post(`/admin/taxonomy/categories/${imperial.id}/merge`, { into: String(russia.id) });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(await category('russian-history/imperial-russia'), undefined);
    for (const p of postsBefore) {
      const row = await db()
        .selectFrom('posts')
        .select('primary_category_id')
        .where('id', '=', p.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.primary_category_id, russia.id);
    }
    await movedTo('/category/russian-history/imperial-russia/', '/category/russian-history/');
  });

  test('a category with posts is deleted only once its posts have somewhere to go; an empty one just goes', async () => {
    const japan = (await category('east-asia/japan'))!;
    const refused = await post(`/admin/taxonomy/categories/${japan.id}/delete`, { moveTo: '' });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /choose the category they move to/);
    assert.ok(await category('east-asia/japan'));
    const east = (await category('east-asia'))!;
    const withParent = await post(`/admin/taxonomy/categories/${east.id}/delete`, { moveTo: '' });
    assert.equal(withParent.statusCode, 409);
    assert.match(withParent.body, /has sub-categories/);

    const korea = (await category('east-asia/korea'))!;
    assert.equal((await post(`/admin/taxonomy/categories/${korea.id}/delete`, { moveTo: '' })).statusCode, 303);
    assert.equal(await category('east-asia/korea'), undefined);
    assert.equal((await get('/category/east-asia/korea/')).statusCode, 404);

    const moved = await post(`/admin/taxonomy/categories/${japan.id}/delete`, { moveTo: String(east.id) });
    assert.equal(moved.statusCode, 303);
    await movedTo('/category/east-asia/japan/', '/category/east-asia/');
  });
});

describe('tags', () => {
  test('renaming a tag’s slug redirects the old address; a slug another tag uses is refused', async () => {
    assert.equal((await get('/tag/red-army/')).statusCode, 200);
    const red = (await tag('red-army'))!;
    const res = await post(`/admin/taxonomy/tags/${red.id}`, { name: 'Workers’ and Peasants’ Red Army', slug: 'rkka' });
    assert.equal(res.statusCode, 303, res.body);
    await movedTo('/tag/red-army/', '/tag/rkka/');
    assert.match((await get('/tag/rkka/')).body, /Workers’ and Peasants’ Red Army/);
    // Its feeds move with it: a feed reader subscribed to the old address keeps receiving the posts.
    await movedTo('/tag/red-army/feed/', '/tag/rkka/feed/');
    await movedTo('/tag/red-army/feed/atom/', '/tag/rkka/feed/atom/');
    await movedTo('/tag/red-army/feed.json', '/tag/rkka/feed.json');
    assert.match((await get('/tag/rkka/feed/')).body, /<title>[^<]*Workers’ and Peasants’ Red Army/);
    assert.equal((await get('/tag/never-was/feed/')).statusCode, 404);
    const dup = await post(`/admin/taxonomy/tags/${red.id}`, { name: 'Red Army', slug: 'zhukov' });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.body, new RegExp(`id="tag-${red.id}-slug-error">Another tag already uses this slug`));
    assert.match(dup.body, /value="Red Army"/);
    assert.equal((await tag('rkka'))?.name, 'Workers’ and Peasants’ Red Army', 'unchanged');
  });

  test('merging a tag gives its posts the other tag and redirects its address', async () => {
    const a = (await tag('1938'))!;
    const b = (await tag('lake-khasan'))!;
    const posts = await db().selectFrom('post_tags').select('post_id').where('tag_id', '=', a.id).execute();
    const res = await post(`/admin/taxonomy/tags/${a.id}/merge`, { into: String(b.id) });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(await tag('1938'), undefined);
    for (const p of posts) {
      const has = await db()
        .selectFrom('post_tags')
        .selectAll()
        .where('post_id', '=', p.post_id)
        .where('tag_id', '=', b.id)
        .executeTakeFirst();
      assert.ok(has, `post ${p.post_id} carries the tag merged into`);
    }
    await movedTo('/tag/1938/', '/tag/lake-khasan/');
    await movedTo('/tag/1938/feed.json', '/tag/lake-khasan/feed.json');
    assert.equal((await get('/tag/never-was/')).statusCode, 404);
  });
});
