import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../modules/shared/errors.ts';
import { ASSETS } from '../kit/assets.ts';
import { Params, Text, typed } from '../kit/schemas.ts';
import type { WebDeps } from '../kit/web-deps.ts';
import { RestParams } from '../reader/reader.schemas.ts';

const MEDIA_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
};

/**
 * Hashed stylesheet and icon from memory; media files from the data folder, then from the demo's own drawings
 * (`deps.demoMediaDir`: every node serves them, whichever seeded the demo), never outside those folders.
 */
export function registerAssetRoutes(app: FastifyInstance, deps: WebDeps): void {
  const r = typed(app);
  r.get('/assets/:file', { schema: { params: Params({ file: Text(300) }) } }, async (req, reply) => {
    const asset = ASSETS.get(req.params.file);
    if (!asset) throw new AppError('NOT_FOUND', 'There is no such file.');
    reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('vary', 'accept-encoding')
      .type(asset.contentType);
    if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? ''))
      return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  });

  app.get('/favicon.ico', async (_req, reply) => {
    const icon = [...ASSETS.entries()].find(([name]) => name.startsWith('favicon.'));
    return reply.redirect(`/assets/${icon?.[0] ?? ''}`, 301);
  });

  const roots = [deps.mediaDir, deps.demoMediaDir].filter((d) => d !== undefined).map((d) => resolve(d));
  r.get('/media/*', { schema: { params: RestParams } }, async (req, reply) => {
    const rel = req.params['*'];
    const type = MEDIA_TYPES[extname(rel).toLowerCase()];
    if (!type || rel.includes('\0')) throw new AppError('NOT_FOUND', 'There is no such file.');
    let file: string | undefined;
    let size = 0;
    for (const root of roots) {
      const candidate = resolve(root, rel);
      if (!candidate.startsWith(root + sep)) throw new AppError('NOT_FOUND', 'There is no such file.');
      const info = await stat(candidate).catch(() => undefined);
      if (info?.isFile()) {
        file = candidate;
        size = info.size;
        break;
      }
    }
    if (!file) throw new AppError('NOT_FOUND', 'There is no such file.');
    // Our SVGs are drawings, not documents: no script may run in one even when opened on its own.
    return reply
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
      .header('cache-control', 'public, max-age=3600')
      .header('content-length', size)
      .type(type)
      .send(createReadStream(file));
  });
}
