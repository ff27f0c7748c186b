#!/usr/bin/env node
// The large-site benchmark (see bench/README.md): generates a site of SIZE posts (default 100,000), COMMENTS comments
// (default 2,000,000) and a 6-level category tree into a throwaway SQLite data folder, serves it with
// `annalist serve` (page cache off) and measures, one request at a time: home, a deep category archive (page 1
// and 2), an article with many comments, one with few, and search; plus the server's peak RSS (VmHWM).
//   node bench/large-site.mjs [--out DIR]        SIZE=5000 COMMENTS=100000 node bench/large-site.mjs   (quick)
// The generated data is never kept: the temp folder is removed at the end, also on error or Ctrl-C.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLargeSite, generateLargeSite } from './large-site-data.mjs';
import { startUncachedServer, timedGet } from './uncached-server.mjs';

const SIZE = Number(process.env.SIZE ?? '100000');
const COMMENTS = Number(process.env.COMMENTS ?? '2000000');
const REQUESTS = Number(process.env.LARGE_REQUESTS ?? '300');
const WARMUP = Number(process.env.LARGE_WARMUP ?? '50');
// A slow target stops early (warm-up and measured requests each) after this many seconds; the table says how many ran.
const MAX_SECONDS = Number(process.env.LARGE_MAX_SECONDS ?? '60');
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

// ---------------------------------------------------------------- serve and measure
const startServer = () =>
  startUncachedServer(DATA, (child) => {
    server = child;
  });
const get = timedGet;

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
  const gen = REUSE
    ? { seconds: 0, postsSeconds: 0, ...describeLargeSite(DATA, log) }
    : generateLargeSite({ data: DATA, size: SIZE, comments: COMMENTS, log });
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
