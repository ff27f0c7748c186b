import type { FastifyInstance } from 'fastify';
import { AppError } from '../../modules/shared/errors.ts';
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

  // The page cache's counters for Prometheus (issue 14), to this machine only: behind a proxy that the node
  // trusts (ANNALIST_TRUST_PROXY) the reader's own address is checked, so the public never sees them.
  app.get('/metrics', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    if (!isLoopback(req.ip))
      throw new AppError('NOT_FOUND', 'There is nothing at this address.', { detail: '/metrics from outside' });
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(metricsText(ctx));
  });
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || ip.startsWith('127.');
}

/** Prometheus text exposition of the page cache's counters (zero without a cache). */
function metricsText(ctx: WebContext): string {
  const stats = ctx.pages?.cache.stats() ?? { hits: 0, misses: 0, stale: 0, evictions: 0, entries: 0, bytes: 0 };
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  metric('annalist_page_cache_hits_total', 'counter', 'Pages answered from the page cache.', stats.hits);
  metric(
    'annalist_page_cache_misses_total',
    'counter',
    'Pages rendered because the cache had no current copy.',
    stats.misses,
  );
  metric(
    'annalist_page_cache_stale_total',
    'counter',
    'Pages served stale while another request rendered them.',
    stats.stale,
  );
  metric(
    'annalist_page_cache_evictions_total',
    'counter',
    'Pages dropped to keep the cache within its size.',
    stats.evictions,
  );
  metric('annalist_page_cache_entries', 'gauge', 'Pages kept now.', stats.entries);
  metric(
    'annalist_page_cache_bytes',
    'gauge',
    'Bytes the kept pages take (bodies, pieces, compressed copies).',
    stats.bytes,
  );
  return `${lines.join('\n')}\n`;
}
