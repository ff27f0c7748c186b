import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { hasCookie, SESSION_COOKIE } from './cookies.ts';
import type { ContentGeneration } from './generation.ts';
import type { PagePipeline } from './page-pipeline.ts';
import { SEEN_COOKIE } from './shared-pages.ts';

// Each cached body (plain, gzip or br) with the headers it is sent with, as the flat list writeHead takes.
const headerLists = new WeakMap<Buffer, { full: string[]; notModified: string[] }>();
const staleHeaderLists = new WeakMap<Buffer, { full: string[]; notModified: string[] }>();

/** What the fast path needs from the app; buildApp() makes it from the same objects its onRequest hook uses. */
export interface FastPathDeps {
  pages: PagePipeline;
  generation: ContentGeneration;
  /** Brings in the changes other processes made (Site.changes.poll): synchronous. */
  poll: () => void;
  /** The headers every answer carries (CSP and the rest), exactly as the onRequest hook sets them. */
  securityHeaders: Readonly<Record<string, string>>;
  /**
   * True when the request must first learn the shared generation from Redis (an await): the fast path then
   * leaves it to Fastify. Absent without Redis.
   */
  mustRefresh?: (req: IncomingMessage) => boolean;
  log: { error(obj: object, msg: string): void };
}

/** The subset of Fastify's server options its own http.Server is built from (lib/server.js). */
interface ServerTimeouts {
  http?: ServerOptions | null;
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
  maxRequestsPerSocket?: number | null;
}

/**
 * Answers first-level page-cache hits before Fastify sees the request (decision 018): the same status and
 * headers as the onRequest hook in app.ts gives for a hit (security headers, x-cache, ETag, Cache-Control, Vary,
 * Location, Content-Encoding, 304, HEAD; never a Set-Cookie: decision 035), without Fastify's request and reply
 * objects, hooks and header merging; a stale page within its bound when no render is due yet (decision 036).
 * Anything else goes to Fastify unchanged: other methods, signed-in staff, a URL not in the cache, a render due or
 * under way for a writer, widget areas that must first be reloaded, a generation that must first be checked
 * asynchronously (the next scheduled post, Redis), and any throw.
 */
export class FastPath {
  private deps: FastPathDeps | undefined;
  /** Hits answered since the last `takeHits()` (the request log's summary counts them). */
  private hits = 0;

  /** The hits answered since the last call, counted again from zero. */
  takeHits(): number {
    const n = this.hits;
    this.hits = 0;
    return n;
  }

  /** For Fastify's `serverFactory` option: an http.Server that tries the fast path, then Fastify's handler. */
  readonly serverFactory = (
    handler: (req: IncomingMessage, res: ServerResponse) => void,
    opts: ServerTimeouts,
  ): Server => {
    const server = createServer(opts.http ?? {}, (req, res) => {
      if (this.tryServe(req, res)) this.hits++;
      else handler(req, res);
    });
    // As Fastify configures the server it makes itself.
    if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
    if (opts.requestTimeout !== undefined) server.requestTimeout = opts.requestTimeout;
    server.setTimeout(opts.connectionTimeout ?? 0);
    if (opts.maxRequestsPerSocket) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
    return server;
  };

  /** Starts answering hits (no page cache: never call it). */
  enable(deps: FastPathDeps): void {
    this.deps = deps;
  }

  /** Stops answering: from then on Fastify answers everything (e.g. its 503 while closing). */
  disable(): void {
    this.deps = undefined;
  }

  /** Answers `req` from the page cache and says true, or leaves `res` untouched and says false. */
  tryServe(req: IncomingMessage, res: ServerResponse): boolean {
    const d = this.deps;
    if (!d) return false;
    try {
      return this.serveHit(d, req, res);
    } catch (err) {
      d.log.error({ err, url: req.url }, 'page cache fast path failed');
      if (!res.headersSent) return false; // Fastify answers instead
      res.destroy();
      return true;
    }
  }

  private serveHit(d: FastPathDeps, req: IncomingMessage, res: ServerResponse): boolean {
    const { method, headers } = req;
    if ((method !== 'GET' && method !== 'HEAD') || headers.authorization) return false;
    const cookie = headers.cookie;
    if (hasCookie(cookie, SESSION_COOKIE) || d.mustRefresh?.(req)) return false;
    // Changes made elsewhere first, then the generation (a scheduled post going live is a change too).
    d.poll();
    d.generation.check();
    // A generation must first learn when it ends (a database read): Fastify's hook awaits that.
    if (d.generation.expiryPending) return false;
    // A fresh page, or a stale one within its bound that no render is due for yet (never to a writer); a render, a
    // wait for one, or widget areas that must first be reloaded are Fastify's.
    const url = req.url ?? '/';
    const now = d.pages.now();
    const staleOk = !hasCookie(cookie, SEEN_COOKIE);
    const found = d.pages.cache.lookup(url, now, d.pages.areasFor(now, staleOk), staleOk);
    if (!found || (!found.fresh && !d.pages.mayServeStale(url, found))) return false;
    if (!found.fresh) d.pages.cache.countStale();
    const hit = found.page;
    const { body, encoding } = d.pages.cache.encoded(url, hit, headers['accept-encoding']);
    // The headers of a hit depend only on the entry, its encoding and its freshness: built once, kept with the body.
    const lists = found.fresh ? headerLists : staleHeaderLists;
    let fixed = lists.get(body);
    if (!fixed) {
      const out: Record<string, string> = { ...d.securityHeaders };
      out['x-cache'] = found.fresh ? 'hit' : 'stale';
      Object.assign(out, d.pages.headersFor(hit, !found.fresh));
      if (hit.location) out.location = hit.location;
      const notModified = Object.entries(out).flat();
      if (encoding) out['content-encoding'] = encoding;
      out['content-type'] = hit.contentType;
      out['content-length'] = String(body.length);
      fixed = { full: Object.entries(out).flat(), notModified };
      lists.set(body, fixed);
    }
    const notModified = headers['if-none-match'] === hit.etag;
    let list = notModified ? fixed.notModified : fixed.full;
    if (notModified) {
      if (method === 'HEAD') list = [...list, 'content-length', '0'];
      res.writeHead(304, list);
      res.end();
      return true;
    }
    res.writeHead(hit.status, list);
    if (method === 'HEAD') res.end();
    else res.end(body);
    return true;
  }
}
