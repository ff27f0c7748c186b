import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseFeed } from '@rowanmanning/feed-parser';
import { editEntity } from '../../src/modules/history/entities.service.ts';
import { emptyEntityForm } from '../../src/modules/history/entity-form.ts';
import { createArticle, createEntity } from '../support/factories.ts';
import { parsePage } from '../support/page.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

// Each entity's page has an Atom feed of the new published articles mentioning it (decision 045): here on
// entities and articles each test makes for itself (test/support/factories.ts).
let t: TestSite;
const dir = mkdtempSync(join(tmpdir(), 'annalist-entity-feeds-'));
before(async () => {
  t = await startTestSite();
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (url: string) => t.app.inject({ method: 'GET', url });

/** The feed checked well-formed by xmllint, then parsed. */
function readFeed(body: string, name: string) {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, body);
  execFileSync('xmllint', ['--noout', file]);
  return parseFeed(body);
}

describe(`entity feeds (${TEST_DATABASE})`, () => {
  test("a person's feed is well-formed Atom listing the published articles that mention him", async () => {
    const chuikov = await createEntity(t, { kind: 'person', name: 'Vasily Chuikov', date: '1900/1982' });
    const mentioning = [
      await createArticle(t, { body: `Notes on ${chuikov.mention} at the Volga.` }),
      await createArticle(t, { body: `Notes on ${chuikov.mention} in Berlin.` }),
    ];
    const naming = await createArticle(t, { body: 'Vasily Chuikov is named here, but not mentioned.' });
    const res = await get(`/people/${chuikov.slug}/feed/`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/atom\+xml/);
    const feed = readFeed(res.body, 'chuikov');
    assert.match(feed.title ?? '', /^Vasily Chuikov · /);
    const urls = feed.items.map((i) => i.url ?? '');
    for (const a of mentioning)
      assert.ok(
        urls.some((u) => u.endsWith(a.url)),
        urls.join(' '),
      );
    assert.ok(!urls.some((u) => u.endsWith(naming.url)), 'an article naming him without a mention is not in it');
    const self = `/people/${chuikov.slug}/feed/`;
    assert.match(res.body, new RegExp(`<link rel="self" type="application/atom\\+xml" href="[^"]*${self}"/>`));
    const page = `/people/${chuikov.slug}/`;
    assert.match(res.body, new RegExp(`<link rel="alternate" type="text/html" href="[^"]*${page}"/>`));
  });

  test('the entity page announces its feed in the head and offers a visible "Follow (feed)" link', async () => {
    const place = await createEntity(t, { kind: 'place', name: 'Tamtsag', date: '' });
    await createArticle(t, { body: `The airfield at ${place.mention}.` });
    const res = await get(`/places/${place.slug}/`);
    const feed = `/places/${place.slug}/feed/`;
    // The head's <link> is no part of the page's accessibility tree: read as markup.
    assert.match(
      res.body,
      new RegExp(
        `<link rel="alternate" type="application/atom\\+xml" title="Articles mentioning Tamtsag \\(Atom\\)" href="${feed}"`,
      ),
    );
    const page = parsePage(res.body);
    const follow = page.within(page.get('main')).get('link', 'Follow (feed)');
    assert.equal(page.attr(follow, 'href'), feed);
    assert.equal(page.attr(follow, 'type'), 'application/atom+xml');
  });

  test('a new published article mentioning the entity appears in its feed; a draft never does', async () => {
    const river = await createEntity(t, { kind: 'place', name: 'Khalkha River', names: 'mn: Халх гол', date: '' });
    const before = await get(`/places/${river.slug}/feed/`);
    assert.equal(before.statusCode, 200);
    const draft = await createArticle(t, {
      body: `The ford on the :place[Халх гол]{#${river.slug}}.`,
      status: 'draft',
    });
    const published = await createArticle(t, { body: `The bridge over the ${river.mention}.` });
    const after = await get(`/places/${river.slug}/feed/`);
    const urls = readFeed(after.body, 'river').items.map((i) => i.url ?? '');
    assert.ok(
      urls.some((u) => u.endsWith(published.url)),
      urls.join(' '),
    );
    assert.ok(!urls.some((u) => u.endsWith(draft.url)), urls.join(' '));
  });

  test('a hostile entity name and article title stay text in a well-formed feed', async () => {
    const name = 'Tanks & <b>guns</b> "at" ]]> Nomonhan \u0001';
    const corps = await createEntity(t, { kind: 'organisation', name, slug: 'hostile-corps', date: '' });
    await createArticle(t, {
      slug: 'hostile-corps-report',
      title: 'A <i>report</i> & "more" ]]>',
      body: `The :org[<script>alert(1)</script>]{#${corps.slug}} crossed.`,
    });
    const res = await get(`/organisations/${corps.slug}/feed/`);
    assert.equal(res.statusCode, 200);
    const feed = readFeed(res.body, 'hostile');
    assert.ok(feed.title?.startsWith('Tanks & <b>guns</b> "at" ]]> Nomonhan'), feed.title ?? '');
    assert.equal(feed.items[0]?.title?.trim(), 'A <i>report</i> & "more" ]]>');
    assert.doesNotMatch(res.body, /<script>|<b>guns/);
  });

  test("a renamed entity's old feed address answers 301; an unknown one 404", async () => {
    const entity = await createEntity(t, { kind: 'place', name: 'Tamsag Bulak', slug: 'tamsag', date: '' });
    await editEntity(t.site.content, {
      id: entity.id,
      form: { ...emptyEntityForm('place'), name: 'Tamsag Bulak', slug: 'tamsag-bulak' },
    });
    const moved = await get('/places/tamsag/feed/');
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, '/places/tamsag-bulak/feed/');
    const feed = await get('/places/tamsag-bulak/feed/');
    assert.equal(feed.statusCode, 200);
    assert.equal(readFeed(feed.body, 'empty').items.length, 0, 'no article mentions it yet');
    assert.equal((await get('/people/no-such-person/feed/')).statusCode, 404);
    assert.equal((await get('/people/Not_A_Slug/feed/')).statusCode, (await get('/people/Not_A_Slug/')).statusCode);
  });
});
