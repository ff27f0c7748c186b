import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { createEntity } from '../../src/modules/history/entities.service.ts';
import { emptyEntityForm } from '../../src/modules/history/entity-form.ts';
import { normaliseName } from '../../src/modules/history/entity-names.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

// Search by entity names (decision 045): a name or other name of a person, place or event, in any script or
// spelling, finds the entity and the published articles that mention it, on SQLite (FTS5) and PostgreSQL alike.
let t: TestSite;
before(async () => {
  t = await startTestSite();
});
after(() => t.close());

const search = (q: string, page = 1) =>
  t.app.inject({ method: 'GET', url: `/search?q=${encodeURIComponent(q)}${page > 1 ? `&page=${page}` : ''}` });

/** The addresses of the results, in order. */
const resultSlugs = (html: string) =>
  [...html.matchAll(/<h2 class="post-card__title">\s*<a href="\/([^"]+)\/">/g)].map((m) => m[1]!);

/** The entities listed above the results: "People: <a href=…>Name</a>". */
const entityLinks = (html: string) => {
  const section = /<section class="search-entities"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  return [...section.matchAll(/<li>(\w+): <a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => `${m[1]}: ${m[3]} ${m[2]}`);
};

describe(`search by the names of people, places and events (${TEST_DATABASE})`, () => {
  const cases: [string, string, string[]][] = [
    ['Жуков', 'People: Georgy Zhukov /people/georgy-zhukov/', ['khalkhin-gol-1939', 'zhukov-before-moscow']],
    ['Žukov', 'People: Georgy Zhukov /people/georgy-zhukov/', ['khalkhin-gol-1939', 'zhukov-before-moscow']],
    ['Zhukov', 'People: Georgy Zhukov /people/georgy-zhukov/', ['khalkhin-gol-1939', 'zhukov-before-moscow']],
    ['ノモンハン', 'Places: Nomonhan /places/nomonhan/', ['khalkhin-gol-1939']],
    ['Nomonhan', 'Places: Nomonhan /places/nomonhan/', ['khalkhin-gol-1939']],
    ['Халхин-Гол', 'Places: Khalkhin-Gol /places/khalkhin-gol/', ['khalkhin-gol-1939']],
    ['Khalkhyn Gol', 'Places: Khalkhin-Gol /places/khalkhin-gol/', ['khalkhin-gol-1939']],
  ];
  for (const [q, entity, articles] of cases) {
    test(`searching “${q}” shows ${entity.split(' /')[0]} first and finds the articles mentioning it`, async () => {
      const res = await search(q);
      assert.equal(res.statusCode, 200);
      const entities = entityLinks(res.body);
      assert.equal(entities[0], entity, entities.join(' | '));
      const slugs = resultSlugs(res.body);
      for (const slug of articles) assert.ok(slugs.includes(slug), `${q}: ${slug} in ${slugs.join(', ')}`);
    });
  }

  test('a name in another script finds exactly the articles that mention the entity, with the count saying so', async () => {
    const res = await search('Жуков');
    assert.deepEqual(resultSlugs(res.body).sort(), ['khalkhin-gol-1939', 'zhukov-before-moscow']);
    assert.match(res.body, /<p role="status" class="search-count">2 results for “Жуков”<\/p>/);
    assert.match(
      res.body,
      /People: <a href="\/people\/georgy-zhukov\/">Georgy Zhukov<\/a><span[^>]*> \(“Жуков”\)<\/span>/,
    );
  });

  test('the Japanese name of the battle finds the event as well as the place', async () => {
    const links = entityLinks((await search('ノモンハン')).body);
    assert.ok(links.includes('Events: Battle of Khalkhin Gol /events/battle-of-khalkhin-gol/'), links.join(' | '));
  });

  test('case and accents do not matter, and a word that is no name finds no entity', async () => {
    for (const q of ['ЖУКОВ', 'zukov', 'KHALKHYN-GOL']) {
      const res = await search(q);
      assert.ok(entityLinks(res.body).length > 0, q);
      assert.ok(resultSlugs(res.body).includes('khalkhin-gol-1939'), q);
    }
    // A part of a word is not a name: "Жук" (a beetle) is not Zhukov.
    assert.deepEqual(entityLinks((await search('Жук')).body), []);
    assert.deepEqual(entityLinks((await search('steppe')).body), []);
  });

  test('drafts and articles scheduled for later never appear, whichever name finds them', async () => {
    for (const [slug, status, publishedAt] of [
      ['zhukov-draft-notes', 'draft', '2020-01-01T00:00:00.000Z'],
      ['zhukov-in-the-future', 'scheduled', '2099-01-01T00:00:00.000Z'],
    ] as const)
      await savePost(t.site.content, {
        type: 'post',
        slug,
        title: `Unseen ${slug}`,
        bodyMarkdown: 'On :person[Жуков]{#georgy-zhukov} at the river.',
        status,
        publishedAt,
        authorSlugs: ['elena-markova'],
      });
    for (const q of ['Жуков', 'Žukov', 'Zhukov']) {
      const res = await search(q);
      const slugs = resultSlugs(res.body);
      assert.ok(!slugs.some((s) => /draft-notes|in-the-future/.test(s)), `${q}: ${slugs.join(', ')}`);
      assert.doesNotMatch(res.body, /Unseen/);
    }
  });

  test('results found by words and by mentions are paged together, without repeats', async () => {
    const form = {
      ...emptyEntityForm('person'),
      name: 'Tsend Tsagaan',
      slug: 'tsend-tsagaan',
      names: 'mn: Цэнд Цагаан',
    };
    await createEntity(t.site.content, form);
    // Twelve articles mention him in Latin letters; the Mongolian name is in none of their words.
    for (let i = 1; i <= 12; i++)
      await savePost(t.site.content, {
        type: 'post',
        slug: `tsend-report-${i}`,
        title: `Report ${i} from the ford`,
        bodyMarkdown: `A report naming :person[Tsend Tsagaan]{#tsend-tsagaan}, number ${i}.`,
        status: 'published',
        publishedAt: `2024-01-${String(i).padStart(2, '0')}T00:00:00.000Z`,
        authorSlugs: ['elena-markova'],
      });
    const api = async (page: number) =>
      (await t.app.inject(`/api/v1/search?q=${encodeURIComponent('Цэнд Цагаан')}&page=${page}`)).json() as {
        entities: { slug: string; matched: string }[];
        results: { post: { slug: string } }[];
        total: number;
        total_pages: number;
      };
    const first = await api(1);
    assert.deepEqual(
      first.entities.map((e) => [e.slug, e.matched]),
      [['tsend-tsagaan', 'Цэнд Цагаан']],
    );
    assert.equal(first.total, 12);
    assert.equal(first.total_pages, 2);
    const second = await api(2);
    const slugs = [...first.results, ...second.results].map((r) => r.post.slug);
    assert.equal(new Set(slugs).size, 12);
    assert.equal(slugs[0], 'tsend-report-12', 'found by a mention: newest first');
    // Searched by his Latin name, the words find all twelve, each once.
    const latin = (await t.app.inject('/api/v1/search?q=Tsend%20Tsagaan')).json() as { total: number };
    assert.equal(latin.total, 12);
  });
});

test('names compare folded: case, accents, NFKC and punctuation', () => {
  assert.equal(normaliseName('Žukov'), 'zukov');
  assert.equal(normaliseName('Khalkhin-Gol'), 'khalkhin gol');
  assert.equal(normaliseName('ＫＨＡＬＫＨＩＮ　ＧＯＬ'), 'khalkhin gol');
  assert.equal(normaliseName('Георгий'), 'георгии');
  assert.equal(normaliseName('Łódź'), 'lodz');
  assert.equal(normaliseName('ノモンハン事件'), 'ノモンハン事件');
  assert.equal(normaliseName('ガ'), 'ガ', 'the kana voicing mark stays');
  assert.equal(normaliseName('!!!'), '');
});
