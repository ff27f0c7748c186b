import type { ElementContent, Root } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import type { ComponentChildren } from 'preact';

function convert(node: ElementContent | Root['children'][number]): ComponentChildren {
  if (node.type === 'text') return node.value;
  if (node.type !== 'element') return null;
  const children = node.children.map(convert);
  const style = String(node.properties.style ?? '');
  if (node.tagName === 'i' || node.tagName === 'em' || /font-style:\s*italic/.test(style)) return <i>{children}</i>;
  if (node.tagName === 'b' || node.tagName === 'strong' || /font-weight:\s*bold/.test(style)) return <b>{children}</b>;
  return children;
}

// The same references appear on every page of an article (and the same sources across articles): parse each once.
const parsed = new Map<string, Root>();
const PARSED_MAX = 2000;

/**
 * citeproc's HTML (a formatted reference) as Preact nodes: italics and bold kept, every other tag dropped and all
 * text escaped by Preact, so nothing in a source's fields can become markup on the page.
 */
export function CslText(props: { html: string }) {
  let root = parsed.get(props.html);
  if (!root) {
    root = fromHtml(props.html, { fragment: true });
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value as string);
    parsed.set(props.html, root);
  }
  return <>{root.children.map(convert)}</>;
}
