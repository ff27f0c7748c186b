import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { normaliseName } from '../../src/modules/history/entity-names.ts';
import { type Article, createArticle, createEntity, type HistoryEntity } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

/**
 * Search by entity names (decision 045): a name or other name of a person, place or event, in any script or
 * spelling, finds the entity and the published articles that mention it, on SQLite (FTS5) and PostgreSQL alike.
 * The entities and the articles mentioning them are this file's own (test/support/factories.ts); none of their
 * names is in the demo's content.
 */
let t: TestSite;
let chuikov: HistoryEntity;
let island: HistoryEntity;
let incident: HistoryEntity;
let ulanUde: HistoryEntity;
/** Mentions Chuikov, the island and Ulan-Ude. */
let dispatch: Article;
/** Mentions Chuikov alone. */
let memoir: Article;

before(async () => {
  t = await startTestSite();
  chuikov = await createEntity(t, {
    kind: 'person',
    name: 'Vasily Chuikov',
    names: 'ru: Чуйков\nru: Василий Иванович Чуйков\nČujkov (transliteration)',
    date: '1900/1982',
  });
  island = await createEntity(t, { kind: 'place', name: 'Kanchazu Island', names: 'ja: 乾岔子島', date: '' });
  incident = await createEntity(t, {
    kind: 'event',
    name: 'Kanchazu Island incident',
    names: 'ja: 乾岔子島事件',
    date: '1937-06-19/1937-07-04',
  });
  ulanUde = await createEntity(t, {
    kind: 'place',
    name: 'Ulan-Ude',
    names: 'ru: Улан-Удэ\nUlaan Ude (transliteration)',
    date: '',
  });
  dispatch = await createArticle(t, {
    title: 'A dispatch from the Amur',
    body: `${chuikov.mention} read of the ${island.mention} affair on his way through ${ulanUde.mention}.`,
  });
  memoir = await createArticle(t, {
    title: 'The general remembers',
    body: `In his memoirs ${chuikov.mention} says little of the East.`,
  });
});
after(() => t.close());

const search = async (q: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/search?q=${encodeURIComponent(q)}` });
  assert.equal(res.statusCode, 200, q);
  return { body: res.body, page: parsePage(res.body) };
};

/** The addresses of the results, in order: each result card's title links to its article. */
const resultUrls = ({ page }: { page: Page }) =>
  page
    .within(page.get('main'))
    .all('article')
    .map((card) => page.attr(page.within(page.within(card).get('heading')).get('link'), 'href'));

/** The entities listed above the results, each as "People: <name> <address>". */
const entityLinks = ({ page }: { page: Page }) =>
  page.all('region', 'People, places and events').flatMap((section) =>
    page
      .within(section)
      .all('listitem')
      .map((li) => {
        const link = page.within(li).get('link');
        return `${page.text(li).split(': ')[0]}: ${page.text(link)} ${page.attr(link, 'href')}`;
      }),
  );

describe(`search by the names of people, places and events (${TEST_DATABASE})`, () => {
  const cases: [string, string, () => HistoryEntity, () => Article[]][] = [
    ['Чуйков', 'People: Vasily Chuikov', () => chuikov, () => [dispatch, memoir]],
    ['Čujkov', 'People: Vasily Chuikov', () => chuikov, () => [dispatch, memoir]],
    ['Chuikov', 'People: Vasily Chuikov', () => chuikov, () => [dispatch, memoir]],
    ['乾岔子島', 'Places: Kanchazu Island', () => island, () => [dispatch]],
    ['Kanchazu', 'Places: Kanchazu Island', () => island, () => [dispatch]],
    ['Улан-Удэ', 'Places: Ulan-Ude', () => ulanUde, () => [dispatch]],
    ['Ulaan Ude', 'Places: Ulan-Ude', () => ulanUde, () => [dispatch]],
  ];
  for (const [q, shown, entity, articles] of cases) {
    test(`searching “${q}” shows ${shown} first and finds the articles mentioning it`, async () => {
      const found = await search(q);
      const entities = entityLinks(found);
      const folder = shown.startsWith('People') ? 'people' : 'places';
      assert.equal(entities[0], `${shown} /${folder}/${entity().slug}/`, entities.join(' | '));
      const urls = resultUrls(found);
      for (const a of articles()) assert.ok(urls.includes(a.url), `${q}: ${a.url} in ${urls.join(', ')}`);
    });
  }

  test('a name in another script finds exactly the articles that mention the entity, with the count saying so', async () => {
    const found = await search('Чуйков');
    assert.deepEqual(resultUrls(found).sort(), [dispatch.url, memoir.url].sort());
    const { page } = found;
    assert.equal(page.text(page.get('status', /results? for/)), '2 results for “Чуйков”');
    const entities = page.within(page.get('region', 'People, places and events'));
    const line = entities.get('listitem');
    assert.equal(page.text(line), 'People: Vasily Chuikov (“Чуйков”)', 'the entity, and the name that matched');
    assert.equal(page.attr(entities.get('link', 'Vasily Chuikov'), 'href'), `/people/${chuikov.slug}/`);
  });

  test('the Japanese name of the incident finds the event as well as the place', async () => {
    const links = entityLinks(await search('乾岔子島'));
    const event = `Events: Kanchazu Island incident /events/${incident.slug}/`;
    assert.ok(links.includes(event), links.join(' | '));
  });

  test('case and accents do not matter, and a word that is no name finds no entity', async () => {
    for (const q of ['ЧУЙКОВ', 'cujkov', 'ULAAN-UDE']) {
      const found = await search(q);
      assert.ok(entityLinks(found).length > 0, q);
      assert.ok(resultUrls(found).includes(dispatch.url), q);
    }
    // A part of a word is not a name: "Чуй" (a river) is not Chuikov.
    assert.deepEqual(entityLinks(await search('Чуй')), []);
    assert.deepEqual(entityLinks(await search('steppe')), []);
  });

  test('drafts and articles scheduled for later never appear, whichever name finds them', async () => {
    const unseen = [
      await createArticle(t, {
        title: 'Unseen draft notes',
        status: 'draft',
        publishedAt: '2020-01-01T00:00:00.000Z',
        body: `On :person[Чуйков]{#${chuikov.slug}} at the river.`,
      }),
      await createArticle(t, {
        title: 'Unseen in the future',
        status: 'scheduled',
        publishedAt: '2099-01-01T00:00:00.000Z',
        body: `On :person[Чуйков]{#${chuikov.slug}} at the river.`,
      }),
    ];
    for (const q of ['Чуйков', 'Čujkov', 'Chuikov']) {
      const found = await search(q);
      const urls = resultUrls(found);
      assert.ok(urls.includes(memoir.url), `${q}: the published ones are found (${urls.join(', ')})`);
      assert.ok(!unseen.some((a) => urls.includes(a.url)), `${q}: ${urls.join(', ')}`);
      assert.doesNotMatch(found.body, /Unseen/);
    }
  });

  test('results found by words and by mentions are paged together, without repeats', async () => {
    const tsend = await createEntity(t, { kind: 'person', name: 'Tsend Tsagaan', names: 'mn: Цэнд Цагаан' });
    // Twelve articles mention him in Latin letters; the Mongolian name is in none of their words.
    const reports: Article[] = [];
    for (let i = 1; i <= 12; i++)
      reports.push(
        await createArticle(t, {
          title: `Report ${i} from the ford`,
          body: `A report naming ${tsend.mention}, number ${i}.`,
          publishedAt: `2024-01-${String(i).padStart(2, '0')}T00:00:00.000Z`,
        }),
      );
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
      [[tsend.slug, 'Цэнд Цагаан']],
    );
    assert.equal(first.total, 12);
    assert.equal(first.total_pages, 2);
    const second = await api(2);
    const slugs = [...first.results, ...second.results].map((r) => r.post.slug);
    assert.equal(new Set(slugs).size, 12);
    assert.deepEqual(new Set(slugs), new Set(reports.map((r) => r.slug)), 'the twelve reports');
    assert.equal(slugs[0], reports[11]!.slug, 'found by a mention: newest first');
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
