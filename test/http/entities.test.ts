import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

let t: TestSite;
const { person, get, send } = staffClient(() => t);
let editor: Person;
let author: Person;

const page = (url: string) => t.app.inject({ method: 'GET', url });

const article = (slug: string, body: string, status: 'draft' | 'published' | 'scheduled', publishedAt?: string) =>
  savePost(t.site.content, {
    type: 'post',
    slug,
    title: `Notes on ${slug.replaceAll('-', ' ')}`,
    bodyMarkdown: body,
    status,
    publishedAt: publishedAt ?? null,
    authorSlugs: ['elena-markova'],
  });

/** The titles of the articles listed under "Mentioned in". */
function mentionedIn(html: string): string[] {
  const list = /<h2>Mentioned in<\/h2>\s*<ul class="cited-in">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<a href="\/[^"]+\/">([^<]+)<\/a>/g)].map((m) => m[1]!);
}

before(async () => {
  t = await startTestSite();
  editor = await person('editor', 'Edith');
  author = await person('author', 'Alma', 'elena-markova');
});
after(() => t.close());

describe(`entity pages and mentions (${TEST_DATABASE})`, () => {
  test("a person's page lists the published articles mentioning him, never a draft or an article still scheduled", async () => {
    // A draft with a date in the past: an article taken back to draft keeps the date it was published on.
    await article('zhukov-draft', 'Draft on :person[Zhukov]{#georgy-zhukov}.', 'draft', '2020-01-01T00:00:00.000Z');
    await article('zhukov-later', 'Later on :person[Zhukov]{#georgy-zhukov}.', 'scheduled', '2099-01-01T00:00:00.000Z');
    const res = await page('/people/georgy-zhukov/');
    assert.equal(res.statusCode, 200);
    const titles = mentionedIn(res.body);
    assert.ok(
      titles.some((s) => s.startsWith('Khalkhin-Gol')),
      titles.join(' | '),
    );
    assert.ok(
      titles.some((s) => s.includes('Zhukov, 1939–1941')),
      titles.join(' | '),
    );
    assert.ok(!titles.some((s) => /zhukov (draft|later)/.test(s)), titles.join(' | '));
    assert.match(res.body, /<h1 class="page-title">Georgy Zhukov<\/h1>/);
    assert.match(res.body, /<li lang="ru">Жуков<\/li>/);
    assert.match(res.body, /<dt>Lived<\/dt>\s*<dd>between 1896 and 1974<\/dd>/);
    assert.match(res.body, /<a href="https:\/\/www\.wikidata\.org\/wiki\/Q124617" rel="external">Q124617<\/a>/);
  });

  test('the newest article mentioning him heads his page, and one taken back to draft leaves it at once', async () => {
    const body = 'Fresh notes on :person[Zhukov]{#georgy-zhukov}.';
    const saved = await article('zhukov-newest', body, 'published');
    const before = await page('/people/georgy-zhukov/');
    assert.equal(mentionedIn(before.body)[0], 'Notes on zhukov newest');
    await savePost(t.site.content, {
      id: saved.id,
      type: 'post',
      slug: 'zhukov-newest',
      title: 'Notes on zhukov newest',
      bodyMarkdown: body,
      status: 'draft',
      publishedAt: null,
      authorSlugs: ['elena-markova'],
    });
    const afterDraft = await page('/people/georgy-zhukov/');
    assert.ok(
      !mentionedIn(afterDraft.body).includes('Notes on zhukov newest'),
      mentionedIn(afterDraft.body).join(' | '),
    );
    assert.equal(mentionedIn(afterDraft.body).length, mentionedIn(before.body).length - 1);
  });

  test('an entity page carries JSON-LD of its schema.org type with its other names', async () => {
    const res = await page('/events/battle-of-khalkhin-gol/');
    assert.equal(res.statusCode, 200);
    const json = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(res.body)?.[1];
    assert.ok(json, 'JSON-LD present');
    const ld = JSON.parse(json) as Record<string, unknown>;
    assert.equal(ld['@type'], 'Event');
    assert.equal(ld.name, 'Battle of Khalkhin Gol');
    assert.ok((ld.alternateName as string[]).includes('ノモンハン事件'));
    assert.match(res.body, /<dd>between 11 May and 16 September 1939<\/dd>/);
    const corps = await page('/organisations/57th-special-corps/');
    assert.match(corps.body, /"@type":"Organization"/);
  });

  test('the article links its mentions to the entity pages', async () => {
    const res = await page('/khalkhin-gol-1939/');
    assert.match(
      res.body,
      /<a href="\/people\/georgy-zhukov\/" class="mention mention-person" data-entity="person:georgy-zhukov">Georgy Zhukov<\/a>/,
    );
    assert.match(res.body, /<a href="\/places\/nomonhan\/" class="mention mention-place"[^>]*>Nomonhan<\/a>/);
  });

  test('a mention of an unknown entity is its plain text on the article page', async () => {
    await article('unknown-mention', 'We met :person[Colonel Nobody]{#colonel-nobody} at dawn.', 'published');
    const res = await page('/unknown-mention/');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<p>We met Colonel Nobody at dawn\.<\/p>/);
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
    await article('khasan-notes', 'The :event[Khasan fighting]{#battle-of-lake-khasan} came first.', 'published');
    const events = await page('/events/');
    assert.equal(events.statusCode, 200);
    const order = [...events.body.matchAll(/<a href="\/events\/([a-z0-9-]+)\/">/g)].map((m) => m[1]);
    // 1938 before 1939; the battle (11 May–16 September) after the first clash (11 May?) that begins on its day.
    assert.equal(order[0], 'battle-of-lake-khasan');
    assert.ok(!order.includes('unmentioned-raid'), 'an event no published article mentions is not listed');
    assert.ok(order.indexOf('first-clash-khalkhin-gol') < order.indexOf('battle-of-khalkhin-gol'));
    assert.ok(order.indexOf('battle-of-khalkhin-gol') < order.indexOf('khalkhin-gol-ceasefire'));
    const people = await page('/people/');
    assert.match(people.body, /<a href="\/people\/georgy-zhukov\/">Georgy Zhukov<\/a>/);
    const places = await page('/places/');
    assert.match(places.body, /Khalkhin-Gol/);
    assert.match(places.body, /Nomonhan/);
    assert.match((await page('/organisations/')).body, /57th Special Corps/);
  });

  test('the sitemap lists the timeline, the index pages and each entity readers can reach, never one that drafts alone name', async () => {
    await send('/admin/entities', editor, { kind: 'person', name: 'Draft-only officer', slug: 'draft-only-officer' });
    await article('officer-draft', 'A note on :person[the officer]{#draft-only-officer}.', 'draft');
    const res = await page('/sitemap.xml');
    assert.equal(res.statusCode, 200);
    const locs = [...res.body.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname);
    for (const path of ['/timeline/', '/people/', '/people/georgy-zhukov/', '/places/', '/events/', '/organisations/'])
      assert.ok(locs.includes(path), `${path} in the sitemap`);
    assert.ok(!locs.includes('/people/draft-only-officer/'), 'a person only a draft mentions is left out');
    for (const path of locs.filter((p) => /^\/(people|places|events|organisations)\//.test(p)).slice(0, 12))
      assert.equal((await page(path)).statusCode, 200, path);
  });

  test('a new article mentioning him drops the cached page; a draft leaves it cached', async () => {
    await page('/people/georgy-zhukov/');
    assert.equal((await page('/people/georgy-zhukov/')).headers['x-cache'], 'hit');
    await article('zhukov-second-draft', 'More on :person[Zhukov]{#georgy-zhukov}.', 'draft');
    assert.equal((await page('/people/georgy-zhukov/')).headers['x-cache'], 'hit');
    await article('zhukov-in-berlin', 'In 1945 :person[Zhukov]{#georgy-zhukov} took Berlin.', 'published');
    const fresh = await page('/people/georgy-zhukov/');
    assert.notEqual(fresh.headers['x-cache'], 'hit');
    assert.ok(mentionedIn(fresh.body).includes('Notes on zhukov in berlin'));
  });

  test('renaming an entity in the admin keeps its old address as a 301', async () => {
    // Khamar-Daba: Zhukov's command post on the west bank (the demo has no such place).
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
    assert.match(now.body, /<li lang="mn">Хамар даваа<\/li>/);
  });

  test('a bad EDTF date in the admin form is shown at the field with the character at fault', async () => {
    const res = await send('/admin/entities', editor, { kind: 'event', name: 'Ceasefire', date: '1939-09-3X4' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /id="entity-date-error">[^<]*Character \d+: /);
    assert.match(res.body, /value="1939-09-3X4"/);
    assert.match(res.body, /value="Ceasefire"/);
  });

  test('an entity a published article mentions cannot be deleted, and the form says why', async () => {
    const list = await get('/admin/entities?kind=person', editor);
    const id = /href="\/admin\/entities\/edit\/(\d+)">Georgy Zhukov</.exec(list.body)?.[1];
    assert.ok(id, list.body.slice(0, 500));
    const res = await send(`/admin/entities/edit/${id}/delete`, editor, {});
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /Articles mention it: .*Khalkhin-Gol/);
    assert.equal((await page('/people/georgy-zhukov/')).statusCode, 200);
  });

  test('authors may not manage entities', async () => {
    const res = await get('/admin/entities', author);
    assert.equal(res.statusCode, 403);
  });
});
