import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { nextScheduledChange } from '../modules/content/reading.service.ts';
import { suggestForPath } from '../modules/search/search.service.ts';
import { AppError, isAppError } from '../modules/shared/errors.ts';
import { getSiteSecret } from '../modules/shared/secret.ts';
import { isDatabaseUnavailable } from '../storage/database-unavailable.ts';
import { SharedStateUnavailableError } from '../storage/shared-state.ts';
import { FastPath } from './fast-path.ts';
import { FORM_COOKIE, issueFormToken } from './form-token.ts';
import { ContentGeneration } from './generation.ts';
import { HTTP_ERRORS } from './http-errors.ts';
import { oldAddressLocation } from './old-addresses.ts';
import { encodedBody, PageCache } from './page-cache.ts';
import { PostRateLimit, sharedStateUnavailable } from './rate-limit.ts';
import { loadChrome, renderDocument } from './render.tsx';
import { registerAdminRoutes } from './routes/admin.tsx';
import { registerApiRoutes } from './routes/api.ts';
import { registerAssetRoutes } from './routes/assets.ts';
import { registerCommentRoutes } from './routes/comments.tsx';
import { registerCorrectionRoutes } from './routes/corrections.tsx';
import { registerFeedRoutes } from './routes/feeds.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerMediaRoutes } from './routes/media.ts';
import { registerNotificationRoutes } from './routes/notifications.tsx';
import { registerReadingRoutes } from './routes/reading.tsx';
import { SharedPages, seenCookie, seenGeneration } from './shared-pages.ts';
import { ErrorView } from './views/archive-pages.tsx';
import type { WebContext, WebDeps } from './web-deps.ts';

// Strict by default: no inline script or style, nothing from other origins.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; manifest-src 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  'cross-origin-opener-policy': 'same-origin',
};

const wantsJson = (req: FastifyRequest) => req.url.startsWith('/api/');

/**
 * Builds the whole web application without listening, so tests can call it in-process with inject().
 */
export function buildApp(deps: WebDeps): FastifyInstance {
  // Cache hits are answered before Fastify when the app listens (decision 018); inject() always goes through it.
  const fastPath = new FastPath();
  const app = Fastify({
    serverFactory: fastPath.serverFactory,
    logger: deps.logger ?? false,
    // Fastify documents a hop count as well; its types list only boolean and addresses.
    trustProxy: (deps.trustProxy ?? false) as boolean | string,
    routerOptions: { maxParamLength: 300, ignoreDuplicateSlashes: false },
    bodyLimit: 1024 * 1024,
    // A malformed URL (bad percent-encoding, invalid UTF-8) gets our readable 400 page, not Fastify's default.
    frameworkErrors: (error, req, reply) => {
      const code = error.code === 'FST_ERR_BAD_URL' ? 'INVALID_URL_ENCODING' : 'BAD_REQUEST';
      void sendError(
        req,
        reply,
        new AppError(code, 'The address could not be read. Check it for stray % signs or broken characters.', {
          cause: error,
        }),
      );
    },
  });
  const { shared } = deps;
  const generation = new ContentGeneration({
    // With shared state, a write announced by another node (or Redis coming back) also starts a new generation.
    version: shared ? () => `${deps.contentVersion()}|${shared.contentVersion()}` : deps.contentVersion,
    now: () => deps.content.clock.now().getTime(),
    nextChange: () => nextScheduledChange(deps.content),
  });
  // Reads that every page repeats (the category tree and its counts) are kept for the generation.
  deps.content.memo = (key, fn) => generation.memo(key, fn);
  const cache = deps.pageCache === false ? undefined : new PageCache(generation);
  const sharedPages = cache && shared ? new SharedPages(shared.pages, generation) : undefined;
  let secretPromise: Promise<Buffer> | undefined;
  const secret = () => {
    secretPromise ??= (deps.secret ?? (() => getSiteSecret(deps.content.db)))().catch((err: unknown) => {
      secretPromise = undefined;
      throw err;
    });
    return secretPromise;
  };
  // An editor's island previews about once a second while the writer types; a reader checks a comment a few times.
  const PREVIEWS_PER_MINUTE = 90;
  const ctx: WebContext = {
    deps,
    cache,
    sharedPages,
    generation,
    secret,
    postLimit: new PostRateLimit(deps.commentPostsPerMinute, shared?.limiter),
    previewLimit: new PostRateLimit(PREVIEWS_PER_MINUTE, shared?.limiter, 'preview'),
    limiter: shared?.limiter,
  };
  const secureCookies = deps.baseUrl.startsWith('https:');
  if (cache)
    fastPath.enable({
      cache,
      generation,
      securityHeaders: SECURITY_HEADERS,
      secret,
      now: () => deps.content.clock.now(),
      secureCookies,
      // Read-your-writes across nodes: a request that must learn the shared generation first awaits Redis.
      mustRefresh: shared ? (req) => shared.mustRefresh(seenGeneration(req.headers.cookie)) : undefined,
      log: { error: (obj, msg) => app.log.error(obj, msg) },
    });
  // While closing, Fastify answers (its 503 and `connection: close`).
  app.addHook('preClose', (done) => {
    fastPath.disable();
    done();
  });

  // Browser forms post URL-encoded bodies; Fastify parses only JSON by default.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_req, body, done) => {
      const fields: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(body as string)) {
        const prev = fields[k];
        fields[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      done(null, fields);
    },
  );

  async function sendError(req: FastifyRequest, reply: FastifyReply, err: AppError): Promise<FastifyReply> {
    const { status, title } = HTTP_ERRORS[err.code];
    // An address of an imported site's old platform answers 301 with where it leads now (decision 026).
    if (status === 404 && (req.method === 'GET' || req.method === 'HEAD') && !wantsJson(req)) {
      const location = await oldAddressLocation(ctx, req.url).catch(() => undefined);
      if (location)
        return reply
          .code(301)
          .headers(SECURITY_HEADERS)
          .header('location', location)
          .type('text/plain; charset=utf-8')
          .send(`Moved to ${location}`);
    }
    if (status >= 500) req.log.error({ err, code: err.code }, 'request failed');
    reply.headers(SECURITY_HEADERS).header('cache-control', 'no-store');
    if (err.code === 'DATABASE_UNAVAILABLE') reply.header('retry-after', '30');
    if (wantsJson(req)) {
      return reply
        .code(status)
        .send({ error: { code: err.code, message: err.publicMessage, ...(err.fields ? { fields: err.fields } : {}) } });
    }
    let html: string;
    try {
      const chrome = await loadChrome(ctx);
      const path = req.url.split('?')[0] ?? '/';
      const suggestions =
        status === 404 && req.method === 'GET' ? await suggestForPath(deps.content, path.slice(0, 300)) : undefined;
      html = renderDocument(
        chrome,
        { title, path, noindex: true },
        ErrorView({ status, title, message: err.publicMessage, code: err.code, suggestions }),
      );
    } catch (chromeErr) {
      // The database itself may be what failed: fall back to a page that needs nothing from it.
      req.log.error({ err: chromeErr }, 'error page without chrome');
      html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1><p>Code: ${err.code}</p></main></body></html>`;
    }
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }

  app.addHook('onRequest', async (req, reply) => {
    reply.headers(SECURITY_HEADERS);
    // Article pages carry the comment form: give the reader a form token once (see form-token.ts).
    if (
      req.method === 'GET' &&
      req.routeOptions.url === '/:slug/' &&
      !req.headers.cookie?.includes(`${FORM_COOKIE}=`)
    ) {
      issueFormToken(reply, await secret(), deps.content.clock.now(), secureCookies);
    }
    generation.check();
    // A scheduled post goes live without any write: what was cached before then must end at that moment.
    await generation.ensureExpiry();
    if (
      !cache ||
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      req.headers.authorization ||
      req.headers.cookie?.includes('annalist_session')
    )
      return;
    // Read-your-writes across nodes: a reader back from a write this node has not heard of yet waits for it.
    if (shared?.mustRefresh(seenGeneration(req.headers.cookie))) await shared.refresh();
    let hit = cache.get(req.url);
    let level = 'hit';
    if (!hit) {
      req.cacheVersion = generation.check();
      // The second level: another node may have rendered this page in the generation every node agrees on.
      const found = await sharedPages?.lookup(req.url);
      if (!found?.page) {
        req.sharedGeneration = found?.generation;
        reply.header('x-cache', 'miss');
        return;
      }
      hit = cache.set(req.url, req.cacheVersion, found.page);
      level = 'shared';
    }
    // What the fast path needs to answer this entry itself: does its page carry the comment form?
    hit.formToken = req.routeOptions.url === '/:slug/';
    reply.header('x-cache', level);
    reply.header('etag', hit.etag).header('cache-control', 'no-cache').header('vary', 'accept-encoding');
    if (hit.location) reply.header('location', hit.location);
    if (req.headers['if-none-match'] === hit.etag) return reply.code(304).send();
    const { body, encoding } = encodedBody(hit, req.headers['accept-encoding']);
    if (encoding) reply.header('content-encoding', encoding);
    return reply.code(hit.status).type(hit.contentType).send(body);
  });

  // A write is acknowledged only once the other nodes have been told (when Redis is there to tell them).
  if (shared)
    app.addHook('onSend', async (req, reply) => {
      if (req.method === 'GET' || req.method === 'HEAD') return;
      await shared.settled();
      // The writer's next page views, on any node, wait until that node has reached this generation.
      reply.header('set-cookie', seenCookie(shared.generation(), secureCookies));
    });

  app.setErrorHandler(async (error: FastifyError | AppError, req, reply) => {
    if (isAppError(error)) return sendError(req, reply, error);
    if (error instanceof SharedStateUnavailableError) return sendError(req, reply, sharedStateUnavailable(error));
    if (isDatabaseUnavailable(error))
      return sendError(
        req,
        reply,
        new AppError(
          'DATABASE_UNAVAILABLE',
          'The site cannot reach its database just now. Please try again in a minute.',
          {
            cause: error,
          },
        ),
      );
    if ('validation' in error && error.validation)
      return sendError(
        req,
        reply,
        new AppError('INVALID_QUERY', 'Some of the values in the address are not valid.', { cause: error }),
      );
    if ('statusCode' in error && error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      const code =
        error.statusCode === 405 ? 'METHOD_NOT_ALLOWED' : error.statusCode === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
      return sendError(req, reply, new AppError(code, 'The request could not be handled.', { cause: error }));
    }
    return sendError(
      req,
      reply,
      new AppError(
        'INTERNAL_ERROR',
        'The page could not be shown because of a fault on our side. It has been logged.',
        { cause: error },
      ),
    );
  });

  app.setNotFoundHandler(async (req, reply) =>
    sendError(
      req,
      reply,
      new AppError('NOT_FOUND', 'There is nothing at this address. It may have moved, or the link may be mistyped.', {
        detail: req.url.slice(0, 200),
      }),
    ),
  );

  registerAssetRoutes(app, deps);
  registerMediaRoutes(app, ctx);
  registerHealthRoutes(app, ctx);
  registerFeedRoutes(app, ctx);
  registerApiRoutes(app, ctx);
  registerNotificationRoutes(app, ctx);
  registerCommentRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerCorrectionRoutes(app, ctx);
  registerReadingRoutes(app, ctx);
  return app;
}
