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

/**
 * citeproc's HTML (a formatted reference) as Preact nodes: italics and bold kept, every other tag dropped and all
 * text escaped by Preact, so nothing in a source's fields can become markup on the page.
 */
export function CslText(props: { html: string }) {
  const root = fromHtml(props.html, { fragment: true });
  return <>{root.children.map(convert)}</>;
}
