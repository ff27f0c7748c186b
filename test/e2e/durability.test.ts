/**
 * Durability under kill -9, shortened from bench/kill9.mjs (one round): the real server (`annalist serve` in a
 * child process, on a temp data folder) takes comment POSTs from 8 loops through the form, is SIGKILLed in the
 * middle, and is started again on the same folder. Every comment that got its 303 must be in the database (read
 * with better-sqlite3, read-only) exactly once, under the id the 303 named; the database passes quick_check, and
 * the restarted server answers.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const KILL9 = fileURLToPath(new URL('../../bench/kill9.mjs', import.meta.url));

interface Round {
  killed_by: string | null;
  sent: number;
  acked: number;
  held: number;
  failed: number;
  stored: number;
  lost: number;
  duplicates: number;
  wrong_id: number;
  stored_but_unacknowledged: number;
  integrity: string;
  page_after_restart: number;
  examples: { lost: unknown[]; duplicates: unknown[]; wrong_id: unknown[] };
}

describe('durability', () => {
  test('kill -9 in the middle of comment posting loses no acknowledged comment and stores none twice', {
    timeout: 60_000,
  }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [KILL9, '--json'], {
      env: { ...process.env, KILL9_ROUNDS: '1', KILL9_LOOPS: '8', KILL9_LOAD_MS: '1500', KILL9_MIN_ACKS: '40' },
      timeout: 55_000,
      maxBuffer: 10 * 1024 * 1024,
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      // Exit code 1 is a failed check: its JSON still says which; anything else is a failure to run.
      if (err.stdout?.includes('{"ok":')) return { stdout: err.stdout };
      throw new Error(`bench/kill9.mjs failed: ${err.message}\n${err.stderr ?? ''}`);
    });
    const lines = stdout.trim().split('\n');
    const result = JSON.parse(lines.at(-1)!) as { ok: boolean; rounds: Round[] };
    const r = result.rounds[0]!;
    console.log(lines.at(-2));
    assert.equal(r.killed_by, 'SIGKILL', 'the server was killed by the signal, not stopped some other way');
    assert.ok(r.acked + r.held >= 20, `comments were acknowledged before the kill (${r.acked + r.held})`);
    assert.ok(r.failed > 0, 'the kill cut posts in flight');
    assert.equal(r.lost, 0, `acknowledged comments lost: ${JSON.stringify(r.examples.lost)}`);
    assert.equal(r.duplicates, 0, `comments stored twice: ${JSON.stringify(r.examples.duplicates)}`);
    assert.equal(
      r.wrong_id,
      0,
      `comments under another id than their 303 named: ${JSON.stringify(r.examples.wrong_id)}`,
    );
    assert.equal(r.stored, r.acked + r.held + r.stored_but_unacknowledged);
    assert.ok(r.stored_but_unacknowledged <= 8, 'at most one post per loop was in flight');
    assert.equal(r.integrity, 'ok', 'the database passes quick_check after the crash');
    assert.equal(r.page_after_restart, 200, 'the restarted server shows the article');
    assert.equal(result.ok, true);
  });
});
