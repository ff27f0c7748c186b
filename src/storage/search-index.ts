import type { Db } from './schema.ts';

/** A document as the full-text index sees it: plain text, no markup. */
export interface SearchDocument {
  postId: number;
  title: string;
  standfirst: string;
  body: string;
}

/** One ranked hit. `snippet` marks matched terms with HIGHLIGHT_START / HIGHLIGHT_END. */
export interface SearchHit {
  postId: number;
  snippet: string;
  rank: number;
}

/** Private-use characters that cannot occur in indexed text (they are stripped on the way in). */
export const HIGHLIGHT_START = '\uE000';
export const HIGHLIGHT_END = '\uE001';

/** Text as it may be indexed: without the highlight markers, which must never occur in it. */
export const stripHighlightMarkers = (s: string): string => s.replace(/[\uE000\uE001]/g, '');

export interface SearchPage {
  limit: number;
  offset: number;
  /** ISO time: only posts published (or scheduled) at or before it are found. */
  visibleAt: string;
}

/** The full-text index behind site search: FTS5 on SQLite, tsvector on PostgreSQL. */
export interface SearchIndex {
  /** `within` is a transaction to write in, so the index changes with the post or not at all. */
  upsert(doc: SearchDocument, within?: Db): Promise<void>;
  remove(postId: number, within?: Db): Promise<void>;
  /** `terms` are plain words (already split and cleaned); results are ranked, best first. */
  query(terms: string[], page: SearchPage): Promise<{ hits: SearchHit[]; total: number }>;
}
