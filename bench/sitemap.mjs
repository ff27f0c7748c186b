#!/usr/bin/env node
// The sitemap benchmarks of issue 14 (see bench/README.md), every one a walk through every page /sitemap.xml
// lists, at CONNS connections (wrk with bench/sitemap-walk.lua):
//   SITEMAP:     one Annalist (SQLite, page cache on), rounds in alternation of (a) no writes, (b) and (c) while
//                readers comment at 5 and at 20 a second on one of the articles (bench/comment-poster.mjs);
//   BASELINE:    the uncached rate (ANNALIST_PAGE_CACHE=off) of this tree and of BASE_REF, in alternation;
//   PROXY_CACHE: Annalist direct and through nginx proxy_cache (docs/deploy.md's configuration), in alternation.
// Standalone: node bench/sitemap.mjs [--out DIR]   (bench/run.sh calls it with --out <its result folder>)
import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_DIR,
  cacheCounters,
  demoFolder,
  log,
  pathsAnswering,
  ROOT,
  serve,
  sitemapPaths,
  sleep,
  startCachingNginx,
  startChild,
  stopChild,
  tempDir,
  waitIdle,
  wrkWalk,
} from './sitemap-kit.mjs';

const env = (name, fallback) => process.env[name] ?? fallback;
const on = (name) => env(name, '1') !== '0';
const ROUNDS = Number(env('SITEMAP_ROUNDS', env('ROUNDS', '3')));
const DURATION = env('SITEMAP_DURATION', env('DURATION', '10s'));
const WARMUP = env('SITEMAP_WARMUP', '3s');
const THREADS = Number(env('THREADS', '2'));
const CONNS = Number(env('CONNS', '32'));
const PAUSE_MS = Number(env('PAUSE', '1')) * 1000;
const COMMENT_PATH = env('SITEMAP_COMMENT_PATH', '/lake-khasan-1938/');
const RATES = env('SITEMAP_RATES', '5,20').split(',').map(Number);
// How the readers post: as the comment island does (island), or as the form does without JavaScript (form).
const COMMENT_WAY = env('SITEMAP_COMMENT_WAY', 'island');
const WAY_STEPS = {
  island: 'page, form token, JSON post shown in place',
  form: 'page, form token, form POST, the page again',
};
const BASE_REF = env('BASE_REF', '0689612');
const TARGET_WRITES = 0.8; // issue 14: reads while comments arrive at >= 80 % of the rate without writes
const TARGET_UNCACHED = 2; // issue 14: uncached renders under load at >= 2x the baseline's rate
const wrkOpts = { threads: THREADS, conns: CONNS };

const args = process.argv.slice(2);
const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
const OUT = args[0] === '--out' ? args[1] : join(BENCH_DIR, 'out', `${stamp}Z-sitemap`);
mkdirSync(OUT, { recursive: true });
const warnings = [];
const warn = (msg) => {
  warnings.push(msg);
  log(`WARNING: ${msg}`);
};

// ---------------------------------------------------------------- figures
const median = (a) => {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const num = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : 'n/a');
const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3)) : 'n/a');
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
const verdict = (x, target) => (Number.isFinite(x) ? (x >= target ? 'met' : 'NOT met') : 'n/a');

/** Per-round ratios a ÷ b of `runs[round][target].rps`, and their median. */
function ratio(runs, a, b) {
  const rounds = runs.map((r, i) => ({ round: i + 1, x: r[a]?.rps / r[b]?.rps }));
  return { median: median(rounds.map((r) => r.x)), rounds };
}
const perRound = (r, fmt) => r.rounds.map((x) => `r${x.round} ${fmt(x.x)}`).join(', ');

/** wrk's complaints (non-2xx answers, socket errors) across the runs of one target, as warnings. */
function wrkWarnings(part, runs, target) {
  const non2xx = runs.reduce((a, r) => a + (r[target]?.non2xx ?? 0), 0);
  const errs = [...new Set(runs.map((r) => r[target]?.sockErr).filter(Boolean))];
  if (non2xx) warn(`${part}/${target}: ${non2xx} non-2xx/3xx answers.`);
  if (errs.length) warn(`${part}/${target}: socket errors (${errs.join('; ')}).`);
}

/** The walk's paths from `base`'s sitemap, kept where every base answers 200; written to a file for wrk. */
async function walkPaths(name, base, bases = [base]) {
  const { good, bad } = await pathsAnswering(await sitemapPaths(base), bases);
  if (bad.length) warn(`${name}: left out of the walk, not 200 everywhere: ${bad.join(', ')}.`);
  if (good.length === 0) throw new Error(`${name}: no page of the sitemap answers 200`);
  const file = join(tempDir(`${name}-paths`), 'paths.txt');
  writeFileSync(file, `${good.join('\n')}\n`);
  return { paths: good, file };
}

/** One measured run after the CPUs went idle; `during` (optional) runs alongside and its result is kept. */
async function measure(label, base, file, during) {
  if (!(await waitIdle())) warn(`CPUs still busy 60 s before ${label}: other load on the machine, numbers suspect.`);
  await sleep(PAUSE_MS);
  log(label);
  const side = during?.();
  const run = await wrkWalk(base, file, { ...wrkOpts, duration: DURATION, file: join(OUT, `sitemap-${label}.txt`) });
  if (side) run.side = await side.stop();
  return run;
}

async function warmUp(targets, file) {
  for (const [name, base] of Object.entries(targets))
    await wrkWalk(base, file, { ...wrkOpts, duration: WARMUP, file: join(OUT, `sitemap-warmup-${name}.txt`) });
}

// ---------------------------------------------------------------- (1) reads while readers comment
/** A wrk duration ("10s", "2m", "1h", "30") in seconds. */
function durationSeconds(text) {
  const m = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(text.trim());
  if (!m) throw new Error(`not a wrk duration: ${text}`);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600 }[m[2]];
}

/** bench/comment-poster.mjs at `rate` a second for the length of a run; stop() resolves with its JSON. */
function poster(base, rate, runId) {
  const seconds = durationSeconds(DURATION) + 5; // stopped with wrk; the bound is a safety net
  const child = startChild(
    process.execPath,
    [join(BENCH_DIR, 'comment-poster.mjs'), '--base', base, '--article', COMMENT_PATH, '--rate', String(rate)].concat([
      '--seconds',
      String(seconds),
      '--run',
      runId,
      '--way',
      COMMENT_WAY,
    ]),
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const done = new Promise((r) => child.once('exit', r));
  return {
    async stop() {
      child.kill('SIGTERM');
      await done;
      try {
        return JSON.parse(out.trim().split('\n').at(-1));
      } catch {
        return { error: `no result from the comment poster: ${out.slice(0, 200)}` };
      }
    },
  };
}

async function runWrites() {
  const dir = demoFolder(ROOT, 'sitemap', { relaxed: true });
  const server = await serve(ROOT, dir);
  const { paths, file } = await walkPaths('sitemap', server.url);
  if (!paths.includes(COMMENT_PATH)) warn(`the article commented on (${COMMENT_PATH}) is not in the walk.`);
  log(`sitemap walk: ${paths.length} pages on ${server.url}; comments on ${COMMENT_PATH} at ${RATES.join(' and ')}/s`);
  await warmUp({ cached: server.url }, file);
  const variants = ['none', ...RATES.map((r) => `${r}s`)];
  const runs = [];
  for (let round = 1; round <= ROUNDS; round++) {
    runs.push({});
    // Each round starts with another variant, so that none always follows the heaviest.
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + round - 1) % variants.length];
      const rate = v === 'none' ? 0 : Number.parseFloat(v);
      const before = await cacheCounters(server.url);
      const during = rate ? () => poster(server.url, rate, `r${round}-${v}-${process.pid}`) : undefined;
      const run = await measure(`r${round}-writes-${v}`, server.url, file, during);
      const after = await cacheCounters(server.url);
      if (before && after)
        run.cache = {
          hits: after.hits - before.hits,
          misses: after.misses - before.misses,
          stale: after.stale - before.stale,
        };
      runs.at(-1)[v] = run;
    }
  }
  for (const line of server.errorLines().slice(0, 5)) warn(`server: ${line}`);
  await stopChild(server.child);
  for (const v of variants) wrkWarnings('writes', runs, v);
  return { pages: paths.length, variants, runs };
}

function reportWrites({ pages, variants, runs }) {
  const label = (v) =>
    v === 'none' ? '(a) no writes' : `(${'abcdefgh'[variants.indexOf(v)]}) comments at ${v.replace('s', '')}/s`;
  const lines = [
    `### Reads while readers comment: every page of the sitemap (${pages}) at ${CONNS} connections`,
    '',
    `One Annalist (SQLite, page cache on); wrk \`-t${THREADS} -c${CONNS} -d${DURATION}\` with \`bench/sitemap-walk.lua\` ` +
      `cycling through the pages; comments by \`bench/comment-poster.mjs\` on \`${COMMENT_PATH}\` (one of the pages ` +
      `read), each a reader of its own (\`--way ${COMMENT_WAY}\`: ${WAY_STEPS[COMMENT_WAY]}), moderation relaxed; ${runs.length} ` +
      'rounds in alternation; medians.',
    '',
  ];
  for (const v of variants.slice(1)) {
    const r = ratio(runs, v, 'none');
    lines.push(
      `**${label(v)} ÷ (a) no writes: ${pct(r.median)}** (target ≥ ${pct(TARGET_WRITES)}: ${verdict(r.median, TARGET_WRITES)}); per round: ${perRound(r, pct)}.`,
      '',
    );
  }
  lines.push(
    '| variant | req/s | p50 ms | p99 ms | comments accepted/s (of attempted) | page cache hits / misses / stale |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const v of variants) {
    const rs = runs.map((r) => r[v]).filter(Boolean);
    const m = (key) => median(rs.map((r) => r[key]));
    const side = rs.map((r) => r.side).filter(Boolean);
    const accepted = side.length
      ? `${num(median(side.map((s) => s.acceptedPerSecond)))} (${side.reduce((a, s) => a + (s.accepted ?? 0), 0)} of ${side.reduce((a, s) => a + (s.attempted ?? 0), 0)})`
      : '–';
    const c = rs.map((r) => r.cache).filter(Boolean);
    const cache = c.length
      ? ['hits', 'misses', 'stale'].map((k) => c.reduce((a, x) => a + x[k], 0)).join(' / ')
      : 'n/a';
    lines.push(`| ${label(v)} | ${num(m('rps'))} | ${ms(m('p50'))} | ${ms(m('p99'))} | ${accepted} | ${cache} |`);
    for (const s of side) {
      const refused = Object.entries(s.statuses ?? {}).filter(([k]) => k !== '303 accepted' && k !== '201 approved');
      if (refused.length)
        warn(
          `${label(v)}: comment answers other than an approval: ${refused.map(([k, n]) => `${k} ×${n}`).join(', ')}.`,
        );
      if (s.error || Object.keys(s.errors ?? {}).length)
        warn(`${label(v)}: comment poster errors: ${s.error ?? JSON.stringify(s.errors)}.`);
    }
  }
  lines.push(
    '',
    `Per round (req/s): ${runs.map((r, i) => `r${i + 1} ${variants.map((v) => num(r[v]?.rps)).join(' / ')}`).join('; ')}.`,
    '',
  );
  return lines;
}

// ---------------------------------------------------------------- (2) uncached, before and after
/** BASE_REF's tree, from `git archive` (the repository is only read), with this checkout's node_modules. */
function baselineTree() {
  const sha = execFileSync('git', ['-C', ROOT, 'rev-parse', '--verify', `${BASE_REF}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  const dir = tempDir(`base-${sha.slice(0, 7)}`, '/var/tmp');
  execSync(`git -C '${ROOT}' archive --format=tar ${sha} | tar -x -C '${dir}'`);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return { sha, dir };
}

async function runBaseline() {
  const base = baselineTree();
  log(`baseline ${BASE_REF} (${base.sha.slice(0, 12)}) in ${base.dir}`);
  const servers = {
    before: await serve(base.dir, demoFolder(base.dir, 'before'), { ANNALIST_PAGE_CACHE: 'off' }),
    after: await serve(ROOT, demoFolder(ROOT, 'after'), { ANNALIST_PAGE_CACHE: 'off' }),
  };
  const urls = Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, s.url]));
  const { paths, file } = await walkPaths('uncached', urls.after, Object.values(urls));
  for (const [name, url] of Object.entries(urls)) {
    await fetch(`${url}${paths[0]}`).then((r) => r.body?.cancel());
    const again = await fetch(`${url}${paths[0]}`);
    await again.body?.cancel();
    if (/hit|shared|stale/.test(again.headers.get('x-cache') ?? ''))
      warn(
        `uncached/${name}: ${paths[0]} answered x-cache: ${again.headers.get('x-cache')} with ANNALIST_PAGE_CACHE=off.`,
      );
  }
  await warmUp(urls, file);
  const runs = [];
  for (let round = 1; round <= ROUNDS; round++) {
    runs.push({});
    const order = round % 2 ? ['before', 'after'] : ['after', 'before'];
    for (const t of order) runs.at(-1)[t] = await measure(`r${round}-uncached-${t}`, urls[t], file);
  }
  for (const [name, s] of Object.entries(servers)) {
    for (const line of s.errorLines().slice(0, 5)) warn(`uncached/${name} server: ${line}`);
    await stopChild(s.child);
  }
  for (const t of ['before', 'after']) wrkWarnings('uncached', runs, t);
  return { sha: base.sha, pages: paths.length, runs };
}

function reportBaseline({ sha, pages, runs }) {
  const r = ratio(runs, 'after', 'before');
  const tree = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain'], { encoding: 'utf8' }).trim()
    ? ' + changes'
    : '';
  const lines = [
    `### Uncached renders, before and after: every page of the sitemap (${pages}) at ${CONNS} connections`,
    '',
    `\`ANNALIST_PAGE_CACHE=off\`, one process each: before = \`${BASE_REF}\` (${sha.slice(0, 12)}, from \`git archive\`), ` +
      `after = this tree (${tree}${dirty}); each on its own demo folder; ${runs.length} rounds in alternation; medians.`,
    '',
    `**After ÷ before: ${times(r.median)}** (target ≥ ${TARGET_UNCACHED}×: ${verdict(r.median, TARGET_UNCACHED)}); per round: ${perRound(r, times)}.`,
    '',
    '| tree | req/s | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
  ];
  for (const t of ['before', 'after']) {
    const m = (key) => median(runs.map((x) => x[t]?.[key]));
    lines.push(`| ${t} | ${num(m('rps'))} | ${ms(m('p50'))} | ${ms(m('p99'))} |`);
  }
  lines.push('');
  return lines;
}

// ---------------------------------------------------------------- (3) through nginx proxy_cache
/** Whether nginx keeps `path`: the X-Cache-Status of two reads, and what the second one carried. */
async function nginxKeeps(url, path) {
  const first = await fetch(`${url}${path}`);
  await first.body?.cancel();
  const second = await fetch(`${url}${path}`);
  await second.body?.cancel();
  const status = second.headers.get('x-cache-status');
  return {
    ok: status === 'HIT',
    note: `${path}: X-Cache-Status ${first.headers.get('x-cache-status')} then ${status}; cache-control: ${second.headers.get('cache-control') ?? '(none)'}; set-cookie: ${second.headers.get('set-cookie') ? 'yes' : 'no'}`,
  };
}

async function runProxyCache() {
  const server = await serve(ROOT, demoFolder(ROOT, 'proxy'), { ANNALIST_TRUST_PROXY: 'loopback' });
  const nginx = await startCachingNginx(server.url.replace('http://', ''));
  writeFileSync(join(OUT, 'sitemap-nginx.conf'), nginx.conf);
  const urls = { direct: server.url, nginx: nginx.url };
  const { paths, file } = await walkPaths('proxy', server.url, Object.values(urls));
  const check = await nginxKeeps(nginx.url, paths[0]);
  if (!check.ok) warn(`nginx does not keep Annalist's pages, so the nginx row measures proxying alone: ${check.note}.`);
  await warmUp(urls, file);
  const runs = [];
  for (let round = 1; round <= ROUNDS; round++) {
    runs.push({});
    const order = round % 2 ? ['direct', 'nginx'] : ['nginx', 'direct'];
    for (const t of order) runs.at(-1)[t] = await measure(`r${round}-proxy-${t}`, urls[t], file);
  }
  await stopChild(nginx.child);
  await stopChild(server.child);
  for (const t of ['direct', 'nginx']) wrkWarnings('proxy', runs, t);
  return { pages: paths.length, runs, check };
}

function reportProxyCache({ pages, runs, check }) {
  const r = ratio(runs, 'nginx', 'direct');
  const lines = [
    `### Through nginx proxy_cache: every page of the sitemap (${pages}) at ${CONNS} connections`,
    '',
    'One Annalist (SQLite, page cache on, `ANNALIST_TRUST_PROXY=loopback`), read directly and through a private nginx ' +
      "with docs/deploy.md's proxy_cache blocks as written (`worker_processes auto`; the configuration is " +
      `\`sitemap-nginx.conf\`); ${runs.length} rounds in alternation; medians. Check before the runs: ${check.note}.`,
    '',
    `**nginx proxy_cache ÷ Annalist direct: ${times(r.median)}**; per round: ${perRound(r, times)}.`,
    '',
    '| target | req/s | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
  ];
  for (const [t, name] of [
    ['direct', 'Annalist direct'],
    ['nginx', 'through nginx proxy_cache'],
  ]) {
    const m = (key) => median(runs.map((x) => x[t]?.[key]));
    lines.push(`| ${name} | ${num(m('rps'))} | ${ms(m('p50'))} | ${ms(m('p99'))} |`);
  }
  lines.push('');
  return lines;
}

// ---------------------------------------------------------------- main
async function main() {
  const load = loadavg().map((x) => x.toFixed(2));
  const results = {
    date_utc: new Date().toISOString(),
    rounds: ROUNDS,
    duration: DURATION,
    conns: CONNS,
    loadavg_at_start: load,
  };
  const out = [
    `## Annalist sitemap benchmarks — ${results.date_utc.slice(0, 19)}Z`,
    '',
    `${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}; Node ${process.version}; load average at start ${load.join(' ')}. ` +
      'wrk, the servers and the comment poster share the machine.',
    '',
  ];
  const parts = [
    ['SITEMAP', 'writes', runWrites, reportWrites],
    ['BASELINE', 'uncached', runBaseline, reportBaseline],
    ['PROXY_CACHE', 'proxy', runProxyCache, reportProxyCache],
  ];
  for (const [flag, key, run, report] of parts) {
    if (!on(flag)) continue;
    try {
      results[key] = await run();
      out.push(...report(results[key]));
    } catch (err) {
      warn(`the ${key} part failed (${flag}=0 skips it): ${err?.message ?? err}`);
    }
  }
  if (Number(load[0]) > 0.5)
    warnings.push(`load average ${load[0]} at the start: something else was running, numbers suspect.`);
  out.push(warnings.length ? `**Warnings:**\n\n${warnings.map((w) => `- ${w}`).join('\n')}` : 'No errors or warnings.');
  results.warnings = warnings;
  const text = out.join('\n');
  console.log(text);
  writeFileSync(join(OUT, 'sitemap.md'), `${text}\n`);
  writeFileSync(join(OUT, 'sitemap.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`failed: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
