import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { createEntity } from '../../src/modules/history/entities.service.ts';
import { emptyEntityForm } from '../../src/modules/history/entity-form.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

// Timelines (issue 17, decision 044) on the demo site with events of our own: the order of uncertain dates by
// their bounds, drafts kept out, the filters, zoom and range, paging, the article's and the entities' sections,
// and the JSON API with its refusals.

let t: TestSite;
const page = (url: string) => t.app.inject({ method: 'GET', url });

const event = (slug: string, name: string, date: string) =>
  createEntity(t.site.content, { ...emptyEntityForm('event'), slug, name, date, description: `About ${name}.` });

const article = (slug: string, body: string, status: 'draft' | 'published', categoryPath = 'east-asia/japan') =>
  savePost(t.site.content, {
    type: 'post',
    slug,
    title: `Notes: ${slug}`,
    bodyMarkdown: body,
    status,
    categoryPath,
    authorSlugs: ['elena-markova'],
  });

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

/** The events' names in the page's lists, in order. */
const listedNames = (html: string) =>
  [...html.matchAll(/<a class="timeline__name" href="\/events\/[^"]+\/">([^<]+)<\/a>/g)].map((m) => m[1]!);

before(async () => {
  t = await startTestSite();
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
    const html = (await page('/timeline/?zoom=decade')).body;
    assert.doesNotMatch(html, /Only a draft mentions this/);
    assert.match(html, /Battle of Marathon/);
  });

  test('a range keeps the events overlapping it, and the zoom groups them under headings that zoom in', async () => {
    // The battle began in May and was still going in July; "the 1930s" and "1939?" may have been then too.
    assert.deepEqual(await slugs('?from=1939-07&to=1939-07'), [
      'some-decade',
      'uncertain-year',
      'battle-of-khalkhin-gol',
      'bain-tsagan',
      'japanese-artillery-offensive',
    ]);
    const res = await page('/timeline/?zoom=year&from=1939&to=1939');
    assert.equal(res.statusCode, 200);
    assert.match(
      res.body,
      /<h2 class="timeline__group-heading"><a href="\/timeline\/\?zoom=month&amp;from=1939&amp;to=1939">1939<\/a><\/h2>/,
    );
    assert.ok(!res.body.includes('Battle of Marathon'), 'an event of 490 BC is outside 1939');
    const months = await page('/timeline/?zoom=month&from=1939-07&to=1939-08');
    const headings = [...months.body.matchAll(/<h2 class="timeline__group-heading">([^<]+)<\/h2>/g)].map((m) => m[1]);
    // Grouped by the month each begins in; the month zoom zooms in no further.
    assert.deepEqual(headings, ['January 1930', 'January 1939', 'May 1939', 'July 1939', 'August 1939']);
    assert.match(months.body, /<a href="\/timeline\/\?zoom=year&amp;from=1939-07&amp;to=1939-08">Years<\/a>/);
  });

  test('filters keep the events of published articles in the category, or mentioning the place and the person', async () => {
    const japan = await slugs('?category=east-asia');
    assert.ok(japan.includes('marathon') && !japan.includes('bain-tsagan'), japan.join(' '));
    // A parent category counts its sub-categories' articles.
    const russia = await slugs('?category=russian-history');
    assert.ok(russia.includes('bain-tsagan') && !russia.includes('marathon'), russia.join(' '));
    const zhukov = await slugs('?person=georgy-zhukov');
    assert.ok(zhukov.includes('august-offensive') && !zhukov.includes('marathon'), zhukov.join(' '));
    assert.deepEqual(await slugs('?person=georgy-zhukov&place=nomonhan&category=east-asia'), []);
    const form = (await page('/timeline/?person=georgy-zhukov')).body;
    assert.match(form, /<option value="georgy-zhukov" selected>Georgy Zhukov<\/option>/);
    assert.deepEqual(listedNames(form).slice(0, 2), ['First clash at the Khalkhin-Gol', 'Battle of Khalkhin Gol']);
  });

  test('the org filter keeps the events of published articles mentioning the organisation, on the page and in the API', async () => {
    const org = (slug: string, name: string) =>
      createEntity(t.site.content, { ...emptyEntityForm('organisation'), slug, name });
    await org('steppe-supply-column', 'Steppe Supply Column');
    await org('unmentioned-brigade', 'Unmentioned Brigade');
    await event('fuel-convoy', 'Fuel convoy reaches the river', '1939-07-20');
    await event('field-bakery', 'Field bakery opens', '1939-07-22?');
    await event('secret-depot', 'Secret depot dug', '1939-07-25');
    await article(
      'column-notes',
      'The :org[column]{#steppe-supply-column} ran the :event[convoy]{#fuel-convoy} under :person[Zhukov]{#georgy-zhukov}.',
      'published',
    );
    await article('bakery-notes', 'The :event[bakery]{#field-bakery} fed everyone.', 'published');
    await article(
      'depot-draft',
      'The :org[column]{#steppe-supply-column} and the :event[depot]{#secret-depot}.',
      'draft',
    );

    assert.deepEqual(await slugs('?org=steppe-supply-column'), ['fuel-convoy']);
    // With a person: articles mentioning both; the Battle's articles do not name the column.
    assert.deepEqual(await slugs('?org=steppe-supply-column&person=georgy-zhukov'), ['fuel-convoy']);
    assert.deepEqual(await slugs('?org=steppe-supply-column&place=nomonhan'), []);
    const all = await slugs('?from=1939-07-20&to=1939-07-31');
    assert.ok(all.includes('field-bakery') && !all.includes('secret-depot'), all.join(' '));

    const res = await page('/timeline/?org=steppe-supply-column');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(listedNames(res.body), ['Fuel convoy reaches the river']);
    assert.match(res.body, /<label for="timeline-org">Organisation<\/label>/);
    assert.match(res.body, /<option value="steppe-supply-column" selected>Steppe Supply Column<\/option>/);
    assert.doesNotMatch(res.body, /Unmentioned Brigade/, 'the form offers organisations articles mention');
    assert.match(res.body, /Mentioned with Steppe Supply Column\./);
    assert.match(res.body, /<a href="\/timeline\/\?org=steppe-supply-column&amp;zoom=year">Years<\/a>/);

    for (const url of ['/api/v1/timeline?org=no-such-column', '/timeline/?org=georgy-zhukov']) {
      const bad = await page(url);
      assert.equal(bad.statusCode, 400, url);
    }
    const bad = (await page('/api/v1/timeline?org=georgy-zhukov')).json() as {
      error: { code: string; fields: Record<string, string> };
    };
    assert.equal(bad.error.code, 'TIMELINE_QUERY_INVALID');
    assert.match(bad.error.fields.org ?? '', /No organisation has the address “georgy-zhukov”/);
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
    const res = await page('/organisations/steppe-supply-column/');
    assert.match(
      res.body,
      /<a href="\/timeline\/\?org=steppe-supply-column">Every event mentioned alongside Steppe Supply Column<\/a>/,
    );
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
      assert.match(html.body, /That timeline address does not work/);
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
    const html = (await page('/timeline/?from=1800&to=1899')).body;
    assert.match(html, /<a href="\/timeline\/\?from=1800&amp;to=1899&amp;page=2" rel="next">Later events →<\/a>/);
  });

  test("an article's Timeline section lists the dated events it mentions in order, and is absent without any", async () => {
    const res = await page('/khalkhin-gol-1939/');
    const section = /<section class="timeline timeline--article"[\s\S]*?<\/ol>/.exec(res.body)?.[0] ?? '';
    assert.match(section, /<h2 id="article-timeline-heading">Timeline<\/h2>/);
    const names = listedNames(section);
    assert.deepEqual(names, [
      'First clash at the Khalkhin-Gol',
      'Battle of Khalkhin Gol',
      'Destruction of the Azuma detachment',
      'Soviet air reinforcements arrive',
      'Tamsag-Bulak air raid',
      'Battle of Bain-Tsagan',
      'Japanese artillery offensive',
      'Soviet August offensive',
      'German–Soviet non-aggression pact',
      'Soviet–Japanese ceasefire agreement',
    ]);
    assert.match(section, /<span class="timeline__date">11 May 1939 \(uncertain\)<\/span>/);
    assert.match(section, /<span class="timeline__date">c\. June 1939<\/span>/);
    // The chart: hidden from screen readers; the uncertain first clash a faded dot, Bain-Tsagan a solid bar.
    assert.match(section, /<svg class="timeline-axis__svg"[^>]*aria-hidden="true"/);
    assert.match(section, /class="timeline-axis__mark timeline-axis__point--fuzzy"[^>]*><title>First clash/);
    assert.match(section, /class="timeline-axis__mark timeline-axis__bar"[^>]*><title>Battle of Bain-Tsagan/);
    const tsushima = await page('/tsushima-1905/');
    assert.equal(tsushima.statusCode, 200);
    assert.doesNotMatch(tsushima.body, /article-timeline-heading/);
  });

  test("an entity's page shows the events mentioned alongside it; an event's shows itself among them", async () => {
    const zhukov = (await page('/people/georgy-zhukov/')).body;
    assert.match(
      zhukov,
      /<p class="timeline__own">Georgy Zhukov: between 1896 and 1974 \(the shaded span on the chart\)\.<\/p>/,
    );
    assert.ok(listedNames(zhukov).includes('Soviet August offensive'));
    assert.ok(!listedNames(zhukov).includes('Battle of Marathon'));
    const bain = (await page('/events/bain-tsagan/')).body;
    assert.match(bain, /<strong class="timeline__name" aria-current="page">Battle of Bain-Tsagan<\/strong>/);
    assert.ok(listedNames(bain).includes('Soviet–Japanese ceasefire agreement'));
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
