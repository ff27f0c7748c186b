import {
  type ImportReport,
  type Outcome,
  PLATFORM_KINDS,
  PLATFORM_NAMES,
  printable,
  type ReportKind,
  unlistedSummary,
} from '../../../modules/import/import-report.ts';

// The import report (src/modules/import/import-report.ts) as HTML: the table and the details `annalist import`
// prints, every value from the file escaped (Preact) and its control characters shown as \uXXXX (printable).

const OUTCOMES: readonly Outcome[] = ['imported', 'updated', 'unchanged', 'skipped', 'failed'];
const OUTCOME_LABEL: Record<Outcome, string> = {
  imported: 'Imported',
  updated: 'Updated',
  unchanged: 'Unchanged',
  skipped: 'Skipped',
  failed: 'Failed',
};
const KIND_LABEL: Record<ReportKind, string> = {
  author: 'Bylines',
  category: 'Categories',
  tag: 'Tags',
  post: 'Posts',
  page: 'Pages',
  thread: 'Threads',
  comment: 'Comments',
  media: 'Images',
};
/** Lines of a list shown on the page; the JSON report has them all. */
const SHOWN = 200;

const t = (s: string | number) => printable(String(s));

type Level = 'h3' | 'h4';

function Listed<T>(props: { title: string; items: readonly T[]; render: (item: T) => string; level: Level }) {
  if (props.items.length === 0) return null;
  const more = props.items.length - SHOWN;
  const Heading = props.level;
  return (
    <section class="import-report__list">
      <Heading>{props.title}</Heading>
      <ul>
        {props.items.slice(0, SHOWN).map((item, i) => (
          <li key={i}>{t(props.render(item))}</li>
        ))}
      </ul>
      {more > 0 ? <p>…and {more} more: the JSON report lists them all.</p> : null}
    </section>
  );
}

const named = (m: Record<string, string[]>) =>
  Object.keys(m)
    .sort()
    .map((name) => ({ name, ids: m[name] ?? [] }));

const itemsOf = (ids: string[]) => `items ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''}`;

function Counts(props: { report: ImportReport; id: string; headingId: string }) {
  const { report } = props;
  // On a phone the six columns may be wider than the screen: the table scrolls in its own box, named for a
  // screen reader, which a keyboard must be able to reach to scroll it (axe: scrollable-region-focusable).
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a box that scrolls must take the keyboard's focus
    <section class="import-report__scroll" aria-labelledby={`${props.headingId} ${props.id}`} tabIndex={0}>
      <table class="admin-table import-report__counts" aria-describedby={props.id}>
        <thead>
          <tr>
            <th scope="col">What</th>
            {OUTCOMES.map((o) => (
              <th scope="col" key={o}>
                {OUTCOME_LABEL[o]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {PLATFORM_KINDS[report.platform].map((kind) => (
            <tr key={kind}>
              <th scope="row">{KIND_LABEL[kind]}</th>
              {OUTCOMES.map((o) => (
                <td key={o}>{report.counts[kind]?.[o] ?? 0}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * The whole report; `id` names its summary line, which the table refers to; `headingId` is the heading it sits
 * under (with the summary, the name of the table's box: unique on the page), `level` that of its lists.
 */
export function ImportReportView(props: { report: ImportReport; id: string; headingId: string; level: Level }) {
  const r = props.report;
  const { level } = props;
  const from = `${PLATFORM_NAMES[r.platform] ?? r.platform}${r.version ? ` ${r.version}` : ''}`;
  const others = Object.entries(r.otherTypesSkipped).map(([type, n]) => `${type} ${n}`);
  // Reports kept from an earlier version may lack the newer lists.
  const repairs = Object.entries(r.repairs ?? {}).map(([what, n]) => `${what} ${n}`);
  return (
    <div class="import-report">
      <p id={props.id}>
        <strong>{r.dryRun ? 'Dry run (nothing was changed)' : 'Imported'}</strong>: {t(r.source || '(no address)')} (
        {t(from)})
      </p>
      <Counts report={r} id={props.id} headingId={props.headingId} />
      <p>
        {r.platform === 'disqus'
          ? `Spam comments left out: ${r.spamSkipped}. Deleted comments left out: ${r.deletedSkipped}.`
          : `Old addresses redirected: ${r.redirects}.${r.platform === 'wordpress' ? ` Pingbacks and trackbacks skipped: ${r.pingbacksSkipped}.` : ''}`}
        {others.length > 0 ? ` Items of other types, not imported: ${t(others.join(', '))}.` : ''}
        {repairs.length > 0 ? ` Repaired while reading: ${t(repairs.join(', '))}.` : ''}
        {r.metaKept ? ` Post meta kept for export: ${r.metaKept}.` : ''}
        {unlistedSummary(r) ? ` ${unlistedSummary(r)}` : ''}
      </p>
      <Listed
        level={level}
        title="Unknown shortcodes, left as text"
        items={named(r.unknownShortcodes)}
        render={(n) => `${n.name} (${itemsOf(n.ids)})`}
      />
      <Listed
        level={level}
        title="Unknown blocks, inner HTML kept"
        items={named(r.unknownBlocks)}
        render={(n) => `${n.name} (${itemsOf(n.ids)})`}
      />
      <Listed
        level={level}
        title="Replies whose parent is missing, shown as top-level comments"
        items={r.orphanComments}
        render={(id) => id}
      />
      <Listed
        level={level}
        title="Images of the old site not in the file (upload them again)"
        items={r.missingMedia}
        render={(m) => `${m.kind} ${m.oldId}: ${m.address}`}
      />
      <Listed
        level={level}
        title="Images left at their old address (this site shows only images it serves: upload them to show them)"
        items={r.remoteMedia ?? []}
        render={(m) => `${m.kind} ${m.oldId}: ${m.address}`}
      />
      <Listed
        level={level}
        title="Threads matched to no article (their comments were not imported)"
        items={r.unmatchedThreads}
        render={(th) =>
          `thread ${th.oldId}: ${th.link || '(no link)'}${th.identifier ? ` [id ${th.identifier}]` : ''}, ${th.comments} comment${th.comments === 1 ? '' : 's'}`
        }
      />
      <Listed
        level={level}
        title="Renamed addresses (the old one redirects)"
        items={r.renamedSlugs}
        render={(s) => `${s.kind} ${s.oldId}: "${s.from}" → "${s.to}"`}
      />
      <Listed
        level={level}
        title="Details"
        items={r.lines}
        render={(l) => `${l.kind} ${l.oldId}: ${l.outcome === 'note' ? '' : `${l.outcome}, `}${l.reason}`}
      />
    </div>
  );
}
