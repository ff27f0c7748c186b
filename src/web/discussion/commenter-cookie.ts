import type { FastifyReply, FastifyRequest } from 'fastify';
import { COMMENTER_PROOF_MAX_AGE_S } from '../../modules/comments/returning-commenter.ts';
import { readCookie } from '../kit/cookies.ts';

/**
 * The returning-commenter cookie (decision 021) carries the signed token the comment workflow reads and renews:
 * which comments this browser sent and which addresses were confirmed in it. HttpOnly, so page scripts never see
 * it; SameSite=Lax, so it also comes with a confirmation link opened from a mail program. The form and the
 * comment island (a same-origin fetch) send and receive it alike.
 */
export const COMMENTER_COOKIE = 'annalist_commenter';

/** The token the browser sent, or null. */
export function commenterToken(req: FastifyRequest): string | null {
  return readCookie(req.headers.cookie, COMMENTER_COOKIE) ?? null;
}

/** Hands the browser its renewed token (next to any other cookie the answer sets). */
export function setCommenterCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.header(
    'set-cookie',
    `${COMMENTER_COOKIE}=${token}; Path=/; Max-Age=${COMMENTER_PROOF_MAX_AGE_S}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
  );
}
