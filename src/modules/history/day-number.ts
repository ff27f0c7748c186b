/**
 * Day numbers: whole days since 1970-01-01 in the proleptic Gregorian calendar, negative before, with astronomical
 * years (year 0 is 1 BC, -1 is 2 BC). Integers, so SQLite and PostgreSQL store and sort them in an integer/bigint
 * column (decision 038). Arithmetic after Howard Hinnant's `days_from_civil`, exact for any safe-integer year.
 */

/** The lower bound of a date with an open or unknown start: sorts before every real day. */
export const OPEN_START_DAY = Number.MIN_SAFE_INTEGER;
/** The upper bound of a date with an open or unknown end: sorts after every real day. */
export const OPEN_END_DAY = Number.MAX_SAFE_INTEGER;

/** A calendar day: astronomical year, month 1–12, day 1–31. */
export interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number of days of a month (1–12) of an astronomical year. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 0);
}

/** The day number of a calendar day (month 1–12, day 1–31; not checked: see `daysInMonth`). */
export function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The calendar day of a day number (the inverse of `dayNumber`). */
export function calendarDayOf(n: number): CalendarDay {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}
