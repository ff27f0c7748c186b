import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { NAME_MAX_LENGTH } from '../accounts/accounts.service.ts';
import type { User } from '../accounts/accounts.types.ts';
import { can } from '../accounts/policies.ts';
import { claimByline, findUserById } from '../accounts/user.repository.ts';
import { isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { slugify } from '../shared/slug.ts';
import type { ContentDeps } from './content.deps.ts';
import type { PostFormValues } from './editor-form.ts';
import { deleteAuthor, findAuthorById, findAuthorBySlug, insertAuthor, updateAuthor } from './taxonomy.repository.ts';

/**
 * Every account that writes has a byline of its own (decision 039): made the first time it saves a post, named
 * after the person, edited under "Your account". The users admin can still point an account at another byline.
 */

/** The editor's author choice "me" while my byline does not exist yet (never a slug: slugs have no "@"). */
export const OWN_BYLINE_CHOICE = '@me';

/** Longest short biography, in characters (shown on the author's page under their name). */
export const BYLINE_BIO_MAX_LENGTH = 600;

type OwnBylineDeps = Pick<ContentDeps, 'db' | 'clock'>;

/** The byline as the account page shows it: `slug` is null while it is still to be made. */
export interface OwnByline {
  slug: string | null;
  name: string;
  bio: string;
}

/**
 * The byline id the account writes under, made now when it has none and may write (null when it may not). A new
 * byline is named after the person at a free address: never an existing byline, even one nobody writes under,
 * since taking it would let this account open that byline's posts. Idempotent; two saves at once make one byline
 * (the insert of the same address waits for the other and is run again; claimByline settles the rest).
 */
export async function ensureOwnByline(deps: OwnBylineDeps, user: User): Promise<number | null> {
  if (user.authorId !== null || !can(user, 'write_posts')) return user.authorId;
  return inTransaction(deps.db, async (trx) => {
    const row = await findUserById(trx, user.id);
    if (!row || row.author_id !== null) return row?.author_id ?? null;
    const slug = await freeBylineSlug(trx, row);
    const id = await insertAuthor(trx, { slug, name: row.name, bio: '', created_at: isoNow(deps.clock) });
    if (await claimByline(trx, user.id, id)) return id;
    // Another transaction gave the account its byline meanwhile: keep that one, and drop the one made here.
    await deleteAuthor(trx, id);
    return (await findUserById(trx, user.id))?.author_id ?? null;
  });
}

/** The person's name as an address no byline uses: `ada-lovelace`, else `ada-lovelace-2`, …, else `author-<id>`. */
async function freeBylineSlug(db: Db, user: { id: number; name: string }): Promise<string> {
  const named = slugify(user.name);
  // slugify gives "untitled" for a name with no Latin letters or digits: the account's number says more.
  const base = named === 'untitled' && !/untitled/i.test(user.name) ? `author-${user.id}` : named;
  const candidates = [base, ...Array.from({ length: 98 }, (_, i) => `${base}-${i + 2}`), `author-${user.id}`];
  for (const slug of candidates) if (!(await findAuthorBySlug(db, slug))) return slug;
  throw new AppError('BAD_REQUEST', 'No free address could be found for your byline; ask an administrator.', {
    detail: `user ${user.id}`,
  });
}

/**
 * What an editor save works with once the writer's byline exists: the user as they now stand, and the form's
 * authors with "me" (OWN_BYLINE_CHOICE) turned into their byline's slug. Run inside the save's transaction.
 */
export async function withOwnByline(
  deps: OwnBylineDeps,
  user: User,
  values: PostFormValues,
): Promise<{ user: User; values: PostFormValues }> {
  const authorId = await ensureOwnByline(deps, user);
  if (authorId === user.authorId && !values.authors.includes(OWN_BYLINE_CHOICE)) return { user, values };
  const own = authorId === null ? undefined : await findAuthorById(deps.db, authorId);
  const authors = values.authors.map((a) => (a === OWN_BYLINE_CHOICE ? (own?.slug ?? '') : a));
  return { user: { ...user, authorId }, values: { ...values, authors } };
}

/**
 * The editor's values as shown again (a refused save, a conflict): "me" becomes the writer's byline once it exists,
 * as it may since the form was opened (the first autosave of a new post makes it), so the choice is not lost.
 */
export async function ownChoiceShown(deps: OwnBylineDeps, user: User, values: PostFormValues): Promise<PostFormValues> {
  if (user.authorId === null || !values.authors.includes(OWN_BYLINE_CHOICE)) return values;
  const own = await findAuthorById(deps.db, user.authorId);
  return { ...values, authors: values.authors.map((a) => (a === OWN_BYLINE_CHOICE ? (own?.slug ?? '') : a)) };
}

/** The account's byline for its account page; undefined for an account that does not write. */
export async function getOwnByline(deps: OwnBylineDeps, user: User): Promise<OwnByline | undefined> {
  if (!can(user, 'write_posts')) return undefined;
  const row = user.authorId === null ? undefined : await findAuthorById(deps.db, user.authorId);
  return row ? { slug: row.slug, name: row.name, bio: row.bio } : { slug: null, name: user.name, bio: '' };
}

/**
 * Saves the name and short biography the account's byline shows (made first if need be). Its address stays,
 * so links to the author's page keep working. BAD_REQUEST with a message per field; FORBIDDEN for an account
 * that does not write.
 */
export async function updateOwnByline(
  deps: ContentDeps,
  input: { user: User; name: string; bio: string },
): Promise<void> {
  if (!can(input.user, 'write_posts'))
    throw new AppError('FORBIDDEN', 'Your account does not write posts, so it has no byline.', {
      detail: `user ${input.user.id} (${input.user.role})`,
    });
  const name = input.name.trim();
  const bio = input.bio.trim().replace(/\r\n?/g, '\n');
  const fields: Record<string, string> = {};
  if (name.length === 0 || [...name].length > NAME_MAX_LENGTH)
    fields['byline-name'] = `Give the byline a name of 1 to ${NAME_MAX_LENGTH} characters.`;
  if ([...bio].length > BYLINE_BIO_MAX_LENGTH)
    fields['byline-bio'] = `The biography is too long: at most ${BYLINE_BIO_MAX_LENGTH} characters.`;
  const first = Object.values(fields)[0];
  if (first) throw new AppError('BAD_REQUEST', first, { fields });
  await inTransaction(deps.db, async (trx) => {
    const id = await ensureOwnByline({ ...deps, db: trx }, input.user);
    if (id !== null) await updateAuthor(trx, id, { name, bio });
  });
  // A byline's name is on every list and article that carries it: everything is rendered again.
  deps.noteWrite();
}
