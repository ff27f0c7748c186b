// The large generated site shared by the benchmarks (bench/large-site.mjs, bench/backup.mjs; see bench/README.md):
// SIZE posts, COMMENTS comments, a 6-level category tree and 300 tags, bulk-inserted with better-sqlite3 into a
// data folder that `annalist demo` has created.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_PER_POST = 5000; // the busiest discussion

// Deterministic pseudo-random numbers (mulberry32), so two runs generate the same site.
const SEED = 20261127;
let seed = SEED;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];

/**
 * Generates the large site into the data folder `data` (which must hold no site yet): `size` posts, `comments`
 * comments, the category tree and tags, as bench/README.md describes. Deterministic: the same site every time.
 * Returns the seconds it took and describeLargeSite's answer.
 */
export function generateLargeSite({ data: DATA, size: SIZE, comments: COMMENTS, log }) {
  seed = SEED;
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
  return { seconds, postsSeconds: (tPosts - t0) / 1000, ...describeLargeSite(DATA, log) };
}

/** The pages to measure on a generated site (in the data folder DATA), and its totals. */
export function describeLargeSite(DATA, log) {
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
