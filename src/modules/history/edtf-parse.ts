/**
 * The EDTF grammar above one date: intervals (`a/b`, open `..`, unknown empty ends) and level 2's sets `[a,b]`
 * and lists `{a,b}`. Decision 038.
 */
import { OPEN_END_DAY, OPEN_START_DAY } from './day-number.ts';
import { type Cursor, notADigit } from './edtf-cursor.ts';
import { readPoint } from './edtf-point.ts';
import type { IntervalDate, OpenEnd, PointDate, SetDate, SetMember } from './edtf-types.ts';

type Level = 0 | 1 | 2;
interface Parsed {
  readonly date: PointDate | IntervalDate | SetDate;
  readonly level: Level;
}

const maxLevel = (a: Level, b: Level): Level => (a > b ? a : b);

/** One end of an interval after its '/': a date, `..` (open) or nothing (unknown). */
function readEnd(c: Cursor): { end: PointDate | OpenEnd; level: Level } {
  if (c.done) return { end: { kind: 'unknown' }, level: 1 };
  if (c.eat('..')) return { end: { kind: 'open' }, level: 1 };
  if (c.peek() === '/') c.fail('an interval has a single /');
  const { point, level } = readPoint(c);
  return { end: point, level };
}

function readStart(c: Cursor): { start: PointDate | OpenEnd; level: Level } {
  if (c.eat('..')) {
    if (c.peek() !== '/') c.fail("an open start '..' is followed by / and the end date (../1939)");
    return { start: { kind: 'open' }, level: 1 };
  }
  if (c.peek() === '/') return { start: { kind: 'unknown' }, level: 1 };
  const { point, level } = readPoint(c);
  return { start: point, level };
}

function readIntervalOrPoint(c: Cursor): Parsed {
  const { start, level: startLevel } = readStart(c);
  if (start.kind === 'point' && c.peek() !== '/') return { date: start, level: startLevel };
  c.pos++;
  const endAt = c.pos;
  const { end, level: endLevel } = readEnd(c);
  if (start.kind !== 'point' && end.kind !== 'point') c.fail('an interval needs a date at one end at least', endAt);
  if (start.kind === 'point' && end.kind === 'point' && end.upper < start.lower) {
    c.fail('the interval ends before it begins', endAt);
  }
  const points = [start, end].filter((x): x is PointDate => x.kind === 'point');
  const date: IntervalDate = {
    kind: 'interval',
    start,
    end,
    lower: start.kind === 'point' ? start.lower : OPEN_START_DAY,
    upper: end.kind === 'point' ? end.upper : OPEN_END_DAY,
    uncertain: points.some((p) => p.uncertain),
    approximate: points.some((p) => p.approximate),
  };
  return { date, level: maxLevel(startLevel, endLevel) };
}

/** A set or list member: a date, `a..b`, `..a` (first member) or `a..` (last member). */
function readMember(c: Cursor, first: boolean, close: string): SetMember {
  const at = c.pos;
  if (c.eat('..')) {
    if (!first) c.fail("the first member alone can start with '..'", at);
    return { kind: 'earlier', date: readPoint(c).point };
  }
  const from = readPoint(c).point;
  if (!c.eat('..')) return from;
  if (c.peek() === ',') c.fail("the last member alone can end with '..'", c.pos - 2);
  if (c.peek() === close) return { kind: 'later', date: from };
  const toAt = c.pos;
  const to = readPoint(c).point;
  if (to.upper < from.lower) c.fail('the range ends before it begins', toAt);
  return { kind: 'range', from, to };
}

const lowerOf = (m: SetMember): number =>
  m.kind === 'earlier'
    ? OPEN_START_DAY
    : m.kind === 'range'
      ? m.from.lower
      : m.kind === 'later'
        ? m.date.lower
        : m.lower;
const upperOf = (m: SetMember): number =>
  m.kind === 'later' ? OPEN_END_DAY : m.kind === 'range' ? m.to.upper : m.kind === 'earlier' ? m.date.upper : m.upper;
const pointsOf = (m: SetMember): PointDate[] =>
  m.kind === 'range' ? [m.from, m.to] : m.kind === 'point' ? [m] : [m.date];

function readSet(c: Cursor): Parsed {
  const kind = c.peek() === '[' ? 'set' : 'list';
  const close = kind === 'set' ? ']' : '}';
  c.pos++;
  if (c.peek() === close) c.fail(`a ${kind} needs one date at least`);
  const members: SetMember[] = [];
  do members.push(readMember(c, members.length === 0, close));
  while (c.eat(','));
  if (!c.eat(close)) c.fail(notADigit(c.peek()) ?? `a ${kind} continues with a comma or ends with ${close}`);
  const points = members.flatMap(pointsOf);
  const date: SetDate = {
    kind,
    members,
    lower: Math.min(...members.map(lowerOf)),
    upper: Math.max(...members.map(upperOf)),
    uncertain: points.some((p) => p.uncertain),
    approximate: points.some((p) => p.approximate),
  };
  return { date, level: 2 };
}

function trailingMessage(c: Cursor, date: Parsed['date']): string {
  const ch = c.peek();
  if (ch === 'T' || ch === ':') return 'times of day are not supported; write the date alone (1939-05-11)';
  if (ch === '/' && date.kind === 'interval') return 'an interval has a single /';
  if (ch === ',') return 'several dates go in brackets: [1939,1940] for one of them, {1939,1940} for all';
  if (ch === '.' && date.kind === 'point') return 'write a span from one date to another with / (1939/1940)';
  return notADigit(ch) ?? `“${ch}” cannot follow the date here`;
}

/** Reads a whole EDTF text; fails (EdtfSyntaxError) at the first character that does not fit. */
export function readEdtf(c: Cursor): Parsed {
  const parsed = c.peek() === '[' || c.peek() === '{' ? readSet(c) : readIntervalOrPoint(c);
  if (!c.done) c.fail(trailingMessage(c, parsed.date));
  return parsed;
}
