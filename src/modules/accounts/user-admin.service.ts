import type { Db, UserRole, UserRow } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { queueMail } from '../mail/outbox.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import { commentChange, NOTHING_CHANGED } from '../shared/changes.ts';
import { isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { createSignInLink, createUser, SIGN_IN_LINK_HOURS, toUser } from './accounts.service.ts';
import { type SignInLinkDeps, USER_ROLES, type User } from './accounts.types.ts';
import { checkUserChange, type UserChange } from './policies.ts';
import { deleteUserSessions } from './session.repository.ts';
import { countActiveOwners, deleteUser, findUserById, postIdsCommentedOnBy, updateUser } from './user.repository.ts';

/**
 * The users admin: the people who can sign in and their roles (their bylines: content/bylines.service.ts). Every
 * change passes checkUserChange.
 */

/** USER_NOT_FOUND for an account that is not there (removed meanwhile, or a made-up id). */
export const userNotFound = (id: number) =>
  new AppError('USER_NOT_FOUND', 'There is no such user. They may have been removed.', { detail: `user ${id}` });

const isRole = (role: string): role is UserRole => (USER_ROLES as readonly string[]).includes(role);

/** The account a change targets, read in the transaction, after the escalation rules (checkUserChange) pass. */
export async function loadGuardedTarget(
  trx: Db,
  input: { actor: User; userId: number; change: UserChange },
): Promise<UserRow> {
  const target = await findUserById(trx, input.userId);
  if (!target) throw userNotFound(input.userId);
  checkUserChange(input.actor, toUser(target), input.change, await countActiveOwners(trx));
  return target;
}

/**
 * Adds a person (never with a password): queues an email with a one-time sign-in link where they choose one,
 * in the same transaction, and returns the link so the admin can see it once (e.g. to send it another way).
 */
export async function addUser(
  deps: SignInLinkDeps,
  input: { actor: User; email: string; name: string; role: string },
): Promise<{ user: User; link: { url: string; expiresAt: string } }> {
  const role = input.role;
  if (!isRole(role)) {
    const message = `Choose one of the roles: ${USER_ROLES.join(', ')}.`;
    throw new AppError('BAD_REQUEST', message, { fields: { role: message } });
  }
  checkUserChange(input.actor, undefined, { kind: 'add', role }, 0);
  const added = await inTransaction(deps.db, async (trx) => {
    // Announced once, after the commit: an announcement before it would reach other nodes ahead of the commit.
    const tdeps = { ...deps, db: trx, noteWrite: undefined };
    const user = await createUser(tdeps, { email: input.email, name: input.name, role });
    const link = await createSignInLink(tdeps, user.id);
    const site = await getSiteSettings({ db: trx });
    await queueMail(trx, deps.clock, {
      to: user.email,
      subject: `You have an account on ${site.title}`,
      text: [
        `Hello ${user.name},`,
        '',
        `${input.actor.name} added you to ${site.title} as ${role}.`,
        `Choose your password with this link. It works once, for ${SIGN_IN_LINK_HOURS} hours:`,
        '',
        link.url,
        '',
        'If you did not expect this, ignore this message: nothing happens until the link is used.',
      ].join('\n'),
    });
    return { user, link };
  });
  deps.noteWrite?.(NOTHING_CHANGED);
  return added;
}

export async function changeRole(
  deps: SignInLinkDeps,
  input: { actor: User; userId: number; role: string },
): Promise<void> {
  const role = input.role;
  if (!isRole(role)) throw new AppError('BAD_REQUEST', `Choose one of the roles: ${USER_ROLES.join(', ')}.`);
  const shownOn = await inTransaction(deps.db, async (trx) => {
    await loadGuardedTarget(trx, { actor: input.actor, userId: input.userId, change: { kind: 'role', role } });
    await updateUser(trx, input.userId, { role });
    return postIdsCommentedOnBy(trx, input.userId);
  });
  // The "Staff" badge on the person's comments comes and goes with the role.
  deps.noteWrite?.(commentChange(shownOn));
}

/**
 * Disables an account (its sessions end at once: a disabled account's cookie is refused anyway, and deleting
 * the rows means re-enabling does not bring old sessions back) or enables it again.
 */
export async function setUserDisabled(
  deps: SignInLinkDeps,
  input: { actor: User; userId: number; disabled: boolean },
): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const target = await loadGuardedTarget(trx, {
      actor: input.actor,
      userId: input.userId,
      change: { kind: input.disabled ? 'disable' : 'enable' },
    });
    if (input.disabled === (target.disabled_at !== null)) return;
    await updateUser(trx, input.userId, { disabled_at: input.disabled ? isoNow(deps.clock) : null });
    if (input.disabled) await deleteUserSessions(trx, input.userId);
  });
  // What the person wrote stays as it is shown, badges included.
  deps.noteWrite?.(NOTHING_CHANGED);
}

/**
 * Turns off someone's second factor (a lost phone, or an app someone else set up in their open browser): they
 * sign in with their password alone until they set up a new one. Their sessions end, as after any change to how
 * they sign in.
 */
export async function resetSecondFactor(deps: SignInLinkDeps, input: { actor: User; userId: number }): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    await loadGuardedTarget(trx, { actor: input.actor, userId: input.userId, change: { kind: 'second-factor' } });
    await updateUser(trx, input.userId, { totp_secret: null, totp_enabled_at: null, totp_last_step: null });
    await deleteUserSessions(trx, input.userId);
  });
  deps.noteWrite?.(NOTHING_CHANGED);
}

/** Removes an account for good; its sessions go with it, and its posts and comments stay, without it. */
export async function removeUser(deps: SignInLinkDeps, input: { actor: User; userId: number }): Promise<User> {
  const { removed, shownOn } = await inTransaction(deps.db, async (trx) => {
    const target = await loadGuardedTarget(trx, {
      actor: input.actor,
      userId: input.userId,
      change: { kind: 'remove' },
    });
    const posts = await postIdsCommentedOnBy(trx, input.userId);
    await deleteUser(trx, input.userId);
    return { removed: toUser(target), shownOn: posts };
  });
  // Its comments stay, without its badge.
  deps.noteWrite?.(commentChange(shownOn));
  return removed;
}
