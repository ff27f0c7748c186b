#!/usr/bin/env node
// Summarize one bench/run.sh result folder: parse the wrk outputs (Requests/sec, Latency Distribution 50 % / 99 %),
// take medians across rounds, and print a Markdown report with the ratio Annalist (cached) ÷ nginx static.
// Ratios are computed per round (same round, same profile) and the median of those is shown.
// Usage: node bench/summarize.mjs bench/out/<timestamp>
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const TARGET_RATIO = 0.45; // issue 5: Annalist (page cache on) reaches at least 45 % of nginx's req/s on the same bytes
const TARGET_TWO_NODES = 1.6; // issue 5: two PostgreSQL nodes behind nginx serve at least 1.6x one node
const TARGET_VS_WORDPRESS = 40; // issue 5: uncached render at least 40x WordPress with its classic theme
const TARGET_UNCACHED_P50_MS = 2; // issue 5: one request at a time, uncached render p50 at most 2 ms

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/summarize.mjs bench/out/<timestamp>');
  process.exit(2);
}
const meta = Object.fromEntries(
  readFileSync(join(dir, 'meta.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(': '))
    .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
);
const targets = (meta.targets || 'nginx cached uncached').split(' ');
const profiles = (meta.profiles || 'load single').split(' ');

const toMs = (v) => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec((v || '').trim());
  return m ? Number.parseFloat(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]] : Number.NaN;
};

function parseWrk(text) {
  const r = { rps: Number.NaN, p50: Number.NaN, p99: Number.NaN, requests: Number.NaN, non2xx: 0, sockErr: '' };
  let m = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (m) r.rps = Number.parseFloat(m[1]);
  const dist = text.slice(text.indexOf('Latency Distribution'));
  for (const p of ['50', '99']) {
    m = new RegExp(`^\\s+${p}(?:\\.0+)?%\\s+(\\S+)`, 'm').exec(dist);
    if (m) r[`p${p}`] = toMs(m[1]);
  }
  m = /(\d+) requests in/.exec(text);
  if (m) r.requests = Number.parseInt(m[1], 10);
  m = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (m) r.non2xx = Number.parseInt(m[1], 10);
  m = /Socket errors: (.*)/.exec(text);
  if (m) r.sockErr = m[1].trim();
  if (r.requests === 0) {
    r.p50 = Number.NaN;
    r.p99 = Number.NaN;
  }
  return r;
}

const median = (a) => {
  const s = a.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

// res[profile][round][target]
const res = {};
for (const f of readdirSync(dir)) {
  const m = /^r(\d+)-(\w+)-(\w+)\.txt$/.exec(f);
  if (!m) continue;
  res[m[2]] ??= {};
  res[m[2]][m[1]] ??= {};
  res[m[2]][m[1]][m[3]] = parseWrk(readFileSync(join(dir, f), 'utf8'));
}
const roundsOf = (prof) =>
  Object.keys(res[prof] || {})
    .map(Number)
    .sort((a, b) => a - b);
const runs = (prof, t) =>
  roundsOf(prof)
    .map((i) => res[prof][i][t])
    .filter(Boolean);
const med = (prof, t, key) => median(runs(prof, t).map((r) => r[key]));
const perRoundRatio = (prof, a, b, key = 'rps') =>
  roundsOf(prof)
    .filter((i) => res[prof][i][a] && res[prof][i][b])
    .map((i) => ({ round: i, ratio: res[prof][i][a][key] / res[prof][i][b][key] }));

const label = {
  nginx: 'nginx, static copy of the page',
  cached: 'Annalist, page cache on',
  uncached: 'Annalist, page cache off (render per request)',
  uncached2: 'Annalist, page cache off, 2 processes (ANNALIST_WORKERS=2)',
  wpclassic: 'WordPress, classic theme (anchors)',
  pgone: 'Annalist on PostgreSQL + Redis, 1 node behind nginx, page cache on',
  pgtwo: 'Annalist on PostgreSQL + Redis, 2 nodes behind nginx, page cache on',
};
const num = (x) => {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 100) return x.toFixed(0);
  return x >= 10 ? x.toFixed(1) : x.toFixed(2);
};
const ms = (x) => {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 100) return x.toFixed(0);
  return x >= 1 ? x.toFixed(2) : x.toFixed(3);
};
const pct = (x) => {
  if (!Number.isFinite(x)) return 'n/a';
  return x >= 0.1 ? `${(x * 100).toFixed(1)} %` : `${(x * 100).toPrecision(2)} %`;
};

const out = [];
const nRounds = Math.max(0, ...profiles.map((p) => roundsOf(p).length));
out.push(`## Annalist read benchmark — ${basename(dir)}`, '');
out.push(
  `${meta.date_utc}; ${meta.cpu}; ${meta.mem_gib} GiB; Node ${meta.node}; nginx ${meta.nginx}; wrk ${meta.wrk}; Annalist ${meta.annalist}; load average at start ${meta.loadavg_at_start || 'n/a'}.`,
  `Page: \`${(meta.url_cached || '').replace(/^http:\/\/[^/]+/, '')}\`, ${(meta.bytes_nginx || '').split(' ')[0]} bytes uncompressed. ` +
    `Targets in alternation: ${targets.join(', ')}; ${nRounds} rounds; medians across rounds.`,
  `load = \`${meta.wrk_cmd_load}\`; single = \`${meta.wrk_cmd_single}\`.`,
  '',
);

const ratios = perRoundRatio('load', 'cached', 'nginx');
const headline = median(ratios.map((r) => r.ratio));
const verdict = Number.isFinite(headline) ? (headline >= TARGET_RATIO ? 'met' : 'NOT met') : 'n/a';
out.push(
  `**Annalist (page cache on) ÷ nginx static, load req/s: ${pct(headline)}** (target ≥ ${pct(TARGET_RATIO)}: ${verdict}); ` +
    `per round: ${ratios.map((r) => `r${r.round} ${pct(r.ratio)}`).join(', ') || 'n/a'}.`,
  '',
);

/** A headline "A ÷ B" in load req/s (median of the per-round ratios) against a target factor. */
const times = (x) => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : 'n/a');
function factorLine(a, b, title, target, note = '') {
  if (!targets.includes(a) || !targets.includes(b)) return;
  const rs = perRoundRatio('load', a, b);
  const m = median(rs.map((r) => r.ratio));
  const ok = Number.isFinite(m) ? (m >= target ? 'met' : 'NOT met') : 'n/a';
  out.push(
    `**${title}, load req/s: ${times(m)}** (target ≥ ${target}×: ${ok}); ` +
      `per round: ${rs.map((r) => `r${r.round} ${times(r.ratio)}`).join(', ') || 'n/a'}.${note}`,
    '',
  );
}
factorLine(
  'pgtwo',
  'pgone',
  'Annalist on PostgreSQL + Redis, 2 nodes ÷ 1 node behind nginx',
  TARGET_TWO_NODES,
  meta.pg_layout ? ` ${meta.pg_layout}.` : '',
);
if (meta.wordpress && !targets.includes('wpclassic'))
  out.push(
    `**Annalist uncached render ÷ WordPress classic: n/a** (target ≥ ${TARGET_VS_WORDPRESS}×): WordPress ${meta.wordpress}.`,
    '',
  );
factorLine(
  'uncached',
  'wpclassic',
  'Annalist uncached render, 1 process ÷ WordPress classic',
  TARGET_VS_WORDPRESS,
  " (WordPress serves the anchors' article, a different byte count; php-fpm runs several processes.)",
);
factorLine(
  'uncached2',
  'wpclassic',
  'Annalist uncached render, 2 processes ÷ WordPress classic',
  TARGET_VS_WORDPRESS,
  ' (Both use both cores.)',
);
if (targets.includes('uncached') && profiles.includes('single')) {
  const p50 = med('single', 'uncached', 'p50');
  const ok = Number.isFinite(p50) ? (p50 <= TARGET_UNCACHED_P50_MS ? 'met' : 'NOT met') : 'n/a';
  out.push(
    `**Annalist uncached render, one request at a time: p50 ${ms(p50)} ms** (target ≤ ${TARGET_UNCACHED_P50_MS} ms: ${ok}); ` +
      `per round: ${roundsOf('single')
        .map((i) => `r${i} ${ms(res.single[i]?.uncached?.p50)}`)
        .join(', ')}.`,
    '',
  );
}

out.push(
  '| target | bytes | load req/s | load p50 ms | load p99 ms | single req/s | single p50 ms | single p99 ms | load req/s ÷ nginx |',
);
out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const t of targets) {
  const r = perRoundRatio('load', t, 'nginx');
  const cells = profiles.flatMap((p) => [num(med(p, t, 'rps')), ms(med(p, t, 'p50')), ms(med(p, t, 'p99'))]);
  const bytes = (meta[`bytes_${t}`] || '').split(' ')[0];
  out.push(
    `| ${label[t] || t} | ${bytes} | ${cells.join(' | ')} | ${t === 'nginx' ? '1' : pct(median(r.map((x) => x.ratio)))} |`,
  );
}
out.push('');

out.push('Per round (req/s; p50/p99 ms):', '');
const extra = [
  ['pgtwo', 'pgone', 'pg 2 nodes ÷ 1 node'],
  ['uncached', 'wpclassic', 'uncached ÷ WordPress classic'],
  ['uncached2', 'wpclassic', 'uncached 2 proc. ÷ WordPress classic'],
].filter(([a, b]) => targets.includes(a) && targets.includes(b));
out.push(
  `| round | profile | ${targets.join(' | ')} | cached ÷ nginx | uncached ÷ cached |${extra.map((e) => ` ${e[2]} |`).join('')}`,
);
out.push(`|---|---|${targets.map(() => '---:').join('|')}|---:|---:|${extra.map(() => '---:|').join('')}`);
for (const prof of profiles) {
  for (const i of roundsOf(prof)) {
    const row = res[prof][i];
    const cells = targets.map((t) => (row[t] ? `${num(row[t].rps)} (${ms(row[t].p50)}/${ms(row[t].p99)})` : '–'));
    const rc = row.cached && row.nginx ? pct(row.cached.rps / row.nginx.rps) : 'n/a';
    const ru = row.uncached && row.cached ? pct(row.uncached.rps / row.cached.rps) : 'n/a';
    const rx = extra.map(([a, b]) => (row[a] && row[b] ? ` ${times(row[a].rps / row[b].rps)} |` : ' n/a |'));
    out.push(`| ${i} | ${prof} | ${cells.join(' | ')} | ${rc} | ${ru} |${rx.join('')}`);
  }
}
out.push('');

// Anything that makes the numbers suspect.
const warnings = [];
if (meta.uncached_check && meta.uncached_check !== 'ok') warnings.push(`Page cache off check ${meta.uncached_check}.`);
const single = median(perRoundRatio('single', 'uncached', 'cached', 'p50').map((r) => r.ratio));
if (Number.isFinite(single) && single < 1.5)
  warnings.push(
    `The uncached instance's single-connection p50 is only ${single.toFixed(2)}× the cached one's: is ANNALIST_PAGE_CACHE=off honoured?`,
  );
for (const prof of profiles)
  for (const t of targets) {
    const rs = runs(prof, t);
    const non2xx = rs.reduce((a, r) => a + r.non2xx, 0);
    const errs = [...new Set(rs.map((r) => r.sockErr).filter(Boolean))];
    if (non2xx) warnings.push(`${prof}/${t}: ${non2xx} non-2xx/3xx responses.`);
    if (errs.length) warnings.push(`${prof}/${t}: socket errors (${errs.join('; ')}).`);
    if (rs.length < nRounds) warnings.push(`${prof}/${t}: only ${rs.length} of ${nRounds} runs found.`);
  }
if (existsSync(join(dir, 'busy.txt'))) {
  const busy = readFileSync(join(dir, 'busy.txt'), 'utf8').trim().split('\n');
  warnings.push(
    `The CPUs did not go idle between runs ${busy.length} time(s) (see busy.txt): other load on the machine, numbers suspect.`,
  );
}
if (meta.ttfb_ms_cached)
  out.push(
    `Time to first byte before the runs (curl, median of 15): cached ${meta.ttfb_ms_cached} ms, uncached ${meta.ttfb_ms_uncached} ms.`,
    '',
  );
out.push(warnings.length ? `**Warnings:**\n\n${warnings.map((w) => `- ${w}`).join('\n')}` : 'No errors or warnings.');
console.log(out.join('\n'));
