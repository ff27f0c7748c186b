import { AppError } from '../shared/errors.ts';
import { parseTimeOfDay, WEEKDAYS, type Weekday } from './next-backup-time.ts';

/**
 * The backup schedule as stored (setting `backup.schedule`) and shown on /admin/backups. Where archives go is
 * not part of it: the operator sets the folder (backup.deps.ts), so no form can point it at a server path.
 */
export interface BackupSchedule {
  frequency: 'off' | 'daily' | 'weekly';
  /** Weekly backups run on this day. */
  weekday: Weekday;
  /** "HH:MM" in the site's time zone. */
  time: string;
  /** Scheduled archives kept; older ones the schedule wrote are removed after each successful run. */
  keep: number;
}

export const BACKUP_FREQUENCIES = ['off', 'daily', 'weekly'] as const;
export const BACKUP_KEEP_LIMITS = { min: 1, max: 100 } as const;

/** A new site backs up nothing until an owner turns the schedule on. */
export const DEFAULT_BACKUP_SCHEDULE: BackupSchedule = {
  frequency: 'off',
  weekday: 'sunday',
  time: '03:00',
  keep: 7,
};

/** The form as typed: every field a string, so a refused value is shown back unchanged. */
export type BackupScheduleForm = Record<keyof BackupSchedule, string>;

export function scheduleForm(s: BackupSchedule): BackupScheduleForm {
  return { frequency: s.frequency, weekday: s.weekday, time: s.time, keep: String(s.keep) };
}

/** Checks the whole form; every problem is reported at once, by field (SETTINGS_INVALID), nothing saved. */
export function validateBackupSchedule(form: BackupScheduleForm): BackupSchedule {
  const fields: Record<string, string> = {};
  const frequency = form.frequency.trim();
  if (!(BACKUP_FREQUENCIES as readonly string[]).includes(frequency)) fields.frequency = 'Choose off, daily or weekly.';
  const weekday = form.weekday.trim();
  if (!(WEEKDAYS as readonly string[]).includes(weekday)) fields.weekday = 'Choose a day of the week.';
  const time = form.time.trim();
  if (parseTimeOfDay(time) === undefined) fields.time = 'Give a time of day as HH:MM, from 00:00 to 23:59.';
  const keep = form.keep.trim();
  const { min, max } = BACKUP_KEEP_LIMITS;
  if (!/^[0-9]{1,3}$/.test(keep) || Number(keep) < min || Number(keep) > max)
    fields.keep = `Give a whole number of backups to keep from ${min} to ${max}.`;
  if (Object.keys(fields).length > 0)
    throw new AppError('SETTINGS_INVALID', 'Some backup settings need a correction; nothing was saved.', { fields });
  return {
    frequency: frequency as BackupSchedule['frequency'],
    weekday: weekday as Weekday,
    time,
    keep: Number(keep),
  };
}

/**
 * A stored schedule read back: anything malformed (a hand-edited row) falls back to the default, switched off.
 * A `folder` an earlier version stored is ignored: the folder is the operator's (backup.deps.ts).
 */
export function parseStoredSchedule(json: string | undefined): BackupSchedule {
  if (json === undefined) return DEFAULT_BACKUP_SCHEDULE;
  try {
    const v = JSON.parse(json) as Partial<Record<keyof BackupSchedule, unknown>>;
    return validateBackupSchedule({
      frequency: String(v.frequency ?? ''),
      weekday: String(v.weekday ?? ''),
      time: String(v.time ?? ''),
      keep: String(v.keep ?? ''),
    });
  } catch {
    return DEFAULT_BACKUP_SCHEDULE;
  }
}
