import type { FastifyInstance } from 'fastify';
import { checkHealth } from '../../modules/site/health.service.ts';
import type { WebContext } from '../kit/web-deps.ts';

/**
 * GET /healthz for load balancers (docs/deploy.md): 200 "ok" while this node's database answers, else 503 with
 * one line. Never cached, never the page cache's answer: it must say how the node is now.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get('/healthz', async (_req, reply) => {
    const health = await checkHealth(ctx.deps.content);
    reply.header('cache-control', 'no-store').type('text/plain; charset=utf-8');
    return health.ok ? reply.send('ok\n') : reply.code(503).send(`unavailable: ${health.problem}\n`);
  });
}
