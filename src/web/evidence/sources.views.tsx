import type { CitingEntity } from '../../modules/history/entity-sources.ts';
import type { CitationStyle } from '../../modules/settings/citation-styles.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import { CITATION_STYLE_NAMES } from '../../modules/sources/citation-format.ts';
import type { FormattedSource } from '../../modules/sources/sources.service.ts';
import type { CitingArticle, Source } from '../../modules/sources/sources.types.ts';
import { SourceEntitiesSection } from '../history/source-entities.views.tsx';
import { formatDate, postUrl } from '../ui/format.ts';
import { CslText } from './csl-text.tsx';

export const sourceUrl = (key: string) => `/sources/${encodeURIComponent(key)}/`;

/** Every source of the library as a bibliography, in the site's style (sorted by author as the style sorts). */
export function SourcesIndexView(props: { entries: { key: string; html: string }[]; heading: string }) {
  return (
    <>
      <h1 class="page-title">Sources</h1>
      <p>The books, articles, archive documents and web pages the articles of this site cite.</p>
      {props.entries.length === 0 ? (
        <p>No sources yet.</p>
      ) : (
        <section aria-labelledby="sources-list" class="bibliography">
          <h2 id="sources-list">{props.heading}</h2>
          <ul>
            {props.entries.map((e) => (
              <li key={e.key}>
                <CslText html={e.html} /> <a href={sourceUrl(e.key)}>Articles citing it</a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

const MODE_LABELS: Record<CitationStyle, string> = {
  chicago: 'First note',
  apa: 'In the text',
  'chicago-author-date': 'In the text',
};

/** One source: its reference, and every published article that cites it, newest first. */
export function SourcePageView(props: {
  source: Source;
  entry: string;
  styles: FormattedSource[];
  citedBy: CitingArticle[];
  site: SiteSettings;
  /** The people, places, events and organisations listing it (those readers can see). */
  entities: readonly CitingEntity[];
}) {
  const { source, citedBy, site } = props;
  return (
    <>
      <p class="archive-header__kind">
        <a href="/sources/">Sources</a>
      </p>
      <h1 class="page-title">{source.title}</h1>
      <p class="source-entry">
        <CslText html={props.entry} />
      </p>
      <h2>How to cite it</h2>
      <dl class="source-styles">
        {props.styles.map((f) => (
          <>
            <dt>{CITATION_STYLE_NAMES[f.style]}</dt>
            <dd>
              <p>
                {MODE_LABELS[f.style]}: <CslText html={f.citation} />
              </p>
              <p>
                {f.style === 'chicago' ? 'Bibliography' : 'Reference list'}: <CslText html={f.entry} />
              </p>
            </dd>
          </>
        ))}
      </dl>
      <h2>Cited in</h2>
      {citedBy.length === 0 ? (
        <p>No published article cites this source yet.</p>
      ) : (
        <ul class="cited-in">
          {citedBy.map((a) => (
            <li key={a.slug}>
              <a href={postUrl(a.slug)}>{a.title}</a>
              {a.publishedAt ? (
                <>
                  {' '}
                  <time dateTime={a.publishedAt}>{formatDate(a.publishedAt, site.locale, site.timeZone)}</time>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <SourceEntitiesSection entities={props.entities} />
    </>
  );
}
