import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  calendarDayOf,
  compareHistoricalDates,
  dayNumber,
  EDTF_MAX_LENGTH,
  formatHistoricalDate,
  type HistoricalDate,
  OPEN_END_DAY,
  OPEN_START_DAY,
  parseHistoricalDate,
} from '../../src/modules/history/edtf.ts';

// Issue 17: historical dates as EDTF, bounded by integer day numbers and written out in words (decision 038).

/** The oracle for day numbers: JavaScript's Date, which counts the proleptic Gregorian calendar, year 0 = 1 BC. */
function utcDay(year: number, month: number, day: number): number {
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  return t.getTime() / 86_400_000;
}

/** "1939-05-11" or "-0489-01-01" (astronomical year) as a day number by the oracle; '..' is an open end. */
function day(text: string, open: number): number {
  if (text === '..') return open;
  const [, y, m, d] = /^(-?\d+)-(\d\d)-(\d\d)$/.exec(text) ?? [];
  return utcDay(Number(y), Number(m), Number(d));
}

function parsed(text: string): HistoricalDate {
  const result = parseHistoricalDate(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.message}`);
  return result.date;
}

// text, EDTF level, first day, last day, flags (U uncertain, A approximate), words
const DATES: [string, 0 | 1 | 2, string, string, string, string][] = [
  ['1939', 0, '1939-01-01', '1939-12-31', '', '1939'],
  ['1939-05', 0, '1939-05-01', '1939-05-31', '', 'May 1939'],
  ['1939-05-11', 0, '1939-05-11', '1939-05-11', '', '11 May 1939'],
  ['1939?', 1, '1939-01-01', '1939-12-31', 'U', '1939 (uncertain)'],
  ['1939-05~', 1, '1939-05-01', '1939-05-31', 'A', 'c. May 1939'],
  ['1939-05%', 1, '1939-05-01', '1939-05-31', 'UA', 'c. May 1939 (uncertain)'],
  ['1939-05-11~', 1, '1939-05-11', '1939-05-11', 'A', 'c. 11 May 1939'],
  ['1939-05-11/1939-09-16', 0, '1939-05-11', '1939-09-16', '', 'between 11 May and 16 September 1939'],
  ['1939-05-11/1939-05-16', 0, '1939-05-11', '1939-05-16', '', 'between 11 and 16 May 1939'],
  ['1939-05/1939-09', 0, '1939-05-01', '1939-09-30', '', 'between May and September 1939'],
  ['1939-05-11/1940-09-16', 0, '1939-05-11', '1940-09-16', '', 'between 11 May 1939 and 16 September 1940'],
  ['1939/1940-05', 0, '1939-01-01', '1940-05-31', '', 'between 1939 and May 1940'],
  [
    '1939-05~/1939-09-16?',
    1,
    '1939-05-01',
    '1939-09-16',
    'UA',
    'between c. May 1939 and 16 September 1939 (uncertain)',
  ],
  ['../1939', 1, '..', '1939-12-31', '', 'until 1939'],
  ['1939/..', 1, '1939-01-01', '..', '', 'from 1939 onwards'],
  ['/1939-09', 1, '..', '1939-09-30', '', 'until September 1939 (start unknown)'],
  ['1939-05/', 1, '1939-05-01', '..', '', 'from May 1939 (end unknown)'],
  ['193X', 1, '1930-01-01', '1939-12-31', '', 'the 1930s'],
  ['19XX', 1, '1900-01-01', '1999-12-31', '', 'the 1900s'],
  ['193X~', 1, '1930-01-01', '1939-12-31', 'A', 'c. the 1930s'],
  ['XXXX', 1, '0000-01-01', '9999-12-31', '', 'an unknown year'],
  ['1939-XX', 1, '1939-01-01', '1939-12-31', '', '1939 (month unknown)'],
  ['1939-05-XX', 1, '1939-05-01', '1939-05-31', '', 'May 1939 (day unknown)'],
  ['1939-XX-XX', 1, '1939-01-01', '1939-12-31', '', '1939 (month and day unknown)'],
  ['19X5', 2, '1905-01-01', '1995-12-31', '', 'a year between 1905 and 1995'],
  ['1939-1X', 2, '1939-10-01', '1939-12-31', '', 'between October and December 1939'],
  ['1939-05-1X', 2, '1939-05-10', '1939-05-19', '', 'between 10 and 19 May 1939'],
  ['193X-05', 2, '1930-05-01', '1939-05-31', '', 'May in the 1930s'],
  ['XXXX-02-29', 2, '0000-02-29', '9996-02-29', '', '29 February in an unknown year'],
  ['-0489', 0, '-489-01-01', '-489-12-31', '', '490 BC'],
  ['-0043-03-15', 0, '-43-03-15', '-43-03-15', '', '15 March 44 BC'],
  ['-0043-03-15/-0043-04-20', 0, '-43-03-15', '-43-04-20', '', 'between 15 March and 20 April 44 BC'],
  ['0000', 0, '0000-01-01', '0000-12-31', '', '1 BC'],
  ['0079-08-24', 0, '0079-08-24', '0079-08-24', '', '24 August AD 79'],
  ['-0043/0014', 0, '-43-01-01', '0014-12-31', '', 'between 44 BC and AD 14'],
  ['-0030/1453', 0, '-30-01-01', '1453-12-31', '', 'between 31 BC and AD 1453'],
  ['-049X', 1, '-499-01-01', '-490-12-31', '', 'a year between 500 BC and 491 BC'],
  ['Y-10000', 1, '-10000-01-01', '-10000-12-31', '', '10,001 BC'],
  ['1939-21', 1, '1939-03-01', '1939-05-31', '', 'spring 1939'],
  ['1939-22', 1, '1939-06-01', '1939-08-31', '', 'summer 1939'],
  ['1939-23?', 1, '1939-09-01', '1939-11-30', 'U', 'autumn 1939 (uncertain)'],
  ['1939-24', 1, '1939-12-01', '1940-02-29', '', 'winter 1939–40'],
  ['1999-24', 1, '1999-12-01', '2000-02-29', '', 'winter 1999–2000'],
  ['1939-25', 2, '1939-03-01', '1939-05-31', '', 'spring 1939 (Northern Hemisphere)'],
  ['1939-30', 2, '1939-12-01', '1940-02-29', '', 'summer 1939–40 (Southern Hemisphere)'],
  ['1939-33', 2, '1939-01-01', '1939-03-31', '', 'first quarter of 1939'],
  ['1939-38', 2, '1939-05-01', '1939-08-31', '', 'May–August 1939'],
  ['1939-41', 2, '1939-07-01', '1939-12-31', '', 'second half of 1939'],
  ['1939-?05', 2, '1939-05-01', '1939-05-31', 'U', 'May 1939 (month uncertain)'],
  ['1939?-05-11', 2, '1939-05-11', '1939-05-11', 'U', '11 May 1939 (year uncertain)'],
  ['1939-05~-11', 2, '1939-05-11', '1939-05-11', 'A', '11 May 1939 (year and month approximate)'],
  ['?1939-05-~11', 2, '1939-05-11', '1939-05-11', 'UA', '11 May 1939 (year uncertain; day approximate)'],
  ['[1667,1668,1670..1672]', 2, '1667-01-01', '1672-12-31', '', 'one of 1667, 1668 or 1670–1672'],
  ['{1939-05,1939-08}', 2, '1939-05-01', '1939-08-31', '', 'May 1939 and August 1939'],
  ['[..1760-12-03]', 2, '..', '1760-12-03', '', '3 December 1760 or earlier'],
  ['[1760-12..]', 2, '1760-12-01', '..', '', 'December 1760 or later'],
];

describe('EDTF dates: parsing, bounds and words', () => {
  for (const [text, level, lower, upper, flags, words] of DATES) {
    test(`${text} is level ${level}, runs ${lower}..${upper} and reads "${words}"`, () => {
      const date = parsed(text);
      assert.equal(date.text, text);
      assert.equal(date.level, level);
      assert.equal(date.lower, day(lower, OPEN_START_DAY));
      assert.equal(date.upper, day(upper, OPEN_END_DAY));
      assert.equal(date.uncertain, flags.includes('U'));
      assert.equal(date.approximate, flags.includes('A'));
      assert.equal(formatHistoricalDate(date), words);
    });
  }

  test('the era can be written BCE/CE', () => {
    assert.equal(formatHistoricalDate(parsed('-0489'), { era: 'BCE' }), '490 BCE');
    assert.equal(formatHistoricalDate(parsed('-0043/0014'), { era: 'BCE' }), 'between 44 BCE and 14 CE');
  });

  test('an interval keeps its ends, each with its own qualifiers, for drawing', () => {
    const date = parsed('1939-05~/1939-09-16?');
    assert.equal(date.kind, 'interval');
    if (date.kind !== 'interval') return;
    assert.deepEqual([date.start.kind, date.end.kind], ['point', 'point']);
    assert.ok(date.start.kind === 'point' && date.start.approximate && !date.start.uncertain);
    assert.ok(date.end.kind === 'point' && date.end.uncertain && !date.end.approximate);
    const open = parsed('../1939');
    assert.ok(open.kind === 'interval' && open.start.kind === 'open');
    const unknown = parsed('/1939');
    assert.ok(unknown.kind === 'interval' && unknown.start.kind === 'unknown');
  });
});

// text, character at fault, what the message says
const REFUSALS: [string, number, string][] = [
  ['1939-13', 6, 'Character 6: a month must be 01–12'],
  ['1939-00', 6, 'a month must be 01–12'],
  ['1939-2X', 6, 'a month must be 01–12'],
  ['1939-05-32', 9, 'Character 9: May has 31 days'],
  ['1939-04-31', 9, 'April has 30 days'],
  ['1939-02-29', 9, '1939 is not a leap year'],
  ['1900-02-29', 9, '1900 is not a leap year'],
  ['1940-02-30', 9, 'February 1940 has 29 days'],
  ['19X1-02-29', 9, 'no day of the calendar matches 19X1-02-29'],
  ['abc', 1, 'Character 1: a date starts with a four-digit year, such as 1939'],
  ['1939//1940', 6, 'an interval has a single /'],
  ['1939/1940/1941', 10, 'an interval has a single /'],
  ['', 1, 'the date is empty'],
  ['193', 4, 'a year has four digits (0193 for the year 193)'],
  ['19390', 5, 'Y12345'],
  ['1939-5', 7, 'a month has two digits'],
  ['1939-05-1', 10, 'a day has two digits'],
  ['193x', 4, 'capital X'],
  ['1939 ', 5, 'no spaces'],
  ['1939-05-11T10:00', 11, 'times of day are not supported'],
  ['-0000', 1, 'takes no minus sign'],
  ['Y1939', 1, 'write a shorter year without the Y'],
  ['1950S2', 5, 'significant digits (S) are not supported'],
  ['1939??', 6, 'one qualifier at a time'],
  ['1939-21-05', 8, 'a season has no day'],
  ['1940/1939', 6, 'the interval ends before it begins'],
  ['1939-05-11/1939-05-10', 12, 'the interval ends before it begins'],
  ['../..', 4, 'a date at one end at least'],
  ['..1939', 3, '../1939'],
  ['1939..1940', 5, '(1939/1940)'],
  ['1939,1940', 5, '[1939,1940]'],
  ['[]', 2, 'a set needs one date at least'],
  ['[1939,..1940]', 7, "the first member alone can start with '..'"],
  ['[1672..1670]', 8, 'the range ends before it begins'],
  ['{1939,1940]', 11, 'a list continues with a comma or ends with }'],
];

describe('EDTF dates: refusals name the character at fault', () => {
  for (const [text, position, message] of REFUSALS) {
    test(`${JSON.stringify(text)} is refused at character ${position}`, () => {
      const result = parseHistoricalDate(text);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.code, 'INVALID_EDTF');
      assert.equal(result.position, position);
      assert.ok(result.message.startsWith(`Character ${position}: `), result.message);
      assert.ok(result.message.includes(message), `${result.message} should say ${message}`);
    });
  }

  test('a text over 100 characters is refused whole, saying how long it is', () => {
    const result = parseHistoricalDate(`1939-05-11/${'1'.repeat(189)}`);
    assert.deepEqual(result, {
      ok: false,
      code: 'INVALID_EDTF',
      position: EDTF_MAX_LENGTH + 1,
      message: 'Character 101: a date is at most 100 characters; this one has 200',
    });
    const longest = `{${'1939,'.repeat(18)}1939-05?}`;
    assert.equal(longest.length, EDTF_MAX_LENGTH);
    assert.equal(parseHistoricalDate(longest).ok, true);
  });

  test('any text gets an answer, never an exception, with a position inside it or just past its end', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789X-/?~%.[]{},YT '), maxLength: 40 }), (text) => {
        const result = parseHistoricalDate(text);
        if (result.ok) return result.date.lower <= result.date.upper;
        return result.position >= 1 && result.position <= text.length + 1;
      }),
      { numRuns: 3000 },
    );
  });
});

describe('EDTF dates: day numbers and order', () => {
  test('day numbers count days from 1970-01-01 in the proleptic Gregorian calendar, far into BCE', () => {
    assert.equal(dayNumber(1970, 1, 1), 0);
    assert.equal(dayNumber(1939, 5, 11), -11193);
    // The first days of 490 BC and of the Ides of March 44 BC, as edtf.js and JavaScript's Date count them.
    assert.equal(parsed('-0489').lower, -898132);
    assert.equal(parsed('-0043-03-15').lower, -735160);
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: 1, max: 12 }), fc.nat(27), (y, m, d) => {
        const n = dayNumber(y, m, d + 1);
        assert.equal(n, utcDay(y, m, d + 1));
        assert.deepEqual(calendarDayOf(n), { year: y, month: m, day: d + 1 });
      }),
    );
  });

  test('leap years follow the Gregorian rules, astronomical year -0004 (5 BC) among them', () => {
    assert.equal(parsed('2000-02').upper - parsed('2000-02').lower, 28);
    assert.equal(parsed('1900-02').upper - parsed('1900-02').lower, 27);
    assert.equal(parsed('1940-02').upper - parsed('1940-02').lower, 28);
    assert.equal(parsed('-0004-02').upper - parsed('-0004-02').lower, 28);
    assert.equal(parsed('-0003-02').upper - parsed('-0003-02').lower, 27);
    assert.equal(formatHistoricalDate(parsed('-0004-02-29')), '29 February 5 BC');
  });

  test('dates sort by lower bound, then upper bound: BCE first, open starts before all, open ends after', () => {
    const expected = [
      '../1939',
      '-0489',
      '-0043-03-15',
      '0079',
      '1939',
      '1939/..',
      '1939-21?',
      '1939-05%',
      '1939-05-1X',
      '1939-05-11~',
      '1939-05-11/1939-09-16',
      '1939-05-11/1940',
      '1939-?05-20',
      '1939-06',
      '1939-09-16?',
      '[1939-09-17..]',
    ];
    const shuffled = [...expected].sort((a, b) => a.length - b.length || b.localeCompare(a));
    const sorted = shuffled.map(parsed).sort(compareHistoricalDates);
    assert.deepEqual(
      sorted.map((d) => d.text),
      expected,
    );
    assert.equal(parsed('../1939').lower, OPEN_START_DAY);
    assert.equal(parsed('1939/..').upper, OPEN_END_DAY);
    assert.ok(Number.isSafeInteger(OPEN_START_DAY) && Number.isSafeInteger(OPEN_END_DAY));
  });
});
