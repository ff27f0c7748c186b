import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseFeed } from '@rowanmanning/feed-parser';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { createEntity, editEntity } from '../../src/modules/history/entities.service.ts';
import { emptyEntityForm } from '../../src/modules/history/entity-form.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

// Each entity's page has an Atom feed of the new published articles mentioning it (decision 045).
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

const article = (slug: string, body: string, status: 'draft' | 'published', title = `Notes on ${slug}`) =>
  savePost(t.site.content, {
    type: 'post',
    slug,
    title,
    bodyMarkdown: body,
    status,
    publishedAt: status === 'published' ? '2025-10-01T08:00:00.000Z' : null,
    authorSlugs: ['elena-markova'],
  });

describe(`entity feeds (${TEST_DATABASE})`, () => {
  test("Zhukov's feed is well-formed Atom listing the published articles that mention him", async () => {
    const res = await get('/people/georgy-zhukov/feed/');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/atom\+xml/);
    const feed = readFeed(res.body, 'zhukov');
    assert.match(feed.title ?? '', /^Georgy Zhukov · /);
    const urls = feed.items.map((i) => i.url ?? '');
    assert.ok(
      urls.some((u) => u.endsWith('/khalkhin-gol-1939/')),
      urls.join(' '),
    );
    assert.ok(
      urls.some((u) => u.endsWith('/zhukov-before-moscow/')),
      urls.join(' '),
    );
    assert.ok(
      !urls.some((u) => u.endsWith('/lake-khasan-1938/')),
      'an article naming him without a mention is not in it',
    );
    assert.match(
      res.body,
      /<link rel="self" type="application\/atom\+xml" href="[^"]*\/people\/georgy-zhukov\/feed\/"\/>/,
    );
    assert.match(res.body, /<link rel="alternate" type="text\/html" href="[^"]*\/people\/georgy-zhukov\/"\/>/);
  });

  test('the entity page announces its feed in the head and offers a visible "Follow (feed)" link', async () => {
    const res = await get('/places/nomonhan/');
    assert.match(
      res.body,
      /<link rel="alternate" type="application\/atom\+xml" title="Articles mentioning Nomonhan \(Atom\)" href="\/places\/nomonhan\/feed\/"/,
    );
    assert.match(res.body, /<a href="\/places\/nomonhan\/feed\/" type="application\/atom\+xml">Follow \(feed\)<\/a>/);
  });

  test('a new published article mentioning the entity appears in its feed; a draft never does', async () => {
    const before = await get('/places/khalkhin-gol/feed/');
    assert.equal(before.statusCode, 200);
    await article('crossing-draft', 'The ford on the :place[Халхин-Гол]{#khalkhin-gol}.', 'draft');
    await article('crossing-published', 'The bridge over the :place[Khalkhin-Gol]{#khalkhin-gol}.', 'published');
    const after = await get('/places/khalkhin-gol/feed/');
    const urls = readFeed(after.body, 'river').items.map((i) => i.url ?? '');
    assert.ok(
      urls.some((u) => u.endsWith('/crossing-published/')),
      urls.join(' '),
    );
    assert.ok(!urls.some((u) => u.endsWith('/crossing-draft/')), urls.join(' '));
  });

  test('a hostile entity name and article title stay text in a well-formed feed', async () => {
    const name = 'Tanks & <b>guns</b> "at" ]]> Nomonhan \u0001';
    const form = { ...emptyEntityForm('organisation'), name, slug: 'hostile-corps' };
    await createEntity(t.site.content, form);
    await article(
      'hostile-corps-report',
      'The :org[<script>alert(1)</script>]{#hostile-corps} crossed.',
      'published',
      'A <i>report</i> & "more" ]]>',
    );
    const res = await get('/organisations/hostile-corps/feed/');
    assert.equal(res.statusCode, 200);
    const feed = readFeed(res.body, 'hostile');
    assert.ok(feed.title?.startsWith('Tanks & <b>guns</b> "at" ]]> Nomonhan'), feed.title ?? '');
    assert.equal(feed.items[0]?.title?.trim(), 'A <i>report</i> & "more" ]]>');
    assert.doesNotMatch(res.body, /<script>|<b>guns/);
  });

  test("a renamed entity's old feed address answers 301; an unknown one 404", async () => {
    const entity = await createEntity(t.site.content, {
      ...emptyEntityForm('place'),
      name: 'Tamsag Bulak',
      slug: 'tamsag',
    });
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
