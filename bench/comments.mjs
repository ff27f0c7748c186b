#!/usr/bin/env node
// Comment benchmarks (see bench/README.md):
//   (a) comment POST throughput and latency at CONNS concurrent loops, through the real form (cookie chain, 303s);
//   (b) the article page with its demo discussion (~40 comments) against the same page with 1,000 comments,
//       page cache off: single-connection p50/p99 and CONNS-connection req/s.
// Standalone: node bench/comments.mjs [--out DIR]   (bench/run.sh calls it with --out <its result folder>)
// Everything listens on 127.0.0.1; every server started here is stopped again, and every temp folder removed.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = (name, fallback) => process.env[name] ?? fallback;
const seconds = (v) => Number.parseFloat(String(v).replace(/s$/, ''));
const CONNS = Number(env('CONNS', '32'));
const DURATION = seconds(env('COMMENTS_DURATION', env('DURATION', '10')));
const SINGLE_DURATION = seconds(env('COMMENTS_SINGLE_DURATION', env('SINGLE_DURATION', String(DURATION))));
const WARMUP = seconds(env('COMMENTS_WARMUP', '3'));
const ROUNDS = Number(env('COMMENTS_ROUNDS', '2'));
const ARTICLE_PATH = env('ARTICLE_PATH', '/khalkhin-gol-1939/');
const MANY = Number(env('COMMENTS_MANY', '1000'));
const PARTS = new Set(env('COMMENTS_PARTS', 'post,pages').split(','));
const POST_TARGET = 1000; // accepted comments per second
// The POST run is repeated with each of these numbers of app processes (ANNALIST_WORKERS), side by side.
const POST_WORKERS = env('COMMENTS_WORKERS', '1,2').split(',').map(Number);
// With BENCH_PG_ADMIN_URL (a superuser URL of a throwaway PostgreSQL cluster) and BENCH_REDIS_URL (bench/run.sh
// passes its own), the POST run is repeated on PostgreSQL + Redis with each of these numbers of app nodes.
const PG_ADMIN_URL = env('BENCH_PG_ADMIN_URL', '');
const PG_REDIS_URL = env('BENCH_REDIS_URL', '');
const PG_NODES = env('COMMENTS_PG_NODES', '1,2').split(',').filter(Boolean).map(Number);
const PAGE_RATIO_TARGET = 3; // the MANY-comment page within 3x the time of the demo page
// The form route allows 20 posts a minute per client address: each loop moves to a new loopback address
// (127.x.y.z, all of 127/8 is local on Linux) after this many posts. Flood checks are off in the settings.
const POSTS_PER_ADDRESS = 20;

const args = process.argv.slice(2);
const outDir = args[0] === '--out' ? args[1] : undefined;

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] comments: ${msg}\n`);

// ---------------------------------------------------------------- cleanup: only what this script started
const children = new Set();
const temps = new Set();
function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of temps) rmSync(d, { recursive: true, force: true });
  // PostgreSQL databases made here live in bench/run.sh's throwaway cluster, which it removes as a whole.
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    log(`${sig}: stopping`);
    process.exit(130);
  });

function tempDir(name) {
  const d = mkdtempSync(join(tmpdir(), `annalist-bench-${name}-`));
  temps.add(d);
  return d;
}

/** A data folder with the demo site, and the moderation settings relaxed for load (no holds, no flood/too-fast checks). */
function demoFolder(name) {
  const dir = tempDir(name);
  execFileSync(process.execPath, [join(ROOT, 'bin/annalist.js'), 'demo', '--data-dir', dir], { stdio: 'ignore' });
  const db = new Database(join(dir, 'annalist.db'));
  // Same row saveModerationSettings writes: key 'moderation', a JSON object of the changed settings.
  db.prepare(
    "insert into settings (key, value) values ('moderation', ?) on conflict(key) do update set value = excluded.value",
  ).run(RELAXED_MODERATION);
  db.close();
  return dir;
}

const RELAXED_MODERATION = JSON.stringify({
  holdFirstComment: false,
  floodSeconds: 0,
  minFormSeconds: 0,
  maxLinks: 1000,
});

/** Runs fn with a client on `url` (PostgreSQL), closing it afterwards. */
async function withPg(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database in the PG_ADMIN_URL cluster holding the demo site (`annalist demo` with DATABASE_URL), with
 * the moderation settings relaxed as in demoFolder(); returns its URL and a data folder for the nodes' media.
 */
async function pgDemoDatabase(name) {
  const database = `annalist_bench_${name}_${process.pid}`;
  await withPg(PG_ADMIN_URL, (c) => c.query(`create database "${database}"`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  const dir = tempDir(name);
  execFileSync(process.execPath, [join(ROOT, 'bin/annalist.js'), 'demo', '--data-dir', dir], {
    stdio: 'ignore',
    env: { ...process.env, DATABASE_URL: url.href },
  });
  await withPg(url.href, (c) =>
    c.query(
      "insert into settings (key, value) values ('moderation', $1) on conflict (key) do update set value = excluded.value",
      [RELAXED_MODERATION],
    ),
  );
  return { url: url.href, dir, database };
}

/** Starts `annalist serve` on the folder; resolves with its URL once it prints it. */
function serve(dir, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server under load.
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin/annalist.js'), 'serve'], {
      env: { ...process.env, ANNALIST_DATA_DIR: dir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    let err = '';
    // What the server logs at LOG_LEVEL=error (only failures), kept for the report.
    const server = { child, url: '', errorLines: () => err.split('\n').filter((l) => l.trim()) };
    const timer = setTimeout(() => reject(new Error(`Annalist did not start within 60 s: ${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Annalist is serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        server.url = m[1];
        resolve(server);
      }
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Annalist exited (${code}) during start: ${err}`));
    });
  });
}

async function stop(server) {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
  children.delete(server.child);
}

// ---------------------------------------------------------------- HTTP
function request(agent, url, { method = 'GET', headers = {}, body, localAddress, keepBody = false } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method, headers, agent, localAddress }, (res) => {
      let bytes = 0;
      const chunks = [];
      res.on('data', (c) => {
        bytes += c.length;
        if (keepBody) chunks.push(c);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          headers: res.headers,
          bytes,
          text: keepBody ? Buffer.concat(chunks).toString('utf8') : '',
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A lean HTTP/1.1 keep-alive connection for the POST loops: requests written as prepared strings, answers
 * parsed only as far as the status, the headers and the body length. Node's http client costs about as much
 * CPU per request as the server's whole comment workflow; on a 2-core machine that would cap the measurement.
 */
class LeanConnection {
  constructor(host, port, localAddress) {
    this.host = `${host}:${port}`;
    this.socket = net.connect({ host, port, localAddress });
    this.socket.setNoDelay(true);
    this.buffer = Buffer.alloc(0);
    this.pending = null;
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.parse();
    });
    const fail = (err) => {
      const p = this.pending;
      this.pending = null;
      p?.reject(err ?? new Error('connection closed'));
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail());
  }

  parse() {
    const p = this.pending;
    if (!p) return;
    if (p.headerEnd === undefined) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString('latin1');
      p.headerEnd = end + 4;
      p.status = Number(head.slice(9, 12));
      p.head = head;
      const len = /\r\ncontent-length: *(\d+)/i.exec(head);
      p.length = len ? Number(len[1]) : 0;
    }
    if (this.buffer.length < p.headerEnd + p.length) return;
    this.buffer = this.buffer.subarray(p.headerEnd + p.length);
    this.pending = null;
    const header = (name) => new RegExp(`\\r\\n${name}: *([^\\r]*)`, 'gi');
    const cookies = [...p.head.matchAll(header('set-cookie'))].map((m) => m[1]);
    const location = header('location').exec(p.head)?.[1];
    p.resolve({
      status: p.status,
      headers: { 'set-cookie': cookies, location },
      ms: Number(process.hrtime.bigint() - p.started) / 1e6,
    });
  }

  request(method, path, headers, body = '') {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, started: process.hrtime.bigint() };
      let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}\r\n`;
      for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
      if (body) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
      this.socket.write(`${head}\r\n${body}`);
    });
  }

  close() {
    this.socket.destroy();
  }
}

const formCookieOf = (res) =>
  [res.headers['set-cookie'] ?? []]
    .flat()
    .find((c) => c.startsWith('annalist_form='))
    ?.split(';')[0];

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const stats = (latencies) => {
  const s = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
};

// ---------------------------------------------------------------- (a) comment POSTs
let addressSeq = 0;
/** A fresh loopback source address (127.64.0.1 onwards; never .0 or .255). */
function nextAddress() {
  const k = addressSeq++;
  return `127.${64 + Math.floor(k / 254 / 256)}.${Math.floor(k / 254) % 256}.${(k % 254) + 1}`;
}

/** POST loops against `bases` (one URL, or several app nodes: loop n posts to bases[n % bases.length]). */
async function postLoad(bases, seconds, runId) {
  const targets = [bases].flat().map((b) => new URL(b));
  const deadline = Date.now() + seconds * 1000;
  const accepted = [];
  const perSecond = [];
  const statuses = {};
  let errors = 0;
  const t0 = Date.now();
  const form = `${ARTICLE_PATH}comments`;
  async function loop(n) {
    const target = targets[n % targets.length];
    const origin = target.origin;
    let conn;
    let used = POSTS_PER_ADDRESS;
    let cookie;
    for (let i = 0; Date.now() < deadline; i++) {
      if (used >= POSTS_PER_ADDRESS) {
        conn?.close();
        conn = new LeanConnection(target.hostname, Number(target.port), nextAddress());
        used = 0;
      }
      try {
        await conn.ready;
        // A form token as the comment island asks for one (POST /form-token); each answer then brings the next.
        if (!cookie) cookie = formCookieOf(await conn.request('POST', '/form-token', { origin }));
        const body = new URLSearchParams({
          name: `Bench Reader ${n}`,
          email: `bench-${runId}-${n}@example.org`,
          url: '',
          body: `Benchmark comment ${runId}-${n}-${i}: the planning section is interesting but incomplete.`,
          parent_id: '',
          homepage: '',
        }).toString();
        const res = await conn.request(
          'POST',
          form,
          { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
          body,
        );
        used++;
        // Each answer, accepted or not, carries the next single-use form token.
        cookie = formCookieOf(res) ?? cookie;
        const ok = res.status === 303 && String(res.headers.location).includes('#comment-');
        const key = ok ? '303 accepted' : res.status === 303 ? `303 ${res.headers.location}` : String(res.status);
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (ok && Date.now() <= deadline) {
          accepted.push(res.ms);
          const sec = Math.floor((Date.now() - t0) / 1000);
          perSecond[sec] = (perSecond[sec] ?? 0) + 1;
        }
      } catch {
        errors++;
        cookie = undefined;
        used = POSTS_PER_ADDRESS; // new connection
      }
    }
    conn?.close();
  }
  await Promise.all(Array.from({ length: CONNS }, (_, n) => loop(n)));
  const elapsed = (Date.now() - t0) / 1000;
  return {
    accepted: accepted.length,
    rate: accepted.length / seconds, // answered within the window, per second of it
    ...stats(accepted),
    statuses,
    errors,
    perSecond: Array.from(perSecond, (x) => x ?? 0), // Array.from: map() would skip the holes of seconds without an accept
    elapsed,
  };
}

// ---------------------------------------------------------------- (b) the article page with many comments
/** A deterministic pseudo-random sequence, so every run builds the same discussion. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Grows the article's discussion to `total` approved comments, copying the demo rows' shape (threads, replies, quotes). */
function growDiscussion(dir, total) {
  const db = new Database(join(dir, 'annalist.db'));
  const slug = ARTICLE_PATH.replace(/^\/|\/$/g, '');
  const post = db.prepare('select id from posts where slug = ?').get(slug);
  if (!post) throw new Error(`no article ${slug}`);
  const demo = db.prepare("select * from comments where post_id = ? and status = 'approved' order by id").all(post.id);
  if (demo.length === 0) throw new Error(`${slug} has no approved demo comments to copy`);
  const random = rng(1939);
  const all = [...demo];
  let id = db.prepare('select max(id) as m from comments').get().m;
  let at = Date.parse(demo.at(-1).created_at);
  const insert = db.prepare(`insert into comments (id, post_id, parent_id, thread_id, depth, author_name, author_email,
    author_url, user_id, body_md, body_html, quoted_comment_id, quoted_text, status, reasons_json, ip, user_agent,
    created_at, updated_at, approved_at, report_count)
    values (@id, @post_id, @parent_id, @thread_id, @depth, @author_name, @author_email, @author_url, null, @body_md,
    @body_html, null, null, 'approved', '[]', @ip, @user_agent, @created_at, null, @created_at, 0)`);
  db.transaction(() => {
    while (all.length < total) {
      const shape = demo[Math.floor(random() * demo.length)];
      // About a third are replies (as in the demo discussion), mostly to a recent comment, as discussions go.
      const parent = random() < 0.35 ? all[all.length - 1 - Math.floor(random() * Math.min(20, all.length))] : null;
      at += 1000 * Math.floor(60 + random() * 3600);
      id++;
      const row = {
        id,
        post_id: post.id,
        parent_id: parent?.id ?? null,
        thread_id: parent ? (parent.thread_id ?? parent.id) : id,
        depth: parent ? parent.depth + 1 : 0,
        author_name: shape.author_name,
        author_email: shape.author_email,
        author_url: shape.author_url,
        // Quotes are left out: their blockquote cites a comment of the demo thread, not this row's parent.
        body_md: shape.body_md,
        body_html: shape.quoted_comment_id
          ? shape.body_html.replace(/^<blockquote[\s\S]*?<\/blockquote>\n?/, '')
          : shape.body_html,
        ip: '',
        user_agent: 'bench',
        created_at: new Date(at).toISOString(),
      };
      insert.run(row);
      all.push(row);
    }
    db.prepare(
      "update posts set comment_count = (select count(*) from comments where post_id = ? and status = 'approved'), thread_count = (select count(*) from comments where post_id = ? and status = 'approved' and parent_id is null) where id = ?",
    ).run(post.id, post.id, post.id);
  })();
  const n = db.prepare("select count(*) as n from comments where post_id = ? and status = 'approved'").get(post.id).n;
  db.close();
  return n;
}

const APPROVED_SQL =
  "select count(*) as n from comments c join posts p on p.id = c.post_id where p.slug = $1 and c.status = 'approved'";
async function pgApprovedCount(url) {
  const slug = ARTICLE_PATH.replace(/^\/|\/$/g, '');
  return withPg(url, async (c) => Number((await c.query(APPROVED_SQL, [slug])).rows[0].n));
}

function approvedCount(dir) {
  const db = new Database(join(dir, 'annalist.db'), { readonly: true });
  const slug = ARTICLE_PATH.replace(/^\/|\/$/g, '');
  const n = db
    .prepare(
      "select count(*) as n from comments c join posts p on p.id = c.post_id where p.slug = ? and c.status = 'approved'",
    )
    .get(slug).n;
  db.close();
  return n;
}

async function getLoad(url, conns, secs) {
  const deadline = Date.now() + secs * 1000;
  const latencies = [];
  const statuses = {};
  let errors = 0;
  await Promise.all(
    Array.from({ length: conns }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (Date.now() < deadline) {
        try {
          const res = await request(agent, url);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (Date.now() <= deadline) latencies.push(res.ms);
        } catch {
          errors++;
        }
      }
      agent.destroy();
    }),
  );
  const answered = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    requests: latencies.length,
    rps: latencies.length / secs, // answered within the window
    ...stats(latencies),
    statuses,
    non200: answered - (statuses[200] ?? 0),
    errors,
  };
}

// ---------------------------------------------------------------- run
const median = (a) => {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3)) : 'n/a');

/** One POST run on a fresh demo folder, served by `workers` processes. */
async function postRun(workers) {
  const dir = demoFolder(`post-${workers}`);
  const before = approvedCount(dir);
  const server = await serve(dir, { ANNALIST_WORKERS: String(workers) });
  log(
    `POST (${workers} process${workers > 1 ? 'es' : ''}): ${server.url}, ${CONNS} loops, warm-up ${WARMUP} s, then ${DURATION} s`,
  );
  if (WARMUP > 0) await postLoad(server.url, WARMUP, `warmup${workers}`);
  const afterWarmup = approvedCount(dir);
  const post = await postLoad(server.url, DURATION, `run${workers}`);
  await stop(server);
  const stored = approvedCount(dir) - afterWarmup;
  const serverErrors = server.errorLines();
  log(
    `POST (${workers}): ${post.accepted} accepted in ${post.elapsed.toFixed(1)} s = ${post.rate.toFixed(0)}/s; ${JSON.stringify(post.statuses)}`,
  );
  return {
    label: `SQLite, ${workers} process${workers > 1 ? 'es' : ''}`,
    db: 'sqlite',
    workers,
    ...post,
    comments_before: before,
    comments_after_warmup: afterWarmup,
    stored,
    serverErrors,
  };
}

/** One POST run on a fresh PostgreSQL database with the demo, served by `nodes` app nodes sharing one Redis. */
async function pgPostRun(nodes, index) {
  const site = await pgDemoDatabase(`c${nodes}n${index}`);
  const before = await pgApprovedCount(site.url);
  // Its own Redis database index per run: no page or rate-limit state left over from an earlier run.
  const redis = new URL(PG_REDIS_URL);
  redis.pathname = `/${index + 1}`;
  const servers = [];
  try {
    for (let i = 0; i < nodes; i++)
      servers.push(await serve(site.dir, { DATABASE_URL: site.url, REDIS_URL: redis.href }));
    const urls = servers.map((s) => s.url);
    const label = `PostgreSQL + Redis, ${nodes} node${nodes > 1 ? 's' : ''}`;
    log(
      `POST (${label}): ${urls.join(' ')}, ${CONNS} loops spread over the nodes, warm-up ${WARMUP} s, then ${DURATION} s`,
    );
    if (WARMUP > 0) await postLoad(urls, WARMUP, `pgwarmup${nodes}`);
    const afterWarmup = await pgApprovedCount(site.url);
    const post = await postLoad(urls, DURATION, `pgrun${nodes}`);
    for (const s of servers) await stop(s);
    const stored = (await pgApprovedCount(site.url)) - afterWarmup;
    log(
      `POST (${label}): ${post.accepted} accepted in ${post.elapsed.toFixed(1)} s = ${post.rate.toFixed(0)}/s; ${JSON.stringify(post.statuses)}`,
    );
    return {
      label,
      db: 'postgres',
      workers: nodes,
      ...post,
      comments_before: before,
      comments_after_warmup: afterWarmup,
      stored,
      serverErrors: servers.flatMap((s) => s.errorLines()),
    };
  } finally {
    for (const s of servers) await stop(s);
    await withPg(PG_ADMIN_URL, (c) => c.query(`drop database if exists "${site.database}" with (force)`)).catch(
      () => {},
    );
  }
}

async function runPosts(results) {
  log('preparing the POST runs (demo site, moderation relaxed)');
  const runs = [];
  for (const workers of POST_WORKERS) runs.push(await postRun(workers));
  if (PG_ADMIN_URL && PG_REDIS_URL) {
    for (const [i, nodes] of PG_NODES.entries()) runs.push(await pgPostRun(nodes, i));
  } else
    log('PostgreSQL POST runs skipped (no BENCH_PG_ADMIN_URL / BENCH_REDIS_URL; bench/run.sh with PG=1 sets them)');
  results.post = runs.map(({ serverErrors, ...r }) => ({ ...r, server_errors: serverErrors.length }));
  const cell = (f) => runs.map((r) => f(r)).join(' | ');
  const headline = (db, what) => {
    const rs = runs.filter((r) => r.db === db);
    if (rs.length === 0) return [];
    const best = rs.reduce((a, b) => (b.rate > a.rate ? b : a));
    return [
      `**Comment POSTs accepted${what}: ${fmt(best.rate)}/s** with ${best.label} (target ≥ ${POST_TARGET.toLocaleString('en')}/s: ${best.rate >= POST_TARGET ? 'met' : 'NOT met'}); ` +
        `p50 ${ms(best.p50)} ms, p99 ${ms(best.p99)} ms.`,
      '',
    ];
  };
  const pgOne = runs.find((r) => r.db === 'postgres' && r.workers === 1);
  const pgTwo = runs.find((r) => r.db === 'postgres' && r.workers === 2);
  const lines = [
    ...headline('sqlite', ' (SQLite)'),
    ...headline('postgres', ' (PostgreSQL + Redis)'),
    ...(pgOne && pgTwo
      ? [`PostgreSQL + Redis, 2 nodes ÷ 1 node, accepted/s: ${fmt(pgTwo.rate / pgOne.rate, 2)}×.`, '']
      : []),
    `| comment POST to \`${ARTICLE_PATH}comments\` (form, cookie chain, 303), ${CONNS} loops | ${runs.map((r) => r.label).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    `| accepted (303 to #comment-N) within the ${fmt(DURATION, 0)} s | ${cell((r) => r.accepted)} |`,
    `| accepted per second | ${cell((r) => fmt(r.rate))} |`,
    `| latency of accepted POSTs, p50 / p99 ms | ${cell((r) => `${ms(r.p50)} / ${ms(r.p99)}`)} |`,
    `| accepted in the first / the last full second | ${cell((r) => `${r.perSecond[0] ?? 'n/a'} / ${r.perSecond[Math.max(0, Math.floor(DURATION) - 1)] ?? 'n/a'}`)} |`,
    `| approved comments: demo / after warm-up / stored by the run (answers after the deadline included) | ${cell((r) => `${r.comments_before} / ${r.comments_after_warmup} / ${r.stored}`)} |`,
    `| answers by status | ${cell((r) =>
      Object.entries(r.statuses)
        .map(([k, v]) => `${k}: ${v}`)
        .concat(r.errors ? [`socket errors: ${r.errors}`] : [])
        .join(', '),
    )} |`,
    '',
  ];
  const warnings = [];
  for (const r of runs) {
    const who = `POST (${r.label})`;
    if (r.errors) warnings.push(`${who}: ${r.errors} socket errors.`);
    if (r.stored < r.accepted) warnings.push(`${who}: only ${r.stored} comments stored for ${r.accepted} accepted.`);
    const refused = Object.entries(r.statuses).filter(([k]) => k !== '303 accepted');
    if (refused.length)
      warnings.push(
        `${who}: answers other than an accepted 303: ${refused.map(([k, v]) => `${k} × ${v}`).join(', ')}.`,
      );
    if (r.serverErrors.length)
      warnings.push(
        `${who}: the server logged ${r.serverErrors.length} errors, e.g. \`${r.serverErrors[0].slice(0, 300).replace(/`/g, "'")}\`.`,
      );
  }
  return { lines, warnings };
}

async function runPages(results) {
  log(`preparing the page runs: demo discussion, and ${MANY} comments`);
  const fewDir = demoFolder('few');
  const manyDir = demoFolder('many');
  const fewN = approvedCount(fewDir);
  const manyN = growDiscussion(manyDir, MANY);
  const few = await serve(fewDir, { ANNALIST_PAGE_CACHE: 'off' });
  const many = await serve(manyDir, { ANNALIST_PAGE_CACHE: 'off' });
  const targets = [
    { key: 'few', label: `${fewN} comments (demo)`, url: new URL(ARTICLE_PATH, few.url).href, n: fewN, server: few },
    { key: 'many', label: `${manyN} comments`, url: new URL(ARTICLE_PATH, many.url).href, n: manyN, server: many },
  ];
  const warnings = [];
  for (const t of targets) {
    const res = await request(undefined, t.url, { keepBody: true });
    if (res.status !== 200) throw new Error(`${t.url} answers ${res.status}`);
    t.bytes = res.bytes;
    t.shown = (res.text.match(/<article class="comment" /g) ?? []).length;
    t.stubs = (res.text.match(/<p id="comment-\d+"/g) ?? []).length;
    // A page-cache hit carries cache-control: no-cache (src/web/app.ts); a fresh render does not.
    const again = await request(undefined, t.url);
    if (again.headers['cache-control'] === 'no-cache')
      warnings.push(`${t.label}: answered from the page cache; ANNALIST_PAGE_CACHE=off not honoured?`);
  }
  log(`page warm-up (${Math.min(WARMUP, 3)} s each)`);
  for (const t of targets) await getLoad(t.url, CONNS, Math.min(WARMUP, 3));
  const runs = { few: [], many: [] };
  for (let r = 1; r <= ROUNDS; r++) {
    for (const t of targets) {
      log(`page round ${r}/${ROUNDS}: ${t.label}`);
      const single = await getLoad(t.url, 1, SINGLE_DURATION);
      const load = await getLoad(t.url, CONNS, DURATION);
      runs[t.key].push({ single, load });
    }
  }
  await stop(few);
  await stop(many);
  const summary = {};
  for (const t of targets) {
    const rs = runs[t.key];
    const s = {
      label: t.label,
      comments: t.n,
      bytes: t.bytes,
      shown: t.shown,
      stubs: t.stubs,
      single_p50: median(rs.map((x) => x.single.p50)),
      single_p99: median(rs.map((x) => x.single.p99)),
      single_rps: median(rs.map((x) => x.single.rps)),
      load_rps: median(rs.map((x) => x.load.rps)),
      load_p50: median(rs.map((x) => x.load.p50)),
      load_p99: median(rs.map((x) => x.load.p99)),
      non200: rs.reduce((a, x) => a + x.single.non200 + x.load.non200, 0),
      errors: rs.reduce((a, x) => a + x.single.errors + x.load.errors, 0),
      server_errors: t.server.errorLines().length,
    };
    summary[t.key] = s;
    if (s.non200 || s.errors || s.server_errors)
      warnings.push(
        `${s.label}: ${s.non200} non-200 answers, ${s.errors} socket errors, ${s.server_errors} server error lines.`,
      );
  }
  results.pages = { rounds: ROUNDS, single_duration_s: SINGLE_DURATION, summary, runs };
  const ratioP50 = summary.many.single_p50 / summary.few.single_p50;
  const ratioRps = summary.few.load_rps / summary.many.load_rps;
  results.pages.ratio_single_p50 = ratioP50;
  results.pages.ratio_load_rps = ratioRps;
  const lines = [
    `**Article page, ${manyN} ÷ ${fewN} comments, single-connection p50: ${fmt(ratioP50, 2)}×** ` +
      `(target ≤ ${PAGE_RATIO_TARGET}×: ${ratioP50 <= PAGE_RATIO_TARGET ? 'met' : 'NOT met'}); ` +
      `${CONNS}-connection req/s: ${fmt(ratioRps, 2)}× fewer. Page cache off: every request renders.`,
    '',
    `| \`${ARTICLE_PATH}\` | comments on page 1 (+ links to other pages) | bytes | single p50 ms | single p99 ms | single req/s | load req/s | load p50 ms | load p99 ms |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...targets.map((t) => {
      const s = summary[t.key];
      return `| ${s.label} | ${s.shown} (+ ${s.stubs}) | ${s.bytes} | ${ms(s.single_p50)} | ${ms(s.single_p99)} | ${fmt(s.single_rps)} | ${fmt(s.load_rps)} | ${ms(s.load_p50)} | ${ms(s.load_p99)} |`;
    }),
    '',
  ];
  return { lines, warnings };
}

async function main() {
  const load = loadavg().map((x) => x.toFixed(2));
  const results = {
    date_utc: new Date().toISOString(),
    conns: CONNS,
    duration_s: DURATION,
    article: ARTICLE_PATH,
    loadavg_at_start: load,
  };
  const parts = [];
  if (PARTS.has('post')) parts.push(await runPosts(results));
  if (PARTS.has('pages')) parts.push(await runPages(results));
  const warnings = parts.flatMap((p) => p.warnings);
  if (Number(load[0]) > 0.5)
    warnings.push(`load average ${load[0]} at the start: something else was running, numbers suspect.`);
  const out = [
    `## Annalist comment benchmark — ${results.date_utc.slice(0, 19)}Z`,
    '',
    `${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}; Node ${process.version}; load average at start ${load.join(' ')}. ` +
      `Load generator: Node http keep-alive loops in one process on the same machine, ${CONNS} concurrent (one connection each). ` +
      `POSTs: ${WARMUP} s warm-up, then ${DURATION} s. Pages: ${ROUNDS} rounds in alternation of single (1 connection, ${SINGLE_DURATION} s) ` +
      `and load (${CONNS} connections, ${DURATION} s); medians of the rounds.`,
    '',
    ...parts.flatMap((p) => p.lines),
    warnings.length ? `**Warnings:**\n\n${warnings.map((w) => `- ${w}`).join('\n')}` : 'No errors or warnings.',
  ];
  results.warnings = warnings;
  const text = out.join('\n');
  console.log(text);
  if (outDir) {
    writeFileSync(join(outDir, 'comments.md'), `${text}\n`);
    writeFileSync(join(outDir, 'comments.json'), `${JSON.stringify(results, null, 2)}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
