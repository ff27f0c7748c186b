import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** A rendered response kept for anonymous readers. */
export interface CachedPage {
  status: number;
  contentType: string;
  body: Buffer;
  etag: string;
  location?: string;
  gzip?: Buffer;
  br?: Buffer;
}

export interface PageCacheOptions {
  /** Changes whenever anything that pages show was written, by this process or another. */
  version: () => string;
  maxEntries?: number;
  maxBytes?: number;
  now?: () => number;
}

/**
 * Whole-response cache for GET requests from readers. Every entry belongs to one content version: when the
 * version moves (any write, in any process) the whole cache is dropped, so a change is visible on the next
 * request. `expireAt` drops it too when a scheduled post goes live without a write.
 */
export class PageCache {
  private entries = new Map<string, CachedPage>();
  private generation = '';
  private bytes = 0;
  private expiresAt = Number.POSITIVE_INFINITY;
  private expiryKnown = false;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(private readonly opts: PageCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 5000;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.now = opts.now ?? Date.now;
  }

  /** The version to tag a render with; read it before reading the database. */
  currentVersion(): string {
    const v = this.opts.version();
    if (v !== this.generation || this.now() >= this.expiresAt) {
      this.entries.clear();
      this.bytes = 0;
      this.generation = v;
      this.expiresAt = Number.POSITIVE_INFINITY;
      this.expiryKnown = false;
    }
    return v;
  }

  /** True until someone has told this generation when it must end (see expireAt). */
  needsExpiry(): boolean {
    return !this.expiryKnown;
  }

  get(key: string): CachedPage | undefined {
    this.currentVersion();
    const hit = this.entries.get(key);
    if (hit) {
      // Refresh its place in the LRU order.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, version: string, page: Omit<CachedPage, 'etag'>): CachedPage {
    const entry: CachedPage = {
      ...page,
      etag: `"${createHash('sha1').update(page.body).digest('base64url').slice(0, 22)}"`,
    };
    // A render that raced a write belongs to the old version: serve it once, never keep it.
    if (version !== this.currentVersion() || page.body.length > this.maxBytes / 8) return entry;
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.bytes += entry.body.length;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.bytes -= this.entries.get(oldest)?.body.length ?? 0;
      this.entries.delete(oldest);
    }
    return entry;
  }

  /** Drop everything at `at` (ms since epoch) at the latest. */
  expireAt(at: number): void {
    this.expiresAt = Math.min(this.expiresAt, at);
    this.expiryKnown = true;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Compressed bodies are made on first demand and kept with the entry. */
export function encodedBody(
  entry: CachedPage,
  acceptEncoding: string | undefined,
): { body: Buffer; encoding?: 'br' | 'gzip' } {
  if (!acceptEncoding || entry.body.length < 1024) return { body: entry.body };
  if (/\bbr\b/.test(acceptEncoding)) {
    entry.br ??= brotliCompressSync(entry.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
    return { body: entry.br, encoding: 'br' };
  }
  if (/\bgzip\b/.test(acceptEncoding)) {
    entry.gzip ??= gzipSync(entry.body, { level: 6 });
    return { body: entry.gzip, encoding: 'gzip' };
  }
  return { body: entry.body };
}
