import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';

const CLI = new URL('../../bin/annalist.js', import.meta.url).pathname;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'annalist-db-'));
  dirs.push(d);
  return d;
}

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function annalist(args: string[], dir: string) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ANNALIST_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** The server must refuse with one clear line naming the file, and leave the folder exactly as it was. */
function assertRefused(dir: string, pattern: RegExp) {
  const file = join(dir, 'annalist.db');
  const before = digest(file);
  const listing = readdirSync(dir).sort();
  for (const command of ['serve', 'check']) {
    const res = annalist([command], dir);
    assert.equal(res.status, 1, `${command} exits with 1`);
    const lines = res.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${res.stderr}`);
    assert.match(lines[0]!, /^annalist: /);
    assert.ok(lines[0]!.includes(file), `names the file: ${lines[0]}`);
    assert.match(lines[0]!, pattern);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(digest(file), before, 'the file is unchanged');
  assert.deepEqual(readdirSync(dir).sort(), listing, 'no file was added');
}

describe('a database file that is not ours', () => {
  test('a file that is not SQLite at all is refused, untouched', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'annalist.db'), 'these are my holiday notes, not a database\n'.repeat(200));
    assertRefused(dir, /is not an SQLite database/);
  });

  test('an SQLite database of another program is refused, untouched', () => {
    const dir = dataDir();
    const db = new SQLite(join(dir, 'annalist.db'));
    db.exec('create table invoices (id integer primary key, total real); insert into invoices (total) values (12.5);');
    db.close();
    assertRefused(dir, /not an Annalist one/);
  });

  test('a damaged Annalist database is refused, untouched', () => {
    const dir = dataDir();
    const created = annalist(['demo'], dir);
    assert.equal(created.status, 0, created.stderr);
    const file = join(dir, 'annalist.db');
    // Checkpoint the WAL so the file holds everything, then scribble over the middle of it.
    const db = new SQLite(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    db.close();
    const bytes = readFileSync(file);
    for (let i = 4096; i < bytes.length - 4096; i += 3) bytes[i] = (bytes[i]! * 31 + 7) & 0xff;
    writeFileSync(file, bytes);
    assertRefused(dir, /damaged|not an Annalist one/);
  });
});

describe('the command line', () => {
  test('help lists serve, demo and check', () => {
    const res = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    assert.equal(res.status, 0);
    for (const cmd of ['serve', 'demo', 'check']) assert.match(res.stdout, new RegExp(`^  ${cmd} `, 'm'));
  });

  test('demo creates a site that check accepts, and refuses to overwrite it without --force', () => {
    const dir = dataDir();
    assert.equal(annalist(['demo'], dir).status, 0);
    const check = annalist(['check'], dir);
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /integrity ok/);
    const again = annalist(['demo'], dir);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already has content; use --force/);
    assert.equal(annalist(['demo', '--force'], dir).status, 0);
  });

  test('an unknown command is an error with the help text', () => {
    const res = annalist(['frobnicate'], dataDir());
    assert.equal(res.status, 1);
    assert.match(res.stderr, /unknown command "frobnicate"/);
  });
});
