#!/usr/bin/env node
// The admin export benchmark (see bench/README.md): generates the large site as bench/large-site.mjs does (or
// measures the one in LARGE_DATA), then, for the WordPress and the JSON export, times `annalist export … --out`
// (a CLI process: its seconds and peak RSS) against the same file downloaded from /admin/export of a running
// `annalist serve` (its seconds, and how far the server's peak RSS grew while it streamed the file). Prints the
// ratio download ÷ CLI and the server's growth against the file's size: streaming keeps the second small.
//   node bench/admin-export.mjs [--out DIR]        SIZE=5000 COMMENTS=100000 node bench/admin-export.mjs   (quick)
// Everything it makes (the site unless LARGE_DATA, the files) is in a temp folder removed at the end, also on error
// or Ctrl-C; the server it starts is stopped.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { tsImport } from 'tsx/esm/api';
import { generateLargeSite } from './large-site-data.mjs';
import { serverAddress } from './uncached-server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = Number(process.env.SIZE ?? '100000');
const COMMENTS = Number(process.env.COMMENTS ?? '2000000');
const BASE_URL = 'https://steppe.example';
const args = process.argv.slice(2);
const outDir = args[0] === '--out' ? args[1] : undefined;

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] admin-export: ${msg}\n`);

// ---------------------------------------------------------------- cleanup: only what this script started
const children = new Set();
const REUSE = process.env.LARGE_DATA;
const WORK = mkdtempSync(join(tmpdir(), 'annalist-bench-export-'));
const DATA = REUSE ?? join(WORK, 'site');
function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(WORK, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    log(`${sig}: stopping`);
    process.exit(130);
  });

/** The peak RSS (VmHWM) of a running process in MB, or undefined once it has gone. */
function peakRssMb(pid) {
  try {
    const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const annalist = (cliArgs, env) =>
  spawn(process.execPath, [join(ROOT, 'bin/annalist.js'), ...cliArgs], {
    env: { ...process.env, ANNALIST_DATA_DIR: DATA, ANNALIST_BASE_URL: BASE_URL, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });

/** `annalist export FORMAT --out FILE` to its end: seconds, the file's bytes, peak RSS (sampled every 50 ms). */
function runCliExport(format) {
  return new Promise((resolve, reject) => {
    const out = join(WORK, `cli.${format}`);
    const t0 = performance.now();
    const child = annalist(['export', format, '--out', out]);
    children.add(child);
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, peakRssMb(child.pid) ?? 0);
    }, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      children.delete(child);
      if (code !== 0) reject(new Error(`annalist export ${format} exited with ${code}`));
      else {
        const bytes = statSync(out).size;
        rmSync(out);
        resolve({ seconds: (performance.now() - t0) / 1000, bytes, peakMb: peak });
      }
    });
  });
}

/** An admin account and a session for it, written before the server starts; its cookie and CSRF token. */
async function adminSession() {
  const { csrfTokenFor } = await tsImport('../src/web/admin/session.ts', import.meta.url);
  const db = new Database(join(DATA, 'annalist.db'));
  try {
    const now = new Date().toISOString();
    const user = db
      .prepare(`insert into users (email, name, role, created_at) values (?, ?, 'admin', ?) returning id`)
      .get(`bench-${Date.now()}@example.org`, 'Bench Admin', now);
    const token = randomBytes(32).toString('base64url');
    const tokenHash = createHash('sha256').update(token).digest('hex');
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    db.prepare('insert into sessions (token_hash, user_id, created_at, expires_at) values (?, ?, ?, ?)').run(
      tokenHash,
      user.id,
      now,
      expires,
    );
    // The site's signing key, made here as the app makes it when no page has needed it yet.
    db.prepare(`insert into settings (key, value) values ('secret.hmac', ?) on conflict (key) do nothing`).run(
      JSON.stringify(randomBytes(32).toString('base64url')),
    );
    const secret = db.prepare(`select value from settings where key = 'secret.hmac'`).pluck().get();
    const key = Buffer.from(JSON.parse(secret), 'base64url');
    return { cookie: `annalist_session=${token}`, csrf: csrfTokenFor(key, tokenHash) };
  } finally {
    db.close();
  }
}

async function startServer() {
  const server = annalist(['serve'], { HOST: '127.0.0.1', PORT: '0' });
  children.add(server);
  return { server, origin: await serverAddress(server) };
}

/** Downloads one export through /admin/export as a browser would post the form; the bytes are counted, not kept. */
function download(origin, session, format) {
  const body = new URLSearchParams({ csrf: session.csrf }).toString();
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      `${origin}/admin/export/${format}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          cookie: session.cookie,
          origin,
        },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (d) => {
          bytes += d.length;
        });
        res.on('close', () => {
          if (res.statusCode !== 200) reject(new Error(`${format}: HTTP ${res.statusCode}`));
          else if (!res.complete) reject(new Error(`${format}: the download was cut`));
          else resolve({ seconds: (performance.now() - t0) / 1000, bytes });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const mb = (bytes) => bytes / 1024 / 1024;
const f1 = (n) => n.toFixed(1);

async function main() {
  let gen = { seconds: 0 };
  if (REUSE) log(`measuring the site in ${REUSE} (LARGE_DATA)`);
  else {
    log(`generating ${SIZE} posts, ${COMMENTS} comments in ${DATA}`);
    gen = generateLargeSite({ data: DATA, size: SIZE, comments: COMMENTS, log });
  }
  const session = await adminSession();
  const rows = [];
  const { server, origin } = await startServer();
  log(`serving at ${origin} (pid ${server.pid})`);
  for (const format of ['wordpress', 'json']) {
    log(`annalist export ${format}`);
    const cli = await runCliExport(format);
    const before = peakRssMb(server.pid) ?? 0;
    log(`POST /admin/export/${format}`);
    const web = await download(origin, session, format);
    const after = peakRssMb(server.pid) ?? 0;
    rows.push({ format, cli, web, serverPeakBeforeMb: before, serverPeakAfterMb: after });
  }
  server.kill('SIGTERM');

  const lines = [
    `## Exports from /admin/export against the CLI (SQLite, real processes)`,
    '',
    `${REUSE ? `Site generated earlier (LARGE_DATA=${REUSE}).` : `${SIZE.toLocaleString('en')} posts and ${COMMENTS.toLocaleString('en')} comments, generated in ${f1(gen.seconds)} s as for the large-site benchmark.`} Load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.`,
    '',
    '| format | file | CLI `--out` | CLI peak RSS | download | download ÷ CLI | server peak RSS before → after |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.format} | ${mb(r.web.bytes).toFixed(0)} MB | ${f1(r.cli.seconds)} s | ${r.cli.peakMb.toFixed(0)} MB | ${f1(r.web.seconds)} s | ${(r.web.seconds / r.cli.seconds).toFixed(2)} | ${r.serverPeakBeforeMb.toFixed(0)} → ${r.serverPeakAfterMb.toFixed(0)} MB |`,
    ),
    '',
  ];
  const md = lines.join('\n');
  process.stdout.write(`${md}\n`);
  if (outDir) {
    writeFileSync(join(outDir, 'admin-export.md'), md);
    writeFileSync(
      join(outDir, 'admin-export.json'),
      JSON.stringify({ size: SIZE, comments: COMMENTS, generation: gen.seconds, rows }, null, 2),
    );
  }
}

main().catch((err) => {
  log(err.stack ?? String(err));
  process.exitCode = 1;
});
