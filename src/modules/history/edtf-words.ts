/**
 * EDTF dates written out in English, in the wording decision 038 sets out: "c. May 1939", "1939 (uncertain)",
 * "between 11 May and 16 September 1939", "the 1930s", "490 BC", "spring 1939", "until 1939", "from 1939 onwards".
 */
import { type CalendarDay, calendarDayOf, OPEN_END_DAY, OPEN_START_DAY } from './day-number.ts';
import { SEASON_MONTHS, yearsOf } from './edtf-bounds.ts';
import { MONTH_NAMES } from './edtf-point.ts';
import type { HistoricalDate, IntervalDate, PointDate, Qualifiers, SetDate, SetMember } from './edtf-types.ts';

/** How years before and after the start of the era are marked: 490 BC / AD 79 (default) or 490 BCE / 79 CE. */
export interface DateWordsOptions {
  readonly era?: 'BC' | 'BCE';
}

interface Style {
  readonly era: 'BC' | 'BCE';
  /** Mark every year of the era (AD 1200), as in a date that also has years before it. */
  readonly markAll: boolean;
}

const grouped = (n: number): string => (n >= 10000 ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : String(n));

/** An astronomical year in words: 0 is 1 BC; years of the era under 1000 are marked (AD 79). */
function yearWords(year: number, s: Style): string {
  if (year <= 0) return `${grouped(1 - year)} ${s.era === 'BCE' ? 'BCE' : 'BC'}`;
  if (year >= 1000 && !s.markAll) return grouped(year);
  return s.era === 'BCE' ? `${grouped(year)} CE` : `AD ${grouped(year)}`;
}

const firstOf = (year: string, latest: boolean): number => yearsOf(year, latest).next().value ?? 0;

/** A year with unspecified digits: "the 1930s", "the 1900s", "an unknown year", "a year between 1905 and 1995". */
function yearPhrase(year: string, s: Style): string {
  if (!year.includes('X')) return yearWords(Number(year), s);
  const first = firstOf(year, false);
  if (/^[0-9]+X{1,2}$/.test(year) && first >= 100) return `the ${first}s`;
  if (/^-?X+$/.test(year)) return 'an unknown year';
  return `a year between ${yearWords(first, s)} and ${yearWords(firstOf(year, true), s)}`;
}

/** A day, month or year with no unknown digits, for the compact forms of "between". */
interface Plain {
  readonly year: number;
  readonly month?: number | undefined;
  readonly day?: number | undefined;
}

const monthDay = (p: Plain): string =>
  p.month === undefined ? '' : `${p.day === undefined ? '' : `${p.day} `}${MONTH_NAMES[p.month - 1]}`;
const plainWords = (p: Plain, s: Style): string => [monthDay(p), yearWords(p.year, s)].filter(Boolean).join(' ');

/** "between 11 and 16 May 1939", "between 11 May and 16 September 1939", "between 1939 and May 1940". */
function between(a: Plain, b: Plain, s: Style): string {
  if (a.year !== b.year || a.month === undefined || b.month === undefined) {
    return `between ${plainWords(a, s)} and ${plainWords(b, s)}`;
  }
  const start = a.month === b.month && a.day !== undefined && b.day !== undefined ? String(a.day) : monthDay(a);
  return `between ${start} and ${plainWords(b, s)}`;
}

/** The span a date with partly unknown month or day digits allows: "between 10 and 19 May 1939". */
function span(p: PointDate, s: Style): string {
  const precision = (d: CalendarDay): Plain => (p.day === undefined ? { year: d.year, month: d.month } : d);
  return between(precision(calendarDayOf(p.lower)), precision(calendarDayOf(p.upper)), s);
}

const SEASON_NAMES: Readonly<Record<number, string>> = {
  21: 'spring',
  22: 'summer',
  23: 'autumn',
  24: 'winter',
  33: 'first quarter of',
  34: 'second quarter of',
  35: 'third quarter of',
  36: 'fourth quarter of',
  40: 'first half of',
  41: 'second half of',
};

/** The name of a season (a hemisphere's seasons are named as 21–24 are) and its hemisphere note. */
function seasonName(code: number): { name: string; note: string } {
  const [first = 1, last = 12] = SEASON_MONTHS[code] ?? [];
  if (code >= 37 && code <= 39) return { name: `${MONTH_NAMES[first - 1]}–${MONTH_NAMES[last - 1]}`, note: '' };
  if (code >= 25 && code <= 32) {
    const northern = code <= 28;
    const name = SEASON_NAMES[northern ? code - 4 : code - 8] ?? '';
    return { name, note: ` (${northern ? 'Northern' : 'Southern'} Hemisphere)` };
  }
  return { name: SEASON_NAMES[code] ?? '', note: '' };
}

/** "spring 1939", "winter 1939–40", "first quarter of 1939", "spring in the 1930s". */
function seasonWords(p: PointDate, code: number, s: Style): string {
  const { name, note } = seasonName(code);
  const crosses = (SEASON_MONTHS[code]?.[1] ?? 12) > 12;
  if (p.year.includes('X')) return `${name.replace(/ of$/, ' of the year')} in ${yearPhrase(p.year, s)}${note}`;
  const y = Number(p.year);
  const next = y >= 1000 && Math.floor(y / 100) === Math.floor((y + 1) / 100) ? String(y + 1).slice(-2) : undefined;
  const years = !crosses ? yearWords(y, s) : next ? `${y}–${next}` : `${yearWords(y, s)}–${yearWords(y + 1, s)}`;
  return `${name} ${years}${note}`;
}

/** A date's words before its qualifiers. */
function baseWords(p: PointDate, s: Style): string {
  if (p.season !== undefined) return seasonWords(p, p.season, s);
  if (p.month === undefined) return yearPhrase(p.year, s);
  if (p.month === 'XX' && (p.day === undefined || p.day === 'XX')) {
    return `${yearPhrase(p.year, s)} (month${p.day ? ' and day' : ''} unknown)`;
  }
  if (p.month.includes('X') || (p.day?.includes('X') && p.day !== 'XX')) return span(p, s);
  const known: Plain = { year: 0, month: Number(p.month), day: p.day && p.day !== 'XX' ? Number(p.day) : undefined };
  const date = p.year.includes('X')
    ? `${monthDay(known)} in ${yearPhrase(p.year, s)}`
    : plainWords({ ...known, year: Number(p.year) }, s);
  return p.day === 'XX' ? `${date} (day unknown)` : date;
}

const andList = (items: readonly string[], last: string): string =>
  items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;

/** "c. May 1939", "1939 (uncertain)", "11 May 1939 (month uncertain; year approximate)". */
function pointWords(p: PointDate, s: Style): string {
  const names = ['year', ...(p.month || p.season ? [p.season ? 'season' : 'month'] : []), ...(p.day ? ['day'] : [])];
  const quals = [p.qualifiers.year, p.qualifiers.month, p.qualifiers.day].slice(0, names.length);
  const all = (k: keyof Qualifiers) => quals.every((q) => q[k]);
  const some = (k: keyof Qualifiers) => names.filter((_, i) => quals[i]?.[k]);
  const notes: string[] = [];
  if (all('uncertain')) notes.push('uncertain');
  else if (some('uncertain').length) notes.push(`${andList(some('uncertain'), 'and')} uncertain`);
  if (!all('approximate') && some('approximate').length)
    notes.push(`${andList(some('approximate'), 'and')} approximate`);
  const text = `${all('approximate') ? 'c. ' : ''}${baseWords(p, s)}`;
  return notes.length ? `${text} (${notes.join('; ')})` : text;
}

const isPlain = (p: PointDate): boolean =>
  !p.uncertain && !p.approximate && p.season === undefined && ![p.year, p.month, p.day].some((v) => v?.includes('X'));
const plainOf = (p: PointDate): Plain => ({
  year: Number(p.year),
  month: p.month === undefined ? undefined : Number(p.month),
  day: p.day === undefined ? undefined : Number(p.day),
});

function memberWords(m: SetMember, s: Style): string {
  if (m.kind === 'point') return pointWords(m, s);
  if (m.kind === 'earlier') return `${pointWords(m.date, s)} or earlier`;
  if (m.kind === 'later') return `${pointWords(m.date, s)} or later`;
  const [from, to] = [pointWords(m.from, s), pointWords(m.to, s)];
  return from.includes(' ') || to.includes(' ') ? `${from} – ${to}` : `${from}–${to}`;
}

function setWords(date: SetDate, s: Style): string {
  const items = date.members.map((m) => memberWords(m, s));
  if (date.kind === 'list') return andList(items, 'and');
  return items.length === 1 ? (items[0] ?? '') : `one of ${andList(items, 'or')}`;
}

function intervalWords({ start, end }: IntervalDate, s: Style): string {
  if (start.kind === 'point' && end.kind === 'point') {
    if (isPlain(start) && isPlain(end)) return between(plainOf(start), plainOf(end), s);
    return `between ${pointWords(start, s)} and ${pointWords(end, s)}`;
  }
  if (end.kind === 'point') return `until ${pointWords(end, s)}${start.kind === 'unknown' ? ' (start unknown)' : ''}`;
  if (start.kind === 'point')
    return `from ${pointWords(start, s)}${end.kind === 'unknown' ? ' (end unknown)' : ' onwards'}`;
  return '';
}

function dateWords(date: HistoricalDate, s: Style): string {
  if (date.kind === 'point') return pointWords(date, s);
  return date.kind === 'interval' ? intervalWords(date, s) : setWords(date, s);
}

/**
 * A parsed date in English words (decision 038): "1939", "11 May 1939", "c. May 1939", "1939 (uncertain)",
 * "between 11 May and 16 September 1939", "the 1930s", "490 BC", "spring 1939", "until 1939", "from 1939 onwards".
 */
export function formatHistoricalDate(date: HistoricalDate, options: DateWordsOptions = {}): string {
  const lowYear = date.lower === OPEN_START_DAY ? 1 : calendarDayOf(date.lower).year;
  const highYear = date.upper === OPEN_END_DAY ? 0 : calendarDayOf(date.upper).year;
  return dateWords(date, { era: options.era ?? 'BC', markAll: lowYear <= 0 && highYear >= 1 });
}
