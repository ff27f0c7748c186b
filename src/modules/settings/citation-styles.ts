/** The citation styles a site can choose (setting `citationStyle`); the third is decision 022's. */
export const CITATION_STYLES = ['chicago', 'apa', 'chicago-author-date'] as const;
export type CitationStyle = (typeof CITATION_STYLES)[number];

export const isCitationStyle = (s: unknown): s is CitationStyle =>
  typeof s === 'string' && (CITATION_STYLES as readonly string[]).includes(s);
