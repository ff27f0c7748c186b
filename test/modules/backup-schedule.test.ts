import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { listArchiveFiles, openArchiveFile, removeStaleWorkFiles } from '../../src/modules/backups/backup-archives.ts';
import { prepareBackupFolder } from '../../src/modules/backups/backup-folder.ts';
import { parseStoredSchedule, validateBackupSchedule } from '../../src/modules/backups/backup-schedule.ts';
import { type BackupTimeRule, nextBackupTime } from '../../src/modules/backups/next-backup-time.ts';
import { isAppError } from '../../src/modules/shared/errors.ts';

// When a scheduled backup falls due, with fixed instants (no clock), the schedule form's checks, the backup
// folder's rules (real folders and links in a temp folder), and what is opened or removed in it.

const daily = (time: string, timeZone: string): BackupTimeRule => ({
  frequency: 'daily',
  weekday: 'sunday',
  time,
  timeZone,
});
const next = (rule: BackupTimeRule, after: string) => nextBackupTime(rule, new Date(after)).toISOString();

describe('the next backup time', () => {
  test('daily at 03:00 in London is 02:00 UTC in summer and 03:00 UTC in winter', () => {
    assert.equal(next(daily('03:00', 'Europe/London'), '2025-07-01T09:00:00Z'), '2025-07-02T02:00:00.000Z');
    assert.equal(next(daily('03:00', 'Europe/London'), '2025-12-01T09:00:00Z'), '2025-12-02T03:00:00.000Z');
  });

  test('a time still to come today is today; the very moment of a run is not "after" it', () => {
    assert.equal(next(daily('03:00', 'UTC'), '2025-10-01T02:59:00Z'), '2025-10-01T03:00:00.000Z');
    assert.equal(next(daily('03:00', 'UTC'), '2025-10-01T03:00:00Z'), '2025-10-02T03:00:00.000Z');
  });

  test('the local date decides the day: 23:30 in Auckland while it is still the day before in UTC', () => {
    // 2025-10-01T00:00Z is 13:00 on 1 October in Auckland (UTC+13 in its summer).
    assert.equal(next(daily('23:30', 'Pacific/Auckland'), '2025-10-01T00:00:00Z'), '2025-10-01T10:30:00.000Z');
    // 2025-10-01T05:00Z is 01:00 in New York: 03:00 is later the same local day.
    assert.equal(next(daily('03:00', 'America/New_York'), '2025-10-01T05:00:00Z'), '2025-10-01T07:00:00.000Z');
  });

  test('weekly runs only on its weekday', () => {
    const rule: BackupTimeRule = { frequency: 'weekly', weekday: 'sunday', time: '03:00', timeZone: 'Europe/Paris' };
    // Wednesday 1 October 2025 -> Sunday 5 October, 03:00 Paris summer time (UTC+2).
    assert.equal(next(rule, '2025-10-01T12:00:00Z'), '2025-10-05T01:00:00.000Z');
    // Right after that run: the Sunday after.
    assert.equal(next(rule, '2025-10-05T01:00:00Z'), '2025-10-12T01:00:00.000Z');
  });

  test('a time the clocks skip runs once, when they jump, and the next day as usual', () => {
    // Berlin, 30 March 2025: 02:00 becomes 03:00, so 02:30 does not exist; the jump is at 01:00 UTC.
    const rule = daily('02:30', 'Europe/Berlin');
    assert.equal(next(rule, '2025-03-29T12:00:00Z'), '2025-03-30T01:00:00.000Z');
    assert.equal(next(rule, '2025-03-30T01:00:00Z'), '2025-03-31T00:30:00.000Z');
    // Santiago skips midnight (00:00 becomes 01:00) on 7 September 2025.
    assert.equal(next(daily('00:00', 'America/Santiago'), '2025-09-06T12:00:00Z'), '2025-09-07T04:00:00.000Z');
  });

  test('a time the clocks pass twice runs once, at its first occurrence', () => {
    // Berlin, 26 October 2025: 03:00 becomes 02:00, so 02:30 happens at 00:30 and again at 01:30 UTC.
    const rule = daily('02:30', 'Europe/Berlin');
    assert.equal(next(rule, '2025-10-25T12:00:00Z'), '2025-10-26T00:30:00.000Z');
    // After the first run, even from inside the repeated hour, the next run is the following day.
    assert.equal(next(rule, '2025-10-26T00:30:00Z'), '2025-10-27T01:30:00.000Z');
    assert.equal(next(rule, '2025-10-26T01:15:00Z'), '2025-10-27T01:30:00.000Z');
  });
});

describe('the schedule form', () => {
  const good = { frequency: 'daily', weekday: 'monday', time: '03:00', keep: '7' };

  test("a good form gives the schedule, with no folder in it: the folder is the operator's", () => {
    assert.deepEqual(validateBackupSchedule(good), { ...good, keep: 7 });
    // A schedule an earlier version stored with a folder keeps its times; the folder is ignored.
    const stored = parseStoredSchedule(JSON.stringify({ ...good, keep: 3, folder: '/srv/other-site/backups' }));
    assert.deepEqual(stored, { ...good, keep: 3 });
  });

  test('every bad field gets its own message and nothing is returned', () => {
    const bad = { frequency: 'hourly', weekday: 'funday', time: '25:00', keep: '0' };
    assert.throws(
      () => validateBackupSchedule(bad),
      (err: unknown) => {
        assert.ok(isAppError(err));
        assert.equal(err.code, 'SETTINGS_INVALID');
        assert.deepEqual(Object.keys(err.fields ?? {}).sort(), ['frequency', 'keep', 'time', 'weekday']);
        assert.match(err.fields?.time ?? '', /HH:MM/);
        assert.match(err.fields?.keep ?? '', /from 1 to 100/);
        return true;
      },
    );
  });

  test('keep runs from 1 to 100, times from 00:00 to 23:59', () => {
    const keepOf = (keep: string) => () => validateBackupSchedule({ ...good, keep });
    assert.equal(keepOf('1')().keep, 1);
    assert.equal(keepOf('100')().keep, 100);
    assert.throws(keepOf('101'), /need a correction/);
    assert.throws(keepOf('2.5'), /need a correction/);
    assert.equal(validateBackupSchedule({ ...good, time: '23:59' }).time, '23:59');
    assert.throws(() => validateBackupSchedule({ ...good, time: '3:00' }), /need a correction/);
  });

  test('a time zone this server does not know is said in words, not as a RangeError', () => {
    assert.throws(
      () => nextBackupTime(daily('03:00', 'Mars/Olympus_Mons'), new Date('2025-10-01T00:00:00Z')),
      (err: unknown) =>
        err instanceof Error &&
        !(err instanceof RangeError) &&
        /time zone "Mars\/Olympus_Mons" is not one this server knows; choose one in Site settings/.test(err.message),
    );
  });
});

describe("the backup folder (the operator's, checked on every use)", () => {
  let root: string;
  let place: { folder: string; dataDir: string; mediaDir: string };
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'annalist-folder-'));
    const dataDir = join(root, 'data');
    mkdirSync(join(dataDir, 'media'), { recursive: true });
    place = { folder: join(dataDir, 'backups'), dataDir, mediaDir: join(dataDir, 'media') };
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("the default <data dir>/backups is made for the site's user only (0700) and given as its real path", async () => {
    const real = await prepareBackupFolder(place);
    assert.equal(real, realpathSync(place.folder));
    assert.equal(statSync(real).mode & 0o777, 0o700);
    // Through a link, the real path is what is used and recorded.
    symlinkSync(place.folder, join(root, 'via-link'));
    assert.equal(await prepareBackupFolder({ ...place, folder: join(root, 'via-link') }), real);
  });

  test('inside media/, the data folder itself, or a link to either is refused, and nothing is made', async () => {
    symlinkSync(place.mediaDir, join(root, 'media-link'));
    symlinkSync(place.dataDir, join(root, 'data-link'));
    const refused = [
      [join(place.mediaDir, 'backups'), /inside the media folder/],
      [place.mediaDir, /inside the media folder/],
      [join(root, 'media-link'), /inside the media folder/],
      [join(root, 'media-link', 'deeper', 'still'), /inside the media folder/],
      [place.dataDir, /the data folder itself/],
      [join(root, 'data-link'), /the data folder itself/],
      ['relative/backups', /not a full path/],
    ] as const;
    for (const [folder, reason] of refused)
      await assert.rejects(prepareBackupFolder({ ...place, folder }), reason, folder);
    assert.equal(existsSync(join(place.mediaDir, 'backups')), false);
    assert.equal(existsSync(join(place.mediaDir, 'deeper')), false);
  });

  test('ANNALIST_BACKUP_DIR (or --backup-dir) sets it; unset, the default applies', () => {
    assert.equal(readConfig({ ANNALIST_DATA_DIR: '/srv/site' }).backupDir, undefined);
    assert.equal(readConfig({ ANNALIST_BACKUP_DIR: '/srv/backups/site-a/' }).backupDir, '/srv/backups/site-a');
    assert.equal(readConfig({}, { backupDir: '/var/backups/x' }).backupDir, '/var/backups/x');
    assert.throws(() => readConfig({ ANNALIST_BACKUP_DIR: '/srv/a\nb' }), /control characters/);
  });
});

describe('archives in the folder', () => {
  test('a FIFO named like an archive is refused at once: opening it never waits for a writer', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'annalist-fifo-'));
    try {
      const name = 'annalist-backup-20250101-000000.tar.gz';
      execFileSync('mkfifo', [join(folder, name)]);
      assert.deepEqual(await listArchiveFiles(folder), []);
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise((resolve) => {
        timer = setTimeout(() => resolve('still waiting after 5 s'), 5000);
      });
      const opened = await Promise.race([openArchiveFile(folder, name), stuck]);
      clearTimeout(timer);
      assert.equal(opened, undefined);
    } finally {
      // Frees a thread a blocked open would hold (it waits for a writer), then removes the folder.
      try {
        closeSync(openSync(join(folder, 'annalist-backup-20250101-000000.tar.gz'), 'r+'));
      } catch {}
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('work folders and partial files of writers that died are removed; live ones and links stay', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'annalist-stale-'));
    try {
      const dead = deadPid();
      const live = process.pid;
      const base = 'annalist-backup-20250101-000000.tar.gz';
      mkdirSync(join(folder, `${base}.work-${dead}`));
      writeFileSync(join(folder, `${base}.work-${dead}`, '0.gz'), 'x');
      writeFileSync(join(folder, `${base}.partial-${dead}`), 'x');
      mkdirSync(join(folder, `${base}.work-${live}`));
      writeFileSync(join(folder, `${base}.partial-${live}`), 'x');
      const elsewhere = mkdtempSync(join(tmpdir(), 'annalist-elsewhere-'));
      symlinkSync(elsewhere, join(folder, `annalist-backup-20250102-000000.tar.gz.work-${dead}`));
      writeFileSync(join(folder, `notes.partial-${dead}`), 'mine');
      const removed = await removeStaleWorkFiles(folder);
      assert.deepEqual(removed.sort(), [`${base}.partial-${dead}`, `${base}.work-${dead}`]);
      assert.deepEqual(readdirSync(folder).sort(), [
        `${base}.partial-${live}`,
        `${base}.work-${live}`,
        `annalist-backup-20250102-000000.tar.gz.work-${dead}`,
        `notes.partial-${dead}`,
      ]);
      assert.ok(existsSync(elsewhere), 'a link is never followed');
      rmSync(elsewhere, { recursive: true, force: true });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

/** The id of a process that has ended (a child run to its end). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}
