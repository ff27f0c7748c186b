import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ConfigError, readConfig } from '../../src/config.ts';
import { openSite, startServer } from '../../src/main.ts';
import { BACKUP_NOW_KEY, type BackupDeps, SITE_BACKUP } from '../../src/modules/backups/backup.deps.ts';
import { insertBackupRun } from '../../src/modules/backups/backup-run.repository.ts';
import { saveBackupSchedule } from '../../src/modules/backups/backup-schedule.service.ts';
import { loadBackupStatus, requestBackupNow } from '../../src/modules/backups/backup-status.service.ts';
import { backupJobHandler, LEASE_LOST } from '../../src/modules/backups/run-backup.ts';
import { findPostBySlug } from '../../src/modules/content/post.repository.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import { JobWorker } from '../../src/modules/jobs/job-worker.ts';
import { schedulePublish } from '../../src/modules/jobs/publish-post.job.ts';
import { saveSiteSettings } from '../../src/modules/settings/settings.service.ts';
import { verifyBackup } from '../../src/storage/backup/read-backup.ts';
import { newTestDatabase, startTestSite, TEST_DATABASE, TestClock, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';
import { until } from '../support/until.ts';
import { htmlErrors } from '../support/vnu.ts';

// Scheduled backups, "Back up now", the archive list and downloads on /admin/backups, and the dashboard's
// backup status: real archives written by the job worker into real folders, on either database. The folder is
// the operator's (ANNALIST_BACKUP_DIR): tests set it on the site's backup deps, as main.ts does from the config.

const T0 = new Date('2025-10-01T09:00:00.000Z'); // a Wednesday; London is on summer time (UTC+1)
const clock = new TestClock(T0);
let t: TestSite;
let owner: Person;
let admin: Person;
let editor: Person;
let folders: string;
/** Job workers on the site's table, run by hand (runDue) so each test decides when jobs run. */
let worker: JobWorker;
const staff = staffClient(() => t);

const db = () => t.site.content.db;
const archivesIn = (folder: string) =>
  existsSync(folder) ? readdirSync(folder).filter((n) => n.startsWith('annalist-backup-')) : [];
const newWorker = () =>
  new JobWorker({ db: db(), clock, workerId: `test-${Math.random()}` }).register(
    SITE_BACKUP,
    backupJobHandler(t.site.backups),
  );

async function saveSchedule(who: Person, fields: Record<string, string>) {
  return staff.send('/admin/backups/schedule', who, {
    frequency: 'daily',
    weekday: 'sunday',
    time: '03:00',
    keep: '7',
    ...fields,
  });
}

/** The folder the operator chose (ANNALIST_BACKUP_DIR), as main.ts hands it to the backup deps. */
const useFolder = (folder: string) => {
  t.site.backups.folder = folder;
  return folder;
};

/** The id of a process that has ended. */
function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout,
  );
}

async function scheduledJob() {
  return db().selectFrom('jobs').selectAll().where('unique_key', '=', 'backup:scheduled').executeTakeFirst();
}

before(async () => {
  t = await startTestSite({ clock });
  await saveSiteSettings(t.site.content, { timeZone: 'Europe/London' });
  owner = await staff.person('owner', 'Olga');
  admin = await staff.person('admin', 'Anna');
  editor = await staff.person('editor', 'Egor');
  folders = mkdtempSync(join(tmpdir(), 'annalist-backups-'));
  worker = newWorker();
  operatorFolder = t.site.backups.folder;
});
after(async () => {
  await t.close();
  rmSync(folders, { recursive: true, force: true });
});
let operatorFolder: string;
beforeEach(async () => {
  t.site.backups.folder = operatorFolder;
  clock.set(T0);
  await db().deleteFrom('jobs').execute();
  await db().deleteFrom('backup_runs').execute();
  await db().deleteFrom('settings').where('key', '=', 'backup.schedule').execute();
});

let n = 0;
const freshFolder = () => join(folders, `f${++n}`);

describe(`scheduled backups (${TEST_DATABASE})`, () => {
  test('a new site backs up nothing: the schedule is off and no run is booked', async () => {
    const page = await staff.get('/admin/backups', owner);
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.body, /<option value="off" selected[^>]*>Off<\/option>/);
    assert.match(page.body, /Next backup: none scheduled/);
    assert.equal(await scheduledJob(), undefined);
  });

  test('the schedule form answers each bad field with its own message and saves nothing', async () => {
    const res = await saveSchedule(owner, { frequency: 'hourly', time: '25:61', keep: '101' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Choose off, daily or weekly\./);
    assert.match(res.body, /Give a time of day as HH:MM/);
    assert.match(res.body, /from 1 to 100\./);
    assert.match(res.body, /value="25:61"/, 'what was typed is shown back');
    const stored = await db().selectFrom('settings').select('key').where('key', '=', 'backup.schedule').execute();
    assert.deepEqual(stored, []);
    assert.equal(await scheduledJob(), undefined);
  });

  test("the form cannot choose the folder: one sent with it is ignored, and the page shows the operator's", async () => {
    // Another site's backups on the same server: an owner of this site must never list or download them.
    const other = join(folders, 'other-site', 'backups');
    mkdirSync(other, { recursive: true });
    const theirs = 'annalist-backup-20250101-000000.tar.gz';
    writeFileSync(join(other, theirs), "another site's archive");
    const mine = useFolder(freshFolder());
    for (const folder of [other, join(t.dir, 'media'), t.dir, '/etc']) {
      const saved = await saveSchedule(owner, { folder });
      assert.equal(saved.statusCode, 303, 'the schedule itself is saved');
    }
    const stored = await db().selectFrom('settings').select('value').where('key', '=', 'backup.schedule').execute();
    assert.doesNotMatch(stored[0]?.value ?? '', /folder|other-site|etc/);
    const page = await staff.get('/admin/backups', owner);
    assert.doesNotMatch(page.body, /name="folder"/, 'no folder field');
    assert.match(page.body, new RegExp(`Archives go to <code>${mine}</code>`));
    assert.match(page.body, /ANNALIST_BACKUP_DIR/);
    assert.doesNotMatch(page.body, /20250101/);
    const download = await staff.get(`/admin/backups/files/${theirs}`, owner);
    assert.equal(download.statusCode, 404);
    assert.doesNotMatch(download.body, /another site/);
    // The archives go to the operator's folder, created for the site's user only.
    await staff.send('/admin/backups/run', owner, {});
    assert.equal(await worker.runDue(), 1);
    assert.equal(archivesIn(mine).length, 1);
    assert.equal(statSync(mine).mode & 0o777, 0o700);
    assert.equal(statSync(join(mine, archivesIn(mine)[0]!)).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(other), [theirs]);
  });

  test('a scheduled run through the job worker writes an archive verifyBackup accepts, without passwords', async () => {
    const folder = useFolder(freshFolder());
    const saved = await saveSchedule(owner, {});
    assert.equal(saved.statusCode, 303);
    // 03:00 in London on 2 October is 02:00 UTC (summer time).
    assert.equal((await scheduledJob())?.run_at, '2025-10-02T02:00:00.000Z');
    assert.equal(await worker.runDue(), 0, 'nothing is due before its time');

    clock.set('2025-10-02T02:00:05.000Z');
    assert.equal(await worker.runDue(), 1);
    const [file] = archivesIn(folder);
    assert.equal(file, 'annalist-backup-20251002-020005.tar.gz');
    const manifest = await verifyBackup(join(folder, file));
    assert.equal(manifest.includesAccounts, false);
    assert.ok(manifest.members.some((m) => m.table === 'posts' && (m.rows ?? 0) > 0));
    assert.deepEqual(
      readdirSync(folder).filter((f) => f !== file),
      [],
      'no work or partial file is left beside it',
    );
    // The next run is booked, once, for the next day.
    assert.equal((await scheduledJob())?.run_at, '2025-10-03T02:00:00.000Z');
    assert.equal((await scheduledJob())?.done_at, null);

    const dash = await staff.get('/admin/dashboard', owner);
    assert.match(dash.body, /Last backup: <time datetime="2025-10-02T02:00:05.000Z"[^>]*>[^<]+<\/time>, succeeded/);
    assert.match(dash.body, /Next backup: <time datetime="2025-10-03T02:00:00.000Z"/);
    assert.doesNotMatch(dash.body, /The last backup failed/);
  });

  test('after days down, the run that fell due runs once, and the next is booked from now', async () => {
    const folder = useFolder(freshFolder());
    await saveSchedule(owner, {});
    clock.set('2025-10-05T12:00:00.000Z'); // three runs were missed
    assert.equal(await worker.runDue(), 1);
    assert.equal(await worker.runDue(), 0);
    assert.equal(archivesIn(folder).length, 1);
    assert.equal((await scheduledJob())?.run_at, '2025-10-06T02:00:00.000Z');
  });

  test('two workers (two processes or nodes) racing for the due run make one archive', async () => {
    const folder = useFolder(freshFolder());
    await saveSchedule(owner, {});
    clock.set('2025-10-02T02:00:00.000Z');
    const counts = await Promise.all([worker.runDue(), newWorker().runDue()]);
    assert.deepEqual(
      counts.sort((a, b) => a - b),
      [0, 1],
    );
    assert.equal(archivesIn(folder).length, 1);
  });

  test('retention keeps the newest N scheduled archives and never touches files it did not write', async () => {
    const folder = useFolder(freshFolder());
    mkdirSync(folder, { recursive: true });
    const byHand = 'annalist-backup-20200101-000000.tar.gz'; // as `annalist backup` names them
    writeFileSync(join(folder, byHand), 'made by hand');
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    await saveSchedule(owner, { keep: '2' });
    for (const day of ['02', '03', '04']) {
      clock.set(`2025-10-${day}T02:00:00.000Z`);
      assert.equal(await worker.runDue(), 1);
    }
    assert.deepEqual(readdirSync(folder).sort(), [
      byHand,
      'annalist-backup-20251003-020000.tar.gz',
      'annalist-backup-20251004-020000.tar.gz',
      'notes.txt',
    ]);
    const page = await staff.get('/admin/backups', owner);
    assert.match(
      page.body,
      /annalist-backup-20251004-020000\.tar\.gz<\/a><\/td><td>.*?<\/td><td>[^<]+<\/td><td>Schedule</,
    );
    assert.match(
      page.body,
      /annalist-backup-20200101-000000\.tar\.gz<\/a><\/td><td>.*?<\/td><td>[^<]+<\/td><td>By hand</,
    );
    assert.doesNotMatch(page.body, /notes\.txt/);
  });

  test('a failed run is shown to owners and admins until a later run succeeds, and leaves no file', async () => {
    const parent = freshFolder();
    mkdirSync(parent);
    const notAFolder = useFolder(join(parent, 'backups'));
    writeFileSync(notAFolder, 'a file where the folder should be');
    await saveSchedule(owner, {});
    clock.set('2025-10-02T02:00:00.000Z');
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(readdirSync(parent), ['backups'], 'no archive, partial or work file anywhere');
    assert.equal(readFileSync(notAFolder, 'utf8'), 'a file where the folder should be');

    for (const who of [owner, admin]) {
      const dash = await staff.get('/admin/dashboard', who);
      assert.match(dash.body, /role="alert"><p><strong>The last backup failed<\/strong>/);
      assert.match(dash.body, /cannot be made \(EEXIST/);
    }
    assert.doesNotMatch((await staff.get('/admin/dashboard', editor)).body, /backup/i);
    // The schedule goes on: the next run is booked.
    assert.equal((await scheduledJob())?.run_at, '2025-10-03T02:00:00.000Z');

    const good = useFolder(freshFolder());
    clock.set('2025-10-03T02:00:00.000Z');
    assert.equal(await worker.runDue(), 1);
    assert.equal(archivesIn(good).length, 1);
    assert.doesNotMatch((await staff.get('/admin/dashboard', admin)).body, /The last backup failed/);
  });

  test("retention prunes only this node's archives, and marks a run removed only when its file is gone", async () => {
    mkdirSync(useFolder(freshFolder()));
    const folder = realpathSync(t.site.backups.folder); // as runs record it
    await saveSchedule(owner, { keep: '1' });
    // On PostgreSQL another node records its scheduled archives in the same table: they are on its disk.
    for (const day of ['01', '02']) {
      await insertBackupRun(db(), {
        trigger: 'schedule',
        node: 'the-other-node',
        folder,
        fileName: `annalist-backup-202509${day}-020000.tar.gz`,
        startedAt: `2025-09-${day}T02:00:00.000Z`,
      }).then((id) =>
        db()
          .updateTable('backup_runs')
          .set({ finished_at: `2025-09-${day}T02:01:00.000Z`, bytes: 1000 })
          .where('id', '=', id)
          .execute(),
      );
    }
    clock.set('2025-10-02T02:00:00.000Z');
    assert.equal(await worker.runDue(), 1);
    const [first] = archivesIn(folder);
    // Someone replaces this node's archive with a folder: it is not a file retention may remove.
    rmSync(join(folder, first!));
    mkdirSync(join(folder, first!));
    clock.set('2025-10-03T02:00:00.000Z');
    assert.equal(await worker.runDue(), 1);
    clock.set('2025-10-04T02:00:00.000Z');
    assert.equal(await worker.runDue(), 1);
    const runs = await db()
      .selectFrom('backup_runs')
      .select(['node', 'file_name', 'removed_at'])
      .orderBy('started_at')
      .execute();
    assert.deepEqual(
      runs.map((r) => [r.node === 'the-other-node' ? 'other' : 'this', r.file_name, r.removed_at !== null]),
      [
        ['other', 'annalist-backup-20250901-020000.tar.gz', false],
        ['other', 'annalist-backup-20250902-020000.tar.gz', false],
        ['this', 'annalist-backup-20251002-020000.tar.gz', false], // a folder now: left alone, not marked
        ['this', 'annalist-backup-20251003-020000.tar.gz', true],
        ['this', 'annalist-backup-20251004-020000.tar.gz', false],
      ],
    );
    assert.ok(statSync(join(folder, first!)).isDirectory());
    assert.deepEqual(archivesIn(folder).sort(), [first, 'annalist-backup-20251004-020000.tar.gz']);
  });

  test('a scheduled run removes what writers killed on this host left behind, and nothing of a live one', async () => {
    const folder = useFolder(freshFolder());
    mkdirSync(folder);
    const dead = deadPid();
    const base = 'annalist-backup-20250930-020000.tar.gz';
    mkdirSync(join(folder, `${base}.work-${dead}`));
    writeFileSync(join(folder, `${base}.work-${dead}`, '0.gz'), 'tables');
    writeFileSync(join(folder, `${base}.partial-${dead}`), 'half an archive');
    writeFileSync(join(folder, `${base}.partial-${process.ppid}`), 'a writer still running');
    await saveSchedule(owner, {});
    clock.set('2025-10-02T02:00:00.000Z');
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(readdirSync(folder).sort(), [
      `${base}.partial-${process.ppid}`,
      'annalist-backup-20251002-020000.tar.gz',
    ]);
  });

  test("with too little free space for the last archive's size x 1.5 a run refuses, visibly, and writes nothing", async () => {
    const folder = useFolder(freshFolder());
    const id = await insertBackupRun(db(), {
      trigger: 'manual',
      node: t.site.backups.node,
      folder,
      fileName: 'annalist-backup-20250901-020000.tar.gz',
      startedAt: '2025-09-01T02:00:00.000Z',
    });
    // The last archive was 4 PB: no disk of this machine has 6 PB free.
    const huge = 4 * 1024 ** 5;
    await db()
      .updateTable('backup_runs')
      .set({ finished_at: '2025-09-01T03:00:00.000Z', bytes: huge })
      .where('id', '=', id)
      .execute();
    await saveSchedule(owner, {});
    clock.set('2025-10-02T02:00:00.000Z');
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(archivesIn(folder), []);
    const dash = await staff.get('/admin/dashboard', owner);
    assert.match(dash.body, /The last backup failed/);
    assert.match(
      dash.body,
      /not enough free space in [^:]+: [0-9.]+ MB free, and the last backup was 4294967296\.0 MB/,
    );
    assert.equal((await scheduledJob())?.run_at, '2025-10-03T02:00:00.000Z', 'the schedule goes on');
  });

  test('a run whose job lease is lost while it writes stops, keeps nothing, and says why', async () => {
    const folder = useFolder(freshFolder());
    await saveSchedule(owner, { frequency: 'off' });
    const deps = t.site.backups;
    const write = deps.writeArchive;
    deps.leaseRenewMs = 20;
    deps.writeArchive = async (out, signal) => {
      // Meanwhile this worker's lease ran out and another node claimed the job: the row says so.
      await db().updateTable('jobs').set({ locked_by: 'another-node' }).where('kind', '=', SITE_BACKUP).execute();
      const aborted = new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        aborted,
        new Promise((resolve) => {
          timer = setTimeout(resolve, 5000);
        }),
      ]);
      clearTimeout(timer);
      return write(out, signal);
    };
    try {
      assert.equal(await requestBackupNow(deps), 'queued');
      assert.equal(await worker.runDue(), 1);
    } finally {
      deps.writeArchive = write;
      deps.leaseRenewMs = undefined;
    }
    assert.deepEqual(archivesIn(folder), []);
    assert.deepEqual(
      readdirSync(folder).filter((f) => f.includes('.work-') || f.includes('.partial-')),
      [],
    );
    const status = await loadBackupStatus(deps);
    assert.equal(status.lastRun?.error, LEASE_LOST);
    assert.match((await staff.get('/admin/dashboard', owner)).body, /lost its claim on the job/);
  });

  test('a site time zone the server does not know: the run still happens, and the booking failure is shown', async () => {
    const folder = useFolder(freshFolder());
    await saveSchedule(owner, {});
    // Stored without the settings form's check (a hand edit, or an import).
    const tz = (value: string) =>
      db()
        .updateTable('settings')
        .set({ value: JSON.stringify(value) })
        .where('key', '=', 'timeZone')
        .execute();
    await tz('Mars/Olympus_Mons');
    try {
      clock.set('2025-10-02T02:00:00.000Z');
      assert.equal(await worker.runDue(), 1);
      assert.equal(archivesIn(folder).length, 1, 'the backup that fell due is written');
      const status = await loadBackupStatus(t.site.backups);
      assert.match(
        status.failure?.error ?? '',
        /^The next scheduled backup could not be booked: the site's time zone "Mars\/Olympus_Mons" is not one this server knows/,
      );
      assert.equal(status.nextRunAt, null);
    } finally {
      await tz('Europe/London');
    }
    const dash = await staff.get('/admin/dashboard', owner);
    assert.match(dash.body, /The last backup failed/);
    assert.match(dash.body, /could not be booked/);
    assert.match(dash.body, /Next backup: none booked/);
  });
});

describe(`Back up now, the list and downloads (${TEST_DATABASE})`, () => {
  test('"Back up now" queues one backup; the page says it is running and a second press starts none', async () => {
    const folder = useFolder(freshFolder());
    await saveSchedule(owner, { frequency: 'off' });
    const first = await staff.send('/admin/backups/run', owner, {});
    assert.equal(first.statusCode, 303);
    assert.equal(first.headers.location, '/admin/backups?notice=backup-queued');
    const running = await staff.get('/admin/backups?notice=backup-queued', owner);
    assert.match(running.body, /A backup is being written now\./);
    assert.doesNotMatch(running.body, />Back up now<\/button>/);

    const second = await staff.send('/admin/backups/run', owner, {});
    assert.equal(second.headers.location, '/admin/backups?notice=backup-busy');
    const queued = await db().selectFrom('jobs').select('id').where('kind', '=', SITE_BACKUP).execute();
    assert.equal(queued.length, 1);

    assert.equal(await worker.runDue(), 1);
    assert.equal(archivesIn(folder).length, 1);
    const done = await staff.get('/admin/backups', owner);
    assert.match(done.body, />Back up now<\/button>/);
    assert.match(done.body, /<td>Back up now<\/td>/);
    // Done, it may be asked for again.
    const again = await staff.send('/admin/backups/run', owner, {});
    assert.equal(again.headers.location, '/admin/backups?notice=backup-queued');
    assert.equal(
      (await db().selectFrom('jobs').selectAll().where('unique_key', '=', BACKUP_NOW_KEY).execute()).length,
      1,
    );
  });

  test("saving the schedule and asking for a backup keep readers' cached pages: readers see nothing of either", async () => {
    useFolder(freshFolder());
    const read = () => t.app.inject({ method: 'GET', url: '/' });
    await read();
    assert.equal((await read()).headers['x-cache'], 'hit');
    assert.equal((await saveSchedule(owner, { frequency: 'daily' })).statusCode, 303);
    assert.equal((await staff.send('/admin/backups/run', owner, {})).statusCode, 303);
    assert.equal((await read()).headers['x-cache'], 'hit', 'the home page was not rendered again');
  });

  test('the list links each archive, and its download streams the very bytes of the file', async () => {
    const folder = useFolder(freshFolder());
    await saveSchedule(owner, { frequency: 'off' });
    await staff.send('/admin/backups/run', owner, {});
    await worker.runDue();
    const [name] = archivesIn(folder);
    assert.ok(name);
    const page = await staff.get('/admin/backups', owner);
    assert.match(page.body, new RegExp(`href="/admin/backups/files/${name.replaceAll('.', '\\.')}"`));
    const res = await staff.get(`/admin/backups/files/${name}`, owner);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-disposition'], `attachment; filename="${name}"`);
    assert.equal(res.headers['content-type'], 'application/gzip');
    assert.ok(res.rawPayload.equals(readFileSync(join(folder, name))));
  });

  test('only names from the list download: paths, links, folders and other files are a 404 page', async () => {
    const folder = useFolder(freshFolder());
    await saveSchedule(owner, { frequency: 'off' });
    await staff.send('/admin/backups/run', owner, {});
    await worker.runDue();
    const [real] = archivesIn(folder);
    writeFileSync(join(folder, 'notes.txt'), 'private');
    symlinkSync(join(folder, real!), join(folder, 'annalist-backup-20990101-000000.tar.gz'));
    symlinkSync(join(t.dir, 'annalist.db'), join(folder, 'annalist-backup-20990102-000000.tar.gz'));
    mkdirSync(join(folder, 'annalist-backup-20990103-000000.tar.gz'));
    const refused = [
      'notes.txt',
      '..%2F..%2Fetc%2Fpasswd',
      '..%2Fannalist.db',
      '%2Fetc%2Fpasswd',
      'annalist-backup-20990101-000000.tar.gz',
      'annalist-backup-20990102-000000.tar.gz',
      'annalist-backup-20990103-000000.tar.gz',
      'annalist-backup-20991231-000000.tar.gz',
      `${real}.partial-1`,
    ];
    for (const name of refused) {
      const res = await staff.get(`/admin/backups/files/${name}`, owner);
      assert.equal(res.statusCode, 404, name);
      assert.match(res.headers['content-type'] as string, /text\/html/, name);
      assert.match(res.body, /BACKUP_NOT_FOUND|NOT_FOUND/, name);
      assert.doesNotMatch(res.body, /private|SQLite format|at .*\.ts:/, name);
    }
    const page = await staff.get('/admin/backups', owner);
    assert.doesNotMatch(page.body, /20990101|20990102|20990103|notes\.txt/);
  });

  test('a FIFO named like an archive is a 404 at once: its download never waits for a writer', async () => {
    const folder = useFolder(freshFolder());
    mkdirSync(folder);
    const fifo = 'annalist-backup-20990104-000000.tar.gz';
    execFileSync('mkfifo', [join(folder, fifo)]);
    try {
      let timer: NodeJS.Timeout | undefined;
      const res = await Promise.race([
        staff.get(`/admin/backups/files/${fifo}`, owner),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), 5000);
        }),
      ]);
      clearTimeout(timer);
      assert.ok(res, 'the download answered within 5 s');
      assert.equal(res.statusCode, 404);
      assert.match(res.body, /BACKUP_NOT_FOUND/);
      assert.doesNotMatch((await staff.get('/admin/backups', owner)).body, /20990104/);
    } finally {
      // A blocked open waits for a writer: opening it read-write frees that thread, whatever happened.
      closeSync(openSync(join(folder, fifo), 'r+'));
    }
  });

  test('backups are the owners’ alone: an admin and an editor get the refusal page, and nobody signed in goes to sign in', async () => {
    const folder = useFolder(freshFolder());
    await saveSchedule(owner, { frequency: 'off' });
    await staff.send('/admin/backups/run', owner, {});
    await worker.runDue();
    const [name] = archivesIn(folder);
    for (const who of [admin, editor]) {
      for (const res of [
        await staff.get('/admin/backups', who),
        await staff.get(`/admin/backups/files/${name}`, who),
        await staff.send('/admin/backups/run', who, {}),
        await saveSchedule(who, {}),
      ]) {
        assert.equal(res.statusCode, 403);
        assert.match(res.body, /FORBIDDEN/);
      }
      assert.doesNotMatch((await staff.get('/admin/dashboard', who)).body, /href="\/admin\/backups"/);
    }
    const anonymous = await staff.get(`/admin/backups/files/${name}`);
    assert.equal(anonymous.statusCode, 303);
    assert.match(String(anonymous.headers.location), /^\/admin\/sign-in/);
    assert.equal(await worker.runDue(), 0, 'the refused presses queued nothing');
    const dash = await staff.get('/admin/dashboard', owner);
    assert.match(dash.body, /<a href="\/admin\/backups"[^>]*>Backups<\/a>/, 'the navigation has the page for owners');
  });

  test('the backups page (archives, a failure, a refused form) and the dashboard are valid HTML', async () => {
    useFolder(freshFolder());
    await saveSchedule(owner, { frequency: 'off' });
    await staff.send('/admin/backups/run', owner, {});
    await worker.runDue();
    writeFileSync(join(folders, 'blocked'), '');
    useFolder(join(folders, 'blocked'));
    await saveSchedule(owner, { frequency: 'weekly', weekday: 'monday' });
    await staff.send('/admin/backups/run', owner, {});
    await worker.runDue();
    const refused = await saveSchedule(owner, { time: 'noon', keep: 'all' });
    assert.equal(refused.statusCode, 400);
    await staff.send('/admin/backups/run', owner, {});
    const busy = await staff.get('/admin/backups', owner);
    assert.match(busy.body, /A backup is being written now/);
    const pages = [
      { name: 'backups, refused form', html: refused.body },
      { name: 'backups, busy', html: busy.body },
      { name: 'dashboard with a failure', html: (await staff.get('/admin/dashboard', owner)).body },
    ];
    assert.match(pages[2]!.html, /The last backup failed/);
    const errors = await htmlErrors(pages);
    assert.equal(errors.length, 0, `validator errors:\n${errors.join('\n')}`);
  });
});

describe(`the server and its job worker around backups (${TEST_DATABASE})`, () => {
  test('a post scheduled while a long backup is being written is published on time', async () => {
    const clock2 = new TestClock(new Date('2025-10-01T09:00:00.000Z'));
    const site = await startTestSite({ clock: clock2, jobs: true });
    const deps: BackupDeps = site.site.backups;
    deps.folder = join(site.dir, 'backups');
    const write = deps.writeArchive;
    let began = false;
    let finish: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      finish = resolve;
    });
    // The backup is long: it holds until the test lets it go.
    deps.writeArchive = async (out, signal) => {
      began = true;
      await held;
      return write(out, signal);
    };
    try {
      assert.equal(await requestBackupNow(deps), 'queued');
      await until('the job worker starts the backup', () => began);

      const at = new Date('2025-10-01T09:05:00.000Z');
      const saved = await savePost(site.site.content, {
        type: 'post',
        slug: 'published-during-a-backup',
        title: 'Published during a backup',
        bodyMarkdown: 'Due while the backup is still being written.',
        status: 'scheduled',
        publishedAt: at.toISOString(),
        categoryPath: 'russian-history/soviet-union',
      });
      await schedulePublish(site.site.content.db, saved.id, at);
      clock2.set(at); // its time comes while the backup still runs
      site.site.content.noteWrite(); // pokes the worker, as every committed write does
      await until(
        'the post is published while the backup runs',
        async () => (await findPostBySlug(site.site.content.db, 'published-during-a-backup'))?.status === 'published',
      );
      assert.equal(began && (await loadBackupStatus(deps)).busy, true, 'the backup was still being written');
    } finally {
      finish();
      deps.writeArchive = write;
      await until('the backup ends', async () => !(await loadBackupStatus(deps)).busy);
      await site.close();
    }
  });

  test('a time zone the server does not know never stops `serve`: booking is logged and shown as a failed run', async () => {
    const database = await newTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'annalist-serve-tz-'));
    try {
      const before = await openSite(dir, { databaseUrl: database.databaseUrl });
      await seedDemoSite(before.content, { mediaDir: before.mediaDir }); // else serve seeds it, time zone and all
      const at = new TestClock(new Date('2025-10-01T09:00:00.000Z'));
      await saveBackupSchedule(
        { db: before.content.db, clock: at, noteWrite: () => {} },
        { frequency: 'daily', weekday: 'sunday', time: '03:00', keep: '7' },
      );
      // The booked run is gone (a restore, a hand edit) and the zone was imported without the form's check.
      await before.content.db.deleteFrom('jobs').execute();
      await saveSiteSettings(before.content, { timeZone: 'Mars/Olympus_Mons' });
      await before.storage.close();

      const config = readConfig(
        { ...database.env, LOG_LEVEL: 'silent' },
        { dataDir: dir, port: 0, host: '127.0.0.1', workers: 1, databaseUrl: database.databaseUrl },
      );
      const { app, site } = await startServer(config);
      try {
        assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'the server is up');
        const status = await loadBackupStatus(site.backups);
        assert.match(
          status.failure?.error ?? '',
          /could not be booked: the site's time zone "Mars\/Olympus_Mons" is not one this server knows/,
        );
        assert.equal(status.nextRunAt, null);
      } finally {
        await app.close();
      }
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('serve refuses, in one line, a backup folder inside media/ or equal to the data folder', async () => {
    const database = await newTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'annalist-serve-folder-'));
    try {
      for (const [backupDir, reason] of [
        [join(dir, 'media', 'backups'), /inside the media folder/],
        [dir, /the data folder itself/],
      ] as const) {
        const config = readConfig(
          { ...database.env, LOG_LEVEL: 'silent' },
          { dataDir: dir, backupDir, port: 0, host: '127.0.0.1', workers: 1, databaseUrl: database.databaseUrl },
        );
        await assert.rejects(startServer(config), (err: Error) => {
          assert.ok(err instanceof ConfigError, 'a one-line refusal, as for any other setting');
          assert.match(err.message, reason);
          assert.match(err.message, /ANNALIST_BACKUP_DIR/);
          assert.doesNotMatch(err.message, /\n/);
          return true;
        });
      }
      assert.equal(existsSync(join(dir, 'media', 'backups')), false, 'nothing was made');
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
