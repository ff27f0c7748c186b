import type { Element, Root as HastRoot } from 'hast';
import type { Link, Root as MdastRoot, PhrasingContent, Text } from 'mdast';
import { toString as mdastToString } from 'mdast-util-to-string';
import rehypeSanitize, { type Options as Schema } from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { SKIP, visit } from 'unist-util-visit';
import { VFile } from 'vfile';
import { runBounded, WorkTooCostly } from '../shared/bounded-work.ts';

/** What a reader may use in a comment: paragraphs, emphasis, links, block quotes, lists, inline code. */
const COMMENT_SCHEMA: Schema = {
  tagNames: ['p', 'em', 'strong', 'del', 'a', 'blockquote', 'ul', 'ol', 'li', 'code', 'br'],
  attributes: { a: ['href', ['className', 'mention']], ol: ['start'] },
  protocols: { href: ['http', 'https', 'mailto'] },
  strip: ['script', 'style'],
  clobberPrefix: 'user-content-',
  clobber: [],
};

export interface RenderedComment {
  html: string;
  /** Plain words, for length checks, search and mail. */
  text: string;
  /** Every link target, for the link-count and banned-domain checks. */
  links: string[];
}

/** People a comment may address with @Name, mapped to the URL of their latest comment in the thread. */
export type Mentions = Map<string, string>;

function remarkCommentSubset() {
  return (tree: MdastRoot, file: VFile) => {
    // The mentions of this render travel in the file, so that one frozen processor serves every comment.
    const mentions = (file.data.mentions as Mentions | undefined) ?? new Map<string, string>();
    const names = [...mentions.keys()].sort((a, b) => b.length - a.length);
    visit(tree, (node, index, parent) => {
      if (!parent || index === undefined) return undefined;
      // Headings, tables, code blocks, images and rules are not part of the comment subset: keep their words.
      if (node.type === 'heading' || node.type === 'table' || node.type === 'thematicBreak' || node.type === 'code') {
        const value = node.type === 'code' ? node.value : mdastToString(node);
        parent.children.splice(
          index,
          1,
          ...(value ? [{ type: 'paragraph', children: [{ type: 'text', value }] } as never] : []),
        );
        return [SKIP, index];
      }
      if (node.type === 'image' || node.type === 'imageReference') {
        parent.children[index] = { type: 'text', value: node.alt ?? '' } as never;
        return SKIP;
      }
      if (node.type === 'html') {
        // Raw HTML is shown as the text it is, in a paragraph of its own when it stood as a block.
        const text = { type: 'text', value: node.value } as Text;
        parent.children[index] = (
          parent.type === 'root' || parent.type === 'blockquote' || parent.type === 'listItem'
            ? { type: 'paragraph', children: [text] }
            : text
        ) as never;
        return SKIP;
      }
      if (node.type === 'footnoteReference' || node.type === 'footnoteDefinition') {
        parent.children.splice(index, 1);
        return [SKIP, index];
      }
      if (node.type === 'text' && names.length > 0 && parent.type !== 'link' && node.value.includes('@')) {
        const parts = linkMentions(node.value, names, mentions);
        if (parts.length > 1) {
          parent.children.splice(index, 1, ...(parts as never[]));
          return [SKIP, index + parts.length];
        }
      }
      return undefined;
    });
  };
}

function linkMentions(value: string, names: string[], mentions: Mentions): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  let rest = value;
  for (;;) {
    const at = rest.indexOf('@');
    if (at < 0) break;
    const name = names.find((n) => rest.startsWith(n, at + 1) && !/[\p{L}\p{N}]/u.test(rest.charAt(at + 1 + n.length)));
    if (!name || (at > 0 && /[\p{L}\p{N}]/u.test(rest.charAt(at - 1)))) {
      out.push({ type: 'text', value: rest.slice(0, at + 1) } as Text);
      rest = rest.slice(at + 1);
      continue;
    }
    if (at > 0) out.push({ type: 'text', value: rest.slice(0, at) } as Text);
    out.push({
      type: 'link',
      url: mentions.get(name)!,
      children: [{ type: 'text', value: `@${name}` }],
      data: { hProperties: { className: ['mention'] } },
    } as Link);
    rest = rest.slice(at + 1 + name.length);
  }
  if (rest) out.push({ type: 'text', value: rest } as Text);
  // Merge neighbouring text nodes back together.
  return out.reduce<PhrasingContent[]>((acc, n) => {
    const last = acc[acc.length - 1];
    if (last?.type === 'text' && n.type === 'text') last.value += n.value;
    else acc.push(n);
    return acc;
  }, []);
}

/** Reader links are marked as user content and never pass on authority or the opener. */
function rehypeCommentLinks() {
  return (tree: HastRoot) => {
    visit(tree, 'element', (el: Element) => {
      if (
        el.tagName === 'a' &&
        typeof el.properties.href === 'string' &&
        !el.properties.href.startsWith('#') &&
        !el.properties.href.startsWith('/')
      ) {
        el.properties.rel = ['nofollow', 'ugc', 'noopener', 'noreferrer'];
      }
    });
  };
}

// Built once: constructing a unified pipeline costs more than rendering a short comment with it.
const commentProcessor = unified()
  .use(remarkParse)
  .use(remarkGfm, { singleTilde: false })
  .use(remarkCommentSubset)
  .use(remarkRehype)
  .use(rehypeSanitize, COMMENT_SCHEMA)
  .use(rehypeCommentLinks)
  .use(rehypeStringify)
  .freeze();

// Plain prose: letters, digits, single spaces inside lines and punctuation that Markdown gives no meaning to
// here. `*_[]<>&\\#~|!@` and backticks are out; so is anything that could start a block (a list number, a
// dash or plus, a quote, a heading, an indented line) or turn into a link (`://`, `www.`).
const PLAIN_LINE = /^[\p{L}\p{N}][\p{L}\p{N} ,.;:'"?()/%’‘“”—–…-]*$/u;
const NOT_PLAIN = /:\/\/|www\.|\s$|^\d{1,9}[.)](?: |$)/i;

/**
 * Most comments are plain prose, which Markdown would only split into paragraphs. For those the parser is
 * skipped (it costs more than the rest of posting a comment); test/modules/comment-markdown.test.ts checks
 * that both ways give the same result on many generated texts.
 */
export function renderPlainComment(source: string): RenderedComment | undefined {
  const paragraphs: string[] = [];
  let lines: string[] = [];
  for (const line of `${source}\n`.split('\n')) {
    if (line === '') {
      if (lines.length > 0) paragraphs.push(lines.join('\n'));
      lines = [];
      continue;
    }
    if (!PLAIN_LINE.test(line) || NOT_PLAIN.test(line)) return undefined;
    lines.push(line);
  }
  if (paragraphs.length === 0) return undefined;
  return { html: paragraphs.map((p) => `<p>${p}</p>`).join('\n'), text: paragraphs.join('\n'), links: [] };
}

/**
 * Renders a comment's Markdown to sanitised HTML in the comment subset. Raw HTML is shown as text; only http(s)
 * and mailto links survive; `@Name` of someone in `mentions` links to their comment.
 */
export function renderCommentMarkdown(source: string, mentions: Mentions = new Map()): RenderedComment {
  return renderPlainComment(source) ?? parseCommentMarkdown(source, mentions);
}

/**
 * How long one comment may take to parse in a worker. A 10,000-character comment with every kind of markup
 * parses in a few milliseconds; one that needs more was built to be slow.
 */
export const COMMENT_RENDER_DEADLINE_MS = 500;

/**
 * renderCommentMarkdown for text just sent by a reader: plain text takes the shortcut here, anything else is
 * parsed in a worker thread with a deadline (WorkTooCostly past it), so no comment can stall the server.
 */
export async function renderCommentBounded(source: string, mentions: Mentions = new Map()): Promise<RenderedComment> {
  return (
    renderPlainComment(source) ??
    (await runBounded<RenderedComment>('comment', { source, mentions }, COMMENT_RENDER_DEADLINE_MS))
  );
}

/**
 * A stored comment's text rendered again (for a quote, the spam classifier, a suggestion made from it): in a
 * worker like new text, since it may predate today's checks. Past the budget, its Markdown stands as plain text.
 */
export async function renderStoredComment(source: string): Promise<RenderedComment> {
  try {
    return await renderCommentBounded(source);
  } catch (err) {
    if (!(err instanceof WorkTooCostly)) throw err;
    const esc = source.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    return { html: `<p>${esc}</p>`, text: source, links: [] };
  }
}

/** The whole pipeline, for any text (exported for the test that holds the shortcut to it). */
export function parseCommentMarkdown(source: string, mentions: Mentions = new Map()): RenderedComment {
  const links: string[] = [];
  const processor = commentProcessor;
  const file = new VFile({ value: source, data: { mentions } });
  const mdast = processor.parse(file);
  // Running the plugins also rewrites `mdast` in place into the comment subset, which the text is taken from.
  const hast = processor.runSync(mdast, file) as HastRoot;
  visit(mdast, 'link', (l: Link) => {
    if (!l.url.startsWith('#')) links.push(l.url);
  });
  visit(mdast, 'definition', (d) => {
    links.push((d as { url: string }).url);
  });
  const parts: string[] = [];
  visit(mdast, (n) => {
    if (n.type === 'paragraph' || n.type === 'heading' || n.type === 'code' || n.type === 'tableCell') {
      parts.push(mdastToString(n).trim());
      return SKIP;
    }
    return undefined;
  });
  const html = processor.stringify(hast).trim();
  return { html, text: parts.filter(Boolean).join('\n'), links };
}
