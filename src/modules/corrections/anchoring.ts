import approxSearch from 'approx-string-match';
import { fromHtml } from 'hast-util-from-html';
import { toString as hastToString } from 'hast-util-to-string';

/**
 * Anchoring a reader's quoted passage to an article (decision 014). The text model is the textContent of the
 * rendered body HTML: what the browser's `.prose` element gives, so a selection made in the browser and the
 * server's re-anchoring count the same characters. Positions are UTF-16 code units, as in the DOM.
 */

/** Characters of context kept on each side of a passage (W3C TextQuoteSelector prefix/suffix). */
export const CONTEXT_CHARS = 32;

export interface TextQuoteSelector {
  type: 'TextQuoteSelector';
  exact: string;
  prefix: string;
  suffix: string;
}

export interface TextPositionSelector {
  type: 'TextPositionSelector';
  start: number;
  end: number;
}

/** The W3C Web Annotation selectors stored with a suggestion (as JSON, in this order). */
export type PassageSelectors = [TextQuoteSelector, TextPositionSelector];

/** Where a passage is in a text now; `exact` says whether the quote was found verbatim. */
export interface Anchor {
  start: number;
  end: number;
  exact: boolean;
  /** 0..1: quote similarity, context and position together (Hypothesis' weights). */
  score: number;
}

/** The text an article body reads as (textContent of its HTML), the same on the server and in the browser. */
export function articleText(bodyHtml: string): string {
  return hastToString(fromHtml(bodyHtml, { fragment: true }));
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Moves a cut that would split a surrogate pair (an emoji, say) so the pair stays whole. */
function cutBefore(text: string, index: number): number {
  return index > 0 && index < text.length && isLowSurrogate(text.charCodeAt(index)) ? index - 1 : index;
}
function cutAfter(text: string, index: number): number {
  return index > 0 && index < text.length && isHighSurrogate(text.charCodeAt(index - 1)) ? index + 1 : index;
}

/** The selectors for text[start, end): the quote with 32 characters of context, and its position. */
export function describeQuote(text: string, start: number, end: number): PassageSelectors {
  const s = Math.max(0, Math.min(start, text.length));
  const e = Math.max(s, Math.min(end, text.length));
  const prefixFrom = cutBefore(text, Math.max(0, s - CONTEXT_CHARS));
  const suffixTo = cutAfter(text, Math.min(text.length, e + CONTEXT_CHARS));
  return [
    {
      type: 'TextQuoteSelector',
      exact: text.slice(s, e),
      prefix: text.slice(prefixFrom, s),
      suffix: text.slice(e, suffixTo),
    },
    { type: 'TextPositionSelector', start: s, end: e },
  ];
}

/** Checks selectors read back from storage or sent by a reader; null when they are not a usable pair. */
export function parseSelectors(value: unknown): PassageSelectors | null {
  let raw = value;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (!Array.isArray(raw)) return null;
  const quote = raw.find((s) => s && typeof s === 'object' && s.type === 'TextQuoteSelector');
  const position = raw.find((s) => s && typeof s === 'object' && s.type === 'TextPositionSelector');
  if (!quote || typeof quote.exact !== 'string' || quote.exact === '') return null;
  const prefix = typeof quote.prefix === 'string' ? quote.prefix : '';
  const suffix = typeof quote.suffix === 'string' ? quote.suffix : '';
  const start = Number.isSafeInteger(position?.start) && position.start >= 0 ? (position.start as number) : 0;
  const end = Number.isSafeInteger(position?.end) && position.end >= start ? (position.end as number) : start;
  return [
    { type: 'TextQuoteSelector', exact: quote.exact, prefix, suffix },
    { type: 'TextPositionSelector', start, end },
  ];
}

interface Candidate {
  start: number;
  end: number;
  errors: number;
}

/** Every verbatim occurrence of `quote` in `text`. */
function exactMatches(text: string, quote: string): Candidate[] {
  const found: Candidate[] = [];
  for (let at = text.indexOf(quote); at !== -1; at = text.indexOf(quote, at + 1)) {
    found.push({ start: at, end: at + quote.length, errors: 0 });
  }
  return found;
}

/** How closely `str` matches the best place in `text`, 0..1 (1 = verbatim somewhere in it). */
function textMatchScore(text: string, str: string): number {
  if (str.length === 0 || text.length === 0) return 0;
  const matches = approxSearch(text, str, str.length);
  const best = matches[0];
  return best ? 1 - best.errors / str.length : 0;
}

// The weights Hypothesis gives each part of a match (client/src/annotator/anchoring/match-quote.ts): the quote
// matters most, then its context on either side, and the old position only breaks near-ties.
const QUOTE_WEIGHT = 50;
const PREFIX_WEIGHT = 20;
const SUFFIX_WEIGHT = 20;
const POSITION_WEIGHT = 2;
const MAX_SCORE = QUOTE_WEIGHT + PREFIX_WEIGHT + SUFFIX_WEIGHT + POSITION_WEIGHT;

function scoreCandidate(text: string, m: Candidate, quote: TextQuoteSelector, hint: number | null): number {
  const quoteScore = 1 - m.errors / quote.exact.length;
  const prefixScore = quote.prefix
    ? textMatchScore(text.slice(Math.max(0, m.start - quote.prefix.length), m.start), quote.prefix)
    : 1;
  const suffixScore = quote.suffix ? textMatchScore(text.slice(m.end, m.end + quote.suffix.length), quote.suffix) : 1;
  const positionScore = hint === null ? 1 : 1 - Math.abs(m.start - hint) / Math.max(1, text.length);
  const raw =
    QUOTE_WEIGHT * quoteScore +
    PREFIX_WEIGHT * prefixScore +
    SUFFIX_WEIGHT * suffixScore +
    POSITION_WEIGHT * positionScore;
  return raw / MAX_SCORE;
}

/** Errors a fuzzy match may have: a quarter of the quote, at most 32 (a changed word or two). */
export const maxErrorsFor = (quote: string): number => Math.min(32, Math.floor(quote.length / 4));

function best(text: string, candidates: Candidate[], quote: TextQuoteSelector, hint: number | null): Anchor | null {
  let top: Anchor | null = null;
  for (const m of candidates) {
    const score = scoreCandidate(text, m, quote, hint);
    if (!top || score > top.score) top = { start: m.start, end: m.end, exact: m.errors === 0, score };
  }
  return top;
}

/**
 * Finds a passage in the (possibly edited) text: verbatim first, the occurrence whose context and position
 * fit best when there are several; otherwise the closest approximate match (quote, context and position
 * scored as Hypothesis does). Null when the passage is gone (orphaned).
 */
export function anchorQuote(text: string, selectors: PassageSelectors): Anchor | null {
  const [quote, position] = selectors;
  if (!quote.exact) return null;
  const hint = position.end > position.start ? position.start : null;
  const exact = exactMatches(text, quote.exact);
  if (exact.length > 0) return best(text, exact, quote, hint);
  const maxErrors = maxErrorsFor(quote.exact);
  if (maxErrors === 0) return null;
  return best(text, approxSearch(text, quote.exact, maxErrors), quote, hint);
}

// Quote marks and dashes a reader may type differently from the article (straight or curly).
const FOLD: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '`': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2033': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
  '\u00a0': ' ',
};

/** The text with whitespace runs collapsed and quote marks folded, plus where each character came from. */
function normaliseWithMap(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  let inSpace = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      if (!inSpace) {
        folded += ' ';
        origin.push(i);
      }
      inSpace = true;
      continue;
    }
    inSpace = false;
    folded += FOLD[ch] ?? ch;
    origin.push(i);
  }
  origin.push(text.length);
  return { folded, origin };
}

/** The reader's typed quote, tidied for searching (whitespace collapsed, quote marks folded, trimmed). */
export function normaliseTypedQuote(typed: string): string {
  return normaliseWithMap(typed.normalize('NFC').trim()).folded.trim();
}

/**
 * The passage a reader typed (the form without JavaScript): found verbatim once whitespace and quote marks
 * are folded, else the best approximate match (for the reader to confirm: "Did you mean …?"), else null.
 * Start and end are positions in `text`.
 */
export function findQuotedPassage(text: string, typedQuote: string): Anchor | null {
  const needle = normaliseTypedQuote(typedQuote);
  if (!needle) return null;
  const { folded, origin } = normaliseWithMap(text);
  const toText = (m: Candidate): Candidate => {
    // The end maps to just after the last matched character, so trailing whitespace is not included.
    const start = origin[m.start]!;
    const end = m.end > m.start ? origin[m.end - 1]! + 1 : start;
    return { start, end, errors: m.errors };
  };
  const at = folded.indexOf(needle);
  if (at !== -1) {
    const m = toText({ start: at, end: at + needle.length, errors: 0 });
    return { start: m.start, end: m.end, exact: true, score: 1 };
  }
  const maxErrors = maxErrorsFor(needle);
  if (maxErrors === 0) return null;
  const matches = approxSearch(folded, needle, maxErrors);
  // All matches have the lowest error count; of overlapping ones, the earliest and longest reads most natural.
  const first = matches.sort((a, b) => a.start - b.start || b.end - a.end)[0];
  if (!first) return null;
  const m = toText(first);
  const trimmed = trimToWords(text, m.start, m.end);
  return { start: trimmed.start, end: trimmed.end, exact: false, score: 1 - first.errors / needle.length };
}

/** Drops whitespace at the edges of an approximate match. */
function trimToWords(text: string, start: number, end: number): { start: number; end: number } {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(text[s]!)) s++;
  while (e > s && /\s/.test(text[e - 1]!)) e--;
  return { start: s, end: e };
}
