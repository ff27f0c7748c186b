import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { ContentGeneration } from './generation.ts';

/** A rendered response kept for anonymous readers. */
export interface CachedPage {
  status: number;
  contentType: string;
  body: Buffer;
  etag: string;
  location?: string;
  gzip?: Buffer;
  br?: Buffer;
  /**
   * Whether the page carries the comment form (its route issues a form-token cookie to readers without one),
   * learnt by the Fastify path the first time it serves the entry; unknown until then (src/web/kit/fast-path.ts).
   * Never shared: each node learns it from its own routes.
   */
  formToken?: boolean;
}

export interface PageCacheOptions {
  maxEntries?: number;
  maxBytes?: number;
}

/**
 * Whole-response LRU cache for GET requests from readers. Entries belong to the content generation they were
 * rendered in: a new generation (any write, in any process, or a scheduled post going live) drops them all,
 * so a change is visible on the next request.
 */
export class PageCache {
  private entries = new Map<string, CachedPage>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(
    private readonly generation: ContentGeneration,
    opts: PageCacheOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 5000;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    generation.onNewGeneration(() => {
      this.entries.clear();
      this.bytes = 0;
    });
  }

  get(key: string): CachedPage | undefined {
    this.generation.check();
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
    if (version !== this.generation.check() || page.body.length > this.maxBytes / 8) return entry;
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
