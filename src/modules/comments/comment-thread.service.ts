import { changeKeys } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { keptForGeneration } from '../shared/generation-memo.ts';
import {
  type CommentDetails,
  type CommentOutline as CommentRow,
  commentDetails,
  countThreadsBeside,
  findThreadRoot,
  listApprovedComments,
  listPostAuthorIds,
  threadCountOf,
} from './comment.repository.ts';
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
  /** Written from an account that is one of the article's bylines ("author"), or one of the site's staff. */
  badge: CommentBadge | null;
}

export type CommentBadge = 'author' | 'staff';

/** Roles whose comments carry the "Staff" badge: the people who run the site and its discussion. */
const STAFF_ROLES: ReadonlySet<string> = new Set(['owner', 'admin', 'editor', 'moderator']);

/** The badge of a comment written from an account (none for a guest's, or a contributor's on another's article). */
export function badgeOf(account: CommentDetails['account'], postAuthors: ReadonlySet<number>): CommentBadge | null {
  if (!account) return null;
  if (account.authorId !== null && postAuthors.has(account.authorId)) return 'author';
  return STAFF_ROLES.has(account.role) ? 'staff' : null;
}

export interface CommentPage {
  total: number;
  order: CommentOrder;
  page: number;
  pageCount: number;
  /** Top-level threads (thread order) or single comments (oldest/newest). */
  items: CommentView[];
  /**
   * Every approved comment that is on another page, with that page, so /slug/#comment-N lands without
   * JavaScript; empty when there are more than ELSEWHERE_POINTERS of them (they would outweigh the page).
   */
  elsewhere: { id: number; page: number }[];
}

/**
 * Up to this many comments on other pages get a pointer in the page (a permalink lands on "that comment is on
 * page N" without JavaScript). Past it the pointers would outweigh the page itself (a 6,000-comment thread made
 * 800 KB of them): the comment island sends such permalinks to /comments/<id>, which redirects to the page.
 */
export const ELSEWHERE_POINTERS = 300;

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
export function listArticleComments(
  deps: Pick<CommentDeps, 'db' | 'memo'>,
  input: CommentPageRequest,
): Promise<CommentPage> {
  // Kept until a comment is approved, edited or removed anywhere (`comments`): every reader of the article reads
  // the same page. Read-only once built, as the outline.
  const key = `${input.postId}|${input.order}|${input.page}|${input.displayDepth}|${input.perPage ?? ''}`;
  return keptForGeneration(
    deps,
    // The article's own key too: its bylines decide the "Author" badge.
    { area: 'comment-pages', key, max: PAGES_KEPT, dependsOn: [changeKeys.comments, changeKeys.post(input.postId)] },
    () => readArticleComments(deps, input),
  );
}

/** Which page of an article's discussion, in which order, nested how deep. */
export interface CommentPageRequest {
  postId: number;
  order: CommentOrder;
  page: number;
  displayDepth: number;
  perPage?: number;
}

const PAGES_KEPT = 32;

async function readArticleComments(
  deps: Pick<CommentDeps, 'db' | 'memo'>,
  input: CommentPageRequest,
): Promise<CommentPage> {
  const perPage = input.perPage ?? COMMENTS_PER_PAGE;
  const { rows, byId, children, roots } = await approvedOutline(deps, input.postId);
  // Names and bodies are filled in for the shown page only; "in reply to" carries the parent's id until then.
  const view = (r: CommentRow, inReplyTo: CommentView['inReplyTo']): CommentView => ({
    id: r.id,
    authorName: '',
    authorUrl: null,
    createdAt: r.created_at,
    html: '',
    inReplyTo,
    replies: [],
    badge: null,
  });
  const parentRef = (r: CommentRow) => {
    const p = r.parent_id === null ? undefined : byId.get(r.parent_id);
    return p ? { id: p.id, authorName: '' } : null;
  };

  // A unit is what a page holds whole: a thread (thread order) or one comment (flat orders). Views are built for
  // the shown page only: a discussion of thousands of comments costs its outline, not thousands of views.
  let units: CommentRow[];
  let unitIds: (r: CommentRow) => number[];
  let unitViews: (r: CommentRow) => CommentView[];
  if (input.order === 'thread') {
    const maxLevel = Math.max(0, input.displayDepth - 1);
    const build = (r: CommentRow, level: number, container: CommentView[], inReplyTo: CommentView['inReplyTo']) => {
      const v = view(r, inReplyTo);
      container.push(v);
      for (const c of children.get(r.id) ?? []) {
        // Past the display depth, replies stay at the last level and say whom they answer.
        if (level < maxLevel) build(c, level + 1, v.replies, null);
        else build(c, level, container, { id: r.id, authorName: '' });
      }
    };
    units = roots;
    unitViews = (r) => {
      const views: CommentView[] = [];
      build(r, 0, views, null);
      return views;
    };
    unitIds = (r) => {
      const ids: number[] = [];
      const walk = (c: CommentRow) => {
        ids.push(c.id);
        for (const k of children.get(c.id) ?? []) walk(k);
      };
      walk(r);
      return ids;
    };
  } else {
    units = input.order === 'newest' ? [...rows].reverse() : rows;
    unitViews = (r) => [view(r, parentRef(r))];
    unitIds = (r) => [r.id];
  }

  const pageCount = Math.max(1, Math.ceil(units.length / perPage));
  if (input.page > pageCount)
    throw new AppError('INVALID_PAGE_NUMBER', `There are only ${pageCount} pages of comments.`);
  const start = (input.page - 1) * perPage;
  const shownUnits = units.slice(start, start + perPage);
  const items = shownUnits.flatMap(unitViews);
  let shownCount = 0;
  const countShown = (v: CommentView) => {
    shownCount++;
    v.replies.forEach(countShown);
  };
  items.forEach(countShown);
  // Pointers to the comments on other pages, when there are few enough to be worth their bytes.
  const elsewhere: CommentPage['elsewhere'] = [];
  if (rows.length - shownCount <= ELSEWHERE_POINTERS)
    units.forEach((u, i) => {
      const page = Math.floor(i / perPage) + 1;
      if (page !== input.page) for (const id of unitIds(u)) elsewhere.push({ id, page });
    });
  // Only the comments on this page, and those they answer, need their authors and bodies: a 1,000-comment
  // thread stays cheap to page through.
  const wanted = new Set<number>();
  const collect = (v: CommentView) => {
    wanted.add(v.id);
    if (v.inReplyTo) wanted.add(v.inReplyTo.id);
    v.replies.forEach(collect);
  };
  items.forEach(collect);
  const details = await commentDetails(deps.db, [...wanted]);
  const signed = [...details.values()].some((d) => d.account !== null);
  const postAuthors = signed ? await listPostAuthorIds(deps.db, input.postId) : new Set<number>();
  const fill = (v: CommentView) => {
    const d = details.get(v.id);
    v.authorName = d?.authorName ?? '';
    v.authorUrl = d?.authorUrl ?? null;
    v.html = d?.html ?? '';
    v.badge = d ? badgeOf(d.account, postAuthors) : null;
    if (v.inReplyTo) v.inReplyTo.authorName = details.get(v.inReplyTo.id)?.authorName ?? '';
    v.replies.forEach(fill);
  };
  items.forEach(fill);
  return { total: rows.length, order: input.order, page: input.page, pageCount, items, elsewhere };
}

/**
 * One comment as a page shows it, alone, saying whom it answers: what the comment island puts in place for its
 * writer the moment it is approved, without the page again. Undefined unless it is an approved comment of the
 * article; a parent that is not one is not named.
 */
export async function findCommentView(
  deps: Pick<CommentDeps, 'db'>,
  input: { postId: number; commentId: number; parentId: number | null },
): Promise<CommentView | undefined> {
  const ids = input.parentId === null ? [input.commentId] : [input.commentId, input.parentId];
  const details = await commentDetails(deps.db, ids);
  // Only what every reader of the article may see: its approved comments.
  const shown = (id: number | null) => {
    const d = id === null ? undefined : details.get(id);
    return d && d.status === 'approved' && d.postId === input.postId ? d : undefined;
  };
  const d = shown(input.commentId);
  if (!d) return undefined;
  const parent = shown(input.parentId);
  const postAuthors = d.account ? await listPostAuthorIds(deps.db, input.postId) : new Set<number>();
  return {
    id: input.commentId,
    authorName: d.authorName,
    authorUrl: d.authorUrl,
    createdAt: d.createdAt,
    html: d.html,
    inReplyTo: parent && input.parentId !== null ? { id: input.parentId, authorName: parent.authorName } : null,
    replies: [],
    badge: badgeOf(d.account, postAuthors),
  };
}

// Outlines of long discussions kept for the content generation: reading thousands of rows is most of the cost of
// a page of a busy discussion, and readers page through it. Small discussions are read each time.
const OUTLINE_KEPT_FROM = 200;
const OUTLINES_KEPT = 16;

/** An article's approved comments in order, with who answers whom. Read-only once built (it may be shared). */
interface Outline {
  rows: CommentRow[];
  byId: Map<number, CommentRow>;
  children: Map<number, CommentRow[]>;
  /** Comments that start a thread, in order; a reply whose parent is gone (deleted, or no longer approved) too. */
  roots: CommentRow[];
}

function outlineOf(rows: CommentRow[]): Outline {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const children = new Map<number, CommentRow[]>();
  const roots: CommentRow[] = [];
  for (const r of rows) {
    if (r.parent_id !== null && byId.has(r.parent_id)) {
      const siblings = children.get(r.parent_id);
      if (siblings) siblings.push(r);
      else children.set(r.parent_id, [r]);
    } else roots.push(r);
  }
  return { rows, byId, children, roots };
}

async function approvedOutline(deps: Pick<CommentDeps, 'db' | 'memo'>, postId: number): Promise<Outline> {
  if (!deps.memo || deps.db.isTransaction) return outlineOf(await listApprovedComments(deps.db, postId));
  const kept = await deps.memo('comment-outlines', async () => new Map<number, Outline>(), [changeKeys.comments]);
  const hit = kept.get(postId);
  if (hit) return hit;
  const outline = outlineOf(await listApprovedComments(deps.db, postId));
  if (outline.rows.length >= OUTLINE_KEPT_FROM) {
    if (kept.size >= OUTLINES_KEPT) kept.delete(kept.keys().next().value as number);
    kept.set(postId, outline);
  }
  return outline;
}

/** The page of an article's comments that holds comment `id` in the default order, for redirects after posting. */
export async function pageOfComment(
  deps: Pick<CommentDeps, 'db'>,
  input: { postId: number; commentId: number },
): Promise<number> {
  // Pages hold whole threads in the order their first comments were written: the page is the position of
  // this comment's thread among the article's threads. (Replies whose parent has gone count with their thread.)
  const root = await findThreadRoot(deps.db, input.commentId);
  if (!root) return 1;
  // Threads started in the same millisecond as this one may land either side of it: that only matters at a
  // page boundary. A new thread is the newest, so counting the threads after it (few) and taking them from the
  // post's thread count is cheap where counting the ones before it (many) was not.
  let before: number;
  if (root.parent_id === null && root.status === 'approved') {
    const [total, after] = await Promise.all([
      threadCountOf(deps.db, input.postId),
      countThreadsBeside(deps.db, input.postId, root.created_at, 'after'),
    ]);
    before = Math.max(0, total - after - 1);
  } else {
    before = await countThreadsBeside(deps.db, input.postId, root.created_at, 'before');
  }
  return Math.floor(before / COMMENTS_PER_PAGE) + 1;
}

/**
 * One whole thread (thread order, nested to `displayDepth`): the thread's first comment with every reply, for the
 * thread's own page, where nothing is folded. `commentId` may be any comment of the thread; undefined when it is
 * not an approved comment of the article.
 */
export async function findCommentThread(
  deps: Pick<CommentDeps, 'db' | 'memo'>,
  input: { postId: number; commentId: number; displayDepth: number },
): Promise<CommentView | undefined> {
  const page = await pageOfComment(deps, input);
  const comments = await listArticleComments(deps, {
    postId: input.postId,
    order: 'thread',
    page,
    displayDepth: input.displayDepth,
  });
  const holds = (v: CommentView): boolean => v.id === input.commentId || v.replies.some(holds);
  return comments.items.find(holds);
}
