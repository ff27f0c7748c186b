import { plugins } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import { IMPORT_LIMITS, timeSlicer } from './bibliography-scan.ts';
import type { ParsedEntry } from './bibliography-types.ts';
import type { CslItem } from './sources.types.ts';

// BibTeX and biblatex, entry by entry. citation-js reads each entry (its biblatex mapping knows the BibTeX field
// names too); around it we do what it does silently: an unknown entry type, an undefined macro, a year that is
// not a date, and a literal field split at "and" (BibTeX's "and" separates names only) are each put right and
// reported on the entry.

/** One field of an entry as written: its name, its raw value, the bare words (macro names) in it. */
interface RawField {
  name: string;
  raw: string;
  macros: string[];
}

const MONTH_MACROS = new Set(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']);

// Entry types citation-js maps (BibTeX's and biblatex's); any other becomes a "document" without a word.
const KNOWN_TYPES = new Set(
  (
    'article book mvbook inbook bookinbook booklet collection mvcollection incollection dataset manual misc online ' +
    'patent periodical proceedings mvproceedings inproceedings reference mvreference inreference report software ' +
    'thesis unpublished artwork audio image jurisdiction legislation legal letter movie music performance review ' +
    'standard video conference electronic mastersthesis phdthesis techreport www'
  ).split(' '),
);

/** Reads the fields of one entry without interpreting them (a broken entry yields what could be read). */
export function rawFields(chunk: string): RawField[] {
  const fields: RawField[] = [];
  const open = /^[ \t]*@[a-z]+\s*[{(][^,]*,/i.exec(chunk);
  if (!open) return fields;
  let at = open[0].length;
  const skipSpace = () => {
    while (at < chunk.length && /[\s,]/.test(chunk[at]!)) at++;
  };
  for (;;) {
    skipSpace();
    const name = /^[A-Za-z][\w:.+-]*/.exec(chunk.slice(at, at + 80));
    if (!name) return fields;
    at += name[0].length;
    while (/\s/.test(chunk[at] ?? '')) at++;
    if (chunk[at] !== '=') return fields;
    at++;
    const start = at;
    const macros: string[] = [];
    for (;;) {
      while (/\s/.test(chunk[at] ?? '')) at++;
      const c = chunk[at];
      if (c === '{' || c === '"') at = skipDelimited(chunk, at);
      else {
        const word = /^[A-Za-z0-9_:.+-]+/.exec(chunk.slice(at, at + 200));
        if (!word) return fields;
        if (!/^\d+$/.test(word[0])) macros.push(word[0].toLowerCase());
        at += word[0].length;
      }
      if (at < 0) return fields;
      while (/\s/.test(chunk[at] ?? '')) at++;
      if (chunk[at] !== '#') break;
      at++;
    }
    fields.push({ name: name[0].toLowerCase(), raw: chunk.slice(start, at).trim(), macros });
  }
}

/** The index just past a {…} (nested) or "…" value starting at `from`; -1 when it never closes. */
function skipDelimited(text: string, from: number): number {
  const quote = text[from] === '"';
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (!quote && depth === 0) return i + 1;
    } else if (quote && c === '"' && depth === 0 && i > from) return i + 1;
  }
  return -1;
}

const BIBTEX_TOKENS: Record<string, string> = {
  rbrace: '“}”',
  lbrace: '“{”',
  comma: 'a comma',
  text: 'text',
  equals: '“=”',
};

function bibtexReason(err: unknown): string {
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const m = /expected "(\w+)", got (\S+)/.exec(first);
  if (!m) return `BibTeX could not be read: ${first.slice(0, 160)}`;
  const found = m[2] === 'EOF' ? 'the end of the entry' : `“${m[2]!.replace(/^"|"$/g, '')}”`;
  return `BibTeX syntax: expected ${BIBTEX_TOKENS[m[1]!] ?? m[1]} but found ${found}.`;
}

/**
 * The entries of a BibTeX or biblatex text, each parsed on its own so one broken entry does not sink the rest.
 * Yields to the event loop between entries (timeSlicer), so a file of two thousand entries does not hold up the
 * server.
 */
export async function parseBibtex(text: string): Promise<ParsedEntry[]> {
  const starts = [...text.matchAll(/^[ \t]*@([a-z]+)\s*[{(]/gim)];
  const macros = new Map<string, string>();
  const out: ParsedEntry[] = [];
  const slice = timeSlicer();
  let line = 1;
  let counted = 0;
  for (const [i, m] of starts.entries()) {
    line += countNewlines(text, counted, m.index);
    counted = m.index;
    const chunk = text.slice(m.index, starts[i + 1]?.index ?? text.length);
    const type = m[1]!.toLowerCase();
    if (type === 'comment' || type === 'preamble') continue;
    if (type === 'string') {
      // Each macro is kept with its own definition, so an entry is given only the ones it uses.
      for (const f of rawFields(chunk.replace(/^([ \t]*@string\s*[{(])/i, '$1x,'))) macros.set(f.name, chunk);
      continue;
    }
    out.push(readBibtexEntry(chunk, type, macros, line));
    await slice();
  }
  return out;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function readBibtexEntry(chunk: string, type: string, macros: Map<string, string>, line: number): ParsedEntry {
  const key = /^[ \t]*@[a-z]+\s*[{(]\s*([^,\s]+)\s*,/i.exec(chunk)?.[1];
  const label = key ? `@${type}{${key}} (line ${line})` : `entry at line ${line}`;
  if (chunk.length > IMPORT_LIMITS.entryChars) return { label, error: 'The entry is too long.' };
  const fields = rawFields(chunk);
  const warnings: string[] = [];
  const used = new Set<string>();
  // Each use of an @string abbreviation is its whole text again: the entry as the parser will read it must
  // stay within the limit too (a 50 KB @string used a thousand times is 50 MB).
  let expanded = chunk.length;
  for (const f of fields)
    for (const word of f.macros) {
      expanded += macros.get(word)?.length ?? 0;
      if (expanded > IMPORT_LIMITS.entryChars)
        return { label, error: 'The entry is too long once its @string abbreviations are filled in.' };
      if (macros.has(word)) used.add(macros.get(word)!);
      else if (!(f.name === 'month' && MONTH_MACROS.has(word)))
        warnings.push(`The field “${f.name}” uses “${word}”, which no @string defines; that part was left out.`);
    }
  let item: CslItem | undefined;
  try {
    [item] = plugins.input.chain(`${[...used].join('\n')}\n${chunk}`, {
      forceType: '@biblatex/text',
      generateGraph: false,
    }) as CslItem[];
  } catch (err) {
    return { label, error: bibtexReason(err) };
  }
  if (!item) return { label, error: 'No entry could be read here.' };
  tidyItem(item, type, fields, warnings);
  return { label, item, fileKey: key, warnings };
}

/** Puts right what the mapping gets wrong for historians' files; each change that loses something is reported. */
function tidyItem(item: CslItem, type: string, fields: RawField[], warnings: string[]): void {
  const raw = new Map(fields.map((f) => [f.name, f.raw]));
  // A literal field read as a list ("Hill and Wang" -> ["Hill", "Wang"]): BibTeX's "and" only separates names.
  for (const [name, value] of Object.entries(item))
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) item[name] = value.join(' and ');
  const subtype = (raw.get('entrysubtype') ?? '').replace(/[{}"]/g, '').trim().toLowerCase();
  if (item.type === 'article-journal' && (subtype === 'newspaper' || subtype === 'magazine')) {
    item.type = subtype === 'newspaper' ? 'article-newspaper' : 'article-magazine';
    if (typeof item.genre === 'string' && item.genre.toLowerCase() === subtype) delete item.genre;
  }
  if (!KNOWN_TYPES.has(type)) {
    item.type = nearestType(raw);
    warnings.push(
      `The entry type “@${type}” is not one BibTeX or biblatex defines; it was imported as ${TYPE_NAMES[item.type] ?? item.type}.`,
    );
  }
  if (item.issued && !item.issued['date-parts']) {
    const written = item.issued.literal ?? item.issued.raw ?? '';
    delete item.issued;
    warnings.push(`The date “${String(written).slice(0, 60)}” is not a date; the entry was imported without one.`);
  }
  keepProtectedWords(item, 'title', raw.get('title'));
  keepProtectedWords(item, 'container-title', raw.get('booktitle'));
}

const TYPE_NAMES: Record<string, string> = {
  'article-journal': 'a journal article',
  chapter: 'a chapter',
  book: 'a book',
  document: 'a document',
};

/** The kind an entry of an unknown type most resembles, from its fields. */
function nearestType(raw: Map<string, string>): string {
  if (raw.has('journal') || raw.has('journaltitle')) return 'article-journal';
  if (raw.has('booktitle')) return 'chapter';
  if (raw.has('publisher')) return 'book';
  return 'document';
}

/**
 * BibTeX protects a word's capitals with braces ("{Zhukov}"), as our titles do for APA's sentence case
 * (decision 022); citation-js drops the braces, so they are put back around the same words.
 */
function keepProtectedWords(item: CslItem, field: string, raw: string | undefined): void {
  const value = item[field];
  if (typeof value !== 'string' || !raw) return;
  const inner = raw.startsWith('{') && raw.endsWith('}') ? raw.slice(1, -1) : raw.replace(/^"|"$/g, '');
  if (/^\{[^{}]*\}$/.test(inner) && !inner.includes('\\')) {
    item[field] = `{${value}}`;
    return;
  }
  let out = value;
  let from = 0;
  for (const m of inner.matchAll(/\{([^{}\\]+)\}/g)) {
    const at = out.indexOf(m[1]!, from);
    if (at < 0) continue;
    out = `${out.slice(0, at)}{${m[1]}}${out.slice(at + m[1]!.length)}`;
    from = at + m[1]!.length + 2;
  }
  item[field] = out;
}
