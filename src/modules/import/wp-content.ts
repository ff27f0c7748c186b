import { escapeMarkup } from '../shared/escape.ts';
import { type HtmlToMarkdownOptions, htmlToMarkdown } from './html-to-markdown.ts';
import { autop, hasBlocks } from './wp-autop.ts';

/**
 * A WordPress post body to Annalist Markdown: block comments removed (core blocks are plain HTML inside them;
 * any other block keeps its inner HTML and is named in the report), the five media shortcodes turned into
 * HTML, classic text given its paragraphs, then the HTML converted. Unknown shortcodes stay visible as text.
 */
export interface ConvertedBody {
  markdown: string;
  unknownBlocks: string[];
  unknownShortcodes: string[];
  /** Shortcodes that were mapped, by name (for the report's counts). */
  shortcodes: string[];
}

/**
 * What a body may need from the rest of the export: attachment addresses by old id (galleries), with their alt
 * text and caption when known, and how addresses become this site's (html-to-markdown's `address`, `imageAlt`).
 */
export interface BodyContext extends HtmlToMarkdownOptions {
  attachmentUrl: (id: string) => string | undefined;
  attachmentText?: (id: string) => { alt: string; caption: string } | undefined;
}

// Core blocks whose saved HTML says everything (layout blocks simply hold other blocks).
const MAPPED_BLOCKS = new Set(
  [
    'paragraph',
    'heading',
    'list',
    'list-item',
    'image',
    'quote',
    'pullquote',
    'table',
    'code',
    'preformatted',
    'verse',
    'separator',
    'spacer',
    'gallery',
    'embed',
    'video',
    'audio',
    'file',
    'html',
    'freeform',
    'more',
    'nextpage',
    'columns',
    'column',
    'group',
    'buttons',
    'button',
    'media-text',
    'cover',
    'details',
    'footnotes',
    'shortcode',
  ].map((n) => `core/${n}`),
);

const BLOCK_COMMENT = /<!--\s+(\/)?wp:([a-z][a-z0-9_-]*(?:\/[a-z][a-z0-9_-]*)?)(?:\s+(\{[\s\S]*?\}))?\s+(\/)?-->/g;

export function convertWordpressBody(content: string, ctx: BodyContext): ConvertedBody {
  const unknownBlocks = new Set<string>();
  const blocks = hasBlocks(content);
  const html = content.replace(BLOCK_COMMENT, (_m, closing: string | undefined, name: string) => {
    const full = name.includes('/') ? name : `core/${name}`;
    // core-embed/youtube and its kin: the embed block before WordPress 5.6 (its HTML holds the address).
    if (!closing && !MAPPED_BLOCKS.has(full) && !full.startsWith('core-embed/')) unknownBlocks.add(full);
    return '';
  });
  const codes = replaceShortcodes(html, ctx);
  const withParagraphs = blocks ? codes.text : autop(codes.text);
  return {
    markdown: htmlToMarkdown(withParagraphs.replace(/<!--[\s\S]*?-->/g, ''), {
      address: ctx.address,
      imageAlt: ctx.imageAlt,
    }),
    unknownBlocks: [...unknownBlocks],
    unknownShortcodes: codes.unknown,
    shortcodes: codes.mapped,
  };
}

const SHORTCODE = /\[(\[?)([a-zA-Z][\w-]*)((?:\s[^\]]*)?)\](?:([\s\S]*?)\[\/\2\])?(\]?)/g;
const ATTRIBUTE = /([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s'"]+))/g;

function attributesOf(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of raw.matchAll(ATTRIBUTE)) out.set((m[1] as string).toLowerCase(), m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

function replaceShortcodes(text: string, ctx: BodyContext): { text: string; unknown: string[]; mapped: string[] } {
  const unknown = new Set<string>();
  const mapped: string[] = [];
  const out = text.replace(
    SHORTCODE,
    (whole, open: string, rawName: string, rawAttrs: string, inner: string | undefined, close: string) => {
      // [[name]] is WordPress's way of writing a shortcode as text.
      if (open && close) return whole.slice(1, -1);
      const name = rawName.toLowerCase();
      const attrs = attributesOf(rawAttrs);
      const html = mapShortcode(name, attrs, inner, ctx);
      if (html !== undefined) {
        mapped.push(name);
        return open + html + close;
      }
      // Brackets in prose ("[sic]") are not shortcodes: only a name with attributes or a closing tag counts.
      if (rawAttrs.trim() !== '' || inner !== undefined || /[_-]/.test(name)) unknown.add(name);
      return whole;
    },
  );
  return { text: out, unknown: [...unknown], mapped };
}

function mapShortcode(
  name: string,
  attrs: Map<string, string>,
  inner: string | undefined,
  ctx: BodyContext,
): string | undefined {
  if (name === 'caption' || name === 'wp_caption') {
    const body = inner ?? '';
    const img = /<a\b[^>]*>\s*<img\b[^>]*>\s*<\/a>|<img\b[^>]*>/i.exec(body)?.[0] ?? '';
    const caption = (attrs.get('caption') ?? body.replace(img, '')).trim();
    return `<figure>${img}<figcaption>${caption}</figcaption></figure>`;
  }
  if (name === 'gallery') {
    const ids = (attrs.get('ids') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const images = ids.flatMap((id) => {
      const url = ctx.attachmentUrl(id);
      return url === undefined ? [] : [{ url, ...(ctx.attachmentText?.(id) ?? { alt: '', caption: '' }) }];
    });
    if (images.length === 0) return '<p><em>(A gallery of the old site.)</em></p>';
    const img = (i: { url: string; alt: string }) => `<img src="${escapeMarkup(i.url)}" alt="${escapeMarkup(i.alt)}">`;
    // Captioned images are figures, one after another, as WordPress showed each caption under its image.
    if (images.some((i) => i.caption))
      return images
        .map(
          (i) => `<figure>${img(i)}${i.caption ? `<figcaption>${escapeMarkup(i.caption)}</figcaption>` : ''}</figure>`,
        )
        .join('');
    return `<ul>${images.map((i) => `<li>${img(i)}</li>`).join('')}</ul>`;
  }
  if (name === 'audio' || name === 'video') {
    const keys = name === 'audio' ? ['src', 'mp3', 'm4a', 'ogg', 'wav'] : ['src', 'mp4', 'm4v', 'webm', 'ogv'];
    const src = keys.map((k) => attrs.get(k)).find(Boolean);
    if (!src) return '';
    const label = `${name === 'audio' ? 'Audio' : 'Video'}: ${src.split('/').pop() ?? src}`;
    return `<p><a href="${escapeMarkup(src)}">${escapeMarkup(label)}</a></p>`;
  }
  if (name === 'embed') {
    const url = (inner ?? attrs.get('src') ?? '').trim();
    return url ? `<p><a href="${escapeMarkup(url)}">${escapeMarkup(url)}</a></p>` : '';
  }
  return undefined;
}
