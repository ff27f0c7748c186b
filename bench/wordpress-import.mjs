#!/usr/bin/env node
// The WordPress import benchmark (issue 12): writes a WordPress export (WXR 1.2) of POSTS posts and COMMENTS
// comments (a third of them replies, some to comments further down the file), with a category tree three levels
// deep, tags and authors, then times `annalist import wordpress` into a fresh data folder (seconds and peak RSS
// from /usr/bin/time) and prints items per second, where an item is a post, a page or a comment.
//   node bench/wordpress-import.mjs                     POSTS=100000 COMMENTS=1000000 (defaults)
//   POSTS=10000 COMMENTS=100000 node bench/wordpress-import.mjs      a tenth, in a minute
//   WRITE_EXPORT=/var/tmp/wp.xml node bench/wordpress-import.mjs    writes the export and stops
// Target (issue 12): at least 2,000 items/s and peak RSS under 400 MB whatever the file size. The export, the
// data folder and everything else are in a temp folder removed at the end, also on error or Ctrl-C; SQLite.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const POSTS = Number(process.env.POSTS ?? '100000');
const COMMENTS = Number(process.env.COMMENTS ?? '1000000');
const work = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'annalist-wp-import-bench-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] wordpress-import: ${msg}\n`);

const BASE = 'https://history.example.net';
const CATEGORIES = [
  ['wars', ''],
  ['soviet-japanese', 'wars'],
  ['khalkhin-gol', 'soviet-japanese'],
  ['lake-khasan', 'soviet-japanese'],
  ['winter-war', 'wars'],
  ['people', ''],
  ['commanders', 'people'],
  ['archives', ''],
];
const TAGS = ['armour', 'aviation', 'logistics', 'maps', 'memoirs', 'mongolia', 'railways', 'cavalry'];
const AUTHORS = ['mira', 'oleg', 'tanya'];

const cdata = (s) => `<![CDATA[${s}]]>`;

function header() {
  const cats = CATEGORIES.map(
    ([slug, parent], i) =>
      `<wp:category><wp:term_id>${i + 1}</wp:term_id><wp:category_nicename>${slug}</wp:category_nicename>` +
      `<wp:category_parent>${parent}</wp:category_parent><wp:cat_name>${cdata(slug.replace(/-/g, ' '))}</wp:cat_name></wp:category>`,
  ).join('\n');
  const tags = TAGS.map(
    (t, i) =>
      `<wp:tag><wp:term_id>${100 + i}</wp:term_id><wp:tag_slug>${t}</wp:tag_slug><wp:tag_name>${cdata(t)}</wp:tag_name></wp:tag>`,
  ).join('\n');
  const authors = AUTHORS.map(
    (a, i) =>
      `<wp:author><wp:author_id>${i + 1}</wp:author_id><wp:author_login>${cdata(a)}</wp:author_login>` +
      `<wp:author_email>${cdata(`${a}@history.example.net`)}</wp:author_email><wp:author_display_name>${cdata(a)}</wp:author_display_name></wp:author>`,
  ).join('\n');
  return `<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>A generated history blog</title>
<link>${BASE}</link>
<description>Written for the import benchmark</description>
<language>en-GB</language>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>${BASE}</wp:base_site_url>
<wp:base_blog_url>${BASE}</wp:base_blog_url>
${authors}
${cats}
${tags}
`;
}

const BODY = [
  'The supply line ran some 650 kilometres from the railhead at Borzya, and every shell crossed the steppe by lorry.',
  '',
  '<!-- wp:heading --><h2>The crossing</h2><!-- /wp:heading -->',
  '',
  'On the third night the pontoon bridge was moved twice before dawn, so that the reconnaissance planes would find nothing.',
  '',
  '<ul><li>two rifle divisions</li><li>one tank brigade</li><li>artillery from the reserve</li></ul>',
  '',
  '[caption id="attachment_9" align="alignright" width="300"]<img src="https://history.example.net/wp-content/uploads/2019/05/map.jpg" alt="A sketch map" /> The bend of the river[/caption]',
  '',
  'Whether the numbers in the memoirs can be trusted is the <em>real</em> question, and the <a href="https://history.example.net/2019/05/sources/">sources page</a> takes it up.',
].join('\n');

function* items(commentsPerPost, extra) {
  let commentId = 0;
  for (let p = 1; p <= POSTS; p++) {
    const day = new Date(Date.UTC(2010, 0, 1) + p * 3_600_000 * 7);
    const date = day.toISOString().slice(0, 19).replace('T', ' ');
    const slug = `dispatch-${p}`;
    const [cat, parent] = CATEGORIES[p % CATEGORIES.length];
    const n = commentsPerPost + (p <= extra ? 1 : 0);
    const comments = [];
    for (let c = 0; c < n; c++) {
      const id = ++commentId;
      // A third are replies: to the comment before, or (every ninth) to the one after it, which comes later in the file.
      const parentId = c % 3 === 1 ? id - 1 : c % 9 === 2 && c + 1 < n ? id + 1 : 0;
      comments.push(
        `<wp:comment><wp:comment_id>${id}</wp:comment_id><wp:comment_author>${cdata(`Reader ${id % 5000}`)}</wp:comment_author>` +
          `<wp:comment_author_email>${cdata(`reader${id % 5000}@mail.example`)}</wp:comment_author_email>` +
          `<wp:comment_author_url></wp:comment_author_url><wp:comment_author_IP>${cdata(`192.0.2.${id % 250}`)}</wp:comment_author_IP>` +
          `<wp:comment_date>${date}</wp:comment_date><wp:comment_date_gmt>${date}</wp:comment_date_gmt>` +
          `<wp:comment_content>${cdata(`I read the divisional history differently: the bridge was moved three times, not twice (comment ${id}).\n\nSee the second volume.`)}</wp:comment_content>` +
          `<wp:comment_approved>${id % 20 === 0 ? '0' : '1'}</wp:comment_approved><wp:comment_type>comment</wp:comment_type>` +
          `<wp:comment_parent>${parentId}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id></wp:comment>`,
      );
    }
    yield `<item>
<title>${cdata(`Dispatch ${p}: the river in ${1930 + (p % 15)}`)}</title>
<link>${BASE}/${date.slice(0, 4)}/${date.slice(5, 7)}/${date.slice(8, 10)}/${slug}/</link>
<pubDate>${day.toUTCString()}</pubDate>
<dc:creator>${cdata(AUTHORS[p % AUTHORS.length])}</dc:creator>
<guid isPermaLink="false">${BASE}/?p=${p}</guid>
<description></description>
<content:encoded>${cdata(BODY)}</content:encoded>
<excerpt:encoded>${cdata('')}</excerpt:encoded>
<wp:post_id>${p}</wp:post_id>
<wp:post_date>${cdata(date)}</wp:post_date>
<wp:post_date_gmt>${cdata(date)}</wp:post_date_gmt>
<wp:comment_status>open</wp:comment_status>
<wp:post_name>${cdata(slug)}</wp:post_name>
<wp:status>publish</wp:status>
<wp:post_parent>0</wp:post_parent>
<wp:menu_order>0</wp:menu_order>
<wp:post_type>post</wp:post_type>
<wp:is_sticky>0</wp:is_sticky>
<category domain="category" nicename="${cat}">${cdata(cat)}</category>
${parent ? `<category domain="category" nicename="${parent}">${cdata(parent)}</category>\n` : ''}<category domain="post_tag" nicename="${TAGS[p % TAGS.length]}">${cdata(TAGS[p % TAGS.length])}</category>
${comments.join('\n')}
</item>
`;
  }
}

async function writeExport(file) {
  const out = createWriteStream(file);
  const put = async (s) => {
    if (!out.write(s)) await new Promise((r) => out.once('drain', r));
  };
  await put(header());
  for (const item of items(Math.floor(COMMENTS / POSTS), COMMENTS % POSTS)) await put(item);
  await put('</channel>\n</rss>\n');
  await new Promise((r) => out.end(r));
}

/** `annalist …` through the CLI entry under /usr/bin/time: exit status, seconds, peak RSS (MB). */
function annalist(args) {
  const started = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(ROOT, 'bin/annalist.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = run.stderr.trim().split('\n');
  return { status: run.status, seconds, rssMb: Number(lines.at(-1)) / 1024, out: run.stdout, err: run.stderr };
}

// WRITE_EXPORT=FILE writes the export there and stops (to profile an import by hand).
if (process.env.WRITE_EXPORT) {
  await writeExport(process.env.WRITE_EXPORT);
  cleanup();
  process.exit(0);
}

try {
  const file = join(work, 'export.xml');
  log(`writing an export of ${POSTS} posts and ${COMMENTS} comments`);
  await writeExport(file);
  const mb = statSync(file).size / 1024 / 1024;
  log(`${mb.toFixed(0)} MB written; importing`);
  // The bundle is made (or found fresh) before the timed run, so its build is not counted.
  annalist(['--help']);
  const r = annalist(['import', 'wordpress', file, '--data-dir', join(work, 'site')]);
  if (r.status !== 0) throw new Error(`import failed:\n${r.err.slice(-2000)}`);
  const items = POSTS + COMMENTS;
  process.stdout.write(
    [
      '| export | items (posts + comments) | seconds (CLI, start to exit) | items/s | peak RSS (MB) |',
      '|---|---|---|---|---|',
      `| ${mb.toFixed(0)} MB WXR 1.2 | ${items.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${Math.round(items / r.seconds).toLocaleString('en')} | ${r.rssMb.toFixed(0)} |`,
      '',
      'Target (issue 12): at least 2,000 items/s, peak RSS under 400 MB.',
      '',
    ].join('\n'),
  );
} finally {
  cleanup();
}
