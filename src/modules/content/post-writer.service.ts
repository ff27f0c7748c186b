import type { PostRow, PostStatus, PostType, RevisionKind } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { recordPostMentions } from '../history/entities.service.ts';
import { RENDER_VERSION, type RenderedMarkdown } from '../markdown/render-markdown.ts';
import { type Change, EVERYTHING, postChange } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { slugify } from '../shared/slug.ts';
import { citedKeys, renderCitedMarkdown } from '../sources/cited-markdown.ts';
import { setPostCitations } from '../sources/source.repository.ts';
import type { ContentDeps } from './content.deps.ts';
import {
  bumpPostVersion,
  detachChildPages,
  findPageTreeNode,
  findPostById,
  findPostBySlug,
  forgetOldSlug,
  insertPost,
  isPostVisible,
  pageAncestorIds,
  recordOldSlug,
  updatePost,
} from './post.repository.ts';
import { workflowState } from './post-policies.ts';
import { getRevisionsKept, insertRevision, pruneRevisions } from './revision.repository.ts';
import {
  findAuthorBySlug,
  findCategoryByPath,
  setPostAuthors,
  setPostCategories,
  setPostTags,
  upsertTag,
} from './taxonomy.repository.ts';

/** Everything a writer gives for a post. Names, not ids: tags are created on first use. */
export interface PostInput {
  id?: number;
  type: PostType;
  slug: string;
  title: string;
  standfirst?: string;
  bodyMarkdown: string;
  excerpt?: string;
  status: PostStatus;
  publishedAt?: string | null;
  updatedAt?: string | null;
  /** Slug path of the primary category, e.g. "russian-history/soviet-union". */
  categoryPath?: string | null;
  /** Slug paths of the other categories the post is filed under (the primary one is ignored here). */
  otherCategoryPaths?: string[];
  tags?: string[];
  /** Bylines in order. */
  authorSlugs?: string[];
  cover?: { src: string; alt: string; caption?: string; credit?: string } | null;
  seoTitle?: string | null;
  seoDescription?: string | null;
  /** Default: open for a new post, unchanged for an existing one. */
  commentsOpen?: boolean;
  /** An article kept at the top of the home page. Undefined keeps what is stored (no for a new post); pages never are. */
  sticky?: boolean;
  /**
   * A page's parent page (the page tree): another page, never the page itself nor one of its descendants
   * (PAGE_PARENT_INVALID). Undefined keeps what is stored (none for a new post); articles have none.
   */
  parentId?: number | null;
  /** A page's place among its siblings, smallest first. Undefined keeps what is stored (0 for a new post). */
  menuOrder?: number;
  /** Sent for review / taken down after publication. Undefined keeps what is stored (null for a new post). */
  submittedAt?: string | null;
  unpublishedAt?: string | null;
  /** The account that created the post (new posts only). */
  ownerUserId?: number | null;
}

export interface SaveOptions {
  /** The version the writer's form started from; any other stored version is an EDIT_CONFLICT. */
  expectedVersion?: number;
  /** The revision this save keeps: its kind (default 'publish' when the post goes out, else 'save'), who saved,
   * and extra fields for its meta_json (e.g. the form id that makes a resent form harmless). */
  revision?: { kind?: Exclude<RevisionKind, 'autosave'>; userId?: number | null; extra?: Record<string, unknown> };
  /**
   * The body already rendered (by `prerender`), so the slow part happens before the transaction: a long
   * article takes seconds to render, and every writer of every process would wait for the lock meanwhile.
   */
  rendered?: Prerendered;
}

export interface Prerendered {
  source: string;
  result: RenderedMarkdown;
}

/**
 * Renders a body ahead of writePost, outside any transaction, with its `:cite` notes and bibliography (loads the
 * cited sources and the site's style), in a worker thread with a deadline.
 */
export const prerenderCited = async (db: ContentDeps['db'], bodyMarkdown: string): Promise<Prerendered> => ({
  source: bodyMarkdown,
  result: await renderCitedMarkdown(db, bodyMarkdown),
});

export interface SavedPost {
  id: number;
  /** posts.version after this save. */
  version: number;
  /** The number of the revision this save kept. */
  revision: number;
  /** What readers see differently once it commits (for deps.noteWrite). */
  change: Change;
}

/** The fields of a revision beyond title, slug, standfirst, excerpt and body: what meta_json holds. */
export interface RevisionMeta {
  type: PostType;
  categoryPath: string | null;
  otherCategoryPaths: string[];
  tags: string[];
  authorSlugs: string[];
  cover: { src: string; alt: string; caption: string; credit: string } | null;
  seoTitle: string | null;
  seoDescription: string | null;
  publishedAt: string | null;
  commentsOpen: boolean;
  /** Absent in revisions kept before migration 011. */
  sticky?: boolean;
  parentId?: number | null;
  menuOrder?: number;
}

export function revisionMetaOf(
  input: PostInput,
  publishedAt: string | null,
  commentsOpen: boolean,
  tree: { sticky: boolean; parentId: number | null; menuOrder: number } = {
    sticky: input.sticky ?? false,
    parentId: input.parentId ?? null,
    menuOrder: input.menuOrder ?? 0,
  },
): RevisionMeta {
  return {
    type: input.type,
    categoryPath: input.categoryPath ?? null,
    otherCategoryPaths: (input.otherCategoryPaths ?? []).filter((p) => p !== input.categoryPath),
    tags: input.tags ?? [],
    authorSlugs: input.authorSlugs ?? [],
    cover: input.cover
      ? {
          src: input.cover.src,
          alt: input.cover.alt,
          caption: input.cover.caption ?? '',
          credit: input.cover.credit ?? '',
        }
      : null,
    seoTitle: input.seoTitle ?? null,
    seoDescription: input.seoDescription ?? null,
    publishedAt,
    commentsOpen,
    ...tree,
  };
}

/**
 * Creates or updates a post in one transaction: renders the body, files it under its categories, tags and
 * authors, keeps the old slug for a 301, keeps a revision (pruned to the retention setting), bumps the version
 * (refusing a save that started from an older one) and updates the search index.
 */
export async function savePost(deps: ContentDeps, input: PostInput, opts: SaveOptions = {}): Promise<SavedPost> {
  const rendered = opts.rendered ?? (await prerenderCited(deps.db, input.bodyMarkdown));
  const saved = await inTransaction(deps.db, (trx) => writePost({ ...deps, db: trx }, input, { ...opts, rendered }));
  deps.noteWrite(saved.change);
  return saved;
}

/**
 * savePost inside the caller's transaction (`deps.db` is it), for use cases that do more in the same
 * transaction. The caller calls deps.noteWrite(saved.change) once it has committed.
 */
export async function writePost(deps: ContentDeps, input: PostInput, opts: SaveOptions = {}): Promise<SavedPost> {
  const trx = deps.db;
  const now = deps.clock.now().toISOString();
  const rendered =
    opts.rendered?.source === input.bodyMarkdown
      ? opts.rendered.result
      : await renderCitedMarkdown(trx, input.bodyMarkdown);
  const category = input.categoryPath ? await findCategoryByPath(trx, input.categoryPath) : undefined;
  if (input.categoryPath && !category)
    throw new AppError('CATEGORY_NOT_FOUND', 'There is no such category.', { detail: input.categoryPath });
  const otherIds: number[] = [];
  for (const path of new Set(input.otherCategoryPaths ?? [])) {
    const c = await findCategoryByPath(trx, path);
    if (!c) throw new AppError('CATEGORY_NOT_FOUND', 'There is no such category.', { detail: path });
    if (c.id !== category?.id) otherIds.push(c.id);
  }
  const clash = await findPostBySlug(trx, input.slug);
  if (clash && clash.id !== input.id) throw new AppError('BAD_REQUEST', `The slug "${input.slug}" is already taken.`);
  const before = input.id !== undefined ? await findPostById(trx, input.id) : undefined;
  if (input.id !== undefined && !before)
    throw new AppError('POST_NOT_FOUND', 'There is no such post.', { detail: String(input.id) });
  if (before && opts.expectedVersion !== undefined && before.version !== opts.expectedVersion)
    throw editConflict(before.id, opts.expectedVersion, before.version);
  const publishedAt = input.publishedAt ?? (input.status === 'published' ? now : null);
  const commentsOpen = input.commentsOpen ?? (before ? before.comments_open === 1 : true);
  const isPage = input.type === 'page';
  const tree = {
    sticky: !isPage && (input.sticky ?? before?.sticky === 1),
    parentId: isPage ? (input.parentId !== undefined ? input.parentId : (before?.parent_id ?? null)) : null,
    menuOrder: input.menuOrder ?? before?.menu_order ?? 0,
  };
  if (tree.parentId !== null) await checkPageParent(trx, before?.id, tree.parentId);
  const row = {
    type: input.type,
    slug: input.slug,
    title: input.title,
    standfirst: input.standfirst ?? '',
    body_md: input.bodyMarkdown,
    excerpt: input.excerpt ?? '',
    status: input.status,
    published_at: publishedAt,
    updated_at: input.updatedAt ?? null,
    primary_category_id: category?.id ?? null,
    cover_src: input.cover?.src ?? null,
    cover_alt: input.cover?.alt ?? null,
    cover_caption: input.cover?.caption ?? null,
    cover_credit: input.cover?.credit ?? null,
    seo_title: input.seoTitle ?? null,
    seo_description: input.seoDescription ?? null,
    body_html: rendered.html,
    toc_json: JSON.stringify(rendered.toc),
    word_count: rendered.wordCount,
    render_version: RENDER_VERSION,
    comments_open: commentsOpen ? 1 : 0,
    sticky: tree.sticky ? 1 : 0,
    parent_id: tree.parentId,
    menu_order: tree.menuOrder,
    submitted_at: input.submittedAt !== undefined ? input.submittedAt : (before?.submitted_at ?? null),
    unpublished_at: input.unpublishedAt !== undefined ? input.unpublishedAt : (before?.unpublished_at ?? null),
  };
  let postId: number;
  let version: number;
  if (before) {
    // Compare-and-set: another process may have saved between our read and this write.
    if (!(await bumpPostVersion(trx, before.id, before.version)))
      throw editConflict(before.id, opts.expectedVersion ?? before.version, before.version + 1);
    if (before.slug !== input.slug) await recordOldSlug(trx, before.id, before.slug, now);
    await updatePost(trx, before.id, { ...row, updated_at: input.updatedAt ?? now });
    postId = before.id;
    version = before.version + 1;
  } else {
    postId = await insertPost(trx, { ...row, created_at: now, owner_user_id: input.ownerUserId ?? null });
    version = 1;
  }
  // A page that becomes an article leaves the page tree: its child pages move to the top.
  if (!isPage && before?.type === 'page') await detachChildPages(trx, postId);
  // A slug taken again by its post (or by a new one) no longer redirects.
  await forgetOldSlug(trx, input.slug);
  await setPostCategories(trx, postId, otherIds);
  const tagIds: number[] = [];
  for (const name of input.tags ?? []) tagIds.push(await upsertTag(trx, slugify(name), name));
  await setPostTags(trx, postId, [...new Set(tagIds)]);
  const authorIds: number[] = [];
  for (const slug of input.authorSlugs ?? []) {
    const a = await findAuthorBySlug(trx, slug);
    if (!a) throw new AppError('AUTHOR_NOT_FOUND', `There is no author "${slug}".`);
    if (!authorIds.includes(a.id)) authorIds.push(a.id);
  }
  await setPostAuthors(trx, postId, authorIds);
  await setPostCitations(trx, postId, citedKeys(input.bodyMarkdown));
  await recordPostMentions(trx, postId, input.bodyMarkdown);
  if (input.status === 'draft') await deps.search.remove(postId, trx);
  else
    await deps.search.upsert(
      { postId, title: input.title, standfirst: input.standfirst ?? '', body: rendered.text },
      trx,
    );

  const goesOut = input.status !== 'draft' && before?.status !== input.status;
  const revision = await insertRevision(trx, {
    post_id: postId,
    kind: opts.revision?.kind ?? (goesOut || (!before && input.status !== 'draft') ? 'publish' : 'save'),
    title: input.title,
    slug: input.slug,
    standfirst: input.standfirst ?? '',
    excerpt: input.excerpt ?? '',
    body_md: input.bodyMarkdown,
    meta_json: JSON.stringify({ ...revisionMetaOf(input, publishedAt, commentsOpen, tree), ...opts.revision?.extra }),
    status: workflowState(row),
    user_id: opts.revision?.userId ?? null,
    created_at: now,
  });
  await pruneRevisions(trx, postId, await getRevisionsKept(trx));
  return { id: postId, version, revision, change: readersSee(before, { ...row, id: postId }, now) };
}

type Shown = Pick<PostRow, 'id' | 'type' | 'status' | 'published_at' | 'slug' | 'primary_category_id'>;

/**
 * What a save changes for readers: nothing while the post stays unseen (a draft, a post scheduled for later:
 * its going live is a change of its own); its page and every list while it stays visible; and, when it appears,
 * disappears, or moves (date, address, category), which articles neighbour which. A page (the navigation and the
 * page tree show pages everywhere) changes everything.
 */
function readersSee(before: Shown | undefined, after: Shown, now: string): Change {
  if (after.type === 'page' || before?.type === 'page') return EVERYTHING;
  const wasShown = before !== undefined && isPostVisible(before, now);
  const isShown = isPostVisible(after, now);
  if (!wasShown && !isShown) return { keys: [] };
  const moved =
    wasShown !== isShown ||
    before?.slug !== after.slug ||
    before?.published_at !== after.published_at ||
    before?.primary_category_id !== after.primary_category_id;
  return postChange([after.id], { order: moved, removal: wasShown && !isShown });
}

/**
 * The page tree's rule: a page's parent is another page that is neither the page itself nor one of its
 * descendants (a cycle would leave the pages with no way up to the top). PAGE_PARENT_INVALID otherwise.
 */
export async function checkPageParent(db: ContentDeps['db'], postId: number | undefined, parentId: number) {
  const refuse = (message: string) =>
    new AppError('PAGE_PARENT_INVALID', message, {
      detail: `post ${postId ?? 'new'}, parent ${parentId}`,
      fields: { parent: message },
    });
  if (parentId === postId) throw refuse('A page cannot be its own parent: choose another page, or none.');
  const parent = await findPageTreeNode(db, parentId);
  if (parent?.type !== 'page') throw refuse('Choose a parent page from the list.');
  if (postId === undefined) return;
  const ancestors = await pageAncestorIds(db, parentId);
  if (ancestors.includes(postId))
    throw refuse(
      `“${parent.title}” is under this page already: a page cannot be placed under one of its own sub-pages.`,
    );
}

export function editConflict(postId: number, expected: number, actual: number): AppError {
  return new AppError(
    'EDIT_CONFLICT',
    'Someone else saved this post while you were editing it, so your changes were not saved yet.',
    { detail: `post ${postId}: form version ${expected}, stored ${actual}` },
  );
}
