import { createHash } from 'node:crypto';
import sharp, { type Sharp, type SharpOptions } from 'sharp';
import { inTransaction } from '../../storage/transaction.ts';
import { NOTHING_CHANGED } from '../shared/changes.ts';
import { AppError, isAppError } from '../shared/errors.ts';
import { detectImageType, type ImageTypeVerdict, SHARP_FORMAT } from './image-type.ts';
import { findMediaRowBySha256, insertMediaFileRows, insertMediaRow } from './media.repository.ts';
import { getMedia } from './media.service.ts';
import { MEDIA_LIMITS, type Media, type MediaDeps, type MediaText } from './media.types.ts';
import { ladderWidths, type StoredFormat, storedFileName, topWidthFor } from './media-names.ts';
import { invalidMedia, mediaTextErrors, tidyMediaText } from './media-text.ts';
import { svgDensity, svgEmbeddedRefusal, svgRefusal } from './svg-upload.ts';

export interface IngestImageInput extends MediaText {
  bytes: Uint8Array;
  /** The file name on the uploader's computer: shown in the library, never trusted for the type. */
  originalName: string;
  userId: number | null;
}

export interface IngestedImage {
  media: Media;
  /** True when the same file had been uploaded before: nothing new was stored. */
  duplicate: boolean;
}

const WEBP = { quality: 80, effort: 4 } as const;
const JPEG = { quality: 82, mozjpeg: true } as const;
const PNG = { compressionLevel: 9, adaptiveFiltering: true } as const;

type FileErrorCode =
  | 'MEDIA_TYPE_REFUSED'
  | 'MEDIA_SVG_REFUSED'
  | 'MEDIA_TOO_LARGE'
  | 'MEDIA_TOO_MANY_PIXELS'
  | 'MEDIA_UNREADABLE'
  | 'MEDIA_TOO_COMPLEX';

/** A problem with the file, shown at the file field (with any problems of the other fields beside it). */
const fileError = (
  code: FileErrorCode,
  message: string,
  opts: { detail: string; cause?: unknown; textErrors?: Record<string, string> },
) =>
  new AppError(code, message, {
    fields: { ...opts.textErrors, file: message },
    detail: opts.detail,
    cause: opts.cause,
  });

/**
 * Takes an uploaded image: checks its type by content (anything but JPEG, PNG, WebP, GIF, AVIF and SVG refused;
 * an SVG that reaches outside itself or carries scripts refused too, the rest drawn as pixels: no SVG is
 * stored), refuses files over the byte and pixel limits before decoding them, turns it upright by its EXIF
 * orientation and re-encodes it as WebP at each width of the ladder plus one JPEG (PNG when it has
 * transparency) at the largest. Re-encoding keeps no metadata: EXIF, GPS, XMP and comments are gone.
 * The media row and its files are stored in one transaction. The same file uploaded again gives the same media.
 * The image work runs on sharp's threads, never the event loop, and within a deadline (MEDIA_LIMITS.processingMs):
 * an image that takes longer is refused with MEDIA_TOO_COMPLEX and nothing is stored.
 */
export async function ingestImage(deps: MediaDeps, input: IngestImageInput): Promise<IngestedImage> {
  const { bytes } = input;
  // Everything cheap is checked first, so one answer names every field to correct.
  const text = tidyMediaText(input);
  const textErrors = mediaTextErrors(text);
  if (bytes.length === 0) throw invalidMedia({ ...textErrors, file: 'Choose an image file to upload.' });
  if (bytes.length > MEDIA_LIMITS.maxBytes)
    throw fileError('MEDIA_TOO_LARGE', uploadTooLargeMessage(), { detail: `${bytes.length} bytes`, textErrors });
  const source = await sourceOf(await detectImageType(bytes), bytes, textErrors);
  if (Object.keys(textErrors).length > 0) throw invalidMedia(textErrors);

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const known = await findMediaRowBySha256(deps.db, sha256);
  if (known) return { media: await getMedia(deps, known.id), duplicate: true };

  // Only the first frame of an animated GIF or WebP; no image larger than the pixel limit is decoded.
  const options: SharpOptions = {
    failOn: 'error',
    limitInputPixels: MEDIA_LIMITS.maxPixels,
    pages: 1,
    autoOrient: true,
  };
  // An SVG has no pixels of its own: it is drawn at the density that gives it enough of them (svg-upload.ts).
  if (source.format === 'svg') options.density = svgDensity((await readHeader(bytes, options)).width);
  const meta = await readHeader(bytes, options);
  if (meta.format !== source.format)
    throw fileError('MEDIA_UNREADABLE', unreadableMessage(), {
      detail: `content ${source.mime}, sharp ${meta.format}`,
    });
  if (meta.width * meta.height > MEDIA_LIMITS.maxPixels)
    throw fileError(
      'MEDIA_TOO_MANY_PIXELS',
      `This image is ${meta.width} × ${meta.height} pixels, more than the ${MEDIA_LIMITS.maxPixels / 1_000_000} megapixels Annalist takes. Scale it down and upload it again.`,
      { detail: `${meta.width}x${meta.height}` },
    );

  const deadline = deadlineIn(deps.processingMs ?? MEDIA_LIMITS.processingMs);
  const files = await encodeCopies(sharp(bytes, options), meta, deadline);
  const now = deps.clock.now().toISOString();
  const id = await inTransaction(deps.db, async (trx) => {
    // Checked again inside the transaction: two uploads of one file at once still make one media.
    const again = await findMediaRowBySha256(trx, sha256);
    if (again) return again.id;
    const mediaId = await insertMediaRow(trx, {
      user_id: input.userId,
      sha256,
      original_name: input.originalName.slice(0, 255),
      mime: source.mime,
      width: meta.width,
      height: meta.height,
      alt: text.alt,
      caption: text.caption,
      credit: text.credit,
      created_at: now,
    });
    const top = files.at(-1)!;
    await insertMediaFileRows(
      trx,
      files.map((f) => ({
        media_id: mediaId,
        name: storedFileName({
          mediaId,
          topWidth: top.width,
          topHeight: top.height,
          width: f.width,
          format: f.format,
        }),
        format: f.format,
        width: f.width,
        height: f.height,
        bytes: f.bytes,
      })),
    );
    return mediaId;
  });
  deps.noteWrite?.(NOTHING_CHANGED);
  return { media: await getMedia(deps, id), duplicate: false };
}

/**
 * The type an upload is read as and the format sharp must find in it; anything but the accepted raster types and
 * an SVG that passes `svgRefusal` and `svgEmbeddedRefusal` is refused here, with the other fields' problems beside
 * the file's.
 */
async function sourceOf(
  type: ImageTypeVerdict,
  bytes: Uint8Array,
  textErrors: Record<string, string>,
): Promise<{ mime: string; format: string }> {
  if (type.kind === 'image') return { mime: type.mime, format: SHARP_FORMAT[type.mime] };
  if (type.kind === 'svg') {
    // The pictures written into it are decoded whole by librsvg: their pixels count against the limit too.
    const refusal = svgRefusal(bytes) ?? (await svgEmbeddedRefusal(bytes, MEDIA_LIMITS.maxPixels));
    if (refusal) throw fileError('MEDIA_SVG_REFUSED', refusal, { detail: 'svg refused before drawing', textErrors });
    return { mime: 'image/svg+xml', format: 'svg' };
  }
  throw fileError(
    'MEDIA_TYPE_REFUSED',
    'This file is not an image Annalist can use. Upload a JPEG, PNG, WebP, GIF, AVIF or SVG image.',
    { detail: `content type ${type.mime ?? 'unknown'}`, textErrors },
  );
}

/** Why a file over the byte limit is refused. */
export const uploadTooLargeMessage = () =>
  `The file is larger than ${MEDIA_LIMITS.maxBytes / 1024 / 1024} MB. Save it at a smaller size and upload it again.`;
const unreadableMessage = () =>
  'The image could not be read: the file may be damaged or cut short. Open it in an image editor, save it again and upload that.';

/** Size of the upright image and whether it has transparency, from its header (nothing decoded yet). */
async function readHeader(
  bytes: Uint8Array,
  options: SharpOptions,
): Promise<{ format: string; width: number; height: number; hasAlpha: boolean }> {
  try {
    // Only the header is read here, so no pixel limit yet: the caller compares the size with the limit itself
    // and can say how large the image claims to be.
    const m = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
    const width = m.autoOrient?.width ?? m.width;
    const height = m.autoOrient?.height ?? m.height;
    if (!width || !height) throw new Error('no size in header');
    return { format: m.format ?? '', width, height, hasAlpha: m.hasAlpha === true };
  } catch (err) {
    throw fileError('MEDIA_UNREADABLE', unreadableMessage(), { detail: 'header', cause: err });
  }
}

interface EncodedCopy {
  format: StoredFormat;
  width: number;
  height: number;
  bytes: Buffer;
}

/** When the image work of one upload must be done by (performance.now() milliseconds), and its length. */
interface Deadline {
  at: number;
  ms: number;
}

const deadlineIn = (ms: number): Deadline => ({ at: performance.now() + ms, ms });

const tooComplex = (deadline: Deadline, detail: string, cause?: unknown) =>
  fileError(
    'MEDIA_TOO_COMPLEX',
    `This image takes too long to prepare (more than ${Math.max(1, Math.round(deadline.ms / 1000))} s). Save it at a smaller size or in another format and upload it again.`,
    { detail, cause },
  );

/**
 * A pipeline allowed only what is left of the deadline: refused before it starts when nothing is left, and
 * stopped by sharp itself (its timeout, in whole seconds) when it runs past it.
 */
function withinDeadline(image: Sharp, deadline: Deadline): Sharp {
  const left = deadline.at - performance.now();
  if (left <= 0) throw tooComplex(deadline, `deadline of ${deadline.ms} ms passed between steps`);
  return image.timeout({ seconds: Math.ceil(left / 1000) });
}

/**
 * WebP at every width of the ladder (smallest first), then the JPEG or PNG fallback at the largest, last. The
 * original is decoded once, upright and scaled to the largest stored width; every copy is made from those pixels,
 * so the cost of a huge original (a few KB of PNG can hold 40 megapixels) is paid once, not once per copy.
 */
async function encodeCopies(
  original: Sharp,
  size: { width: number; height: number; hasAlpha: boolean },
  deadline: Deadline,
): Promise<EncodedCopy[]> {
  try {
    const { width, height } = size;
    const top = topWidthFor(width);
    const topHeight = Math.max(1, Math.round((top * height) / width));
    const scaled = await withinDeadline(
      original.resize({ width: top, height: topHeight, fit: 'fill' }).raw(),
      deadline,
    ).toBuffer({ resolveWithObject: true });
    const { channels } = scaled.info;
    const image = () => sharp(scaled.data, { raw: { width: top, height: topHeight, channels } });
    // A PNG with an alpha channel that is opaque everywhere is a photograph: JPEG suits it better.
    const transparent = size.hasAlpha && !(await image().stats()).isOpaque;
    const copies: EncodedCopy[] = [];
    for (const w of ladderWidths(top)) {
      const h = w === top ? topHeight : Math.max(1, Math.round((w * height) / width));
      const resized = w === top ? image() : image().resize({ width: w, height: h, fit: 'fill' });
      const { data, info } = await withinDeadline(resized.webp(WEBP), deadline).toBuffer({ resolveWithObject: true });
      copies.push({ format: 'webp', width: info.width, height: info.height, bytes: data });
    }
    const fallback = transparent ? image().png(PNG) : image().flatten({ background: '#ffffff' }).jpeg(JPEG);
    const { data, info } = await withinDeadline(fallback, deadline).toBuffer({ resolveWithObject: true });
    copies.push({ format: transparent ? 'png' : 'jpeg', width: info.width, height: info.height, bytes: data });
    return copies;
  } catch (err) {
    if (isAppError(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    // sharp's own timeout: "timeout: 42% complete".
    if (/^timeout\b/i.test(message)) throw tooComplex(deadline, message, err);
    if (/pixel limit/i.test(message))
      throw fileError(
        'MEDIA_TOO_MANY_PIXELS',
        `This image has more than the ${MEDIA_LIMITS.maxPixels / 1_000_000} megapixels Annalist takes. Scale it down and upload it again.`,
        { detail: message, cause: err },
      );
    throw fileError('MEDIA_UNREADABLE', unreadableMessage(), { detail: message, cause: err });
  }
}
