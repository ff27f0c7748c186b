import type { Db, UserRole } from '../../storage/schema.ts';
import type { Change } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

export const USER_ROLES = [
  'owner',
  'admin',
  'editor',
  'author',
  'contributor',
  'moderator',
] as const satisfies readonly UserRole[];

/** A person who can sign in to the administration. Never carries the password hash. */
export interface User {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  createdAt: string;
  disabledAt: string | null;
  hasPassword: boolean;
  /** The byline (authors.id) this account writes under, if any. */
  authorId: number | null;
  /** True once a TOTP second factor is confirmed: sign-in then asks for a code after the password. */
  totpEnabled: boolean;
}

/** A signed-in person and the session they are using (its token is never kept, only its hash). */
export interface SignedIn {
  user: User;
  session: { tokenHash: string; expiresAt: string };
}

/** What the account use cases need. */
export interface AccountsDeps {
  db: Db;
  clock: Clock;
  /** Told of writes readers do not see (a second-factor step used up), so other nodes keep their caches. */
  noteWrite?: (change: Change) => void;
}

/** Sign-in also needs the failure counter that slows down password guessing. */
export interface SignInDeps extends AccountsDeps {
  throttle: SignInThrottle;
}

/** Sign-in links are absolute URLs on the site. */
export interface SignInLinkDeps extends AccountsDeps {
  /** Site origin without a trailing slash, as in WebDeps.baseUrl. */
  baseUrl: string;
}

/**
 * Counts attempts per key over a sliding window (see rate-window.ts); held by the web app, in this process or
 * shared by every node through Redis (then a call may fail with SharedStateUnavailableError).
 */
export interface AttemptCounter {
  /** True when `key` already has `limit` attempts within the window ending at `now`. */
  isLimited(key: string, limit: number, now: Date): Promise<boolean>;
  record(key: string, now: Date): Promise<void>;
  clear(key: string): Promise<void>;
}

/** Sign-in's second step and the account page's code checks count wrong codes here. */
export interface SecondFactorDeps extends AccountsDeps {
  codeAttempts: AttemptCounter;
}
