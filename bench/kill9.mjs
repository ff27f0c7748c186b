#!/usr/bin/env node
// Durability under kill -9 (see bench/README.md): comment POSTs from KILL9_LOOPS concurrent loops through the real
// form, the server is SIGKILLed in the middle of the load, started again on the same data folder, and every comment
// that was acknowledged (303 to #comment-N) must be in the database — none lost, none stored twice.
//   node bench/kill9.mjs                 # 3 rounds on one data folder, a summary per round
//   node bench/kill9.mjs --json          # ... and the result as one JSON line at the end (test/e2e/durability.test.ts)
// Environment: KILL9_ROUNDS (3), KILL9_LOOPS (8), KILL9_LOAD_MS (3000: kill after this long, +-25 %),
// KILL9_MIN_ACKS (0: and not before this many comments were acknowledged), ARTICLE_PATH.
// Everything listens on 127.0.0.1; the servers started here are stopped, and the temp folder removed, at the end.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.KILL9_ROUNDS ?? '3');
const LOOPS = Number(process.env.KILL9_LOOPS ?? '8');
const LOAD_MS = Number(process.env.KILL9_LOAD_MS ?? '3000');
// The kill waits, on top of the time, for this many acknowledged comments (a slow machine still gets a load).
const MIN_ACKS = Number(process.env.KILL9_MIN_ACKS ?? '0');
const ARTICLE_PATH = process.env.ARTICLE_PATH ?? '/khalkhin-gol-1939/';
const JSON_OUT = process.argv.includes('--json');
// The form allows 20 posts a minute per address: each loop moves to a new loopback address after this many.
const POSTS_PER_ADDRESS = 20;

const log = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] kill9: ${msg}\n`);

const children = new Set();
let dataDir;
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

function serve(dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/annalist.js'), 'serve'], {
      env: { ...process.env, ANNALIST_DATA_DIR: dir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    let err = '';
    const started = Date.now();
    const timer = setTimeout(() => reject(new Error(`Annalist did not start within 60 s: ${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Annalist is serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], startMs: Date.now() - started, stderr: () => err });
      }
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Annalist exited (${code ?? signal}) during start: ${err}`));
    });
  });
}

function request(agent, url, { method = 'GET', headers = {}, body, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent, localAddress }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const formCookieOf = (res) =>
  [res.headers['set-cookie'] ?? []]
    .flat()
    .find((c) => c.startsWith('annalist_form='))
    ?.split(';')[0];

let addressSeq = 0;
const nextAddress = () => {
  const k = addressSeq++;
  return `127.${96 + Math.floor(k / 254 / 256)}.${Math.floor(k / 254) % 256}.${(k % 254) + 1}`;
};

/**
 * Posts from LOOPS loops until the server stops answering. Returns the acknowledged comments (id and the unique
 * marker in their text) and how many posts were sent and refused.
 */
async function postUntilDead(base, round, onAck = () => {}) {
  const url = new URL(`${ARTICLE_PATH}comments`, base);
  const origin = new URL(base).origin;
  const acked = [];
  const counts = { sent: 0, acked: 0, held: 0, refused: 0, failed: 0 };
  async function loop(n) {
    let agent;
    let address;
    let cookie;
    let used = POSTS_PER_ADDRESS;
    for (let i = 0; ; i++) {
      if (used >= POSTS_PER_ADDRESS) {
        agent?.destroy();
        agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        address = nextAddress();
        used = 0;
      }
      const marker = `kill9-r${round}-l${n}-${i}`;
      try {
        // A form token as the comment island asks for one (POST /form-token); each answer then brings the next.
        if (!cookie)
          cookie = formCookieOf(
            await request(agent, new URL('/form-token', base), {
              method: 'POST',
              headers: { origin },
              localAddress: address,
            }),
          );
        const body = new URLSearchParams({
          name: `Durability Reader ${n}`,
          email: `kill9-${n}@example.org`,
          body: `${marker}: a comment that must survive the crash.`,
        }).toString();
        counts.sent++;
        const res = await request(agent, url, {
          method: 'POST',
          localAddress: address,
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
          body,
        });
        used++;
        cookie = formCookieOf(res) ?? cookie;
        const location = String(res.headers.location ?? '');
        if (res.status === 303 && location.includes('#comment-')) {
          counts.acked++;
          acked.push({ id: Number(location.split('#comment-')[1]), marker });
          onAck(counts.acked);
        } else if (res.status === 303) {
          counts.held++;
          acked.push({ id: null, marker }); // acknowledged as held: must be stored too
        } else counts.refused++;
      } catch {
        // The server is gone (or the connection was cut by the kill): this post is not acknowledged.
        counts.failed++;
        break;
      }
    }
    agent?.destroy();
  }
  await Promise.all(Array.from({ length: LOOPS }, (_, n) => loop(n)));
  return { acked, counts };
}

/** Checks the folder's database, read-only: every acknowledged comment once, with its id; no marker twice. */
function verify(dir, acked, round) {
  const db = new Database(join(dir, 'annalist.db'), { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('quick_check', { simple: true });
    const rows = db
      .prepare("select id, body_md from comments where body_md like ? escape '\\'")
      .all(`kill9-r${round}-%`);
    const byMarker = new Map();
    for (const r of rows) {
      const marker = r.body_md.split(':')[0];
      byMarker.set(marker, [...(byMarker.get(marker) ?? []), r.id]);
    }
    const lost = acked.filter((a) => !byMarker.has(a.marker));
    const wrongId = acked.filter(
      (a) => a.id !== null && byMarker.has(a.marker) && !byMarker.get(a.marker).includes(a.id),
    );
    const duplicates = [...byMarker].filter(([, ids]) => ids.length > 1);
    const ackedMarkers = new Set(acked.map((a) => a.marker));
    const unacknowledged = [...byMarker.keys()].filter((m) => !ackedMarkers.has(m)).length;
    return { integrity, stored: rows.length, lost, wrongId, duplicates, unacknowledged };
  } finally {
    db.close();
  }
}

async function stop(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
}

async function main() {
  dataDir = mkdtempSync(join(tmpdir(), 'annalist-kill9-'));
  execFileSync(process.execPath, [join(ROOT, 'bin/annalist.js'), 'demo', '--data-dir', dataDir], { stdio: 'ignore' });
  const db = new Database(join(dataDir, 'annalist.db'));
  // As saveModerationSettings stores them: approve at once, no flood or too-fast checks.
  db.prepare(
    "insert into settings (key, value) values ('moderation', ?) on conflict(key) do update set value = excluded.value",
  ).run(JSON.stringify({ holdFirstComment: false, floodSeconds: 0, minFormSeconds: 0 }));
  db.close();

  const results = [];
  let server = await serve(dataDir);
  for (let round = 1; round <= ROUNDS; round++) {
    const killAfter = Math.round(LOAD_MS * (0.75 + Math.random() * 0.5));
    log(`round ${round}/${ROUNDS}: ${LOOPS} loops posting to ${server.url}, kill -9 after ${killAfter} ms`);
    const victim = server;
    let timeUp = false;
    let ackCount = 0;
    const kill = () => victim.child.kill('SIGKILL');
    const killer = setTimeout(() => {
      timeUp = true;
      if (ackCount >= MIN_ACKS) kill();
    }, killAfter);
    const { acked, counts } = await postUntilDead(server.url, round, (n) => {
      ackCount = n;
      if (timeUp && n >= MIN_ACKS) kill();
    });
    clearTimeout(killer);
    await new Promise((resolve) =>
      victim.child.exitCode !== null || victim.child.signalCode !== null
        ? resolve()
        : victim.child.once('exit', resolve),
    );
    const killedBy = victim.child.signalCode;
    // Start again on the same folder: recovery of the WAL, migrations, then it must answer.
    server = await serve(dataDir);
    const page = await request(undefined, new URL(ARTICLE_PATH, server.url));
    const check = verify(dataDir, acked, round);
    const r = {
      round,
      kill_after_ms: killAfter,
      killed_by: killedBy,
      ...counts,
      stored: check.stored,
      lost: check.lost.length,
      wrong_id: check.wrongId.length,
      duplicates: check.duplicates.length,
      stored_but_unacknowledged: check.unacknowledged,
      integrity: check.integrity,
      restart_ms: server.startMs,
      page_after_restart: page.status,
      examples: {
        lost: check.lost.slice(0, 5),
        duplicates: check.duplicates.slice(0, 5),
        wrong_id: check.wrongId.slice(0, 5),
      },
    };
    results.push(r);
    log(
      `round ${round}: sent ${r.sent}, acknowledged ${r.acked + r.held} (held ${r.held}), refused ${r.refused}, cut by the kill ${r.failed}; ` +
        `stored ${r.stored} (${r.stored_but_unacknowledged} of them never acknowledged); lost ${r.lost}, duplicates ${r.duplicates}, ` +
        `wrong id ${r.wrong_id}; quick_check ${r.integrity}; restarted in ${r.restart_ms} ms, article answers ${r.page_after_restart}`,
    );
  }
  await stop(server);
  const total = (k) => results.reduce((a, r) => a + r[k], 0);
  const ok =
    total('lost') === 0 &&
    total('duplicates') === 0 &&
    total('wrong_id') === 0 &&
    results.every((r) => r.integrity === 'ok' && r.page_after_restart === 200 && r.killed_by === 'SIGKILL');
  const acknowledged = total('acked') + total('held');
  console.log(
    `kill -9 durability: ${ROUNDS} round(s), ${LOOPS} loops: ${acknowledged} comments acknowledged, ${total('stored')} stored, ` +
      `${total('lost')} lost, ${total('duplicates')} stored twice, ${total('wrong_id')} under another id, ` +
      `${total('stored_but_unacknowledged')} stored without an answer (in flight at the kill): ${ok ? 'OK' : 'FAILED'}`,
  );
  if (JSON_OUT) console.log(JSON.stringify({ ok, rounds: results }));
  return ok;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    log(`failed: ${err?.stack ?? err}`);
    process.exit(2);
  },
);
