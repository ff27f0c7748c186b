/**
 * `annalist serve` with ANNALIST_WORKERS=2 (Node's cluster on one SQLite file): readers' comments are posted
 * through both processes over fresh connections, one worker is SIGKILLed in the middle, and the primary starts
 * another. Every comment that got its 303 must be stored exactly once under the id it named, the site keeps
 * answering through the kill, and a comment posted through one process shows on the next page view from any.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { get, postComment } from '../support/http-client.ts';

const BIN = fileURLToPath(new URL('../../bin/annalist.js', import.meta.url));
const ARTICLE = '/khalkhin-gol-1939/';
const dir = mkdtempSync(join(tmpdir(), 'annalist-cluster-'));
let primary: ChildProcess | undefined;

after(() => {
  if (primary && primary.exitCode === null) primary.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The primary's worker processes (other children, such as esbuild's service, are not workers). */
function workerPids(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when the process has no children
  }
  return out
    .split('\n')
    .filter((line) => line.includes('annalist.js'))
    .map((line) => Number(line.trim().split(' ')[0]));
}

describe('several app processes on one SQLite database', () => {
  test('comments acknowledged by either worker are all stored once, through a worker killed mid-load', {
    timeout: 90_000,
  }, async () => {
    execFileSync(process.execPath, [BIN, 'demo', '--data-dir', dir], { stdio: 'ignore' });
    const setup = new Database(join(dir, 'annalist.db'));
    setup
      .prepare(
        "insert into settings (key, value) values ('moderation', ?) on conflict(key) do update set value = excluded.value",
      )
      .run(JSON.stringify({ holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 }));
    setup.close();

    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        ...process.env,
        ANNALIST_DATA_DIR: dir,
        ANNALIST_WORKERS: '2',
        // Every acknowledged comment must show on the very next view, by any reader: no stale bound (decision 036).
        ANNALIST_STALE_MAX: '0',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary = child;
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 60_000);
      child.stdout?.on('data', (d) => {
        out += d;
        const m = /at (http:\/\/127\.0\.0\.1:\d+) with 2 processes/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const before = workerPids(child.pid!);
    assert.equal(before.length, 2, 'two worker processes');

    const acked: { id: number; marker: string }[] = [];
    let ackedAfterKill = 0;
    let killed = false;
    let failed = 0;
    // Paced by what the site acknowledges, not by the clock alone, so a busy machine (CI runs two test files at
    // once) slows the story down instead of failing it: the kill comes once 10 comments are in, the load ends
    // once 10 more came after the kill (and at least 4 s in).
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    let stop = false;
    const pace = (async () => {
      while (!(acked.length >= 10 && elapsed() >= 1500) && elapsed() < 30_000) await sleep(50);
      process.kill(before[0]!, 'SIGKILL');
      killed = true;
      while (!(ackedAfterKill >= 10 && elapsed() >= 4000) && elapsed() < 45_000) await sleep(50);
      stop = true;
    })();
    await Promise.all(
      Array.from({ length: 6 }, async (_, n) => {
        for (let i = 0; !stop; i++) {
          // A fresh loopback address every few posts stays under the per-address limit of either process.
          const address = `127.77.${n}.${Math.floor(i / 5) + 1}`;
          const marker = `cluster-${n}-${i}`;
          try {
            const res = await postComment(
              base,
              ARTICLE,
              { name: `Reader ${n}`, email: `cluster-${n}@example.org`, body: `${marker} survives.` },
              { localAddress: address },
            );
            if (res.id) {
              acked.push({ id: res.id, marker });
              if (killed) ackedAfterKill++;
            }
          } catch {
            failed++; // a connection the kill cut: not acknowledged
          }
        }
      }),
    );
    await pace;
    assert.ok(acked.length >= 20, `comments were acknowledged (${acked.length})`);
    assert.ok(ackedAfterKill > 0, 'the site kept taking comments after a worker was killed');

    const db = new Database(join(dir, 'annalist.db'), { readonly: true });
    const rows = db.prepare("select id, body_md from comments where body_md like 'cluster-%'").all() as {
      id: number;
      body_md: string;
    }[];
    db.close();
    const byMarker = new Map<string, number[]>();
    for (const r of rows) {
      const marker = r.body_md.split(' ')[0]!;
      byMarker.set(marker, [...(byMarker.get(marker) ?? []), r.id]);
    }
    for (const a of acked) assert.deepEqual(byMarker.get(a.marker), [a.id], `${a.marker} stored once as #${a.id}`);
    assert.ok(
      rows.length - acked.length <= 6,
      `at most one unacknowledged post per loop (${rows.length - acked.length}, ${failed} failed)`,
    );

    const after = workerPids(child.pid!);
    assert.equal(after.length, 2, 'the primary replaced the killed worker');
    assert.ok(!after.includes(before[0]!), 'the killed worker is gone');

    // The newest comment shows on every page view, whichever process answers it.
    const newest = acked.at(-1)!;
    // How many comments the load posted depends on the machine's speed: look through the discussion's pages.
    const onSomePage = async () => {
      for (let n = 1; n <= 40; n++) {
        const page = await get(`${base}${ARTICLE}${n > 1 ? `?cpage=${n}` : ''}`);
        if (page.status !== 200) return false;
        if (page.body.includes(`id="comment-${newest.id}"`)) return true;
      }
      return false;
    };
    for (let i = 0; i < 4; i++)
      assert.ok(await onSomePage(), `comment #${newest.id} is on the article's pages (view ${i + 1})`);

    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', (c, s) => resolve(c ?? s)));
    assert.equal(code, 0, 'SIGTERM stops the primary and its workers cleanly');
    assert.deepEqual(workerPids(child.pid!), [], 'no worker outlives the primary');
  });
});
