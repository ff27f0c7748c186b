import { createHash, randomBytes } from 'node:crypto';
import type { Db, UserRow } from '../../storage/schema.ts';
import { type Clock, isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { getSiteSecret, signToken, verifyToken } from '../shared/secret.ts';
import { isTokenSpent, spendToken } from '../shared/used-tokens.repository.ts';
import type { AccountsDeps } from './accounts.types.ts';
import { findUserById } from './user.repository.ts';

/**
 * Signed tokens that speak for one user for a short time: the sign-in link of a new person, the password reset
 * link, and the "password checked, code still to come" step of a sign-in with a second factor. Each is signed
 * with the site secret for its own purpose (a token of one purpose is worthless for another) and carries a
 * fingerprint of the password hash it was made under, so setting a password kills every older token at once.
 */
export type UserLinkPurpose = 'sign-in-link' | 'password-reset' | 'sign-in-second-step';

interface LinkPayload {
  u: number;
  /** Expiry, ms since the epoch. */
  x: number;
  /** Fingerprint of the password hash when the token was made. */
  p: string;
  n: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const passwordFingerprint = (row: Pick<UserRow, 'password_hash'>) =>
  sha256(row.password_hash ?? 'none').slice(0, 16);

const REFUSALS: Record<UserLinkPurpose, { code: 'SIGN_IN_LINK_INVALID' | 'SIGN_IN_STEP_EXPIRED'; message: string }> = {
  'sign-in-link': {
    code: 'SIGN_IN_LINK_INVALID',
    message:
      'This sign-in link does not work: it has been used, has expired, or was copied incompletely. Ask for a new one.',
  },
  'password-reset': {
    code: 'SIGN_IN_LINK_INVALID',
    message:
      'This password reset link does not work: it has been used, has expired, or was copied incompletely. Ask for a new one from the sign-in page.',
  },
  'sign-in-second-step': {
    code: 'SIGN_IN_STEP_EXPIRED',
    message: 'Signing in took too long, so nothing was checked. Enter your email and password again.',
  },
};

export const userLinkRefused = (purpose: UserLinkPurpose, detail: string) =>
  new AppError(REFUSALS[purpose].code, REFUSALS[purpose].message, { detail: `${purpose}: ${detail}` });

/** A token for `purpose` speaking for `row` until `validMs` from now. */
export async function makeUserToken(
  deps: AccountsDeps,
  purpose: UserLinkPurpose,
  row: UserRow,
  validMs: number,
): Promise<{ token: string; expiresAt: string }> {
  const expires = deps.clock.now().getTime() + validMs;
  const payload: LinkPayload = {
    u: row.id,
    x: expires,
    p: passwordFingerprint(row),
    n: randomBytes(9).toString('base64url'),
  };
  const token = signToken(await getSiteSecret(deps.db), purpose, JSON.stringify(payload));
  return { token, expiresAt: new Date(expires).toISOString() };
}

const usedMarker = (purpose: UserLinkPurpose, token: string) => `${purpose}:${sha256(token)}`;

/**
 * The user a token of `purpose` speaks for, while it is good: signed, unexpired, the account not disabled and
 * its password unchanged since, and (with `singleUse`) not marked used. Refuses with the purpose's error.
 */
export async function userOfToken(
  deps: AccountsDeps,
  purpose: UserLinkPurpose,
  token: string,
  opts: { singleUse?: boolean } = {},
): Promise<UserRow> {
  const text = verifyToken(await getSiteSecret(deps.db), purpose, token);
  if (text === undefined) throw userLinkRefused(purpose, 'bad signature');
  let payload: LinkPayload;
  try {
    payload = JSON.parse(text) as LinkPayload;
  } catch {
    throw userLinkRefused(purpose, 'bad payload');
  }
  if (typeof payload.x !== 'number' || payload.x <= deps.clock.now().getTime())
    throw userLinkRefused(purpose, 'expired');
  const row = typeof payload.u === 'number' ? await findUserById(deps.db, payload.u) : undefined;
  if (!row || row.disabled_at !== null) throw userLinkRefused(purpose, 'no such user, or disabled');
  if (payload.p !== passwordFingerprint(row)) throw userLinkRefused(purpose, 'password changed since');
  if (opts.singleUse && (await isTokenSpent(deps.db, usedMarker(purpose, token))))
    throw userLinkRefused(purpose, 'used');
  return row;
}

/**
 * Marks a single-use token used; run it in the transaction that acts on the token. False when it already was
 * (two tabs racing with one link: only one insert can succeed).
 */
export async function markTokenUsed(
  db: Db,
  clock: Clock,
  purpose: UserLinkPurpose | 'owner-setup',
  token: string,
): Promise<boolean> {
  return spendToken(db, `${purpose}:${sha256(token)}`, isoNow(clock));
}

/** True when a single-use token of another kind (the owner setup link) has been used. */
export const isTokenUsed = (db: Db, purpose: 'owner-setup', token: string) =>
  isTokenSpent(db, `${purpose}:${sha256(token)}`);
