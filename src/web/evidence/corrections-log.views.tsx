import type { CorrectionLogEntry } from '../../modules/corrections/corrections-log.types.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import { formatDate } from '../ui/format.ts';

// The article's public "Corrections and updates" log, and the pieces of it other reader pages reuse: the
// kind's label, a source with its web addresses as links, and the JSON-LD CorrectionComments.

export const KIND_LABEL: Record<CorrectionLogEntry['kind'], string> = {
  correction: 'Correction',
  update: 'Update',
};

/** The readers' address of one published revision of an article. */
export const revisionUrl = (slug: string, n: number) => `/${slug}/revisions/${n}/`;
export const revisionsUrl = (slug: string) => `/${slug}/revisions/`;

// http(s) addresses only; a trailing full stop, comma or closing bracket belongs to the sentence, not the link.
const URL_IN_TEXT = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'’”]/gi;

/** A source as text with every http(s) address in it a link (nofollow: readers' and writers' links, unvouched). */
export function SourceText(props: { text: string }) {
  const parts: (string | { href: string })[] = [];
  let last = 0;
  for (const m of props.text.matchAll(URL_IN_TEXT)) {
    if (m.index > last) parts.push(props.text.slice(last, m.index));
    parts.push({ href: m[0] });
    last = m.index + m[0].length;
  }
  if (last < props.text.length) parts.push(props.text.slice(last));
  return (
    <>
      {parts.map((p, i) =>
        typeof p === 'string' ? (
          p
        ) : (
          <a key={i} href={p.href} rel="nofollow noopener">
            {p.href}
          </a>
        ),
      )}
    </>
  );
}

/** One entry's description list: what changed, why, source, credit. */
export function CorrectionDetails(props: { entry: CorrectionLogEntry }) {
  const e = props.entry;
  return (
    <dl class="corrections__details">
      <dt>What changed</dt>
      <dd>{e.summary}</dd>
      {e.reason ? (
        <>
          <dt>Why</dt>
          <dd>{e.reason}</dd>
        </>
      ) : null}
      {e.sourceText ? (
        <>
          <dt>Source</dt>
          <dd>
            <SourceText text={e.sourceText} />
          </dd>
        </>
      ) : null}
    </dl>
  );
}

/** The article's dated "Corrections and updates" section (nothing when there are none). */
export function CorrectionsLog(props: { entries: CorrectionLogEntry[]; slug: string; site: SiteSettings }) {
  const { entries, slug, site } = props;
  if (entries.length === 0) return null;
  return (
    <section class="corrections" id="corrections" aria-labelledby="corrections-heading">
      <h2 id="corrections-heading">Corrections and updates</h2>
      <ol class="corrections__list">
        {entries.map((e) => (
          <li key={e.id} id={`correction-${e.id}`}>
            <p class="corrections__meta">
              <time dateTime={e.createdAt}>{formatDate(e.createdAt, site.locale, site.timeZone)}</time>
              {' · '}
              <strong>{KIND_LABEL[e.kind]}</strong>
            </p>
            <CorrectionDetails entry={e} />
            {e.creditName ? <p class="corrections__credit">Suggested by {e.creditName}</p> : null}
            {e.revisionNumber !== null ? (
              <p class="corrections__version">
                <a href={revisionUrl(slug, e.revisionNumber)}>
                  See this version<span class="visually-hidden"> (revision {e.revisionNumber})</span>
                </a>
              </p>
            ) : null}
          </li>
        ))}
      </ol>
      <p>
        <a href={revisionsUrl(slug)}>View earlier versions</a>
        <span class="visually-hidden"> of this article</span>
      </p>
    </section>
  );
}

/** schema.org CorrectionComment items for the article's JSON-LD `correction` (`articleUrl` ends in "/"). */
export function correctionComments(entries: CorrectionLogEntry[], articleUrl: string): unknown[] {
  return entries.map((e) => ({
    '@type': 'CorrectionComment',
    text: e.reason ? `${e.summary} ${e.reason}` : e.summary,
    datePublished: e.createdAt,
    url: e.revisionNumber !== null ? `${articleUrl}revisions/${e.revisionNumber}/` : `${articleUrl}#corrections`,
  }));
}
