import { AppError } from '../shared/errors.ts';

/** What one import may hold. Checked by a cheap scan before any entry is parsed (decision 023). */
export const IMPORT_LIMITS = { bytes: 2_000_000, entries: 2000, entryChars: 20_000 } as const;

export type BibliographyFormat = 'bibtex' | 'ris' | 'csl-json';

export const unreadable = (detail: string, message?: string) =>
  new AppError(
    'BIBLIOGRAPHY_UNREADABLE',
    message ?? 'This does not look like a BibTeX, RIS or CSL-JSON bibliography, so nothing was imported.',
    { detail },
  );

const tooLarge = (message: string, detail: string) => new AppError('BIBLIOGRAPHY_TOO_LARGE', message, { detail });

/** The refusal for a file over the byte limit (also what the web layer says when an upload is cut short). */
export const bibliographyTooLarge = () =>
  tooLarge(
    `The file is larger than ${IMPORT_LIMITS.bytes / 1_000_000} MB, so nothing was imported; split it and import the parts.`,
    'too many bytes',
  );

/** Which format a text is in, from its first signs; BIBLIOGRAPHY_UNREADABLE when none fits. */
export function detectFormat(text: string): BibliographyFormat {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('[') || t.startsWith('{')) return 'csl-json';
  if (/^\s*@[a-z]+\s*[{(]/im.test(t)) return 'bibtex';
  if (/^TY {2}- /m.test(t)) return 'ris';
  throw unreadable('no format recognised');
}

// Entry starts only: one linear pass of a regular expression, no parsing. @string, @comment and @preamble are
// not entries.
const BIBTEX_START = /^[ \t]*@(?!(?:string|comment|preamble)\s*[{(])[a-z]+\s*[{(]/gim;
// A RIS record is what lies between two `ER  - ` lines, and the reader trims it: count starts however indented,
// and ends, and take the larger, so no way of writing records gets more of them past the limit.
const RIS_START = /^[ \t]*TY {2}- /gm;
const RIS_END = /^ER {2}-/gm;

/** How many entries a text has, counted without reading them (CSL-JSON: the items of the array). */
export function countEntries(text: string, format: BibliographyFormat, json?: unknown): number {
  if (format === 'bibtex') return countMatches(text, BIBTEX_START);
  if (format === 'ris') return Math.max(countMatches(text, RIS_START), countMatches(text, RIS_END));
  return Array.isArray(json) ? json.length : 1;
}

function countMatches(text: string, re: RegExp): number {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(text)) n++;
  return n;
}

/**
 * Refuses, before any entry is parsed, a text over the byte limit or with more entries than one import takes
 * (BIBLIOGRAPHY_TOO_LARGE), or in no format we read (BIBLIOGRAPHY_UNREADABLE). Costs one pass over the text.
 */
export function checkBibliographySize(text: string, format: BibliographyFormat, json?: unknown): number {
  const entries = countEntries(text, format, json);
  if (entries > IMPORT_LIMITS.entries)
    throw tooLarge(
      `The file has ${entries.toLocaleString('en-GB')} entries; import at most ${IMPORT_LIMITS.entries.toLocaleString('en-GB')} at a time, so nothing was imported.`,
      'too many entries',
    );
  return entries;
}

/** Checks the byte limit first of all: a text this large is not even scanned. */
export function checkBibliographyBytes(text: string): void {
  // A UTF-16 length above the limit is always more bytes than the limit: no need to encode a huge text.
  if (text.length > IMPORT_LIMITS.bytes || Buffer.byteLength(text, 'utf8') > IMPORT_LIMITS.bytes)
    throw bibliographyTooLarge();
}

/**
 * Lets other requests run while a long job goes on: resolves at once inside a time slice, and after a
 * macrotask turn (setImmediate) once the slice is used up. Parsing an entry takes a millisecond or so, so
 * the event loop is never held for much more than a slice.
 */
export function timeSlicer(sliceMs = 10): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < sliceMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        since = performance.now();
        resolve();
      }),
    );
  };
}
