import type { Element, ElementContent, Root, RootContent, Text } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toString as hastText } from 'hast-util-to-string';
import { AppError } from '../shared/errors.ts';
import { escapeDirectiveAttribute } from '../shared/escape.ts';

/**
 * HTML (as WordPress stores it, after its paragraph rules and block comments are dealt with) to Annalist's
 * Markdown: paragraphs, headings, lists, links, emphasis, images and figures with captions, quotes, tables and
 * code. What has no Markdown form keeps its text; scripts, styles, forms and frames are dropped (an iframe
 * becomes a link to what it showed). The result is ordinary Markdown: the normal renderer and its sanitiser
 * still decide what a reader gets, so nothing in the HTML can run.
 */
export function htmlToMarkdown(html: string, opts: HtmlToMarkdownOptions = {}): string {
  let tree: Root;
  try {
    tree = fromHtml(html, { fragment: true });
  } catch (err) {
    // The HTML parser's tree builder recurses once per level: thousands of nested elements overflow it.
    if (!(err instanceof RangeError)) throw err;
    throw new AppError(
      'IMPORT_MALFORMED',
      'A post or comment nests its HTML thousands of levels deep, so nothing was imported.',
      {
        detail: err.message,
      },
    );
  }
  flattenDeep(tree, MAX_HTML_DEPTH);
  if (opts.address) rewriteAddresses(tree, opts.address, opts.imageAlt);
  return blocksOf(tree.children).join('\n\n').trim();
}

export interface HtmlToMarkdownOptions {
  /**
   * Rewrites a link's or an image's address before it is kept (an old site's own addresses made local). For an
   * image, undefined means its file is not available: a visible placeholder with its alt text takes its place,
   * never a broken image. For a link, undefined keeps only its words.
   */
  address?: (url: string, use: 'link' | 'image') => string | undefined;
  /** With `address`: the alt text for an image that has none (the words its library kept for it). */
  imageAlt?: (url: string) => string | undefined;
}

/** Applies `address` to every href and src, walking with a stack of its own (no recursion). */
function rewriteAddresses(
  root: Root,
  address: NonNullable<HtmlToMarkdownOptions['address']>,
  imageAlt: HtmlToMarkdownOptions['imageAlt'],
): void {
  const stack: (Root | Element)[] = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    node.children = node.children.map((child) => {
      if (child.type !== 'element') return child;
      const href = attr(child, 'href');
      if (href !== undefined) child.properties.href = address(href, 'link');
      const src = attr(child, 'src');
      if (src !== undefined) {
        if (child.tagName === 'img' && imageAlt && !attr(child, 'alt')?.trim()) {
          const alt = imageAlt(src);
          if (alt) child.properties.alt = alt;
        }
        const to = address(src, child.tagName === 'img' || child.tagName === 'source' ? 'image' : 'link');
        if (to === undefined && child.tagName === 'img') return missingImage(child, src);
        child.properties.src = to;
      }
      stack.push(child);
      return child;
    }) as typeof node.children;
  }
}

/** The words that stand where an image is missing: its alt text, or its file name. */
function missingImage(img: Element, src: string): Element {
  const alt = (attr(img, 'alt') ?? '').replace(/\s+/g, ' ').trim();
  const name = src.split(/[?#]/)[0]?.split('/').pop() ?? '';
  return {
    type: 'element',
    tagName: 'em',
    properties: {},
    children: [{ type: 'text', value: `(Image not moved yet: ${alt || name || 'no description'})` }],
  };
}

/**
 * Elements nested deeper than this keep only their text: the conversion recurses once per level, and the
 * Markdown it writes must stay within the renderer's nesting limit (decision 024). An export nested a thousand
 * lists deep is hostile or broken; its words survive, its structure does not.
 */
const MAX_HTML_DEPTH = 24;

/** Replaces every element deeper than `max` with its text, walking with a stack of its own (no recursion). */
function flattenDeep(root: Root, max: number): void {
  const stack: { node: Root | Element; depth: number }[] = [{ node: root, depth: 0 }];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const { node, depth } = top;
    node.children = node.children.map((child) => {
      if (child.type !== 'element') return child;
      if (depth + 1 > max) return { type: 'text', value: hastText(child) } satisfies Text;
      stack.push({ node: child, depth: depth + 1 });
      return child;
    }) as typeof node.children;
  }
}

type Node = RootContent | ElementContent;

const DROPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'object',
  'embed',
  'form',
  'input',
  'button',
  'select',
  'textarea',
  'svg',
  'math',
  'head',
  'title',
  'meta',
  'link',
]);
const CONTAINERS = new Set([
  'div',
  'section',
  'article',
  'aside',
  'header',
  'footer',
  'main',
  'nav',
  'center',
  'details',
  'summary',
  'dl',
  'dd',
  'dt',
  'address',
  'hgroup',
  'body',
  'html',
]);
const BLOCKS = new Set([
  ...CONTAINERS,
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'table',
  'figure',
  'figcaption',
  'hr',
  'iframe',
  'video',
  'audio',
]);

const isElement = (n: Node): n is Element => n.type === 'element';
const isBlock = (n: Node) => isElement(n) && (BLOCKS.has(n.tagName) || DROPPED.has(n.tagName));

/** Block-level Markdown for a run of nodes: inline runs between blocks become paragraphs. */
function blocksOf(nodes: Node[]): string[] {
  const out: string[] = [];
  let run: Node[] = [];
  const flush = () => {
    const text = paragraph(inlineOf(run));
    if (text) out.push(text);
    run = [];
  };
  for (const n of nodes) {
    if (!isBlock(n)) {
      if (n.type !== 'comment' && n.type !== 'doctype') run.push(n);
      continue;
    }
    flush();
    out.push(...blockOf(n as Element));
  }
  flush();
  return out.filter((b) => b.trim() !== '');
}

function blockOf(el: Element): string[] {
  const tag = el.tagName;
  if (DROPPED.has(tag)) return [];
  if (CONTAINERS.has(tag) || tag === 'li') return blocksOf(el.children);
  if (tag === 'p') return [paragraph(inlineOf(el.children))];
  if (/^h[1-6]$/.test(tag)) {
    const text = inlineOf(el.children).replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim();
    return text ? [`${'#'.repeat(Number(tag[1]))} ${text}`] : [];
  }
  if (tag === 'hr') return ['---'];
  if (tag === 'ul' || tag === 'ol') return [listOf(el)];
  if (tag === 'blockquote') return [quoted(blocksOf(el.children).join('\n\n'))];
  if (tag === 'pre') return [codeBlock(el)];
  if (tag === 'table') return tableOf(el);
  if (tag === 'figure') return figureOf(el);
  if (tag === 'figcaption') return [paragraph(`*${inlineOf(el.children).trim()}*`)];
  // Frames and players: a link to what they showed, nothing that loads or runs.
  const src = attr(el, 'src') ?? sourceOf(el);
  if (src && safeUrl(src)) return [`[${escapeText(labelFor(tag, src))}](${urlOf(src)})`];
  return [];
}

function sourceOf(el: Element): string | undefined {
  for (const c of el.children) if (isElement(c) && c.tagName === 'source') return attr(c, 'src');
  return undefined;
}

const labelFor = (tag: string, src: string) =>
  `${tag === 'audio' ? 'Audio' : tag === 'video' ? 'Video' : 'Embedded content'}: ${src.replace(/^https?:\/\//, '')}`;

function paragraph(inline: string): string {
  const lines = inline
    .replace(/[ \t]+/g, ' ')
    .split('\n')
    .map((l) => l.trim());
  return lines.map(escapeLineStart).join('\n').replace(/\\$/, '').trim();
}

/** Inline Markdown for phrasing content; whitespace collapsed as a browser would. */
function inlineOf(nodes: Node[]): string {
  let out = '';
  for (const n of nodes) {
    if (n.type === 'text') out += escapeText((n as Text).value.replace(/\s+/g, ' '));
    else if (isElement(n)) out += inlineElement(n);
  }
  return out;
}

function inlineElement(el: Element): string {
  const tag = el.tagName;
  const inner = () => inlineOf(el.children);
  if (DROPPED.has(tag)) return '';
  if (tag === 'br') return '\\\n';
  if (tag === 'strong' || tag === 'b') return wrap(inner(), '**');
  if (tag === 'em' || tag === 'i' || tag === 'cite') return wrap(inner(), '*');
  if (tag === 'del' || tag === 's' || tag === 'strike') return wrap(inner(), '~~');
  if (tag === 'code' || tag === 'kbd' || tag === 'samp') return inlineCode(hastText(el));
  if (tag === 'img') return imageOf(el);
  if (tag === 'a') {
    const href = attr(el, 'href');
    const text = inner().trim();
    if (!href || !safeUrl(href)) return text;
    return `[${text || escapeText(href)}](${urlOf(href)})`;
  }
  if (BLOCKS.has(tag)) return ` ${blocksOf(el.children).join(' ')} `;
  return inner();
}

/** `**x**` around the text, keeping the spaces outside so the emphasis still counts. */
function wrap(text: string, mark: string): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(text) as RegExpExecArray;
  return m[2] ? `${m[1]}${mark}${m[2]}${mark}${m[3]}` : text;
}

function inlineCode(text: string): string {
  const t = text.replace(/\s+/g, ' ');
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((s) => s.length));
  const fence = '`'.repeat(longest + 1);
  return t.startsWith('`') || t.endsWith('`') ? `${fence} ${t} ${fence}` : `${fence}${t}${fence}`;
}

function imageOf(el: Element): string {
  const src = attr(el, 'src');
  const alt = (attr(el, 'alt') ?? '').replace(/\s+/g, ' ').trim();
  if (!src || !safeUrl(src)) return escapeText(alt);
  return `![${escapeText(alt)}](${urlOf(src)})`;
}

function listOf(list: Element): string {
  const ordered = list.tagName === 'ol';
  let n = Number(attr(list, 'start') ?? '1') || 1;
  const items: string[] = [];
  for (const li of list.children) {
    if (!isElement(li)) continue;
    const body = li.tagName === 'li' ? blocksOf(li.children).join('\n\n') : blocksOf([li]).join('\n\n');
    const marker = ordered ? `${n++}. ` : '- ';
    const pad = ' '.repeat(marker.length);
    const lines = (body || ' ').split('\n');
    items.push(marker + lines.map((l, i) => (i === 0 || l === '' ? l : pad + l)).join('\n'));
  }
  return items.join('\n');
}

const quoted = (md: string) =>
  md
    .split('\n')
    .map((l) => (l ? `> ${l}` : '>'))
    .join('\n');

function codeBlock(pre: Element): string {
  const code = pre.children.find((c): c is Element => isElement(c) && c.tagName === 'code');
  const text = preText(code ?? pre).replace(/\n$/, '');
  const cls = code ? classes(code).find((c) => c.startsWith('language-')) : undefined;
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((s) => s.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${cls ? cls.slice('language-'.length) : ''}\n${text}\n${fence}`;
}

/** The text of preformatted content; a `<br>` (the verse block uses them) is a newline. */
function preText(el: Element): string {
  let out = '';
  for (const c of el.children) {
    if (c.type === 'text') out += c.value;
    else if (c.type === 'element') out += c.tagName === 'br' ? '\n' : preText(c);
  }
  return out;
}

function tableOf(table: Element): string[] {
  const rows: string[][] = [];
  const collect = (el: Element) => {
    for (const c of el.children) {
      if (!isElement(c)) continue;
      if (c.tagName === 'tr')
        rows.push(
          c.children
            .filter((td): td is Element => isElement(td) && (td.tagName === 'td' || td.tagName === 'th'))
            .map((td) => inlineOf(td.children).replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim()),
        );
      else if (['thead', 'tbody', 'tfoot'].includes(c.tagName)) collect(c);
    }
  };
  collect(table);
  const width = Math.max(0, ...rows.map((r) => r.length));
  if (width === 0) return [];
  const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? '').join(' | ')} |`;
  const [head, ...body] = rows;
  const out = [line(head as string[]), `|${' --- |'.repeat(width)}`, ...body.map(line)];
  const caption = table.children.find((c): c is Element => isElement(c) && c.tagName === 'caption');
  return caption ? [paragraph(`*${inlineOf(caption.children).trim()}*`), out.join('\n')] : [out.join('\n')];
}

/** An image with its caption becomes Annalist's `::figure`; any other figure keeps its content. */
function figureOf(fig: Element): string[] {
  const img = findElement(fig, 'img');
  const captionEl = fig.children.find((c): c is Element => isElement(c) && c.tagName === 'figcaption');
  const src = img ? attr(img, 'src') : undefined;
  // A gallery (several images in one figure) keeps every image, each on its own.
  if (
    !img ||
    !src ||
    !safeUrl(src) ||
    findElement(fig, 'table') ||
    findElement(fig, 'blockquote') ||
    countImages(fig) > 1
  )
    return blocksOf(fig.children);
  const caption = captionEl ? inlineOf(captionEl.children).replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim() : '';
  const alt = (attr(img, 'alt') ?? '').replace(/\s+/g, ' ').trim();
  return [`::figure[${caption}]{src="${escapeDirectiveAttribute(src)}" alt="${escapeDirectiveAttribute(alt)}"}`];
}

function countImages(el: Element): number {
  let n = 0;
  for (const c of el.children) if (isElement(c)) n += c.tagName === 'img' ? 1 : countImages(c);
  return n;
}

function findElement(el: Element | Root, tag: string): Element | undefined {
  for (const c of el.children) {
    if (!isElement(c as Node)) continue;
    const e = c as Element;
    if (e.tagName === tag) return e;
    const deep = findElement(e, tag);
    if (deep) return deep;
  }
  return undefined;
}

function attr(el: Element, name: string): string | undefined {
  const v = el.properties?.[name === 'class' ? 'className' : name];
  if (v === undefined || v === null || v === false) return undefined;
  return Array.isArray(v) ? v.join(' ') : String(v);
}

const classes = (el: Element) => (attr(el, 'class') ?? '').split(/\s+/).filter(Boolean);

/** Links and images that may stay: web addresses, mail, and paths on this site. */
export function safeUrl(url: string): boolean {
  const u = url.trim();
  return /^(https?:\/\/|mailto:|\/(?!\/)|#)/i.test(u) && !/[\s<>"]/.test(u.replace(/ /g, '%20'));
}

const urlOf = (url: string) => url.trim().replace(/ /g, '%20').replace(/\(/g, '%28').replace(/\)/g, '%29');

/**
 * Backslash-escapes what Markdown (and our directives) would read as syntax in plain text; a colon starts a
 * directive only before a letter, and only outside a web address.
 */
function escapeText(text: string): string {
  // A bare web address is linked by GFM as written, backslashes included: it is left as it is.
  return text
    .split(BARE_URL)
    .map((part, i) => (i % 2 === 1 ? part : escapePlain(part)))
    .join('');
}

const BARE_URL = /(https?:\/\/[^\s<>()[\]]+)/;

function escapePlain(text: string): string {
  return text
    .replace(/([\\`*_[\]<>|~])/g, '\\$1')
    .replace(/&(?=#?[a-zA-Z0-9]+;)/g, '\\&')
    .replace(/!(?=\\\[)/g, '\\!')
    .replace(/(^|[^a-zA-Z])(?<!https?|mailto):(?=[a-zA-Z])/g, '$1\\:');
}

/** A line that would start a heading, quote, list or rule is escaped at its first character. */
function escapeLineStart(line: string): string {
  if (/^[#>+=-]/.test(line)) return `\\${line}`;
  return line.replace(/^(\d+)([.)])(\s|$)/, '$1\\$2$3');
}
