/**
 * Historical dates as EDTF (Extended Date/Time Format, ISO 8601-2 levels 0–2): parsed with the position of any
 * mistake, bounded by two integer day numbers for sorting and range queries, and written out in words.
 * The public face of the history module's dates; decision 038 says how they are stored and worded.
 */
import { Cursor, EdtfSyntaxError } from './edtf-cursor.ts';
import { readEdtf } from './edtf-parse.ts';
import type { Bounds, EdtfError, ParseResult } from './edtf-types.ts';

export { calendarDayOf, dayNumber, OPEN_END_DAY, OPEN_START_DAY } from './day-number.ts';
export type {
  Bounds,
  DateExtent,
  EdtfError,
  HistoricalDate,
  IntervalDate,
  OpenEnd,
  ParseResult,
  PointDate,
  Qualifiers,
  SetDate,
  SetMember,
} from './edtf-types.ts';
export { type DateWordsOptions, formatHistoricalDate } from './edtf-words.ts';

/** The longest EDTF text accepted; longer texts are refused whole, never cut. */
export const EDTF_MAX_LENGTH = 100;

const refusal = (position: number, message: string): EdtfError => ({
  ok: false,
  code: 'INVALID_EDTF',
  position,
  message,
});

/**
 * Parses an EDTF date as written ("1939", "1939-05~", "1939-05-11/1939-09-16", "193X", "-0489", "1939-21").
 * Returns the date with its bounds, or `INVALID_EDTF` with the 1-based character at fault and a message naming it.
 */
export function parseHistoricalDate(text: string): ParseResult {
  if (text.length === 0) return refusal(1, 'Character 1: the date is empty; write a year such as 1939');
  if (text.length > EDTF_MAX_LENGTH) {
    return refusal(
      EDTF_MAX_LENGTH + 1,
      `Character ${EDTF_MAX_LENGTH + 1}: a date is at most ${EDTF_MAX_LENGTH} characters; this one has ${text.length}`,
    );
  }
  try {
    const { date, level } = readEdtf(new Cursor(text));
    return { ok: true, date: { ...date, text, level } };
  } catch (error) {
    if (error instanceof EdtfSyntaxError) return refusal(error.position, error.message);
    throw error;
  }
}

/** Orders dates by lower bound, then upper bound (the timeline's order); 0 when both are equal. */
export function compareHistoricalDates(a: Bounds, b: Bounds): number {
  return Math.sign(a.lower - b.lower) || Math.sign(a.upper - b.upper);
}
