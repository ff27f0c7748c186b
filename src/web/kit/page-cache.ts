import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Change } from '../../modules/shared/changes.ts';
import {
  assemble,
  countedPosts,
  type FragmentView,
  fragmentVersions,
  keysThatOutdate,
  type PagePieces,
  stitchedKeys,
} from './fragments.ts';

/** A page depends on this key when it names none: any change drops it. */
export const ANY_CHANGE = '*';

/** A rendered response kept for anonymous readers, as served. */
export interface CachedPage {
  status: number;
  contentType: string;
  body: Buffer;
  etag: string;
  location?: string;
  gzip?: Buffer;
  br?: Buffer;
  /** What the page was built from (src/modules/shared/changes.ts); `*` for anything. */
  keys: readonly string[];
}

/** What a render hands the cache: the page, whole or in pieces around its widget areas. */
export interface RenderedPage {
  status: number;
  contentType: string;
  body: Buffer;
  location?: string;
  gzip?: Buffer;
  br?: Buffer;
  pieces?: PagePieces;
  keys: readonly string[];
  /** When the page changes by itself (a discussion closing after N days): not served from then on. */
  expiresAt?: number;
}

interface Entry {
  url: string;
  page: CachedPage;
  pieces?: PagePieces;
  /** Hash of the pieces, the ETag's stem when the page is stitched from fragments. */
  stem: string;
  /** The fragment versions the served body was stitched with. */
  stitched?: string;
  /** The articles whose comment counts are stitched in (count slots). */
  counted: number[];
  /** Keys whose changes reach the page through its count slots alone: they do not make it stale. */
  stitchedKeys?: Set<string>;
  /** When a change made the page out of date (it may still be served until staleMaxMs after). */
  staleSince?: number;
  expiresAt?: number;
  bytes: number;
}

export interface PageCacheOptions {
  maxEntries?: number;
  /** The cache's size in bytes (bodies, compressed copies and pieces); the least recently used go first. */
  maxBytes?: number;
  /** How long a page whose keys changed may still be served while it is rendered again (0: never). */
  staleMaxMs?: number;
}

export interface PageCacheStats {
  hits: number;
  misses: number;
  stale: number;
  evictions: number;
  entries: number;
  bytes: number;
}

/** A lookup's answer: the page, and whether it is current or kept a little longer after a change. */
export interface Found {
  page: CachedPage;
  fresh: boolean;
  /** Stale, and past the bound (or the reader must not be served stale): render, or wait for the render. */
  expired: boolean;
  /** Milliseconds since the page went stale (0 when fresh). */
  staleFor: number;
}

interface KeyChange {
  seq: number;
  at: number;
  removal: boolean;
}

const KEYS_REMEMBERED = 20_000;

/**
 * Whole-response LRU cache for GET requests from readers, invalidated by key (issue 14, decision 036). Each page
 * records the keys it was built from; a change drops exactly the pages depending on one of its keys — at once
 * when it removes something from readers (or names no keys), else by marking them stale, so they may be served
 * for at most `staleMaxMs` while one request renders them again. A render that raced a change is kept only as
 * stale (or not at all after a removal). Pages are kept in pieces around their widget areas and stitched with the
 * areas' current HTML when served, so a change to the areas alone re-renders nothing.
 */
export class PageCache {
  private entries = new Map<string, Entry>();
  private byKey = new Map<string, Set<string>>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  readonly staleMaxMs: number;
  /** Counts the changes applied; a render remembers the count it began at. */
  private seq = 0;
  private lastAll = 0;
  private floor = 0;
  private keyChanges = new Map<string, KeyChange>();
  private anyChange: KeyChange | undefined;
  private readonly counts = { hits: 0, misses: 0, stale: 0, evictions: 0 };

  constructor(opts: PageCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 5000;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.staleMaxMs = opts.staleMaxMs ?? 0;
  }

  /** The count a render must remember when it begins (see set()). */
  get version(): number {
    return this.seq;
  }

  /** Applies one change: drops or marks stale every page depending on one of its keys. */
  apply(change: Change, now: number): void {
    // No keys: nothing readers see changed (a draft saved), not even the pages that depend on anything.
    if (change.keys.length === 0) return;
    this.seq++;
    if (change.keys === 'all') {
      this.clear();
      return;
    }
    const record = { seq: this.seq, at: now, removal: change.removal === true };
    this.anyChange = record;
    if (this.keyChanges.size > KEYS_REMEMBERED) {
      // Renders begun before now can no longer be checked key by key: they are not kept.
      this.keyChanges.clear();
      this.floor = this.seq;
    }
    for (const key of change.keys) this.keyChanges.set(key, record);
    for (const key of [...change.keys, ANY_CHANGE]) this.outdate(key, record);
  }

  /** Every page depending on `key` is dropped (a removal, or no stale bound) or marked stale from now. */
  private outdate(key: string, change: KeyChange): void {
    for (const url of this.byKey.get(key) ?? []) {
      const entry = this.entries.get(url);
      if (!entry || entry.stitchedKeys?.has(key)) continue;
      if (change.removal || this.staleMaxMs <= 0) this.delete(entry);
      else entry.staleSince ??= change.at;
    }
  }

  /** Drops every page. */
  clear(): void {
    this.seq++;
    this.lastAll = this.seq;
    this.entries.clear();
    this.byKey.clear();
    this.keyChanges.clear();
    this.bytes = 0;
  }

  /**
   * The page kept for `url`, stitched with the widget areas' current HTML (`areas`; undefined while they must be
   * reloaded: a page in pieces is then not found). `staleOk`: this reader may be served a stale page.
   */
  lookup(url: string, now: number, areas: FragmentView | undefined, staleOk: boolean): Found | undefined {
    const entry = this.entries.get(url);
    if (!entry || (entry.pieces && !(areas && countsShown(entry.counted, areas)))) return undefined;
    if (entry.expiresAt !== undefined && now >= entry.expiresAt) {
      this.delete(entry);
      return undefined;
    }
    // Refresh its place in the LRU order.
    this.entries.delete(url);
    this.entries.set(url, entry);
    if (entry.pieces && areas) this.restitch(entry, entry.pieces, areas);
    if (entry.staleSince === undefined) {
      this.counts.hits++;
      return { page: entry.page, fresh: true, expired: false, staleFor: 0 };
    }
    const staleFor = now - entry.staleSince;
    const expired = !staleOk || staleFor > this.staleMaxMs;
    return { page: entry.page, fresh: false, expired, staleFor };
  }

  /** Counts a request that renders its page (the fast path and the pipeline may both have looked it up). */
  countMiss(): void {
    this.counts.misses++;
  }

  /** Counts a stale page served. */
  countStale(): void {
    this.counts.stale++;
  }

  /**
   * Keeps a page rendered from a request that began at `version` (see version). A change to one of its keys since
   * then makes it stale from that moment, or, after a removal or a change of everything, not kept at all: it is
   * served once, to the reader who asked.
   */
  set(url: string, version: number, rendered: RenderedPage, areas: FragmentView | undefined): CachedPage {
    const { page, stem } = buildPage(rendered, areas);
    const since = this.changedSince(version, keysThatOutdate(rendered.keys, rendered.pieces));
    if (since === 'gone' || page.body.length > this.maxBytes / 8 || (rendered.pieces && !areas)) return page;
    const old = this.entries.get(url);
    if (old) this.delete(old);
    const entry: Entry = {
      url,
      page,
      pieces: rendered.pieces,
      stem,
      stitched: rendered.pieces && areas ? fragmentVersions(rendered.pieces, areas) : undefined,
      counted: countedPosts(rendered.pieces),
      stitchedKeys: stitchedKeys(rendered.pieces),
      staleSince: since,
      expiresAt: rendered.expiresAt,
      bytes: 0,
    };
    this.entries.set(url, entry);
    for (const key of rendered.keys) {
      let urls = this.byKey.get(key);
      if (!urls) {
        urls = new Set();
        this.byKey.set(key, urls);
      }
      urls.add(url);
    }
    this.account(entry);
    this.evict();
    return page;
  }

  /** Compressed copies are made on first demand and kept with the entry (their bytes counted). */
  encoded(
    url: string,
    page: CachedPage,
    acceptEncoding: string | undefined,
  ): { body: Buffer; encoding?: 'br' | 'gzip' } {
    const before = (page.gzip?.length ?? 0) + (page.br?.length ?? 0);
    const out = encodedBody(page, acceptEncoding);
    const grown = (page.gzip?.length ?? 0) + (page.br?.length ?? 0) - before;
    const entry = this.entries.get(url);
    if (grown > 0 && entry?.page === page) {
      entry.bytes += grown;
      this.bytes += grown;
      this.evict();
    }
    return out;
  }

  /** The articles whose comment counts the page kept for `url` shows (stitched in when served). */
  countedPosts(url: string): readonly number[] {
    return this.entries.get(url)?.counted ?? NONE;
  }

  /** The URLs of the pages kept that depend on one of `keys` (for the purge webhook's paths). */
  urlsFor(keys: readonly string[]): string[] {
    const urls = new Set<string>();
    for (const key of [...keys, ANY_CHANGE]) for (const url of this.byKey.get(key) ?? []) urls.add(url);
    return [...urls];
  }

  stats(): PageCacheStats {
    return { ...this.counts, entries: this.entries.size, bytes: this.bytes };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether no change this process has heard since `version` names one of `keys` (nor everything). */
  unchangedSince(version: number, keys: readonly string[]): boolean {
    return this.changedSince(version, keys) === undefined;
  }

  /** When the page's keys changed since `version`: undefined (not at all), a time (stale from then), or 'gone'. */
  private changedSince(version: number, keys: readonly string[]): number | undefined | 'gone' {
    if (version < this.lastAll || version < this.floor) return 'gone';
    let earliest: number | undefined;
    const consider = (c: KeyChange | undefined) => {
      if (!c || c.seq <= version) return;
      if (c.removal || this.staleMaxMs <= 0) earliest = Number.NEGATIVE_INFINITY;
      else earliest = Math.min(earliest ?? c.at, c.at);
    };
    if (keys.includes(ANY_CHANGE)) consider(this.anyChange);
    for (const key of keys) consider(this.keyChanges.get(key));
    return earliest === Number.NEGATIVE_INFINITY ? 'gone' : earliest;
  }

  /** Stitches the page again when an area it shows has changed since it was last stitched. */
  private restitch(entry: Entry, pieces: PagePieces, areas: FragmentView): void {
    const versions = fragmentVersions(pieces, areas);
    if (versions === entry.stitched) return;
    this.bytes -= entry.bytes;
    const body = assemble(pieces, areas);
    entry.page = { ...entry.page, body, etag: `"${entry.stem}-${versions}"`, gzip: undefined, br: undefined };
    entry.stitched = versions;
    this.account(entry);
  }

  private account(entry: Entry): void {
    const pieces = entry.pieces?.parts.reduce((n, p) => n + p.length, 0) ?? 0;
    entry.bytes = entry.page.body.length + pieces + (entry.page.gzip?.length ?? 0) + (entry.page.br?.length ?? 0);
    this.bytes += entry.bytes;
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.values().next().value as Entry | undefined;
      if (!oldest) break;
      this.delete(oldest);
      this.counts.evictions++;
    }
  }

  private delete(entry: Entry): void {
    if (this.entries.get(entry.url) !== entry) return;
    this.entries.delete(entry.url);
    this.bytes -= entry.bytes;
    for (const key of entry.page.keys) {
      const urls = this.byKey.get(key);
      urls?.delete(entry.url);
      if (urls?.size === 0) this.byKey.delete(key);
    }
  }
}

const NONE: readonly number[] = [];

/** Whether every comment count a page shows may be stitched in now (the view leaves out those to load first). */
function countsShown(counted: readonly number[], areas: FragmentView): boolean {
  for (const id of counted) if (!areas.get(`count:${id}`)) return false;
  return true;
}

/** The page as served: stitched with the areas' current HTML when it is in pieces. */
export function buildPage(rendered: RenderedPage, areas: FragmentView | undefined): { page: CachedPage; stem: string } {
  const { pieces } = rendered;
  const body = pieces && areas ? assemble(pieces, areas) : rendered.body;
  const stem = etagStem(body, pieces);
  const page: CachedPage = {
    status: rendered.status,
    contentType: rendered.contentType,
    body,
    etag: pieces && areas ? `"${stem}-${fragmentVersions(pieces, areas)}"` : `"${stem}"`,
    location: rendered.location,
    gzip: pieces ? undefined : rendered.gzip,
    br: pieces ? undefined : rendered.br,
    keys: rendered.keys,
  };
  return { page, stem };
}

/** A short hash of the page (of its pieces when it has them: the areas' versions complete the ETag). */
function etagStem(body: Buffer, pieces: PagePieces | undefined): string {
  const hash = createHash('sha1');
  if (pieces) for (const part of pieces.parts) hash.update(part);
  else hash.update(body);
  return hash.digest('base64url').slice(0, 22);
}

/** Compressed bodies are made on first demand and kept with the page. */
export function encodedBody(
  page: CachedPage,
  acceptEncoding: string | undefined,
): { body: Buffer; encoding?: 'br' | 'gzip' } {
  if (!acceptEncoding || page.body.length < 1024) return { body: page.body };
  if (/\bbr\b/.test(acceptEncoding)) {
    page.br ??= brotliCompressSync(page.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
    return { body: page.br, encoding: 'br' };
  }
  if (/\bgzip\b/.test(acceptEncoding)) {
    page.gzip ??= gzipSync(page.body, { level: 6 });
    return { body: page.gzip, encoding: 'gzip' };
  }
  return { body: page.body };
}
