import type { UserRole } from '../../storage/schema.ts';
import type { User } from './accounts.types.ts';

/** Things a signed-in person may be allowed to do. New capabilities are added here and granted below. */
export const CAPABILITIES = [
  /** Work the comment queue: approve, mark spam, trash, edit, reply, ban. */
  'moderate_comments',
  /** Discussion rules: the moderation settings and opening or closing comments on an article. */
  'manage_discussion',
  /** Write drafts and edit one's own posts (a byline the account writes under, or a post it created). */
  'write_posts',
  /** Schedule, publish and unpublish one's own posts. */
  'publish_posts',
  /** Edit, schedule, publish and unpublish anyone's posts and pages. */
  'edit_others_posts',
  /** Upload images. */
  'upload_media',
  /** Create, rename, move and merge categories and tags. */
  'manage_taxonomy',
  /** Site settings, widget areas and navigation menus. */
  'manage_site',
  /** Add people, change roles (never above one's own), disable accounts. */
  'manage_users',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * Who may do what, by role. Authors and contributors write; they do not judge readers' comments (their own
 * articles' included), so moderation is for the site's staff. Moderators work the queue under rules the
 * editors set: the discussion settings and opening or closing comments on an article are not theirs.
 * Contributors write drafts and send them for review; they neither publish nor upload.
 */
const GRANTS: Record<UserRole, readonly Capability[]> = {
  owner: CAPABILITIES,
  admin: CAPABILITIES,
  editor: [
    'moderate_comments',
    'manage_discussion',
    'write_posts',
    'publish_posts',
    'edit_others_posts',
    'upload_media',
    'manage_taxonomy',
  ],
  author: ['write_posts', 'publish_posts', 'upload_media'],
  contributor: ['write_posts'],
  moderator: ['moderate_comments'],
};

/**
 * How far up the ladder a role stands. Nobody may give a role above their own (to themselves or anyone
 * else), nor change the role of someone who stands above them. A moderator stands with contributors: both
 * have the least power.
 */
export const ROLE_RANK: Record<UserRole, number> = {
  owner: 5,
  admin: 4,
  editor: 3,
  author: 2,
  contributor: 1,
  moderator: 1,
};

/** True when `user` may do `capability`. A disabled account may do nothing. */
export function can(user: Pick<User, 'role' | 'disabledAt'>, capability: Capability): boolean {
  return user.disabledAt === null && (GRANTS[user.role] ?? []).includes(capability);
}
