import type { Element, ElementContent, Root, RootContent } from 'hast';
import { fromParse5 } from 'hast-util-from-parse5';
import { toHtml } from 'hast-util-to-html';
import { toString as textOf } from 'hast-util-to-string';
import { parse } from 'parse5';

/**
 * A page of the site as the app rendered it, turned into a page of the static copy (`annalist export static`):
 * links rewritten, and everything that needs the server taken out (forms that post, Reply/Quote/Report, the
 * comment order, scripts that post). Pure: the caller resolves each link.
 */
export interface ParsedPage {
  tree: Root;
  /** Every same-document-or-other URL found in href, src, srcset and form actions (not `#fragment` alone). */
  urls: string[];
}

/** An article or page's entry in the copy's search index. */
export interface SearchEntry {
  title: string;
  standfirst: string;
  /** The distinct words of the text, lower case (what the browser's search looks in). */
  words: string[];
}

export interface RewriteOptions {
  /** The page's own address in the copy. */
  address: string;
  /** The app's path of the page (`/khalkhin-gol-1939/`), for links to the live site. */
  appPath: string;
  /** The new value of a URL of the page, or undefined to drop the link (its text stays). */
  link(raw: string): string | undefined;
  /** The live site's origin: "Join the discussion" and "Suggest a correction" lead there instead of vanishing. */
  liveUrl?: string;
  /** On the search page: the search island and the index it reads, both as links from this page. */
  search?: { script: string; index: string; categories: string };
}

const URL_ATTRIBUTES = ['href', 'src', 'action'] as const;

export function readPage(html: string): ParsedPage {
  // parse5 without source positions: three times faster than hast-util-from-html on a long article.
  const tree = fromParse5(parse(html)) as Root;
  const urls = new Set<string>();
  walk(tree, (el) => {
    // Scripts (they post) and the OpenSearch link (it needs the server's search) leave the copy: nothing to fetch.
    if ((el.tagName === 'script' && el.properties.src) || isSearchLink(el)) return;
    for (const attr of URL_ATTRIBUTES) {
      const value = el.properties[attr];
      if (typeof value === 'string' && value && !value.startsWith('#')) urls.add(value);
    }
    const srcset = el.properties.srcSet;
    if (Array.isArray(srcset)) for (const candidate of srcset) urls.add(String(candidate).trim().split(/\s+/)[0]!);
    // og:image is absolute and stays so, but the image it names must be in the copy.
    if (el.tagName === 'meta' && el.properties.property === 'og:image' && typeof el.properties.content === 'string')
      urls.add(el.properties.content);
  });
  return { tree, urls: [...urls] };
}

/** Visits every element, parents before children. */
function walk(node: Root | Element, visit: (el: Element) => void): void {
  for (const child of node.children) {
    if (child.type !== 'element') continue;
    visit(child);
    walk(child, visit);
  }
}

const isSearchLink = (el: Element) =>
  el.tagName === 'link' && Array.isArray(el.properties.rel) && el.properties.rel.includes('search');

const hasClass = (el: Element, name: string) => {
  const c = el.properties.className;
  return Array.isArray(c) && c.includes(name);
};

/** The text the search index keeps for an article or page, or undefined for any other page. */
export function searchEntryOf(page: ParsedPage): SearchEntry | undefined {
  const article = find(page.tree, (el) => el.tagName === 'article' && hasClass(el, 'article'));
  const title = article && find(article, (el) => el.tagName === 'h1');
  if (!article || !title) return undefined;
  const standfirst = find(article, (el) => el.tagName === 'p' && hasClass(el, 'standfirst'));
  const skip = (el: Element) =>
    el.tagName === 'header' || el.tagName === 'footer' || hasClass(el, 'article__tools') || hasClass(el, 'toc');
  const parts = article.children.filter((c) => c.type !== 'element' || !skip(c)).flatMap(textsOf);
  // Text nodes joined with spaces: the words of two paragraphs never run together.
  const text = `${textOf(title)} ${standfirst ? textOf(standfirst) : ''} ${parts.join(' ')}`;
  const words = new Set(text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? []);
  return {
    title: textOf(title).trim(),
    standfirst: standfirst ? textOf(standfirst).trim() : '',
    words: [...words],
  };
}

function textsOf(node: ElementContent): string[] {
  if (node.type === 'text') return [node.value];
  return node.type === 'element' ? node.children.flatMap(textsOf) : [];
}

function find(node: Root | Element, test: (el: Element) => boolean): Element | undefined {
  for (const child of node.children) {
    if (child.type !== 'element') continue;
    if (test(child)) return child;
    const found = find(child, test);
    if (found) return found;
  }
  return undefined;
}

/** The page of the copy as HTML: links rewritten, server-only parts removed or pointed at the live site. */
export function writePage(page: ParsedPage, opts: RewriteOptions): string {
  transform(page.tree, opts);
  if (opts.search) addSearch(page.tree, opts.search);
  return toHtml(page.tree);
}

/** What becomes of one element: kept (and its children visited), replaced by other nodes, or removed. */
function transform(node: Root | Element, opts: RewriteOptions): void {
  const out: (RootContent | ElementContent)[] = [];
  for (const child of node.children) {
    if (child.type !== 'element') {
      out.push(child);
      continue;
    }
    const replaced = replaceElement(child, opts);
    if (Array.isArray(replaced)) out.push(...replaced);
    else {
      transform(replaced, opts);
      out.push(replaced);
    }
  }
  node.children = out as typeof node.children;
}

function replaceElement(el: Element, opts: RewriteOptions): Element | ElementContent[] {
  const p = el.properties;
  // Scripts that post (the comment and correction islands); JSON-LD stays.
  if (el.tagName === 'script') return typeof p.src === 'string' ? [] : el;
  if (el.tagName === 'form') return replaceForm(el, opts);
  if (isServerOnly(el)) return [];
  if (el.tagName === 'p' && hasClass(el, 'suggest-correction')) {
    if (!opts.liveUrl) return [];
    return [paragraph(link(liveAddress(opts, 'corrections/new'), 'Suggest a correction on the live site'))];
  }
  if (isSearchLink(el)) return [];
  if (!rewriteUrls(el, opts)) return el;
  // A link to what the copy cannot hold keeps its words; an image or stylesheet it cannot hold goes.
  if (el.tagName !== 'a') return [];
  transform(el, opts);
  return el.children;
}

/**
 * Reply, Quote and Report under each comment; the comment order and the timeline's zoom (each a query the copy
 * cannot answer; the timeline's pages are the server's own zoom, paged).
 */
function isServerOnly(el: Element): boolean {
  if (el.tagName === 'footer') return hasClass(el, 'comment__actions');
  if (el.tagName === 'nav') return hasClass(el, 'comment-order') || hasClass(el, 'timeline-zoom');
  return false;
}

/** Rewrites the element's URLs; false when one of them has no place in the copy (and was removed). */
function rewriteUrls(el: Element, opts: RewriteOptions): boolean {
  const p = el.properties;
  let dropped = false;
  for (const attr of URL_ATTRIBUTES) {
    const value = p[attr];
    if (typeof value !== 'string' || !value || value.startsWith('#')) continue;
    const next = opts.link(value);
    if (next === undefined) {
      delete p[attr];
      dropped = true;
    } else p[attr] = next;
  }
  if (Array.isArray(p.srcSet)) {
    const kept = p.srcSet.flatMap((candidate): string[] => {
      const [url, ...size] = String(candidate).trim().split(/\s+/);
      const next = url ? opts.link(url) : undefined;
      return next === undefined ? [] : [[next, ...size].join(' ')];
    });
    if (kept.length) Object.assign(p, { srcSet: kept });
    else delete p.srcSet;
  }
  return dropped;
}

/**
 * Forms: the search form stays (the copy's search page answers it in the browser); the comment form becomes
 * a line (pointing at the live site when there is one), and so do the timeline's filters; a form that only chooses
 * (compare two versions) loses its choices and button but keeps what it shows; any other form that posts is removed.
 */
function replaceForm(el: Element, opts: RewriteOptions): Element | ElementContent[] {
  const method = String(el.properties.method ?? 'get').toLowerCase();
  if (el.properties.id === 'respond') {
    if (!opts.liveUrl) return [paragraph(text('Comments are shown as they were when this copy was made.'))];
    return [paragraph(link(liveAddress(opts, '#respond'), 'Join the discussion on the live site'))];
  }
  if (method !== 'get') return [];
  // The timeline's filters are all choices, each a query the copy cannot answer.
  if (hasClass(el, 'timeline-filters'))
    return opts.liveUrl ? [paragraph(link(liveAddress(opts, ''), 'Filter the timeline on the live site'))] : [];
  if (hasClass(el, 'search-form')) {
    if (rewriteUrls(el, opts)) return [];
    transform(el, opts);
    return [el];
  }
  withoutChoices(el);
  transform(el, opts);
  return el.children;
}

/** Removes buttons, and the table columns whose cells hold only radio buttons or check boxes. */
function withoutChoices(form: Element): void {
  const choiceColumns = new Set<number>();
  walk(form, (row) => {
    if (row.tagName !== 'tr') return;
    cells(row).forEach((cell, i) => {
      if (find(cell, (el) => el.tagName === 'input' && /^(radio|checkbox)$/.test(String(el.properties.type))))
        choiceColumns.add(i);
    });
  });
  const prune = (node: Element) => {
    node.children = node.children.filter((c) => {
      if (c.type !== 'element') return true;
      if (c.tagName === 'button' || (c.tagName === 'p' && isOnlyButtons(c))) return false;
      if (c.tagName === 'tr') {
        const row = cells(c);
        c.children = c.children.filter((cell) => cell.type !== 'element' || !choiceColumns.has(row.indexOf(cell)));
      }
      prune(c);
      return true;
    });
  };
  prune(form);
}

const cells = (row: Element) =>
  row.children.filter((c): c is Element => c.type === 'element' && (c.tagName === 'td' || c.tagName === 'th'));

const isOnlyButtons = (el: Element) =>
  el.children.every((c) => (c.type === 'text' ? !c.value.trim() : c.type === 'element' && c.tagName === 'button'));

function liveAddress(opts: RewriteOptions, rest: string): string {
  return `${opts.liveUrl!.replace(/\/+$/, '')}${opts.appPath}${rest}`;
}

const text = (value: string): ElementContent => ({ type: 'text', value });
const paragraph = (child: ElementContent): Element => ({
  type: 'element',
  tagName: 'p',
  properties: { className: ['static-note'] },
  children: [child],
});
const link = (href: string, label: string): Element => ({
  type: 'element',
  tagName: 'a',
  properties: { href },
  children: [text(label)],
});

/**
 * The search page of the copy: the island that searches the prebuilt index, and, for a reader without
 * JavaScript, a line saying where else to look. The island replaces that line with the results.
 */
function addSearch(tree: Root, search: NonNullable<RewriteOptions['search']>): void {
  const head = find(tree, (el) => el.tagName === 'head');
  head?.children.push({
    type: 'element',
    tagName: 'script',
    properties: { type: 'module', src: search.script },
    children: [],
  });
  const main = find(tree, (el) => el.tagName === 'main');
  main?.children.push({
    type: 'element',
    tagName: 'div',
    properties: { id: 'static-search', dataIndex: search.index, ariaLive: 'polite' },
    children: [
      {
        type: 'element',
        tagName: 'p',
        properties: {},
        children: [
          text('This copy of the site searches in your browser, which needs JavaScript. Without it, browse '),
          link(search.categories, 'the categories'),
          text(' or the latest articles on the home page.'),
        ],
      },
    ],
  });
}
