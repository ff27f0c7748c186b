#!/usr/bin/env node
// The static export rate (`annalist export static`): pages per second for the demo site, then for a generated site
// of SIZE posts (default 2000) added to it; and the size of the copy's search index: in all and per article, the
// list of articles every query fetches, and the largest word file (a query fetches those its words need).
// Each site lives in its own temporary folder, removed at the end.
//   node bench/static-export.mjs            SIZE=5000 node bench/static-export.mjs
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const SIZE = Number(process.env.SIZE ?? 2000);
const load = (path) => tsImport(path, import.meta.url);
const { openSite } = await load('../src/main.ts');
const { seedDemoSite } = await load('../src/modules/demo/demo.service.ts');
const { savePost } = await load('../src/modules/content/post-writer.service.ts');
const { exportStatic } = await load('../src/export-static.ts');
const { closeBoundedWork } = await load('../src/modules/shared/bounded-work.ts');

const WORDS = 'steppe river frontier army cavalry railway winter supply treaty border harbour fleet garrison'.split(
  ' ',
);
const CATEGORIES = ['russian-history/soviet-union', 'russian-history/imperial-russia', 'east-asia/japan'];

/** A short article of its own words, filed in one of the demo's categories with two of twelve tags. */
function generated(i) {
  const word = (k) => WORDS[(i * 7 + k * 3) % WORDS.length];
  const paragraphs = Array.from({ length: 6 }, (_, k) =>
    `The ${word(k)} and the ${word(k + 1)} in report ${i}.${k}. `.repeat(8),
  );
  return {
    type: 'post',
    slug: `generated-${i}`,
    title: `Generated article ${i}: the ${word(0)}`,
    standfirst: `Number ${i} of a generated site, about the ${word(1)}.`,
    bodyMarkdown: `## The ${word(2)}\n\n${paragraphs.join('\n\n')}\n`,
    status: 'published',
    publishedAt: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(),
    categoryPath: CATEGORIES[i % CATEGORIES.length],
    tags: [`Topic ${i % 12}`, `Theme ${i % 5}`],
    authorSlugs: ['elena-markova'],
  };
}

/** The search index of a copy: articles, bytes in all, the list's bytes, the largest word file's. */
function searchIndexSize(out) {
  const list = join(out, 'search-index.json');
  const shards = readdirSync(join(out, 'search-index')).map((f) => statSync(join(out, 'search-index', f)).size);
  const listBytes = statSync(list).size;
  return {
    articles: JSON.parse(readFileSync(list, 'utf8')).articles.length,
    total: listBytes + shards.reduce((a, b) => a + b, 0),
    list: listBytes,
    files: shards.length,
    largest: Math.max(...shards),
  };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const rows = [];

async function measure(label, site) {
  const out = mkdtempSync(join(tmpdir(), 'annalist-bench-static-'));
  try {
    const r = await exportStatic(site, { outDir: out, siteUrl: 'http://bench.invalid' });
    const again = await exportStatic(site, { outDir: out, siteUrl: 'http://bench.invalid' });
    console.log(
      `| ${label} | ${r.pages} | ${r.files} | ${r.seconds.toFixed(1)} s | ${(r.pages / r.seconds).toFixed(1)} | ` +
        `${again.seconds.toFixed(1)} s (${again.written} written) |`,
    );
    const s = searchIndexSize(out);
    rows.push(
      `| ${label} | ${s.articles} | ${kb(s.total)} (${s.files + 1} files) | ${Math.round(s.total / s.articles)} B | ` +
        `${kb(s.list)} | ${Math.round(s.list / s.articles)} B | ${kb(s.largest)} |`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'annalist-bench-static-site-'));
const site = await openSite(dir);
try {
  await seedDemoSite(site.content, { mediaDir: site.mediaDir });
  console.log('\n## Static export (annalist export static)\n');
  console.log('| Site | Pages | Files | First run | Pages/s | Second run, nothing changed |');
  console.log('|---|---|---|---|---|---|');
  await measure('demo', site);
  for (let i = 1; i <= SIZE; i++) await savePost(site.content, generated(i));
  await measure(`demo + ${SIZE} generated posts`, site);
  console.log('\n### Its search index\n');
  console.log(
    '| Site | Articles | Index in all | Per article | List (every query) | Per article | Largest word file |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await site.storage.close();
  await closeBoundedWork();
  rmSync(dir, { recursive: true, force: true });
}
