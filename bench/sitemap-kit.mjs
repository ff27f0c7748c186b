// What bench/sitemap.mjs needs to start and measure things: Annalist servers from a source tree, a private nginx
// with docs/deploy.md's proxy_cache configuration, wrk with the sitemap-walk script, and the CPUs going idle.
// Everything listens on 127.0.0.1; everything started here is stopped again (also on error or Ctrl-C), and
// every temporary folder removed.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_DIR = join(ROOT, 'bench');
export const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] sitemap: ${msg}\n`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- cleanup: only what this script started
const children = new Set();
const temps = new Set();
function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of temps) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    log(`${sig}: stopping`);
    process.exit(130);
  });

/** A temporary folder removed at exit (under `parent`, default the system's temp folder). */
export function tempDir(name, parent = tmpdir()) {
  const d = mkdtempSync(join(parent, `annalist-bench-${name}-`));
  temps.add(d);
  return d;
}

/** Starts a child that is killed at exit if it still runs. */
export function startChild(command, args, opts) {
  const child = spawn(command, args, opts);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops a child: SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- Annalist
/** Moderation relaxed for load, the row saveModerationSettings writes: nothing held, no flood or too-fast checks. */
const RELAXED_MODERATION = JSON.stringify({
  holdFirstComment: false,
  floodSeconds: 0,
  minFormSeconds: 0,
  maxLinks: 1000,
});

/** A data folder with the demo site made by the Annalist of `root` (another tree for the baseline). */
export function demoFolder(root, name, { relaxed = false } = {}) {
  const dir = tempDir(name);
  execFileSync(process.execPath, [join(root, 'bin/annalist.js'), 'demo', '--data-dir', dir], { stdio: 'ignore' });
  if (relaxed) {
    const db = new Database(join(dir, 'annalist.db'));
    db.prepare(
      "insert into settings (key, value) values ('moderation', ?) on conflict(key) do update set value = excluded.value",
    ).run(RELAXED_MODERATION);
    db.close();
  }
  return dir;
}

/** `annalist serve` of the tree `root` on the folder, on a free port; resolves once it prints its address. */
export function serve(root, dir, env = {}) {
  return new Promise((resolve, reject) => {
    // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/var/tmp/prof": profile the servers (Node refuses
    // --cpu-prof in NODE_OPTIONS).
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = startChild(process.execPath, [...nodeArgs, join(root, 'bin/annalist.js'), 'serve'], {
      env: { ...process.env, ANNALIST_DATA_DIR: dir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const server = { child, url: '', errorLines: () => err.split('\n').filter((l) => l.trim()) };
    const timer = setTimeout(() => reject(new Error(`Annalist did not start within 60 s: ${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Annalist is serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && !server.url) {
        clearTimeout(timer);
        server.url = m[1];
        resolve(server);
      }
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Annalist exited (${code}) during start: ${err}`));
    });
  });
}

/** The paths of every page /sitemap.xml lists, in its order. */
export async function sitemapPaths(base) {
  const res = await fetch(`${base}/sitemap.xml`);
  if (!res.ok) throw new Error(`${base}/sitemap.xml answered ${res.status}`);
  const xml = await res.text();
  return [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => {
    const u = new URL(m[1].replace(/&amp;/g, '&'));
    return `${u.pathname}${u.search}`;
  });
}

/** The paths that answer 200 on every base, and the others with what they answered. */
export async function pathsAnswering(paths, bases) {
  const good = [];
  const bad = [];
  for (const path of paths) {
    const statuses = [];
    for (const base of bases) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    if (statuses.every((s) => s === 200)) good.push(path);
    else bad.push(`${path} (${statuses.join('/')})`);
  }
  return { good, bad };
}

/** The page cache's counters from /metrics (Prometheus text), or undefined where the server has none. */
export async function cacheCounters(base) {
  const res = await fetch(`${base}/metrics`, { redirect: 'manual' }).catch(() => undefined);
  if (!res?.ok) {
    await res?.body?.cancel();
    return undefined;
  }
  const text = await res.text();
  const sum = (name) =>
    [...text.matchAll(new RegExp(`^annalist_page_cache_${name}_total(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'gm'))].reduce(
      (a, m) => a + Number(m[1]),
      0,
    );
  return { hits: sum('hits'), misses: sum('misses'), stale: sum('stale') };
}

// ---------------------------------------------------------------- nginx with docs/deploy.md's proxy_cache
/** The two nginx blocks of docs/deploy.md's "Caching pages in nginx": the http-level lines and `location /`. */
export function documentedCacheConfig() {
  const docs = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
  const start = docs.indexOf('## Caching pages in nginx');
  const section = docs.slice(start, docs.indexOf('\n## ', start + 1));
  const [http, location] = [...section.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (start < 0 || !http?.includes('proxy_cache_path') || !location?.trim().startsWith('location / {'))
    throw new Error('docs/deploy.md: "Caching pages in nginx" must hold the http block, then the location / block');
  return { http, location };
}

/** A private nginx on a free port with the documented proxy_cache in front of `upstream` (host:port). */
export async function startCachingNginx(upstream) {
  const dir = tempDir('nginx-cache');
  const temp = (name) => {
    mkdirSync(join(dir, name), { recursive: true });
    return join(dir, name);
  };
  const { http, location } = documentedCacheConfig();
  for (let attempt = 1; attempt <= 5; attempt++) {
    const port = await freePort();
    const conf = `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes auto;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_timeout 65;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
${http.replace(/proxy_cache_path\s+\S+/, `proxy_cache_path ${temp(`cache${attempt}`)}`)}
  upstream annalist { server ${upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    gzip off;
${location}
  }
}
`;
    const confPath = join(dir, 'nginx.conf');
    writeFileSync(confPath, conf);
    const args = ['-p', dir, '-e', join(dir, 'error.log'), '-c', confPath];
    execFileSync('nginx', ['-t', '-q', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    const child = startChild('nginx', args, { stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      const up = await fetch(`${url}/healthz`).then(
        async (r) => {
          await r.body?.cancel();
          return true;
        },
        () => false,
      );
      if (up) return { child, url, conf };
      await sleep(100);
    }
    await stopChild(child);
    log(`nginx did not come up on port ${port} (attempt ${attempt})`);
  }
  throw new Error('could not start nginx');
}

// ---------------------------------------------------------------- wrk
/** Runs wrk with the sitemap walk against `base`, writes its output to `file`, returns the parsed figures. */
export function wrkWalk(base, pathsFile, { threads, conns, duration, file }) {
  const args = [`-t${threads}`, `-c${conns}`, `-d${duration}`, '--timeout', '10s', '--latency'];
  args.push('-s', join(BENCH_DIR, 'sitemap-walk.lua'), base, '--', pathsFile);
  return new Promise((resolve, reject) => {
    const child = startChild('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (file) writeFileSync(file, out);
      if (code !== 0) reject(new Error(`wrk exited ${code}: ${out.slice(0, 500)}`));
      else resolve(parseWrk(out));
    });
  });
}

const toMs = (v) => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec((v || '').trim());
  return m ? Number.parseFloat(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]] : Number.NaN;
};

/** Requests/sec, latency p50/p99 (ms), requests, non-2xx/3xx answers and socket errors of a wrk output. */
export function parseWrk(text) {
  const r = { rps: Number.NaN, p50: Number.NaN, p99: Number.NaN, requests: 0, non2xx: 0, sockErr: '' };
  r.rps = Number.parseFloat(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 'NaN');
  const dist = text.slice(text.indexOf('Latency Distribution'));
  for (const p of ['50', '99']) r[`p${p}`] = toMs(new RegExp(`^\\s+${p}(?:\\.0+)?%\\s+(\\S+)`, 'm').exec(dist)?.[1]);
  r.requests = Number.parseInt(/(\d+) requests in/.exec(text)?.[1] ?? '0', 10);
  r.non2xx = Number.parseInt(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? '0', 10);
  r.sockErr = /Socket errors: (.*)/.exec(text)?.[1]?.trim() ?? '';
  return r;
}

/** Waits until the CPUs are < 25 % busy twice in a row (half-second samples), 60 s at most; false if they never were. */
export async function waitIdle() {
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 8).map(Number);
    const busy = f[0] + f[1] + f[2] + f[4] + f[5] + f[6];
    return { busy, total: busy + f[3] };
  };
  let ok = 0;
  for (let i = 0; i < 120 && ok < 2; i++) {
    const a = sample();
    await sleep(500);
    const b = sample();
    ok = (b.busy - a.busy) * 100 < 25 * (b.total - a.total) ? ok + 1 : 0;
  }
  return ok >= 2;
}
