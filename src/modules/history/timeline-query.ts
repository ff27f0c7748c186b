/**
 * A timeline's address as a reader or a program writes it: `zoom` (decade, year, month), `from` and `to` (EDTF
 * dates without qualifiers: `1939`, `1939-05`, `1939-05-11`, `-0489`, `193X`), checked into day numbers.
 * Everything wrong is TIMELINE_QUERY_INVALID with the field named.
 */
import { AppError } from '../shared/errors.ts';
import { parseHistoricalDate } from './edtf.ts';
import { ZOOMS, type Zoom } from './timeline.ts';

/** A checked range and zoom; `fromText`/`toText` as written, for the links that keep them. */
export interface TimelineRange {
  zoom?: Zoom;
  from?: number;
  to?: number;
  fromText?: string;
  toText?: string;
}

const invalid = (field: string, message: string) =>
  new AppError('TIMELINE_QUERY_INVALID', message, { fields: { [field]: message }, detail: field });

/** One end of a range: its lower bound for `from`, its upper bound for `to`. */
function readEnd(field: 'from' | 'to', text: string): number {
  const parsed = parseHistoricalDate(text);
  if (!parsed.ok)
    throw invalid(field, `“${field}” is not a date: ${parsed.message} (write a year such as 1939, or 1939-05).`);
  if (parsed.date.kind !== 'point')
    throw invalid(field, `“${field}” must be one date (a year, a month or a day), not a range or a set.`);
  return field === 'from' ? parsed.date.lower : parsed.date.upper;
}

/** Reads `zoom`, `from` and `to` (each absent or empty: not given). */
export function readTimelineRange(q: { zoom?: string; from?: string; to?: string }): TimelineRange {
  const range: TimelineRange = {};
  if (q.zoom) {
    if (!(ZOOMS as readonly string[]).includes(q.zoom)) throw invalid('zoom', '“zoom” must be decade, year or month.');
    range.zoom = q.zoom as Zoom;
  }
  if (q.from) {
    range.from = readEnd('from', q.from);
    range.fromText = q.from;
  }
  if (q.to) {
    range.to = readEnd('to', q.to);
    range.toText = q.to;
  }
  if (range.from !== undefined && range.to !== undefined && range.from > range.to)
    throw invalid('from', '“from” comes after “to”: swap them.');
  return range;
}
