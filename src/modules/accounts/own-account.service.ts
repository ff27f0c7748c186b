import { inTransaction } from '../../storage/transaction.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { NAME_MAX_LENGTH } from './accounts.service.ts';
import type { AccountsDeps, SignedIn } from './accounts.types.ts';
import { hashPassword, PASSWORD_MAX_LENGTH, passwordProblem, verifyPassword } from './password.ts';
import { deleteUserSessionByRef, deleteUserSessionsExcept, listUserSessions } from './session.repository.ts';
import { findUserById, updatePasswordHash, updateUser } from './user.repository.ts';

/** What a signed-in person does to their own account: name, password, sessions. (The second factor: second-factor.service.ts.) */

/** One of a person's sessions as their account page lists it. `ref` names it in a form; the token never leaves. */
export interface OwnSession {
  ref: string;
  createdAt: string;
  expiresAt: string;
  current: boolean;
}

const refOf = (tokenHash: string) => tokenHash.slice(0, 16);

export async function listOwnSessions(deps: AccountsDeps, signedIn: SignedIn): Promise<OwnSession[]> {
  const rows = await listUserSessions(deps.db, signedIn.user.id, isoNow(deps.clock));
  return rows.map((r) => ({
    ref: refOf(r.token_hash),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    current: r.token_hash === signedIn.session.tokenHash,
  }));
}

/** Ends one of the person's own sessions (e.g. a browser left signed in elsewhere). False when there was none. */
export async function endOwnSession(deps: AccountsDeps, input: { userId: number; ref: string }): Promise<boolean> {
  if (!/^[0-9a-f]{16}$/.test(input.ref)) return false;
  return (await deleteUserSessionByRef(deps.db, input.userId, input.ref)) > 0;
}

export async function renameSelf(deps: AccountsDeps, input: { userId: number; name: string }): Promise<void> {
  const name = input.name.trim();
  if (name.length === 0 || [...name].length > NAME_MAX_LENGTH) {
    const message = `Give a name of 1 to ${NAME_MAX_LENGTH} characters.`;
    throw new AppError('BAD_REQUEST', message, { fields: { name: message } });
  }
  await updateUser(deps.db, input.userId, { name });
  // The account's name shows only in the admin (bylines and comments carry names of their own).
  deps.noteWrite?.(NOTHING_CHANGED);
}

/** True when `password` is the user's current password. */
export async function isCurrentPassword(deps: AccountsDeps, userId: number, password: string): Promise<boolean> {
  const row = await findUserById(deps.db, userId);
  return Boolean(row?.password_hash) && (await verifyPassword(row!.password_hash!, password));
}

/**
 * Changes one's password, proving the current one first. Every other session of the person ends (whoever knew
 * the old password is out); the session in use stays, so they stay signed in here.
 */
export async function changeOwnPassword(
  deps: AccountsDeps,
  input: { signedIn: SignedIn; current: string; password: string },
): Promise<void> {
  const userId = input.signedIn.user.id;
  const fields: Record<string, string> = {};
  if (input.current.length > PASSWORD_MAX_LENGTH * 4 || !(await isCurrentPassword(deps, userId, input.current)))
    fields.current = 'That is not your current password.';
  const problem = passwordProblem(input.password);
  if (problem) fields.password = problem;
  if (fields.current)
    throw new AppError('CURRENT_PASSWORD_WRONG', fields.current, { fields, detail: `user ${userId}` });
  if (problem) throw new AppError('PASSWORD_REJECTED', problem, { fields });
  const hashed = await hashPassword(input.password);
  await inTransaction(deps.db, async (trx) => {
    await updatePasswordHash(trx, userId, hashed);
    await deleteUserSessionsExcept(trx, userId, input.signedIn.session.tokenHash);
  });
  deps.noteWrite?.(NOTHING_CHANGED);
}
