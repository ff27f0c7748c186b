import type { Byline } from '../../../modules/content/bylines.service.ts';
import type { WorkflowState } from '../../../modules/content/post-policies.ts';
import type { AdminPostRow } from '../../../modules/content/site-index.service.ts';
import type { SiteSettings } from '../../../modules/settings/settings.service.ts';
import { Choice } from '../../ui/form.tsx';
import { postUrl } from '../../ui/format.ts';
import { DataTable, Pager } from '../../ui/lists.tsx';
import { formatDateTime } from '../layout.tsx';
import { stateLabel } from './revisions.views.tsx';

// The posts list: search, filters, both dates, pages of 25.

export interface PostsListQuery {
  state?: WorkflowState;
  type?: 'post' | 'page';
  /** A byline's slug. */
  author?: string;
  /** Words of the title or slug. */
  search?: string;
  mine: boolean;
  page: number;
}

type ListedPost = AdminPostRow & { state: WorkflowState; authors: string[] };

const STATES = ['draft', 'review', 'scheduled', 'published', 'unpublished'] as const;

/** The address of this list with the same filters, at page `n`. */
export function postsListHref(q: PostsListQuery, n: number): string {
  const u = new URLSearchParams();
  if (q.search) u.set('q', q.search);
  if (q.state) u.set('state', q.state);
  if (q.type) u.set('type', q.type);
  if (q.author) u.set('author', q.author);
  if (q.mine) u.set('mine', '1');
  if (n > 1) u.set('page', String(n));
  const s = u.toString();
  return `/admin/posts${s ? `?${s}` : ''}`;
}

function Filters(props: { query: PostsListQuery; bylines: Byline[]; canSeeOthers: boolean }) {
  const q = props.query;
  return (
    <form class="posts-filter" method="get" action="/admin/posts">
      <div class="posts-filter__search">
        <label for="filter-q">Title or address</label>
        <input type="search" id="filter-q" name="q" value={q.search ?? ''} maxLength={200} />
      </div>
      <div>
        <label for="filter-state">State</label>
        <select id="filter-state" name="state">
          <option value="">Any</option>
          {STATES.map((s) => (
            <option key={s} value={s} selected={q.state === s}>
              {stateLabel(s)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="filter-type">Type</label>
        <select id="filter-type" name="type">
          <option value="">Posts and pages</option>
          <option value="post" selected={q.type === 'post'}>
            Posts
          </option>
          <option value="page" selected={q.type === 'page'}>
            Pages
          </option>
        </select>
      </div>
      {props.bylines.length > 0 ? (
        <div>
          <label for="filter-author">Author</label>
          <select id="filter-author" name="author">
            <option value="">Anyone</option>
            {props.bylines.map((b) => (
              <option key={b.slug} value={b.slug} selected={q.author === b.slug}>
                {b.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {props.canSeeOthers ? (
        <Choice type="checkbox" id="filter-mine" name="mine" value="1" checked={q.mine}>
          Mine
        </Choice>
      ) : null}
      <button type="submit" class="secondary">
        Show
      </button>
    </form>
  );
}

function When(props: { at: string | null; site: SiteSettings }) {
  if (!props.at) return <span class="hint">Not yet</span>;
  return <time dateTime={props.at}>{formatDateTime(props.at, props.site)}</time>;
}

function PostRow(props: { p: ListedPost; site: SiteSettings }) {
  const { p, site } = props;
  const live = p.state === 'published' || p.state === 'scheduled';
  return (
    <tr>
      <td data-label="Title">
        <a href={`/admin/posts/${p.id}`}>{p.title || 'Untitled'}</a>
        {p.type === 'page' ? <span class="hint"> Page</span> : null}
        <span class="hint posts-table__slug">/{p.slug}/</span>
      </td>
      <td data-label="State" class="posts-table__state">
        {stateLabel(p.state)}
      </td>
      <td data-label="Authors">{p.authors.join(', ')}</td>
      <td data-label={p.state === 'scheduled' ? 'Goes out' : 'Published'} class="posts-table__date">
        <When at={live ? p.published_at : null} site={site} />
      </td>
      <td data-label="Changed" class="posts-table__date">
        <When at={p.updated_at ?? p.created_at} site={site} />
      </td>
      <td class="posts-table__links">
        <a href={`/admin/posts/${p.id}/revisions`}>
          Revisions<span class="visually-hidden"> of {p.title}</span>
        </a>
        {p.state === 'published' ? (
          <>
            {' · '}
            <a href={postUrl(p.slug)}>
              View<span class="visually-hidden"> {p.title}</span>
            </a>
          </>
        ) : null}
      </td>
    </tr>
  );
}

/** How many posts the filters find, and the way back to all of them. */
function ListStatus(props: { total: number; query: PostsListQuery; canSeeOthers: boolean; filtered: boolean }) {
  const q = props.query;
  return (
    <p role="status">
      {props.total.toLocaleString('en-GB')} {props.total === 1 ? 'post' : 'posts'}
      {props.canSeeOthers ? '' : ' of yours'}
      {q.search ? ` matching “${q.search}”` : ''}
      {props.filtered ? (
        <>
          {' · '}
          <a href={q.type ? postsListHref({ type: q.type, mine: false, page: 1 }, 1) : '/admin/posts'}>
            Clear the filters
          </a>
        </>
      ) : null}
    </p>
  );
}

export function PostsListView(props: {
  posts: ListedPost[];
  total: number;
  pageCount: number;
  query: PostsListQuery;
  bylines: Byline[];
  canSeeOthers: boolean;
  site: SiteSettings;
}) {
  const { query: q, site } = props;
  const filtered = Boolean(q.search || q.state || q.author || q.mine);
  return (
    <>
      <h1 class="page-title">{q.type === 'page' ? 'Pages' : 'Posts'}</h1>
      <p>
        <a class="button-link" href="/admin/posts/new">
          Write a new post
        </a>
      </p>
      <Filters query={q} bylines={props.bylines} canSeeOthers={props.canSeeOthers} />
      <ListStatus total={props.total} query={q} canSeeOthers={props.canSeeOthers} filtered={filtered} />
      {props.posts.length === 0 ? (
        <p class="empty">{filtered ? 'No post matches these filters.' : 'Nothing here yet.'}</p>
      ) : (
        <DataTable
          class="posts-table"
          caption="Posts, most recently changed first"
          hiddenCaption
          columns={['Title', 'State', 'Authors', 'Published', 'Changed']}
          actions="More"
        >
          {props.posts.map((p) => (
            <PostRow key={p.id} p={p} site={site} />
          ))}
        </DataTable>
      )}
      {props.pageCount > 1 ? (
        <Pager
          label="Pages of posts"
          status={`Page ${q.page} of ${props.pageCount}`}
          prev={q.page > 1 ? { href: postsListHref(q, q.page - 1), text: 'Newer' } : undefined}
          next={q.page < props.pageCount ? { href: postsListHref(q, q.page + 1), text: 'Older' } : undefined}
        />
      ) : null}
    </>
  );
}
