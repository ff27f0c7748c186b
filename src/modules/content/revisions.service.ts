import { inTransaction } from '../../storage/transaction.ts';
import type { User } from '../accounts/accounts.types.ts';
import { can } from '../accounts/policies.ts';
import { listUserNames } from '../accounts/user.repository.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import { AppError, isAppError } from '../shared/errors.ts';
import type { ContentDeps } from './content.deps.ts';
import { bylineRefusal } from './editor.service.ts';
import {
  checkPostForm,
  type PostFormValues,
  parseMeta,
  postFormValuesOfRevision,
  snapshotOfForm,
} from './editor-form.ts';
import { findPostById, findPostBySlug, listAllPages } from './post.repository.ts';
import { canEditPost, canPublishPost, isOwnPost, type WorkflowState, workflowState } from './post-policies.ts';
import { checkPageParent, writePost } from './post-writer.service.ts';
import { findRevision, listRevisions, type RevisionListingRow } from './revision.repository.ts';
import { diffSnapshots, type FieldDiff, type PostSnapshot } from './revision-diff.ts';
import { authorsOfPosts, listAuthors, listCategories } from './taxonomy.repository.ts';

export interface RevisionSummary {
  number: number;
  kind: RevisionListingRow['kind'];
  title: string;
  /** Where the post stood after this save. */
  state: string;
  userName: string | null;
  createdAt: string;
}

export interface PostRevisions {
  post: { id: number; title: string; version: number; state: WorkflowState; canPublish: boolean };
  revisions: RevisionSummary[];
}

async function postForUser(deps: ContentDeps, user: User, postId: number) {
  const row = await findPostById(deps.db, postId);
  if (!row) throw new AppError('POST_NOT_FOUND', 'There is no such post.', { detail: String(postId) });
  const authors = await authorsOfPosts(deps.db, [row.id]);
  const own = isOwnPost(user, user.authorId, { ownerUserId: row.owner_user_id, authorIds: authors.map((a) => a.id) });
  if (!canEditPost(user, own))
    throw new AppError('FORBIDDEN', 'This post belongs to someone else; your account may not open it.', {
      detail: `user ${user.id} (${user.role}) on post ${postId}`,
    });
  return { row, canPublish: canPublishPost(user, own) };
}

/** A post's numbered revisions, newest first (autosaves are not among them). */
export async function listPostRevisions(
  deps: ContentDeps,
  input: { user: User; postId: number },
): Promise<PostRevisions> {
  const { row, canPublish } = await postForUser(deps, input.user, input.postId);
  const revisions = await listRevisions(deps.db, row.id);
  const userIds = [...new Set(revisions.map((r) => r.user_id).filter((id): id is number => id !== null))];
  const users = await listUserNames(deps.db, userIds);
  const nameOf = new Map(users.map((u) => [u.id, u.name]));
  return {
    post: { id: row.id, title: row.title, version: row.version, state: workflowState(row), canPublish },
    revisions: revisions.map((r) => ({
      number: r.number,
      kind: r.kind,
      title: r.title,
      state: r.status,
      userName: r.user_id === null ? null : (nameOf.get(r.user_id) ?? null),
      createdAt: r.created_at,
    })),
  };
}

/** Category names by slug path, for showing revisions and diffs in words. */
async function categoryNamer(deps: ContentDeps): Promise<(path: string) => string> {
  const names = new Map((await listCategories(deps.db)).map((c) => [c.path, c.name]));
  return (path) => names.get(path) ?? path;
}

/** The changes from revision `from` to revision `to` of a post, field by field. */
export async function compareRevisions(
  deps: ContentDeps,
  input: { user: User; postId: number; from: number; to: number },
): Promise<{ post: PostRevisions['post']; from: RevisionSummary; to: RevisionSummary; changes: FieldDiff[] }> {
  const list = await listPostRevisions(deps, input);
  const { timeZone } = await getSiteSettings(deps);
  const [a, b] = await Promise.all([
    findRevision(deps.db, input.postId, input.from),
    findRevision(deps.db, input.postId, input.to),
  ]);
  if (!a || !b) throw new AppError('REVISION_NOT_FOUND', 'There is no such revision of this post.');
  const [name, page] = await Promise.all([categoryNamer(deps), pageNamer(deps)]);
  const snap = (r: typeof a) => snapshotOfForm(postFormValuesOfRevision(r, timeZone), { category: name, page });
  const summary = (n: number) => list.revisions.find((r) => r.number === n)!;
  return { post: list.post, from: summary(a.number), to: summary(b.number), changes: diffSnapshots(snap(a), snap(b)) };
}

/**
 * The sticky flag and the page tree of a restored revision, where they still make sense: a revision kept before
 * they existed leaves the post's as they are, and a parent page that is gone or now below the page leaves the
 * current parent (as deleted categories are left out rather than failing the restore).
 */
async function keepTreeWhereRevisionCannotSay(
  deps: ContentDeps,
  row: { id: number; parent_id: number | null },
  metaJson: string,
  checked: { sticky?: boolean; parentId?: number | null; menuOrder?: number },
): Promise<void> {
  if (!('sticky' in parseMeta(metaJson))) {
    checked.sticky = undefined;
    checked.parentId = undefined;
    checked.menuOrder = undefined;
    return;
  }
  if (checked.parentId === undefined || checked.parentId === null) return;
  try {
    await checkPageParent(deps.db, row.id, checked.parentId);
  } catch (err) {
    if (!isAppError(err) || err.code !== 'PAGE_PARENT_INVALID') throw err;
    checked.parentId = row.parent_id;
  }
}

/** Page titles by id (as text, the form's value), for showing revisions and diffs in words. */
async function pageNamer(deps: ContentDeps): Promise<(id: string) => string> {
  const names = new Map((await listAllPages(deps.db)).map((p) => [String(p.id), p.title]));
  return (id) => names.get(id) ?? `Page ${id}`;
}

/** What changed between the post as stored now and what a writer typed (shown when their save conflicts). */
export async function diffAgainstTyped(
  deps: ContentDeps,
  input: { stored: PostFormValues; typed: PostFormValues },
): Promise<FieldDiff[]> {
  const [name, page] = await Promise.all([categoryNamer(deps), pageNamer(deps)]);
  const snap = (v: PostFormValues): PostSnapshot => snapshotOfForm(v, { category: name, page });
  return diffSnapshots(snap(input.stored), snap(input.typed));
}

/**
 * Makes a post's content that of one of its revisions again, keeping its place in the workflow (a published
 * post stays published, with the restored text). Saved as a new revision of kind 'restore', version bumped;
 * refused with EDIT_CONFLICT when the post changed since the page offering the restore was shown.
 */
export async function restoreRevision(
  deps: ContentDeps,
  input: { user: User; postId: number; number: number; version: number },
): Promise<{ revision: number }> {
  const { timeZone } = await getSiteSettings(deps);
  const saved = await inTransaction(deps.db, async (trx) => {
    const tx = { ...deps, db: trx };
    const { row, canPublish } = await postForUser(tx, input.user, input.postId);
    const state = workflowState(row);
    if ((state === 'published' || state === 'scheduled') && !canPublish)
      throw new AppError(
        'FORBIDDEN',
        'This post is published or scheduled: only someone who may publish it can change it.',
      );
    const rev = await findRevision(trx, row.id, input.number);
    if (!rev) throw new AppError('REVISION_NOT_FOUND', 'There is no such revision of this post.');
    const values = postFormValuesOfRevision(rev, timeZone);
    const { input: checked } = checkPostForm(values, timeZone);
    // The revision's slug may have been taken by another post since: keep the current one then.
    const clash = await findPostBySlug(trx, checked.slug);
    if (clash && clash.id !== row.id) checked.slug = row.slug;
    // Categories or authors deleted since the revision are left out rather than failing the restore.
    const paths = new Set((await listCategories(trx)).map((c) => c.path));
    if (checked.categoryPath && !paths.has(checked.categoryPath)) checked.categoryPath = null;
    checked.otherCategoryPaths = (checked.otherCategoryPaths ?? []).filter((p) => paths.has(p));
    const authorSlugs = new Set((await listAuthors(trx)).map((a) => a.slug));
    checked.authorSlugs = (checked.authorSlugs ?? []).filter((s) => authorSlugs.has(s));
    // A byline an editor took off since is not the writer's to bring back by restoring.
    const refused = await bylineRefusal(tx, input.user, row.id, checked.authorSlugs);
    if (refused) throw new AppError('POST_INVALID', refused, { fields: { authors: refused } });
    await keepTreeWhereRevisionCannotSay(tx, row, rev.meta_json, checked);
    return writePost(
      tx,
      {
        ...checked,
        id: row.id,
        status: row.status,
        // The workflow stays where it is: only the content comes back. So does the discussion's state, unless
        // the person restoring manages discussions.
        commentsOpen: can(input.user, 'manage_discussion') ? checked.commentsOpen : row.comments_open === 1,
        publishedAt: row.published_at,
        submittedAt: row.submitted_at,
        unpublishedAt: row.unpublished_at,
      },
      {
        expectedVersion: input.version,
        revision: { kind: 'restore', userId: input.user.id, extra: { restoredFrom: rev.number } },
      },
    );
  });
  deps.noteWrite(saved.change);
  return { revision: saved.revision };
}
