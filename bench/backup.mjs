#!/usr/bin/env node
// The backup benchmark (see bench/README.md): generates the large site exactly as bench/large-site.mjs does (or
// measures the one in LARGE_DATA), then times `annalist backup` and `annalist restore` into an empty folder
// (SQLite), each a real CLI process, with the archive's size and each process's peak RSS (VmHWM), and checks that
// the restored site has as many rows in every table as the one backed up.
//   node bench/backup.mjs [--out DIR]        SIZE=5000 COMMENTS=100000 node bench/backup.mjs   (quick)
// Everything it makes (the site unless LARGE_DATA, the archive, the restored folder) is in temp folders removed at
// the end, also on error or Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { generateLargeSite } from './large-site-data.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = Number(process.env.SIZE ?? '100000');
const COMMENTS = Number(process.env.COMMENTS ?? '2000000');
const TARGET_SECONDS = 60; // issue 13: backup and restore of the 100,000-post site, each under a minute
// Tables a backup never holds (src/storage/backup/backup-format.ts): not compared.
const LEFT_OUT = new Set(['sessions', 'used_form_tokens', 'outbox']);
const args = process.argv.slice(2);
const outDir = args[0] === '--out' ? args[1] : undefined;

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] backup-bench: ${msg}\n`);

// ---------------------------------------------------------------- cleanup: only what this script started
let child;
const REUSE = process.env.LARGE_DATA;
const WORK = mkdtempSync(join(tmpdir(), 'annalist-bench-backup-'));
const DATA = REUSE ?? join(WORK, 'site');
function cleanup() {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (process.env.LARGE_KEEP === '1' && !REUSE) {
    log(`kept the data folder ${DATA} (LARGE_KEEP=1): remove ${WORK} yourself`);
    rmSync(join(WORK, 'site.tar.gz'), { force: true });
    rmSync(join(WORK, 'restored'), { recursive: true, force: true });
  } else rmSync(WORK, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    log(`${sig}: stopping`);
    process.exit(130);
  });

/** The CPU seconds (user + system, every thread) a running process has used, or undefined once it has gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ ticks
  } catch {
    return undefined;
  }
}

/** The steps the CLI's closing line lists ("in 41.2 s (tables 38.0 s, pack 2.1 s, …)"), as text. */
const stepsOf = (stdout) => / in [\d.]+ s \(([^)]*)\)/.exec(stdout)?.[1] ?? '';

/** The peak RSS (VmHWM) of a running process in MB, or undefined once it has gone. */
function peakRssMb(pid) {
  try {
    const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `annalist ARGS` to its end: seconds, peak RSS (VmHWM sampled every 50 ms: it only grows, so the last
 * sample before the exit is within a few milliseconds' growth of the true peak), CPU seconds (sampled the same
 * way: what it used on every thread, a figure less bent by other work on the machine than the seconds), and
 * when each stderr line came.
 */
function runCli(cliArgs, env = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    child = spawn(process.execPath, [join(ROOT, 'bin/annalist.js'), ...cliArgs], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let peak = 0;
    let cpu = 0;
    let stdout = '';
    const lines = [];
    const sampler = setInterval(() => {
      peak = Math.max(peak, peakRssMb(child.pid) ?? 0);
      cpu = Math.max(cpu, cpuSeconds(child.pid) ?? 0);
    }, 50);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    let partial = '';
    child.stderr.on('data', (d) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop();
      for (const text of parts) lines.push({ text, seconds: (performance.now() - t0) / 1000 });
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(sampler);
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0)
        reject(
          new Error(`annalist ${cliArgs[0]} exited with ${code ?? signal}: ${lines.map((l) => l.text).join(' | ')}`),
        );
      else resolve({ seconds, peakMb: peak, cpu, stdout, lines });
    });
  });
}

/** Rows per table of the SQLite site in `dataDir` (FTS5's shadow tables aside; the index itself is counted). */
function rowCounts(dataDir) {
  const db = new Database(join(dataDir, 'annalist.db'), { readonly: true });
  try {
    const tables = db
      .prepare(
        `select name from sqlite_master where type = 'table' and name not like 'sqlite_%'
         and name not like 'search_posts_%' order by name`,
      )
      .pluck()
      .all();
    return Object.fromEntries(tables.map((t) => [t, Number(db.prepare(`select count(*) from "${t}"`).pluck().get())]));
  } finally {
    db.close();
  }
}

/** The tables whose counts differ between the site backed up and the one restored. */
function countDifferences(source, restored) {
  const differ = [];
  for (const [table, rows] of Object.entries(source)) {
    if (LEFT_OUT.has(table)) continue;
    if (restored[table] !== rows) differ.push(`${table}: ${rows} backed up, ${restored[table] ?? 'no table'} restored`);
  }
  return differ;
}

const mb = (bytes) => bytes / 1024 / 1024;

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main() {
  let gen = { seconds: 0 };
  if (REUSE) log(`measuring the site in ${REUSE} (LARGE_DATA)`);
  else {
    log(`generating ${SIZE} posts, ${COMMENTS} comments in ${DATA}`);
    gen = generateLargeSite({ data: DATA, size: SIZE, comments: COMMENTS, log });
  }
  const source = rowCounts(DATA);
  const dbBytes = statSync(join(DATA, 'annalist.db')).size;
  const archive = join(WORK, 'site.tar.gz');
  const restoredDir = join(WORK, 'restored');

  const loadAtStart = loadAverage();
  log('annalist backup');
  const backup = await runCli(['backup', '--data-dir', DATA, '--out', archive]);
  const archiveBytes = statSync(archive).size;
  log(
    `backup: ${backup.seconds.toFixed(1)} s (${stepsOf(backup.stdout)}), ${mb(archiveBytes).toFixed(0)} MB, peak RSS ${backup.peakMb.toFixed(0)} MB`,
  );

  log('annalist restore into an empty folder');
  const restore = await runCli(['restore', archive, '--data-dir', restoredDir], {
    ANNALIST_BASE_URL: 'http://127.0.0.1:3000',
  });
  log(
    `restore: ${restore.seconds.toFixed(1)} s (${stepsOf(restore.stdout)}), peak RSS ${restore.peakMb.toFixed(0)} MB`,
  );

  const restored = rowCounts(restoredDir);
  const differ = countDifferences(source, restored);
  const compared = Object.keys(source).filter((t) => !LEFT_OUT.has(t));
  const totalRows = compared.reduce((n, t) => n + source[t], 0);
  const met = (s) => (s < TARGET_SECONDS ? 'yes' : 'NO');
  const f1 = (n) => n.toFixed(1);
  const lines = [
    `## Backup and restore: ${source.posts.toLocaleString('en')} posts, ${source.comments.toLocaleString('en')} comments (SQLite, real CLI processes)`,
    '',
    `${REUSE ? `Site generated earlier (LARGE_DATA=${REUSE}).` : `Site generated in ${f1(gen.seconds)} s as for the large-site benchmark.`} Database file ${mb(dbBytes).toFixed(0)} MB, ${totalRows.toLocaleString('en')} rows in ${compared.length} tables. Load average before the backup: ${loadAtStart}; at the end: ${loadAverage()}.`,
    '',
    '| step | seconds | CPU seconds | archive | peak RSS (VmHWM) | target | met |',
    '|---|---:|---:|---:|---:|---|---|',
    `| \`annalist backup\` | ${f1(backup.seconds)} | ${f1(backup.cpu)} | ${mb(archiveBytes).toFixed(0)} MB | ${backup.peakMb.toFixed(0)} MB | < ${TARGET_SECONDS} s | ${met(backup.seconds)} |`,
    `| \`annalist restore\` into an empty folder | ${f1(restore.seconds)} | ${f1(restore.cpu)} | | ${restore.peakMb.toFixed(0)} MB | < ${TARGET_SECONDS} s | ${met(restore.seconds)} |`,
    '',
    `Backup's steps: ${stepsOf(backup.stdout)}. Restore's: ${stepsOf(restore.stdout)}.`,
    '',
    differ.length === 0
      ? `Restored row counts equal the source's in all ${compared.length} tables (the search index included).`
      : `ROW COUNTS DIFFER: ${differ.join('; ')}`,
    '',
  ];
  const md = lines.join('\n');
  process.stdout.write(`${md}\n`);
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'backup.md'), md);
    writeFileSync(
      join(outDir, 'backup.json'),
      JSON.stringify(
        {
          size: SIZE,
          comments: COMMENTS,
          generation: gen.seconds,
          databaseBytes: dbBytes,
          archiveBytes,
          backup: {
            seconds: backup.seconds,
            cpuSeconds: backup.cpu,
            steps: stepsOf(backup.stdout),
            peakRssMb: backup.peakMb,
          },
          restore: {
            seconds: restore.seconds,
            cpuSeconds: restore.cpu,
            steps: stepsOf(restore.stdout),
            peakRssMb: restore.peakMb,
          },
          source,
          restored,
          differ,
        },
        null,
        2,
      ),
    );
  }
  if (differ.length > 0) throw new Error('the restored site does not have the rows of the one backed up');
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`error: ${err.message}`);
    process.exit(1);
  },
);
