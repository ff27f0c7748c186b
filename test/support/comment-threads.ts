import assert from 'node:assert/strict';
import type { Element, Root } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toString as hastText } from 'hast-util-to-string';

/** The text of the comment a reply is shown under on the article page (undefined: shown at the top level). */
export function shownUnder(html: string, replyText: string): string | undefined {
  const tree = fromHtml(html);
  const parents = new Map<Element, Element | Root>();
  const walk = (node: Element | Root) => {
    for (const c of node.children) {
      if (c.type !== 'element') continue;
      parents.set(c, node);
      walk(c);
    }
  };
  walk(tree);
  const isComment = (e: Element) => e.tagName === 'article' && String(e.properties.className ?? '').includes('comment');
  const bodyOf = (e: Element) =>
    hastText(
      e.children.find(
        (c): c is Element => c.type === 'element' && String(c.properties.className ?? '').includes('comment__body'),
      ) ?? e,
    );
  const reply = [...parents.keys()].find((e) => isComment(e) && bodyOf(e).includes(replyText));
  assert.ok(reply, `the comment "${replyText}" is on the page`);
  // article.comment < li < ol.comment-replies < li (whose first article is the parent comment)
  const li = parents.get(reply) as Element;
  const list = parents.get(li) as Element;
  if (!String(list.properties?.className ?? '').includes('comment-replies')) return undefined;
  const parentLi = parents.get(list) as Element;
  const parent = parentLi.children.find((c): c is Element => c.type === 'element' && isComment(c));
  return parent ? bodyOf(parent).trim() : undefined;
}
