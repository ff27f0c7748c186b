/**
 * A backup of a site that keeps taking comments: the real server (`annalist serve` in a child process, on the
 * test database) takes comment POSTs from several loops through the form while `annalist backup` runs in
 * another process. Every comment acknowledged before the backup began must be in the archive, and in the site
 * restored from it; comments keep being acknowledged while the backup runs.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSite } from '../../src/main.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import { saveModerationSettings } from '../../src/modules/moderation/moderation-settings.ts';
import { archiveEntries, memberLines } from '../../src/storage/backup/read-backup.ts';
import { postComment } from '../support/http-client.ts';
import { finished } from '../support/process.ts';
import { newTestDatabase, TEST_DATABASE, type TestDatabase } from '../support/site.ts';

const BIN = fileURLToPath(new URL('../../bin/annalist.js', import.meta.url));
const ARTICLE = '/khalkhin-gol-1939/';
const LOOPS = 6;
// The form takes 20 posts a minute from one address: each loop moves to a new loopback address before that.
const POSTS_PER_ADDRESS = 15;

const root = mkdtempSync(join(tmpdir(), 'annalist-backup-load-'));
const children = new Set<ChildProcess>();
let database: TestDatabase | undefined;

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await database?.drop().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

function start(args: string[], env: Record<string, string>): ChildProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error', ...env };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return child;
}

function serve(dir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = start(['serve'], { ANNALIST_DATA_DIR: dir, HOST: '127.0.0.1', PORT: '0', ...env });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`annalist serve did not start: ${err}`)), 60_000);
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /Annalist is serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.stderr?.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => reject(new Error(`annalist serve exited (${code}) during start: ${err}`)));
  });
}

/** Comment bodies (their unique markers) acknowledged with a 303, each with the time it was acknowledged. */
interface Ack {
  marker: string;
  at: number;
}

async function postLoop(base: string, n: number, acks: Ack[], stop: () => boolean): Promise<void> {
  for (let i = 0; !stop(); i++) {
    const address = `127.${100 + n}.${Math.floor(i / POSTS_PER_ADDRESS / 250) % 250}.${(Math.floor(i / POSTS_PER_ADDRESS) % 250) + 1}`;
    const marker = `backup-load-${n}-${i}`;
    const res = await postComment(
      base,
      ARTICLE,
      { name: `Reader ${n}`, email: `reader-${n}-${i}@example.org`, body: `${marker}: posted while a backup may run.` },
      { localAddress: address },
    );
    if (res.status === 303) acks.push({ marker, at: Date.now() });
  }
}

describe(`backup under comment load (${TEST_DATABASE})`, () => {
  test('a backup taken while comments are posted holds every comment acknowledged before it began', {
    timeout: 180_000,
  }, async () => {
    database = await newTestDatabase();
    const dir = join(root, 'site');
    // The demo site, with moderation that approves at once (no flood or too-fast holds), as bench/kill9.mjs has it.
    const site = await openSite(dir, { databaseUrl: database.databaseUrl });
    try {
      await seedDemoSite(site.content, { mediaDir: site.mediaDir });
      await saveModerationSettings(site.content, { holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 });
    } finally {
      await site.storage.close();
    }
    const server = await serve(dir, database.env);

    const acks: Ack[] = [];
    let stopping = false;
    const loops = Array.from({ length: LOOPS }, (_, n) => postLoop(server.url, n, acks, () => stopping));
    while (acks.length < 30) await new Promise((r) => setTimeout(r, 50));

    const began = Date.now();
    const before = new Set(acks.map((a) => a.marker));
    const out = join(root, 'under-load.tar.gz');
    const backup = await finished(start(['backup', '--data-dir', dir, '--out', out], database.env));
    const ended = Date.now();
    const during = acks.filter((a) => a.at > began && a.at < ended).length;
    stopping = true;
    await Promise.all(loops);
    server.child.kill('SIGTERM');

    assert.equal(backup.status, 0, backup.stderr);
    assert.ok(during > 0, `comments were still acknowledged while the backup ran (${ended - began} ms)`);

    const inArchive = new Set<string>();
    for await (const entry of archiveEntries(out)) {
      if (entry.name !== 'tables/comments.jsonl') continue;
      for await (const line of memberLines(entry)) inArchive.add(String(JSON.parse(line).body_md).split(':')[0]!);
    }
    const missing = [...before].filter((m) => !inArchive.has(m));
    assert.deepEqual(missing, [], `every comment acknowledged before the backup began is in it (${before.size})`);

    // Restored (into SQLite, whatever the site ran on), the site has them all.
    const restored = join(root, 'restored');
    const restore = await finished(start(['restore', out, '--data-dir', restored], {}));
    assert.equal(restore.status, 0, restore.stderr);
    const db = new Database(join(restored, 'annalist.db'), { readonly: true });
    try {
      const bodies = db.prepare("select body_md from comments where body_md like 'backup-load-%'").pluck().all();
      const stored = new Set(bodies.map((b) => String(b).split(':')[0]));
      assert.deepEqual(
        [...before].filter((m) => !stored.has(m)),
        [],
        'the restored site has every comment acknowledged before the backup began',
      );
      assert.equal(stored.size, bodies.length, 'no comment twice');
    } finally {
      db.close();
    }
  });
});
