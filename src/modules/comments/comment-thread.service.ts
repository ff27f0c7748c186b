import { AppError } from '../shared/errors.ts';
import { type CommentOutline as CommentRow, commentDetails, listApprovedComments } from './comment.repository.ts';
import type { CommentDeps } from './comment-deps.ts';

export const COMMENT_ORDERS = ['thread', 'oldest', 'newest'] as const;
export type CommentOrder = (typeof COMMENT_ORDERS)[number];

/** One comment as a page shows it. */
export interface CommentView {
  id: number;
  authorName: string;
  authorUrl: string | null;
  createdAt: string;
  html: string;
  /** Set when the comment is not shown directly under the one it answers (too deep, or a flat order). */
  inReplyTo: { id: number; authorName: string } | null;
  replies: CommentView[];
}

export interface CommentPage {
  total: number;
  order: CommentOrder;
  page: number;
  pageCount: number;
  /** Top-level threads (thread order) or single comments (oldest/newest). */
  items: CommentView[];
  /** Every approved comment that is on another page, with that page: so /slug/#comment-N always lands. */
  elsewhere: { id: number; page: number }[];
}

export const COMMENTS_PER_PAGE = 50;

/** Reads ?corder=: one of the orders, or the default. */
export function parseCommentOrder(raw: unknown): CommentOrder {
  if (raw === undefined || raw === '') return 'thread';
  if (typeof raw === 'string' && (COMMENT_ORDERS as readonly string[]).includes(raw)) return raw as CommentOrder;
  throw new AppError('INVALID_QUERY', 'Comments can be ordered by thread, oldest or newest.');
}

/**
 * The approved comments of an article, one page of them. In thread order a page holds whole threads (a
 * thread is never split across pages); replies nest up to `displayDepth`, deeper ones sit at the last level
 * with an "in reply to" link. Flat orders page through single comments, each saying whom it answers.
 */
export async function listArticleComments(
  deps: Pick<CommentDeps, 'db'>,
  input: { postId: number; order: CommentOrder; page: number; displayDepth: number; perPage?: number },
): Promise<CommentPage> {
  const perPage = input.perPage ?? COMMENTS_PER_PAGE;
  const rows = await listApprovedComments(deps.db, input.postId);
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Names and bodies are filled in for the shown page only; "in reply to" carries the parent's id until then.
  const view = (r: CommentRow, inReplyTo: CommentView['inReplyTo']): CommentView => ({
    id: r.id,
    authorName: '',
    authorUrl: null,
    createdAt: r.created_at,
    html: '',
    inReplyTo,
    replies: [],
  });
  const parentRef = (r: CommentRow) => {
    const p = r.parent_id === null ? undefined : byId.get(r.parent_id);
    return p ? { id: p.id, authorName: '' } : null;
  };

  let units: { views: CommentView[]; ids: number[] }[];
  if (input.order === 'thread') {
    const children = new Map<number, CommentRow[]>();
    const roots: CommentRow[] = [];
    for (const r of rows) {
      // A reply whose parent is gone (deleted, or no longer approved) is shown as a thread of its own.
      if (r.parent_id !== null && byId.has(r.parent_id))
        children.set(r.parent_id, [...(children.get(r.parent_id) ?? []), r]);
      else roots.push(r);
    }
    const maxLevel = Math.max(0, input.displayDepth - 1);
    const build = (
      r: CommentRow,
      level: number,
      container: CommentView[],
      ids: number[],
      inReplyTo: CommentView['inReplyTo'],
    ) => {
      const v = view(r, inReplyTo);
      container.push(v);
      ids.push(r.id);
      for (const c of children.get(r.id) ?? []) {
        // Past the display depth, replies stay at the last level and say whom they answer.
        if (level < maxLevel) build(c, level + 1, v.replies, ids, null);
        else build(c, level, container, ids, { id: r.id, authorName: '' });
      }
    };
    units = roots.map((r) => {
      const views: CommentView[] = [];
      const ids: number[] = [];
      build(r, 0, views, ids, null);
      return { views, ids };
    });
  } else {
    const ordered = input.order === 'newest' ? [...rows].reverse() : rows;
    units = ordered.map((r) => ({ views: [view(r, parentRef(r))], ids: [r.id] }));
  }

  const pageCount = Math.max(1, Math.ceil(units.length / perPage));
  if (input.page > pageCount)
    throw new AppError('INVALID_PAGE_NUMBER', `There are only ${pageCount} pages of comments.`);
  const start = (input.page - 1) * perPage;
  const elsewhere: CommentPage['elsewhere'] = [];
  units.forEach((u, i) => {
    const page = Math.floor(i / perPage) + 1;
    if (page !== input.page) for (const id of u.ids) elsewhere.push({ id, page });
  });
  const shown = units.slice(start, start + perPage);
  // Only the comments on this page, and those they answer, need their authors and bodies: a 1,000-comment
  // thread stays cheap to page through.
  const wanted = new Set<number>();
  const collect = (v: CommentView) => {
    wanted.add(v.id);
    if (v.inReplyTo) wanted.add(v.inReplyTo.id);
    v.replies.forEach(collect);
  };
  for (const u of shown) u.views.forEach(collect);
  const details = await commentDetails(deps.db, [...wanted]);
  const fill = (v: CommentView) => {
    const d = details.get(v.id);
    v.authorName = d?.authorName ?? '';
    v.authorUrl = d?.authorUrl ?? null;
    v.html = d?.html ?? '';
    if (v.inReplyTo) v.inReplyTo.authorName = details.get(v.inReplyTo.id)?.authorName ?? '';
    v.replies.forEach(fill);
  };
  const items = shown.flatMap((u) => u.views);
  items.forEach(fill);
  return { total: rows.length, order: input.order, page: input.page, pageCount, items, elsewhere };
}

/** The page of an article's comments that holds comment `id` in the default order, for redirects after posting. */
export async function pageOfComment(
  deps: Pick<CommentDeps, 'db'>,
  input: { postId: number; commentId: number },
): Promise<number> {
  // Pages hold whole threads in the order their first comments were written: the page is the position of
  // this comment's thread among the article's threads. (Replies whose parent has gone count with their thread.)
  const comment = await deps.db
    .selectFrom('comments')
    .select(['thread_id', 'id'])
    .where('id', '=', input.commentId)
    .executeTakeFirst();
  const rootId = comment?.thread_id ?? comment?.id;
  if (rootId === undefined) return 1;
  const root = await deps.db
    .selectFrom('comments')
    .select(['created_at', 'id', 'parent_id', 'status'])
    .where('id', '=', rootId)
    .executeTakeFirst();
  if (!root) return 1;
  const threads = deps.db
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('post_id', '=', input.postId)
    .where('status', '=', 'approved')
    .where('parent_id', 'is', null);
  // Threads started in the same millisecond as this one may land either side of it: that only matters at a
  // page boundary. A new thread is the newest, so counting the threads after it (few) and taking them from the
  // post's thread count is cheap where counting the ones before it (many) was not.
  let before: number;
  if (root.parent_id === null && root.status === 'approved') {
    const [post, after] = await Promise.all([
      deps.db.selectFrom('posts').select('thread_count').where('id', '=', input.postId).executeTakeFirst(),
      threads.where('created_at', '>', root.created_at).executeTakeFirst(),
    ]);
    before = Math.max(0, Number(post?.thread_count ?? 0) - Number(after?.n ?? 0) - 1);
  } else {
    const row = await threads.where('created_at', '<', root.created_at).executeTakeFirst();
    before = Number(row?.n ?? 0);
  }
  return Math.floor(before / COMMENTS_PER_PAGE) + 1;
}
