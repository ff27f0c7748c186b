import type { Element, ElementContent, Root, RootContent, Text } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import rehypeStringify from 'rehype-stringify';
import { unified } from 'unified';

/** The id of the first highlighted piece, so the review page can link (and scroll) to it. */
export const PASSAGE_ID = 'suggested-passage';

type Parent = Root | Element;

/**
 * Wraps text[start, end) of an article body (positions in its textContent, see anchoring.ts) in <mark>
 * elements, one per text node it crosses, so the passage is highlighted in place even across emphasis, links
 * or paragraphs. The HTML is the site's own sanitised render; only text nodes are split.
 */
export function highlightPassage(bodyHtml: string, start: number, end: number): string {
  const tree = fromHtml(bodyHtml, { fragment: true });
  let offset = 0;
  let first = true;

  const mark = (value: string): Element => {
    const properties: Element['properties'] = { className: ['suggestion-mark'] };
    if (first) properties.id = PASSAGE_ID;
    first = false;
    return { type: 'element', tagName: 'mark', properties, children: [{ type: 'text', value }] };
  };

  const visit = (parent: Parent) => {
    const out: (RootContent | ElementContent)[] = [];
    for (const child of parent.children) {
      if (child.type === 'text') {
        out.push(...splitText(child));
      } else {
        if (child.type === 'element') visit(child);
        out.push(child);
      }
    }
    parent.children = out as typeof parent.children;
  };

  const splitText = (node: Text): (Text | Element)[] => {
    const from = offset;
    const to = offset + node.value.length;
    offset = to;
    if (to <= start || from >= end) return [node];
    const a = Math.max(start, from) - from;
    const b = Math.min(end, to) - from;
    const pieces: (Text | Element)[] = [];
    if (a > 0) pieces.push({ type: 'text', value: node.value.slice(0, a) });
    // Whitespace between blocks (a newline between paragraphs) is left unmarked: a <mark> cannot go there.
    const inner = node.value.slice(a, b);
    pieces.push(inner.trim() === '' ? { type: 'text', value: inner } : mark(inner));
    if (b < node.value.length) pieces.push({ type: 'text', value: node.value.slice(b) });
    return pieces;
  };

  visit(tree);
  return unified().use(rehypeStringify).stringify(tree);
}
