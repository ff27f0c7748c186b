/**
 * Timelines (issue 17, decision 044): what an event on a timeline is, how its date is drawn (firm, fuzzy or open
 * ends; unspecified digits), the zoom levels and the groups they make, and the reading of a timeline's query
 * (`zoom`, `from`, `to`). Pure: no HTTP, no database.
 */
import { calendarDayOf, dayNumber, OPEN_END_DAY, OPEN_START_DAY } from './day-number.ts';
import { formatHistoricalDate, parseHistoricalDate } from './edtf.ts';
import type { HistoricalDate, OpenEnd, PointDate } from './edtf-types.ts';

/** How one end of a date is drawn: known, approximate/uncertain/unspecified (faded), or open/unknown (runs off). */
export type EndStyle = 'firm' | 'fuzzy' | 'open';

/** What the time axis needs of a date. */
export interface DateDrawing {
  lower: number;
  upper: number;
  start: EndStyle;
  end: EndStyle;
  /** Unspecified digits (`193X`): the whole span is a range of possibilities, drawn faded. */
  unspecified: boolean;
}

/** An event on a timeline. */
export interface TimelineEvent {
  id: number;
  slug: string;
  name: string;
  description: string;
  /** The EDTF as written, and in words. */
  dateText: string;
  dateWords: string;
  drawing: DateDrawing;
}

export const ZOOMS = ['decade', 'year', 'month'] as const;
export type Zoom = (typeof ZOOMS)[number];

const hasX = (p: PointDate) => `${p.year}${p.month ?? ''}${p.day ?? ''}`.includes('X');
const fuzzyPoint = (p: PointDate) => p.uncertain || p.approximate || hasX(p);

function endStyle(e: PointDate | OpenEnd): EndStyle {
  if (e.kind !== 'point') return 'open';
  return fuzzyPoint(e) ? 'fuzzy' : 'firm';
}

/** How a parsed date is drawn on the axis. */
export function drawingOf(date: HistoricalDate): DateDrawing {
  const base = { lower: date.lower, upper: date.upper };
  if (date.kind === 'point') {
    const style: EndStyle = fuzzyPoint(date) ? 'fuzzy' : 'firm';
    return { ...base, start: style, end: style, unspecified: hasX(date) };
  }
  if (date.kind === 'interval') {
    const points = [date.start, date.end].filter((e): e is PointDate => e.kind === 'point');
    return { ...base, start: endStyle(date.start), end: endStyle(date.end), unspecified: points.some(hasX) };
  }
  // A set is one of its members: where it lies is uncertain across its whole span; a list is all of them.
  const style: EndStyle = date.kind === 'set' || date.uncertain || date.approximate ? 'fuzzy' : 'firm';
  return { ...base, start: style, end: style, unspecified: date.kind === 'set' };
}

/** An event row with its date read; undefined when the stored text no longer parses (never shown half-drawn). */
export function timelineEventOf(row: {
  id: number;
  slug: string;
  name: string;
  description: string;
  date_text: string | null;
}): TimelineEvent | undefined {
  if (!row.date_text) return undefined;
  const parsed = parseHistoricalDate(row.date_text);
  if (!parsed.ok) return undefined;
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    dateText: parsed.date.text,
    dateWords: formatHistoricalDate(parsed.date),
    drawing: drawingOf(parsed.date),
  };
}

/** The astronomical year of a bound, or undefined for an open one. */
const yearOfDay = (day: number): number | undefined =>
  day === OPEN_START_DAY || day === OPEN_END_DAY ? undefined : calendarDayOf(day).year;

/** The zoom that suits a span of time when the reader chose none: decades past 60 years, years past 3. */
export function zoomForSpan(lower: number, upper: number): Zoom {
  const a = yearOfDay(lower);
  const b = yearOfDay(upper);
  if (a === undefined || b === undefined) return 'decade';
  if (b - a > 60) return 'decade';
  return b - a > 3 ? 'year' : 'month';
}

/** A unit of the axis at a zoom: its first day, first day after it, and the EDTF that names it. */
export interface TimeUnit {
  start: number;
  next: number;
  /** `193X`-like for a decade of the era, `1939`, `1939-05`; `from`/`to` values for its links. */
  from: string;
  to: string;
}

/** An astronomical year as EDTF writes it: `1939`, `-0489`, `Y12345`. */
export function edtfYear(y: number): string {
  if (Math.abs(y) > 9999) return `Y${y}`;
  return y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
}

const two = (n: number) => String(n).padStart(2, '0');

/** The unit of `zoom` that holds `day`. */
export function unitOf(day: number, zoom: Zoom): TimeUnit {
  const { year, month } = calendarDayOf(day);
  if (zoom === 'month') {
    const next = month === 12 ? dayNumber(year + 1, 1, 1) : dayNumber(year, month + 1, 1);
    const ym = `${edtfYear(year)}-${two(month)}`;
    return { start: dayNumber(year, month, 1), next, from: ym, to: ym };
  }
  const first = zoom === 'decade' ? Math.floor(year / 10) * 10 : year;
  const last = zoom === 'decade' ? first + 9 : year;
  return {
    start: dayNumber(first, 1, 1),
    next: dayNumber(last + 1, 1, 1),
    from: edtfYear(first),
    to: edtfYear(last),
  };
}

/** A unit in words: "the 1930s" (or "between 490 and 481 BC"), "1939", "May 1939". */
export function unitWords(unit: TimeUnit, zoom: Zoom): string {
  const text = zoom === 'decade' ? `${unit.from}/${unit.to}` : unit.from;
  const parsed = parseHistoricalDate(text);
  if (!parsed.ok) return text;
  const first = calendarDayOf(unit.start).year;
  if (zoom === 'decade' && first >= 1000 && first <= 9990) return `the ${first}s`;
  return formatHistoricalDate(parsed.date);
}

/** The zoom one step finer, if there is one. */
export const finerZoom = (zoom: Zoom): Zoom | undefined =>
  zoom === 'decade' ? 'year' : zoom === 'year' ? 'month' : undefined;

/** Events in groups by the unit their lower bound falls in (an open start: a group of its own, first). */
export function groupByUnit(
  events: readonly TimelineEvent[],
  zoom: Zoom,
): { unit: TimeUnit | undefined; events: TimelineEvent[] }[] {
  const groups: { unit: TimeUnit | undefined; events: TimelineEvent[] }[] = [];
  for (const e of events) {
    const unit = e.drawing.lower === OPEN_START_DAY ? undefined : unitOf(e.drawing.lower, zoom);
    const last = groups.at(-1);
    if (last && last.unit?.start === unit?.start) last.events.push(e);
    else groups.push({ unit, events: [e] });
  }
  return groups;
}
