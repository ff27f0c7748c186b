import type { ElementContent, Root } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import type { Entity } from '../../modules/history/entities.service.ts';
import { identifierLabel, identifierUrl } from '../../modules/history/entity-identifiers.ts';
import type { CitationStyle } from '../../modules/settings/citation-styles.ts';
import { escapeMarkup } from '../../modules/shared/escape.ts';
import { formatSource } from '../../modules/sources/citation-format.ts';
import { plainTitle } from '../../modules/sources/source-form.ts';
import { sourceUrl } from '../evidence/sources.views.tsx';
import { sameAsOf } from '../history/entity-sources.views.tsx';

// The API's entity detail: its sources, its identifiers besides Wikidata and its records elsewhere (decision 048).

/** A node of citeproc's HTML as text and as HTML keeping italics and bold alone (as the pages' CslText does). */
function flatten(node: ElementContent | Root['children'][number]): { text: string; html: string } {
  if (node.type === 'text') return { text: node.value, html: escapeMarkup(node.value) };
  if (node.type !== 'element') return { text: '', html: '' };
  const inner = node.children.map(flatten);
  const text = inner.map((p) => p.text).join('');
  const html = inner.map((p) => p.html).join('');
  const style = String(node.properties.style ?? '');
  if (node.tagName === 'i' || node.tagName === 'em' || /font-style:\s*italic/.test(style))
    return { text, html: `<i>${html}</i>` };
  if (node.tagName === 'b' || node.tagName === 'strong' || /font-weight:\s*bold/.test(style))
    return { text, html: `<b>${html}</b>` };
  return { text, html };
}

/** A formatted reference as plain text and as HTML in which nothing but <i> and <b> is markup. */
function citationOf(html: string): { text: string; html: string } {
  const parts = fromHtml(html, { fragment: true }).children.map(flatten);
  return { text: parts.map((p) => p.text).join(''), html: parts.map((p) => p.html).join('') };
}

/**
 * The entity's sources in its order (each formatted as a bibliography entry in the site's citation style, with
 * the entity's note: pages, a chapter), its identifiers with the addresses of their records (never fetched) and
 * `same_as`: Wikidata's address then the identifiers', as its page's JSON-LD sameAs lists them.
 */
export function entityLinksJson(entity: Entity, style: CitationStyle) {
  return {
    sources: entity.sources.map((s) => {
      const citation = citationOf(formatSource(style, s.item).entry);
      return {
        key: s.key,
        title: plainTitle(String(s.item.title ?? '')),
        note: s.note,
        url: sourceUrl(s.key),
        citation: citation.text,
        citation_html: citation.html,
      };
    }),
    citation_style: style,
    identifiers: entity.identifiers.map((i) => ({
      scheme: i.scheme,
      label: identifierLabel(i),
      value: i.value,
      url: identifierUrl(i),
    })),
    same_as: sameAsOf(entity),
  };
}
