import { inTransaction } from '../../storage/transaction.ts';
import { queueMail } from '../mail/outbox.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { normaliseEmail, toUser } from './accounts.service.ts';
import type { AccountsDeps, AttemptCounter, SignInLinkDeps, User } from './accounts.types.ts';
import { hashPassword, passwordProblem } from './password.ts';
import { deleteUserSessions } from './session.repository.ts';
import { findUserByEmail, updatePasswordHash } from './user.repository.ts';
import { makeUserToken, userOfToken } from './user-links.ts';

/**
 * "Forgot your password?": an emailed one-time link. The link is signed over the current password hash, so it
 * stops working the moment the password changes (whoever uses it first wins) and after RESET_LINK_MINUTES.
 */
export const RESET_LINK_MINUTES = 60;
/** Requests allowed per email and per address in an hour; counted whether or not the account exists. */
export const RESET_LIMITS = { perEmail: 3, perIp: 10, windowMs: 60 * 60_000 } as const;

export interface PasswordResetDeps extends SignInLinkDeps {
  resetAttempts: AttemptCounter;
}

const RESET_SUBJECT = 'Choose a new password';

/**
 * Queues a reset link to `email` when an account that can sign in has it; does nothing otherwise, and says
 * nothing either way (the caller answers the same in both cases). RATE_LIMITED after too many requests for
 * this email or from this address, whether or not the account exists.
 */
export async function requestPasswordReset(
  deps: PasswordResetDeps,
  input: { email: string; ip: string },
): Promise<void> {
  const email = normaliseEmail(input.email).slice(0, 300);
  const now = deps.clock.now();
  const emailKey = `reset-email:${email}`;
  const ipKey = `reset-ip:${input.ip}`;
  if (
    (await deps.resetAttempts.isLimited(emailKey, RESET_LIMITS.perEmail, now)) ||
    (await deps.resetAttempts.isLimited(ipKey, RESET_LIMITS.perIp, now))
  )
    throw new AppError('RATE_LIMITED', 'Too many password reset requests. Wait an hour, then try again.', {
      detail: `reset for ${email} from ${input.ip}`,
    });
  await deps.resetAttempts.record(emailKey, now);
  await deps.resetAttempts.record(ipKey, now);
  await inTransaction(deps.db, async (trx) => {
    const row = email.length <= 254 ? await findUserByEmail(trx, email) : undefined;
    if (!row || row.disabled_at !== null) return;
    const { token } = await makeUserToken({ ...deps, db: trx }, 'password-reset', row, RESET_LINK_MINUTES * 60_000);
    const site = await getSiteSettings({ db: trx });
    await queueMail(trx, deps.clock, {
      to: row.email,
      subject: RESET_SUBJECT,
      text: [
        `Hello ${row.name},`,
        '',
        `Someone (we hope you) asked to reset your password on ${site.title}.`,
        `Choose a new one with this link. It works once, for ${RESET_LINK_MINUTES} minutes:`,
        '',
        `${deps.baseUrl}/admin/reset-password?token=${token}`,
        '',
        'If it was not you, ignore this message: your password stays as it is.',
      ].join('\n'),
    });
  });
}

/** The person a reset link is for, while it works; SIGN_IN_LINK_INVALID otherwise. */
export async function checkResetLink(deps: AccountsDeps, token: string): Promise<User> {
  return toUser(await userOfToken(deps, 'password-reset', token));
}

/**
 * Sets the new password and ends every session of the person, in one transaction that checks the link again
 * (two tabs racing with one link: the second sees the password changed and is refused). Does not sign in:
 * the person signs in with the new password, and with their code when they have a second factor.
 */
export async function resetPassword(deps: AccountsDeps, input: { token: string; password: string }): Promise<User> {
  await userOfToken(deps, 'password-reset', input.token);
  const problem = passwordProblem(input.password);
  if (problem) throw new AppError('PASSWORD_REJECTED', problem, { fields: { password: problem } });
  const hashed = await hashPassword(input.password);
  const user = await inTransaction(deps.db, async (trx) => {
    const row = await userOfToken({ ...deps, db: trx }, 'password-reset', input.token);
    await updatePasswordHash(trx, row.id, hashed);
    await deleteUserSessions(trx, row.id);
    return toUser({ ...row, password_hash: hashed });
  });
  deps.noteWrite?.(NOTHING_CHANGED);
  return user;
}
