import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';

/**
 * The `add_header` and `location` lines of the nginx block docs/export.md gives for a static copy, as written
 * there: the test server sends the same headers (and hides the same files), so the tests prove the copy works
 * under the documented policy.
 */
export const DOCUMENTED_NGINX_LINES: string[] = (() => {
  const docs = readFileSync(new URL('../../docs/export.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('## A static copy'));
  const block = /```nginx\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const lines = block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('add_header ') || line.startsWith('location '));
  if (!lines.some((line) => line.startsWith('add_header ')))
    throw new Error('docs/export.md: no add_header line in the static copy nginx block');
  return lines;
})();

/** The same headers by lower-case name, with their values (for assertions). */
export const DOCUMENTED_HEADERS: Record<string, string> = Object.fromEntries(
  DOCUMENTED_NGINX_LINES.filter((line) => line.startsWith('add_header ')).map((line) => {
    const m = /^add_header\s+(\S+)\s+"([^"]*)"\s+always;$/.exec(line);
    if (!m) throw new Error(`docs/export.md: cannot read ${line}`);
    return [m[1]!.toLowerCase(), m[2]!];
  }),
);

export interface StaticServer {
  /** e.g. "http://127.0.0.1:41234" */
  origin: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * A private nginx serving `root` as plain files (a static copy: docs/export.md) with the security headers that
 * page documents: its own config, pid and temporary folders in a temporary folder, on a free loopback port, in
 * the foreground (stopped by its pid).
 */
export async function startStaticNginx(root: string): Promise<StaticServer> {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-nginx-'));
  // nginx's workers (nobody, or root when the tests run as root) must be able to enter the folders.
  chmodSync(root, 0o755);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const temp = (name: string) => {
      mkdirSync(join(dir, name), { recursive: true });
      return join(dir, name);
    };
    const conf = `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  server {
    listen 127.0.0.1:${port};
    root ${root};
    # The plainest setup the copy must work with: a link never relies on more than index.html.
    try_files $uri $uri/index.html =404;
    ${DOCUMENTED_NGINX_LINES.join('\n    ')}
  }
}
`;
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const child = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], {
      stdio: 'ignore',
    });
    const origin = `http://127.0.0.1:${port}`;
    if (await answers(origin, child)) {
      return {
        origin,
        async stop() {
          if (child.exitCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await exited;
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('nginx did not start on a free port in five tries');
}

/** Polls until nginx answers (true) or exits or 10 s pass (false). */
async function answers(origin: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ok = await fetch(`${origin}/`, { redirect: 'manual' }).then(
      () => true,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export interface Crawl {
  /** Every page reached (HTML), by URL. */
  pages: Map<string, string>;
  /** Every same-site URL linked from a page (link, image, stylesheet, script, form), with its status. */
  statuses: Map<string, number>;
  /** For each URL, one page that links to it (to name in a failure). */
  linkedFrom: Map<string, string>;
  /** Every form tag of every page, with the page. */
  forms: { page: string; tag: string }[];
}

const ATTRIBUTE = /\s(href|src|srcset|action)="([^"]*)"/g;

/** Follows every same-site link, image, stylesheet, script and form action from `starts`, as a crawler would. */
export async function crawl(origin: string, starts = ['/']): Promise<Crawl> {
  const result: Crawl = { pages: new Map(), statuses: new Map(), linkedFrom: new Map(), forms: [] };
  const queue = starts.map((s) => new URL(s, origin).href);
  for (const url of queue) result.linkedFrom.set(url, '(start)');
  while (queue.length) {
    const url = queue.shift()!;
    const res = await fetch(url, { redirect: 'manual' });
    result.statuses.set(url, res.status);
    const body = await res.text();
    if (res.status !== 200 || !/^text\/html/.test(res.headers.get('content-type') ?? '')) continue;
    result.pages.set(url, body);
    for (const m of body.matchAll(/<form\b[^>]*>/g)) result.forms.push({ page: url, tag: m[0] });
    for (const [, attr, value] of body.matchAll(ATTRIBUTE)) {
      const decoded = value!.replace(/&amp;/g, '&');
      const candidates = attr === 'srcset' ? decoded.split(',').map((c) => c.trim().split(/\s+/)[0]!) : [decoded];
      for (const candidate of candidates) {
        if (!candidate || candidate.startsWith('#')) continue;
        const target = new URL(candidate, url);
        if (target.origin !== origin) continue;
        target.hash = '';
        if (!result.linkedFrom.has(target.href)) {
          result.linkedFrom.set(target.href, url);
          queue.push(target.href);
        }
      }
    }
  }
  return result;
}
