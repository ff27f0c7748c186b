import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { insertSourceRow } from '../../src/modules/sources/source.repository.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

let t: TestSite;
const { person, get, send } = staffClient(() => t);
let editor: Person;

const page = (url: string) => t.app.inject({ method: 'GET', url });
const db = () => t.site.content.db;

const article = (slug: string, body: string) =>
  savePost(t.site.content, {
    type: 'post',
    slug,
    title: `Notes on ${slug.replaceAll('-', ' ')}`,
    bodyMarkdown: body,
    status: 'published',
    publishedAt: null,
    authorSlugs: ['elena-markova'],
  });

const idOf = async (kind: 'person' | 'place', slug: string) =>
  (
    await db()
      .selectFrom('entities')
      .select('id')
      .where('kind', '=', kind)
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow()
  ).id;

const entityForm = (fields: Record<string, string>) => ({
  kind: 'person',
  names: '',
  date: '',
  description: '',
  wikidata: '',
  identifiers: '',
  sources: '',
  ...fields,
});

const jsonLd = (html: string) =>
  JSON.parse(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}') as Record<
    string,
    unknown
  >;

before(async () => {
  t = await startTestSite();
  editor = await person('editor', 'Edith');
});
after(() => t.close());

describe(`merging entities (${TEST_DATABASE})`, () => {
  test('a duplicate merged into Zhukov hands over its mentions, names and address, and is gone', async () => {
    const created = await send(
      '/admin/entities',
      editor,
      entityForm({ name: 'G. K. Zhukov', slug: 'g-k-zhukov', names: 'ru: Жуков\nMarshal Zhukov' }),
    );
    assert.equal(created.statusCode, 303, created.body);
    const dup = await idOf('person', 'g-k-zhukov');
    const kept = await idOf('person', 'georgy-zhukov');
    const both = await article('both-zhukovs', 'Both :person[Zhukov]{#georgy-zhukov} and :person[G. K.]{#g-k-zhukov}.');
    const one = await article('dup-zhukov', 'Here :person[the marshal]{#g-k-zhukov} arrives at the river.');

    const res = await send(`/admin/entities/edit/${dup}/merge`, editor, { into: String(kept) });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/admin/entities/edit/${kept}?notice=merged`);

    assert.equal(await db().selectFrom('entities').select('id').where('id', '=', dup).executeTakeFirst(), undefined);
    const mentions = await db()
      .selectFrom('entity_mentions')
      .selectAll()
      .where('post_id', 'in', [both.id, one.id])
      .orderBy('post_id')
      .execute();
    assert.deepEqual(
      mentions.map((m) => [m.entity_id, m.post_id]),
      [
        [kept, both.id],
        [kept, one.id],
      ],
    );
    const published = await db().selectFrom('posts').select('published_at').where('id', '=', one.id).executeTakeFirst();
    assert.equal(mentions[1]!.visible_from, published?.published_at);

    const old = await page('/people/g-k-zhukov/');
    assert.equal(old.statusCode, 301);
    assert.equal(old.headers.location, '/people/georgy-zhukov/');
    const keptPage = await page('/people/georgy-zhukov/');
    assert.match(keptPage.body, /<a href="\/dup-zhukov\/">Notes on dup zhukov<\/a>/);
    const names = [...keptPage.body.matchAll(/<li(?: lang="[^"]*")?>([^<]+)(?:<span|<\/li>)/g)].map((m) => m[1]);
    assert.equal(names.filter((n) => n === 'Жуков').length, 1, names.join(' | '));
    assert.ok(names.includes('G. K. Zhukov'), names.join(' | '));
    assert.ok(names.includes('Marshal Zhukov'), names.join(' | '));

    // The article still says {#g-k-zhukov}: its link reaches the kept page through the old address.
    const body = (await page('/dup-zhukov/')).body;
    const href = /<a href="([^"]+)" class="mention mention-person"[^>]*>the marshal<\/a>/.exec(body)?.[1];
    assert.ok(href, 'the mention is still a link');
    const followed = await page(href);
    const landing = followed.statusCode === 301 ? String(followed.headers.location) : href;
    assert.equal(landing, '/people/georgy-zhukov/');
  });

  test('merging into itself or into a place is refused with a message, and nothing changes', async () => {
    await send('/admin/entities', editor, entityForm({ name: 'Grigory Shtern', slug: 'grigory-shtern' }));
    const id = await idOf('person', 'grigory-shtern');
    const self = await send(`/admin/entities/edit/${id}/merge`, editor, { into: String(id) });
    assert.equal(self.statusCode, 409);
    assert.match(self.body, /cannot be merged into itself/);
    const place = await idOf('place', 'nomonhan');
    const across = await send(`/admin/entities/edit/${id}/merge`, editor, { into: String(place) });
    assert.equal(across.statusCode, 409);
    assert.match(across.body, /is a person and “Nomonhan” a place/);
    assert.ok(await db().selectFrom('entities').select('id').where('id', '=', id).executeTakeFirst());
    assert.ok(await db().selectFrom('entities').select('id').where('id', '=', place).executeTakeFirst());
  });

  test('the merge page finds the one to keep by any of its names, among its own kind', async () => {
    await send('/admin/entities', editor, entityForm({ name: 'Shtern, G. M.', slug: 'shtern-g-m' }));
    const id = await idOf('person', 'shtern-g-m');
    const edit = await get(`/admin/entities/edit/${id}`, editor);
    assert.match(edit.body, /<h2>Merge into…<\/h2>/);
    const found = await get(`/admin/entities/edit/${id}/merge?q=${encodeURIComponent('Жуков')}`, editor);
    assert.equal(found.statusCode, 200);
    assert.match(found.body, /name="into" value="\d+"/);
    assert.match(found.body, /Georgy Zhukov <code>georgy-zhukov<\/code>/);
    const places = await get(`/admin/entities/edit/${id}/merge?q=Nomonhan`, editor);
    assert.doesNotMatch(places.body, /name="into"/);
    assert.match(places.body, /No other person has a name/);
  });
});

describe(`an entity's sources and identifiers (${TEST_DATABASE})`, () => {
  test("the demo's Zhukov lists his sources, each linking to its page", async () => {
    const res = await page('/people/georgy-zhukov/');
    assert.match(res.body, /<h2 id="entity-sources">Sources<\/h2>/);
    assert.match(res.body, /<a href="\/sources\/zhukov-1985\/">/);
    assert.match(res.body, /<a href="\/sources\/roberts-2012\/">/);
    assert.match(res.body, /Reminiscences and Reflections/);
  });

  test('identifiers are checked by pattern, shown as external links and carried in sameAs', async () => {
    const bad = await send(
      '/admin/entities',
      editor,
      entityForm({ name: 'Yakov Smushkevich', slug: 'yakov-smushkevich', identifiers: 'viaf: 12ab' }),
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Line 1 is not a VIAF id/);
    const unknownScheme = await send(
      '/admin/entities',
      editor,
      entityForm({ name: 'Yakov Smushkevich', slug: 'yakov-smushkevich', identifiers: 'orcid: 1' }),
    );
    assert.match(unknownScheme.body, /names “orcid”, which is none of viaf, geonames, isni, loc/);
    const ok = await send(
      '/admin/entities',
      editor,
      entityForm({
        name: 'Yakov Smushkevich',
        slug: 'yakov-smushkevich',
        wikidata: 'Q1389386',
        identifiers: 'viaf: 98765432\nisni: 0000 0001 2233 445X',
        sources: 'coox-1985 ch. 20',
      }),
    );
    assert.equal(ok.statusCode, 303, ok.body);
    await article('smushkevich-air', 'The air war under :person[Smushkevich]{#yakov-smushkevich}.');
    const res = await page('/people/yakov-smushkevich/');
    assert.match(
      res.body,
      /<dt>VIAF<\/dt>\s*<dd>\s*<a href="https:\/\/viaf\.org\/viaf\/98765432\/" rel="external">98765432<\/a>/,
    );
    assert.match(
      res.body,
      /<a href="https:\/\/isni\.org\/isni\/000000012233445X" rel="external">000000012233445X<\/a>/,
    );
    assert.match(res.body, /\(ch\. 20\)/);
    assert.deepEqual(jsonLd(res.body).sameAs, [
      'https://www.wikidata.org/wiki/Q1389386',
      'https://viaf.org/viaf/98765432/',
      'https://isni.org/isni/000000012233445X',
    ]);
    const form = await get(`/admin/entities/edit/${await idOf('person', 'yakov-smushkevich')}`, editor);
    assert.match(form.body, /viaf: 98765432\nisni: 000000012233445X<\/textarea>/);
  });

  test('a key the library does not have is a field message, and a source an entity lists is not deleted', async () => {
    const res = await send(
      '/admin/entities',
      editor,
      entityForm({ name: 'Ivan Fedyuninsky', slug: 'ivan-fedyuninsky', sources: 'nobody-1999' }),
    );
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /The sources library has no “nobody-1999”/);
    // A source no article cites: the entity listing it is what holds it.
    const now = new Date().toISOString();
    const item = { id: 'shtern-papers', type: 'manuscript', title: 'Papers of a corps commander' };
    await insertSourceRow(db(), {
      key: 'shtern-papers',
      kind: 'archive',
      title: item.title,
      csl_json: JSON.stringify(item),
      note: '',
      created_at: now,
      updated_at: now,
    });
    const listed = await send(
      '/admin/entities',
      editor,
      entityForm({ name: 'Ivan Fedyuninsky', slug: 'ivan-fedyuninsky', sources: 'shtern-papers' }),
    );
    assert.equal(listed.statusCode, 303, listed.body);
    const del = await send('/admin/sources/edit/shtern-papers/delete', editor, {});
    assert.equal(del.statusCode, 409, del.body);
    assert.match(del.body, /“Ivan Fedyuninsky” lists this source among its sources/);
    assert.ok(await db().selectFrom('sources').select('id').where('key', '=', 'shtern-papers').executeTakeFirst());
  });
});

describe(`a source's page lists the entities drawing on it (${TEST_DATABASE})`, () => {
  const listed = (html: string) =>
    [...html.matchAll(/<li><a href="(\/[a-z]+\/[^"/]+\/)">[^<]+<\/a> <span class="source-entities__kind">/g)].map(
      (m) => m[1],
    );

  test("the demo's memoirs page links Zhukov's page", async () => {
    const res = await page('/sources/zhukov-1985/');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h2 id="source-entities">People, places and events drawing on this source<\/h2>/);
    assert.ok(listed(res.body).includes('/people/georgy-zhukov/'), res.body);
  });

  test('readers see the entities a published article mentions; one that drafts alone mention comes with its article', async () => {
    const now = new Date().toISOString();
    const item = { id: 'steppe-diary-1939', type: 'manuscript', title: 'A staff officer’s steppe diary' };
    await insertSourceRow(db(), {
      key: 'steppe-diary-1939',
      kind: 'archive',
      title: item.title,
      csl_json: JSON.stringify(item),
      note: '',
      created_at: now,
      updated_at: now,
    });
    const bare = await page('/sources/steppe-diary-1939/');
    assert.doesNotMatch(bare.body, /drawing on this source/, 'no section when no entity lists it');
    for (const [kind, name, slug] of [
      ['person', 'Mikhail Yakovlev', 'mikhail-yakovlev'],
      ['place', 'Tamsag Bulak', 'tamsag-bulak'],
      ['event', 'Crossing at dawn', 'crossing-at-dawn'],
    ] as const) {
      const res = await send('/admin/entities', editor, entityForm({ kind, name, slug, sources: 'steppe-diary-1939' }));
      assert.equal(res.statusCode, 303, res.body);
    }
    await article(
      'yakovlev-tanks',
      'The tanks of :person[Yakovlev]{#mikhail-yakovlev} crossed at :event[dawn]{#crossing-at-dawn}.',
    );
    const draft = await savePost(t.site.content, {
      type: 'post',
      slug: 'tamsag-draft',
      title: 'Tamsag, unfinished',
      bodyMarkdown: 'Supplies came through :place[Tamsag Bulak]{#tamsag-bulak}.',
      status: 'draft',
      authorSlugs: ['elena-markova'],
    });
    const before = await page('/sources/steppe-diary-1939/');
    assert.equal(before.statusCode, 200);
    assert.deepEqual(listed(before.body), ['/people/mikhail-yakovlev/', '/events/crossing-at-dawn/']);
    assert.doesNotMatch(before.body, /Tamsag Bulak/, 'a place drafts alone mention is not shown');

    await savePost(t.site.content, {
      id: draft.id,
      type: 'post',
      slug: 'tamsag-draft',
      title: 'Tamsag, finished',
      bodyMarkdown: 'Supplies came through :place[Tamsag Bulak]{#tamsag-bulak}.',
      status: 'published',
      publishedAt: null,
      authorSlugs: ['elena-markova'],
    });
    const after = await page('/sources/steppe-diary-1939/');
    assert.deepEqual(listed(after.body), [
      '/people/mikhail-yakovlev/',
      '/places/tamsag-bulak/',
      '/events/crossing-at-dawn/',
    ]);
  });
});
