import { Secret, TOTP } from 'otpauth';
import type { UserRow } from '../../storage/schema.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { startSession } from './accounts.service.ts';
import type { SecondFactorDeps, SignedIn } from './accounts.types.ts';
import { isCurrentPassword } from './own-account.service.ts';
import { claimTotpStep, findUserById, updateUser } from './user.repository.ts';
import { userOfToken } from './user-links.ts';

/**
 * The optional second factor: time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 seconds), as every
 * authenticator app reads them. A code is accepted one step either side of now (clock drift), works once
 * (users.totp_last_step only moves forward), and wrong codes are counted per account and per address.
 */
const PERIOD = 30;
const DIGITS = 6;
/** Wrong codes allowed per account in the window, whatever the address; and per address, whatever the account. */
export const CODE_LIMITS = { perUser: 5, perIp: 50, windowMs: 15 * 60_000 } as const;

export interface TotpEnrolment {
  /** The secret in base32, for typing into an app by hand. */
  secret: string;
  /** otpauth:// URI with the site as issuer and the email as label, for apps that read one. */
  uri: string;
}

async function totpOf(deps: SecondFactorDeps, row: Pick<UserRow, 'email' | 'totp_secret'>): Promise<TOTP> {
  const site = await getSiteSettings({ db: deps.db });
  return new TOTP({
    issuer: site.title,
    label: row.email,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(row.totp_secret ?? ''),
  });
}

const codeRefused = (detail: string) =>
  new AppError('TOTP_CODE_INVALID', 'That code is not right. Type the code your app shows now.', {
    detail,
    fields: { code: 'That code is not right. Type the code your app shows now.' },
  });

const tooManyCodes = (detail: string) =>
  new AppError('SIGN_IN_RATE_LIMITED', 'Too many wrong codes. Wait 15 minutes, then try again.', { detail });

/**
 * Checks a code against the user's secret and uses it up: counts a wrong one, refuses once the limits are
 * reached (before checking, so guessing gains nothing), and refuses a code whose time step was already used.
 */
async function useCode(deps: SecondFactorDeps, row: UserRow, code: string, ip: string): Promise<void> {
  const now = deps.clock.now();
  const userKey = `totp-user:${row.id}`;
  const ipKey = `totp-ip:${ip}`;
  if (
    (await deps.codeAttempts.isLimited(userKey, CODE_LIMITS.perUser, now)) ||
    (await deps.codeAttempts.isLimited(ipKey, CODE_LIMITS.perIp, now))
  )
    throw tooManyCodes(`user ${row.id} from ${ip}`);
  const digits = code.replace(/\s+/g, '');
  const totp = await totpOf(deps, row);
  const delta = /^[0-9]{6}$/.test(digits)
    ? totp.validate({ token: digits, timestamp: now.getTime(), window: 1 })
    : null;
  const step = delta === null ? null : TOTP.counter({ period: PERIOD, timestamp: now.getTime() }) + delta;
  // The claim is one conditional UPDATE: of two requests racing with one code, only one moves the step.
  const claimed = step !== null && (await claimTotpStep(deps.db, row.id, step));
  // The claim wrote (or tried to): other nodes hear that it is nothing readers see.
  if (step !== null) deps.noteWrite?.(NOTHING_CHANGED);
  if (!claimed) {
    await deps.codeAttempts.record(userKey, now);
    await deps.codeAttempts.record(ipKey, now);
    throw codeRefused(step === null ? `wrong code, user ${row.id}` : `code reused, user ${row.id}`);
  }
  await deps.codeAttempts.clear(userKey);
}

/**
 * Begins turning the second factor on: makes a new secret (replacing an unconfirmed one) and returns it to
 * show. Nothing changes at sign-in until confirmTotp has seen a code made from it.
 */
export async function startTotpEnrolment(deps: SecondFactorDeps, userId: number): Promise<TotpEnrolment> {
  const row = await findUserById(deps.db, userId);
  if (!row) throw new AppError('USER_NOT_FOUND', 'There is no such user.', { detail: `user ${userId}` });
  if (row.totp_enabled_at !== null)
    throw new AppError('BAD_REQUEST', 'The second factor is already on. Turn it off first to set up a new one.');
  const secret = new Secret({ size: 20 }).base32;
  await updateUser(deps.db, userId, { totp_secret: secret, totp_enabled_at: null, totp_last_step: null });
  deps.noteWrite?.(NOTHING_CHANGED);
  return pendingEnrolment(deps, { ...row, totp_secret: secret });
}

/** The secret waiting for its first code, if the person has started enrolment and not finished it. */
export async function pendingTotpEnrolment(deps: SecondFactorDeps, userId: number): Promise<TotpEnrolment | undefined> {
  const row = await findUserById(deps.db, userId);
  if (!row || row.totp_secret === null || row.totp_enabled_at !== null) return undefined;
  return pendingEnrolment(deps, row);
}

async function pendingEnrolment(deps: SecondFactorDeps, row: UserRow): Promise<TotpEnrolment> {
  const totp = await totpOf(deps, row);
  return { secret: row.totp_secret ?? '', uri: totp.toString() };
}

/** Turns the second factor on once the person shows a code made from the new secret. */
export async function confirmTotp(
  deps: SecondFactorDeps,
  input: { userId: number; code: string; password: string; ip: string },
): Promise<void> {
  const row = await findUserById(deps.db, input.userId);
  if (!row?.totp_secret || row.totp_enabled_at !== null)
    throw new AppError('BAD_REQUEST', 'There is no second factor waiting to be confirmed. Start again.');
  // Turning it on changes how the owner of the account signs in: the password is asked, as for turning it off.
  if (!(input.password && (await isCurrentPassword(deps, row.id, input.password))))
    throw new AppError('CURRENT_PASSWORD_WRONG', 'That is not your current password.', {
      fields: { password: 'That is not your current password.' },
    });
  await useCode(deps, row, input.code, input.ip);
  await updateUser(deps.db, row.id, { totp_enabled_at: deps.clock.now().toISOString() });
  deps.noteWrite?.(NOTHING_CHANGED);
}

/**
 * Turns the second factor off (or drops an unconfirmed one). When it is on, this needs a current code or the
 * current password: a session left open on a shared computer must not be enough.
 */
export async function disableTotp(
  deps: SecondFactorDeps,
  input: { userId: number; code: string; password: string; ip: string },
): Promise<void> {
  const row = await findUserById(deps.db, input.userId);
  if (!row) throw new AppError('USER_NOT_FOUND', 'There is no such user.', { detail: `user ${input.userId}` });
  if (row.totp_enabled_at !== null) {
    if (input.code.trim() !== '') await useCode(deps, row, input.code, input.ip);
    else if (!(input.password && (await isCurrentPassword(deps, row.id, input.password))))
      throw new AppError('CURRENT_PASSWORD_WRONG', 'Type a code from your app, or your current password.', {
        fields: { code: 'Type a code from your app, or your current password.' },
        detail: `user ${row.id}`,
      });
  }
  await updateUser(deps.db, row.id, { totp_secret: null, totp_enabled_at: null, totp_last_step: null });
  deps.noteWrite?.(NOTHING_CHANGED);
}

/**
 * The second step of signing in: the token signIn gave after the right password (valid SECOND_STEP_MINUTES,
 * void once the password changes) and a code. Only now is a session made.
 */
export async function completeSignIn(
  deps: SecondFactorDeps,
  input: { token: string; code: string; ip: string },
): Promise<{ token: string } & SignedIn> {
  const row = await userOfToken(deps, 'sign-in-second-step', input.token);
  if (row.totp_enabled_at === null || row.totp_secret === null) return startSession(deps, row);
  await useCode(deps, row, input.code, input.ip);
  return startSession(deps, row);
}

/** The user a second-step token speaks for (to show their email on the code form), or SIGN_IN_STEP_EXPIRED. */
export async function checkSecondStep(deps: SecondFactorDeps, token: string): Promise<{ email: string }> {
  const row = await userOfToken(deps, 'sign-in-second-step', token);
  return { email: row.email };
}
