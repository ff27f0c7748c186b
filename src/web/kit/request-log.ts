import type { FastifyInstance } from 'fastify';

// What the server says about the requests it answers: one line per request at `debug` only, and at `info` one
// summary line a minute (how many, how many failed, how long they took), so the default log stays readable.

/** The most durations kept for one minute's percentiles; past it the summary's percentiles use the first ones. */
const MAX_SAMPLES = 100_000;

/** One minute's requests, as the summary line gives them. */
export interface RequestSummary {
  requests: number;
  /** Answers with a 5xx status. */
  errors: number;
  /** Answers with a 4xx status. */
  refused: number;
  /** Page-cache hits answered before the router (decision 018): counted, not timed. */
  cacheHits: number;
  p50Ms: number;
  p99Ms: number;
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);

/** Counts and times the requests of the current interval; `take` returns them and starts the next. */
export class RequestStats {
  private durations: number[] = [];
  private requests = 0;
  private errors = 0;
  private refused = 0;

  record(status: number, ms: number): void {
    this.requests++;
    if (status >= 500) this.errors++;
    else if (status >= 400) this.refused++;
    if (this.durations.length < MAX_SAMPLES) this.durations.push(ms);
  }

  /** The interval's summary (null when nothing was asked), and a fresh interval. */
  take(cacheHits: number): RequestSummary | null {
    if (this.requests === 0 && cacheHits === 0) return null;
    const sorted = Float64Array.from(this.durations).sort();
    const summary: RequestSummary = {
      requests: this.requests + cacheHits,
      errors: this.errors,
      refused: this.refused,
      cacheHits,
      p50Ms: Math.round(percentile(sorted, 0.5) * 10) / 10,
      p99Ms: Math.round(percentile(sorted, 0.99) * 10) / 10,
    };
    this.durations = [];
    this.requests = 0;
    this.errors = 0;
    this.refused = 0;
    return summary;
  }
}

/**
 * Logs each answered request at `debug` (method, address, status, milliseconds) and a summary every
 * `intervalMs` at `info`. `cacheHits()` reads and resets the count of hits answered before Fastify.
 */
export function logRequests(app: FastifyInstance, opts: { intervalMs: number; cacheHits: () => number }): void {
  const stats = new RequestStats();
  app.addHook('onResponse', async (req, reply) => {
    const ms = reply.elapsedTime;
    stats.record(reply.statusCode, ms);
    req.log.debug(
      { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(ms * 10) / 10 },
      'request',
    );
  });
  const report = () => {
    const summary = stats.take(opts.cacheHits());
    if (summary) app.log.info(summary, 'requests in the last minute');
  };
  const timer = setInterval(report, opts.intervalMs);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}
