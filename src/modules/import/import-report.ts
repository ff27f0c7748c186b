/**
 * What an import did, kind by kind, with the old id and the reason for everything not imported as it was.
 * Printed as text at the end of the command and written as JSON with --report.
 */

export const REPORT_KINDS = ['author', 'category', 'tag', 'post', 'page', 'thread', 'comment', 'media'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export type Outcome = 'imported' | 'updated' | 'unchanged' | 'skipped' | 'failed';

export interface ReportLine {
  kind: ReportKind | 'file';
  oldId: string;
  /** skipped/failed: not in the site; note: imported, with something to know; repaired: --repair mended the file. */
  outcome: 'skipped' | 'failed' | 'note' | 'repaired';
  reason: string;
}

/** Where the file came from, and which kinds the printed table shows for it. */
export type ImportPlatform = 'wordpress' | 'ghost' | 'disqus';

export const PLATFORM_KINDS: Record<ImportPlatform, ReportKind[]> = {
  wordpress: ['author', 'category', 'tag', 'post', 'page', 'comment', 'media'],
  ghost: ['author', 'category', 'tag', 'post', 'page'],
  disqus: ['thread', 'comment'],
};

export const PLATFORM_NAMES: Record<ImportPlatform, string> = { wordpress: 'WXR', ghost: 'Ghost', disqus: 'Disqus' };

export interface ImportReport {
  platform: ImportPlatform;
  source: string;
  /** The version the file declares: WXR's `wxr_version`, Ghost's `meta.version` ('' when it has none). */
  version: string;
  /** WordPress only: the WXR version (1.0 when the file has none). */
  wxrVersion: string;
  dryRun: boolean;
  counts: Record<ReportKind, Record<Outcome, number>>;
  lines: ReportLine[];
  /** Shortcode or block name -> old ids of the items that have it. */
  unknownShortcodes: Record<string, string[]>;
  unknownBlocks: Record<string, string[]>;
  /** "item:comment" old ids of replies whose parent was not in the file (shown as top-level comments). */
  orphanComments: string[];
  renamedSlugs: { kind: ReportKind; oldId: string; from: string; to: string }[];
  pingbacksSkipped: number;
  /** Items of other post types (attachments, menu items, block-theme records), by type. */
  otherTypesSkipped: Record<string, number>;
  redirects: number;
  /**
   * Images the old site served itself that did not come (Ghost's `content/images`; WordPress files not in the
   * uploads folder): the item that shows a placeholder instead, and the old address.
   */
  missingMedia: { kind: ReportKind; oldId: string; address: string }[];
  /** WordPress: images left at their address on another site (every image, without an uploads folder). */
  remoteMedia: { kind: ReportKind; oldId: string; address: string }[];
  /** Disqus: threads matched to no article, with the comments they hold (not imported). */
  unmatchedThreads: { oldId: string; link: string; identifier: string; comments: number }[];
  /** Disqus: comments marked spam or deleted there, counted and left out. */
  spamSkipped: number;
  deletedSkipped: number;
  /** WordPress: other plugins' post meta kept with its post for export (never run). */
  metaKept: number;
  /** Per list, the entries past REPORT_LIST_MAX: counted, not listed (absent in reports of older versions). */
  unlisted?: Partial<Record<ReportList, number>>;
  /** XML read with --repair: how many repairs of each kind (xml-repair-log.ts); their positions are in `lines`. */
  repairs: Record<string, number>;
}

export function newReport(dryRun: boolean, platform: ImportPlatform = 'wordpress'): ImportReport {
  const zero = () => ({ imported: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 });
  return {
    platform,
    source: '',
    version: '',
    wxrVersion: '',
    dryRun,
    counts: {
      author: zero(),
      category: zero(),
      tag: zero(),
      post: zero(),
      page: zero(),
      thread: zero(),
      comment: zero(),
      media: zero(),
    },
    lines: [],
    unknownShortcodes: {},
    unknownBlocks: {},
    orphanComments: [],
    renamedSlugs: [],
    pingbacksSkipped: 0,
    otherTypesSkipped: {},
    redirects: 0,
    metaKept: 0,
    missingMedia: [],
    remoteMedia: [],
    unmatchedThreads: [],
    spamSkipped: 0,
    deletedSkipped: 0,
    repairs: {},
  };
}

export function count(report: ImportReport, kind: ReportKind, outcome: Outcome): void {
  report.counts[kind][outcome]++;
}

/**
 * Entries each list of a report keeps at most, so the report of a file of a million items stays small (it is
 * held in memory until the end, and kept for the admin page); the entries past it are counted in `unlisted`.
 */
export const REPORT_LIST_MAX = 10_000;

/** The report's lists that grow with the file. */
export type ReportList = 'lines' | 'missingMedia' | 'remoteMedia' | 'orphanComments' | 'renamedSlugs';

const UNLISTED_NAMES: Record<ReportList, string> = {
  lines: 'details',
  missingMedia: 'missing images',
  remoteMedia: 'images left at their old address',
  orphanComments: 'replies without their parent',
  renamedSlugs: 'renamed addresses',
};

/** One sentence on what the lists left out past REPORT_LIST_MAX; '' when nothing was. */
export function unlistedSummary(r: Pick<ImportReport, 'unlisted'>): string {
  const unlisted = Object.entries(r.unlisted ?? {}).filter(([, n]) => n > 0);
  if (unlisted.length === 0) return '';
  const more = unlisted.map(([list, n]) => `${n} more ${UNLISTED_NAMES[list as ReportList]}`).join(', ');
  return `Not listed (each list keeps its first ${REPORT_LIST_MAX.toLocaleString('en')}): ${more}.`;
}

/** Adds an entry to one of the report's lists, or counts it past REPORT_LIST_MAX; true when it was listed. */
export function addToList<K extends ReportList>(
  report: ImportReport,
  list: K,
  entry: ImportReport[K][number],
): boolean {
  const entries = report[list] as ImportReport[K][number][];
  if (entries.length < REPORT_LIST_MAX) {
    entries.push(entry);
    return true;
  }
  report.unlisted ??= {};
  report.unlisted[list] = (report.unlisted[list] ?? 0) + 1;
  return false;
}

export function noteLine(report: ImportReport, line: ReportLine): void {
  addToList(report, 'lines', line);
}

export function noteNamed(into: Record<string, string[]>, names: string[], oldId: string): void {
  for (const n of names) {
    into[n] ??= [];
    into[n].push(oldId);
  }
}

/** The report as a person reads it at the end of the command. */
export function formatReport(r: ImportReport): string {
  const out: string[] = [];
  const from = `${PLATFORM_NAMES[r.platform]}${r.version ? ` ${r.version}` : ''}`;
  out.push(`${r.dryRun ? 'Dry run (nothing was changed)' : 'Imported'}: ${r.source} (${from})`);
  out.push('');
  const columns: Outcome[] = ['imported', 'updated', 'unchanged', 'skipped', 'failed'];
  out.push(['kind'.padEnd(10), ...columns.map((c) => c.padStart(10))].join(''));
  for (const kind of PLATFORM_KINDS[r.platform])
    out.push([kind.padEnd(10), ...columns.map((c) => String(r.counts[kind][c]).padStart(10))].join(''));
  out.push('');
  if (r.platform === 'wordpress')
    out.push(
      `Old addresses redirected: ${r.redirects}. Pingbacks and trackbacks skipped: ${r.pingbacksSkipped}. ` +
        `Post meta kept for export: ${r.metaKept}.`,
    );
  if (r.platform === 'ghost') out.push(`Old addresses redirected: ${r.redirects}.`);
  if (r.platform === 'disqus')
    out.push(`Spam comments left out: ${r.spamSkipped}. Deleted comments left out: ${r.deletedSkipped}.`);
  const repairs = Object.entries(r.repairs).map(([kind, n]) => `${kind} ${n}`);
  if (repairs.length > 0) out.push(`Repaired while reading (--repair; listed under Details): ${repairs.join(', ')}.`);
  const others = Object.entries(r.otherTypesSkipped).map(([t, n]) => `${t} ${n}`);
  if (others.length > 0) out.push(`Items of other types, not imported: ${others.join(', ')}.`);
  const named = (title: string, m: Record<string, string[]>) => {
    const names = Object.keys(m);
    if (names.length === 0) return;
    out.push(`${title}:`);
    for (const n of names.sort())
      out.push(`  ${n} (items ${m[n]?.slice(0, 20).join(', ')}${(m[n]?.length ?? 0) > 20 ? ', …' : ''})`);
  };
  named('Unknown shortcodes, left as text', r.unknownShortcodes);
  named('Unknown blocks, inner HTML kept', r.unknownBlocks);
  if (r.orphanComments.length > 0)
    out.push(`Replies whose parent is missing, shown as top-level comments: ${r.orphanComments.join(', ')}`);
  if (r.missingMedia.length > 0) {
    out.push(
      r.platform === 'wordpress'
        ? 'Images of the old site whose files did not come, shown as placeholders (upload them again):'
        : 'Images of the old site not in the file (upload them again):',
    );
    for (const m of r.missingMedia) out.push(`  ${m.kind} ${m.oldId}: ${m.address}`);
  }
  if (r.remoteMedia.length > 0) {
    out.push('Images left at their old address (this site shows only images it serves: upload them to show them):');
    for (const m of r.remoteMedia.slice(0, 50)) out.push(`  ${m.kind} ${m.oldId}: ${m.address}`);
    if (r.remoteMedia.length > 50) out.push(`  … and ${r.remoteMedia.length - 50} more (all of them with --report)`);
  }
  if (r.unmatchedThreads.length > 0) {
    out.push('Threads matched to no article (their comments were not imported):');
    for (const t of r.unmatchedThreads)
      out.push(
        `  thread ${t.oldId}: ${t.link || '(no link)'}${t.identifier ? ` [id ${t.identifier}]` : ''}, ${t.comments} comment${t.comments === 1 ? '' : 's'}`,
      );
  }
  if (r.renamedSlugs.length > 0) {
    out.push('Renamed addresses (the old one redirects):');
    for (const s of r.renamedSlugs) out.push(`  ${s.kind} ${s.oldId}: "${s.from}" -> "${s.to}"`);
  }
  if (r.lines.length > 0) {
    out.push('Details:');
    for (const l of r.lines)
      out.push(`  ${l.kind} ${l.oldId}: ${l.outcome === 'note' ? '' : `${l.outcome}, `}${l.reason}`);
  }
  const unlisted = unlistedSummary(r);
  if (unlisted) out.push(unlisted);
  // Every value above came from the file: control characters (terminal escape sequences among them) are shown
  // as visible escapes, never sent to the person's terminal.
  return `${out.map(printable).join('\n')}\n`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A line with its control characters written as \uXXXX. */
export const printable = (line: string): string =>
  line.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
