import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { createEntity, editEntity, entityFormOf, getEntity } from '../../src/modules/history/entities.service.ts';
import { emptyEntityForm } from '../../src/modules/history/entity-form.ts';
import { emptySourceForm } from '../../src/modules/sources/source-form.ts';
import { createSource } from '../../src/modules/sources/sources.service.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// The JSON API's entities and events, and the editor's completion of mentions (decision 045).
let t: TestSite;
const { person, get } = staffClient(() => t);
let contributor: Person;
let moderator: Person;

interface EntityJson {
  kind: string;
  slug: string;
  name: string;
  url: string;
  date: { edtf: string; words: string; lower: string | null; upper: string | null } | null;
}

const api = async (url: string) => {
  const res = await t.app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
};

before(async () => {
  t = await startTestSite();
  contributor = await person('contributor', 'Cora');
  moderator = await person('moderator', 'Mona');
  // Three dated events and one undated, each mentioned by a published article.
  for (const [name, date] of [
    ['Siege of the ford', '1939-07-02/1939-07-05'],
    ['Night crossing', '1939-07~'],
    ['Border skirmish', '1939-05-11'],
    ['Undated rumour', ''],
  ] as const) {
    const e = await createEntity(t.site.content, { ...emptyEntityForm('event'), name, date });
    await savePost(t.site.content, {
      type: 'post',
      slug: `report-${e.slug}`,
      title: `A report on ${name}`,
      bodyMarkdown: `See :event[${name}]{#${e.slug}}.`,
      status: 'published',
      publishedAt: '2025-01-01T00:00:00.000Z',
      authorSlugs: ['elena-markova'],
    });
  }
  // An event mentioned only by a draft is not listed.
  const hidden = await createEntity(t.site.content, { ...emptyEntityForm('event'), name: 'Secret plan', date: '1939' });
  await savePost(t.site.content, {
    type: 'post',
    slug: 'secret-draft',
    title: 'Secret',
    bodyMarkdown: `:event[plan]{#${hidden.slug}}`,
    status: 'draft',
    authorSlugs: ['elena-markova'],
  });
});
after(() => t.close());

describe(`the entities API (${TEST_DATABASE})`, () => {
  test('people come by name with their dates as EDTF, words and bounds', async () => {
    const { status, body } = await api('/api/v1/entities?kind=person');
    assert.equal(status, 200);
    const zhukov = body.entities.find((e: EntityJson) => e.slug === 'georgy-zhukov');
    assert.deepEqual(zhukov.date, {
      edtf: '1896/1974',
      words: 'between 1896 and 1974',
      lower: '1896-01-01',
      upper: '1974-12-31',
    });
    assert.equal(zhukov.url, '/people/georgy-zhukov/');
    assert.equal(zhukov.wikidata_id, 'Q124617');
    assert.equal(zhukov.feed_url, '/people/georgy-zhukov/feed/');
    assert.ok(body.entities.every((e: EntityJson) => e.kind === 'person'));
  });

  test('the list pages: per_page splits it, pages do not overlap, and a page past the end is refused', async () => {
    const all = (await api('/api/v1/entities')).body;
    assert.ok(all.total >= 8, String(all.total));
    const names: string[] = [];
    for (let page = 1; page <= Math.ceil(all.total / 3); page++) {
      const { status, body } = await api(`/api/v1/entities?per_page=3&page=${page}`);
      assert.equal(status, 200);
      assert.ok(body.entities.length <= 3);
      assert.equal(body.total_pages, Math.ceil(all.total / 3));
      names.push(...body.entities.map((e: EntityJson) => `${e.kind}:${e.slug}`));
    }
    assert.equal(new Set(names).size, all.total);
    assert.ok(!names.includes('event:secret-plan'), 'an entity only a draft mentions is not listed');
    const past = await api(`/api/v1/entities?per_page=3&page=${Math.ceil(all.total / 3) + 1}`);
    assert.equal(past.status, 400);
    assert.equal(past.body.error.code, 'INVALID_PAGE_NUMBER');
  });

  test('events come in date order, lower bound then upper, undated last', async () => {
    const { body } = await api('/api/v1/events?per_page=100');
    const names = body.events.map((e: EntityJson) => e.name);
    const order = [
      'Border skirmish',
      'Battle of Khalkhin Gol',
      'Night crossing',
      'Siege of the ford',
      'Undated rumour',
    ];
    assert.deepEqual(
      names.filter((n: string) => order.includes(n)),
      order,
    );
    assert.ok(!names.includes('Secret plan'));
    const night = body.events.find((e: EntityJson) => e.name === 'Night crossing');
    assert.deepEqual([night.date.lower, night.date.upper], ['1939-07-01', '1939-07-31']);
  });

  test('one entity: its other names with languages, its date and the published articles mentioning it', async () => {
    const { status, body } = await api('/api/v1/entities/person/georgy-zhukov');
    assert.equal(status, 200);
    assert.ok(body.entity.names.some((n: { name: string; lang: string }) => n.name === 'Жуков' && n.lang === 'ru'));
    assert.equal(body.entity.date.edtf, '1896/1974');
    const slugs = body.articles.map((a: { slug: string }) => a.slug).sort();
    assert.deepEqual(slugs, ['khalkhin-gol-1939', 'zhukov-before-moscow']);
    assert.equal(body.total, 2);
    assert.equal(body.page, 1);
  });

  test("one entity carries its sources in order with the site's citation, its identifiers as links and sameAs", async () => {
    const id = (
      await t.site.content.db
        .selectFrom('entities')
        .select('id')
        .where('kind', '=', 'person')
        .where('slug', '=', 'georgy-zhukov')
        .executeTakeFirstOrThrow()
    ).id;
    const zhukov = await getEntity(t.site.content, id);
    await editEntity(t.site.content, {
      id,
      form: {
        ...entityFormOf(zhukov),
        sources: 'roberts-2012 pp. 88–104\nzhukov-1985 vol. 1',
        identifiers: 'viaf: 59083462\nisni: 0000 0001 2134 5678',
      },
    });
    const { status, body } = await api('/api/v1/entities/person/georgy-zhukov');
    assert.equal(status, 200);
    const { sources, identifiers, same_as, citation_style } = body.entity;
    assert.deepEqual(
      sources.map((s: { key: string; note: string; url: string }) => [s.key, s.note, s.url]),
      [
        ['roberts-2012', 'pp. 88–104', '/sources/roberts-2012/'],
        ['zhukov-1985', 'vol. 1', '/sources/zhukov-1985/'],
      ],
    );
    assert.equal(citation_style, 'chicago');
    assert.match(sources[0].title, /Stalin/);
    assert.match(sources[0].citation, /Roberts, Geoffrey/);
    assert.doesNotMatch(sources[0].citation, /</);
    assert.match(sources[0].citation_html, /<i>[^<]+<\/i>/, 'the title in italics');
    assert.deepEqual(identifiers, [
      { scheme: 'viaf', label: 'VIAF', value: '59083462', url: 'https://viaf.org/viaf/59083462/' },
      { scheme: 'isni', label: 'ISNI', value: '0000000121345678', url: 'https://isni.org/isni/0000000121345678' },
    ]);
    assert.deepEqual(same_as, [
      'https://www.wikidata.org/wiki/Q124617',
      'https://viaf.org/viaf/59083462/',
      'https://isni.org/isni/0000000121345678',
    ]);
    const page = await t.app.inject({ method: 'GET', url: '/people/georgy-zhukov/' });
    const ld = JSON.parse(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(page.body)?.[1] ?? '{}');
    assert.deepEqual(ld.sameAs, same_as, "the same records as the page's JSON-LD");
    const none = (await api('/api/v1/entities/place/nomonhan')).body.entity;
    assert.deepEqual([none.sources, none.identifiers, none.same_as], [[], [], []]);
  });

  test("a source's fields cannot put markup into the citation", async () => {
    await createSource(t.site.content, {
      ...emptySourceForm(),
      key: 'hostile-2020',
      type: 'book',
      authors: 'Mallory, <b onclick="x()">Eve</b>',
      title: '<script>alert(1)</script> & <img src=x onerror=alert(2)>',
      publisher: '<a href="javascript:x()">Press</a>',
    });
    const e = await createEntity(t.site.content, {
      ...emptyEntityForm('organisation'),
      name: 'Hostile Press Office',
      sources: 'hostile-2020',
    });
    const { body } = await api(`/api/v1/entities/organisation/${e.slug}`);
    const [source] = body.entity.sources;
    assert.doesNotMatch(source.citation_html, /<(?!\/?[ib]>)/, source.citation_html);
    assert.match(source.citation, /<script>alert\(1\)<\/script>/i, 'the text kept as written, as text');
  });

  test('bad queries answer 400 with a stable code; an unknown entity 404', async () => {
    for (const url of [
      '/api/v1/entities?kind=wizard',
      '/api/v1/entities?per_page=0',
      '/api/v1/entities?per_page=101',
      '/api/v1/entities?page=abc',
      '/api/v1/entities?colour=red',
      '/api/v1/events?kind=person',
      '/api/v1/entities/wizard/georgy-zhukov',
      '/api/v1/entities/person/Georgy_Zhukov',
      '/api/v1/entities/person/georgy-zhukov?page=2',
    ]) {
      const { status, body } = await api(url);
      assert.equal(status, 400, url);
      assert.match(body.error.code, /^(INVALID_QUERY|INVALID_PAGE_NUMBER)$/, url);
    }
    const missing = await api('/api/v1/entities/person/no-such-person');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'ENTITY_NOT_FOUND');
  });

  test('the OpenAPI document describes the three routes with the parameters that validate them', async () => {
    const doc = (await api('/api/v1/openapi.json')).body;
    for (const path of ['/entities', '/entities/{kind}/{slug}', '/events']) assert.ok(doc.paths[path]?.get, path);
    const params = doc.paths['/entities'].get.parameters.map((p: { name: string }) => p.name);
    assert.deepEqual(params.sort(), ['kind', 'page', 'per_page']);
  });
});

describe(`the editor's suggestions of entities (${TEST_DATABASE})`, () => {
  const suggest = (q: string, who: Person | 'signed out' = contributor) =>
    get(`/admin/entities/suggest?q=${encodeURIComponent(q)}`, who === 'signed out' ? undefined : who);

  test('a writer typing part of a name in any script gets the entity and the mention to insert', async () => {
    const res = await suggest('Жук');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['cache-control']), /no-store/);
    assert.deepEqual(res.json(), {
      entities: [
        {
          kind: 'person',
          slug: 'georgy-zhukov',
          name: 'Georgy Zhukov',
          matched: 'Жуков',
          directive: ':person[Жуков]{#georgy-zhukov}',
        },
      ],
    });
  });

  test('case, accents and later words of a name match; organisations get :org', async () => {
    const first = (q: string) => suggest(q).then((r) => r.json().entities[0]);
    assert.equal((await first('zuk')).matched, 'Žukov');
    assert.equal((await first('ZHU')).directive, ':person[Georgy Zhukov]{#georgy-zhukov}');
    assert.equal((await first('ノモン')).slug, 'nomonhan');
    assert.equal((await first('special')).directive, ':org[57th Special Corps]{#57th-special-corps}');
    assert.deepEqual((await suggest('qqqq')).json(), { entities: [] });
    assert.deepEqual((await suggest('!!')).json(), { entities: [] });
  });

  test('at most ten entities come back', async () => {
    for (let i = 0; i < 12; i++)
      await createEntity(t.site.content, {
        ...emptyEntityForm('person'),
        name: `Dashdorj ${i}`,
        slug: `dashdorj-${i}`,
      });
    const found = (await suggest('dash')).json().entities;
    assert.equal(found.length, 10);
  });

  test('signed out, or signed in without writing posts, the suggestions are refused; a bad query is JSON 400', async () => {
    const out = await suggest('zhu', 'signed out');
    assert.equal(out.statusCode, 303);
    assert.match(String(out.headers.location), /^\/admin\/sign-in/);
    assert.doesNotMatch(out.body, /georgy-zhukov/);
    const reader = await suggest('zhu', moderator);
    assert.equal(reader.statusCode, 403);
    for (const url of [
      '/admin/entities/suggest',
      `/admin/entities/suggest?q=${'z'.repeat(101)}`,
      '/admin/entities/suggest?q=a&q=b',
    ]) {
      const bad = await get(url, contributor);
      assert.equal(bad.statusCode, 400, url);
      assert.equal(bad.json().error.code, 'INVALID_QUERY', url);
    }
  });
});
