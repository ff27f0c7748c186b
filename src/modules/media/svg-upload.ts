// SVG uploads (issue 16, decision 047): an SVG is never stored or served as SVG. It is read as text first and
// refused when it could make the renderer reach outside the file (a reference to another file or address, a
// stylesheet import) or carries what has no place in a drawing (scripts, embedded HTML, a DOCTYPE with its
// entities); what is left is rasterised by sharp (librsvg) into the usual WebP ladder and PNG/JPEG fallback.

import sharp from 'sharp';

/** References that stay inside the file: a fragment (`#id`), or a raster image written into it. */
const INTERNAL_REF = /^(?:#[^\s]*|data:image\/(?:png|jpeg|jpg|gif|webp)[;,][^\s]*)$/i;

/** The five predefined XML entities and character references, decoded as the XML parser will decode them. */
function decodeXmlText(value: string): string {
  return value.replace(/&(?:#x([0-9a-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/gi, (whole, hex, dec, name) => {
    if (hex || dec) {
      const code = Number.parseInt(hex ?? dec, hex ? 16 : 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[String(name).toLowerCase()] ?? whole;
  });
}

const shortened = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s);

const outside = (ref: string) =>
  `This SVG refers to something outside the file (${shortened(ref)}), which Annalist does not fetch. Put what it shows into the drawing itself (or export it as PNG) and upload it again.`;

/** Every value of an `href` attribute (any prefix: `xlink:href`, XInclude's, a stylesheet instruction's). */
const HREF = /href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
/** Every CSS `url(…)` (in a style element, a style attribute or a presentation attribute such as fill). */
const CSS_URL = /url\s*\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)/gi;

function externalReference(text: string): string | undefined {
  for (const pattern of [HREF, CSS_URL])
    for (const m of text.matchAll(pattern)) {
      const ref = decodeXmlText(m[1] ?? m[2] ?? m[3] ?? '').trim();
      if (!INTERNAL_REF.test(ref)) return ref === '' ? '(an empty address)' : ref;
    }
  return undefined;
}

/** The SVG's text, or why it cannot be read as UTF-8 (the one encoding taken, so nothing hides in another). */
function svgText(bytes: Uint8Array): { text: string } | { problem: string } {
  const reEncode = {
    problem: 'Save the SVG as UTF-8 text (drawing programs offer it when exporting) and upload it again.',
  };
  if (bytes.includes(0) || (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    return reEncode;
  const text = Buffer.from(bytes)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']/i.exec(text)?.[1];
  if (declared && !/^(?:utf-?8|us-ascii|ascii)$/i.test(declared)) return reEncode;
  return { text };
}

/**
 * Why an SVG upload is refused, in words for its uploader, or undefined when it may be rasterised: it must be
 * UTF-8, declare no DOCTYPE or entities, hold no `<script>` or `<foreignObject>`, import no stylesheet, and
 * refer (href, xlink:href, url()) to nothing but its own fragments and embedded PNG, JPEG, GIF or WebP images.
 */
export function svgRefusal(bytes: Uint8Array): string | undefined {
  const read = svgText(bytes);
  if ('problem' in read) return read.problem;
  const { text } = read;
  if (/<!(?:DOCTYPE|ENTITY)/i.test(text))
    return 'This SVG declares a DOCTYPE or entities, which Annalist does not read. Remove the <!DOCTYPE …> part (or export the drawing again without it) and upload it again.';
  if (/<(?:[\w.-]+:)?script[\s>/]/i.test(text))
    return 'This SVG contains a script (<script>). Export the drawing without scripts, or as PNG, and upload that.';
  if (/<(?:[\w.-]+:)?foreignObject[\s>/]/i.test(text))
    return 'This SVG contains embedded HTML (<foreignObject>), which cannot be drawn safely. Export the drawing as plain SVG or PNG and upload that.';
  if (/@import\b/i.test(text)) return outside('@import');
  const ref = externalReference(text);
  return ref === undefined ? undefined : outside(ref);
}

/** The bytes of every raster image written into the SVG (a `data:` address of an href or a url()). */
function embeddedImages(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const pattern of [HREF, CSS_URL])
    for (const m of text.matchAll(pattern)) {
      const ref = decodeXmlText(m[1] ?? m[2] ?? m[3] ?? '').trim();
      const comma = ref.indexOf(',');
      if (!/^data:/i.test(ref) || comma < 0) continue;
      const payload = ref.slice(comma + 1);
      out.push(
        /;base64$/i.test(ref.slice(0, comma))
          ? Buffer.from(payload, 'base64')
          : Buffer.from(
              payload.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
              'latin1',
            ),
      );
    }
  return out;
}

/**
 * Why the pictures embedded in an SVG (which passed `svgRefusal`) are refused, or undefined. librsvg decodes each
 * one whole, whatever size it is drawn at, and outside the pixel limit of the upload itself: a few kilobytes of PNG
 * can claim 8,000 × 8,000 pixels and take seconds and gigabytes to draw. So their sizes, read from their headers,
 * must add up to no more than `maxPixels`, the limit of any upload; a picture whose header cannot be read is refused.
 */
export async function svgEmbeddedRefusal(bytes: Uint8Array, maxPixels: number): Promise<string | undefined> {
  const read = svgText(bytes);
  if ('problem' in read) return read.problem;
  let total = 0;
  for (const image of embeddedImages(read.text)) {
    const meta = await sharp(image, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    if (!meta?.width || !meta.height)
      return 'This SVG embeds a picture that cannot be read (it may be damaged or cut short). Embed it again, or export the drawing as PNG, and upload that.';
    total += meta.width * meta.height;
  }
  if (total <= maxPixels) return undefined;
  const mp = (n: number) => Math.ceil(n / 1_000_000).toLocaleString('en');
  return `The pictures embedded in this SVG have ${mp(total)} megapixels in all, more than the ${mp(maxPixels)} megapixels Annalist takes. Embed smaller pictures (or export the drawing as PNG) and upload it again.`;
}

/** The widest an SVG is drawn: the top of the stored ladder (media-names.ts). */
const SVG_TARGET_WIDTH = 1600;

/**
 * The density to draw an SVG at: twice its own size (sharp for screens of two device pixels per CSS pixel),
 * up to SVG_TARGET_WIDTH wide, never smaller than its own size. 72 is sharp's density for an SVG's own size.
 */
export function svgDensity(ownWidth: number): number {
  const scale = Math.max(1, Math.min(2, SVG_TARGET_WIDTH / Math.max(1, ownWidth)));
  return 72 * scale;
}
