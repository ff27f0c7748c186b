import type { Db, UserRow } from '../../storage/schema.ts';

export interface SessionWithUserRow {
  session: { token_hash: string; user_id: number; created_at: string; expires_at: string };
  user: UserRow;
}

export async function insertSession(
  db: Db,
  row: { token_hash: string; user_id: number; created_at: string; expires_at: string },
): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** The session with this token hash and its user, whatever their state (the service judges expiry and disabling). */
export async function findSessionWithUser(db: Db, tokenHash: string): Promise<SessionWithUserRow | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.token_hash',
      'sessions.created_at as session_created_at',
      'sessions.expires_at',
      'users.id',
      'users.email',
      'users.name',
      'users.role',
      'users.password_hash',
      'users.created_at',
      'users.disabled_at',
      'users.author_id',
      'users.totp_secret',
      'users.totp_enabled_at',
      'users.totp_last_step',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const { token_hash, session_created_at, expires_at, ...user } = row;
  return { session: { token_hash, user_id: user.id, created_at: session_created_at, expires_at }, user };
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteUserSessions(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function deleteExpiredSessions(db: Db, now: string): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}

/** A user's sessions that have not expired, newest first. */
export async function listUserSessions(
  db: Db,
  userId: number,
  now: string,
): Promise<{ token_hash: string; created_at: string; expires_at: string }[]> {
  return db
    .selectFrom('sessions')
    .select(['token_hash', 'created_at', 'expires_at'])
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .orderBy('token_hash') // same-moment sessions in one order on every database
    .execute();
}

/** Ends every session of a user but one (the one they are using). */
export async function deleteUserSessionsExcept(db: Db, userId: number, keepTokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).where('token_hash', '!=', keepTokenHash).execute();
}

/**
 * Ends one of a user's sessions, named by the start of its token hash (`ref`: 16 hex digits, checked by the
 * caller). Only this user's sessions can match, so another person's session is never touched.
 */
export async function deleteUserSessionByRef(db: Db, userId: number, ref: string): Promise<number> {
  const r = await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('token_hash', 'like', `${ref}%`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
