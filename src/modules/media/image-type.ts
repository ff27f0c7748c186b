import { fileTypeFromBuffer } from 'file-type';

/** The image types an upload may be, by the type its content shows (never its name or declared type). */
export const ACCEPTED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'] as const;
export type AcceptedImageType = (typeof ACCEPTED_IMAGE_TYPES)[number];

/** The format sharp reports for each accepted type (AVIF is read by libheif). */
export const SHARP_FORMAT: Record<AcceptedImageType, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'heif',
};

export type ImageTypeVerdict =
  | { kind: 'image'; mime: AcceptedImageType }
  | { kind: 'svg' }
  /** Something else: another image type we do not take, a document, text, or nothing recognisable. */
  | { kind: 'other'; mime: string | undefined };

// An SVG is XML text: after a byte-order mark, an XML declaration, comments, processing instructions and a
// doctype, its first element is <svg>. Checked on the opening 4 KB, in UTF-8 and UTF-16.
const SVG_START =
  /^\s*(?:<\?xml[^>]*>\s*)?(?:(?:<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>)\s*)*<(?:[A-Za-z_][\w.-]*:)?svg[\s>/]/i;

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 4096));
  const texts = [head.toString('utf8')];
  if (head[0] === 0xff && head[1] === 0xfe) texts.push(head.toString('utf16le'));
  if (head[0] === 0xfe && head[1] === 0xff)
    texts.push(
      Buffer.from(head.subarray(0, head.length - (head.length % 2)))
        .swap16()
        .toString('utf16le'),
    );
  return texts.some((t) => SVG_START.test(t.replace(/^\uFEFF/, '')));
}

/** What an upload is, from its bytes. SVG gets its own verdict: it is checked as text, then drawn (svg-upload.ts). */
export async function detectImageType(bytes: Uint8Array): Promise<ImageTypeVerdict> {
  const found = await fileTypeFromBuffer(bytes);
  if (found && (ACCEPTED_IMAGE_TYPES as readonly string[]).includes(found.mime))
    return { kind: 'image', mime: found.mime as AcceptedImageType };
  if (looksLikeSvg(bytes)) return { kind: 'svg' };
  return { kind: 'other', mime: found?.mime };
}
