/**
 * `import wordpress --author-map`: the posts of old authors are credited to bylines the site already has (by slug,
 * or through an account's byline), instead of new ones; a map naming what the site lacks is refused before
 * anything is imported. Imported authors never get accounts.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { insertUser } from '../../src/modules/accounts/user.repository.ts';
import { insertAuthor } from '../../src/modules/content/taxonomy.repository.ts';
import { parseAuthorMap } from '../../src/modules/import/author-map.ts';
import type { ImportReport } from '../../src/modules/import/import-report.ts';
import { importWordpress } from '../../src/modules/import/wordpress-import.service.ts';
import { AppError } from '../../src/modules/shared/errors.ts';
import { startTestSite, type TestSite } from '../support/site.ts';
import { OLD, wxr } from '../support/wordpress-uploads.ts';

/** Two old writers: one known by login, one by email, each with an article. */
const FILE = wxr({
  base: OLD,
  authors: [
    { login: 'olga', email: 'olga@old.example', name: 'Olga P.' },
    { login: 'ivan', email: 'Ivan@Old.Example', name: 'Ivan S.' },
  ],
  items: [
    {
      id: '1',
      type: 'post',
      title: 'The Albazin garrison',
      name: 'albazin-garrison',
      creator: 'olga',
      content: 'Six hundred men.',
    },
    {
      id: '2',
      type: 'post',
      title: 'Winter on the Zeya',
      name: 'winter-on-the-zeya',
      creator: 'ivan',
      content: 'Ice to the banks.',
    },
  ],
});

const run = (t: TestSite, map: Record<string, unknown>) =>
  importWordpress(t.site.content, {
    open: () => Readable.from([FILE]),
    authorMap: parseAuthorMap(JSON.stringify(map)),
  });

async function rows(t: TestSite, table: 'authors' | 'posts' | 'users'): Promise<number> {
  const r = await t.site.storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A site whose writers already have bylines: Olga Petrova, and Ivan Sergeev through the account he signs in with. */
async function siteWithWriters(): Promise<TestSite> {
  const t = await startTestSite({ demo: false });
  const db = t.site.storage.db;
  const now = new Date().toISOString();
  await insertAuthor(db, { slug: 'olga-petrova', name: 'Olga Petrova', bio: '', created_at: now });
  const ivan = await insertAuthor(db, { slug: 'ivan-sergeev', name: 'Ivan Sergeev', bio: '', created_at: now });
  await insertUser(db, {
    email: 'ivan@new.example',
    name: 'Ivan Sergeev',
    role: 'author',
    password_hash: null,
    created_at: now,
    disabled_at: null,
    author_id: ivan,
  });
  return t;
}

describe('importing a WordPress export with an author map', () => {
  let t: TestSite;
  let report: ImportReport;
  before(async () => {
    t = await siteWithWriters();
    report = await run(t, { OLGA: 'olga-petrova', 'ivan@old.example': 'Ivan@New.Example' });
  });
  after(() => t.close());

  test('each article is credited to the existing byline, and no new byline or account is made', async () => {
    const olga = await t.app.inject({ method: 'GET', url: '/albazin-garrison/' });
    assert.match(olga.body, /By <a href="\/author\/olga-petrova\/" rel="author">Olga Petrova<\/a>/);
    const ivan = await t.app.inject({ method: 'GET', url: '/winter-on-the-zeya/' });
    assert.match(ivan.body, /By <a href="\/author\/ivan-sergeev\/" rel="author">Ivan Sergeev<\/a>/);
    assert.equal(await rows(t, 'authors'), 2);
    assert.equal(await rows(t, 'users'), 1);
    assert.deepEqual(report.counts.author, { imported: 0, updated: 0, unchanged: 2, skipped: 0, failed: 0 });
    assert.ok(report.lines.some((l) => l.kind === 'author' && l.oldId === 'olga' && /olga-petrova/.test(l.reason)));
  });

  test("an old author's address leads to the byline they were credited to", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/author/olga/' });
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, '/author/olga-petrova/');
  });
});

describe('a re-run with an author map given only the second time', () => {
  let t: TestSite;
  before(async () => {
    t = await siteWithWriters();
    await run(t, {});
  });
  after(() => t.close());

  test('moves the articles to the mapped byline', async () => {
    assert.match((await t.app.inject({ method: 'GET', url: '/albazin-garrison/' })).body, /Olga P\./);
    const again = await run(t, { olga: 'olga-petrova' });
    assert.equal(again.counts.post.updated, 1);
    assert.equal(again.counts.post.unchanged, 1);
    assert.match((await t.app.inject({ method: 'GET', url: '/albazin-garrison/' })).body, /Olga Petrova/);
  });
});

describe('an author map the site cannot follow', () => {
  let t: TestSite;
  before(async () => {
    t = await siteWithWriters();
  });
  after(() => t.close());

  test('a byline or account that does not exist is refused, naming each, and nothing is imported', async () => {
    await assert.rejects(
      run(t, { olga: 'no-such-byline', ivan: 'nobody@new.example' }),
      (err: unknown) =>
        err instanceof AppError &&
        err.code === 'IMPORT_AUTHOR_MAP_UNKNOWN' &&
        /no-such-byline/.test(err.publicMessage) &&
        /nobody@new\.example/.test(err.publicMessage),
    );
    assert.equal(await rows(t, 'posts'), 0);
    assert.equal(await rows(t, 'authors'), 2);
  });

  test('a file that is not a map of names to names is refused with what is wrong', () => {
    const refused = (text: string, why: RegExp) =>
      assert.throws(
        () => parseAuthorMap(text),
        (err: unknown) =>
          err instanceof AppError && err.code === 'IMPORT_AUTHOR_MAP_MALFORMED' && why.test(err.publicMessage),
      );
    refused('{ "olga": ', /is not JSON/);
    refused('["olga", "olga-petrova"]', /one JSON object/);
    refused('{ "olga": 7 }', /"olga" a target that is not/);
    refused('{ "Olga": "a", "olga": "b" }', /twice/);
    refused('{ "": "olga-petrova" }', /empty or too long/);
  });
});
