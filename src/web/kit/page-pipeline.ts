import type { FastifyReply, FastifyRequest } from 'fastify';
import { commentCountsOf } from '../../modules/content/reading.service.ts';
import { type Change, changeKeys, postChange } from '../../modules/shared/changes.ts';
import type { SharedPageMark } from '../../storage/shared-state.ts';
import { commentCountHtml } from '../ui/lists.tsx';
import { hasCookie, SESSION_COOKIE } from './cookies.ts';
import { CountFragments } from './count-fragments.ts';
import {
  countedPost,
  countedPosts,
  type Fragment,
  type FragmentArea,
  Fragments,
  type FragmentView,
  keysThatOutdate,
  LEFT_AS_IS,
  type PagePieces,
  splitPieces,
} from './fragments.ts';
import type { ContentGeneration } from './generation.ts';
import { ANY_CHANGE, buildPage, type CachedPage, type Found, PageCache, type RenderedPage } from './page-cache.ts';
import { PurgeWebhook } from './purge-webhook.ts';
import { loadChrome } from './render.tsx';
import { SEEN_COOKIE, SharedPages } from './shared-pages.ts';
import type { WebDeps } from './web-deps.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for a request whose answer may be kept: the page cache's version when it began (see PageCache.set). */
    cacheVersion?: number;
    /** Where the shared cache (Redis) stood when the request looked it up, when its page may be shared. */
    sharedMark?: SharedPageMark;
    /** What the page is built from (dependsOn()); absent: anything. */
    cacheKeys?: Set<string>;
    /** For a write: the page cache's version when it began (its answer marks a writer if a change came since). */
    changesAtStart?: number;
    /** When the page changes by itself (keepUntil()). */
    cacheUntil?: number;
    /** Ends this request's turn to render its page (single flight), once its answer is sent. */
    releaseFlight?: () => void;
  }
}

/** The page changes by itself at `at` (milliseconds on the site's clock): it is not served from then on. */
export function keepUntil(req: FastifyRequest, at: number): void {
  req.cacheUntil = Math.min(req.cacheUntil ?? Number.POSITIVE_INFINITY, at);
}

/** A route says what its page shows: a change to any of these keys drops the page (src/modules/shared/changes.ts). */
export function dependsOn(req: FastifyRequest, ...keys: string[]): void {
  req.cacheKeys ??= new Set();
  for (const key of keys) req.cacheKeys.add(key);
}

/**
 * A page listing articles: any change to articles (titles, excerpts, which are published), the discussions of
 * those it shows (their comment counts) and the category each names — a comment elsewhere leaves it alone.
 */
export function dependsOnList(
  req: FastifyRequest,
  posts: readonly { id: number; category?: { id: number } | null }[],
): void {
  dependsOn(req, changeKeys.posts, ...posts.map((p) => changeKeys.postComments(p.id)));
  dependsOnShown(req, { categories: posts.flatMap((p) => (p.category ? [p.category] : [])) });
}

/** What a page shows of categories, tags and the sources library (see dependsOnShown). */
export interface Shown {
  categories?: readonly { id: number }[];
  tags?: readonly { id: number }[];
  /** Citation keys of the sources whose text it shows (an article's notes and bibliography, an entity's sources). */
  sources?: readonly string[];
}

/**
 * A page showing categories, tags or sources (their names, addresses, descriptions; a source's text): a change
 * to one of them drops it. A category whose address changes names those below it too (changes.ts); a breadcrumb
 * names each of its steps. Where categories sit and what each holds is `categories`, for the pages showing that.
 */
export function dependsOnShown(req: FastifyRequest, shown: Shown): void {
  const keys = [
    ...(shown.categories ?? []).map((c) => changeKeys.category(c.id)),
    ...(shown.tags ?? []).map((t) => changeKeys.tag(t.id)),
    ...(shown.sources ?? []).map(changeKeys.source),
  ];
  // Nothing shown adds no key (an empty set of keys would mean "built from nothing").
  if (keys.length > 0) dependsOn(req, ...keys);
}

/**
 * An article's page: its own text, its discussion, the articles it links to as previous and next, and which
 * articles come before and after it.
 */
export function dependsOnArticle(req: FastifyRequest, id: number, neighbours: readonly (number | undefined)[]): void {
  dependsOn(req, changeKeys.post(id), changeKeys.postComments(id), changeKeys.postsOrder);
  for (const n of neighbours) if (n !== undefined) dependsOn(req, changeKeys.post(n));
}

/** Misses for a page being rendered wait this long at most for that render before rendering it themselves. */
const FLIGHT_WAIT_MS = 5000;

export interface PipelineOptions {
  cache: PageCache;
  fragments: Fragments;
  counts: CountFragments;
  generation: ContentGeneration;
  sharedPages?: SharedPages;
  /** How long a CDN or proxy in front may keep a page (s-maxage), in seconds. */
  cdnMaxAgeS: number;
  now: () => number;
}

/**
 * The page cache's request pipeline (issue 14): which requests it answers, single flight for misses, stale pages
 * within the bound while one request renders, the headers a CDN needs, and keeping what was rendered.
 */
export class PagePipeline {
  private readonly flights = new Map<string, Promise<void>>();
  readonly cache: PageCache;
  readonly fragments: Fragments;
  readonly counts: CountFragments;

  constructor(private readonly opts: PipelineOptions) {
    this.cache = opts.cache;
    this.fragments = opts.fragments;
    this.counts = opts.counts;
    // A scheduled post going live is a change like any other: the lists and every previous/next link.
    opts.generation.onExpiry(() => this.apply(postChange([], { order: true })));
  }

  /** Milliseconds on the site's clock. */
  now(): number {
    return this.opts.now();
  }

  /** Hears one change (from this process's writes or, through poll(), from others'). */
  apply(change: Change): void {
    const now = this.opts.now();
    this.cache.apply(change, now);
    this.fragments.changed(change, now);
    this.counts.changed(change, now);
  }

  /** Whether this request may be answered from, and kept in, the cache (anonymous GET/HEAD of a cached route). */
  static eligible(req: FastifyRequest): boolean {
    return (
      req.routeOptions.config.cache === 'public' &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      !req.headers.authorization &&
      !hasCookie(req.headers.cookie, SESSION_COOKIE)
    );
  }

  /** Answers from the cache, or sets the request up to render (and keep) its page. */
  async answer(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    // A writer (the cookie every write's answer sets) never gets a page older than their write.
    const staleOk = !hasCookie(req.headers.cookie, SEEN_COOKIE);
    const url = req.url;
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = this.opts.now();
      const areas = await this.viewFor(url, now, staleOk);
      const found = this.cache.lookup(url, now, areas, staleOk);
      if (found?.fresh) return this.send(req, reply, found.page, 'hit');
      if (found && this.mayServeStale(url, found)) {
        this.cache.countStale();
        return this.send(req, reply, found.page, 'stale');
      }
      const flight = this.flights.get(url);
      if (!flight || attempt > 0) break;
      await waitBounded(flight);
    }
    return this.renderHere(req, reply);
  }

  /**
   * The widget areas and comment counts to stitch in for a reader (the writer never gets them late); undefined:
   * the areas must first be reloaded. A count that must first be loaded is missing from the view (lookup() then
   * finds no page).
   */
  areasFor(now: number, staleOk: boolean): FragmentView | undefined {
    const bound = staleOk ? this.cache.staleMaxMs : 0;
    const areas = this.fragments.usable(now, bound);
    return areas && this.view(areas, (id) => this.counts.get(id, now, bound));
  }

  /** As areasFor(), having first loaded what the page kept for `url` needs. */
  private async viewFor(url: string, now: number, staleOk: boolean): Promise<FragmentView> {
    const ready = this.areasFor(now, staleOk);
    const ids = this.cache.countedPosts(url);
    if (ready && (ids.length === 0 || this.counts.usable(ids, now, staleOk ? this.cache.staleMaxMs : 0))) return ready;
    return this.stitching(ids, now, staleOk);
  }

  /**
   * What a page about to be stitched is stitched with, once its areas and counts are loaded: a reader's areas (the
   * ones readers are shown, reloaded if they may not be), or a writer's (as they are now, readers' left alone).
   */
  private async stitching(ids: readonly number[], now: number, staleOk: boolean): Promise<FragmentView> {
    const areas =
      this.fragments.usable(now, staleOk ? this.cache.staleMaxMs : 0) ??
      (staleOk ? this.fragments.refresh() : this.fragments.forWriter());
    const [loaded] = await Promise.all([areas, this.counts.refresh(ids)]);
    return this.view(loaded, (id) => this.counts.latest(id));
  }

  private view(areas: ReadonlyMap<FragmentArea, Fragment>, count: (id: number) => Fragment | undefined): FragmentView {
    return {
      get: (slot) => {
        const id = countedPost(slot);
        return id === undefined ? areas.get(slot as FragmentArea) : count(id);
      },
    };
  }

  /** What a page in pieces rendered for `req` is stitched with when it is kept (undefined for a whole page). */
  private stitchingFor(req: FastifyRequest, pieces: PagePieces | undefined): Promise<FragmentView> | undefined {
    const staleOk = !hasCookie(req.headers.cookie, SEEN_COOKIE);
    return pieces && this.stitching(countedPosts(pieces), this.opts.now(), staleOk);
  }

  /**
   * Whether a stale page within its bound is served as it is: while another request renders it, and, for the first
   * three quarters of the bound (LEFT_AS_IS), without any render, so a burst of changes (comments arriving every few
   * milliseconds) costs a page one render per three quarters of the bound rather than one per change.
   */
  mayServeStale(url: string, found: Found): boolean {
    return !found.expired && (this.flights.has(url) || found.staleFor < this.cache.staleMaxMs * LEFT_AS_IS);
  }

  /** This request renders the page (others asking meanwhile wait for it, or get the stale copy). */
  private async renderHere(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const url = req.url;
    if (!this.flights.has(url)) {
      let release = () => {};
      this.flights.set(
        url,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      req.releaseFlight = () => {
        req.releaseFlight = undefined;
        this.flights.delete(url);
        release();
      };
    }
    this.cache.countMiss();
    req.cacheVersion = this.cache.version;
    // The second level: another node may have rendered this page since the last change of what it shows.
    const found = await this.opts.sharedPages?.lookup(url);
    if (!found?.page) {
      req.sharedMark = found?.mark;
      reply.header('x-cache', 'miss');
      return undefined;
    }
    const areas = await this.stitchingFor(req, found.page.pieces);
    const page = this.cache.set(url, req.cacheVersion, found.page, areas);
    req.cacheVersion = undefined;
    return this.send(req, reply, page, 'shared');
  }

  /** Sends a kept page (304 when the reader has it). */
  private send(req: FastifyRequest, reply: FastifyReply, page: CachedPage, level: string): FastifyReply {
    reply.headers(this.headersFor(page, level === 'stale')).header('x-cache', level);
    if (page.location) reply.header('location', page.location);
    if (req.headers['if-none-match'] === page.etag) return reply.code(304).send();
    const { body, encoding } = this.cache.encoded(req.url, page, req.headers['accept-encoding']);
    if (encoding) reply.header('content-encoding', encoding);
    return reply.code(page.status).type(page.contentType).send(body);
  }

  /** The headers of a cached page: validators, and what a CDN or proxy in front may do with it. */
  headersFor(page: CachedPage, stale = false): Record<string, string> {
    const headers: Record<string, string> = {
      etag: page.etag,
      // A stale copy must not be kept by a proxy in front for another s-maxage: it may revalidate at once.
      'cache-control': stale
        ? 'public, max-age=0, s-maxage=0'
        : `public, max-age=0, s-maxage=${this.opts.cdnMaxAgeS}, stale-while-revalidate=${Math.max(1, Math.ceil(this.cache.staleMaxMs / 1000))}`,
      vary: 'accept-encoding',
    };
    // The keys a CDN purges by (a page built from nothing that changes, such as robots.txt, has none).
    if (page.keys.length > 0) {
      headers['surrogate-key'] = page.keys.join(' ');
      headers['cache-tag'] = page.keys.join(',');
    }
    return headers;
  }

  /**
   * Keeps what a request set up by answer() rendered, stitched with the current widget areas; returns what to send.
   * Any other request gets its page stitched at once.
   */
  async keep(
    req: FastifyRequest,
    reply: FastifyReply,
    res: { status: number; contentType: string; body: string | Buffer; location?: string },
  ): Promise<Buffer> {
    const text = typeof res.body === 'string' ? res.body : undefined;
    const pieces = text === undefined ? undefined : splitPieces(text);
    const areas = await this.stitchingFor(req, pieces);
    const keepable = req.cacheVersion !== undefined && (res.status === 200 || res.status === 301);
    const rendered: RenderedPage = {
      status: res.status,
      contentType: res.contentType,
      body: pieces ? Buffer.alloc(0) : Buffer.isBuffer(res.body) ? res.body : Buffer.from(res.body),
      location: res.location,
      pieces,
      keys: req.cacheKeys ? [...req.cacheKeys] : [ANY_CHANGE],
      expiresAt: req.cacheUntil,
    };
    if (!keepable) return buildPage(rendered, areas).page.body;
    const version = req.cacheVersion as number;
    const page = this.cache.set(req.url, version, rendered, areas);
    reply.headers(this.headersFor(page));
    // Shared only when no change this node heard during the render names its keys (Redis checks the changes it
    // was told of itself, but not a write it never heard, such as one made while it was away).
    if (req.sharedMark && this.cache.unchangedSince(version, keysThatOutdate(rendered.keys, pieces)))
      this.opts.sharedPages?.save(req.sharedMark, req.url, { ...page, pieces });
    return page.body;
  }
}

function waitBounded(flight: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    flight,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FLIGHT_WAIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Each article's comment count link, as lists show it (ui/lists.tsx), for the count fragments. */
async function commentCountLinks(deps: WebDeps['content'], ids: readonly number[]): Promise<Map<number, string>> {
  const counts = await commentCountsOf(deps, ids);
  return new Map(counts.map((c) => [c.id, commentCountHtml(c)]));
}

/** The page cache, its widget-area fragments and its pipeline, as WebDeps asks (Redis: the second level too). */
export function pagePipeline(deps: WebDeps, generation: ContentGeneration): PagePipeline {
  return new PagePipeline({
    cache: new PageCache({ staleMaxMs: deps.staleMaxMs ?? 0 }),
    fragments: new Fragments(() => loadChrome({ deps, generation })),
    counts: new CountFragments((ids) => commentCountLinks(deps.content, ids)),
    generation,
    sharedPages: deps.shared ? new SharedPages(deps.shared.pages, generation) : undefined,
    cdnMaxAgeS: deps.cdnMaxAgeS ?? 1,
    now: () => deps.content.clock.now().getTime(),
  });
}

/**
 * Tells the CDN in front (ANNALIST_PURGE_WEBHOOK) what this node's writes changed, with the paths of its cached
 * pages that depend on them; subscribed before the cache hears the change, so those pages are still listed.
 * Returns what to await on close (the last batch).
 */
export function purgeOnChange(
  deps: WebDeps,
  pages: PagePipeline,
  log: { log: { warn(obj: object, msg: string): void } },
): () => Promise<void> {
  const { shared } = deps;
  const purge = new PurgeWebhook({
    url: deps.purgeWebhook as string,
    generation: () => shared?.generation() ?? deps.contentVersion(),
    pathsFor: (keys) => pages.cache.urlsFor(keys),
    log: { warn: (obj, msg) => log.log.warn(obj, msg) },
  });
  const unsubscribe = deps.changes.subscribe((change) => {
    // Nothing readers see (a draft saved): nothing to purge, as the cache drops nothing. A commit its writer never
    // announced (decision 049) is purged by whoever hears of it.
    if (change.keys.length === 0) return;
    if (change.origin !== 'remote' || change.unannounced) purge.changed(change);
  });
  return async () => {
    unsubscribe();
    await purge.flush();
  };
}
