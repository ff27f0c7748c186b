import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { SharedPageMark, SharedPageStore } from '../../storage/shared-state.ts';
import { readCookie } from './cookies.ts';
import { type FragmentSlot, keysThatOutdate } from './fragments.ts';
import type { ContentGeneration } from './generation.ts';
import type { RenderedPage } from './page-cache.ts';

export interface SharedPagesOptions {
  /** How long an entry lives at most (default 10 minutes); never past the next scheduled post going live. */
  ttlMs?: number;
  /** Larger pages are not shared (default 1 MiB uncompressed). */
  maxEntryBytes?: number;
}

/**
 * The second level of the page cache (decision 016, amended): a page rendered on one node is kept in Redis, with
 * its compressed bodies, its ETag and the change keys it was built from, so the other nodes serve it without
 * rendering until a change names one of those keys (or changes everything). The in-memory PageCache stays the
 * first level. A miss or an unreachable Redis only means rendering; nothing here ever fails a request.
 */
export class SharedPages {
  private readonly ttlMs: number;
  private readonly maxEntryBytes: number;

  constructor(
    private readonly store: SharedPageStore,
    private readonly generation: ContentGeneration,
    opts: SharedPagesOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.maxEntryBytes = opts.maxEntryBytes ?? 1024 * 1024;
  }

  /** Where the shared cache stands (the mark a store must carry) and, when another node rendered it, the page. */
  async lookup(key: string): Promise<{ mark: SharedPageMark; page?: RenderedPage } | undefined> {
    const found = await this.store.lookup(key);
    if (!found) return undefined;
    return { mark: found.mark, page: found.value ? decodeSharedPage(found.value) : undefined };
  }

  /**
   * Shares a page whose request looked the shared cache up at `mark` (Redis refuses it if one of its keys has
   * changed since). A whole page is compressed here, once for every node; a page in pieces is shared in pieces. The
   * store itself does not hold up the response.
   */
  save(mark: SharedPageMark, key: string, page: RenderedPage): void {
    if (page.body.length > this.maxEntryBytes) return;
    // A scheduled post going live changes lists and neighbours without a write that Redis hears: what was rendered
    // before must not outlive that moment.
    const ttlMs = Math.min(this.ttlMs, this.generation.msLeft());
    if (ttlMs < 1) return;
    if (!page.pieces && page.body.length >= 1024) {
      page.gzip ??= gzipSync(page.body, { level: 6 });
      page.br ??= brotliCompressSync(page.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
    }
    // A list is not dropped by a comment: its counts are stitched in by each node (kit/count-fragments.ts).
    const dependsOn = [...keysThatOutdate(page.keys, page.pieces)];
    void this.store.store({ mark, key, value: encodeSharedPage(page), dependsOn, ttlMs });
  }
}

/**
 * Read-your-writes across nodes (decisions 016, 018): a write's response names the shared generation that write
 * reached in this cookie, and a node that has not reached it yet reads the generation from Redis before it answers
 * that reader from its caches. Readers without it rely on the announcements (pub/sub), which cost no round trip.
 */
export const SEEN_COOKIE = 'annalist_seen';
const SEEN_MAX_AGE_S = 60;

/** The Set-Cookie value naming `generation` (a counter) as the one this reader must see. */
export function seenCookie(generation: string, secure: boolean): string {
  return `${SEEN_COOKIE}=${generation}; Path=/; Max-Age=${SEEN_MAX_AGE_S}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** The generation a request's Cookie header names in SEEN_COOKIE, when it is a plain counter. */
export function seenGeneration(cookieHeader: string | undefined): string | undefined {
  const value = readCookie(cookieHeader, SEEN_COOKIE);
  return value !== undefined && /^\d{1,20}$/.test(value) ? value : undefined;
}

interface Header {
  status: number;
  contentType: string;
  location?: string;
  body: number;
  gzip: number;
  br: number;
  /** What the page is built from (PageCache keys). */
  keys: string[];
  /** A page in pieces (kit/fragments.ts): the parts' lengths and the areas between them; the body is then empty. */
  parts?: number[];
  slots?: FragmentSlot[];
}

/**
 * [4-byte header length][JSON header][body][gzip][br][parts…]. A page in pieces is shared in pieces (each node
 * stitches its own widget areas in), so its compressed copies are not shared.
 */
export function encodeSharedPage(page: RenderedPage): Buffer {
  const header: Header = {
    status: page.status,
    contentType: page.contentType,
    location: page.location,
    body: page.pieces ? 0 : page.body.length,
    gzip: page.pieces ? 0 : (page.gzip?.length ?? 0),
    br: page.pieces ? 0 : (page.br?.length ?? 0),
    keys: [...page.keys],
    parts: page.pieces?.parts.map((p) => p.length),
    slots: page.pieces?.slots,
  };
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(4);
  size.writeUInt32BE(json.length);
  const whole = page.pieces ? [] : [page.body, page.gzip ?? EMPTY, page.br ?? EMPTY];
  return Buffer.concat([size, json, ...whole, ...(page.pieces?.parts ?? [])]);
}

const EMPTY = Buffer.alloc(0);

/** The page, or undefined when the bytes are not one (another version's format, a truncated value). */
export function decodeSharedPage(buf: Buffer): RenderedPage | undefined {
  try {
    const size = buf.readUInt32BE(0);
    const h = JSON.parse(buf.subarray(4, 4 + size).toString('utf8')) as Header;
    let at = 4 + size;
    const take = (n: number) => {
      const part = buf.subarray(at, at + n);
      at += n;
      return part;
    };
    const body = take(h.body);
    const gzip = h.gzip ? take(h.gzip) : undefined;
    const br = h.br ? take(h.br) : undefined;
    const parts = h.parts?.map((n) => take(n));
    if (at !== buf.length || typeof h.status !== 'number' || typeof h.contentType !== 'string') return undefined;
    if (!Array.isArray(h.keys) || (parts && parts.length !== (h.slots?.length ?? -1) + 1)) return undefined;
    const pieces = parts && h.slots ? { parts, slots: h.slots } : undefined;
    return { status: h.status, contentType: h.contentType, location: h.location, body, gzip, br, keys: h.keys, pieces };
  } catch {
    return undefined;
  }
}
