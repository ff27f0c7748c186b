import type { FieldDiff } from '../../modules/content/revision-diff.ts';
import type { SiteCorrectionEntry } from '../../modules/corrections/corrections-log.types.ts';
import type {
  PublishedRevisionSummary,
  ReadablePost,
  RevisionAsItWas,
} from '../../modules/corrections/reader-revisions.service.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import type { Paged } from '../../modules/shared/paging.ts';
import { DiffList } from '../admin/posts/revisions.views.tsx';
import { Toc } from '../reader/article.views.tsx';
import { formatDate, postUrl } from '../ui/format.ts';
import { Pagination } from '../ui/lists.tsx';
import { keptView } from '../ui/rendered-html.ts';
import { CorrectionDetails, KIND_LABEL, revisionsUrl, revisionUrl } from './corrections-log.views.tsx';

// Readers' pages about an article's history and the site's corrections: the list of published versions, one
// version as it was, the differences between two, and the site-wide log at /corrections/.

/** "revisions/3...5/": the readers' address of the differences between two published versions. */
export const revisionDiffUrl = (slug: string, from: number, to: number) => `/${slug}/revisions/${from}...${to}/`;

const when = (iso: string, site: SiteSettings) => (
  <time dateTime={iso}>{formatDate(iso, site.locale, site.timeZone)}</time>
);

function BackToArticle(props: { post: ReadablePost }) {
  return (
    <p>
      <a href={postUrl(props.post.slug)}>Read the current version of “{props.post.title}”</a>
    </p>
  );
}

export function RevisionListView(props: {
  post: ReadablePost;
  revisions: PublishedRevisionSummary[];
  site: SiteSettings;
}) {
  const { post, revisions, site } = props;
  return (
    <section class="reader-revisions" aria-labelledby="revisions-title">
      <h1 id="revisions-title" class="page-title">
        Versions of “{post.title}”
      </h1>
      <p>
        Every version readers have been shown, newest first. Each change that corrected or updated the article is listed
        with the version that carries it.
      </p>
      <BackToArticle post={post} />
      {revisions.length === 0 ? (
        <p class="empty">No earlier versions are kept for this article.</p>
      ) : (
        <form method="get" action={revisionsUrl(post.slug)}>
          <table class="revisions-table">
            <caption class="visually-hidden">Published versions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Published</th>
                <th scope="col">Corrections and updates</th>
                {revisions.length > 1 ? (
                  <>
                    <th scope="col">Compare from</th>
                    <th scope="col">Compare to</th>
                  </>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {revisions.map((r, i) => (
                <tr key={r.number}>
                  <th scope="row">
                    <a href={revisionUrl(post.slug, r.number)}>
                      Version {r.number}
                      {i === 0 ? ' (current)' : ''}
                    </a>
                  </th>
                  <td>{when(r.createdAt, site)}</td>
                  <td>
                    {r.corrections.length === 0
                      ? '—'
                      : r.corrections.map((c) => (
                          <p key={c.id}>
                            <strong>{KIND_LABEL[c.kind]}:</strong> {c.summary}
                          </p>
                        ))}
                  </td>
                  {revisions.length > 1 ? (
                    <>
                      <td>
                        <input
                          type="radio"
                          name="from"
                          value={String(r.number)}
                          checked={i === 1}
                          aria-label={`Compare from version ${r.number}`}
                        />
                      </td>
                      <td>
                        <input
                          type="radio"
                          name="to"
                          value={String(r.number)}
                          checked={i === 0}
                          aria-label={`Compare to version ${r.number}`}
                        />
                      </td>
                    </>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
          {revisions.length > 1 ? (
            <p>
              <button type="submit">Show the differences</button>
            </p>
          ) : null}
        </form>
      )}
    </section>
  );
}

export function RevisionAsItWasView(props: { data: RevisionAsItWas; site: SiteSettings }) {
  const { post, revision: r, corrections, latestNumber } = props.data;
  const { site } = props;
  return (
    <article class="article article--old-version" aria-labelledby="article-title">
      <div class="old-version-notice" role="note">
        <p>
          You are reading an earlier version of this article, published {when(r.createdAt, site)}.{' '}
          <a href={postUrl(post.slug)}>Read the current version.</a>
        </p>
        <p>
          <a href={revisionsUrl(post.slug)}>All versions</a>
          {r.number !== latestNumber ? (
            <>
              {' · '}
              <a href={revisionDiffUrl(post.slug, r.number, latestNumber)}>What changed since</a>
            </>
          ) : null}
        </p>
      </div>
      <header class="article__header">
        <h1 id="article-title">{r.title}</h1>
        {r.standfirst ? <p class="standfirst">{r.standfirst}</p> : null}
        <p class="byline">Version {r.number}</p>
      </header>
      {r.toc.filter((t) => t.depth === 2).length >= 3 ? <Toc toc={r.toc} /> : null}
      {/* Rendered on our server by the site's sanitising Markdown pipeline, from the revision's own text. */}
      <div class="prose" dangerouslySetInnerHTML={{ __html: r.html }} />
      {corrections.length > 0 ? (
        <section class="corrections" aria-labelledby="version-corrections">
          <h2 id="version-corrections">Changed in this version</h2>
          <ul class="corrections__list">
            {corrections.map((c) => (
              <li key={c.id}>
                <p class="corrections__meta">
                  {when(c.createdAt, site)} · <strong>{KIND_LABEL[c.kind]}</strong>
                </p>
                <CorrectionDetails entry={c} />
                {c.creditName ? <p class="corrections__credit">Suggested by {c.creditName}</p> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </article>
  );
}

export function RevisionDiffView(props: {
  post: ReadablePost;
  from: { number: number; createdAt: string };
  to: { number: number; createdAt: string };
  changes: FieldDiff[];
  site: SiteSettings;
}) {
  const { post, from, to, site } = props;
  return (
    <section class="reader-diff" aria-labelledby="diff-title">
      <h1 id="diff-title" class="page-title">
        Changes to “{post.title}”
      </h1>
      <p>
        From <a href={revisionUrl(post.slug, from.number)}>version {from.number}</a> ({when(from.createdAt, site)}) to{' '}
        <a href={revisionUrl(post.slug, to.number)}>version {to.number}</a> ({when(to.createdAt, site)}).
      </p>
      <p>
        <a href={revisionsUrl(post.slug)}>All versions</a> · <a href={postUrl(post.slug)}>The current article</a>
      </p>
      <DiffList changes={props.changes} headingLevel={2} />
    </section>
  );
}

type CorrectionsPageProps = { entries: Paged<SiteCorrectionEntry>; site: SiteSettings };

/** The log's page, rendered once for the page of entries read in this content generation and reused as HTML. */
export const KeptCorrectionsPageView = (props: CorrectionsPageProps) =>
  keptView(props.entries, ['corrections', props.site], () => <CorrectionsPageView {...props} />);

export function CorrectionsPageView(props: CorrectionsPageProps) {
  const { entries, site } = props;
  return (
    <section class="corrections-page" aria-labelledby="corrections-title">
      <h1 id="corrections-title" class="page-title">
        Corrections and updates
      </h1>
      <p>
        Every correction and update made to an article after it was published, newest first.{' '}
        <a href="/corrections/feed.xml">Follow them in a feed (Atom)</a>.
      </p>
      {entries.items.length === 0 ? (
        <p class="empty">No article has been corrected or updated yet.</p>
      ) : (
        <ol class="corrections__list">
          {entries.items.map((e) => (
            <li key={e.id}>
              <p class="corrections__meta">
                {when(e.createdAt, site)} · <strong>{KIND_LABEL[e.kind]}</strong> to{' '}
                <a href={`${postUrl(e.post.slug)}#corrections`}>{e.post.title}</a>
              </p>
              <CorrectionDetails entry={e} />
              {e.creditName ? <p class="corrections__credit">Suggested by {e.creditName}</p> : null}
              {e.revisionNumber !== null ? (
                <p>
                  <a href={revisionUrl(e.post.slug, e.revisionNumber)}>
                    See this version<span class="visually-hidden"> of {e.post.title}</span>
                  </a>
                </p>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      <Pagination paged={entries} base="/corrections/" />
    </section>
  );
}
