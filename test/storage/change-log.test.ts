import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openSqliteStorage } from '../../src/storage/sqlite/open-sqlite.ts';
import type { Storage } from '../../src/storage/storage.ts';

// Two processes on one SQLite file tell each other what their writes changed (src/storage/sqlite/change-log.ts):
// two openings of the same file stand for them (each its own connection, as each process has).

let dir: string;
let one: Storage;
let two: Storage;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'annalist-change-log-'));
  one = await openSqliteStorage(join(dir, 'annalist.db'));
  two = await openSqliteStorage(join(dir, 'annalist.db'));
});

after(async () => {
  await one.close();
  await two.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The next turn of the event loop, where a later request would be handled (data_version is read once per turn). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const settingWrite = (s: Storage, value: string) =>
  sql`insert into settings (key, value) values ('change-log-test', ${value})
      on conflict (key) do update set value = excluded.value`.execute(s.db);

describe('the SQLite change log', () => {
  test('what one process announces, the other hears once, in order; its own announcements it does not hear', async () => {
    await nextTurn();
    two.remoteChanges();
    await settingWrite(one, 'a');
    one.noteWrite('post:3 posts');
    await settingWrite(one, 'b');
    one.noteWrite('!post:3:comments comments');
    await nextTurn();
    assert.deepEqual(two.remoteChanges(), ['post:3 posts', '!post:3:comments comments']);
    await nextTurn();
    assert.deepEqual(two.remoteChanges(), [], 'drained');
    await nextTurn();
    assert.deepEqual(one.remoteChanges(), [], 'nothing of its own');
  });

  test('a commit nobody announced is "everything changed", never nothing', async () => {
    await nextTurn();
    two.remoteChanges();
    await settingWrite(one, 'c');
    await nextTurn();
    assert.deepEqual(two.remoteChanges(), ['*']);
  });

  test('rows pruned before a process read them are "everything changed"', async () => {
    await nextTurn();
    two.remoteChanges();
    one.noteWrite('post:9');
    // As the pruning of old rows does when a process has not looked for a long time.
    await sql`delete from change_log`.execute(one.db);
    one.noteWrite('post:10');
    await nextTurn();
    assert.deepEqual(two.remoteChanges(), ['*']);
    one.noteWrite('post:11');
    await nextTurn();
    assert.deepEqual(two.remoteChanges(), ['post:11'], 'and exact again afterwards');
  });
});
