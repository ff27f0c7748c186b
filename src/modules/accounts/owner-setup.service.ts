import { randomBytes } from 'node:crypto';
import { inTransaction } from '../../storage/transaction.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { getSiteSecret, signToken, verifyToken } from '../shared/secret.ts';
import { normaliseEmail, personFieldProblems, startSession } from './accounts.service.ts';
import type { AccountsDeps, SignedIn, SignInLinkDeps } from './accounts.types.ts';
import { hashPassword, passwordProblem } from './password.ts';
import { countOwnersWithPassword, findUserByEmail, insertUser } from './user.repository.ts';
import { isTokenUsed, markTokenUsed } from './user-links.ts';

/**
 * First run without the command line (the demo): while no owner can sign in, `annalist serve` prints a
 * one-time setup link. Whoever opens it names the first owner, chooses the password and is signed in. Never a
 * default password. The link works once, expires, and stops working as soon as any owner has a password.
 */
export const SETUP_LINK_HOURS = 24;
const PURPOSE = 'owner-setup';

const setupRefused = (detail: string) =>
  new AppError(
    'SIGN_IN_LINK_INVALID',
    'This setup link does not work: it has been used, has expired, the site already has an owner, or the link was copied incompletely. Restart Annalist for a new one, or ask the owner.',
    { detail: `owner setup: ${detail}` },
  );

/** True while no active owner has a password: the site cannot be administered yet. */
export async function needsOwnerSetup(deps: AccountsDeps): Promise<boolean> {
  return (await countOwnersWithPassword(deps.db)) === 0;
}

export async function createOwnerSetupLink(deps: SignInLinkDeps): Promise<{ url: string; expiresAt: string }> {
  const expires = deps.clock.now().getTime() + SETUP_LINK_HOURS * 3_600_000;
  const payload = JSON.stringify({ x: expires, n: randomBytes(12).toString('base64url') });
  const token = signToken(await getSiteSecret(deps.db), PURPOSE, payload);
  return { url: `${deps.baseUrl}/admin/setup?token=${token}`, expiresAt: new Date(expires).toISOString() };
}

/** Refuses (SIGN_IN_LINK_INVALID) unless the setup link is genuine, unexpired, unused and still needed. */
export async function checkOwnerSetupLink(deps: AccountsDeps, token: string): Promise<void> {
  const text = verifyToken(await getSiteSecret(deps.db), PURPOSE, token);
  if (text === undefined) throw setupRefused('bad signature');
  let expires: unknown;
  try {
    expires = (JSON.parse(text) as { x?: unknown }).x;
  } catch {
    throw setupRefused('bad payload');
  }
  if (typeof expires !== 'number' || expires <= deps.clock.now().getTime()) throw setupRefused('expired');
  if (await isTokenUsed(deps.db, PURPOSE, token)) throw setupRefused('used');
  if (!(await needsOwnerSetup(deps))) throw setupRefused('an owner can already sign in');
}

/**
 * Uses the setup link: adds the owner with their password and signs them in. The link is marked used in the
 * same transaction, so two tabs racing with it cannot make two owners.
 */
export async function setUpOwner(
  deps: AccountsDeps,
  input: { token: string; name: string; email: string; password: string },
): Promise<{ token: string } & SignedIn> {
  await checkOwnerSetupLink(deps, input.token);
  const email = normaliseEmail(input.email);
  const name = input.name.trim();
  const fields = personFieldProblems(email, name);
  const problem = passwordProblem(input.password);
  if (problem) fields.password = problem;
  if (Object.keys(fields).length > 0)
    throw new AppError(
      fields.password && Object.keys(fields).length === 1 ? 'PASSWORD_REJECTED' : 'BAD_REQUEST',
      Object.values(fields).join(' '),
      {
        fields,
        detail: 'owner setup',
      },
    );
  const hashed = await hashPassword(input.password);
  const row = await inTransaction(deps.db, async (trx) => {
    await checkOwnerSetupLink({ ...deps, db: trx }, input.token);
    if (await findUserByEmail(trx, email)) {
      const message = `There is already a user with the email ${email}.`;
      throw new AppError('USER_EMAIL_TAKEN', message, { fields: { email: message } });
    }
    if (!(await markTokenUsed(trx, deps.clock, PURPOSE, input.token))) throw setupRefused('used (race)');
    const values = {
      email,
      name,
      role: 'owner' as const,
      password_hash: hashed,
      created_at: isoNow(deps.clock),
      disabled_at: null,
    };
    const id = await insertUser(trx, values);
    return { id, ...values, author_id: null, totp_secret: null, totp_enabled_at: null, totp_last_step: null };
  });
  deps.noteWrite?.(NOTHING_CHANGED);
  return startSession(deps, row);
}
