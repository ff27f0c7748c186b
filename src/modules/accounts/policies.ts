import type { UserRole } from '../../storage/schema.ts';
import type { User } from './accounts.types.ts';

/** Things a signed-in person may be allowed to do. New capabilities are added here and granted below. */
export type Capability = 'moderate_comments';

/**
 * Who may do what, by role. Authors and contributors write; they do not judge readers' comments (their own
 * articles' included), so moderation is for the site's staff.
 */
const GRANTS: Record<UserRole, readonly Capability[]> = {
  owner: ['moderate_comments'],
  admin: ['moderate_comments'],
  editor: ['moderate_comments'],
  moderator: ['moderate_comments'],
  author: [],
  contributor: [],
};

/** True when `user` may do `capability`. A disabled account may do nothing. */
export function can(user: Pick<User, 'role' | 'disabledAt'>, capability: Capability): boolean {
  return user.disabledAt === null && (GRANTS[user.role] ?? []).includes(capability);
}
