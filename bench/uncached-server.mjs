// What the one-request-at-a-time benchmarks (large-site.mjs, history.mjs) share: an `annalist serve` on a data
// folder with the page cache off, and a GET timed on one keep-alive connection.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Starts the server; `onChild` gets its process at once (for clean-up on exit), the promise its address. */
export function startUncachedServer(dataDir, onChild) {
  const server = spawn(process.execPath, [join(ROOT, 'bin/annalist.js'), 'serve'], {
    env: {
      ...process.env,
      ANNALIST_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      ANNALIST_PAGE_CACHE: 'off',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onChild(server);
  return serverAddress(server);
}

/** The address an `annalist serve` child prints once it listens (rejects if it exits first or takes over 120 s). */
export function serverAddress(server) {
  return new Promise((resolve, reject) => {
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

/** One GET, read to its end: its status and milliseconds. */
export function timedGet(url) {
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
