#!/usr/bin/env node
// `npm test`: typecheck, lint, then every test file with Node's test runner (Node 20 does not expand globs), once on
// SQLite and once on PostgreSQL (the DIALECTS loop; STYLE habit 7). `npm test -- <files>` runs just those files on
// both, or on the one ANNALIST_TEST_DATABASE names.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { ensureSystemPackages } from './system-packages.mjs';
import { bundleTests } from './test-bundle.mjs';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

// Tests about SQLite alone, skipped in the PostgreSQL pass. Keep this list short: a test of the same behaviour on
// PostgreSQL belongs in a test file that runs on it.
const SQLITE_ONLY = new Set([
  // What `annalist` says about the SQLite file itself (not a database, foreign, corrupt, too new, unreadable).
  'test/storage/database-file.test.ts',
  // Several processes on one SQLite file (ANNALIST_WORKERS): the write gate and busy handling of a file database.
  // The same site served by several processes on PostgreSQL is test/e2e/two-nodes.test.ts.
  'test/e2e/cluster.test.ts',
  // kill -9 of `annalist serve` (bench/kill9.mjs), checked by reading the SQLite file and its quick_check. On
  // PostgreSQL, acknowledged comments surviving kill -9 of a node is checked by test/e2e/two-nodes.test.ts.
  'test/e2e/durability.test.ts',
  // nginx proxy_cache (docs/deploy.md) in front of two processes on one SQLite folder: what it shows is the
  // proxy's, the same on either database, so it runs once.
  'test/e2e/nginx-cache.test.ts',
]);

// Files whose checks are the same in either pass, so they run once, in the first: files that choose their
// databases themselves (both kinds side by side, or PostgreSQL alone, using ANNALIST_TEST_PG_URL), and files that
// check what a browser makes of the seeded demo's pages, which the templates, styles and scripts decide, not the
// database (they read it and write nothing). Put a file here only when nothing it checks could differ between
// databases; where part of it could, that part goes in a file that runs in both passes.
const RUN_ONCE = new Set([
  'test/storage/postgres.test.ts',
  'test/storage/tables.test.ts',
  'test/storage/commit-markers.test.ts',
  'test/storage/migrate-data.test.ts',
  'test/storage/backup.test.ts',
  'test/e2e/two-nodes.test.ts',
  // The keyed page cache and the SQLite change log on their own: no site, nothing of PostgreSQL.
  'test/http/page-cache-keys.test.ts',
  'test/http/count-fragments.test.ts',
  'test/storage/change-log.test.ts',
  // The Nu HTML Checker on every demo page type: the templates' markup. (axe-core's sweep is a browser story, below.)
  // The page types whose markup the database writes part of (search snippets, suggestions:
  // DATABASE_WRITTEN_PAGE_TYPES in test/support/site.ts) are checked on both databases by
  // test/e2e/search-markup.test.ts.
  'test/e2e/html-validity.test.ts',
]);

// Browser stories: the files in test/e2e that drive Chromium (they launch it through test/support/browser.ts) run
// in the first pass only (decision 051). What they add to the HTTP and module tests is what the browser makes of the
// pages (scripts, layout, focus, the DOM); the requests they send are the same routes the HTTP tests send on both
// databases. The two below stay in both passes: what they check in the browser is what the database gave back.
const BROWSER_IN_BOTH_PASSES = new Set([
  // Hostile text through every field and back out of the database (PostgreSQL cannot hold U+0000, decision 017).
  'test/e2e/stored-xss.test.ts',
  // The page types whose markup the database writes part of (search snippets, suggestions).
  'test/e2e/search-markup.test.ts',
]);
const BROWSER_IMPORT = /from '\.\.\/support\/browser\.ts'/;

/** Whether `file` is a browser story that runs in the first pass only. */
function browserStoryOnce(file) {
  if (!file.startsWith('test/e2e/') || BROWSER_IN_BOTH_PASSES.has(file)) return false;
  return BROWSER_IMPORT.test(readFileSync(join(root, file), 'utf8'));
}

function runOrExit(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/**
 * The runner's usual report on standard output, and each failure also written to `failuresFile`
 * (scripts/test-failures.mjs) for the summary.
 */
function reporters(failuresFile) {
  const usual = process.stdout.isTTY ? 'spec' : 'tap';
  return [
    `--test-reporter=${usual}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts', 'test-failures.mjs')}`,
    `--test-reporter-destination=${failuresFile}`,
  ];
}

/** Runs the test files in a child process; resolves to its exit status (0 = all passed). */
function runTests(files, env, failuresFile) {
  // Bundled files are plain JavaScript (scripts/test-bundle.mjs); the sources themselves need tsx.
  const loader = bundled ? ['--enable-source-maps'] : ['--import', 'tsx'];
  const run = bundled ? files.map((f) => bundled.get(f)) : files;
  const args = [...loader, '--test', '--test-concurrency=2', ...reporters(failuresFile), ...run];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: 'inherit',
      // A DATABASE_URL or REDIS_URL of the person's own must never reach the `annalist` processes tests start.
      env: { ...process.env, DATABASE_URL: undefined, REDIS_URL: undefined, ...env },
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** The failures the reporter wrote (scripts/test-failures.mjs), read and then removed. */
function readFailures(file) {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  rmSync(file, { force: true });
  return lines.map((line) => JSON.parse(line));
}

/** The tests that failed in a pass, named with their file (relative, the source's name) and first error lines. */
function printFailures({ dialect, failures }) {
  for (const f of failures) {
    const source = bundled ? sourceOf(f.file) : f.file;
    console.log(`\n✖ ${NAMES[dialect]}: ${source ? `${relative(root, source)}: ` : ''}${f.name}`);
    console.log(f.error.replace(/^/gm, '    '));
  }
}

/** The test file a bundled file was made from. */
function sourceOf(file) {
  for (const [source, out] of bundled) if (resolve(root, out) === resolve(root, file)) return join(root, source);
  return file;
}

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'support' ? [] : testFiles(path);
    return /\.test\.tsx?$/.test(name) ? [relative(root, path)] : [];
  });
}

function header(text) {
  const line = '='.repeat(text.length + 4);
  console.log(`\n${line}\n  ${text}\n${line}\n`);
}

// Chromium, Java, xmllint, PostgreSQL and Redis come from Debian: installed here when missing (as root), so a
// fresh clone needs nothing but `npm ci && npm test`.
ensureSystemPackages();
if (only.length === 0) {
  runOrExit('npx', ['tsc', '--noEmit', '-p', '.']);
  runOrExit('npx', ['biome', 'check', '--error-on-warnings', '--diagnostic-level=warn', '.']);
  runOrExit(process.execPath, ['scripts/check-limits.mjs']);
}
const files = only.length ? only.map((f) => relative(root, resolve(f))) : testFiles(join(root, 'test')).sort();
const chosen = process.env.ANNALIST_TEST_DATABASE;
if (chosen && chosen !== 'sqlite' && chosen !== 'postgres') {
  console.error(`ANNALIST_TEST_DATABASE must be sqlite or postgres, not ${JSON.stringify(chosen)}`);
  process.exit(2);
}
const dialects = chosen ? [chosen] : ['sqlite', 'postgres'];

const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

// The test files bundled once for the run (scripts/test-bundle.mjs), unless ANNALIST_TEST_BUNDLE=0.
const BUNDLE_DIR = join(root, 'node_modules', '.cache', 'annalist-tests', `${process.pid}-${Date.now().toString(36)}`);
const bundled = process.env.ANNALIST_TEST_BUNDLE === '0' ? undefined : await bundleTests(root, files, BUNDLE_DIR);

// The test processes of this run share one seeded demo per database kind (test/support/site.ts), removed at the end.
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const removeDemoTemplates = () => {
  for (const name of readdirSync(tmpdir()))
    if (name.startsWith(`annalist-demo-template-${RUN}`))
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
};

// One throwaway PostgreSQL cluster for the whole run (each test site gets a database of its own in it); both
// passes get its URL, for the files that use PostgreSQL whatever the pass. Started only when the run needs it: a
// PostgreSQL pass, or a file that uses PostgreSQL in any pass. An exit hook in postgres.ts kills it should this
// script die before stop().
const needsPostgres = dialects.includes('postgres') || files.some((f) => RUN_ONCE.has(f));
const { startPostgres } = await tsImport('../test/support/postgres.ts', import.meta.url);
const cluster = needsPostgres ? await startPostgres() : { url: '', stop: async () => {} };
const results = [];
try {
  for (const [i, dialect] of dialects.entries()) {
    const skip = (f) =>
      (dialect === 'postgres' && SQLITE_ONLY.has(f)) || (i > 0 && (RUN_ONCE.has(f) || browserStoryOnce(f)));
    const passFiles = files.filter((f) => !skip(f));
    const skipped = files.length - passFiles.length;
    header(`${NAMES[dialect]}: ${passFiles.length} test files${skipped ? ` (${skipped} skipped in this pass)` : ''}`);
    if (passFiles.length === 0) continue;
    const started = Date.now();
    const failuresFile = join(tmpdir(), `annalist-test-failures-${RUN}-${dialect}.jsonl`);
    const env = {
      ANNALIST_TEST_DATABASE: dialect,
      ANNALIST_TEST_RUN: RUN,
      ...(cluster.url ? { ANNALIST_TEST_PG_URL: cluster.url } : {}),
    };
    const status = await runTests(passFiles, env, failuresFile);
    const failures = readFailures(failuresFile);
    results.push({ dialect, status, failures, seconds: Math.round((Date.now() - started) / 1000) });
  }
} finally {
  await cluster.stop();
  removeDemoTemplates();
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
}

header('Summary');
for (const r of results) {
  console.log(`${NAMES[r.dialect].padEnd(10)}  ${r.status === 0 ? 'passed' : 'FAILED'}  ${r.seconds} s`);
}
for (const r of results) printFailures(r);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
