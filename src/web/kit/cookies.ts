import { parseCookie } from 'cookie';

/** The staff session cookie (set by src/web/admin/session.ts); a request carrying it never touches the page cache. */
export const SESSION_COOKIE = 'annalist_session';

/**
 * The one place a request's cookies are read (the admin session, readers' form token, the returning-commenter
 * proof, the read-your-writes generation), with the `cookie` package's parser (the one `@fastify/cookie` uses):
 * the first of a repeated name wins, values are percent-decoded when they can be. It takes the raw Cookie header
 * so that the cached fast path, which sees Node's request before Fastify, reads cookies the same way as the routes.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  // Most requests carry none of the cookie asked for: skip parsing then (the fast path asks on every cache hit).
  if (!header?.includes(name)) return undefined;
  return parseCookie(header)[name];
}

/** Whether the Cookie header carries a cookie of that name (even an empty one). */
export function hasCookie(header: string | undefined, name: string): boolean {
  return readCookie(header, name) !== undefined;
}
