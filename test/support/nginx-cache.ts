import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './process.ts';

export const NGINX = '/usr/sbin/nginx';

/**
 * The two nginx blocks docs/deploy.md gives under "Caching pages in nginx": the http-level lines (cache zone,
 * the method map) and the `location /` that caches. The test runs them as written; only the cache folder is
 * moved into a temporary folder.
 */
export function documentedCacheConfig(): { http: string; location: string } {
  const docs = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
  const start = docs.indexOf('## Caching pages in nginx');
  const section = docs.slice(start, docs.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const [http, location] = blocks;
  if (start < 0 || !http?.includes('proxy_cache_path') || !location?.trim().startsWith('location / {'))
    throw new Error('docs/deploy.md: "Caching pages in nginx" must hold the http block, then the location / block');
  return { http, location };
}

/** A free TCP port on loopback (for nginx, whose address the app processes must know before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface CachingNginx {
  origin: string;
  stop(): Promise<void>;
}

/**
 * A private nginx on 127.0.0.1:`port` with docs/deploy.md's proxy_cache configuration in front of `upstreams`
 * (host:port, round robin): its own config, pid, temp and cache folders in a temporary folder, in the
 * foreground, stopped by its pid. `nginx -t` checks the configuration first; its complaint is the error.
 */
export async function startCachingNginx(port: number, upstreams: string[]): Promise<CachingNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-nginx-cache-'));
  const temp = (name: string) => {
    mkdirSync(join(dir, name), { recursive: true });
    return join(dir, name);
  };
  const { http, location } = documentedCacheConfig();
  const conf = `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
${http.replace(/proxy_cache_path\s+\S+/, `proxy_cache_path ${temp('cache')}`)}
  upstream annalist {
    ${upstreams.map((u) => `server ${u};`).join('\n    ')}
    keepalive 8;
  }
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
  const check = await runCommand(NGINX, ['-t', '-q', ...args]);
  if (check.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx -t refused the documented configuration:\n${check.stderr}\n${conf}`);
  }
  const child = spawn(NGINX, args, { stdio: 'ignore' });
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (!(await listening(origin, child))) {
    let log = '';
    try {
      log = readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {}
    await stop();
    throw new Error(`nginx did not start on port ${port}: ${log}`);
  }
  return { origin, stop };
}

/** Polls until nginx answers anything (true), or exits, or 10 s pass (false). */
async function listening(origin: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ok = await fetch(`${origin}/healthz`).then(
      async (res) => {
        await res.body?.cancel();
        return true;
      },
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
