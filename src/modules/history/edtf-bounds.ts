/**
 * The bounds of one EDTF date as day numbers: the first and the last day the written value allows. Unspecified
 * digits (X) widen them to every value they could stand for (193X: 1930-01-01..1939-12-31); qualifiers do not
 * (1939-05~ is 1 May..31 May 1939): they are kept as flags. Decision 038.
 */
import { type CalendarDay, dayNumber, daysInMonth } from './day-number.ts';
import type { Bounds } from './edtf-types.ts';

/** The components bounds are computed from, written as in the EDTF (see `PointDate`). */
export interface PointPattern {
  readonly year: string;
  readonly month?: string | undefined;
  readonly day?: string | undefined;
  readonly season?: number | undefined;
}

/**
 * The months of each season code (ISO 8601-2), first and last, a last month past 12 running into the next year.
 * 21–24 (spring..winter) are read as the northern hemisphere's meteorological seasons, as 25–28 are.
 */
export const SEASON_MONTHS: Readonly<Record<number, readonly [number, number]>> = {
  21: [3, 5],
  22: [6, 8],
  23: [9, 11],
  24: [12, 14],
  25: [3, 5],
  26: [6, 8],
  27: [9, 11],
  28: [12, 14],
  29: [9, 11],
  30: [12, 14],
  31: [3, 5],
  32: [6, 8],
  33: [1, 3],
  34: [4, 6],
  35: [7, 9],
  36: [10, 12],
  37: [1, 4],
  38: [5, 8],
  39: [9, 12],
  40: [1, 6],
  41: [7, 12],
};

/** The numbers lo..hi, ascending, whose zero-padded digits match a pattern with X for any digit. */
export function matchingValues(pattern: string, lo: number, hi: number): number[] {
  const values: number[] = [];
  for (let v = lo; v <= hi; v++) {
    const digits = String(v).padStart(pattern.length, '0');
    if ([...pattern].every((ch, i) => ch === 'X' || ch === digits[i])) values.push(v);
  }
  return values;
}

/** Every year a year pattern ("193X", "-04X9", "12345") stands for, earliest first or (`latest`) last first. */
export function* yearsOf(year: string, latest: boolean): Generator<number> {
  const negative = year.startsWith('-');
  const digits = negative ? year.slice(1) : year;
  const unknown = digits.split('X').length - 1;
  const count = 10 ** unknown;
  for (let k = 0; k < count; k++) {
    // Filling the X digits with k ascending makes the digits ascend; a minus sign turns that order round.
    const i = negative !== latest ? count - 1 - k : k;
    const fill = String(i).padStart(unknown, '0');
    let j = 0;
    const value = Number(digits.replace(/X/g, () => fill[j++] ?? '0'));
    yield negative ? -value : value;
  }
}

const firstYear = (year: string, latest: boolean): number => yearsOf(year, latest).next().value ?? 0;

/** The earliest (or `latest`) calendar day a pattern allows, or undefined when no real day matches it. */
function extremeDay(p: PointPattern, latest: boolean): CalendarDay | undefined {
  const months = p.month ? matchingValues(p.month, 1, 12) : [1, 12];
  if (months.length === 0) return undefined;
  if (p.day) return extremeDayOfDays(p.year, months, p.day, latest);
  const year = firstYear(p.year, latest);
  const month = (latest ? months.at(-1) : months[0]) ?? 1;
  return { year, month, day: latest ? daysInMonth(year, month) : 1 };
}

/** With a day pattern: the first (or last) year and month that has a day matching it (19X1-02-29 has none). */
function extremeDayOfDays(year: string, months: number[], day: string, latest: boolean): CalendarDay | undefined {
  if (matchingValues(day, 1, 31).length === 0) return undefined;
  for (const y of yearsOf(year, latest)) {
    for (const month of latest ? [...months].reverse() : months) {
      const days = matchingValues(day, 1, daysInMonth(y, month));
      const d = latest ? days.at(-1) : days[0];
      if (d !== undefined) return { year: y, month, day: d };
    }
  }
  return undefined;
}

function seasonBounds(year: string, season: number): Bounds {
  const [first, last] = SEASON_MONTHS[season] ?? [1, 12];
  const lastYear = firstYear(year, true) + (last > 12 ? 1 : 0);
  const lastMonth = ((last - 1) % 12) + 1;
  return {
    lower: dayNumber(firstYear(year, false), first, 1),
    upper: dayNumber(lastYear, lastMonth, daysInMonth(lastYear, lastMonth)),
  };
}

/** The first and last day numbers of a date, or undefined when no real day matches it (e.g. 19X1-02-29). */
export function pointBounds(p: PointPattern): Bounds | undefined {
  if (p.season !== undefined) return seasonBounds(p.year, p.season);
  const first = extremeDay(p, false);
  const last = extremeDay(p, true);
  if (!first || !last) return undefined;
  return { lower: dayNumber(first.year, first.month, first.day), upper: dayNumber(last.year, last.month, last.day) };
}
