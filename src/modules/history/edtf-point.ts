/**
 * Reading one EDTF date (a year, month, day or season, with qualifiers and unspecified digits) at a cursor. Every
 * refusal names the character it is at and what to write instead. Decision 038.
 */
import { daysInMonth } from './day-number.ts';
import { matchingValues, pointBounds } from './edtf-bounds.ts';
import { type Cursor, notADigit } from './edtf-cursor.ts';
import type { PointDate, Qualifiers } from './edtf-types.ts';

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const NONE: Qualifiers = { uncertain: false, approximate: false };
const DIGIT_OR_X = /^[0-9X]$/;
const LONG_YEAR_DIGITS = { min: 5, max: 9 };

/** A qualifier (`?`, `~`, `%`) at the cursor, consumed, or undefined. */
function readQualifier(c: Cursor): Qualifiers | undefined {
  const ch = c.peek();
  if (ch !== '?' && ch !== '~' && ch !== '%') return undefined;
  c.pos++;
  if (['?', '~', '%'].includes(c.peek())) c.fail('one qualifier at a time: % means uncertain (?) and approximate (~)');
  return { uncertain: ch !== '~', approximate: ch !== '?' };
}

function refuseExponent(c: Cursor): void {
  if (c.peek() === 'E' || c.peek() === 'S') {
    c.fail('exponential years (E) and significant digits (S) are not supported; write the year in full');
  }
}

/** `Y` and five to nine digits, optionally negative: "Y-10000". */
function readLongYear(c: Cursor): string {
  const at = c.pos - 1;
  const negative = c.eat('-');
  const digitsAt = c.pos;
  while (/[0-9]/.test(c.peek())) c.pos++;
  const digits = c.text.slice(digitsAt, c.pos);
  if (digits.length < LONG_YEAR_DIGITS.min || digits.startsWith('0')) {
    c.fail('a year after Y has five or more digits, the first not 0; write a shorter year without the Y (1939)', at);
  }
  if (digits.length > LONG_YEAR_DIGITS.max) c.fail('years beyond 999999999 are not supported', at);
  refuseExponent(c);
  return (negative ? '-' : '') + digits;
}

/** A year: four digits or X, optionally negative ("-0489" is 490 BC), or a Y year. */
function readYear(c: Cursor): string {
  const at = c.pos;
  if (c.eat('Y')) return readLongYear(c);
  const negative = c.eat('-');
  const digitsAt = c.pos;
  for (let i = 0; i < 4; i++) {
    const ch = c.peek();
    if (DIGIT_OR_X.test(ch)) {
      c.pos++;
      continue;
    }
    const first = i === 0 && !negative;
    c.fail(
      notADigit(ch) ??
        (first
          ? 'a date starts with a four-digit year, such as 1939'
          : 'a year has four digits (0193 for the year 193)'),
    );
  }
  if (/[0-9X]/.test(c.peek())) c.fail('a year has four digits; write a longer year with a Y in front (Y12345)');
  refuseExponent(c);
  const digits = c.text.slice(digitsAt, c.pos);
  if (negative && digits === '0000') c.fail('the year 0000 (1 BC) takes no minus sign', at);
  return (negative ? '-' : '') + digits;
}

/** Two digits or X after a '-': a month, season or day. */
function readTwo(c: Cursor, what: 'month' | 'day'): string {
  const example = what === 'month' ? '05 for May' : '09 for the ninth';
  for (let i = 0; i < 2; i++) {
    const ch = c.peek();
    if (!DIGIT_OR_X.test(ch)) c.fail(notADigit(ch) ?? `a ${what} has two digits (${example})`);
    c.pos++;
  }
  if (/[0-9X]/.test(c.peek())) c.fail(`a ${what} has two digits (${example})`);
  return c.text.slice(c.pos - 2, c.pos);
}

interface Component {
  readonly value: string;
  readonly at: number;
  readonly pre: Qualifiers | undefined;
  readonly post: Qualifiers | undefined;
}

function readComponent(c: Cursor, read: () => string): Component {
  const pre = readQualifier(c);
  const at = c.pos;
  const value = read();
  return { value, at, pre, post: readQualifier(c) };
}

/** The month and the season of a month component, refusing values that are neither. */
function monthOrSeason(c: Cursor, month: Component): { month?: string; season?: number } {
  const refuse = () => c.fail('a month must be 01–12 (21–24 for spring to winter)', month.at);
  if (month.value.includes('X')) {
    if (matchingValues(month.value, 1, 12).length === 0) refuse();
    return { month: month.value };
  }
  const n = Number(month.value);
  if (n >= 1 && n <= 12) return { month: month.value };
  if (n >= 21 && n <= 41) return { season: n };
  return refuse();
}

function checkDay(c: Cursor, year: string, month: string, day: Component): void {
  if (day.value.includes('X')) return;
  const n = Number(day.value);
  if (n < 1 || (n > 31 && month.includes('X'))) c.fail('a day must be 01–31', day.at);
  if (month.includes('X')) return;
  const m = Number(month);
  const yearKnown = m === 2 && !year.includes('X');
  // Without the year, the most days the month ever has (2000 is a leap year).
  const most = daysInMonth(yearKnown ? Number(year) : 2000, m);
  if (n <= most) return;
  if (yearKnown && n === 29) c.fail(`${year} is not a leap year: its February has 28 days`, day.at);
  c.fail(`${MONTH_NAMES[m - 1]}${yearKnown ? ` ${year}` : ''} has ${most} days`, day.at);
}

/** Each component's qualifiers: its own before it, and every one after it or a later component (EDTF level 2). */
function qualifiersOf(components: readonly Component[]): Qualifiers[] {
  return components.map((own, i) => {
    const applying = [own.pre, ...components.slice(i).map((later) => later.post)];
    return {
      uncertain: applying.some((q) => q?.uncertain),
      approximate: applying.some((q) => q?.approximate),
    };
  });
}

function levelOf(components: readonly Component[], season: number | undefined): 0 | 1 | 2 {
  const [year, month, day] = components.map((x) => x.value);
  const last = components.length - 1;
  const marked = components.some((x, i) => x.pre || (x.post && i < last));
  const trailingX = /^-?[0-9]*X*$/.test(year ?? '') && (!year?.includes('X') || month === undefined);
  const wholeX = (v: string | undefined) => v === undefined || v === 'XX' || !v.includes('X');
  const unspecified = [year, month, day].some((v) => v?.includes('X'));
  const level1X = trailingX && wholeX(month) && wholeX(day) && !(month === 'XX' && day !== undefined && day !== 'XX');
  if (marked || (unspecified && !level1X) || (season !== undefined && season > 24)) return 2;
  const long = (year ?? '').replace('-', '').length > 4;
  return unspecified || season !== undefined || components[last]?.post || long ? 1 : 0;
}

/** Reads one date at the cursor; fails with the position of the first problem. */
export function readPoint(c: Cursor): { point: PointDate; level: 0 | 1 | 2 } {
  const start = c.pos;
  const components = [readComponent(c, () => readYear(c))];
  if (c.eat('-')) components.push(readComponent(c, () => readTwo(c, 'month')));
  const [year, month] = components as [Component, Component | undefined];
  const parts = month ? monthOrSeason(c, month) : {};
  if (c.peek() === '-' && parts.season !== undefined) c.fail('a season has no day');
  if (month && c.eat('-')) components.push(readComponent(c, () => readTwo(c, 'day')));
  const day = components[2];
  if (day && parts.month) checkDay(c, year.value, parts.month, day);
  const bounds = pointBounds({ year: year.value, month: parts.month, day: day?.value, season: parts.season });
  if (!bounds) c.fail(`no day of the calendar matches ${c.text.slice(start, c.pos)}`, day?.at ?? start);
  const [qy = NONE, qm = NONE, qd = NONE] = qualifiersOf(components);
  const point: PointDate = {
    kind: 'point',
    year: year.value,
    ...parts,
    ...(day ? { day: day.value } : {}),
    qualifiers: { year: qy, month: qm, day: qd },
    ...bounds,
    uncertain: qy.uncertain || qm.uncertain || qd.uncertain,
    approximate: qy.approximate || qm.approximate || qd.approximate,
  };
  return { point, level: levelOf(components, parts.season) };
}
