import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { hasCookie, SESSION_COOKIE } from './cookies.ts';
import { FORM_COOKIE, formTokenCookie } from './form-token.ts';
import type { ContentGeneration } from './generation.ts';
import { encodedBody, type PageCache } from './page-cache.ts';

// Each cached body (plain, gzip or br) with the headers it is sent with, as the flat list writeHead takes.
const headerLists = new WeakMap<Buffer, { full: string[]; notModified: string[] }>();

/** What the fast path needs from the app; buildApp() makes it from the same objects its onRequest hook uses. */
export interface FastPathDeps {
  cache: PageCache;
  generation: ContentGeneration;
  /** The headers every answer carries (CSP and the rest), exactly as the onRequest hook sets them. */
  securityHeaders: Readonly<Record<string, string>>;
  /** The site's signing key, for the form-token cookie. */
  secret: () => Promise<Buffer>;
  now: () => Date;
  secureCookies: boolean;
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
 * Location, Content-Encoding, the form-token cookie, 304, HEAD), without Fastify's request and reply objects,
 * hooks and header merging. Anything else goes to Fastify unchanged: other methods, signed-in staff, a URL not
 * in the cache, a generation that must first be checked asynchronously (the next scheduled post, Redis), an entry
 * the Fastify path has not yet served once (it learns whether the page carries the comment form), and any throw.
 */
export class FastPath {
  private deps: FastPathDeps | undefined;
  private key: Buffer | undefined;
  private keyLoading = false;

  /** For Fastify's `serverFactory` option: an http.Server that tries the fast path, then Fastify's handler. */
  readonly serverFactory = (
    handler: (req: IncomingMessage, res: ServerResponse) => void,
    opts: ServerTimeouts,
  ): Server => {
    const server = createServer(opts.http ?? {}, (req, res) => {
      if (!this.tryServe(req, res)) handler(req, res);
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
    // get() checks the generation (one read of the content version): a new one has dropped every entry.
    const hit = d.cache.get(req.url ?? '/');
    // A generation must first learn when it ends (a database read): Fastify's hook awaits that.
    if (hit?.formToken === undefined || d.generation.expiryPending) return false;
    const { body, encoding } = encodedBody(hit, headers['accept-encoding']);
    // The headers of a hit depend only on the entry and its encoding: built once, kept with the entry.
    let fixed = headerLists.get(body);
    if (!fixed) {
      const out: Record<string, string> = { ...d.securityHeaders };
      out['x-cache'] = 'hit';
      out.etag = hit.etag;
      out['cache-control'] = 'no-cache';
      out.vary = 'accept-encoding';
      if (hit.location) out.location = hit.location;
      const notModified = Object.entries(out).flat();
      if (encoding) out['content-encoding'] = encoding;
      out['content-type'] = hit.contentType;
      out['content-length'] = String(body.length);
      fixed = { full: Object.entries(out).flat(), notModified };
      headerLists.set(body, fixed);
    }
    const notModified = headers['if-none-match'] === hit.etag;
    let list = notModified ? fixed.notModified : fixed.full;
    // Article pages give a reader without one a form token, as the onRequest hook does (GET only).
    if (hit.formToken && method === 'GET' && !hasCookie(cookie, FORM_COOKIE)) {
      const key = this.signingKey(d);
      if (!key) return false;
      list = [...list, 'set-cookie', formTokenCookie(key, d.now(), d.secureCookies)];
    }
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

  /** The signing key once loaded; until then undefined (that request goes to Fastify) and loading starts. */
  private signingKey(d: FastPathDeps): Buffer | undefined {
    if (!this.key && !this.keyLoading) {
      this.keyLoading = true;
      d.secret().then(
        (key) => {
          this.key = key;
        },
        () => {
          this.keyLoading = false;
        },
      );
    }
    return this.key;
  }
}
