import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../modules/shared/errors.ts';
import { isSlug } from '../../modules/shared/slug.ts';
import { sendBody } from './render.tsx';
import type { WebContext } from './web-deps.ts';

/** A request whose address has a slug (`/:slug/…`). */
export type SlugRequest = Pick<FastifyRequest, 'url'> & { params: { slug: string } };

/** The 404 of an address that cannot lead anywhere. */
export const notFound = (what: string) =>
  new AppError('NOT_FOUND', 'There is nothing at this address. It may have moved, or the link may be mistyped.', {
    detail: what.slice(0, 200),
  });

/** The :slug of a route, or a 404 when it cannot be a slug (empty, upper case, punctuation). */
export function slugParam(req: SlugRequest): string {
  const { slug } = req.params;
  if (!isSlug(slug)) throw notFound(req.url);
  return slug;
}

/** Permanent redirect to `location`, keeping the query string (kept in the page cache like any page). */
export function redirect(ctx: WebContext, req: FastifyRequest, reply: FastifyReply, location: string) {
  const q = req.url.indexOf('?');
  const target = q >= 0 ? location + req.url.slice(q) : location;
  return sendBody(ctx, req, reply, {
    status: 301,
    contentType: 'text/plain; charset=utf-8',
    body: `Moved to ${target}`,
    location: target,
  });
}
