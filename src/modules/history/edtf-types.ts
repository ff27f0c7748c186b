/**
 * The shapes of a parsed EDTF date (decision 038). Every form carries its bounds as day numbers (day-number.ts)
 * and whether any part of it is uncertain or approximate, for sorting, range queries and drawing.
 */

/** The qualifiers of one component: `?` uncertain, `~` approximate, `%` both. */
export interface Qualifiers {
  readonly uncertain: boolean;
  readonly approximate: boolean;
}

/** Bounds in day numbers, both inclusive; `OPEN_START_DAY`/`OPEN_END_DAY` where a side is open or unknown. */
export interface Bounds {
  readonly lower: number;
  readonly upper: number;
}

/** What every form has: its bounds and whether any part of it is uncertain or approximate. */
export interface DateExtent extends Bounds {
  readonly uncertain: boolean;
  readonly approximate: boolean;
}

/**
 * One date: a year, a month or a day, or a season of a year. Components are written as in the EDTF, with `X` for
 * an unspecified digit: `year` "1939", "193X", "-0489" (490 BC), "12345" (from Y12345); `month` "05" or "XX";
 * `day` "11" or "1X". `season` is the code 21–41 in place of a month.
 */
export interface PointDate extends DateExtent {
  readonly kind: 'point';
  readonly year: string;
  readonly month?: string;
  readonly day?: string;
  readonly season?: number;
  /** Per component; `month` also holds a season's qualifiers. Absent components are unqualified. */
  readonly qualifiers: { readonly year: Qualifiers; readonly month: Qualifiers; readonly day: Qualifiers };
}

/** An end of an interval that is no date: `..` (open: it runs on) or empty (unknown). */
export interface OpenEnd {
  readonly kind: 'open' | 'unknown';
}

/** `start/end`: a span of time, either end of which may be open (`..`) or unknown (empty). */
export interface IntervalDate extends DateExtent {
  readonly kind: 'interval';
  readonly start: PointDate | OpenEnd;
  readonly end: PointDate | OpenEnd;
}

/** A member of a set or list: a date, a range `a..b`, or an open member `..a` (a or earlier), `a..` (a or later). */
export type SetMember =
  | PointDate
  | { readonly kind: 'range'; readonly from: PointDate; readonly to: PointDate }
  | { readonly kind: 'earlier'; readonly date: PointDate }
  | { readonly kind: 'later'; readonly date: PointDate };

/** `[a,b]`: one of the members (`set`); `{a,b}`: all of them (`list`). */
export interface SetDate extends DateExtent {
  readonly kind: 'set' | 'list';
  readonly members: readonly SetMember[];
}

/** A parsed EDTF date: the text as written, its EDTF level, and its form. */
export type HistoricalDate = (PointDate | IntervalDate | SetDate) & {
  /** The EDTF text exactly as written. */
  readonly text: string;
  /** The lowest EDTF level (0, 1 or 2) the text belongs to. */
  readonly level: 0 | 1 | 2;
};

/** A refusal: `position` is the 1-based character the problem is at; `message` names it and says what to write. */
export interface EdtfError {
  readonly ok: false;
  readonly code: 'INVALID_EDTF';
  readonly position: number;
  readonly message: string;
}

export type ParseResult = { readonly ok: true; readonly date: HistoricalDate } | EdtfError;
