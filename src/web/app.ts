import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { nextScheduledChange } from '../modules/content/reading.service.ts';
import { suggestForPath } from '../modules/search/search.service.ts';
import { AppError, isAppError } from '../modules/shared/errors.ts';
import { getSiteSecret } from '../modules/shared/secret.ts';
import { isDatabaseUnavailable } from '../storage/database-unavailable.ts';
import { SharedStateUnavailableError } from '../storage/shared-state.ts';
import { adminArea } from './admin/area.ts';
import { apiArea } from './api/area.ts';
import { discussionArea } from './discussion/area.ts';
import { evidenceArea } from './evidence/area.ts';
import { feedsArea } from './feeds/area.ts';
import { filesArea } from './files/area.ts';
import { historyArea } from './history/area.ts';
import { FastPath } from './kit/fast-path.ts';
import { ContentGeneration } from './kit/generation.ts';
import { HTTP_ERRORS } from './kit/http-errors.ts';
import { PagePipeline, pagePipeline, purgeOnChange } from './kit/page-pipeline.ts';
import { PostRateLimit, sharedStateUnavailable } from './kit/rate-limit.ts';
import { loadChrome, renderDocument } from './kit/render.tsx';
import { logRequests } from './kit/request-log.ts';
import { seenCookie, seenGeneration } from './kit/shared-pages.ts';
import './kit/route-config.ts';
import { validationFailure } from './kit/validation.ts';
import type { WebContext, WebDeps } from './kit/web-deps.ts';
import { ErrorView } from './reader/archive.views.tsx';
import { readerArea } from './reader/area.ts';
import { oldAddressLocation } from './reader/old-addresses.ts';

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

/** The API, and the admin islands' requests (they ask for JSON): errors as JSON with their code, not a page. */
const wantsJson = (req: FastifyRequest) =>
  req.url.startsWith('/api/') || /^application\/json\b/.test(req.headers.accept ?? '');

/**
 * Builds the whole web application without listening, so tests can call it in-process with inject().
 */
export function buildApp(input: WebDeps): FastifyInstance {
  // Cache hits are answered before Fastify when the app listens (decision 018); inject() always goes through it.
  const fastPath = new FastPath();
  const app = Fastify({
    serverFactory: fastPath.serverFactory,
    logger: input.logger ?? false,
    // One line per request at debug and a summary a minute at info (kit/request-log.ts), not Fastify's two at info.
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify documents a hop count as well; its types list only boolean and addresses.
    trustProxy: (input.trustProxy ?? false) as boolean | string,
    routerOptions: { maxParamLength: 300, ignoreDuplicateSlashes: false },
    bodyLimit: 1024 * 1024,
    // Schemas refuse what they do not list (no silent removal), and report every field at fault at once.
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array' } },
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
  if (input.logger) logRequests(app, { intervalMs: 60_000, cacheHits: () => fastPath.takeHits() });
  const { shared } = input;
  const generation = new ContentGeneration({
    // With shared state, a write announced by another node (or Redis coming back) also starts a new generation.
    version: shared ? () => `${input.contentVersion()}|${shared.contentVersion()}` : input.contentVersion,
    now: () => input.content.clock.now().getTime(),
    nextChange: (after) => nextScheduledChange(input.content, after),
    poll: input.changes.poll,
  });
  // Kept reads are dropped by what each change names, this process's and (through poll) the others'.
  const forgetChanged = input.changes.subscribe((change) => generation.apply(change));
  // The input is never changed: the routes get a frozen copy whose content keeps the reads that every page
  // repeats (the category tree and its counts, lists, articles) until a write changes what they were built from.
  const deps: WebDeps = Object.freeze({
    ...input,
    content: Object.freeze({
      ...input.content,
      memo: <T>(key: string, fn: () => Promise<T>, dependsOn: readonly string[]) => generation.memo(key, fn, dependsOn),
    }),
  });
  const pages = deps.pageCache === false ? undefined : pagePipeline(deps, generation);
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
    pages,
    generation,
    secret,
    postLimit: new PostRateLimit(deps.commentPostsPerMinute, shared?.limiter),
    previewLimit: new PostRateLimit(PREVIEWS_PER_MINUTE, shared?.limiter, 'preview'),
    limiter: shared?.limiter,
  };
  const secureCookies = deps.baseUrl.startsWith('https:');
  if (pages) {
    fastPath.enable({
      pages,
      generation,
      poll: deps.changes.poll,
      securityHeaders: SECURITY_HEADERS,
      // Read-your-writes across nodes: a request that must learn the shared generation first awaits Redis.
      mustRefresh: shared ? (req) => shared.mustRefresh(seenGeneration(req.headers.cookie)) : undefined,
      log: { error: (obj, msg) => app.log.error(obj, msg) },
    });
    // Every change, this process's and (through poll) the others', reaches the CDN in front, then the cache.
    const purge = deps.purgeWebhook ? purgeOnChange(deps, pages, app) : undefined;
    const unsubscribe = deps.changes.subscribe((change) => pages.apply(change));
    // Before the routes and the database close: the last batch of changes still reaches the CDN.
    app.addHook('preClose', async () => {
      unsubscribe();
      await purge?.();
    });
  }
  // While closing, Fastify answers (its 503 and `connection: close`).
  app.addHook('preClose', (done) => {
    fastPath.disable();
    forgetChanged();
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
        ErrorView({ status, title, message: err.publicMessage, code: err.code, suggestions, fields: err.fields }),
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
    // What the route declares (kit/route-config.ts): whether its answers are cached.
    const cached = pages !== undefined && PagePipeline.eligible(req);
    // Read-your-writes across nodes: a reader back from a write this node has not heard of yet waits for it before
    // a cached page is looked up, and only then are the changes heard (what the wait brought in among them).
    if (cached && shared?.mustRefresh(seenGeneration(req.headers.cookie))) await shared.refresh();
    // Changes other processes and nodes made reach the caches before anything is read (cheap, synchronous).
    deps.changes.poll();
    if (req.method !== 'GET' && req.method !== 'HEAD') req.changesAtStart = pages?.cache.version;
    generation.check();
    // A scheduled post goes live without any write: what was cached before then must end at that moment.
    await generation.ensureExpiry();
    // No page sets the form-token cookie: a reader gets it when they start writing (POST /form-token, decision 035).
    if (cached) return pages.answer(req, reply);
  });
  // The request that renders a page lets the others waiting for it go once its answer is sent (or abandoned).
  app.addHook('onResponse', async (req) => req.releaseFlight?.());
  app.addHook('onRequestAbort', async (req) => req.releaseFlight?.());

  // A write is acknowledged only once the other nodes have been told (when Redis is there to tell them). The
  // writer's next page views are never a stale copy, and on any node wait until it has reached this generation.
  app.addHook('onSend', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    await shared?.settled();
    // Only a request that changed what readers see (the cache heard a change meanwhile) marks its sender a writer.
    const wrote = pages ? pages.cache.version !== req.changesAtStart : shared !== undefined;
    if (wrote) reply.header('set-cookie', seenCookie(shared?.generation() ?? '0', secureCookies));
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
    if ('validation' in error && error.validation) return sendError(req, reply, validationFailure(error));
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

  // One plugin per area, each holding its routes, views and schemas.
  for (const area of [filesArea, apiArea, feedsArea, discussionArea, adminArea, evidenceArea, historyArea, readerArea])
    void app.register(area, { ctx });
  return app;
}
