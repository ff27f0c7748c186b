import { inTransaction } from '../../storage/transaction.ts';
import { cancelJob, enqueueJob, findJobByKey } from '../jobs/job.repository.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { readSetting, writeSetting } from '../shared/settings.repository.ts';
import { type BackupDeps, SCHEDULED_BACKUP_KEY, SITE_BACKUP } from './backup.deps.ts';
import { insertFailedBackupRun, oneLine } from './backup-run.repository.ts';
import {
  type BackupSchedule,
  type BackupScheduleForm,
  parseStoredSchedule,
  validateBackupSchedule,
} from './backup-schedule.ts';
import { nextBackupTime } from './next-backup-time.ts';

/** The setting that holds the schedule (JSON). Settings rows travel with a backup, so a restore keeps it. */
export const BACKUP_SCHEDULE_SETTING = 'backup.schedule';

type Deps = Pick<BackupDeps, 'db' | 'clock'>;

export async function getBackupSchedule(deps: Pick<BackupDeps, 'db'>): Promise<BackupSchedule> {
  return parseStoredSchedule(await readSetting(deps.db, BACKUP_SCHEDULE_SETTING));
}

/** When the schedule next runs after `after`, in the site's time zone; undefined when it is off. */
export async function nextScheduledBackup(
  deps: Pick<BackupDeps, 'db'>,
  schedule: BackupSchedule,
  after: Date,
): Promise<Date | undefined> {
  if (schedule.frequency === 'off') return undefined;
  const { timeZone } = await getSiteSettings(deps);
  return nextBackupTime({ ...schedule, frequency: schedule.frequency, timeZone }, after);
}

/**
 * Books the schedule's next run (one job row, key backup:scheduled) after `after`, replacing any booked one;
 * cancels it when the schedule is off. Pass the caller's transaction as `deps.db` to book with a change.
 */
export async function bookNextBackup(deps: Pick<BackupDeps, 'db'>, schedule: BackupSchedule, after: Date) {
  const at = await nextScheduledBackup(deps, schedule, after);
  if (!at) {
    await cancelJob(deps.db, SCHEDULED_BACKUP_KEY);
    return undefined;
  }
  await enqueueJob(deps.db, {
    kind: SITE_BACKUP,
    uniqueKey: SCHEDULED_BACKUP_KEY,
    payload: { trigger: 'schedule' },
    runAt: at,
    createdAt: after,
  });
  return at;
}

/** A schedule whose next run could not be booked: one failed run, so the dashboard says why. */
export async function recordBookingFailure(
  deps: Pick<BackupDeps, 'db' | 'clock' | 'node' | 'folder'>,
  error: string,
): Promise<void> {
  await insertFailedBackupRun(deps.db, {
    trigger: 'schedule',
    node: deps.node,
    folder: deps.folder,
    at: deps.clock.now().toISOString(),
    error,
  });
}

/**
 * bookNextBackup that never throws: a failure (a time zone this server does not know, stored by hand or by an
 * import) is logged and, with `record`, kept as a failed run the dashboard shows. Resolves to that one-line
 * failure, or undefined when the next run was booked (or the schedule is off).
 */
export async function bookNextBackupOrRecord(
  deps: Pick<BackupDeps, 'db' | 'clock' | 'node' | 'folder' | 'log'>,
  schedule: BackupSchedule,
  after: Date,
  opts: { record: boolean },
): Promise<string | undefined> {
  try {
    await bookNextBackup(deps, schedule, after);
    return undefined;
  } catch (err) {
    deps.log?.error({ err }, 'the next scheduled backup could not be booked');
    const error = `The next scheduled backup could not be booked: ${oneLine(err)}`;
    if (opts.record) await recordBookingFailure(deps, error);
    return error;
  }
}

/**
 * Saves the schedule form (every field checked: SETTINGS_INVALID names each problem, nothing is saved) and
 * books the next run from now, in one transaction. Returns the schedule and the next run, if any.
 */
export async function saveBackupSchedule(
  deps: Deps & Pick<BackupDeps, 'noteWrite'>,
  form: BackupScheduleForm,
): Promise<{ schedule: BackupSchedule; nextRunAt: Date | undefined }> {
  const schedule = validateBackupSchedule(form);
  const value = JSON.stringify(schedule);
  const nextRunAt = await inTransaction(deps.db, async (trx) => {
    await writeSetting(trx, BACKUP_SCHEDULE_SETTING, value);
    try {
      return await bookNextBackup({ db: trx }, schedule, deps.clock.now());
    } catch (err) {
      // The site's time zone unknown to this server: said on the form, and nothing saved.
      throw new AppError('SETTINGS_INVALID', 'Some backup settings need a correction; nothing was saved.', {
        fields: { time: `${oneLine(err).replace(/^the/, 'The')}.` },
        cause: err,
      });
    }
  });
  deps.noteWrite(NOTHING_CHANGED);
  return { schedule, nextRunAt };
}

/**
 * At start: a schedule that is on gets its next run booked when none is (a site restored from a backup, a job
 * row removed by hand). A booked run is left alone, even one whose time passed while the server was down: the
 * worker runs it once, and that run books the next. Never throws for a schedule it cannot book: that is logged
 * and recorded as a failed run, and the server starts all the same.
 */
export async function ensureBackupBooked(deps: Deps & Pick<BackupDeps, 'node' | 'folder' | 'log'>): Promise<void> {
  const schedule = await getBackupSchedule(deps);
  if (schedule.frequency === 'off') return;
  const booked = await findJobByKey(deps.db, SCHEDULED_BACKUP_KEY);
  if (booked && booked.done_at === null) return;
  await bookNextBackupOrRecord(deps, schedule, deps.clock.now(), { record: true });
}
