import { createHash, randomBytes } from 'node:crypto';
import type { UserRole, UserRow } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import {
  type AccountsDeps,
  type SignedIn,
  type SignInDeps,
  type SignInLinkDeps,
  USER_ROLES,
  type User,
} from './accounts.types.ts';
import { dummyPasswordHash, hashPassword, needsRehash, passwordProblem, verifyPassword } from './password.ts';
import {
  deleteExpiredSessions,
  deleteSession,
  deleteUserSessions,
  findSessionWithUser,
  insertSession,
} from './session.repository.ts';
import { findUserByEmail, findUserById, insertUser, updatePasswordHash } from './user.repository.ts';
import { makeUserToken, markTokenUsed, userLinkRefused, userOfToken } from './user-links.ts';

export const SESSION_DAYS = 14;
export const SIGN_IN_LINK_HOURS = 24;
/** How long the "password checked, now the code" step of a sign-in with a second factor lasts. */
export const SECOND_STEP_MINUTES = 5;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const LINK_PURPOSE = 'sign-in-link';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** Emails are compared and stored trimmed and in lower case. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
    hasPassword: row.password_hash !== null,
    authorId: row.author_id,
    totpEnabled: row.totp_enabled_at !== null && row.totp_secret !== null,
  };
}

export const NAME_MAX_LENGTH = 80;

/** Field messages for a person's email and name, empty when both are acceptable. */
export function personFieldProblems(email: string, name: string): Record<string, string> {
  const fields: Record<string, string> = {};
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fields.email = 'That is not an email address.';
  if (name.length === 0 || [...name].length > NAME_MAX_LENGTH)
    fields.name = `Give a name of 1 to ${NAME_MAX_LENGTH} characters.`;
  return fields;
}

/** Adds a person who can sign in once they have set a password (through a sign-in link). */
export async function createUser(
  deps: AccountsDeps,
  input: { email: string; name: string; role: UserRole },
): Promise<User> {
  const email = normaliseEmail(input.email);
  const name = input.name.trim();
  const fields = personFieldProblems(email, name);
  if (!(USER_ROLES as readonly string[]).includes(input.role))
    fields.role = `The role must be one of ${USER_ROLES.join(', ')}.`;
  if (Object.keys(fields).length > 0)
    throw new AppError('BAD_REQUEST', Object.values(fields).join(' '), { fields, detail: 'createUser' });
  const user = await inTransaction(deps.db, async (trx) => {
    if (await findUserByEmail(trx, email))
      throw new AppError('USER_EMAIL_TAKEN', `There is already a user with the email ${email}.`, {
        fields: { email: `There is already a user with the email ${email}.` },
      });
    const id = await insertUser(trx, {
      email,
      name,
      role: input.role,
      password_hash: null,
      created_at: isoNow(deps.clock),
      disabled_at: null,
    });
    return toUser((await findUserById(trx, id))!);
  });
  deps.noteWrite?.(NOTHING_CHANGED);
  return user;
}

/** Replaces a user's password and ends every session they had (a new password locks out whoever knew the old). */
export async function setPassword(deps: AccountsDeps, input: { userId: number; password: string }): Promise<void> {
  const problem = passwordProblem(input.password);
  if (problem) throw new AppError('PASSWORD_REJECTED', problem, { fields: { password: problem } });
  const hashed = await hashPassword(input.password);
  await inTransaction(deps.db, async (trx) => {
    if (!(await findUserById(trx, input.userId)))
      throw new AppError('NOT_FOUND', 'There is no such user.', { detail: `user ${input.userId}` });
    await updatePasswordHash(trx, input.userId, hashed);
    await deleteUserSessions(trx, input.userId);
  });
  deps.noteWrite?.(NOTHING_CHANGED);
}

/** The account with its password hashed again when its hash is of older parameters (stored at sign-in). */
async function rehashed(deps: AccountsDeps, row: UserRow, password: string): Promise<UserRow> {
  if (row.password_hash === null || !needsRehash(row.password_hash)) return row;
  const hash = await hashPassword(password);
  await updatePasswordHash(deps.db, row.id, hash);
  deps.noteWrite?.(NOTHING_CHANGED);
  return { ...row, password_hash: hash };
}

/** A sign-in either starts a session, or (second factor on) hands back a short-lived token for the code step. */
export type SignInResult =
  | ({ token: string } & SignedIn)
  | { secondStep: { token: string; expiresAt: string; email: string } };

/**
 * Checks an email and password and starts a session. Takes as long whether or not the account exists (a dummy
 * hash is verified when there is none), and every refusal, for whatever reason, is the same SIGN_IN_FAILED.
 * After too many failures for this email from this IP, refuses with SIGN_IN_RATE_LIMITED without checking.
 * When the account has a second factor, no session is made yet: the result is a signed token, good for
 * SECOND_STEP_MINUTES, that second-factor.service.ts's completeSignIn exchanges for a session with a code.
 */
export async function beginSignIn(
  deps: SignInDeps,
  input: { email: string; password: string; ip: string },
): Promise<SignInResult> {
  const email = normaliseEmail(input.email);
  const now = deps.clock.now();
  if (await deps.throttle.isLimited(email, input.ip, now))
    throw new AppError('SIGN_IN_RATE_LIMITED', 'Too many failed attempts. Wait 15 minutes, then try again.', {
      detail: `ip ${input.ip}`,
    });
  const row = email.length <= 254 ? await findUserByEmail(deps.db, email) : undefined;
  const stored = row?.password_hash ?? (await dummyPasswordHash());
  const matches = await verifyPassword(stored, input.password);
  if (!row || row.password_hash === null || row.disabled_at !== null || !matches) {
    await deps.throttle.recordFailure(email, input.ip, now);
    throw new AppError('SIGN_IN_FAILED', 'That email and password do not match an account that can sign in.', {
      detail: !row ? 'no such account' : row.disabled_at ? 'disabled' : matches ? 'no password' : 'wrong password',
    });
  }
  await deps.throttle.recordSuccess(email, input.ip);
  const current = await rehashed(deps, row, input.password);
  if (toUser(current).totpEnabled)
    return {
      secondStep: {
        ...(await makeUserToken(deps, 'sign-in-second-step', current, SECOND_STEP_MINUTES * 60_000)),
        email: current.email,
      },
    };
  return startSession(deps, current);
}

/**
 * Sign-in with a password alone (for callers that cannot ask for a code): an account with a second factor is
 * refused like a wrong password, never let in on the password only.
 */
export async function signIn(
  deps: SignInDeps,
  input: { email: string; password: string; ip: string },
): Promise<{ token: string } & SignedIn> {
  const result = await beginSignIn(deps, input);
  if ('secondStep' in result)
    throw new AppError('SIGN_IN_FAILED', 'That email and password do not match an account that can sign in.', {
      detail: 'second factor required',
    });
  return result;
}

/** Starts a session for a person whose identity is already proven. */
export async function startSession(deps: AccountsDeps, row: UserRow): Promise<{ token: string } & SignedIn> {
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * DAY_MS).toISOString();
  const tokenHash = sha256(token);
  await inTransaction(deps.db, async (trx) => {
    // Housekeeping on the rare write, so the table never grows without bound.
    await deleteExpiredSessions(trx, now.toISOString());
    await insertSession(trx, {
      token_hash: tokenHash,
      user_id: row.id,
      created_at: now.toISOString(),
      expires_at: expiresAt,
    });
  });
  // A session is nothing readers see: other nodes are told so, and keep their pages (decision 049).
  deps.noteWrite?.(NOTHING_CHANGED);
  return { token, user: toUser(row), session: { tokenHash, expiresAt } };
}

/** The person a session token belongs to, or undefined when it is unknown, expired, or their account is disabled. */
export async function findSession(deps: AccountsDeps, token: string): Promise<SignedIn | undefined> {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const found = await findSessionWithUser(deps.db, sha256(token));
  if (!found) return undefined;
  if (found.session.expires_at <= isoNow(deps.clock) || found.user.disabled_at !== null) return undefined;
  return {
    user: toUser(found.user),
    session: { tokenHash: found.session.token_hash, expiresAt: found.session.expires_at },
  };
}

/** Ends one session (signing out in this browser). Unknown tokens are ignored. */
export async function signOut(deps: AccountsDeps, token: string): Promise<void> {
  if (typeof token !== 'string' || token.length >= 100) return;
  await deleteSession(deps.db, sha256(token));
  deps.noteWrite?.(NOTHING_CHANGED);
}

/** Ends every session of a user, in every browser. */
export async function signOutEverywhere(deps: AccountsDeps, userId: number): Promise<void> {
  await deleteUserSessions(deps.db, userId);
  deps.noteWrite?.(NOTHING_CHANGED);
}

/**
 * A one-time link to /admin/welcome where the person sets a password (first run, or a new person added by an
 * administrator). Signed with the site secret; dies after SIGN_IN_LINK_HOURS, after its first use, or once the
 * password changes.
 */
export async function createSignInLink(
  deps: SignInLinkDeps,
  userId: number,
  opts: { validForHours?: number } = {},
): Promise<{ url: string; expiresAt: string }> {
  const row = await findUserById(deps.db, userId);
  if (!row) throw new AppError('NOT_FOUND', 'There is no such user.', { detail: `user ${userId}` });
  const { token, expiresAt } = await makeUserToken(
    deps,
    LINK_PURPOSE,
    row,
    (opts.validForHours ?? SIGN_IN_LINK_HOURS) * HOUR_MS,
  );
  return { url: `${deps.baseUrl}/admin/welcome?token=${token}`, expiresAt };
}

/** The user a sign-in link is for, when it is still good; SIGN_IN_LINK_INVALID otherwise. Does not use it up. */
export async function checkSignInLink(deps: AccountsDeps, token: string): Promise<User> {
  return toUser(await userOfSignInLink(deps, token));
}

/** A sign-in link signs in, so it never works for an account with a second factor (a reset link does). */
async function userOfSignInLink(deps: AccountsDeps, token: string): Promise<UserRow> {
  const row = await userOfToken(deps, LINK_PURPOSE, token, { singleUse: true });
  if (toUser(row).totpEnabled) throw userLinkRefused(LINK_PURPOSE, 'second factor on');
  return row;
}

/**
 * Uses a sign-in link: sets the person's password, ends their other sessions and signs them in. The link is
 * marked used in the same transaction, so two tabs racing with one link cannot both succeed.
 */
export async function setPasswordWithLink(
  deps: AccountsDeps,
  input: { token: string; password: string },
): Promise<{ token: string } & SignedIn> {
  await userOfSignInLink(deps, input.token);
  const problem = passwordProblem(input.password);
  if (problem) throw new AppError('PASSWORD_REJECTED', problem, { fields: { password: problem } });
  const hashed = await hashPassword(input.password);
  const row = await inTransaction(deps.db, async (trx) => {
    const user = await userOfSignInLink({ ...deps, db: trx }, input.token);
    if (!(await markTokenUsed(trx, deps.clock, LINK_PURPOSE, input.token)))
      throw userLinkRefused(LINK_PURPOSE, 'used (race)');
    await updatePasswordHash(trx, user.id, hashed);
    await deleteUserSessions(trx, user.id);
    return { ...user, password_hash: hashed };
  });
  deps.noteWrite?.(NOTHING_CHANGED);
  return startSession(deps, row);
}
