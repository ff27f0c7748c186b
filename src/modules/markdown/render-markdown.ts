import GithubSlugger from 'github-slugger';
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { toString as hastToString } from 'hast-util-to-string';
import type { Image, Root as MdastRoot, Paragraph, PhrasingContent, RootContent, Text } from 'mdast';
import { toString as mdastToString } from 'mdast-util-to-string';
import rehypeSanitize, { defaultSchema, type Options as Schema } from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { SKIP, visit } from 'unist-util-visit';
import { responsiveSet } from '../media/media-names.ts';
import { type CitationResolver, moveBibliographyLast, remarkCitations } from './cite-directive.ts';
import { ENTITY_FOLDERS, type MentionOptions, remarkMentions } from './mention-directive.ts';

export type { CitationResolver, CiteItem } from './cite-directive.ts';

/** Bump when the output of renderMarkdown changes, so stored renders are refreshed on read. */
export const RENDER_VERSION = 10;

export interface TocEntry {
  depth: 2 | 3;
  id: string;
  text: string;
}

export interface RenderedMarkdown {
  html: string;
  toc: TocEntry[];
  /** Plain text of the whole body, for search and word counts. */
  text: string;
  wordCount: number;
}

const SAFE_URL = /^(https?:\/\/|mailto:|\/(?!\/)|#|\.{0,2}\/|[^:/?#]+(?:[/?#]|$))/i;

/** True for URLs an author may link or embed: http(s), mailto, site-relative and fragment links only. */
export function isSafeUrl(url: string): boolean {
  return SAFE_URL.test(url.trim());
}

// Directives come from remark-directive: `::figure[caption]{src alt credit}` is ours; anything else an author
// typed by accident ("see note:this") goes back to being text rather than vanishing.
interface DirectiveNode {
  type: 'textDirective' | 'leafDirective' | 'containerDirective';
  name: string;
  attributes?: Record<string, string | null | undefined> | null;
  children: PhrasingContent[];
  data?: Record<string, unknown>;
}

function figureNode(src: string, alt: string, caption: PhrasingContent[], credit: string | undefined): RootContent {
  const children: PhrasingContent[] = [{ type: 'image', url: src, alt, title: null } as Image];
  const captionChildren: PhrasingContent[] = [...caption];
  if (credit) {
    captionChildren.push({
      type: 'emphasis',
      data: { hName: 'span', hProperties: { className: ['credit'] } },
      children: [{ type: 'text', value: credit }],
    });
  }
  const figcaption = {
    type: 'paragraph',
    data: { hName: 'figcaption' },
    children: captionChildren,
  } as Paragraph;
  return {
    type: 'paragraph',
    data: { hName: 'figure' },
    children: [...children, figcaption as unknown as PhrasingContent],
  } as Paragraph;
}

function remarkAnnalist() {
  return (tree: MdastRoot) => {
    visit(tree, (node, index, parent) => {
      if (!parent || index === undefined) return;
      // The page title is the only h1: headings in a body start at h2.
      if (node.type === 'heading' && node.depth === 1) node.depth = 2;
      if (node.type === 'leafDirective' || node.type === 'containerDirective' || node.type === 'textDirective') {
        const d = node as unknown as DirectiveNode;
        const attrs = d.attributes ?? {};
        if (d.type === 'leafDirective' && d.name === 'figure' && attrs.src && isSafeUrl(attrs.src)) {
          parent.children[index] = figureNode(
            attrs.src,
            attrs.alt ?? '',
            d.children,
            attrs.credit ?? undefined,
          ) as never;
          return SKIP;
        }
        const label = mdastToString(d as never);
        const text: Text = {
          type: 'text',
          value: `:${d.type === 'textDirective' ? '' : ':'}${d.name}${label ? `[${label}]` : ''}`,
        };
        parent.children[index] = (d.type === 'textDirective' ? text : { type: 'paragraph', children: [text] }) as never;
        return SKIP;
      }
      // A paragraph holding one image becomes a figure; the image title is its caption.
      if (
        node.type === 'paragraph' &&
        node.children.length === 1 &&
        node.children[0]?.type === 'image' &&
        parent.type === 'root'
      ) {
        const img = node.children[0];
        if (img.title) {
          parent.children[index] = figureNode(
            img.url,
            img.alt ?? '',
            [{ type: 'text', value: img.title }],
            undefined,
          ) as never;
          return SKIP;
        }
      }
      return undefined;
    });
  };
}

const MENTION_CLASSES = Object.keys(ENTITY_FOLDERS).map((kind) => `mention-${kind}`);

const sanitizeSchema: Schema = {
  ...defaultSchema,
  // Safe only while raw HTML stays off: ids come from our own pipeline (footnotes, headings), not from authors.
  clobberPrefix: '',
  tagNames: [...(defaultSchema.tagNames ?? []), 'figure', 'figcaption'],
  attributes: {
    ...defaultSchema.attributes,
    span: [['className', 'credit', 'cite-unknown', 'mention-unknown'], 'title'],
    // The sanitiser reads the first className rule it finds: the footnotes' class and the mentions' in one.
    a: [
      ...(defaultSchema.attributes?.a ?? []).filter((d) => !Array.isArray(d) || d[0] !== 'className'),
      ['className', 'data-footnote-backref', 'mention', ...MENTION_CLASSES],
      'dataEntity',
    ],
    h2: [['className', 'sr-only'], 'id'],
    section: ['dataFootnotes', ['className', 'footnotes', 'bibliography']],
  },
  protocols: { ...defaultSchema.protocols, src: ['http', 'https'], href: ['http', 'https', 'mailto'] },
};

function rehypeAnnalist(toc: TocEntry[]) {
  return () => (tree: HastRoot) => {
    moveBibliographyLast(tree);
    const slugger = new GithubSlugger();
    visit(tree, 'element', (el: Element) => {
      if (el.tagName === 'h2' && el.properties.id === 'footnote-label') {
        el.properties.id = 'notes';
        delete el.properties.className;
        toc.push({ depth: 2, id: 'notes', text: hastToString(el).trim() });
      } else if ((el.tagName === 'h2' || el.tagName === 'h3') && !el.properties.id) {
        const text = hastToString(el).trim();
        const id = slugger.slug(text || 'section');
        el.properties.id = id;
        toc.push({ depth: el.tagName === 'h2' ? 2 : 3, id, text });
      }
      if (el.tagName === 'img') {
        el.properties.loading = 'lazy';
        el.properties.decoding = 'async';
        addResponsiveSizes(el);
      }
      // GFM emits the obsolete align attribute on table cells; a class keeps the look under a strict CSP.
      if ((el.tagName === 'td' || el.tagName === 'th') && typeof el.properties.align === 'string') {
        el.properties.className = [`align-${el.properties.align}`];
        delete el.properties.align;
      }
      if (el.tagName === 'a' && el.properties.ariaDescribedBy !== undefined) {
        el.properties.ariaDescribedBy = ['notes'];
      }
    });
    // A note's back-link (↩) stays on the line with the note's last word instead of wrapping alone.
    visit(tree, 'element', (el: Element, index, parent) => {
      if (el.tagName !== 'a' || el.properties.dataFootnoteBackref === undefined || !parent || !index) return;
      const before = parent.children[index - 1];
      if (before?.type === 'text') before.value = before.value.replace(/ $/, '\u00a0');
    });
    // Wrap tables so they can scroll sideways on narrow screens.
    visit(tree, 'element', (el: Element, index, parent) => {
      if (el.tagName !== 'table' || !parent || index === undefined) return;
      const wrapper: Element = {
        type: 'element',
        tagName: 'div',
        properties: { className: ['table-scroll'], tabIndex: 0, role: 'region', ariaLabel: 'Table' },
        children: [el as ElementContent],
      };
      parent.children[index] = wrapper;
      return SKIP;
    });
  };
}

// An article column is at most about 42rem wide; on a narrower screen an image takes the width of the screen.
const IMAGE_SIZES = '(min-width: 46rem) 42rem, 100vw';

/**
 * One of our uploaded images (see media-names.ts) gets the WebP copies of every stored width as `srcset`, and the
 * size of the largest as `width` and `height` so the page does not jump as it loads. Derived from the name alone.
 */
function addResponsiveSizes(img: Element): void {
  const src = img.properties.src;
  const set = typeof src === 'string' ? responsiveSet(src) : undefined;
  if (!set) return;
  img.properties.srcSet = set.srcset;
  img.properties.sizes = IMAGE_SIZES;
  img.properties.width = set.width;
  img.properties.height = set.height;
}

/** The words of a document, blocks separated by spaces (mdast-util-to-string would glue paragraphs together). */
function plainText(tree: MdastRoot): string {
  const parts: string[] = [];
  visit(tree, (node) => {
    if (TEXT_BLOCKS.has(node.type)) {
      parts.push(mdastToString(node, { includeImageAlt: false }).replace(/\s+/g, ' ').trim());
      return SKIP;
    }
    return undefined;
  });
  // One line per block, so search snippets can show where a heading ends and a paragraph begins.
  return parts.filter(Boolean).join('\n');
}

const TEXT_BLOCKS = new Set(['paragraph', 'heading', 'tableCell', 'code', 'leafDirective']);

const NO_MENTIONS: MentionOptions = { known: new Set() };

export interface RenderOptions {
  /** Formats `:cite[key]{p=112}`; without it a cite stays the literal text it is (comments, widgets). */
  citations?: CitationResolver;
  /** Mark cites of unknown keys (the editor's preview). */
  flagUnknownCitations?: boolean;
  /** The entities the text mentions that exist; without it every mention is its plain text. */
  mentions?: MentionOptions;
}

/**
 * Renders an author's Markdown (GFM with tables and footnotes, plus `::figure`, `:cite` when given a citation
 * resolver, and entity mentions `:person[…]{#slug}` linked when known) to sanitised HTML with heading ids, a table of contents and the plain text. Raw HTML in the
 * source is never passed through.
 */
export function renderMarkdown(source: string, opts: RenderOptions = {}): RenderedMarkdown {
  const toc: TocEntry[] = [];
  const cited = opts.citations
    ? { citations: opts.citations, flagUnknown: opts.flagUnknownCitations ?? false }
    : undefined;
  const processor = unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkDirective)
    .use(cited ? () => remarkCitations(cited) : () => undefined)
    .use(() => remarkMentions(opts.mentions ?? NO_MENTIONS))
    .use(remarkAnnalist)
    .use(remarkRehype, {
      footnoteLabel: 'Notes',
      footnoteBackLabel: (n: number, again: number) =>
        `Back to reference ${n + 1}${again > 1 ? ` (use ${again})` : ''}`,
    })
    .use(rehypeSanitize, sanitizeSchema)
    .use(rehypeAnnalist(toc))
    .use(rehypeStringify);
  const mdast = processor.parse(source);
  let text = plainText(mdast);
  const hast = processor.runSync(mdast);
  // With citations the notes and bibliography (added by the run above, in place) are part of the text.
  if (cited) text = plainText(mdast);
  const html = processor.stringify(hast as HastRoot);
  const wordCount = text === '' ? 0 : text.split(/\s+/).length;
  return { html, toc, text, wordCount };
}
