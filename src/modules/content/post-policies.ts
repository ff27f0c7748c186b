import type { PostRow } from '../../storage/schema.ts';
import type { User } from '../accounts/accounts.types.ts';
import { can } from '../accounts/policies.ts';

/**
 * Where a post stands in the writing workflow. The database keeps draft|scheduled|published; "review" is a
 * draft sent for review (submitted_at), "unpublished" a draft taken down after publication (unpublished_at).
 */
export type WorkflowState = 'draft' | 'review' | 'scheduled' | 'published' | 'unpublished';
export const WORKFLOW_STATES: readonly WorkflowState[] = ['draft', 'review', 'scheduled', 'published', 'unpublished'];

export function workflowState(p: Pick<PostRow, 'status' | 'submitted_at' | 'unpublished_at'>): WorkflowState {
  if (p.status !== 'draft') return p.status;
  if (p.unpublished_at) return 'unpublished';
  if (p.submitted_at) return 'review';
  return 'draft';
}

/** What deciding about a post needs to know of it. */
export interface PostOwnership {
  ownerUserId: number | null;
  authorIds: number[];
}

/** A person's own post: one of its bylines is the byline they write under, or they created it. */
export function isOwnPost(user: Pick<User, 'id'>, userAuthorId: number | null, post: PostOwnership): boolean {
  return post.ownerUserId === user.id || (userAuthorId !== null && post.authorIds.includes(userAuthorId));
}

/** Open and save a post at all: one's own with write_posts, anyone's with edit_others_posts. */
export function canEditPost(user: User, own: boolean): boolean {
  return can(user, 'edit_others_posts') || (own && can(user, 'write_posts'));
}

/**
 * Publish, schedule, unpublish, or change what readers see (a published or scheduled post): one's own with
 * publish_posts, anyone's with edit_others_posts. Contributors only save drafts and send them for review.
 */
export function canPublishPost(user: User, own: boolean): boolean {
  return can(user, 'edit_others_posts') || (own && can(user, 'publish_posts'));
}

/** Why a byline was refused: the same words wherever a writer's text is kept (save, autosave, restore). */
export const CREDIT_OTHERS_REFUSED = 'You can credit yourself; an editor adds other authors.';

/**
 * Name these bylines on a post: anyone with edit_others_posts; everyone else only their own byline and those
 * the post already carries (an editor put them there), so nobody credits a stranger's name to their draft.
 */
export function mayCredit(user: User, wanted: readonly string[], allowed: readonly string[]): boolean {
  return can(user, 'edit_others_posts') || wanted.every((slug) => allowed.includes(slug));
}
