import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../../modules/shared/errors.ts';

/**
 * The one same-origin policy for browser POSTs, staff and readers alike. The page that sent the form is named by
 * the Origin header, or, when a browser sends none, by the Referer's origin. Without either it is not a browser
 * form (curl, a feed reader): the form token or the staff CSRF token still has to be right. Otherwise the origin
 * must be the site's configured one, or the address the request was sent to (its Host) with the configured
 * scheme: an https site never takes a form from an http page of the same host. A malformed Referer and the
 * "null" origin of sandboxed or privacy-stripped pages are refused.
 */
export function sameOrigin(req: { headers: IncomingHttpHeaders }, baseUrl: string): boolean {
  const { origin, referer, host } = req.headers;
  const sender = origin ?? (referer === undefined ? undefined : originOf(referer));
  if (sender === undefined) return true;
  const site = new URL(baseUrl);
  if (sender === site.origin) return true;
  const from = parsed(sender);
  return from !== undefined && from.protocol === site.protocol && from.host === host?.toLowerCase();
}

/**
 * A reader's post (a form, the comment API, the form token, held comments) that the policy above refuses: thrown
 * as CROSS_ORIGIN_REQUEST with the words the route gives. Staff posts are refused as a CSRF failure instead
 * (src/web/admin/session.ts).
 */
export function refuseCrossOrigin(req: { headers: IncomingHttpHeaders }, baseUrl: string, message: string): void {
  if (!sameOrigin(req, baseUrl)) throw new AppError('CROSS_ORIGIN_REQUEST', message);
}

function parsed(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

const originOf = (url: string): string => parsed(url)?.origin ?? 'null';
