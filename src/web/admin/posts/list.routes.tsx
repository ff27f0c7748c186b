import type { FastifyInstance } from 'fastify';
import { can } from '../../../modules/accounts/policies.ts';
import { listBylines } from '../../../modules/content/bylines.service.ts';
import { listPostsForEditor } from '../../../modules/content/editor.service.ts';
import { WORKFLOW_STATES, type WorkflowState } from '../../../modules/content/post-policies.ts';
import { AppError } from '../../../modules/shared/errors.ts';
import { parsePageNumber } from '../../../modules/shared/paging.ts';
import { loadChrome } from '../../kit/render.tsx';
import { typed } from '../../kit/schemas.ts';
import { type AdminKit, one } from '../kit.tsx';
import { type PostsListQuery, PostsListView } from './list.views.tsx';
import { ListQuery } from './schemas.ts';

/** A filter the address names that the list does not have: a 400 that says which, and what it takes. */
const badFilter = (message: string, field: string) =>
  new AppError('INVALID_QUERY', message, { fields: { [field]: message } });

type Bylines = Awaited<ReturnType<typeof listBylines>>;

/** The list's filters from the address, each checked (the schema has already bounded their lengths). */
function readFilters(q: Record<string, string | string[] | undefined>, bylines: Bylines): PostsListQuery {
  const state = one(q, 'state');
  if (state !== undefined && !(WORKFLOW_STATES as readonly string[]).includes(state))
    throw badFilter(`There is no state “${state}”: use draft, review, scheduled, published or unpublished.`, 'state');
  const type = one(q, 'type');
  if (type !== undefined && type !== 'post' && type !== 'page')
    throw badFilter(`There is no type “${type}”: use post or page.`, 'type');
  const author = one(q, 'author');
  if (author !== undefined && !bylines.some((b) => b.slug === author))
    throw badFilter(`There is no byline “${author}”: choose one from the list of authors.`, 'author');
  const search = one(q, 'q')?.trim();
  return {
    state: state as WorkflowState | undefined,
    type: type as 'post' | 'page' | undefined,
    author,
    search: search || undefined,
    mine: one(q, 'mine') === '1',
    page: parsePageNumber(q.page),
  };
}

/** The posts list: `/admin/posts`, searched and filtered by state, type, author and "mine", paged. */
export function registerPostsListRoute(posts: FastifyInstance, kit: AdminKit): void {
  const deps = kit.ctx.deps.content;
  typed(posts).get('/admin/posts', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const viewer = kit.viewerOf(req);
    const bylines = await listBylines({ ...kit.accounts, baseUrl: kit.ctx.deps.baseUrl });
    const query = readFilters(req.query, bylines);
    const list = await listPostsForEditor(deps, {
      user: viewer.user,
      ...query,
      authorId: bylines.find((b) => b.slug === query.author)?.id,
    });
    if (query.page > list.pageCount) throw new AppError('INVALID_PAGE_NUMBER', 'There is no such page.');
    const { site } = await loadChrome(kit.ctx);
    const canSeeOthers = can(viewer.user, 'edit_others_posts');
    return kit.page(reply, {
      title: query.type === 'page' ? 'Pages' : 'Posts',
      viewer,
      current: query.type === 'page' ? 'pages' : 'posts',
      body: (
        <PostsListView
          {...list}
          query={query}
          bylines={canSeeOthers ? bylines : []}
          canSeeOthers={canSeeOthers}
          site={site}
        />
      ),
    });
  });
}
