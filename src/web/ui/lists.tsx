import { type ComponentChildren, createContext, type VNode } from 'preact';
import { useContext } from 'preact/hooks';
import { renderToString } from 'preact-render-to-string';
import type { PostSummary } from '../../modules/content/content.types.ts';
import type { SiteSettings } from '../../modules/settings/settings.service.ts';
import type { Paged } from '../../modules/shared/paging.ts';
import { authorUrl, categoryUrl, formatDate, postUrl } from './format.ts';
import { keptView } from './rendered-html.ts';

// A no-break space before the dot keeps it at the end of a line, never starting the next one.
const SEPARATOR = '\u00a0· ';

/** Who wrote it and when; `updated`: the "Updated" date to show, if any (updateShownToReaders decides). */
export function Byline(props: {
  post: Omit<PostSummary, 'commentCount'>;
  site: SiteSettings;
  updated?: string | null;
}) {
  const { post, site, updated } = props;
  return (
    <p class="byline">
      {post.authors.length > 0 ? (
        <>
          <span class="byline__authors">
            By{' '}
            {post.authors.map((a, i) => (
              <>
                {i > 0 ? (i === post.authors.length - 1 ? ' and ' : ', ') : null}
                <a href={authorUrl(a.slug)} rel="author">
                  {a.name}
                </a>
              </>
            ))}
          </span>
          <span aria-hidden="true">{SEPARATOR}</span>
        </>
      ) : null}
      <time datetime={post.publishedAt}>{formatDate(post.publishedAt, site.locale, site.timeZone)}</time>
      {updated ? (
        <>
          <span aria-hidden="true">{SEPARATOR}</span>
          <span class="byline__updated">
            Updated <time datetime={updated}>{formatDate(updated, site.locale, site.timeZone)}</time>
          </span>
        </>
      ) : null}
      <span aria-hidden="true">{SEPARATOR}</span>
      <span>{post.readingMinutes} min read</span>
    </p>
  );
}

/**
 * Set when the page is to be kept in the cache: each article's comment count is rendered as this marker, replaced
 * when the page is served by the count's current HTML (src/web/kit/count-fragments.ts), so a comment renders no list.
 */
export const CountMarkers = createContext<((postId: number) => string) | undefined>(undefined);

/**
 * A view holding lists, rendered once (keptView) for the page's count markers as well as for `owner` and `inputs`:
 * call it while a page renders (it reads CountMarkers, which a view rendered apart would not see).
 */
export function keptListView(owner: object, inputs: readonly unknown[], view: () => VNode): VNode {
  const markers = useContext(CountMarkers);
  return keptView(owner, [...inputs, markers], () => (
    <CountMarkers.Provider value={markers}>{view()}</CountMarkers.Provider>
  ));
}

/** What a list shows of an article's discussion: a link to it with the count, or nothing before the first comment. */
export function commentCountHtml(post: { slug: string; title: string; commentCount: number }): string {
  if (post.commentCount <= 0) return '';
  return renderToString(
    <a href={`${postUrl(post.slug)}#comments`}>
      {post.commentCount === 1 ? '1 comment' : `${post.commentCount} comments`}
      <span class="visually-hidden"> on {post.title}</span>
    </a>,
  );
}

/** The card's comment count, or its marker in a page kept in pieces (empty, and not shown, before any comment). */
function CommentCount(props: { post: PostSummary }) {
  const marker = useContext(CountMarkers);
  const html = marker ? marker(props.post.id) : commentCountHtml(props.post);
  return <div class="post-card__comments" dangerouslySetInnerHTML={{ __html: html }} />;
}

export function PostList(props: { posts: PostSummary[]; site: SiteSettings; headingLevel?: 2 | 3 }) {
  const H = props.headingLevel === 3 ? 'h3' : 'h2';
  if (props.posts.length === 0) return <p class="empty">Nothing has been published here yet.</p>;
  return (
    <ol class="post-list">
      {props.posts.map((p) => (
        <li key={p.id}>
          <article class={p.pinned ? 'post-card post-card--pinned' : 'post-card'}>
            {p.pinned ? (
              <p class="post-card__pinned">
                Pinned<span class="visually-hidden">: kept at the top of the home page</span>
              </p>
            ) : null}
            {p.category ? (
              <p class="post-card__kicker">
                <a href={categoryUrl(p.category.path)}>{p.category.name}</a>
              </p>
            ) : null}
            <H class="post-card__title">
              <a href={postUrl(p.slug)}>{p.title}</a>
            </H>
            {p.standfirst || p.excerpt ? <p class="post-card__standfirst">{p.excerpt || p.standfirst}</p> : null}
            <Byline post={p} site={props.site} />
            <CommentCount post={p} />
          </article>
        </li>
      ))}
    </ol>
  );
}

/** Previous/next page links for any paged list; `base` is the list's own path. */
export function Pagination(props: { paged: Paged<unknown>; base: string; query?: Record<string, string> }) {
  const { page, pageCount } = props.paged;
  if (pageCount <= 1) return null;
  const href = (n: number) => {
    const params = new URLSearchParams(props.query ?? {});
    if (n > 1) params.set('page', String(n));
    const qs = params.toString();
    return qs ? `${props.base}?${qs}` : props.base;
  };
  return (
    <Pager
      label="Pages"
      status={`Page ${page} of ${pageCount}`}
      prev={page > 1 ? { href: href(page - 1), text: '← Newer' } : undefined}
      next={page < pageCount ? { href: href(page + 1), text: 'Older →' } : undefined}
      rel
    />
  );
}

/**
 * A table of rows (staff lists: users, bans, sessions, menus…): its caption (`hiddenCaption`: for screen readers
 * only), a heading per column, and, when `actions` names it, a last column of buttons whose heading only screen
 * readers hear. The rows come as children.
 */
export function DataTable(props: {
  class?: string;
  caption: ComponentChildren;
  hiddenCaption?: boolean;
  columns: readonly string[];
  actions?: string;
  children: ComponentChildren;
}) {
  return (
    <table class={props.class ? `admin-table ${props.class}` : 'admin-table'}>
      <caption class={props.hiddenCaption ? 'visually-hidden' : undefined}>{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
          {props.actions ? (
            <th scope="col">
              <span class="visually-hidden">{props.actions}</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

/** One link of a pager: where it goes and what it says. */
export interface PagerLink {
  href: string;
  text: string;
}

/**
 * The row under a paged list: the link back, where the reader is, the link on (an empty span holds the place of a
 * missing link). `rel`: the links carry rel="prev"/"next".
 */
export function Pager(props: {
  label: string;
  status: ComponentChildren;
  prev?: PagerLink;
  next?: PagerLink;
  rel?: boolean;
}) {
  const { prev, next } = props;
  return (
    <nav class="pagination" aria-label={props.label}>
      {prev ? (
        <a href={prev.href} rel={props.rel ? 'prev' : undefined}>
          {prev.text}
        </a>
      ) : (
        <span />
      )}
      <span class="pagination__status">{props.status}</span>
      {next ? (
        <a href={next.href} rel={props.rel ? 'next' : undefined}>
          {next.text}
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
}
