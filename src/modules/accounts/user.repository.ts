import type { Insertable } from 'kysely';
import type { Db, UserRow, UserTable } from '../../storage/schema.ts';

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** `email` must already be normalised (trimmed, lower case): that is how it is stored. */
export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function insertUser(db: Db, row: Insertable<UserTable>): Promise<number> {
  const { id } = await db.insertInto('users').values(row).returning('id').executeTakeFirstOrThrow();
  return id;
}

export async function updatePasswordHash(db: Db, id: number, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
}

/** The names of these accounts (those still there). */
export async function listUserNames(db: Db, ids: readonly number[]): Promise<{ id: number; name: string }[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute();
}

/** Every account, owners first, then by name. */
export async function listUserRows(db: Db): Promise<UserRow[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .orderBy(
      (eb) =>
        eb
          .case()
          .when('role', '=', 'owner')
          .then(0)
          .when('role', '=', 'admin')
          .then(1)
          .when('role', '=', 'editor')
          .then(2)
          .when('role', '=', 'author')
          .then(3)
          .when('role', '=', 'contributor')
          .then(4)
          .else(5)
          .end(),
      'asc',
    )
    .orderBy('name')
    .orderBy('id')
    .execute();
}

export type UserChanges = Partial<
  Pick<UserRow, 'name' | 'role' | 'disabled_at' | 'author_id' | 'totp_secret' | 'totp_enabled_at' | 'totp_last_step'>
>;

export async function updateUser(db: Db, id: number, changes: UserChanges): Promise<void> {
  if (Object.keys(changes).length === 0) return;
  await db.updateTable('users').set(changes).where('id', '=', id).execute();
}

/**
 * Records `step` as the last TOTP step used, only if it is later than the one stored: the one write that
 * decides, so two requests racing with one code cannot both pass. True when this call recorded it.
 */
export async function claimTotpStep(db: Db, id: number, step: number): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Links the account to `authorId` when it has no byline yet: the one write that decides, so of two saves racing
 * to give an account its first byline one wins (on PostgreSQL the loser waits for the row and then finds it
 * taken). True when this call linked it.
 */
export async function claimByline(db: Db, userId: number, authorId: number): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ author_id: authorId })
    .where('id', '=', userId)
    .where('author_id', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Whether an account other than `exceptUserId` writes under this byline. */
export async function isBylineHeldByOther(db: Db, authorId: number, exceptUserId: number): Promise<boolean> {
  const holder = await db
    .selectFrom('users')
    .select('id')
    .where('author_id', '=', authorId)
    .where('id', '!=', exceptUserId)
    .executeTakeFirst();
  return holder !== undefined;
}

/** The articles with comments written from the account: their discussions show its badge (a role, a byline). */
export async function postIdsCommentedOnBy(db: Db, userId: number): Promise<number[]> {
  const rows = await db.selectFrom('comments').select('post_id').distinct().where('user_id', '=', userId).execute();
  return rows.map((r) => r.post_id);
}

export async function deleteUser(db: Db, id: number): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

/** Owners whose accounts are not disabled. */
export async function countActiveOwners(db: Db): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'owner')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Owners who can sign in: not disabled, with a password. None means the site still needs its first owner. */
export async function countOwnersWithPassword(db: Db): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'owner')
    .where('disabled_at', 'is', null)
    .where('password_hash', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
