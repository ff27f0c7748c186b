import { readFileSync } from 'node:fs';
import { plugins } from '@citation-js/core';
import { sourceFile } from '../../source-files.ts';
import '@citation-js/plugin-csl';
import type { CitationResolver, CiteItem } from '../markdown/render-markdown.ts';
import type { CitationStyle } from '../settings/citation-styles.ts';
import { prepareItem } from './prepare-item.ts';
import type { CslItem } from './sources.types.ts';

// Our own styles (decisions 013 and 022), registered with citation-js under names of our own. APA is ours too:
// the APA style citation-js bundles compiles into some 90 MB of citeproc heap, ours into about 1 MB.
const csl = plugins.config.get('@csl');
const TEMPLATES: Record<CitationStyle, string> = {
  chicago: 'annalist-chicago',
  apa: 'annalist-apa-7',
  'chicago-author-date': 'annalist-chicago-author-date',
};
const STYLE_FILES: Record<CitationStyle, string> = {
  chicago: 'modules/sources/styles/chicago-notes-bibliography.csl',
  apa: 'modules/sources/styles/apa-7.csl',
  'chicago-author-date': 'modules/sources/styles/chicago-author-date.csl',
};
for (const style of Object.keys(TEMPLATES) as CitationStyle[])
  if (!csl.styles.has(TEMPLATES[style]))
    csl.styles.add(TEMPLATES[style], readFileSync(sourceFile(STYLE_FILES[style]), 'utf8'));

const HEADINGS: Record<CitationStyle, string> = {
  chicago: 'Bibliography',
  apa: 'References',
  'chicago-author-date': 'References',
};
const MODES: Record<CitationStyle, CitationResolver['mode']> = {
  chicago: 'note',
  apa: 'in-text',
  'chicago-author-date': 'in-text',
};

export const CITATION_STYLE_NAMES: Record<CitationStyle, string> = {
  chicago: 'Chicago (notes and bibliography, 17th edition)',
  apa: 'APA (7th edition)',
  'chicago-author-date': 'Chicago (author-date, 17th edition)',
};

/** The short names the "Cite this article" box and the source page label each style with. */
export const CITATION_STYLE_LABELS: Record<CitationStyle, string> = {
  chicago: 'Chicago',
  apa: 'APA',
  'chicago-author-date': 'Chicago author-date',
};

// citeproc keeps one engine per style in citation-js and resets its items on each use: safe because every
// call below is synchronous, so two renders never interleave on one engine.
function engineFor(style: CitationStyle, items: CslItem[]) {
  return csl.engine(items, TEMPLATES[style], 'en-US', 'html');
}

/**
 * A locator as the style wants it. `{p="1:112"}` is volume 1, page 112: Chicago writes it so ("1:112", 14.121);
 * APA spells it out ("Vol. 1, p. 112").
 */
function locatorFor(style: CitationStyle, c: CiteItem): { locator?: string; label?: string } {
  if (!c.locator) return {};
  const label = c.label ?? 'page';
  const volumePage = /^([0-9]+|[IVXLC]+):\s*(.+)$/.exec(c.locator);
  if (style === 'apa' && label === 'page' && volumePage) {
    const pages = /[-–,]/.test(volumePage[2]!) ? 'pp.' : 'p.';
    return { locator: `${volumePage[1]}, ${pages} ${volumePage[2]!.replace(/-/g, '–')}`, label: 'volume' };
  }
  return { locator: c.locator, label };
}

/**
 * Formats cites of these sources in a style; what renderMarkdown's `citations` option takes. Takes plain data
 * only (a style name and CSL-JSON items), so it can be called inside a worker thread.
 */
export function citationResolver(style: CitationStyle, items: CslItem[]): CitationResolver {
  const byKey = new Map(items.map((i) => [i.id, prepareItem(style, i)]));
  return {
    mode: MODES[style],
    bibliographyHeading: HEADINGS[style],
    has: (key) => byKey.has(key),
    formatCites(cites: CiteItem[][]): string[] {
      if (cites.length === 0) return [];
      const engine = engineFor(style, [...byKey.values()]);
      const out = engine.rebuildProcessorState(
        cites.map((items, i) => ({
          citationID: `c${i + 1}`,
          citationItems: items.map((c) => ({ id: c.key, ...locatorFor(style, c) })),
          properties: { noteIndex: i + 1 },
        })),
        'html',
        [],
      );
      return out.map((o) => o[2]);
    },
    bibliography(keys: string[]): string[] {
      const known = keys.filter((k) => byKey.has(k));
      if (known.length === 0) return [];
      const engine = engineFor(style, [...byKey.values()]);
      engine.updateItems(known);
      return engine.makeBibliography()[1].map(unwrapEntry);
    },
  };
}

/** Every source as a bibliography entry, in the style's order, with its key (the public /sources/ index). */
export function formatBibliography(style: CitationStyle, items: CslItem[]): { key: string; html: string }[] {
  if (items.length === 0) return [];
  const engine = engineFor(
    style,
    items.map((i) => prepareItem(style, i)),
  );
  engine.updateItems(items.map((i) => i.id));
  const [meta, entries] = engine.makeBibliography();
  return entries.map((html, i) => ({ key: meta.entry_ids[i]?.[0] ?? '', html: unwrapEntry(html) }));
}

const unwrapEntry = (html: string) =>
  html
    .trim()
    .replace(/^<div class="csl-entry">/, '')
    .replace(/<\/div>$/, '');

/** One source on its own: the full note (or in-text citation) and its bibliography entry, as HTML. */
export function formatSource(style: CitationStyle, item: CslItem): { citation: string; entry: string } {
  const r = citationResolver(style, [item]);
  return { citation: r.formatCites([[{ key: item.id }]])[0] ?? '', entry: r.bibliography([item.id])[0] ?? '' };
}
