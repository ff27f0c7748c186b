import { escapeDirectiveAttribute } from '../shared/escape.ts';
import type { Media } from './media.types.ts';

// Markdown an editor pastes to show an image: `::figure[caption]{src="…" alt="…" credit="…"}`
// (see src/modules/markdown/render-markdown.ts).

/**
 * A caption is Markdown text inside the directive's [label]: the characters that would start emphasis, code,
 * links, HTML, entities or a nested directive are escaped so it reads back exactly as typed.
 */
const label = (s: string) => s.replace(/[\\`*_[\]<>&~]/g, '\\$&').replace(/:(?=[A-Za-z])/g, '\\:');

/** The `::figure` line for an image, with its src, alt text, caption and credit filled in. */
export function figureSnippet(media: Pick<Media, 'src' | 'alt' | 'caption' | 'credit'>): string {
  const attrs = [`src="${escapeDirectiveAttribute(media.src)}"`, `alt="${escapeDirectiveAttribute(media.alt)}"`];
  if (media.credit) attrs.push(`credit="${escapeDirectiveAttribute(media.credit)}"`);
  return `::figure[${label(media.caption)}]{${attrs.join(' ')}}`;
}
