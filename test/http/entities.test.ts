import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { type Article, createArticle, createEntity, type HistoryEntity } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

/**
 * Entity pages, index pages and mentions, on entities and articles each test makes for itself
 * (test/support/factories.ts, or the admin form where adding one is part of the test).
 */

let t: TestSite;
const { person, get, send } = staffClient(() => t);
let editor: Person;
let author: Person;

const page = (url: string) => t.app.inject({ method: 'GET', url });
const open = async (url: string) => parsePage((await page(url)).body);

const HOUR = 3_600_000;
/** A time `hours` before the site clock's now, as an ISO string. */
const hoursAgo = (hours: number) => new Date(t.clock.now().getTime() - hours * HOUR).toISOString();

/** The element right after `el` among its siblings, looked for under `root`. */
function elementAfter(root: Element, el: Element): Element | undefined {
  const kids = root.children.filter((c): c is Element => c.type === 'element');
  const at = kids.indexOf(el);
  if (at >= 0) return kids[at + 1];
  for (const kid of kids) {
    const found = elementAfter(kid, el);
    if (found) return found;
  }
  return undefined;
}

/** The titles of the articles listed under the heading "Mentioned in" (none when there is no such heading). */
function mentionedIn(html: string): string[] {
  const p = parsePage(html);
  const main = p.get('main');
  const [heading] = p.within(main).all('heading', 'Mentioned in');
  if (!heading) return [];
  const list = elementAfter(main, heading);
  assert.ok(list && p.within(list).all('list')[0] === list, 'a list follows the heading');
  return p
    .within(list)
    .all('listitem')
    .map((li) => p.text(p.within(li).get('link')));
}

/** An entity page's facts: each term ("Lived") with the definition that follows it. */
function factsOf(p: Page): Map<string, Element> {
  const main = p.within(p.get('main'));
  const terms = main.all('term');
  const definitions = main.all('definition');
  assert.equal(terms.length, definitions.length, 'a definition for each term');
  return new Map(terms.map((dt, i) => [p.text(dt), definitions[i]!]));
}

/** A person the test owns, and `titles.length` published articles mentioning him, oldest first. */
async function personMentioned(name: string, titles: string[]): Promise<[HistoryEntity, Article[]]> {
  const someone = await createEntity(t, { kind: 'person', name, date: '' });
  const articles: Article[] = [];
  for (const [i, title] of titles.entries())
    articles.push(
      await createArticle(t, {
        title,
        body: `Notes on ${someone.mention}.`,
        publishedAt: hoursAgo(24 * (titles.length - i)),
      }),
    );
  return [someone, articles];
}

before(async () => {
  t = await startTestSite();
  editor = await person('editor', 'Edith');
  author = await person('author', 'Alma');
});
after(() => t.close());

describe(`entity pages and mentions (${TEST_DATABASE})`, () => {
  test("a person's page lists the published articles mentioning him, never a draft or an article still scheduled", async () => {
    const chuikov = await createEntity(t, {
      kind: 'person',
      name: 'Vasily Chuikov',
      names: 'ru: Чуйков\nČujkov (transliteration)',
      date: '1900/1982',
      wikidata: 'Q4115189', // Wikidata's sandbox item: an id of the right shape that names nobody
    });
    const body = `Notes on ${chuikov.mention}.`;
    const published = [
      await createArticle(t, { title: 'Chuikov on the Volga', body, publishedAt: hoursAgo(48) }),
      await createArticle(t, { title: 'Chuikov in Berlin, 1945', body, publishedAt: hoursAgo(24) }),
    ];
    // A draft with a date in the past: an article taken back to draft keeps the date it was published on.
    await createArticle(t, {
      title: 'Draft on Chuikov',
      body,
      status: 'draft',
      publishedAt: '2020-01-01T00:00:00.000Z',
    });
    await createArticle(t, {
      title: 'Later on Chuikov',
      body,
      status: 'scheduled',
      publishedAt: '2099-01-01T00:00:00.000Z',
    });
    const res = await page(`/people/${chuikov.slug}/`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      mentionedIn(res.body),
      published.map((a) => a.title).reverse(),
      'the published ones, newest first, and nothing else',
    );
    const p = parsePage(res.body);
    assert.equal(p.get('heading', 'Vasily Chuikov').tagName, 'h1');
    const facts = factsOf(p);
    const other = p.within(facts.get('Also known as')!).get('listitem', 'Чуйков');
    assert.equal(p.attr(other, 'lang'), 'ru');
    assert.equal(p.text(facts.get('Lived')!), 'between 1900 and 1982');
    const wikidata = p.within(facts.get('Wikidata')!).get('link', 'Q4115189');
    assert.equal(p.attr(wikidata, 'href'), 'https://www.wikidata.org/wiki/Q4115189');
    assert.equal(p.attr(wikidata, 'rel'), 'external');
  });

  test('the newest article mentioning him heads his page, and one taken back to draft leaves it at once', async () => {
    const [feklenko, older] = await personMentioned('Nikolai Feklenko', ['Feklenko takes command']);
    const body = `Fresh notes on ${feklenko.mention}.`;
    const newest = await createArticle(t, { title: 'Notes on Feklenko, newest', body });
    const before = await page(`/people/${feklenko.slug}/`);
    assert.equal(mentionedIn(before.body)[0], newest.title);
    await savePost(t.site.content, {
      id: newest.id,
      type: 'post',
      slug: newest.slug,
      title: newest.title,
      bodyMarkdown: body,
      status: 'draft',
      publishedAt: null,
      authorSlugs: [],
    });
    const afterDraft = mentionedIn((await page(`/people/${feklenko.slug}/`)).body);
    assert.ok(!afterDraft.includes(newest.title), afterDraft.join(' | '));
    assert.equal(afterDraft.length, mentionedIn(before.body).length - 1);
    assert.deepEqual(
      afterDraft,
      older.map((a) => a.title),
    );
  });

  test('an entity page carries JSON-LD of its schema.org type with its other names', async () => {
    const battle = await createEntity(t, {
      kind: 'event',
      name: 'Battle of Shanghai',
      names: 'ja: 第二次上海事変',
      date: '1937-08-13/1937-11-26',
    });
    const army = await createEntity(t, { kind: 'organisation', name: 'Shanghai Expeditionary Army', date: '' });
    await createArticle(t, { body: `The ${army.mention} landed for the ${battle.mention}.` });
    const res = await page(`/events/${battle.slug}/`);
    assert.equal(res.statusCode, 200);
    const ld = jsonLd(res.body);
    assert.equal(ld['@type'], 'Event');
    assert.equal(ld.name, 'Battle of Shanghai');
    assert.ok((ld.alternateName as string[]).includes('第二次上海事変'));
    const p = parsePage(res.body);
    assert.equal(p.text(factsOf(p).get('When')!), 'between 13 August and 26 November 1937');
    const corps = await page(`/organisations/${army.slug}/`);
    assert.equal(jsonLd(corps.body)['@type'], 'Organization');
  });

  test('the article links its mentions to the entity pages', async () => {
    const shtern = await createEntity(t, { kind: 'person', name: 'Grigory Shtern', date: '' });
    const lake = await createEntity(t, { kind: 'place', name: 'Lake Khasan', date: '' });
    const article = await createArticle(t, { body: `${shtern.mention} held the hills by ${lake.mention}.` });
    const p = await open(article.url);
    const text = p.within(p.get('article', article.title));
    const him = text.get('link', 'Grigory Shtern');
    assert.equal(p.attr(him, 'href'), `/people/${shtern.slug}/`);
    assert.equal(p.attr(him, 'className'), 'mention mention-person');
    assert.equal(p.attr(him, 'dataEntity'), `person:${shtern.slug}`);
    const there = text.get('link', 'Lake Khasan');
    assert.equal(p.attr(there, 'href'), `/places/${lake.slug}/`);
    assert.equal(p.attr(there, 'className'), 'mention mention-place');
  });

  test('a mention of an unknown entity is its plain text on the article page', async () => {
    const article = await createArticle(t, { body: 'We met :person[Colonel Nobody]{#colonel-nobody} at dawn.' });
    const res = await page(article.url);
    assert.equal(res.statusCode, 200);
    const p = parsePage(res.body);
    const said = p.get('paragraph', 'We met Colonel Nobody at dawn.');
    assert.deepEqual(p.within(said).all('link'), [], 'no link in it');
    assert.doesNotMatch(res.body, /colonel-nobody/);
    assert.equal((await page('/people/colonel-nobody/')).statusCode, 404);
  });

  test('the index pages list entities with published mentions, events in date order', async () => {
    await send('/admin/entities', editor, {
      kind: 'event',
      name: 'Battle of Lake Khasan',
      slug: 'battle-of-lake-khasan',
      date: '1938-07-29/1938-08-11',
    });
    await send('/admin/entities', editor, { kind: 'event', name: 'Unmentioned raid', slug: 'unmentioned-raid' });
    // A point and a span beginning on the same day, and a day after both.
    const attack = await createEntity(t, { name: 'Night attack on Zaozernaya', date: '1938-07-31?' });
    const fighting = await createEntity(t, { name: 'Fighting for Zaozernaya', date: '1938-07-31/1938-08-09' });
    const ceasefire = await createEntity(t, { name: 'Khasan ceasefire', date: '1938-08-11' });
    const commander = await createEntity(t, { kind: 'person', name: 'Vasily Blyukher', date: '' });
    const hills = [
      await createEntity(t, { kind: 'place', name: 'Zaozernaya', date: '' }),
      await createEntity(t, { kind: 'place', name: 'Bezymyannaya', date: '' }),
    ];
    const corps = await createEntity(t, { kind: 'organisation', name: '39th Rifle Corps', date: '' });
    await createArticle(t, {
      body: [
        `The :event[Khasan fighting]{#battle-of-lake-khasan} came first: ${ceasefire.mention} after ${fighting.mention},`,
        `which began with the ${attack.mention}; ${commander.mention} sent the ${corps.mention}`,
        `to ${hills[0]!.mention} and ${hills[1]!.mention}.`,
      ].join(' '),
    });
    const events = await page('/events/');
    assert.equal(events.statusCode, 200);
    const listed = parsePage(events.body);
    const order = listed
      .within(listed.get('main'))
      .all('link')
      .map((a) => /^\/events\/([a-z0-9-]+)\/$/.exec(listed.attr(a, 'href'))?.[1])
      .filter((slug) => slug !== undefined);
    assert.ok(!order.includes('unmentioned-raid'), 'an event no published article mentions is not listed');
    // 1938-07-29 first; the point on 31 July before the span that begins that day; 11 August last.
    const mine = ['battle-of-lake-khasan', attack.slug, fighting.slug, ceasefire.slug];
    assert.deepEqual(
      order.filter((slug) => mine.includes(slug)),
      mine,
    );
    const index = async (url: string) => {
      const p = await open(url);
      return { p, main: p.within(p.get('main')) };
    };
    const people = await index('/people/');
    assert.equal(people.p.attr(people.main.get('link', 'Vasily Blyukher'), 'href'), `/people/${commander.slug}/`);
    const places = await index('/places/');
    for (const hill of hills)
      assert.equal(places.p.attr(places.main.get('link', hill.name), 'href'), `/places/${hill.slug}/`);
    const organisations = await index('/organisations/');
    organisations.main.get('link', '39th Rifle Corps');
  });

  test('the sitemap lists the timeline, the index pages and each entity readers can reach, never one that drafts alone name', async () => {
    const [reached] = await personMentioned('Yakov Smushkevich', ['Smushkevich and the air war']);
    await send('/admin/entities', editor, { kind: 'person', name: 'Draft-only officer', slug: 'draft-only-officer' });
    await createArticle(t, { body: 'A note on :person[the officer]{#draft-only-officer}.', status: 'draft' });
    const res = await page('/sitemap.xml');
    assert.equal(res.statusCode, 200);
    const locs = [...res.body.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname);
    const reachable = ['/timeline/', '/people/', `/people/${reached.slug}/`, '/places/', '/events/', '/organisations/'];
    for (const path of reachable) assert.ok(locs.includes(path), `${path} in the sitemap`);
    assert.ok(!locs.includes('/people/draft-only-officer/'), 'a person only a draft mentions is left out');
    for (const path of locs.filter((p) => /^\/(people|places|events|organisations)\//.test(p)).slice(0, 12))
      assert.equal((await page(path)).statusCode, 200, path);
  });

  test('a new article mentioning him drops the cached page; a draft leaves it cached', async () => {
    const [kulik] = await personMentioned('Grigory Kulik', ['Kulik at the front']);
    const url = `/people/${kulik.slug}/`;
    await page(url);
    assert.equal((await page(url)).headers['x-cache'], 'hit');
    await createArticle(t, { body: `More on ${kulik.mention}.`, status: 'draft' });
    assert.equal((await page(url)).headers['x-cache'], 'hit');
    const berlin = await createArticle(t, { title: 'Kulik in 1945', body: `In 1945 ${kulik.mention} was tried.` });
    const fresh = await page(url);
    assert.notEqual(fresh.headers['x-cache'], 'hit');
    assert.ok(mentionedIn(fresh.body).includes(berlin.title));
  });

  test('renaming an entity in the admin keeps its old address as a 301', async () => {
    // Khamar-Daba: the Soviet command post on the west bank of the Khalkhin-Gol.
    const created = await send('/admin/entities', editor, { kind: 'place', name: 'Khamar-Daba', slug: 'khamar-daba' });
    assert.equal(created.statusCode, 303, created.body);
    const edit = String(created.headers.location).replace(/\?.*/, '');
    const saved = await send(edit, editor, {
      kind: 'place',
      name: 'Khamar Daba',
      slug: 'hamar-daba',
      names: 'mn: Хамар даваа\nKhamar-Daba (transliteration)',
    });
    assert.equal(saved.statusCode, 303, saved.body);
    const old = await page('/places/khamar-daba/');
    assert.equal(old.statusCode, 301);
    assert.equal(old.headers.location, '/places/hamar-daba/');
    const now = await page('/places/hamar-daba/');
    assert.equal(now.statusCode, 200);
    const p = parsePage(now.body);
    const other = p.within(factsOf(p).get('Also known as')!).get('listitem', 'Хамар даваа');
    assert.equal(p.attr(other, 'lang'), 'mn');
  });

  test('a bad EDTF date in the admin form is shown at the field with the character at fault', async () => {
    const res = await send('/admin/entities', editor, { kind: 'event', name: 'Ceasefire', date: '1939-09-3X4' });
    assert.equal(res.statusCode, 400);
    const p = parsePage(res.body);
    const date = p.field('Date (EDTF)');
    assert.match(p.text(p.byId('entity-date-error')), /^Character \d+: /);
    assert.ok(p.attr(date, 'ariaDescribedBy').split(' ').includes('entity-date-error'), 'the message is the field’s');
    assert.equal(p.attr(date, 'value'), '1939-09-3X4');
    assert.equal(p.attr(p.field('Name'), 'value'), 'Ceasefire');
  });

  test('an entity a published article mentions cannot be deleted, and the form says why', async () => {
    const [voroshilov, [article]] = await personMentioned('Kliment Voroshilov', ['Voroshilov reads the reports']);
    const list = parsePage((await get('/admin/entities?kind=person', editor)).body);
    const link = list.within(list.get('table')).get('link', voroshilov.name);
    const edit = list.attr(link, 'href');
    assert.equal(edit, `/admin/entities/edit/${voroshilov.id}`);
    const res = await send(`${edit}/delete`, editor, {});
    assert.equal(res.statusCode, 409);
    const p = parsePage(res.body);
    assert.match(p.text(p.get('alert')), new RegExp(`^Articles mention it: .*“${article!.title}”`));
    assert.equal((await page(`/people/${voroshilov.slug}/`)).statusCode, 200);
  });

  test('authors may not manage entities', async () => {
    const res = await get('/admin/entities', author);
    assert.equal(res.statusCode, 403);
  });
});

/** The page's JSON-LD: the object in its `application/ld+json` script. */
function jsonLd(html: string): Record<string, unknown> {
  const json = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)?.[1];
  assert.ok(json, 'JSON-LD present');
  return JSON.parse(json) as Record<string, unknown>;
}
