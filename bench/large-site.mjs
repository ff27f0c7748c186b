#!/usr/bin/env node
// The large-site benchmark (see bench/README.md): generates a site of SIZE posts (default 100,000), COMMENTS comments
// (default 2,000,000) and a 6-level category tree into a throwaway SQLite data folder, serves it with
// `annalist serve` (page cache off) and measures, one request at a time: home, a deep category archive (page 1
// and 2), an article with many comments, one with few, and search; plus the server's peak RSS (VmHWM).
//   node bench/large-site.mjs [--out DIR]        SIZE=5000 COMMENTS=100000 node bench/large-site.mjs   (quick)
// The generated data is never kept: the temp folder is removed at the end, also on error or Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = Number(process.env.SIZE ?? '100000');
const COMMENTS = Number(process.env.COMMENTS ?? '2000000');
const REQUESTS = Number(process.env.LARGE_REQUESTS ?? '300');
const WARMUP = Number(process.env.LARGE_WARMUP ?? '50');
// A slow target stops early (warm-up and measured requests each) after this many seconds; the table says how many ran.
const MAX_SECONDS = Number(process.env.LARGE_MAX_SECONDS ?? '60');
const MAX_PER_POST = 5000; // the busiest discussion
const args = process.argv.slice(2);
const outDir = args[0] === '--out' ? args[1] : undefined;

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] large-site: ${msg}\n`);

// ---------------------------------------------------------------- cleanup: only what this script started
let server;
// LARGE_DATA=<folder> measures a site generated before (with LARGE_KEEP=1) instead of generating one.
const REUSE = process.env.LARGE_DATA;
const DATA = REUSE ?? mkdtempSync(join(tmpdir(), 'annalist-bench-large-'));
function cleanup() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  if (REUSE) return;
  if (process.env.LARGE_KEEP === '1') log(`kept the data folder ${DATA} (LARGE_KEEP=1): remove it yourself`);
  else rmSync(DATA, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    log(`${sig}: stopping`);
    process.exit(130);
  });

// Deterministic pseudo-random numbers (mulberry32), so two runs generate the same site.
let seed = 20261127;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];

// ---------------------------------------------------------------- generate
function generate() {
  const t0 = performance.now();
  // The app itself creates the database (migrations) and the demo site: settings, widgets, authors, tags, and
  // articles rendered by its own Markdown renderer at the current render version, which the generated posts reuse.
  execFileSync(process.execPath, [join(ROOT, 'bin/annalist.js'), 'demo'], {
    env: { ...process.env, ANNALIST_DATA_DIR: DATA, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const db = new Database(join(DATA, 'annalist.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -200000');

  const templates = db
    .prepare(
      `select title, standfirst, excerpt, body_md, body_html, toc_json, word_count, render_version
       from posts join post_bodies on post_bodies.post_id = posts.id
       where type = 'post' and status = 'published'`,
    )
    .all();
  if (templates.length === 0) throw new Error('the demo site has no published posts to use as templates');
  // Text for the search index: the template's Markdown with its markup stripped, cut to ~1,200 characters (FTS5
  // indexing of 100,000 full bodies is slow) plus 40 words drawn from the site's vocabulary, so that words
  // occur in different numbers of posts.
  const plain = (md) =>
    md
      .replace(/[#*_`>[\]()!|:{}=-]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const vocab = [
    ...new Set(
      templates.flatMap((t) =>
        plain(t.body_md)
          .toLowerCase()
          .split(' ')
          .filter((w) => /^[a-z]{5,}$/.test(w)),
      ),
    ),
  ];
  const indexText = templates.map((t) => plain(t.body_md).slice(0, 1200));
  const commentPool = db.prepare('select author_name, author_email, body_md, body_html from comments').all();
  if (commentPool.length === 0)
    commentPool.push({
      author_name: 'A Reader',
      author_email: 'reader@example.org',
      body_md: 'Thank you.',
      body_html: '<p>Thank you.</p>',
    });
  const authorIds = db.prepare('select id from authors').pluck().all();

  // tags: 300
  const tagIds = [];
  const insTag = db.prepare('insert into tags (slug, name) values (?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 300; i++) tagIds.push(Number(insTag.run(`topic-${i}`, `Topic ${i}`).lastInsertRowid));
  })();

  // categories: 3 roots, then 3, 2, 2, 2, 2 children each: 282 categories, 6 levels
  const insCat = db.prepare('insert into categories (parent_id, slug, path, name, position) values (?, ?, ?, ?, ?)');
  const cats = []; // { id, path, depth }
  let position = 100;
  db.transaction(() => {
    const fanout = [3, 3, 2, 2, 2, 2];
    const grow = (parent, depth) => {
      for (let i = 1; i <= fanout[depth]; i++) {
        const slug = `l${depth + 1}-${i}`;
        const path = parent ? `${parent.path}/${slug}` : `large-${slug}`;
        const id = Number(
          insCat.run(
            parent?.id ?? null,
            parent ? slug : `large-${slug}`,
            path,
            `Level ${depth + 1} no. ${i}`,
            position++,
          ).lastInsertRowid,
        );
        const c = { id, path, depth: depth + 1 };
        cats.push(c);
        if (depth + 1 < fanout.length) grow(c, depth + 1);
      }
    };
    grow(null, 0);
  })();
  const leaves = cats.filter((c) => c.depth === 6);
  log(`${cats.length} categories (${leaves.length} at depth 6), ${tagIds.length} tags`);

  // posts
  const insPost = db.prepare(
    `insert into posts (id, type, slug, title, standfirst, excerpt, status, published_at, updated_at,
       created_at, primary_category_id, word_count, render_version, comments_open, comment_count, thread_count,
       version)
     values (?, 'post', ?, ?, ?, ?, 'published', ?, null, ?, ?, ?, ?, 1, 0, 0, 1)`,
  );
  const insBody = db.prepare('insert into post_bodies (post_id, body_md, body_html, toc_json) values (?, ?, ?, ?)');
  const insPostCat = db.prepare('insert into post_categories (post_id, category_id) values (?, ?)');
  const insPostTag = db.prepare('insert or ignore into post_tags (post_id, tag_id) values (?, ?)');
  const insPostAuthor = db.prepare('insert into post_authors (post_id, author_id, position) values (?, ?, 0)');
  const insSearch = db.prepare('insert into search_posts (rowid, title, standfirst, body) values (?, ?, ?, ?)');
  const firstPost = Number(db.prepare('select coalesce(max(id), 0) + 1 from posts').pluck().get());
  const start = Date.parse('2006-01-01T00:00:00Z');
  const span = Date.parse('2025-01-01T00:00:00Z') - start;
  const postTimes = new Array(SIZE);
  const BATCH = 5000;
  for (let b = 0; b < SIZE; b += BATCH) {
    db.transaction(() => {
      for (let i = b; i < Math.min(SIZE, b + BATCH); i++) {
        const id = firstPost + i;
        const t = templates[i % templates.length];
        const at = new Date(start + Math.floor((span * i) / SIZE)).toISOString();
        postTimes[i] = at;
        const title = `${t.title} (${i + 1})`;
        // a little variation per post: one extra closing paragraph
        const html = `${t.body_html}\n<p>Generated article ${i + 1} of ${SIZE}, filed under ${pick(vocab)} and ${pick(vocab)}.</p>`;
        const cat = rand() < 0.85 ? pick(leaves) : pick(cats);
        insPost.run(
          id,
          `large-post-${i + 1}`,
          title,
          t.standfirst,
          t.excerpt,
          at,
          at,
          cat.id,
          t.word_count + 10,
          t.render_version,
        );
        insBody.run(id, t.body_md, html, t.toc_json);
        // As the post writer does: the primary category on the post, other categories (one post in ten has one)
        // in post_categories.
        if (rand() < 0.1) {
          const other = pick(leaves);
          if (other.id !== cat.id) insPostCat.run(id, other.id);
        }
        for (let k = 0, n = 1 + Math.floor(rand() * 3); k < n; k++) insPostTag.run(id, pick(tagIds));
        insPostAuthor.run(id, pick(authorIds));
        const extra = Array.from({ length: 40 }, () => pick(vocab)).join(' ');
        insSearch.run(id, title, t.standfirst, `${indexText[i % templates.length]} ${extra}`);
      }
    })();
    if ((b / BATCH) % 4 === 3)
      log(`posts: ${Math.min(SIZE, b + BATCH)}/${SIZE} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const tPosts = performance.now();
  log(`${SIZE} posts in ${((tPosts - t0) / 1000).toFixed(1)} s`);

  // comments: uneven (Pareto-like weights, capped), scaled to COMMENTS in total; the first post gets the most.
  const weights = Array.from({ length: SIZE }, () => Math.min(1000, 1 / rand() ** 0.9));
  weights[0] = 0;
  const sum = weights.reduce((a, w) => a + w, 0);
  const busiest = Math.min(MAX_PER_POST, COMMENTS);
  const counts = weights.map((w) => Math.min(MAX_PER_POST, Math.floor((w / sum) * (COMMENTS - busiest))));
  counts[0] = busiest;
  let left = COMMENTS - counts.reduce((a, n) => a + n, 0);
  for (let i = 1; left > 0 && SIZE > 1; i = (i % (SIZE - 1)) + 1) {
    if (counts[i] < MAX_PER_POST) {
      counts[i]++;
      left--;
    }
  }
  const insComment = db.prepare(
    `insert into comments (id, post_id, parent_id, thread_id, depth, author_name, author_email, body_md, body_html,
       status, created_at, approved_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'approved', ?, ?)`,
  );
  const setCounts = db.prepare('update posts set comment_count = ?, thread_count = ? where id = ?');
  let nextComment = Number(db.prepare('select coalesce(max(id), 0) + 1 from comments').pluck().get());
  let done = 0;
  let batches = 0;
  let i = 0;
  while (i < SIZE) {
    db.transaction(() => {
      let inTx = 0;
      for (; i < SIZE && inTx < 50000; i++) {
        const n = counts[i];
        if (n === 0) continue;
        const postId = firstPost + i;
        const base = Date.parse(postTimes[i]);
        const recent = []; // { id, depth, thread }
        let threads = 0;
        for (let k = 0; k < n; k++) {
          const id = nextComment++;
          const c = pick(commentPool);
          const at = new Date(base + 60_000 * (k + 1)).toISOString();
          let parent = null;
          if (recent.length > 0 && rand() < 0.45) {
            const p = recent[Math.floor(rand() * recent.length)];
            if (p.depth < 4) parent = p;
          }
          const depth = parent ? parent.depth + 1 : 0;
          const thread = parent ? parent.thread : id;
          if (!parent) threads++;
          insComment.run(
            id,
            postId,
            parent?.id ?? null,
            thread,
            depth,
            c.author_name,
            c.author_email,
            c.body_md,
            c.body_html,
            at,
            at,
          );
          recent.push({ id, depth, thread });
          if (recent.length > 20) recent.shift();
        }
        setCounts.run(n, threads, postId);
        inTx += n;
        done += n;
      }
    })();
    if (++batches % 8 === 0 || i >= SIZE)
      log(`comments: ${done}/${COMMENTS} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  db.pragma('optimize');
  db.exec('analyze');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, postsSeconds: (tPosts - t0) / 1000, ...describe() };
}

/** The pages to measure on a generated site, and its totals. */
function describe() {
  const db = new Database(join(DATA, 'annalist.db'), { readonly: true });
  const many = db
    .prepare(`select slug, comment_count from posts where type = 'post' order by comment_count desc limit 1`)
    .get();
  const few = db
    .prepare(
      `select slug, comment_count from posts where slug like 'large-post-%' and comment_count between 1 and 9 order by comment_count desc, id desc limit 1`,
    )
    .get();
  const deep = db
    .prepare(
      `select c.path, count(*) as n from categories c join posts p on p.primary_category_id = c.id
       where c.path like 'large-%' group by c.id order by length(c.path) - length(replace(c.path, '/', '')) desc, n desc limit 1`,
    )
    .get();
  const totals = db
    .prepare(`select (select count(*) from posts) as posts, (select count(*) from comments) as comments`)
    .get();
  db.close();
  log(`the site has ${totals.posts} posts and ${totals.comments} comments`);
  return { many, few, deep, totals };
}

// ---------------------------------------------------------------- serve and measure
function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(process.execPath, [join(ROOT, 'bin/annalist.js'), 'serve'], {
      env: {
        ...process.env,
        ANNALIST_DATA_DIR: DATA,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        ANNALIST_PAGE_CACHE: 'off',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error('the server did not report its address within 120 s')), 120_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    server.on('exit', (code) => reject(new Error(`the server exited during start (code ${code})`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    http
      .get(url, { agent }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t) / 1e6 }));
      })
      .on('error', reject);
  });
}

async function measure(urls) {
  let until = performance.now() + MAX_SECONDS * 1000;
  for (let k = 0; k < WARMUP && performance.now() < until; k++) await get(urls[k % urls.length]);
  const times = [];
  until = performance.now() + MAX_SECONDS * 1000;
  for (let k = 0; k < REQUESTS && (k < 20 || performance.now() < until); k++) {
    const r = await get(urls[k % urls.length]);
    if (r.status !== 200) throw new Error(`${urls[k % urls.length]} answered HTTP ${r.status}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  return { p50: q(0.5), p99: q(0.99), n: times.length };
}

async function main() {
  if (!REUSE) log(`generating ${SIZE} posts, ${COMMENTS} comments in ${DATA}`);
  const gen = REUSE ? { seconds: 0, postsSeconds: 0, ...describe() } : generate();
  const t0 = performance.now();
  const base = await startServer();
  gen.startSeconds = (performance.now() - t0) / 1000;
  log(`serving at ${base} (pid ${server.pid})`);
  const queries = ['zhukov', 'railway frontier', 'kwantung army', 'squadron', 'offensive'];
  const targets = [
    { name: 'home', urls: [`${base}/`], limit: 20 },
    {
      name: `deep category /category/${gen.deep.path}/ (${gen.deep.n} posts)`,
      urls: [`${base}/category/${gen.deep.path}/`],
      limit: 20,
    },
    { name: 'deep category, page 2', urls: [`${base}/category/${gen.deep.path}/?page=2`], limit: 20 },
    { name: `article, ${gen.many.comment_count} comments`, urls: [`${base}/${gen.many.slug}/`], limit: 20 },
    {
      name: `article, ${gen.few?.comment_count ?? 0} comments`,
      urls: [`${base}/${(gen.few ?? gen.many).slug}/`],
      limit: 20,
    },
    {
      name: `search (${queries.length} queries rotated)`,
      urls: queries.map((q) => `${base}/search?q=${encodeURIComponent(q)}`),
      limit: 100,
    },
  ];
  const rows = [];
  for (const t of targets) {
    const first = await get(t.urls[0]);
    if (first.status !== 200) {
      log(`skipping ${t.name}: HTTP ${first.status}`);
      rows.push({ ...t, skipped: `HTTP ${first.status}` });
      continue;
    }
    log(`measuring ${t.name}`);
    rows.push({ ...t, ...(await measure(t.urls)) });
  }
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const hwm = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024;
  const f = (n) => n.toFixed(2);
  const lines = [
    `## Large site: ${gen.totals.posts.toLocaleString('en')} posts, ${gen.totals.comments.toLocaleString('en')} comments, 282 categories in 6 levels (SQLite, page cache off, 1 connection)`,
    '',
    `${REUSE ? `Generated earlier (LARGE_DATA=${REUSE}).` : `Generated in ${gen.seconds.toFixed(1)} s (posts with search index ${gen.postsSeconds.toFixed(1)} s).`} ${REQUESTS} requests per target (fewer if it takes over ${MAX_SECONDS} s) after ${WARMUP} warm-up, one at a time on one keep-alive connection. Server start (migrations, integrity check) took ${gen.startSeconds.toFixed(1)} s.`,
    '',
    '| target | requests | p50 ms | p99 ms | target | met |',
    '|---|---:|---:|---:|---|---|',
    ...rows.map((r) =>
      r.skipped
        ? `| ${r.name} | 0 | – | – | p99 < ${r.limit} ms | not measured (${r.skipped}) |`
        : `| ${r.name} | ${r.n} | ${f(r.p50)} | ${f(r.p99)} | p99 < ${r.limit} ms | ${r.p99 < r.limit ? 'yes' : 'NO'} |`,
    ),
    `| server peak RSS (VmHWM) | | ${hwm.toFixed(0)} MB | | < 300 MB | ${hwm < 300 ? 'yes' : 'NO'} |`,
    '',
  ];
  const md = lines.join('\n');
  process.stdout.write(`${md}\n`);
  if (outDir) {
    writeFileSync(join(outDir, 'large-site.md'), md);
    writeFileSync(
      join(outDir, 'large-site.json'),
      JSON.stringify({ size: SIZE, comments: COMMENTS, generation: gen.seconds, rows, peakRssMb: hwm }, null, 2),
    );
  }
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`error: ${err.message}`);
    process.exit(1);
  },
);
