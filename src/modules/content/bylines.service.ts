import type { UserRow } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { toUser } from '../accounts/accounts.service.ts';
import type { SignInLinkDeps, User } from '../accounts/accounts.types.ts';
import { isBylineHeldByOther, listUserRows, postIdsCommentedOnBy, updateUser } from '../accounts/user.repository.ts';
import { loadGuardedTarget, userNotFound } from '../accounts/user-admin.service.ts';
import { commentChange } from '../shared/changes.ts';
import { isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { slugify } from '../shared/slug.ts';
import { findAuthorBySlug, insertAuthor, listAuthors } from './taxonomy.repository.ts';

/** The users admin's bylines: which author (the `authors` of posts) each account writes under. */

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
  if (!found) throw userNotFound(userId);
  return found;
}

const notInList = () =>
  new AppError('BAD_REQUEST', 'Choose one of the bylines in the list.', {
    fields: { author: 'Choose one of the bylines in the list.' },
  });

/**
 * Ties an account to the byline it writes under: an existing one (`authorId`), a new one named after the
 * person (`authorId: 'new'`; reuses a byline whose slug that name gives), or none (`null`).
 */
export async function linkByline(
  deps: SignInLinkDeps,
  input: { actor: User; userId: number; authorId: number | 'new' | null },
): Promise<void> {
  const shownOn = await inTransaction(deps.db, async (trx) => {
    const target = await loadGuardedTarget(trx, {
      actor: input.actor,
      userId: input.userId,
      change: { kind: 'byline' },
    });
    const authorId = input.authorId === 'new' ? await bylineFor(deps, trx, target) : input.authorId;
    if (authorId !== null && !(await listAuthors(trx)).some((a) => a.id === authorId)) throw notInList();
    await updateUser(trx, input.userId, { author_id: authorId });
    return postIdsCommentedOnBy(trx, input.userId);
  });
  // The "Author" badge on the person's comments under articles of that byline comes and goes with it.
  deps.noteWrite?.(commentChange(shownOn));
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
    if (!(await isBylineHeldByOther(trx, existing.id, target.id))) return existing.id;
  }
  throw notInList();
}
