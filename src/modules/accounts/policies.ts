import type { UserRole } from '../../storage/schema.ts';
import type { User } from './accounts.types.ts';

/** Things a signed-in person may be allowed to do. New capabilities are added here and granted below. */
export type Capability = 'moderate_comments' | 'manage_discussion';

/**
 * Who may do what, by role. Authors and contributors write; they do not judge readers' comments (their own
 * articles' included), so moderation is for the site's staff. Moderators work the queue under rules the
 * editors set: the discussion settings and opening or closing comments on an article are not theirs.
 */
const GRANTS: Record<UserRole, readonly Capability[]> = {
  owner: ['moderate_comments', 'manage_discussion'],
  admin: ['moderate_comments', 'manage_discussion'],
  editor: ['moderate_comments', 'manage_discussion'],
  moderator: ['moderate_comments'],
  author: [],
  contributor: [],
};

/** True when `user` may do `capability`. A disabled account may do nothing. */
export function can(user: Pick<User, 'role' | 'disabledAt'>, capability: Capability): boolean {
  return user.disabledAt === null && (GRANTS[user.role] ?? []).includes(capability);
}
