import { type ImportReport, noteLine, type ReportLine } from './import-report.ts';

/**
 * What `--repair` changed in a file that was not well-formed, kept small whatever the file: a count per kind of
 * repair and the positions of the first few of each, so 100,000 bare ampersands make one count and twenty lines.
 */

/** Each kind of repair, and what it did, as the report says it. */
export const REPAIR_KINDS = {
  'bare-ampersand': 'a bare "&" written as "&amp;"',
  'bare-less-than': 'a "<" that starts no markup, written as "&lt;"',
  'html-entity': 'an HTML entity XML does not know, written as its character',
  'unknown-entity': 'an entity nobody defines, kept as text ("&amp;name;")',
  'disallowed-character': 'a character XML 1.0 does not allow (a control character), dropped',
  'nested-cdata': 'a "]]>" inside a CDATA section (a nested CDATA), kept as text',
  'stray-cdata-end': 'a "]]>" outside a CDATA section, written as "]]&gt;"',
  'stray-text': 'text outside the root element (a stray character before "<?xml"), dropped',
  'unquoted-attribute': 'an attribute value without quotes, put in quotes',
} as const;

export type RepairKind = keyof typeof REPAIR_KINDS;

/** How many positions of each kind the report lists before it only counts. */
export const REPAIRS_LISTED = 20;

interface ListedRepair {
  kind: RepairKind;
  line: number;
  column: number;
  /** This repair in particular: `"&nbsp;" written as U+00A0`. */
  what: string;
}

export class RepairLog {
  readonly counts = new Map<RepairKind, number>();
  readonly listed: ListedRepair[] = [];

  note(kind: RepairKind, line: number, column: number, what: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= REPAIRS_LISTED) this.listed.push({ kind, line, column, what });
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}

/**
 * Puts the repairs at the head of the report's details (they are about the whole file): a line for each listed
 * position (`file 12:7: repaired, a bare "&" …`), then, for a kind with more, one line with the count left.
 */
export function noteRepairs(report: ImportReport, log: RepairLog): void {
  const lines: ReportLine[] = [];
  for (const kind of Object.keys(REPAIR_KINDS) as RepairKind[]) {
    const n = log.counts.get(kind) ?? 0;
    if (n === 0) continue;
    report.repairs[kind] = n;
    for (const r of log.listed)
      if (r.kind === kind)
        lines.push({ kind: 'file', oldId: `${r.line}:${r.column}`, outcome: 'repaired', reason: r.what });
    if (n > REPAIRS_LISTED)
      lines.push({
        kind: 'file',
        oldId: '-',
        outcome: 'repaired',
        reason: `${(n - REPAIRS_LISTED).toLocaleString('en')} more of the same kind, ${n.toLocaleString('en')} in all: ${REPAIR_KINDS[kind]}`,
      });
  }
  const rest = report.lines.splice(0);
  for (const l of [...lines, ...rest]) noteLine(report, l);
}
