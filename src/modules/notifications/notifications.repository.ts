import type { Selectable } from 'kysely';
import type { CommenterTable, Db, UserRole } from '../../storage/schema.ts';

/** What reply mail reads and writes: the `commenters` table (double opt-in), the mail already queued, the staff. */

export type CommenterRow = Selectable<CommenterTable>;

/** Adds a row for `email` with nothing confirmed or unsubscribed, unless the address already has one. */
export async function insertCommenterOnce(db: Db, email: string, createdAt: string): Promise<void> {
  await db
    .insertInto('commenters')
    .values({ email, confirmed_at: null, unsubscribed_at: null, created_at: createdAt })
    .onConflict((oc) => oc.column('email').doNothing())
    .execute();
}

/** The row of `email`, added first (nothing confirmed, nothing unsubscribed) when the address has none. */
export async function ensureCommenter(db: Db, email: string, createdAt: string): Promise<CommenterRow> {
  await insertCommenterOnce(db, email, createdAt);
  return db.selectFrom('commenters').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
}

export async function findCommenter(db: Db, email: string): Promise<CommenterRow | undefined> {
  return db.selectFrom('commenters').selectAll().where('email', '=', email).executeTakeFirst();
}

/**
 * Sets a commenter's confirmed or unsubscribed time if it is unset, adding the row first when the address has
 * none (`at` is its creation time too); true when this call set it. Two writes: run it in a transaction.
 */
export async function stampCommenterOnce(
  db: Db,
  email: string,
  input: { column: 'confirmed_at' | 'unsubscribed_at'; at: string },
): Promise<boolean> {
  await insertCommenterOnce(db, email, input.at);
  const set = await db
    .updateTable('commenters')
    .set({ [input.column]: input.at })
    .where('email', '=', email)
    .where(input.column, 'is', null)
    .executeTakeFirst();
  return Number(set.numUpdatedRows) === 1;
}

/** A message to `to` with this subject queued after `after`, if there is one (sent or not). */
export async function findMailQueuedSince(
  db: Db,
  input: { to: string; subject: string; after: string },
): Promise<{ id: number } | undefined> {
  return db
    .selectFrom('outbox')
    .select('id')
    .where('to_address', '=', input.to)
    .where('subject', '=', input.subject)
    .where('created_at', '>', input.after)
    .executeTakeFirst();
}

/** A message to `to` whose text has `text` followed by a line break, if there is one. */
export async function findMailWithLine(db: Db, to: string, text: string): Promise<{ id: number } | undefined> {
  return db
    .selectFrom('outbox')
    .select('id')
    .where('to_address', '=', to)
    .where('text_body', 'like', `%${text}\n%`)
    .executeTakeFirst();
}

/** The addresses of the accounts in use with one of `roles`, by account id. */
export async function listActiveEmailsWithRoles(db: Db, roles: readonly UserRole[]): Promise<{ email: string }[]> {
  return db
    .selectFrom('users')
    .select('email')
    .where('role', 'in', roles)
    .where('disabled_at', 'is', null)
    .orderBy('id')
    .execute();
}
