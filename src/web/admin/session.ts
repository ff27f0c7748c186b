import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../modules/shared/errors.ts';
import { readCookie, SESSION_COOKIE } from '../kit/cookies.ts';
import { sameOrigin } from '../kit/same-origin.ts';

/**
 * The pieces of HTTP the administration needs around an accounts session: the cookie, the same-origin and
 * CSRF checks every POST passes, and reading a parsed form (the app-wide parser in web/app.ts gives it).
 */
export { SESSION_COOKIE };

export function readSessionCookie(req: FastifyRequest): string | undefined {
  return readCookie(req.headers.cookie, SESSION_COOKIE);
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

/** A staff POST must come from a page of this site (the policy of src/web/kit/same-origin.ts), or CSRF_FAILED. */
export function checkOrigin(req: FastifyRequest, baseUrl: string): void {
  if (!sameOrigin(req, baseUrl))
    throw csrfFailed(`origin ${(req.headers.origin ?? req.headers.referer ?? '').slice(0, 100)}`);
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
 * The CSRF token a POST carries: in its form, or, for a multipart upload (whose body is read only later, by the
 * route), in its address (`/admin/media?csrf=…`, as the upload forms put it).
 */
export function csrfFieldOf(req: FastifyRequest): string | null {
  if (req.headers['content-type']?.toLowerCase().startsWith('multipart/form-data')) {
    const query: unknown = req.query;
    const csrf = typeof query === 'object' && query !== null ? Reflect.get(query, 'csrf') : undefined;
    return typeof csrf === 'string' ? csrf : null;
  }
  return formOf(req).get('csrf');
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
