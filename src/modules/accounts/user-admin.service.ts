import type { UserRole, UserRow } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { findAuthorBySlug, insertAuthor, listAuthors } from '../content/taxonomy.repository.ts';
import { queueMail } from '../notifications/outbox.ts';
import { isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { slugify } from '../shared/slug.ts';
import { getSiteSettings } from '../site/settings.service.ts';
import { createSignInLink, createUser, SIGN_IN_LINK_HOURS, toUser } from './accounts.service.ts';
import { type SignInLinkDeps, USER_ROLES, type User } from './accounts.types.ts';
import { checkUserChange, type UserChange } from './policies.ts';
import { deleteUserSessions } from './session.repository.ts';
import { countActiveOwners, deleteUser, findUserById, listUserRows, updateUser } from './user.repository.ts';

/** The users admin: the people who can sign in, their roles and bylines. Every change passes checkUserChange. */

/** A byline an account can write under. */
export interface Byline {
  id: number;
  name: string;
  slug: string;
}

/** An account as the users admin lists it: with the name of its byline. */
export type ListedUser = User & { bylineName: string | null };

export async function listUsers(deps: SignInLinkDeps): Promise<ListedUser[]> {
  const [rows, bylines] = await Promise.all([listUserRows(deps.db), listAuthors(deps.db)]);
  const names = new Map(bylines.map((a) => [a.id, a.name]));
  return rows.map((r) => ({
    ...toUser(r),
    bylineName: r.author_id === null ? null : (names.get(r.author_id) ?? null),
  }));
}

export async function listBylines(deps: SignInLinkDeps): Promise<Byline[]> {
  return (await listAuthors(deps.db)).map((a) => ({ id: a.id, name: a.name, slug: a.slug }));
}

/** One account, or USER_NOT_FOUND. */
export async function getUser(deps: SignInLinkDeps, userId: number): Promise<ListedUser> {
  const found = (await listUsers(deps)).find((u) => u.id === userId);
  if (!found) throw notFound(userId);
  return found;
}

const notFound = (id: number) =>
  new AppError('USER_NOT_FOUND', 'There is no such user. They may have been removed.', { detail: `user ${id}` });

const isRole = (role: string): role is UserRole => (USER_ROLES as readonly string[]).includes(role);

/** Reads the target in the transaction and applies the escalation rules to it. */
async function guarded(deps: SignInLinkDeps, actor: User, targetId: number, change: UserChange, trx = deps.db) {
  const target = await findUserById(trx, targetId);
  if (!target) throw notFound(targetId);
  checkUserChange(actor, toUser(target), change, await countActiveOwners(trx));
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
  return inTransaction(deps.db, async (trx) => {
    const tdeps = { ...deps, db: trx };
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
}

export async function changeRole(
  deps: SignInLinkDeps,
  input: { actor: User; userId: number; role: string },
): Promise<void> {
  const role = input.role;
  if (!isRole(role)) throw new AppError('BAD_REQUEST', `Choose one of the roles: ${USER_ROLES.join(', ')}.`);
  await inTransaction(deps.db, async (trx) => {
    await guarded(deps, input.actor, input.userId, { kind: 'role', role }, trx);
    await updateUser(trx, input.userId, { role });
  });
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
    const target = await guarded(deps, input.actor, input.userId, { kind: input.disabled ? 'disable' : 'enable' }, trx);
    if (input.disabled === (target.disabled_at !== null)) return;
    await updateUser(trx, input.userId, { disabled_at: input.disabled ? isoNow(deps.clock) : null });
    if (input.disabled) await deleteUserSessions(trx, input.userId);
  });
}

/**
 * Turns off someone's second factor (a lost phone, or an app someone else set up in their open browser): they
 * sign in with their password alone until they set up a new one. Their sessions end, as after any change to how
 * they sign in.
 */
export async function resetSecondFactor(deps: SignInLinkDeps, input: { actor: User; userId: number }): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    await guarded(deps, input.actor, input.userId, { kind: 'second-factor' }, trx);
    await updateUser(trx, input.userId, { totp_secret: null, totp_enabled_at: null, totp_last_step: null });
    await deleteUserSessions(trx, input.userId);
  });
}

/** Removes an account for good; its sessions go with it, and its posts and comments stay, without it. */
export async function removeUser(deps: SignInLinkDeps, input: { actor: User; userId: number }): Promise<User> {
  return inTransaction(deps.db, async (trx) => {
    const target = await guarded(deps, input.actor, input.userId, { kind: 'remove' }, trx);
    await deleteUser(trx, input.userId);
    return toUser(target);
  });
}

/**
 * Ties an account to the byline it writes under: an existing one (`authorId`), a new one named after the
 * person (`authorId: 'new'`; reuses a byline whose slug that name gives), or none (`null`).
 */
export async function linkByline(
  deps: SignInLinkDeps,
  input: { actor: User; userId: number; authorId: number | 'new' | null },
): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    const target = await guarded(deps, input.actor, input.userId, { kind: 'byline' }, trx);
    const authorId = input.authorId === 'new' ? await bylineFor(deps, trx, target) : input.authorId;
    if (authorId !== null && !(await listAuthors(trx)).some((a) => a.id === authorId))
      throw new AppError('BAD_REQUEST', 'Choose one of the bylines in the list.', {
        fields: { author: 'Choose one of the bylines in the list.' },
      });
    await updateUser(trx, input.userId, { author_id: authorId });
  });
}

/**
 * A byline for the person: one of their name that no other account writes under, else a new one (with -2, -3…
 * on its address). Sharing someone's byline would let this account open and edit that person's posts.
 */
async function bylineFor(deps: SignInLinkDeps, trx: SignInLinkDeps['db'], target: UserRow): Promise<number> {
  const base = slugify(target.name) || `author-${target.id}`;
  for (let n = 1; n < 100; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    const existing = await findAuthorBySlug(trx, slug);
    if (!existing) return insertAuthor(trx, { slug, name: target.name, bio: '', created_at: isoNow(deps.clock) });
    const holder = await trx
      .selectFrom('users')
      .select('id')
      .where('author_id', '=', existing.id)
      .where('id', '!=', target.id)
      .executeTakeFirst();
    if (!holder) return existing.id;
  }
  throw new AppError('BAD_REQUEST', 'Choose one of the bylines in the list.', {
    fields: { author: 'Choose one of the bylines in the list.' },
  });
}
