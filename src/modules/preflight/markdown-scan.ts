import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

/** A run of prose as a reader sees it (one Markdown text node), with the body line it starts on. */
export interface ProseText {
  text: string;
  line: number;
  /** Inside a block quote: quoted sources may speak of other times. */
  inQuote: boolean;
  /** Inside a footnote: notes cite sources (their dates are publication dates). */
  inNote: boolean;
  /** A link's words, or an entity mention's (`:person[…]{#…}`): already pointing somewhere. */
  inLink?: boolean;
}

export interface ScannedLink {
  url: string;
  line: number;
  source: 'link' | 'image' | 'figure' | 'definition';
}

export interface ScannedImage {
  url: string;
  alt: string;
  line: number;
  source: 'image' | 'figure';
}

export interface ScannedHeading {
  depth: number;
  text: string;
  line: number;
}

export interface ScannedMarkdown {
  prose: ProseText[];
  links: ScannedLink[];
  images: ScannedImage[];
  headings: ScannedHeading[];
}

// The parts of mdast (with remark-gfm and remark-directive) the scan reads; loose, as directive types are not ours.
interface MdNode {
  type: string;
  value?: string;
  url?: string;
  alt?: string | null;
  depth?: number;
  identifier?: string;
  name?: string;
  attributes?: Record<string, string | null | undefined> | null;
  children?: MdNode[];
  position?: { start: { line: number } };
}

/** Not prose: code, raw HTML (never rendered), footnote and reference markers, and math. */
const SKIPPED = new Set(['code', 'inlineCode', 'html', 'footnoteReference', 'yaml', 'math', 'inlineMath']);

const processor = unified().use(remarkParse).use(remarkGfm).use(remarkDirective);

/** The directives whose words mention an entity (markdown/mention-directive.ts). */
const MENTION_NAMES = new Set(['person', 'place', 'event', 'org']);

const textOf = (node: MdNode): string =>
  node.type === 'text' ? (node.value ?? '') : (node.children ?? []).map(textOf).join('');

/** True when a link's text is its own address (autolinks, "www.example.org"): not words to spell-check. */
function isAddressText(text: string, url: string): boolean {
  const t = text.trim();
  return t === url || url.endsWith(t) || /^\S+[./@]\S+$/.test(t);
}

/**
 * Reads an article body with the site's own Markdown stack (remark-parse + GFM + directives, as the renderer
 * does) and lists what the preflight checks look at: prose, links, images and headings, with body line numbers.
 */
export function scanMarkdown(source: string): ScannedMarkdown {
  const tree = processor.parse(source) as unknown as MdNode;
  const out: ScannedMarkdown = { prose: [], links: [], images: [], headings: [] };
  const definitions = new Map<string, string>();
  const lineOf = (node: MdNode, fallback: number) => node.position?.start.line ?? fallback;

  const walk = (
    node: MdNode,
    ctx: { line: number; inQuote: boolean; inNote: boolean; linkUrl?: string; inLink?: boolean },
  ) => {
    const line = lineOf(node, ctx.line);
    if (SKIPPED.has(node.type)) return;
    switch (node.type) {
      case 'text':
        if (ctx.linkUrl !== undefined && isAddressText(node.value ?? '', ctx.linkUrl)) return;
        out.prose.push({
          text: node.value ?? '',
          line,
          inQuote: ctx.inQuote,
          inNote: ctx.inNote,
          ...(ctx.inLink ? { inLink: true } : {}),
        });
        return;
      case 'heading':
        out.headings.push({ depth: node.depth ?? 2, text: textOf(node).trim(), line });
        break;
      case 'link':
        out.links.push({ url: node.url ?? '', line, source: 'link' });
        for (const child of node.children ?? []) walk(child, { ...ctx, line, linkUrl: node.url ?? '', inLink: true });
        return;
      case 'linkReference':
        for (const child of node.children ?? []) walk(child, { ...ctx, line, inLink: true });
        return;
      case 'definition':
        definitions.set(node.identifier ?? '', node.url ?? '');
        out.links.push({ url: node.url ?? '', line, source: 'definition' });
        return;
      case 'image':
        out.links.push({ url: node.url ?? '', line, source: 'image' });
        out.images.push({ url: node.url ?? '', alt: node.alt ?? '', line, source: 'image' });
        return;
      case 'imageReference':
        // Resolved after the walk: a definition may come later in the document.
        out.images.push({ url: `\0${node.identifier ?? ''}`, alt: node.alt ?? '', line, source: 'image' });
        return;
      case 'leafDirective':
      case 'containerDirective':
      case 'textDirective':
        if (node.name === 'figure') {
          const attrs = node.attributes ?? {};
          out.links.push({ url: attrs.src ?? '', line, source: 'figure' });
          out.images.push({ url: attrs.src ?? '', alt: attrs.alt ?? '', line, source: 'figure' });
        }
        if (node.type === 'textDirective' && MENTION_NAMES.has(node.name ?? '')) {
          for (const child of node.children ?? []) walk(child, { ...ctx, line, inLink: true });
          return;
        }
        break; // the label (a figure's caption) is prose; the name and attributes are not
      case 'blockquote':
        for (const child of node.children ?? []) walk(child, { ...ctx, line, inQuote: true });
        return;
      case 'footnoteDefinition':
        for (const child of node.children ?? []) walk(child, { ...ctx, line, inNote: true });
        return;
    }
    for (const child of node.children ?? []) walk(child, { ...ctx, line });
  };
  walk(tree, { line: 1, inQuote: false, inNote: false });

  for (const image of out.images) {
    if (image.url.startsWith('\0')) image.url = definitions.get(image.url.slice(1)) ?? '';
  }
  return out;
}
