import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseFeed } from '@rowanmanning/feed-parser';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { absolutise } from '../../src/modules/feeds/feed.service.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

let t: TestSite;
const dir = mkdtempSync(join(tmpdir(), 'annalist-feeds-'));
before(async () => {
  t = await startTestSite();
  await savePost(t.site.content, {
    type: 'post',
    slug: 'hostile-names',
    title: 'Tanks & <b>guns</b> at "Nomonhan" \u0001',
    standfirst: 'Standfirst with </description> in it & more',
    excerpt: 'An excerpt with ]]> and <script>alert(1)</script>',
    bodyMarkdown: 'Body with a [link](/khalkhin-gol-1939/) and a ]]> sequence.',
    status: 'published',
    categoryPath: 'russian-history/soviet-union',
    tags: ['<img src=x onerror=alert(1)>', 'R&D "quoted"'],
    authorSlugs: ['elena-markova'],
  });
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

test('titles, tags and excerpts full of markup and quotes still make well-formed feeds that parse back to the same text', async () => {
  for (const path of ['/feed/', '/feed/atom/']) {
    const res = await t.app.inject(path);
    const file = join(dir, `${path.replaceAll('/', '_')}.xml`);
    writeFileSync(file, res.body);
    execFileSync('xmllint', ['--noout', file]);
    const feed = parseFeed(res.body);
    const item = feed.items.find((i) => i.url?.endsWith('/hostile-names/'));
    assert.ok(item, path);
    assert.equal(
      item.title?.trim(),
      'Tanks & <b>guns</b> at "Nomonhan"',
      `${path}: title comes back as typed, minus the control character`,
    );
    assert.deepEqual(
      item.categories
        .map((c) => c.term ?? c.label)
        .filter((n) => n !== 'Soviet Union')
        .sort(),
      ['<img src=x onerror=alert(1)>', 'R&D "quoted"'].sort(),
      path,
    );
  }
  const json = (await t.app.inject('/feed.json')).json();
  assert.ok(json.items.some((i: { tags: string[] }) => i.tags.includes('<img src=x onerror=alert(1)>')));
});

test('feed bodies carry absolute addresses in href, src and every srcset candidate', () => {
  const html =
    '<a href="/tag/x/">x</a><img src="/media/1-960w.webp" srcset="/media/1-480w.webp 480w, /media/1-960w.webp 960w, //cdn.example/a.webp 2x">';
  assert.equal(
    absolutise(html, 'https://history.example'),
    '<a href="https://history.example/tag/x/">x</a><img src="https://history.example/media/1-960w.webp" srcset="https://history.example/media/1-480w.webp 480w, https://history.example/media/1-960w.webp 960w, //cdn.example/a.webp 2x">',
  );
});
