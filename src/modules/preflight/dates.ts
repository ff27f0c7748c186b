/** The years an article is about, inclusive. */
export interface Period {
  from: number;
  to: number;
}

/** A full date written in the text (day, month and year). */
export interface FullDate {
  text: string;
  year: number;
  index: number;
}

const MONTH =
  'January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec';
const ORDINAL = '(?:st|nd|rd|th)?';
// Month names are capitalised in English prose; requiring it keeps "you may 2, …" out.
const DAY_MONTH_YEAR = new RegExp(`\\b(\\d{1,2})${ORDINAL}(?:\\s+of)?\\s+(?:${MONTH})\\.?,?\\s+(\\d{4})\\b`, 'g');
const MONTH_DAY_YEAR = new RegExp(`\\b(?:${MONTH})\\.?\\s+(\\d{1,2})${ORDINAL},?\\s+(\\d{4})\\b`, 'g');
const ISO_DATE = /\b(\d{4})-(\d{2})-(\d{2})\b/g;

/** Full dates in a piece of text: "11 May 1938", "11th of May 1938", "May 11, 1938", "1938-05-11". */
export function findFullDates(text: string): FullDate[] {
  const dates: FullDate[] = [];
  const add = (m: RegExpMatchArray, day: number, month: number, year: number) => {
    if (day >= 1 && day <= 31 && month >= 1 && month <= 12) dates.push({ text: m[0], year, index: m.index ?? 0 });
  };
  for (const m of text.matchAll(DAY_MONTH_YEAR)) add(m, Number(m[1]), 1, Number(m[2]));
  for (const m of text.matchAll(MONTH_DAY_YEAR)) add(m, Number(m[1]), 1, Number(m[2]));
  for (const m of text.matchAll(ISO_DATE)) add(m, Number(m[3]), Number(m[2]), Number(m[1]));
  return dates.sort((a, b) => a.index - b.index);
}

// A year from 1000 to 2099, optionally the start of a range: "1939", "1904–05", "1941-1945".
const YEAR_OR_RANGE = /\b(1\d{3}|20\d{2})(?:\s*[–—-]\s*(\d{4}|\d{2})\b)?\b/g;

/**
 * The period an article is about, from the four-digit years in its title and standfirst (earliest to latest;
 * "1904–05" counts as 1904 to 1905). Undefined when they name no year: then no date is questioned.
 */
export function periodFromText(...texts: string[]): Period | undefined {
  const years: number[] = [];
  for (const text of texts) {
    for (const m of text.matchAll(YEAR_OR_RANGE)) {
      const start = Number(m[1]);
      years.push(start);
      if (m[2]) {
        const end = m[2].length === 2 ? Math.floor(start / 100) * 100 + Number(m[2]) : Number(m[2]);
        if (end > start && end - start < 200) years.push(end);
      }
    }
  }
  return years.length === 0 ? undefined : { from: Math.min(...years), to: Math.max(...years) };
}

export const describePeriod = (p: Period): string => (p.from === p.to ? String(p.from) : `${p.from}–${p.to}`);
