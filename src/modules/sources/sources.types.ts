import type { SourceKind } from '../../storage/schema.ts';

export type { SourceKind };

export interface CslName {
  family?: string;
  given?: string;
  literal?: string;
}

export interface CslDate {
  'date-parts'?: (number | string)[][];
  raw?: string;
  literal?: string;
}

/** A CSL-JSON item (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html); `id` is the citation key. */
export interface CslItem {
  id: string;
  type: string;
  title?: string;
  'title-short'?: string;
  author?: CslName[];
  editor?: CslName[];
  'container-title'?: string;
  publisher?: string;
  'publisher-place'?: string;
  issued?: CslDate;
  accessed?: CslDate;
  volume?: string;
  issue?: string;
  page?: string;
  URL?: string;
  DOI?: string;
  archive?: string;
  archive_location?: string;
  'archive-place'?: string;
  [field: string]: unknown;
}

/** A source of the library as the rest of Annalist sees it. */
export interface Source {
  id: number;
  key: string;
  kind: SourceKind;
  title: string;
  item: CslItem;
  /** The editors' private note. */
  note: string;
  createdAt: string;
  updatedAt: string;
}

/** A published article that cites a source. */
export interface CitingArticle {
  slug: string;
  title: string;
  publishedAt: string;
}
