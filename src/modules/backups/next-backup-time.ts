/**
 * When a scheduled backup next falls due: a time of day on every day, or on one weekday, in the site's time zone.
 * Pure functions of their inputs (no clock), so the rules below are tested with fixed instants.
 *
 * Daylight saving time: a local time that does not exist that day (02:30 on the night the clocks go forward)
 * runs at the first moment after the gap, the instant the clocks jump; a local time that happens twice (01:30
 * on the night they go back) runs at its first occurrence only. Either way the day gets exactly one run.
 */

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BackupTimeRule {
  frequency: 'daily' | 'weekly';
  /** Used when weekly. */
  weekday: Weekday;
  /** "HH:MM", 24-hour, local to `timeZone`. */
  time: string;
  /** IANA time zone, e.g. "Europe/London". */
  timeZone: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const formats = new Map<string, Intl.DateTimeFormat>();
function formatIn(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (err) {
      // A zone stored by hand or by an import: said in words the dashboard can show, not as Intl's RangeError.
      throw new Error(
        `the site's time zone "${timeZone.slice(0, 100)}" is not one this server knows; choose one in Site settings`,
        {
          cause: err,
        },
      );
    }
    formats.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading in `timeZone` at instant `ms`, as if that reading were UTC (milliseconds). */
function wallClock(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatIn(timeZone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = +p.value;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall + (ms - Math.floor(ms / 1000) * 1000);
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (positive east of Greenwich). */
const offsetAt = (ms: number, timeZone: string) => wallClock(ms, timeZone) - ms;

/**
 * The first instant whose local reading in `timeZone` is `wall` (a wall-clock time written as UTC ms) or, when
 * no instant reads `wall` (it falls in a gap), the instant the clocks jump over it.
 */
export function instantOfWallTime(wall: number, timeZone: string): number {
  // Any transition near `wall` has the offset of the day before on one side and of the day after on the other.
  const offsets = [...new Set([offsetAt(wall - DAY, timeZone), offsetAt(wall + DAY, timeZone)])];
  const exact = offsets
    .map((o) => wall - o)
    .filter((t) => wallClock(t, timeZone) === wall)
    .sort((a, b) => a - b);
  if (exact.length > 0) return exact[0]!;
  // In a gap: before the jump the local time is earlier than `wall`, after it later. Find the jump.
  let lo = wall - Math.max(...offsets); // reads before `wall`
  let hi = wall - Math.min(...offsets); // reads after `wall`
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (wallClock(mid, timeZone) < wall) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The local calendar date of instant `ms` in `timeZone`, as UTC midnight of that date (milliseconds). */
function localDate(ms: number, timeZone: string): number {
  const wall = wallClock(ms, timeZone);
  return wall - (((wall % DAY) + DAY) % DAY);
}

/** "HH:MM" as milliseconds after midnight; undefined when it is not a time of day. */
export function parseTimeOfDay(text: string): number | undefined {
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(text);
  return m ? Number(m[1]) * HOUR + Number(m[2]) * MINUTE : undefined;
}

/** The first moment strictly after `after` at which `rule` says a backup runs. */
export function nextBackupTime(rule: BackupTimeRule, after: Date): Date {
  const timeOfDay = parseTimeOfDay(rule.time);
  if (timeOfDay === undefined) throw new Error(`Not a time of day: ${rule.time}`);
  const wanted = WEEKDAYS.indexOf(rule.weekday);
  const from = after.getTime();
  // Start a day early: the local date may still be yesterday's where the zone is behind UTC.
  const firstDay = localDate(from, rule.timeZone) - DAY;
  for (let day = firstDay; day <= firstDay + 9 * DAY; day += DAY) {
    if (rule.frequency === 'weekly' && new Date(day).getUTCDay() !== wanted) continue;
    const at = instantOfWallTime(day + timeOfDay, rule.timeZone);
    if (at > from) return new Date(at);
  }
  throw new Error('No backup time found within ten days'); // cannot happen: a week always has the weekday
}
