import { CITATION_STYLES, type CitationStyle } from '../settings/citation-styles.ts';
import { formatSource } from './citation-format.ts';
import type { CslItem, CslName } from './sources.types.ts';

/** A byline name as CSL: the last word is the family name ("Anna K. Petrova" -> Petrova, Anna K.). */
export function cslNameOf(name: string): CslName {
  const words = name.trim().split(/\s+/);
  if (words.length < 2) return { literal: name.trim() };
  return { family: words[words.length - 1], given: words.slice(0, -1).join(' ') };
}

const dateParts = (iso: string) => {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return { 'date-parts': [[y!, m!, d!]] };
};

/** What "Cite this article" reads of an article (content's `Article` has it; sources sits below content). */
export interface CitableArticle {
  slug: string;
  title: string;
  authors: { name: string }[];
  publishedAt: string | null;
}

/** The article itself as a CSL-JSON item (a blog post of the site), for "Cite this article". */
export function articleCslItem(article: CitableArticle, site: { title: string }, baseUrl: string): CslItem {
  const item: CslItem = {
    id: article.slug,
    type: 'post-weblog',
    title: article.title,
    'container-title': site.title,
    URL: `${baseUrl}/${article.slug}/`,
  };
  if (article.authors.length > 0) item.author = article.authors.map((a) => cslNameOf(a.name));
  if (article.publishedAt) item.issued = dateParts(article.publishedAt);
  return item;
}

// Formatting with citeproc costs milliseconds and every uncached article page shows the reference: keep the last
// few hundred results, keyed by the whole item (so an edited title or byline is a new key).
const formatted = new Map<string, Record<CitationStyle, string>>();
const FORMATTED_MAX = 500;

/** The article's reference in each style the site offers, as citeproc HTML. */
export function articleCitations(item: CslItem): Record<CitationStyle, string> {
  const key = JSON.stringify(item);
  const hit = formatted.get(key);
  if (hit) return hit;
  const refs = Object.fromEntries(CITATION_STYLES.map((s) => [s, formatSource(s, item).entry])) as Record<
    CitationStyle,
    string
  >;
  if (formatted.size >= FORMATTED_MAX) formatted.delete(formatted.keys().next().value as string);
  formatted.set(key, refs);
  return refs;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// Braces balanced and TeX's special characters escaped, so any title is a valid BibTeX value.
const bibValue = (s: string) =>
  s
    .replace(/[\\{}]/g, '')
    .replace(/([&%$#_])/g, '\\$1')
    .replace(/~/g, '\\textasciitilde{}');

/** The item as a BibTeX `@online` entry (biblatex), with `@misc` fields BibTeX itself reads. */
export function articleBibtex(item: CslItem): string {
  const parts = item.issued?.['date-parts']?.[0] ?? [];
  const [y, m, d] = parts.map(Number);
  const names = (item.author ?? [])
    .map((n) => (n.literal ? `{${bibValue(n.literal)}}` : `${bibValue(n.family ?? '')}, ${bibValue(n.given ?? '')}`))
    .join(' and ');
  const fields: [string, string][] = [];
  if (names) fields.push(['author', `{${names}}`]);
  fields.push(['title', `{{${bibValue(item.title ?? '')}}}`]);
  if (item['container-title']) fields.push(['organization', `{${bibValue(item['container-title'])}}`]);
  if (y) fields.push(['year', `{${y}}`]);
  if (m) fields.push(['month', MONTHS[m - 1] ?? `{${m}}`]);
  if (y && m && d) fields.push(['date', `{${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}}`]);
  if (item.URL) {
    fields.push(['url', `{${item.URL}}`]);
    fields.push(['howpublished', `{\\url{${item.URL}}}`]);
  }
  const key = item.id.replace(/[^A-Za-z0-9_:.-]/g, '-');
  return `@online{${key},\n${fields.map(([k, v]) => `  ${k} = ${v}`).join(',\n')}\n}\n`;
}
