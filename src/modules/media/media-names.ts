/**
 * How stored image files are named, so that any page can tell from a name alone (no database) which sizes of
 * the same image exist. Shared by the upload use case, which writes the files, and the Markdown renderer,
 * which writes `srcset`, `width` and `height` for them.
 *
 * A name is `<id>-<W>x<H>-<w>w.<ext>`: the media id, the size of the largest stored copy (W×H, the original
 * capped at the top of the ladder, never upscaled), the width of this copy, and its format. Every copy of an
 * image carries the same W×H, so each name leads to all the others.
 */

/** The widths an image is stored at when it is at least that wide. */
export const WIDTH_LADDER = [480, 960, 1600] as const;

/** The widest copy kept; a larger original is scaled down to this. */
export const MAX_STORED_WIDTH = WIDTH_LADDER[WIDTH_LADDER.length - 1]!;

/** A step of the ladder this close to the top width adds nothing a browser would pick, so it is skipped. */
const NEAR_TOP = 0.85;

export type StoredFormat = 'webp' | 'jpeg' | 'png';

const EXTENSIONS: Record<StoredFormat, string> = { webp: 'webp', jpeg: 'jpg', png: 'png' };
const FORMATS: Record<string, StoredFormat> = { webp: 'webp', jpg: 'jpeg', png: 'png' };

export const CONTENT_TYPES: Record<StoredFormat, string> = {
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** The width of the largest stored copy of an image `originalWidth` pixels wide. */
export const topWidthFor = (originalWidth: number): number => Math.min(originalWidth, MAX_STORED_WIDTH);

/** Every width stored as WebP for an image whose largest copy is `topWidth` wide, smallest first. */
export function ladderWidths(topWidth: number): number[] {
  return [...WIDTH_LADDER.filter((w) => w < topWidth * NEAR_TOP), topWidth];
}

export interface StoredName {
  mediaId: number;
  /** Size of the largest copy. */
  topWidth: number;
  topHeight: number;
  /** Width of this copy. */
  width: number;
  format: StoredFormat;
}

export function storedFileName(n: StoredName): string {
  return `${n.mediaId}-${n.topWidth}x${n.topHeight}-${n.width}w.${EXTENSIONS[n.format]}`;
}

/** The pattern of a stored name, for routes that must tell our files from others under /media/. */
export const STORED_NAME_SOURCE = '[0-9]{1,9}-[0-9]{1,5}x[0-9]{1,5}-[0-9]{1,5}w\\.(?:webp|jpg|png)';
const STORED_NAME = new RegExp(`^(${STORED_NAME_SOURCE})$`);
const PARTS = /^([0-9]+)-([0-9]+)x([0-9]+)-([0-9]+)w\.([a-z]+)$/;

/** The parts of a stored file name, or undefined when `name` is not one. */
export function parseStoredFileName(name: string): StoredName | undefined {
  if (!STORED_NAME.test(name)) return undefined;
  const m = PARTS.exec(name);
  const format = m ? FORMATS[m[5]!] : undefined;
  if (!m || !format) return undefined;
  const n = { mediaId: Number(m[1]), topWidth: Number(m[2]), topHeight: Number(m[3]), width: Number(m[4]), format };
  if (n.topWidth > MAX_STORED_WIDTH || n.topHeight < 1 || n.width < 1 || n.width > n.topWidth) return undefined;
  return n;
}

/** The path of a stored file, as written in Markdown and served by the site. */
export const mediaPath = (n: StoredName): string => `/media/${storedFileName(n)}`;

/**
 * The responsive set for an image path written in an article: the WebP copies by width, and the size of the
 * largest, or undefined when the path is not one of our stored files.
 */
export function responsiveSet(
  src: string,
): { srcset: string; width: number; height: number; widths: number[] } | undefined {
  if (!src.startsWith('/media/')) return undefined;
  const n = parseStoredFileName(src.slice('/media/'.length));
  if (!n) return undefined;
  const widths = ladderWidths(n.topWidth);
  const srcset = widths.map((w) => `${mediaPath({ ...n, width: w, format: 'webp' })} ${w}w`).join(', ');
  return { srcset, width: n.topWidth, height: n.topHeight, widths };
}
