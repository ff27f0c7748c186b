import type { UserRole } from '../../storage/schema.ts';
import { AppError } from '../shared/errors.ts';
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
  /** Add, edit and import sources in the site's sources library (the citations writers cite). */
  'manage_sources',
  /** Judge readers' correction suggestions: accept (and edit the article), reject, ask for more. */
  'review_corrections',
  /** The backup schedule, "Back up now" and downloading archives (/admin/backups): owners only. */
  'manage_backups',
  /** Download the whole site as a WordPress (WXR) or Annalist JSON file (/admin/export): owners and admins. */
  'export_site',
  /** Put readers' email addresses and the email and address bans in an export: owners only, as for backups. */
  'export_personal_data',
  /** Import a WordPress, Ghost or Disqus export from /admin/import: owners and admins. */
  'import_site',
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
  // An archive holds every reader's email and address: taking one out of the site is the owners' decision.
  admin: CAPABILITIES.filter((c) => c !== 'manage_backups' && c !== 'export_personal_data'),
  editor: [
    'moderate_comments',
    'manage_discussion',
    'write_posts',
    'publish_posts',
    'edit_others_posts',
    'upload_media',
    'manage_taxonomy',
    'manage_sources',
    'review_corrections',
  ],
  author: ['write_posts', 'publish_posts', 'upload_media', 'manage_sources'],
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

/** What one person may do to another's account in the users admin. */
export type UserChange =
  | { kind: 'add'; role: UserRole }
  | { kind: 'role'; role: UserRole }
  | { kind: 'disable' }
  | { kind: 'enable' }
  | { kind: 'remove' }
  | { kind: 'byline' }
  | { kind: 'second-factor' };

/**
 * The escalation rules, checked before any change to an account (throws, or returns when allowed):
 * - only people who may manage users change accounts (FORBIDDEN);
 * - nobody gives a role above their own, to themselves or anyone else (ROLE_TOO_HIGH);
 * - nobody changes, disables or removes someone ranked above them: an admin cannot touch an owner
 *   (USER_OUTRANKS_YOU); equals may act on each other;
 * - nobody disables or removes their own account (SELF_LOCKOUT): they could not undo it;
 * - the last active owner is never demoted, disabled or removed (LAST_OWNER).
 * `activeOwners` is the number of owners whose accounts are not disabled, read in the same transaction.
 */
export function checkUserChange(
  actor: Pick<User, 'id' | 'role' | 'disabledAt'>,
  target: Pick<User, 'id' | 'role' | 'disabledAt'> | undefined,
  change: UserChange,
  activeOwners: number,
): void {
  if (!can(actor, 'manage_users'))
    throw new AppError('FORBIDDEN', 'Your account is not allowed to manage users.', {
      detail: `user ${actor.id} (${actor.role}) lacks manage_users`,
    });
  if ((change.kind === 'add' || change.kind === 'role') && ROLE_RANK[change.role] > ROLE_RANK[actor.role])
    throw new AppError('ROLE_TOO_HIGH', `You cannot give the role ${change.role}: it is above your own.`, {
      detail: `user ${actor.id} (${actor.role}) tried to give ${change.role}`,
      fields: { role: `You cannot give the role ${change.role}: it is above your own.` },
    });
  if (!target) return;
  if (target.id !== actor.id && ROLE_RANK[target.role] > ROLE_RANK[actor.role])
    throw new AppError(
      'USER_OUTRANKS_YOU',
      `This person is ${target.role}, above your own role: you cannot change their account.`,
      {
        detail: `user ${actor.id} (${actor.role}) on user ${target.id} (${target.role})`,
      },
    );
  if (
    (change.kind === 'disable' || change.kind === 'remove' || change.kind === 'second-factor') &&
    target.id === actor.id
  )
    throw new AppError(
      'SELF_LOCKOUT',
      'You cannot disable or remove your own account. Ask another owner or administrator.',
      { detail: `user ${actor.id} ${change.kind} self` },
    );
  const losesOwner =
    (change.kind === 'role' && change.role !== 'owner') || change.kind === 'disable' || change.kind === 'remove';
  if (losesOwner && target.role === 'owner' && target.disabledAt === null && activeOwners <= 1)
    throw new AppError(
      'LAST_OWNER',
      'This is the only owner: make another person owner first, so the site is never without one.',
      { detail: `last owner ${target.id}, ${change.kind}` },
    );
}
