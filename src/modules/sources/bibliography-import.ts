import { plugins } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import '@citation-js/plugin-ris';
import { inTransaction } from '../../storage/transaction.ts';
import { AppError } from '../shared/errors.ts';
import { findSourceRowByKey, insertSourceRow, invalidateCitingRenders, updateSourceRow } from './source.repository.ts';
import { isValidKey, kindOfType, normaliseKey, shortTitleOf } from './source-form.ts';
import type { SourcesDeps } from './sources.service.ts';
import type { CslItem, CslName } from './sources.types.ts';

export const IMPORT_LIMITS = { bytes: 2_000_000, entries: 2000, entryChars: 20_000 } as const;

export type BibliographyFormat = 'bibtex' | 'ris' | 'csl-json';

/** One entry of a file: the item read from it, or why it could not be. `label` names it for the report. */
export interface ParsedEntry {
  label: string;
  item?: CslItem;
  /** The file's own key, if it had one. */
  fileKey?: string;
  error?: string;
}

export interface ImportReport {
  format: BibliographyFormat;
  imported: string[];
  updated: string[];
  failed: { entry: string; reason: string }[];
}

const unreadable = (detail: string) =>
  new AppError(
    'BIBLIOGRAPHY_UNREADABLE',
    'This does not look like a BibTeX, RIS or CSL-JSON bibliography, so nothing was imported.',
    { detail },
  );

/** Which format a text is in, from its first signs; BIBLIOGRAPHY_UNREADABLE when none fits. */
export function detectFormat(text: string): BibliographyFormat {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('[') || t.startsWith('{')) return 'csl-json';
  if (/^\s*@[a-z]+\s*[{(]/im.test(t)) return 'bibtex';
  if (/^TY {2}- /m.test(t)) return 'ris';
  throw unreadable('no format recognised');
}

const lineOf = (text: string, at: number) => text.slice(0, at).split('\n').length;

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

/** Entries of a BibTeX text, each parsed on its own so one broken entry does not sink the rest. */
function parseBibtex(text: string): ParsedEntry[] {
  const starts = [...text.matchAll(/^[ \t]*@([a-z]+)\s*[{(]/gim)];
  const strings: string[] = [];
  const out: ParsedEntry[] = [];
  for (const [i, m] of starts.entries()) {
    const chunk = text.slice(m.index, starts[i + 1]?.index ?? text.length);
    const type = m[1]!.toLowerCase();
    if (type === 'comment' || type === 'preamble') continue;
    // @string macros are given to every entry after them.
    if (type === 'string') strings.push(chunk);
    else out.push(readBibtexEntry(chunk, type, strings, lineOf(text, m.index)));
  }
  return out;
}

function readBibtexEntry(chunk: string, type: string, strings: string[], line: number): ParsedEntry {
  const key = /^[ \t]*@[a-z]+\s*[{(]\s*([^,\s]+)\s*,/i.exec(chunk)?.[1];
  const label = key ? `@${type}{${key}}` : `entry at line ${line}`;
  if (chunk.length > IMPORT_LIMITS.entryChars) return { label, error: 'The entry is too long.' };
  try {
    const [item] = plugins.input.chain(`${strings.join('\n')}\n${chunk}`, {
      forceType: '@biblatex/text',
      generateGraph: false,
    }) as CslItem[];
    return item ? { label, item, fileKey: key } : { label, error: 'No entry could be read here.' };
  } catch (err) {
    return { label, error: bibtexReason(err) };
  }
}

/** Records of a RIS text (TY … ER), each parsed on its own. */
function parseRis(text: string): ParsedEntry[] {
  const out: ParsedEntry[] = [];
  let line = 1;
  for (const [i, record] of text.split(/^ER {2}-.*$/m).entries()) {
    const startLine = line + (record.match(/^\s*\n/)?.[0].split('\n').length ?? 1) - 1;
    line += record.split('\n').length - 1;
    if (record.trim() !== '') out.push(readRisRecord(record.trim(), `record ${i + 1} (line ${startLine})`));
  }
  return out;
}

function readRisRecord(body: string, label: string): ParsedEntry {
  if (!/^TY {2}- \S/.test(body)) return { label, error: 'A RIS record must begin with a “TY  - ” line.' };
  if (body.length > IMPORT_LIMITS.entryChars) return { label, error: 'The record is too long.' };
  try {
    const [item] = plugins.input.chain(`${body}\nER  - \n`, { forceType: '@ris/file', generateGraph: false }) as (
      | CslItem
      | undefined
    )[];
    return item?.type ? { label, item } : { label, error: 'No record could be read here.' };
  } catch (err) {
    return {
      label,
      error: `RIS could not be read: ${(err instanceof Error ? err.message : String(err)).slice(0, 160)}`,
    };
  }
}

function parseCslJson(text: string): ParsedEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw unreadable(`CSL-JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const list = Array.isArray(data) ? data : [data];
  return list.map((entry, i) => {
    const label = `item ${i + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return { label, error: 'Not a CSL-JSON item (an object with type and title).' };
    const item = entry as CslItem;
    const id = typeof item.id === 'string' || typeof item.id === 'number' ? String(item.id) : undefined;
    if (JSON.stringify(item).length > IMPORT_LIMITS.entryChars) return { label, error: 'The item is too long.' };
    return { label: id ? `item ${i + 1} (${id})` : label, item, fileKey: id };
  });
}

/** Reads a bibliography text into entries (pure: nothing is stored). */
export function parseBibliography(text: string): { format: BibliographyFormat; entries: ParsedEntry[] } {
  if (Buffer.byteLength(text, 'utf8') > IMPORT_LIMITS.bytes)
    throw new AppError('BIBLIOGRAPHY_UNREADABLE', 'The file is larger than 2 MB; split it and import the parts.', {
      detail: 'too large',
    });
  const format = detectFormat(text);
  const entries = format === 'bibtex' ? parseBibtex(text) : format === 'ris' ? parseRis(text) : parseCslJson(text);
  if (entries.length === 0) throw unreadable(`${format}: no entries`);
  if (entries.length > IMPORT_LIMITS.entries)
    throw new AppError(
      'BIBLIOGRAPHY_UNREADABLE',
      `The file has ${entries.length} entries; import at most ${IMPORT_LIMITS.entries} at a time.`,
      { detail: 'too many entries' },
    );
  return { format, entries };
}

const familyOf = (names: unknown): string | undefined => {
  const first = Array.isArray(names) ? (names[0] as CslName | undefined) : undefined;
  return first?.family ?? first?.literal;
};

/** A key for an entry that brought none (RIS): "goldman-1995". */
function keyFor(item: CslItem): string {
  const year = item.issued?.['date-parts']?.[0]?.[0];
  const who =
    familyOf(item.author) ?? familyOf(item.editor) ?? (item.title ?? 'source').split(/\s+/).slice(0, 2).join(' ');
  return normaliseKey([who, year].filter(Boolean).join('-')) || 'source';
}

/** Checks an imported item and gives it our key; a reason when it cannot be kept. */
function cleanItem(entry: ParsedEntry): { key: string; item: CslItem } | string {
  const raw = entry.item!;
  if (typeof raw.type !== 'string' || raw.type === '') return 'The entry has no type.';
  const title = typeof raw.title === 'string' ? raw.title.trim() : '';
  if (title === '') return 'The entry has no title.';
  const key = entry.fileKey !== undefined ? normaliseKey(entry.fileKey) : keyFor(raw);
  if (!isValidKey(key)) return `The key “${entry.fileKey ?? ''}” cannot be made into a citation key.`;
  const { _graph, 'citation-key': _ck, ...rest } = raw as CslItem & { _graph?: unknown; 'citation-key'?: unknown };
  const item: CslItem = { ...rest, id: key, type: raw.type, title };
  if (!item['title-short']) item['title-short'] = shortTitleOf(title);
  return { key, item };
}

/**
 * Imports a BibTeX, RIS or CSL-JSON text: each entry is read and checked on its own, so the report lists what
 * was imported and, for each entry that failed, why. A key already in the library is reported as failed unless
 * `replace` is set, when that source is updated (and the articles citing it re-rendered). Keys from RIS records
 * (which have none) are made from the first author and year, with a letter added when taken.
 */
export async function importBibliography(
  deps: SourcesDeps,
  input: { text: string; replace?: boolean },
): Promise<ImportReport> {
  const { format, entries } = parseBibliography(input.text);
  const report: ImportReport = { format, imported: [], updated: [], failed: [] };
  const now = deps.clock.now().toISOString();
  await inTransaction(deps.db, async (trx) => {
    const seen = new Set<string>();
    for (const entry of entries) {
      if (entry.error || !entry.item) {
        report.failed.push({ entry: entry.label, reason: entry.error ?? 'Could not be read.' });
        continue;
      }
      const cleaned = cleanItem(entry);
      if (typeof cleaned === 'string') {
        report.failed.push({ entry: entry.label, reason: cleaned });
        continue;
      }
      let { key } = cleaned;
      if (entry.fileKey === undefined) {
        // A made-up key steps aside for an existing one: "goldman-1995", then "goldman-1995b".
        for (let n = 1; seen.has(key) || (await findSourceRowByKey(trx, key)); n++)
          key = `${cleaned.key.slice(0, 62)}${String.fromCharCode(97 + n)}`;
      }
      if (seen.has(key)) {
        report.failed.push({ entry: entry.label, reason: `The key “${key}” appears twice in the file.` });
        continue;
      }
      seen.add(key);
      const item = { ...cleaned.item, id: key };
      const values = {
        key,
        kind: kindOfType(item.type),
        title: item.title ?? key,
        csl_json: JSON.stringify(item),
        updated_at: now,
      };
      const existing = await findSourceRowByKey(trx, key);
      if (existing && !input.replace) {
        report.failed.push({ entry: entry.label, reason: `The library already has a source “${key}”.` });
      } else if (existing) {
        await updateSourceRow(trx, existing.id, { ...values, note: existing.note });
        report.updated.push(key);
      } else {
        await insertSourceRow(trx, { ...values, note: '', created_at: now });
        report.imported.push(key);
      }
    }
    await invalidateCitingRenders(trx, [...report.imported, ...report.updated]);
  });
  if (report.imported.length + report.updated.length > 0) deps.noteWrite();
  return report;
}
