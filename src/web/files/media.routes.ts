import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { readMediaFile } from '../../modules/media/media.service.ts';
import { STORED_NAME_SOURCE } from '../../modules/media/media-names.ts';
import { AppError } from '../../modules/shared/errors.ts';
import { Params, Text, typed } from '../kit/schemas.ts';
import type { WebContext } from '../kit/web-deps.ts';

/**
 * Uploaded images, served from the database (media_files) under their stored names, e.g.
 * /media/12-1600x1067-480w.webp. A name never changes its bytes (ids are never reused), so browsers keep them
 * for a year without asking again. Other names under /media/ (the demo's drawings) are files of the data
 * folder, served by routes/assets.ts: the route pattern only matches our naming scheme.
 */
export function registerMediaRoutes(app: FastifyInstance, ctx: WebContext): void {
  const deps = ctx.deps.content;
  const r = typed(app);
  const schema = { params: Params({ name: Text(300) }) };
  r.get(`/media/:name(^${STORED_NAME_SOURCE}$)`, { schema }, async (req, reply) => {
    const { name } = req.params;
    const file = await readMediaFile(deps, name);
    if (!file) throw new AppError('NOT_FOUND', 'There is no such image. It may have been deleted.', { detail: name });
    const etag = `"${createHash('sha256').update(file.bytes).digest('base64url').slice(0, 27)}"`;
    reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', etag)
      .header('x-content-type-options', 'nosniff');
    if (ifNoneMatch(req.headers['if-none-match'], etag)) return reply.code(304).send();
    return reply.type(file.contentType).header('content-length', file.bytes.length).send(file.bytes);
  });
}

/** True when an If-None-Match header lists `etag` (or is "*"); weak comparison, as for GET. */
function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}
