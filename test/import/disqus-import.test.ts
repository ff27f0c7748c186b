/**
 * `annalist import disqus`: the discussion of the Amur Chronicle written as a Disqus export for these tests
 * (test/fixtures/import/amur-discussion.disqus.xml), imported after the site's WordPress export, and checked on
 * the article pages as a reader sees them; then every refusal, leaving the site as it was.
 */
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { importDisqus } from '../../src/modules/import/disqus-import.service.ts';
import type { ImportReport } from '../../src/modules/import/import-report.ts';
import { importWordpress } from '../../src/modules/import/wordpress-import.service.ts';
import { AppError } from '../../src/modules/shared/errors.ts';
import { shownUnder } from '../support/comment-threads.ts';
import { runAnnalist } from '../support/process.ts';
import { newTestDatabase, startTestSite, type TestSite } from '../support/site.ts';

const FIXTURES = new URL('../fixtures/import/', import.meta.url);
const fixture = (name: string) => fileURLToPath(new URL(name, FIXTURES));
const open = (name: string) => () => createReadStream(new URL(name, FIXTURES), { encoding: 'utf8' });
const importFile = (t: TestSite, name: string, opts: { dryRun?: boolean } = {}) =>
  importDisqus(t.site.content, { open: open(name), ...opts });

const get = (t: TestSite, url: string) => t.app.inject({ method: 'GET', url });

async function page(t: TestSite, url: string): Promise<string> {
  const res = await get(t, url);
  assert.equal(res.statusCode, 200, `${url} answers 200`);
  return res.body;
}

async function commentRows(t: TestSite) {
  return t.site.storage.db
    .selectFrom('comments')
    .innerJoin('posts', 'posts.id', 'comments.post_id')
    .select([
      'comments.id',
      'posts.slug',
      'comments.author_name',
      'comments.author_email',
      'comments.status',
      'comments.depth',
      'comments.created_at',
      'comments.ip',
      'comments.body_md',
    ])
    .orderBy('comments.id')
    .execute();
}

describe('importing a Disqus export onto an imported WordPress site', () => {
  let t: TestSite;
  let report: ImportReport;
  let wordpressComments: number;
  before(async () => {
    t = await startTestSite({ demo: false });
    await importWordpress(t.site.content, { open: open('amur-chronicle.wxr.xml') });
    wordpressComments = (await commentRows(t)).length;
    report = await importFile(t, 'amur-discussion.disqus.xml');
  });
  after(() => t.close());

  test('threads are matched by the WordPress id, a slug, a redirected address on another host and a plain path', async () => {
    assert.equal(report.counts.thread.imported, 4);
    const bySlug = new Map<string, number>();
    for (const r of (await commentRows(t)).slice(wordpressComments)) bySlug.set(r.slug, (bySlug.get(r.slug) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(bySlug), {
      'nerchinsk-1689': 4,
      'search-2': 1,
      'albazin-siege-2': 1,
      'albazin-siege': 2,
    });
  });

  test('replies are threaded on the article page, a reply listed before its parent included', async () => {
    const html = await page(t, '/nerchinsk-1689/');
    assert.equal(
      shownUnder(html, 'The Jesuit interpreters wrote it in Latin as well.'),
      'Which languages was the treaty written in?',
    );
    assert.equal(
      shownUnder(html, 'Latin, Manchu and Russian, then. Thank you.'),
      'The Jesuit interpreters wrote it in Latin as well.',
    );
    assert.equal(shownUnder(html, 'Posted on the treaty before the thread appears in the file.'), undefined);
    assert.match(html, /Ines/);
    const depths = (await commentRows(t)).filter((r) => r.slug === 'nerchinsk-1689').map((r) => r.depth);
    assert.deepEqual(depths.sort(), [0, 0, 1, 2]);
  });

  test('comments are stored approved, with their author, time and address as Disqus had them', async () => {
    const rows = await commentRows(t);
    const mateo = rows.find((r) => r.author_name === 'Mateo');
    assert.equal(mateo?.status, 'approved');
    assert.equal(mateo?.author_email, 'mateo@readers.example');
    assert.equal(mateo?.created_at, '2012-05-02T09:00:00.000Z');
    assert.equal(mateo?.ip, '192.0.2.42');
    assert.ok(
      rows.some((r) => r.author_name === 'quiet_reader'),
      'a comment with no name shows its username',
    );
    const count = await t.site.storage.db
      .selectFrom('posts')
      .select('comment_count')
      .where('slug', '=', 'nerchinsk-1689')
      .executeTakeFirstOrThrow();
    assert.equal(count.comment_count, 4);
  });

  test('nothing from a comment runs: scripts and javascript: links are gone, their words stay', async () => {
    const html = await page(t, '/nerchinsk-1689/');
    assert.doesNotMatch(html, /from disqus/);
    assert.doesNotMatch(html, /javascript:/);
    assert.match(html, /a harmless link text/);
    assert.match(html, /<em>written<\/em>/);
  });

  test('spam and deleted comments are counted and not shown; nothing is kept of them', async () => {
    const nerchinsk = await page(t, '/nerchinsk-1689/');
    assert.doesNotMatch(nerchinsk, /cheap furs/);
    assert.equal(report.spamSkipped, 1);
    assert.equal(report.deletedSkipped, 1);
    const rows = await commentRows(t);
    assert.ok(!rows.some((r) => r.author_name === 'Fur Seller' || r.author_name === 'Gone Reader'));
  });

  test('a reply whose parent was deleted or sits in another thread stands at the top level and is reported', async () => {
    assert.equal(shownUnder(await page(t, '/search-2/'), 'Answering a comment its writer deleted.'), undefined);
    assert.equal(shownUnder(await page(t, '/albazin-siege/'), 'Replying across threads somehow.'), undefined);
    assert.deepEqual(report.orphanComments.sort(), ['7406', '7602']);
  });

  test('threads matched to no article are reported with their link; their comments, and those of deleted or missing threads, are left out', async () => {
    assert.deepEqual(report.unmatchedThreads, [
      { oldId: '5999', link: 'http://amur.example/2012/05/06/lost-article/', identifier: '', comments: 1 },
    ]);
    assert.ok(report.lines.some((l) => l.kind === 'file' && /1 thread without comments/.test(l.reason)));
    assert.ok(report.lines.some((l) => l.kind === 'thread' && l.oldId === '5997' && /deleted/.test(l.reason)));
    assert.ok(report.lines.some((l) => l.oldId === '7703' && /thread 4242 is not in the file/.test(l.reason)));
    assert.equal(report.counts.comment.imported, 8);
    assert.equal(report.counts.comment.skipped, 5);
    assert.equal(report.counts.thread.skipped, 3);
    const rows = await commentRows(t);
    assert.ok(!rows.some((r) => /Where did this article go|On a deleted thread|not in the file/.test(r.body_md)));
  });

  test('imported comments send no mail', async () => {
    assert.deepEqual(await t.site.storage.db.selectFrom('outbox').select('id').execute(), []);
  });

  test('importing the same file again duplicates nothing and keeps the threads', async () => {
    const before = await commentRows(t);
    const again = await importFile(t, 'amur-discussion.disqus.xml');
    assert.equal(again.counts.comment.imported, 0);
    assert.equal(again.counts.comment.updated, 8);
    assert.equal(again.counts.thread.unchanged, 4);
    assert.deepEqual(await commentRows(t), before);
    assert.equal(
      shownUnder(await page(t, '/nerchinsk-1689/'), 'Latin, Manchu and Russian, then. Thank you.'),
      'The Jesuit interpreters wrote it in Latin as well.',
    );
  });
  test('a later export where a comment was deleted on Disqus takes it down here too', async () => {
    const later = readFileSync(fixture('amur-discussion.disqus.xml'), 'utf8').replace(
      /(<post int:id="7501">[\s\S]*?<isDeleted>)false(<\/isDeleted>)/,
      '$1true$2',
    );
    assert.match(later, /<post int:id="7501">\s*<message><!\[CDATA\[<p>The second siege[\s\S]*?<isDeleted>true/);
    assert.match(await page(t, '/albazin-siege-2/'), /The second siege lasted into 1687\./);
    const again = await importDisqus(t.site.content, { open: () => Readable.from([later]) });
    assert.equal(again.deletedSkipped, 2);
    assert.doesNotMatch(await page(t, '/albazin-siege-2/'), /The second siege lasted into 1687\./);
    const post = await t.site.storage.db
      .selectFrom('posts')
      .select('comment_count')
      .where('slug', '=', 'albazin-siege-2')
      .executeTakeFirstOrThrow();
    assert.equal(post.comment_count, 0);
  });
});

describe('refusing a Disqus file', () => {
  let t: TestSite;
  before(async () => {
    t = await startTestSite({ demo: false });
    await importWordpress(t.site.content, { open: open('amur-chronicle.wxr.xml') });
  });
  after(() => t.close());

  async function refused(name: string, code: string): Promise<AppError> {
    const before = await commentRows(t);
    const err = await importFile(t, name).then(
      () => assert.fail(`${name} was imported`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code);
    assert.deepEqual(await commentRows(t), before, 'nothing was imported');
    return err;
  }

  test('a DOCTYPE (where entity bombs live) is refused before anything is read', async () => {
    const err = await refused('disqus-doctype.xml', 'IMPORT_REFUSED');
    assert.match(err.publicMessage, /DOCTYPE, which a Disqus export never has/);
  });

  test('a file that is not well-formed is refused with its line and column, the comments before the fault too', async () => {
    const err = await refused('disqus-unquoted.xml', 'IMPORT_MALFORMED');
    assert.match(err.publicMessage, /line 14, column \d+/);
  });

  test('a WordPress export, a feed or an empty file is not a Disqus export', async () => {
    const wxr = await refused('amur-chronicle.wxr.xml', 'IMPORT_NOT_DISQUS');
    assert.match(wxr.publicMessage, /root element is <rss>/);
    await refused('plain-rss.xml', 'IMPORT_NOT_DISQUS');
    await refused('ghost-empty.json', 'IMPORT_MALFORMED');
  });

  test('the export as Disqus mails it (gzipped) is refused with a word on how to unpack it', async () => {
    const before = await commentRows(t);
    const gz = gzipSync(readFileSync(fixture('amur-discussion.disqus.xml')));
    const err = await importDisqus(t.site.content, { open: () => Readable.from([gz.toString('utf8')]) }).then(
      () => assert.fail('a gzipped file was imported'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, 'IMPORT_NOT_DISQUS');
    assert.match(err.publicMessage, /compressed \(gzip\): unpack it first/);
    assert.deepEqual(await commentRows(t), before);
  });

  test('a dry run reports what it would import and changes nothing', async () => {
    const before = await commentRows(t);
    const report = await importFile(t, 'amur-discussion.disqus.xml', { dryRun: true });
    assert.equal(report.dryRun, true);
    assert.equal(report.counts.comment.imported, 8);
    assert.deepEqual(await commentRows(t), before);
  });
});

describe('annalist import disqus (the command)', () => {
  let dir: string;
  let db: Awaited<ReturnType<typeof newTestDatabase>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'annalist-disqus-cli-'));
    db = await newTestDatabase();
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const annalist = (args: string[]) => runAnnalist(args, db.env);

  test('after the WordPress import, prints the report with the unmatched thread and writes it as JSON', async () => {
    const data = join(dir, 'data');
    const wp = await annalist(['import', 'wordpress', fixture('amur-chronicle.wxr.xml'), '--data-dir', data]);
    assert.equal(wp.status, 0, wp.stderr);
    const json = join(dir, 'report.json');
    const run = await annalist([
      'import',
      'disqus',
      fixture('amur-discussion.disqus.xml'),
      '--data-dir',
      data,
      '--report',
      json,
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Imported: amur-chronicle \(Disqus\)$/m);
    assert.match(run.stdout, /^comment\s+8\s+0\s+0\s+5\s+0$/m);
    assert.match(run.stdout, /thread 5999: http:\/\/amur\.example\/2012\/05\/06\/lost-article\/, 1 comment$/m);
    assert.equal(JSON.parse(readFileSync(json, 'utf8')).spamSkipped, 1);
    const bad = await annalist(['import', 'disqus', fixture('disqus-doctype.xml'), '--data-dir', data]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^annalist: IMPORT_REFUSED: .*Nothing was imported\.\n$/);
  });
});
