import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../modules/shared/errors.ts';

/**
 * The pieces of HTTP the administration needs around an accounts session: the cookie, the same-origin and
 * CSRF checks every POST passes, and a small form-body parser.
 */
export const SESSION_COOKIE = 'annalist_session';
const FORM_BODY_LIMIT = 64 * 1024;

export function readSessionCookie(req: FastifyRequest): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** HttpOnly (no script reads it), SameSite=Lax (not sent on other sites' POSTs), Secure on an https site. */
export function sessionCookie(token: string, expiresAt: string, now: Date, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((new Date(expiresAt).getTime() - now.getTime()) / 1000));
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

const csrfFailed = (detail: string) =>
  new AppError(
    'CSRF_FAILED',
    'This form could not be checked, so nothing was changed. Go back, reload the page and send it again.',
    { detail },
  );

/**
 * A POST must come from a page of this site: an Origin header, when the browser sends one, must be the site's
 * configured origin or the origin the request was addressed to (its Host).
 */
export function checkOrigin(req: FastifyRequest, baseUrl: string): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (origin === new URL(baseUrl).origin) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === undefined || host !== req.headers.host) throw csrfFailed(`origin ${origin.slice(0, 100)}`);
}

/** The per-session CSRF token: an HMAC of the session's token hash with the site secret, so it needs no storage. */
export function csrfTokenFor(secret: Buffer, tokenHash: string): string {
  return createHmac('sha256', secret).update(`csrf\n${tokenHash}`).digest('base64url');
}

export function checkCsrfToken(secret: Buffer, tokenHash: string, given: string | null): void {
  if (!given) throw csrfFailed('no csrf field');
  const expected = Buffer.from(csrfTokenFor(secret, tokenHash));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw csrfFailed('wrong csrf token');
}

/**
 * Parses application/x-www-form-urlencoded bodies (up to 64 KB) into URLSearchParams, for routes in `scope`
 * only, unless the app already has a form parser (Fastify has none of its own).
 */
export function addFormParser(scope: FastifyInstance): void {
  if (scope.hasContentTypeParser('application/x-www-form-urlencoded')) return;
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_req, body, done) => done(null, new URLSearchParams(body as string)),
  );
}

/** The parsed form of a POST, or a 400 when the body was not a form. */
export function formOf(req: FastifyRequest): URLSearchParams {
  const body = req.body;
  if (body instanceof URLSearchParams) return body;
  // The app-wide parser gives { name: value | [values] } (only strings: it is built from URLSearchParams).
  const isForm = req.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded');
  if (isForm && body && typeof body === 'object' && !Array.isArray(body)) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      for (const item of Array.isArray(v) ? v : [v]) if (typeof item === 'string') form.append(k, item);
    }
    return form;
  }
  throw new AppError('BAD_REQUEST', 'The form could not be read.', { detail: 'body is not a form' });
}
