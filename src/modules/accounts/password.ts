import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify } from '@node-rs/argon2';

/**
 * Passwords are stored only as argon2id hashes (PHC strings) with OWASP's minimum parameters: 19 MiB, two
 * passes, one lane. @node-rs/argon2 uses argon2id by default; its Algorithm enum is an ambient const enum that
 * isolated modules cannot read, so the default is relied on and checked in the tests.
 */
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export const PASSWORD_MIN_LENGTH = 12;
/** Long enough for any passphrase; short enough that hashing cannot be used to tie up the server. */
export const PASSWORD_MAX_LENGTH = 1000;

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (password.trim() === '') return 'A password cannot be only spaces.';
  return undefined;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'), PARAMS);
}

/** True when `password` matches `stored`; false for a wrong password or a stored value that is not a hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH * 4) return false;
  try {
    return await verify(stored, password.normalize('NFC'));
  } catch {
    return false;
  }
}

/** A stored hash made with weaker parameters than today's, to be replaced at the next sign-in. */
export function needsRehash(stored: string): boolean {
  try {
    const o = parseOptions(stored);
    return o.algorithm !== 2 || o.memoryCost < PARAMS.memoryCost || o.timeCost < PARAMS.timeCost;
  } catch {
    return true;
  }
}

let dummy: Promise<string> | undefined;

/**
 * A hash of nothing anyone knows, made once with today's parameters. Sign-in verifies against it when there is no
 * account (or no password), so a wrong email costs as long as a wrong password.
 */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hash(randomBytes(24).toString('base64url'), PARAMS);
  return dummy;
}
