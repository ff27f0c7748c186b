/**
 * `annalist import wordpress FILE --uploads DIR --author-map FILE` as a real process: refusals are one line with
 * their code and leave the site untouched; an import brings the images and credits the mapped byline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openSite, type Site } from '../../src/main.ts';
import { insertAuthor } from '../../src/modules/content/taxonomy.repository.ts';
import { runAnnalist } from '../support/process.ts';
import { newTestDatabase, type TestDatabase } from '../support/site.ts';
import { riverCrossingsExport, writeUploads } from '../support/wordpress-uploads.ts';

describe('annalist import wordpress --uploads --author-map', () => {
  let dir: string;
  let db: TestDatabase;
  let file: string;
  let uploads: string;
  const dataDir = () => join(dir, 'data');

  async function withSite<T>(fn: (site: Site) => Promise<T>): Promise<T> {
    const site = await openSite(dataDir(), { databaseUrl: db.databaseUrl });
    try {
      return await fn(site);
    } finally {
      await site.storage.close();
    }
  }

  const rows = (table: 'posts' | 'media') =>
    withSite(async (site) =>
      Number(
        (
          await site.storage.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );

  const importWith = (extra: string[]) =>
    runAnnalist(['import', 'wordpress', file, '--data-dir', dataDir(), ...extra], db.env);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'annalist-wp-uploads-cli-'));
    db = await newTestDatabase();
    file = join(dir, 'river.xml');
    writeFileSync(file, riverCrossingsExport());
    uploads = join(dir, 'uploads');
    await writeUploads(uploads, join(dir, 'outside'));
    await withSite((site) =>
      insertAuthor(site.storage.db, {
        slug: 'anna-ferry',
        name: 'Anna Ferry',
        bio: '',
        created_at: new Date().toISOString(),
      }),
    );
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a malformed author map is refused in one line with its code, and nothing is imported', async () => {
    const map = join(dir, 'broken-map.json');
    writeFileSync(map, '{ "ferryman": ');
    const run = await importWith(['--uploads', uploads, '--author-map', map]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /^annalist: IMPORT_AUTHOR_MAP_MALFORMED: The author map is not JSON .*Nothing was imported\.\n$/,
    );
    assert.equal(await rows('posts'), 0);
  });

  test('an author map naming a byline the site lacks is refused, and nothing is imported', async () => {
    const map = join(dir, 'unknown-map.json');
    writeFileSync(map, JSON.stringify({ ferryman: 'captain-nemo' }));
    const run = await importWith(['--uploads', uploads, '--author-map', map]);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /^annalist: IMPORT_AUTHOR_MAP_UNKNOWN: .*captain-nemo \(no byline has this slug\).*Nothing was imported\.\n$/,
    );
    assert.equal(await rows('posts'), 0);
    assert.equal(await rows('media'), 0);
  });

  test('an uploads folder that is not a folder is refused before the site is touched', async () => {
    const run = await importWith(['--uploads', join(dir, 'no-such-folder')]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^annalist: IMPORT_UPLOADS_NOT_FOLDER: /);
    assert.equal(await rows('posts'), 0);
  });

  test('an import brings the images, credits the mapped byline and lists missing and remote images', async () => {
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ 'ferryman@old.example': 'anna-ferry' }));
    const json = join(dir, 'report.json');
    const run = await importWith(['--uploads', uploads, '--author-map', map, '--report', json]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^media\s+4\s+0\s+0\s+1\s+9$/m);
    assert.match(
      run.stdout,
      /shown as placeholders[^\n]*\n {2}post 10: http:\/\/old\.example\/wp-content\/uploads\/2019\/09\/lost\.jpg/,
    );
    assert.match(run.stdout, /media 24: failed, 2019\/08\/plan\.svg: MEDIA_SVG_REFUSED/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(
      report.remoteMedia.map((m: { address: string }) => m.address),
      ['https://elsewhere.example/pictures/raft.jpg'],
    );
    const post = await withSite((site) =>
      site.storage.db
        .selectFrom('posts')
        .innerJoin('post_authors', 'post_authors.post_id', 'posts.id')
        .innerJoin('authors', 'authors.id', 'post_authors.author_id')
        .select(['posts.cover_src', 'authors.slug'])
        .executeTakeFirstOrThrow(),
    );
    assert.match(post.cover_src ?? '', /^\/media\/\d+-640x480-640w\.png$/);
    assert.equal(post.slug, 'anna-ferry');
    assert.equal(await rows('media'), 4);
  });
});
