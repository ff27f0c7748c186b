import { inTransaction } from '../../storage/transaction.ts';
import { sourceChange } from '../shared/changes.ts';
import {
  type BibliographyFormat,
  checkBibliographyBytes,
  checkBibliographySize,
  detectFormat,
  IMPORT_LIMITS,
  unreadable,
} from './bibliography-scan.ts';
import type { ImportReport, ParsedEntry } from './bibliography-types.ts';
import { parseBibtex } from './bibtex-reader.ts';
import { cslJsonEntries, parseJsonText } from './csl-json-reader.ts';
import { parseRis } from './ris-reader.ts';
import {
  findSourceRowByKey,
  findSourceRowsByKeys,
  insertSourceRows,
  invalidateCitingRenders,
  type SourceRow,
  updateSourceRow,
} from './source.repository.ts';
import { isValidKey, kindOfType, normaliseKey, plainTitle } from './source-form.ts';
import type { SourcesDeps } from './sources.service.ts';
import type { CslItem, CslName } from './sources.types.ts';

export { type BibliographyFormat, IMPORT_LIMITS } from './bibliography-scan.ts';
export type { ImportReport, ParsedEntry } from './bibliography-types.ts';

/**
 * Reads a bibliography text into entries (nothing is stored). The size is checked first, by a cheap scan, so a
 * file over the limits is refused before any entry is parsed (BIBLIOGRAPHY_TOO_LARGE); the entries are then read
 * one by one, yielding to the event loop, so a large import does not hold up other requests (decision 023).
 */
export async function parseBibliography(text: string): Promise<{ format: BibliographyFormat; entries: ParsedEntry[] }> {
  checkBibliographyBytes(text);
  const format = detectFormat(text);
  const json = format === 'csl-json' ? parseJsonText(text) : undefined;
  checkBibliographySize(text, format, json);
  const entries =
    format === 'bibtex' ? await parseBibtex(text) : format === 'ris' ? await parseRis(text) : cslJsonEntries(json);
  if (entries.length === 0) throw unreadable(`${format}: no entries`);
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
  if (plainTitle(title) === '') return 'The entry has no title.';
  const key = entry.fileKey !== undefined ? normaliseKey(entry.fileKey) : keyFor(raw);
  if (!isValidKey(key)) return `The key “${entry.fileKey ?? ''}” cannot be made into a citation key.`;
  const { _graph, 'citation-key': _ck, ...rest } = raw as CslItem & { _graph?: unknown; 'citation-key'?: unknown };
  return { key, item: { ...rest, id: key, type: raw.type, title } };
}

/**
 * Imports a BibTeX, RIS or CSL-JSON text: each entry is read and checked on its own, so the report lists what
 * was imported and, for each entry that failed, why (and what was changed in the ones that came in). A key
 * already in the library is reported as failed unless `replace` is set, when that source is updated (and the
 * articles citing it re-rendered). Keys from RIS records (which have none) are made from the first author and
 * year, with a letter added when taken. The write is one transaction of a few batched statements, so it holds
 * the database (and, on SQLite, the event loop) only briefly even for two thousand entries.
 */
export async function importBibliography(
  deps: SourcesDeps,
  input: { text: string; replace?: boolean },
): Promise<ImportReport> {
  const { format, entries } = await parseBibliography(input.text);
  const report: ImportReport = { format, imported: [], updated: [], failed: [], warnings: [] };
  const now = deps.clock.now().toISOString();
  const cleaned = entries.map((entry) => ({ entry, result: entry.item ? cleanItem(entry) : undefined }));
  await inTransaction(deps.db, async (trx) => {
    const wanted = cleaned.flatMap((c) => (c.result && typeof c.result !== 'string' ? [c.result.key] : []));
    const existing = new Map((await findSourceRowsByKeys(trx, [...new Set(wanted)])).map((r) => [r.key, r]));
    const seen = new Set<string>();
    // Where each made-up key's search for a free suffix stopped, so many entries with one base key stay linear.
    const nextSuffix = new Map<string, number>();
    const inserts: Omit<SourceRow, 'id'>[] = [];
    for (const { entry, result } of cleaned) {
      if (entry.error || !result) {
        report.failed.push({ entry: entry.label, reason: entry.error ?? 'Could not be read.' });
        continue;
      }
      if (typeof result === 'string') {
        report.failed.push({ entry: entry.label, reason: result });
        continue;
      }
      let { key } = result;
      if (entry.fileKey === undefined) {
        // A made-up key steps aside for an existing one: "goldman-1995", then "goldman-1995b" … "-1995z",
        // then "goldman-1995-27" and on (bounded: a file cannot make this loop run long).
        let n = nextSuffix.get(result.key) ?? 1;
        for (; seen.has(key) || existing.has(key) || (n > 1 && (await findSourceRowByKey(trx, key))); n++) {
          if (n > IMPORT_LIMITS.entries + 26) break;
          key = keyWithSuffix(result.key, n);
        }
        nextSuffix.set(result.key, n);
      }
      if (seen.has(key)) {
        report.failed.push({ entry: entry.label, reason: `The key “${key}” appears twice in the file.` });
        continue;
      }
      seen.add(key);
      const before = existing.get(key);
      if (before && !input.replace) {
        report.failed.push({ entry: entry.label, reason: `The library already has a source “${key}”.` });
        continue;
      }
      const item = { ...result.item, id: key };
      const values = {
        key,
        kind: kindOfType(item.type),
        title: plainTitle(item.title ?? key),
        csl_json: JSON.stringify(item),
        updated_at: now,
      };
      for (const message of entry.warnings ?? []) report.warnings.push({ entry: entry.label, message });
      if (before) {
        await updateSourceRow(trx, before.id, { ...values, note: before.note });
        report.updated.push(key);
      } else {
        inserts.push({ ...values, note: '', created_at: now });
        report.imported.push(key);
      }
    }
    await insertSourceRows(trx, inserts);
    await invalidateCitingRenders(trx, [...report.imported, ...report.updated]);
  });
  if (report.imported.length + report.updated.length > 0)
    deps.noteWrite(sourceChange([...report.imported, ...report.updated]));
  return report;
}

/** The n-th stand-in for a made-up key (n ≥ 1): b … z after the bare key, then -27, -28 … */
function keyWithSuffix(base: string, n: number): string {
  return n <= 25 ? `${base.slice(0, 62)}${String.fromCharCode(97 + n)}` : `${base.slice(0, 56)}-${n + 1}`;
}
