/**
 * `import wordpress` with a copy of the old site's wp-content/uploads: the images go through the media library's
 * own pipeline inside the import's transaction, and the articles show them from /media/. Checked as a reader
 * gets the pages, and as the report says it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { ImportReport } from '../../src/modules/import/import-report.ts';
import { importWordpress } from '../../src/modules/import/wordpress-import.service.ts';
import { startTestSite, type TestSite } from '../support/site.ts';
import { riverCrossingsExport, UPLOADS_URL, writeUploads } from '../support/wordpress-uploads.ts';

const FILE = riverCrossingsExport();
const importRiver = (t: TestSite, opts: { uploadsDir?: string; dryRun?: boolean } = {}) =>
  importWordpress(t.site.content, { open: () => Readable.from([FILE]), ...opts });

async function page(t: TestSite, url: string): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url });
  assert.equal(res.statusCode, 200, `${url} answers 200`);
  return res.body;
}

/** Every <img> of a page with its src and alt, as a reader's browser sees them. */
function images(html: string): { src: string; alt: string }[] {
  return [...html.matchAll(/<img\b[^>]*>/g)].map((m) => ({
    src: /\ssrc="([^"]*)"/.exec(m[0])?.[1] ?? '',
    alt: /\salt="([^"]*)"/.exec(m[0])?.[1] ?? '',
  }));
}

async function count(t: TestSite, table: 'media' | 'posts' | 'media_files'): Promise<number> {
  const row = await t.site.storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const line = (r: ImportReport, oldId: string) => r.lines.find((l) => l.kind === 'media' && l.oldId === oldId);

describe('importing a WordPress export with its uploads folder', () => {
  let t: TestSite;
  let dir: string;
  let report: ImportReport;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'annalist-wp-uploads-'));
    await writeUploads(join(dir, 'uploads'), join(dir, 'outside'));
    t = await startTestSite({ demo: false });
    report = await importRiver(t, { uploadsDir: join(dir, 'uploads') });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a captioned image shows from its /media/ address, with the attachment alt text and the caption', async () => {
    const html = await page(t, '/crossing-the-amur/');
    const ferry = images(html).find((i) => i.alt === 'The ferry crossing');
    assert.ok(ferry, 'the ferry is shown, its empty alt filled from the attachment');
    assert.match(ferry.src, /^\/media\/\d+-800x600-800w\.jpg$/, 'the original, not the 300×225 copy');
    assert.match(html, /<figcaption>The ferry at Blagoveshchensk<\/figcaption>/);
    assert.doesNotMatch(html, /wp-content\/uploads\/2019\/05/);
  });

  test('the /media/ address serves the image, re-encoded without its EXIF', async () => {
    const html = await page(t, '/crossing-the-amur/');
    const src = images(html).find((i) => i.alt === 'The ferry crossing')?.src as string;
    const res = await t.app.inject({ method: 'GET', url: src });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/jpeg');
    const meta = await sharp(res.rawPayload).metadata();
    assert.equal(meta.width, 800);
    assert.equal(meta.exif, undefined, 'no EXIF travels');
    assert.doesNotMatch(res.rawPayload.toString('latin1'), /secret ford/);
  });

  test('the featured image, named before its attachment comes in the file, is the article cover', async () => {
    const html = await page(t, '/crossing-the-amur/');
    const cover = /<figure class="article__cover">\s*<img src="([^"]+)" alt="([^"]*)"/.exec(html);
    assert.ok(cover, 'the article has a cover');
    assert.match(cover[1] as string, /^\/media\/\d+-640x480-640w\.png$/);
    assert.equal(cover[2], 'Map of the river');
    assert.match(html, /The Amur in 1860/);
    assert.equal((await t.app.inject({ method: 'GET', url: cover[1] as string })).statusCode, 200);
  });

  test('an image of the uploads that no attachment names is brought in by its path (any www. or scheme)', async () => {
    const sketch = images(await page(t, '/crossing-the-amur/')).find((i) => i.alt === 'A sketch of the landing');
    assert.match(sketch?.src ?? '', /^\/media\/\d+-200x150-200w\.png$/);
  });

  test('a gallery shows each attachment from /media/ with its caption', async () => {
    const html = await page(t, '/crossing-the-amur/');
    assert.match(html, /<figcaption>Ferry, summer 1901<\/figcaption>/);
    const map = images(html).filter((i) => i.alt === 'Map of the river');
    assert.ok(
      map.some((i) => i.src.startsWith('/media/')),
      'the map is in the gallery too',
    );
  });

  test('a file missing from the folder is a visible placeholder and a report line, never a broken image', async () => {
    const html = await page(t, '/crossing-the-amur/');
    assert.match(html, /\(Image not moved yet: The lost photograph of the ice road\)/);
    assert.ok(!images(html).some((i) => i.src.includes('lost.jpg')));
    assert.match(line(report, '30')?.reason ?? '', /^missing: .*2019\/09\/lost\.jpg/);
    assert.deepEqual(report.missingMedia, [{ kind: 'post', oldId: '10', address: `${UPLOADS_URL}/2019/09/lost.jpg` }]);
  });

  test('an image on another site keeps its address and is reported as remote', async () => {
    const html = await page(t, '/crossing-the-amur/');
    assert.ok(images(html).some((i) => i.src === 'https://elsewhere.example/pictures/raft.jpg'));
    assert.deepEqual(report.remoteMedia, [
      { kind: 'post', oldId: '10', address: 'https://elsewhere.example/pictures/raft.jpg' },
    ]);
  });

  test('hostile files are each a report line and the import goes on', async () => {
    const reasons: Record<string, RegExp> = {
      '23': /MEDIA_TYPE_REFUSED/,
      '24': /MEDIA_SVG_REFUSED/,
      '25': /MEDIA_TOO_MANY_PIXELS/,
      '26': /larger than 15 MB/,
      '27': /symbolic link leading outside/,
      '28': /leads outside the uploads folder/,
      '29': /leads outside the uploads folder/,
      '32': /leads outside the uploads folder/,
    };
    for (const [id, reason] of Object.entries(reasons)) {
      const l = line(report, id);
      assert.equal(l?.outcome, 'failed', `attachment ${id} failed`);
      assert.match(l?.reason ?? '', reason, `attachment ${id}: ${l?.reason}`);
    }
    assert.equal(line(report, '31')?.outcome, 'skipped', 'a PDF is not an image: left at its address');
    assert.equal(
      line(report, '33'),
      undefined,
      "WordPress.com's absolute path is not read; its address finds the file",
    );
    assert.deepEqual(report.counts.media, { imported: 4, updated: 0, unchanged: 0, skipped: 1, failed: 9 });
    assert.equal(report.counts.post.imported, 1);
    assert.equal(
      await count(t, 'media'),
      4,
      'the ferry, the map, the sketch and the ford; nothing of the hostile files',
    );
  });

  test('a second run of the same export adds no media and changes no article', async () => {
    const before = { media: await count(t, 'media'), files: await count(t, 'media_files') };
    const again = await importRiver(t, { uploadsDir: join(dir, 'uploads') });
    assert.equal(again.counts.media.imported, 0);
    assert.equal(again.counts.media.unchanged, 4);
    assert.equal(again.counts.post.unchanged, 1);
    assert.deepEqual({ media: await count(t, 'media'), files: await count(t, 'media_files') }, before);
  });
});

describe('importing a WordPress export with its uploads, as a dry run', () => {
  let t: TestSite;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'annalist-wp-uploads-dry-'));
    await writeUploads(join(dir, 'uploads'), join(dir, 'outside'));
    t = await startTestSite({ demo: false });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reports the images it would bring and leaves no media and no post behind', async () => {
    const report = await importRiver(t, { uploadsDir: join(dir, 'uploads'), dryRun: true });
    assert.equal(report.dryRun, true);
    assert.equal(report.counts.media.imported, 4);
    assert.equal(await count(t, 'media'), 0);
    assert.equal(await count(t, 'posts'), 0);
  });
});

describe('importing a WordPress export without an uploads folder', () => {
  let t: TestSite;
  let report: ImportReport;
  before(async () => {
    t = await startTestSite({ demo: false });
    report = await importRiver(t);
  });
  after(() => t.close());

  test('copies nothing: images keep their old addresses and are reported as remote', async () => {
    const html = await page(t, '/crossing-the-amur/');
    assert.ok(images(html).some((i) => i.src === `${UPLOADS_URL}/2019/05/ferry-300x225.jpg`));
    assert.ok(images(html).some((i) => i.src === `${UPLOADS_URL}/2019/09/lost.jpg`));
    assert.equal(await count(t, 'media'), 0);
    assert.deepEqual(report.counts.media, { imported: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 });
    const remote = report.remoteMedia.map((m) => m.address);
    assert.ok(remote.includes(`${UPLOADS_URL}/2019/05/ferry-300x225.jpg`));
    assert.ok(remote.includes('https://elsewhere.example/pictures/raft.jpg'));
    assert.equal(report.missingMedia.length, 0);
    assert.equal(report.otherTypesSkipped.attachment, 13);
  });
});
