import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { createArticle, createCategory, createEntity } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

// Timelines (issue 17, decision 044) on a site without the demo, with events, people, places and articles of our
// own: the order of uncertain dates by their bounds, drafts kept out, the filters, zoom and range, paging, the
// article's and the entities' sections, and the JSON API with its refusals.

let t: TestSite;
const page = (url: string) => t.app.inject({ method: 'GET', url });
/** A page as parsed HTML, after checking its status. */
const open = async (url: string, status = 200) => {
  const res = await page(url);
  assert.equal(res.statusCode, status, url);
  return parsePage(res.body);
};

const event = (slug: string, name: string, date: string) =>
  createEntity(t, { kind: 'event', slug, name, date, description: `About ${name}.` });

/** The categories the articles are filed in: one under `far-east`, one under `soviet-history`. */
const JAPAN = 'far-east/japan';
const RED_ARMY = 'soviet-history/red-army';

const article = (slug: string, body: string, status: 'draft' | 'published', category = JAPAN) =>
  createArticle(t, { slug, title: `Notes: ${slug}`, body, status, category });

/** A river war of 1939 told by one article, its events in the order of the article (not of their dates). */
const WAR_EVENTS = [
  ['distant-pact', 'A pact signed far away', '1939-08-23'],
  ['border-war', 'Battle of the Border River', '1939-05-11/1939-09-16'],
  ['height-battle', 'Battle for the height', '1939-07-03/1939-07-05'],
  ['first-skirmish', 'First skirmish at the river', '1939-05-11?'],
  ['patrol-lost', 'Loss of the river patrol', '1939-05-28/1939-05-29'],
  ['air-reinforcements', 'Air reinforcements arrive', '1939-06~'],
  ['airfield-raid', 'Raid on the steppe airfields', '1939-06-27'],
  ['gun-offensive', 'Artillery offensive', '1939-07-23/1939-07-25~'],
  ['summer-offensive', 'Summer encirclement', '1939-08-20/1939-08-31'],
  ['river-ceasefire', 'Ceasefire on the river', '1939-09-15/1939-09-16'],
] as const;
const WAR = '/river-war-1939/';

interface ApiEvent {
  slug: string;
  name: string;
  date: { edtf: string; words: string; lower: string | null; upper: string | null };
  drawn: { start: string; end: string; unspecified: boolean };
}
interface ApiTimeline {
  events: ApiEvent[];
  zoom: string;
  page: number;
  has_more: boolean;
}

async function api(query: string): Promise<ApiTimeline> {
  const res = await page(`/api/v1/timeline${query}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as ApiTimeline;
}

const slugs = async (query: string) => (await api(query)).events.map((e) => e.slug);

/** The timeline's list items on `page` (or in one part of it): the items whose link goes to an event's page. */
const eventItems = (page: Page) =>
  page.all('listitem').filter((li) =>
    page
      .within(li)
      .all('link')
      .some((a) => page.attr(a, 'href').startsWith('/events/')),
  );

/** The events' names in the page's lists, in order. */
const listedNames = (page: Page) =>
  eventItems(page).map((li) =>
    page.text(
      page
        .within(li)
        .all('link')
        .find((a) => page.attr(a, 'href').startsWith('/events/'))!,
    ),
  );

/** The option a select labelled `label` has chosen: its value and text. */
function chosen(page: Page, label: string) {
  const options = page
    .field(label)
    .children.filter((c): c is Element => c.type === 'element' && c.tagName === 'option');
  const picked = options.filter((o) => o.properties.selected);
  assert.equal(picked.length, 1, `one option chosen in ${label}`);
  return { value: page.attr(picked[0]!, 'value'), text: page.text(picked[0]!) };
}

before(async () => {
  t = await startTestSite({ demo: false });
  await createCategory(t, { name: 'Japan', parent: await createCategory(t, { name: 'Far East' }) });
  await createCategory(t, { name: 'Red Army', parent: await createCategory(t, { name: 'Soviet History' }) });
  await createEntity(t, { kind: 'person', slug: 'river-general', name: 'Grigory Stepanov', date: '1896/1974' });
  await createEntity(t, { kind: 'place', slug: 'tsagaan-ford', name: 'Tsagaan Ford', date: '' });
  for (const [slug, name, date] of WAR_EVENTS) await event(slug, name, date);
  await createArticle(t, {
    slug: 'river-war-1939',
    title: 'The river war of 1939',
    category: RED_ARMY,
    body: [
      'Under :person[Stepanov]{#river-general}, near :place[the ford]{#tsagaan-ford}:',
      WAR_EVENTS.map(([slug, name]) => `:event[${name}]{#${slug}}`).join(', '),
    ].join(' '),
  });
  await createArticle(t, { slug: 'a-quiet-article', title: 'A quiet article', body: 'Nothing dated happens here.' });
  await event('marathon', 'Battle of Marathon', '-0489');
  await event('some-decade', 'Something in the thirties', '193X');
  await event('uncertain-year', 'Something in 1939, perhaps', '1939?');
  await event('about-may', 'Something about May', '1939-05~');
  await event('early-may', 'Something early in May', '1939-05-01/1939-05-10');
  await event('drafted-only', 'Only a draft mentions this', '1938');
  await article(
    'ordering-notes',
    'We mention :event[Marathon]{#marathon}, :event[a decade]{#some-decade}, :event[a year]{#uncertain-year}, :event[May]{#about-may} and :event[early May]{#early-may}.',
    'published',
  );
  await article('draft-notes', 'Not yet: :event[this]{#drafted-only}.', 'draft');
});
after(() => t.close());

describe(`timelines (${TEST_DATABASE})`, () => {
  test('events are ordered by their lower bound, then their upper bound, BCE years first', async () => {
    const found = await api('?to=1939-05-10');
    assert.deepEqual(
      found.events.map((e) => e.slug),
      ['marathon', 'some-decade', 'uncertain-year', 'early-may', 'about-may'],
    );
    const bySlug = new Map(found.events.map((e) => [e.slug, e]));
    assert.deepEqual(bySlug.get('marathon')?.date, {
      edtf: '-0489',
      words: '490 BC',
      lower: '-0489-01-01',
      upper: '-0489-12-31',
    });
    assert.equal(bySlug.get('some-decade')?.date.words, 'the 1930s');
    assert.deepEqual(bySlug.get('some-decade')?.drawn, { start: 'fuzzy', end: 'fuzzy', unspecified: true });
    assert.deepEqual(bySlug.get('about-may')?.drawn, { start: 'fuzzy', end: 'fuzzy', unspecified: false });
    assert.deepEqual(bySlug.get('early-may')?.drawn, { start: 'firm', end: 'firm', unspecified: false });
  });

  test('an event that a draft alone mentions is never on the site timeline', async () => {
    assert.ok(!(await slugs('')).includes('drafted-only'));
    const res = await page('/timeline/?zoom=decade');
    assert.doesNotMatch(res.body, /Only a draft mentions this/);
    assert.ok(listedNames(parsePage(res.body)).includes('Battle of Marathon'));
  });

  test('a range keeps the events overlapping it, and the zoom groups them under headings that zoom in', async () => {
    // The battle began in May and was still going in July; "the 1930s" and "1939?" may have been then too.
    assert.deepEqual(await slugs('?from=1939-07&to=1939-07'), [
      'some-decade',
      'uncertain-year',
      'border-war',
      'height-battle',
      'gun-offensive',
    ]);
    const res = await page('/timeline/?zoom=year&from=1939&to=1939');
    const year = parsePage(res.body);
    assert.equal(res.statusCode, 200);
    const heading = year.get('heading', '1939');
    assert.equal(heading.tagName, 'h2');
    assert.equal(
      year.attr(year.within(heading).get('link', '1939'), 'href'),
      '/timeline/?zoom=month&from=1939&to=1939',
    );
    assert.ok(!res.body.includes('Battle of Marathon'), 'an event of 490 BC is outside 1939');
    const months = await open('/timeline/?zoom=month&from=1939-07&to=1939-08');
    const groups = months.all('heading').filter((h) => h.tagName === 'h2');
    // Grouped by the month each begins in; the month zoom zooms in no further.
    assert.deepEqual(
      groups.map((h) => months.text(h)),
      ['January 1930', 'January 1939', 'May 1939', 'July 1939', 'August 1939'],
    );
    assert.deepEqual(
      groups.flatMap((h) => months.within(h).all('link')),
      [],
      'no links in to days',
    );
    const zoom = months.within(months.get('navigation', 'Zoom'));
    assert.equal(months.attr(zoom.get('link', 'Years'), 'href'), '/timeline/?zoom=year&from=1939-07&to=1939-08');
  });

  test('filters keep the events of published articles in the category, or mentioning the place and the person', async () => {
    const japan = await slugs('?category=far-east');
    assert.ok(japan.includes('marathon') && !japan.includes('height-battle'), japan.join(' '));
    // A parent category counts its sub-categories' articles.
    const soviet = await slugs('?category=soviet-history');
    assert.ok(soviet.includes('height-battle') && !soviet.includes('marathon'), soviet.join(' '));
    const general = await slugs('?person=river-general');
    assert.ok(general.includes('summer-offensive') && !general.includes('marathon'), general.join(' '));
    assert.ok((await slugs('?person=river-general&place=tsagaan-ford')).includes('summer-offensive'));
    assert.deepEqual(await slugs('?person=river-general&place=tsagaan-ford&category=far-east'), []);
    const form = await open('/timeline/?person=river-general');
    assert.deepEqual(chosen(form, 'Person'), { value: 'river-general', text: 'Grigory Stepanov' });
    assert.deepEqual(listedNames(form).slice(0, 2), ['First skirmish at the river', 'Battle of the Border River']);
  });

  test('the org filter keeps the events of published articles mentioning the organisation, on the page and in the API', async () => {
    const org = (slug: string, name: string) => createEntity(t, { kind: 'organisation', slug, name, date: '' });
    await org('steppe-supply-column', 'Steppe Supply Column');
    await org('unmentioned-brigade', 'Unmentioned Brigade');
    await event('fuel-convoy', 'Fuel convoy reaches the river', '1939-07-20');
    await event('field-bakery', 'Field bakery opens', '1939-07-22?');
    await event('secret-depot', 'Secret depot dug', '1939-07-25');
    await article(
      'column-notes',
      'The :org[column]{#steppe-supply-column} ran the :event[convoy]{#fuel-convoy} under :person[Stepanov]{#river-general}.',
      'published',
    );
    await article('bakery-notes', 'The :event[bakery]{#field-bakery} fed everyone.', 'published');
    await article(
      'depot-draft',
      'The :org[column]{#steppe-supply-column} and the :event[depot]{#secret-depot}.',
      'draft',
    );

    assert.deepEqual(await slugs('?org=steppe-supply-column'), ['fuel-convoy']);
    // With a person: articles mentioning both; the war's article does not name the column.
    assert.deepEqual(await slugs('?org=steppe-supply-column&person=river-general'), ['fuel-convoy']);
    assert.deepEqual(await slugs('?org=steppe-supply-column&place=tsagaan-ford'), []);
    const all = await slugs('?from=1939-07-20&to=1939-07-31');
    assert.ok(all.includes('field-bakery') && !all.includes('secret-depot'), all.join(' '));

    const res = await page('/timeline/?org=steppe-supply-column');
    assert.equal(res.statusCode, 200);
    const filtered = parsePage(res.body);
    assert.deepEqual(listedNames(filtered), ['Fuel convoy reaches the river']);
    const form = filtered.within(filtered.get('form', 'Filter the timeline'));
    assert.equal(form.attr(form.field('Organisation'), 'name'), 'org');
    assert.deepEqual(chosen(form, 'Organisation'), { value: 'steppe-supply-column', text: 'Steppe Supply Column' });
    assert.doesNotMatch(res.body, /Unmentioned Brigade/, 'the form offers organisations articles mention');
    filtered.get('paragraph', /Mentioned with Steppe Supply Column\./);
    const zoom = filtered.within(filtered.get('navigation', 'Zoom'));
    assert.equal(filtered.attr(zoom.get('link', 'Years'), 'href'), '/timeline/?org=steppe-supply-column&zoom=year');

    for (const url of ['/api/v1/timeline?org=no-such-column', '/timeline/?org=river-general']) {
      const bad = await page(url);
      assert.equal(bad.statusCode, 400, url);
    }
    const bad = (await page('/api/v1/timeline?org=river-general')).json() as {
      error: { code: string; fields: Record<string, string> };
    };
    assert.equal(bad.error.code, 'TIMELINE_QUERY_INVALID');
    assert.match(bad.error.fields.org ?? '', /No organisation has the address “river-general”/);
    const doc = (await page('/api/v1/openapi.json')).json() as {
      paths: Record<string, { get: { parameters: { name: string }[] } }>;
    };
    assert.ok(doc.paths['/timeline']?.get.parameters.some((p) => p.name === 'org'));
  });

  test("an organisation's page with more events than it shows links to the timeline filtered by it", async () => {
    const years = Array.from({ length: 51 }, (_, i) => 1700 + i);
    for (const y of years) await event(`column-year-${y}`, `Column year ${y}`, String(y));
    await article(
      'column-history',
      `The :org[column]{#steppe-supply-column}: ${years.map((y) => `:event[${y}]{#column-year-${y}}`).join(', ')}.`,
      'published',
    );
    const org = await open('/organisations/steppe-supply-column/');
    const every = org.get('link', 'Every event mentioned alongside Steppe Supply Column');
    assert.equal(org.attr(every, 'href'), '/timeline/?org=steppe-supply-column');
    const linked = await api('?org=steppe-supply-column');
    assert.equal(linked.events.length, 50);
    assert.equal(linked.has_more, true);
  });

  test('bad zoom, range or filter values are refused with TIMELINE_QUERY_INVALID naming the parameter', async () => {
    for (const [query, field, words] of [
      ['?zoom=week', 'zoom', /decade, year or month/],
      ['?from=1939-13', 'from', /Character 6: a month must be 01–12/],
      ['?from=1940&to=1939', 'from', /comes after/],
      ['?to=1939-05-11/1939-06', 'to', /one date/],
      ['?place=atlantis', 'place', /No place has the address/],
      ['?category=no-such-category', 'category', /No category/],
    ] as const) {
      const res = await page(`/api/v1/timeline${query}`);
      assert.equal(res.statusCode, 400, query);
      const body = res.json() as { error: { code: string; message: string; fields: Record<string, string> } };
      assert.equal(body.error.code, 'TIMELINE_QUERY_INVALID', query);
      assert.match(body.error.fields[field] ?? '', words, query);
      const html = await page(`/timeline/${query}`);
      assert.equal(html.statusCode, 400, query);
      assert.equal(parsePage(html.body).get('heading', 'That timeline address does not work').tagName, 'h1', query);
    }
    const unknown = await page('/api/v1/timeline?when=1939');
    assert.equal(unknown.statusCode, 400);
    assert.equal((unknown.json() as { error: { code: string } }).error.code, 'INVALID_QUERY');
  });

  test('the timeline is paged, 50 events a page, without reading past the page asked for', async () => {
    const body = Array.from({ length: 55 }, (_, i) => `:event[year ${1800 + i}]{#year-${1800 + i}}`).join(', ');
    for (let i = 0; i < 55; i++) await event(`year-${1800 + i}`, `The year ${1800 + i}`, String(1800 + i));
    await article('many-years', `Years: ${body}.`, 'published');
    const first = await api('?from=1800&to=1899');
    assert.equal(first.events.length, 50);
    assert.equal(first.has_more, true);
    assert.equal(first.events[0]?.slug, 'year-1800');
    const second = await api('?from=1800&to=1899&page=2');
    assert.deepEqual(
      second.events.map((e) => e.slug),
      ['year-1850', 'year-1851', 'year-1852', 'year-1853', 'year-1854'],
    );
    assert.equal(second.has_more, false);
    assert.equal((await page('/api/v1/timeline?from=1800&to=1899&page=3')).statusCode, 400);
    const html = await open('/timeline/?from=1800&to=1899');
    const later = html.within(html.get('navigation', 'Pages')).get('link', 'Later events →');
    assert.equal(html.attr(later, 'href'), '/timeline/?from=1800&to=1899&page=2');
    assert.equal(html.attr(later, 'rel'), 'next');
  });

  test("an article's Timeline section lists the dated events it mentions in order, and is absent without any", async () => {
    const article = await open(WAR);
    const section = article.get('region', 'Timeline');
    const timeline = article.within(section);
    assert.equal(timeline.get('heading', 'Timeline').tagName, 'h2');
    assert.deepEqual(listedNames(timeline), [
      'First skirmish at the river',
      'Battle of the Border River',
      'Loss of the river patrol',
      'Air reinforcements arrive',
      'Raid on the steppe airfields',
      'Battle for the height',
      'Artillery offensive',
      'Summer encirclement',
      'A pact signed far away',
      'Ceasefire on the river',
    ]);
    const items = eventItems(timeline).map((li) => article.text(li));
    assert.ok(items[0]!.startsWith('11 May 1939 (uncertain) First skirmish at the river'), items[0]);
    assert.ok(items[3]!.startsWith('c. June 1939 Air reinforcements arrive'), items[3]);
    // The chart: hidden from screen readers, so its drawing is checked as markup; the uncertain first skirmish a
    // faded dot, the battle for the height a solid bar.
    const chart = toHtml(timeline.get('region', 'Chart of these events'));
    assert.match(chart, /<svg class="timeline-axis__svg"[^>]*aria-hidden="true"/);
    assert.match(chart, /class="timeline-axis__mark timeline-axis__point--fuzzy"[^>]*><title>First skirmish/);
    assert.match(chart, /class="timeline-axis__mark timeline-axis__bar"[^>]*><title>Battle for the height/);
    const quiet = await open('/a-quiet-article/');
    quiet.get('heading', 'A quiet article');
    assert.deepEqual(quiet.all('region', 'Timeline'), []);
    assert.deepEqual(quiet.all('heading', 'Timeline'), []);
  });

  test("an entity's page shows the events mentioned alongside it; an event's shows itself among them", async () => {
    const person = await open('/people/river-general/');
    const own = person.within(person.get('region', 'Timeline'));
    own.get('paragraph', 'Grigory Stepanov: between 1896 and 1974 (the shaded span on the chart).');
    assert.ok(listedNames(own).includes('Summer encirclement'));
    assert.ok(!listedNames(own).includes('Battle of Marathon'));
    const height = await open('/events/height-battle/');
    const current = height.within(height.get('region', 'Timeline')).get('strong', 'Battle for the height');
    assert.equal(height.attr(current, 'ariaCurrent'), 'page');
    assert.ok(listedNames(height.within(height.get('region', 'Timeline'))).includes('Ceasefire on the river'));
  });

  test('an event begun decades before a range overlaps it and is listed, also when dated after a ranged read', async () => {
    // A ranged read skips events that begin more than the longest event's span before it: a longer event added
    // later must widen that, or it would be missing.
    assert.ok(!(await slugs('?from=1939-07&to=1939-07')).includes('long-occupation'));
    await event('long-occupation', 'A long occupation', '1900/1950');
    await article(
      'long-occupation-notes',
      'Throughout, :event[the occupation]{#long-occupation} went on.',
      'published',
    );
    assert.ok((await slugs('?from=1939-07&to=1939-07')).includes('long-occupation'));
    assert.ok((await slugs('?from=1949')).includes('long-occupation'));
    assert.ok(!(await slugs('?from=1951')).includes('long-occupation'));
  });
});
