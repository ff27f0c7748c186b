/**
 * nginx `proxy_cache` in front of two `annalist serve` processes on one SQLite data folder, with the configuration
 * docs/deploy.md gives ("Caching pages in nginx"), as written. A page read twice is nginx's HIT and carries no
 * cookie; a comment posted through nginx is on its article for every reader within s-maxage plus the stale bound
 * (nginx counts whole seconds); the other articles stay cached meanwhile, in nginx and in Annalist; staff signed
 * in and a reader back from a write always get Annalist's own answer, and nobody else ever gets theirs.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { get, postComment, send } from '../support/http-client.ts';
import { type CachingNginx, freePort, startCachingNginx } from '../support/nginx-cache.ts';
import { runCommand, serveAnnalist } from '../support/process.ts';

const BIN = fileURLToPath(new URL('../../bin/annalist.js', import.meta.url));
const ARTICLE = '/khalkhin-gol-1939/';
const OTHER = '/tsushima-1905/';
/** s-maxage (ANNALIST_CDN_MAX_AGE) and the stale bound (ANNALIST_STALE_MAX) of both nodes, in seconds. */
const S_MAXAGE = 2;
const STALE_MAX = 1;
/** What nginx's whole seconds and a busy machine (two test files at once) add to S + W before a comment shows. */
const SLACK_S = 3;
const EDITOR = 'Editor Tserendorj';
const PASSWORD = 'correct horse battery staple';

const dir = mkdtempSync(join(tmpdir(), 'annalist-nginx-nodes-'));
const nodes: ChildProcess[] = [];
let nginx: CachingNginx | undefined;
let base = '';
let nodeBases: string[] = [];

/** `annalist serve` on a free port on the data folder; resolves with its address once it listens. */
const serve = (env: Record<string, string>) =>
  serveAnnalist({ ...env, ANNALIST_DATA_DIR: dir }, (child) => nodes.push(child));

before(async () => {
  execFileSync(process.execPath, [BIN, 'demo', '--data-dir', dir], { stdio: 'ignore' });
  const db = new Database(join(dir, 'annalist.db'));
  // A reader may comment at once: no first comment held, no flood or form-time checks.
  db.prepare(
    "insert into settings (key, value) values ('moderation', ?) on conflict(key) do update set value = excluded.value",
  ).run(JSON.stringify({ holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 }));
  db.close();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // As docs/deploy.md says: the public address is nginx's, and the readers' addresses come from nginx.
  const env = {
    ANNALIST_BASE_URL: base,
    ANNALIST_TRUST_PROXY: 'loopback',
    ANNALIST_CDN_MAX_AGE: String(S_MAXAGE),
    ANNALIST_STALE_MAX: String(STALE_MAX),
  };
  nodeBases = [await serve(env), await serve(env)];
  nginx = await startCachingNginx(
    port,
    nodeBases.map((b) => b.replace('http://', '')),
  );
});

after(async () => {
  await nginx?.stop();
  for (const node of nodes) if (node.exitCode === null && node.signalCode === null) node.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const cacheStatus = (h: IncomingHttpHeaders) => String(h['x-cache-status'] ?? '(none)');

/** Reads `path` through nginx until nginx answers from its copy; the answers seen. */
async function readUntilHit(path: string, answeredByNginx: readonly string[] = ['HIT']) {
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await get(`${base}${path}`);
    assert.equal(res.status, 200, `${path} through nginx`);
    seen.push(`${cacheStatus(res.headers)} ${res.headers['cache-control']} ${res.headers['set-cookie'] ?? ''}`);
    if (answeredByNginx.includes(cacheStatus(res.headers))) return { res, seen };
  }
  return { res: undefined, seen };
}

describe('nginx proxy_cache (docs/deploy.md) in front of two app processes', () => {
  test('a page read again is answered by nginx, and carries no cookie', async () => {
    for (const path of ['/', ARTICLE, OTHER]) {
      const { res, seen } = await readUntilHit(path);
      assert.ok(res, `${path}: the second read is a HIT (X-Cache-Status seen: ${seen.join(', ')})`);
      assert.equal(res.headers['set-cookie'], undefined, `${path}: a page nginx keeps sets no cookie`);
      assert.match(String(res.headers['cache-control']), new RegExp(`s-maxage=${S_MAXAGE}\\b`));
    }
  });

  test('a comment posted through nginx reaches every reader within s-maxage and the stale bound', {
    timeout: 60_000,
  }, async () => {
    // The other article, as each node has it now: cached in Annalist, and in nginx.
    for (const node of nodeBases) {
      await get(`${node}${OTHER}`);
      const again = await get(`${node}${OTHER}`);
      assert.equal(again.headers['x-cache'], 'hit', `${node}${OTHER} is in Annalist's cache before the comment`);
    }
    assert.ok((await readUntilHit(OTHER)).res, `${OTHER} is in nginx's cache`);
    const posted = await postComment(
      base,
      ARTICLE,
      { name: 'Batbayar', email: 'batbayar@example.org', body: 'Posted through nginx, read through nginx.' },
      { origin: base },
    );
    assert.ok(posted.id, `the comment was accepted (status ${posted.status} ${posted.location})`);
    const since = Date.now();
    const deadline = since + (S_MAXAGE + STALE_MAX + SLACK_S) * 1000;
    // The page of the discussion that shows it (/<slug>/?cpage=P), as the 303 named it.
    const shown = new URL(posted.location, base);
    const other: string[] = [];
    let shownAfter: number | undefined;
    while (shownAfter === undefined && Date.now() < deadline) {
      const page = await get(`${base}${shown.pathname}${shown.search}`);
      if (page.body.includes(`id="comment-${posted.id}"`)) shownAfter = Date.now() - since;
      other.push(cacheStatus((await get(`${base}${OTHER}`)).headers));
      if (shownAfter === undefined) await sleep(100);
    }
    assert.ok(
      shownAfter !== undefined,
      `comment #${posted.id} is on ${ARTICLE} through nginx within ${S_MAXAGE} + ${STALE_MAX} + ${SLACK_S} s`,
    );
    // nginx answered the other article from its copy all along (the previous one while fetching a new one) ...
    const fromCopy = new Set(['HIT', 'STALE', 'UPDATING', 'REVALIDATED']);
    assert.ok(
      other.every((s) => fromCopy.has(s)),
      `${OTHER} answered from nginx's copy meanwhile: ${other.join(', ')}`,
    );
    // ... and neither node had to render it again for the comment on another article.
    for (const node of nodeBases) {
      const res = await get(`${node}${OTHER}`);
      assert.equal(res.headers['x-cache'], 'hit', `${node}${OTHER} is still in Annalist's cache`);
    }
  });

  test('signed-in staff and a reader back from a write always get Annalist, and nobody else gets their page', {
    timeout: 60_000,
  }, async () => {
    const added = await runCommand(
      process.execPath,
      [BIN, 'user', 'add', '--role', 'editor', 'ed@example.org', '--name', EDITOR],
      {
        env: { ...process.env, ANNALIST_DATA_DIR: dir, ANNALIST_BASE_URL: base, LOG_LEVEL: 'error' },
      },
    );
    const token = /\/admin\/welcome\?token=(\S+)/.exec(added.stdout)?.[1];
    assert.ok(token, `user add printed a link: ${added.stdout}${added.stderr}`);
    const welcome = await send(`${base}/admin/welcome`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({ token, password: PASSWORD, confirm: PASSWORD }).toString(),
    });
    assert.equal(welcome.status, 303, welcome.body);
    const session = (welcome.headers['set-cookie'] ?? []).find((c) => c.startsWith('annalist_session='))?.split(';')[0];
    assert.ok(session, 'signed in through nginx');

    // nginx's copy, fresh or (past s-maxage, while nginx fetches it again in the background) stale.
    const cached = await readUntilHit(ARTICLE, ['HIT', 'STALE', 'UPDATING']);
    assert.ok(cached.res, `${ARTICLE} is in nginx's cache (X-Cache-Status seen: ${cached.seen.join(', ')})`);
    for (let i = 0; i < 2; i++) {
      const staff = await get(`${base}${ARTICLE}`, { headers: { cookie: session } });
      assert.equal(cacheStatus(staff.headers), 'BYPASS', 'staff never get nginx’s copy');
      assert.ok(staff.body.includes(`Commenting as <strong>${EDITOR}</strong>`), 'the page greets the editor');
      assert.doesNotMatch(String(staff.headers['cache-control'] ?? ''), /public|s-maxage/);
    }
    const seen = await get(`${base}${ARTICLE}`, { headers: { cookie: 'annalist_seen=1' } });
    assert.equal(cacheStatus(seen.headers), 'BYPASS', 'a reader back from a write never gets nginx’s copy');
    for (let i = 0; i < 3; i++) {
      const anonymous = await get(`${base}${ARTICLE}`);
      assert.notEqual(cacheStatus(anonymous.headers), 'BYPASS');
      assert.ok(!anonymous.body.includes(EDITOR), 'nginx never kept the editor’s page');
    }
  });
});
