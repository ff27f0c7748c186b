import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { signToken, verifyToken } from '../../modules/shared/secret.ts';
import { readCookie } from './cookies.ts';

/**
 * Readers' forms are protected by a token in a SameSite=Strict, HttpOnly cookie. No page carries it, so that
 * cached pages send no Set-Cookie and a CDN may keep them (decision 035): a reader gets one when they start
 * writing (POST /form-token, asked for by the comment island), with a form page that is never cached (a
 * suggestion, a report), or with the answer to a post (the confirm page of a post that came without one).
 * Another site cannot make the browser send it (SameSite), a token is good for one post only (the workflows
 * record it), and its issue time tells the too-fast check how long the reader had the form.
 */
export const FORM_COOKIE = 'annalist_form';
const PURPOSE = 'form';
export const FORM_TOKEN_MAX_AGE_S = 2 * 24 * 3600;

/** A valid form token, and when it was issued (what the too-fast check measures from). */
export interface FormToken {
  token: string;
  issuedAt: Date;
}

/** Sets a fresh form token on the answer, dated `issuedAt` (now, or earlier: `shownBackIssueTime`). */
export function issueFormToken(reply: FastifyReply, secret: Buffer, issuedAt: Date, secure: boolean): void {
  reply.header('set-cookie', formTokenCookie(secret, issuedAt, secure));
}

function formTokenCookie(secret: Buffer, issuedAt: Date, secure: boolean): string {
  const token = signToken(secret, PURPOSE, `${issuedAt.getTime()}.${randomBytes(12).toString('base64url')}`);
  return `${FORM_COOKIE}=${token}; Path=/; Max-Age=${FORM_TOKEN_MAX_AGE_S}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** What a person needs, at least, to press the one button of a page that shows their own words back. */
const SHOWN_BACK_SECONDS = 1;

/**
 * The issue time written into a token that comes with an answer showing the reader's own text back, to be sent
 * with one button: the confirm page of a post that came without a token, "Check before posting", a refused post
 * (decision 035). The writing happened before that answer, where no token timed it, so the too-fast check asks
 * only for SHOWN_BACK_SECONDS on this page (a script that re-sends at once is still caught), not the whole
 * `minFormSeconds` a person needs to write a comment: the token says it was issued that much earlier.
 */
export function shownBackIssueTime(now: Date, minFormSeconds: number): Date {
  return new Date(now.getTime() - Math.max(0, minFormSeconds - SHOWN_BACK_SECONDS) * 1000);
}

/** The reader's form token and when it was issued, if it is one of ours and not too old. */
export function checkFormToken(req: FastifyRequest, secret: Buffer, now: Date): FormToken | undefined {
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
