import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestSite, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Issue 16: the menus admin offers the site's pages, categories and tags to pick from (grouped), beside the
// typed address it always had; what a menu may hold is checked as before.

let t: TestSite;
let owner: Person;
const { person, get, send } = staffClient(() => t);

before(async () => {
  t = await startTestSite();
  owner = await person('owner', 'Menuowner');
});
after(() => t.close());

const headerNavOf = (html: string) => /<nav class="site-nav" aria-label="Site">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
const linksOf = (html: string) =>
  [...headerNavOf(html).matchAll(/<a href="([^"]+)"[^>]*>([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
const itemCount = async () => (await t.site.content.db.selectFrom('menu_items').selectAll().execute()).length;

/** The options of the primary menu's list, by group label. */
function optionsByGroup(html: string): Map<string, { value: string; text: string }[]> {
  const select = /<select id="menu-primary-target" name="target"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1];
  assert.ok(select, 'the primary menu form has a list of pages, categories and tags');
  const groups = new Map<string, { value: string; text: string }[]>();
  for (const g of select.matchAll(/<optgroup label="([^"]+)">([\s\S]*?)<\/optgroup>/g))
    groups.set(
      g[1]!,
      [...g[2]!.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((o) => ({
        value: o[1]!,
        text: o[2]!,
      })),
    );
  return groups;
}

describe('the menu builder', () => {
  test('the list offers the published pages, every category and every tag, in groups', async () => {
    const db = t.site.content.db;
    const page = await db
      .selectFrom('posts')
      .select(['slug', 'title'])
      .where('type', '=', 'page')
      .where('status', '=', 'published')
      .executeTakeFirstOrThrow();
    const draftPage = await db
      .selectFrom('posts')
      .select('slug')
      .where('type', '=', 'page')
      .where('status', '!=', 'published')
      .executeTakeFirst();
    const nested = await db
      .selectFrom('categories')
      .select(['path', 'name', 'parent_id'])
      .where('parent_id', 'is not', null)
      .executeTakeFirstOrThrow();
    const parent = await db
      .selectFrom('categories')
      .select('name')
      .where('id', '=', nested.parent_id!)
      .executeTakeFirstOrThrow();
    const tagCount = (await db.selectFrom('tags').select('id').execute()).length;

    const res = await get('/admin/menus', owner);
    assert.equal(res.statusCode, 200);
    const groups = optionsByGroup(res.body);
    assert.deepEqual([...groups.keys()], ['Pages', 'Categories', 'Tags']);
    assert.ok(groups.get('Pages')!.some((o) => o.value === `/${page.slug}/` && o.text === page.title));
    if (draftPage) assert.ok(!groups.get('Pages')!.some((o) => o.value === `/${draftPage.slug}/`), 'no draft page');
    assert.ok(
      groups
        .get('Categories')!
        .some((o) => o.value === `/category/${nested.path}/` && o.text === `${parent.name} › ${nested.name}`),
      'a child category is named with its parent',
    );
    assert.equal(groups.get('Tags')!.length, tagCount);
    assert.match(res.body, /<option value selected>Type an address<\/option>/, 'typing stays the default');
  });

  test('a picked category becomes a link with its address and, with no label typed, its name', async () => {
    const category = await t.site.content.db
      .selectFrom('categories')
      .select(['path', 'name'])
      .where('parent_id', 'is', null)
      .executeTakeFirstOrThrow();
    const tag = await t.site.content.db.selectFrom('tags').select(['slug', 'name']).executeTakeFirstOrThrow();
    const first = await send('/admin/menus', owner, {
      menu: 'primary',
      target: `/category/${category.path}/`,
      label: '',
      url: '',
    });
    assert.equal(first.statusCode, 303, first.body);
    const second = await send('/admin/menus', owner, {
      menu: 'primary',
      target: `/tag/${tag.slug}/`,
      label: 'Read more on this',
      url: '',
    });
    assert.equal(second.statusCode, 303, second.body);
    const third = await send('/admin/menus', owner, { menu: 'primary', target: '', label: 'Home', url: '/' });
    assert.equal(third.statusCode, 303, third.body);

    const home = await get('/');
    assert.deepEqual(linksOf(home.body), [
      [`/category/${category.path}/`, category.name],
      [`/tag/${tag.slug}/`, 'Read more on this'],
      ['/', 'Home'],
    ]);
  });

  test('picking and typing an address at once, or picking something not offered, is refused and shown again', async () => {
    const n = await itemCount();
    const page = await t.site.content.db
      .selectFrom('posts')
      .select(['slug', 'title'])
      .where('type', '=', 'page')
      .where('status', '=', 'published')
      .executeTakeFirstOrThrow();
    const both = await send('/admin/menus', owner, {
      menu: 'primary',
      target: `/${page.slug}/`,
      label: 'Both',
      url: '/somewhere-else/',
    });
    assert.equal(both.statusCode, 400);
    assert.match(both.body, /id="menu-primary-url-error">Choose “Type an address” in the list above/);
    assert.match(both.body, /value="\/somewhere-else\/"/, 'the typed address is kept');
    assert.match(both.body, new RegExp(`<option value="/${page.slug}/" selected>`), 'the pick is kept');

    for (const target of ['/category/no-such-category/', 'javascript:alert(1)']) {
      const res = await send('/admin/menus', owner, { menu: 'footer', target, label: 'Gone', url: '' });
      assert.equal(res.statusCode, 400, target);
      assert.match(res.body, /id="menu-footer-target-error">That page, category or tag is not on the site any more/);
      assert.match(res.body, /value="Gone"/, 'the label is kept');
    }
    const typedBad = await send('/admin/menus', owner, { menu: 'footer', target: '', label: 'Run', url: 'data:x' });
    assert.equal(typedBad.statusCode, 400);
    assert.match(typedBad.body, /id="menu-footer-url-error">Give a path on this site/);
    assert.equal(await itemCount(), n, 'nothing added');
  });
});
