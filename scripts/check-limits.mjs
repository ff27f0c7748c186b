#!/usr/bin/env node
// The size limits of src/ (issue 15): Biome's cognitive-complexity, function-length and parameter-count rules
// (configured in biome.json at level "info", so the ordinary lint stays quiet) counted per file against
// scripts/limits-baseline.json, the written baseline of what the code held when the limits came in. A file
// over its baseline, or a file not in it with any, fails: new code stays within the limits. The baseline only
// shrinks: `node scripts/check-limits.mjs --shrink` rewrites it with today's counts, refusing to raise any.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const BASELINE = new URL('./limits-baseline.json', import.meta.url);
const RULES = [
  'complexity/noExcessiveCognitiveComplexity',
  'complexity/noExcessiveLinesPerFunction',
  'complexity/useMaxParams',
];

/** `{ "file rule": count }` for what Biome finds in src/ today. */
function countsNow() {
  const args = [
    'biome',
    'lint',
    ...RULES.map((r) => `--only=${r}`),
    '--reporter=json',
    '--max-diagnostics=none',
    'src',
  ];
  const r = spawnSync('npx', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const report = JSON.parse(r.stdout);
  const counts = {};
  for (const d of report.diagnostics) {
    const key = `${d.location.path} ${d.category.replace('lint/', '')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
const now = countsNow();
const baseline = JSON.parse(readFileSync(BASELINE, 'utf8'));
const over = Object.entries(now).filter(([key, n]) => n > (baseline.counts[key] ?? 0));

if (process.argv.includes('--shrink')) {
  if (over.length) {
    console.error('The baseline cannot grow; over it:');
    for (const [key, n] of over) console.error(`  ${key}: ${n} (baseline ${baseline.counts[key] ?? 0})`);
    process.exit(1);
  }
  const sorted = Object.fromEntries(Object.entries(now).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(BASELINE, `${JSON.stringify({ ...baseline, total: sum(sorted), counts: sorted }, null, 2)}\n`);
  console.log(`limits baseline: ${sum(baseline.counts)} -> ${sum(sorted)}`);
  process.exit(0);
}
if (over.length) {
  console.error('Functions over the size limits (biome.json: complexity 15, 80 lines, 4 parameters) in new code:');
  for (const [key, n] of over) console.error(`  ${key}: ${n}, baseline ${baseline.counts[key] ?? 0}`);
  console.error(`See them with: npx biome lint ${RULES.map((r) => `--only=${r}`).join(' ')} <file>`);
  process.exit(1);
}
const below = sum(baseline.counts) - sum(now);
console.log(
  `limits: ${sum(now)} functions over a limit, none new${below > 0 ? ` (${below} fewer than the baseline: run node scripts/check-limits.mjs --shrink)` : ''}`,
);
