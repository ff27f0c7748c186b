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

/** What a query finds besides its words. */
export interface SearchAlso {
  mentioning: readonly number[];
}

/** The length of the body's start that stands for a snippet when a post is found by a mention, not its words. */
export const MENTION_SNIPPET_LENGTH = 200;

/** The full-text index behind site search: FTS5 on SQLite, tsvector on PostgreSQL. */
export interface SearchIndex {
  /** `within` is a transaction to write in, so the index changes with the post or not at all. */
  upsert(doc: SearchDocument, within?: Db): Promise<void>;
  remove(postId: number, within?: Db): Promise<void>;
  /**
   * `terms` are plain words (already split and cleaned); results are ranked, best first. With `also.mentioning`
   * (entity ids whose names the query matched: decision 045), the published posts mentioning one of them are found
   * too, after the posts whose words match, newest first, each with the start of its body as its snippet.
   */
  query(terms: string[], page: SearchPage, also?: SearchAlso): Promise<{ hits: SearchHit[]; total: number }>;
}
