import type { Db } from '../../storage/schema.ts';
import type { Change } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';
import type { StoredFormat } from './media-names.ts';

/** What the media use cases need. */
export interface MediaDeps {
  db: Db;
  clock: Clock;
  /**
   * Tells the other nodes a write was made that no cached page shows (an image stored, its words edited, or it
   * deleted: pages copy what they use, and files are not kept in the page cache), so a commit marker on PostgreSQL
   * does not cost them their cached pages (decision 049).
   */
  noteWrite?: (change: Change) => void;
  /** How long one upload's image work may take (default MEDIA_LIMITS.processingMs). */
  processingMs?: number;
}

/** One stored copy of an image (a size and a format), without its bytes. */
export interface MediaFile {
  name: string;
  format: StoredFormat;
  width: number;
  height: number;
}

/** An uploaded image with the words that go with it, and its stored copies (largest WebP last). */
export interface Media {
  id: number;
  userId: number | null;
  originalName: string;
  /** Type of the original upload, found from its content. */
  mime: string;
  /** Size of the original after turning it upright. */
  width: number;
  height: number;
  /** Empty for a decorative image. */
  alt: string;
  caption: string;
  credit: string;
  createdAt: string;
  files: MediaFile[];
  /** The JPEG or PNG copy at the largest size: the `src` to write in Markdown. */
  src: string;
}

/** The alt text, caption and credit, as a person gives them. */
export interface MediaText {
  alt: string;
  /** A decorative image needs no alt text (and gets none). */
  decorative: boolean;
  caption: string;
  credit: string;
}

/** Limits on what may be uploaded. */
export const MEDIA_LIMITS = {
  /** Bytes in one uploaded file. */
  maxBytes: 15 * 1024 * 1024,
  /** Width × height of the original: larger images (or decompression bombs that claim to be) are refused. */
  maxPixels: 40_000_000,
  /**
   * Milliseconds one upload's decoding and re-encoding may take: a 40-megapixel original needs about a second,
   * so this leaves room for a busy server while no single upload holds sharp's threads for long.
   */
  processingMs: 10_000,
  altLength: 1000,
  captionLength: 2000,
  creditLength: 300,
} as const;
