import { plugins } from '@citation-js/core';
import '@citation-js/plugin-ris';
import { IMPORT_LIMITS, timeSlicer } from './bibliography-scan.ts';
import type { ParsedEntry } from './bibliography-types.ts';
import type { CslDate, CslItem, CslName } from './sources.types.ts';

/** Records of a RIS text (TY … ER), each parsed on its own, yielding to the event loop between records. */
export async function parseRis(text: string): Promise<ParsedEntry[]> {
  const out: ParsedEntry[] = [];
  const slice = timeSlicer();
  let line = 1;
  for (const [i, record] of text.split(/^ER {2}-.*$/m).entries()) {
    const startLine = line + (record.match(/^\s*\n/)?.[0].split('\n').length ?? 1) - 1;
    line += record.split('\n').length - 1;
    if (record.trim() === '') continue;
    out.push(readRisRecord(record.trim(), `record ${i + 1} (line ${startLine})`));
    await slice();
  }
  return out;
}

function readRisRecord(body: string, label: string): ParsedEntry {
  if (!/^TY {2}- \S/.test(body)) return { label, error: 'A RIS record must begin with a “TY  - ” line.' };
  if (body.length > IMPORT_LIMITS.entryChars) return { label, error: 'The record is too long.' };
  let item: CslItem | undefined;
  try {
    [item] = plugins.input.chain(`${body}\nER  - \n`, { forceType: '@ris/file', generateGraph: false }) as (
      | CslItem
      | undefined
    )[];
  } catch (err) {
    return {
      label,
      error: `RIS could not be read: ${(err instanceof Error ? err.message : String(err)).slice(0, 160)}`,
    };
  }
  if (!item?.type) return { label, error: 'No record could be read here.' };
  const warnings: string[] = [];
  tidyRisItem(item, tagValues(body), warnings);
  return { label, item, warnings };
}

/** Every value of each tag in a record ("AU" -> ["Doe, John", …]). */
function tagValues(body: string): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const m of body.matchAll(/^([A-Z][A-Z0-9]) {2}- ?(.*)$/gm)) {
    const value = m[2]!.trim();
    if (value) tags.set(m[1]!, [...(tags.get(m[1]!) ?? []), value]);
  }
  return tags;
}

/**
 * What citation-js loses from a RIS record: a newspaper's authors (stored as `reporter`, or dropped when
 * written A1) and the month and day of a date ("1939/07/04/").
 */
function tidyRisItem(item: CslItem, tags: Map<string, string[]>, warnings: string[]): void {
  if (!item.author?.length) {
    const names = [...(tags.get('AU') ?? []), ...(tags.get('A1') ?? [])];
    if (names.length > 0) item.author = names.map(risName);
  }
  delete item.reporter;
  const written = tags.get('DA')?.[0] ?? tags.get('PY')?.[0] ?? tags.get('Y1')?.[0];
  if (written === undefined) return;
  const date = risDate(written);
  const fuller = [tags.get('PY')?.[0], tags.get('DA')?.[0], tags.get('Y1')?.[0]]
    .map((d) => (d === undefined ? undefined : risDate(d)))
    .filter((d): d is CslDate => d !== undefined)
    .sort((a, b) => b['date-parts']![0]!.length - a['date-parts']![0]!.length)[0];
  if (fuller) item.issued = fuller;
  else if (!date) {
    delete item.issued;
    warnings.push(`The date “${written.slice(0, 60)}” is not a date; the record was imported without one.`);
  }
}

const risName = (written: string): CslName => {
  const comma = written.indexOf(',');
  if (comma < 0) return { literal: written };
  const given = written.slice(comma + 1).trim();
  return given ? { family: written.slice(0, comma).trim(), given } : { family: written.slice(0, comma).trim() };
};

/** "1939", "1939/07/04/", "1939/07//" or "1939-07-04" as CSL date parts. */
export function risDate(written: string): CslDate | undefined {
  const m = /^(\d{4})(?:[/-](\d{1,2})?(?:[/-](\d{1,2})?)?)?/.exec(written.trim());
  if (!m) return undefined;
  const parts = [Number(m[1])];
  if (m[2] && Number(m[2]) >= 1 && Number(m[2]) <= 12) {
    parts.push(Number(m[2]));
    if (m[3] && Number(m[3]) >= 1 && Number(m[3]) <= 31) parts.push(Number(m[3]));
  }
  return { 'date-parts': [parts] };
}
