import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { signToken, verifyToken } from '../../modules/shared/secret.ts';
import { readCookie } from './cookies.ts';

/**
 * Readers' forms are protected by a token in a SameSite=Strict, HttpOnly cookie rather than in the page, so
 * that article pages stay cacheable for everyone. Another site cannot make the browser send it (SameSite), a
 * token is good for one post only (the comment workflow records it), and its issue time tells the too-fast
 * check how long the reader had the form.
 */
export const FORM_COOKIE = 'annalist_form';
const PURPOSE = 'form';
export const FORM_TOKEN_MAX_AGE_S = 2 * 24 * 3600;

export function issueFormToken(reply: FastifyReply, secret: Buffer, now: Date, secure: boolean): void {
  reply.header('set-cookie', formTokenCookie(secret, now, secure));
}

// Every page view of a reader without a cookie needs a nonce: one call into OpenSSL per view roughly halved the
// cached article's rate under load (bench/run.sh), so random bytes are drawn 4 KiB at a time, each used once.
let noncePool = Buffer.alloc(0);
let nonceAt = 0;
function nonce(): string {
  if (nonceAt + 12 > noncePool.length) {
    noncePool = randomBytes(4096);
    nonceAt = 0;
  }
  nonceAt += 12;
  return noncePool.toString('base64url', nonceAt - 12, nonceAt);
}

/** The Set-Cookie value of a fresh form token (also sent by the cached fast path, src/web/kit/fast-path.ts). */
export function formTokenCookie(secret: Buffer, now: Date, secure: boolean): string {
  const token = signToken(secret, PURPOSE, `${now.getTime()}.${nonce()}`);
  return `${FORM_COOKIE}=${token}; Path=/; Max-Age=${FORM_TOKEN_MAX_AGE_S}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The reader's form token and when it was issued, if it is one of ours and not too old. */
export function checkFormToken(
  req: FastifyRequest,
  secret: Buffer,
  now: Date,
): { token: string; issuedAt: Date } | undefined {
  const token = readCookie(req.headers.cookie, FORM_COOKIE);
  if (!token) return undefined;
  const payload = verifyToken(secret, PURPOSE, token);
  const issued = payload ? Number(payload.split('.')[0]) : Number.NaN;
  if (
    !Number.isFinite(issued) ||
    now.getTime() - issued > FORM_TOKEN_MAX_AGE_S * 1000 ||
    issued > now.getTime() + 60_000
  )
    return undefined;
  return { token, issuedAt: new Date(issued) };
}
