import type { SourceKind } from '../../storage/schema.ts';
import type { CslItem } from '../shared/csl.ts';

export type { CslDate, CslItem, CslName } from '../shared/csl.ts';
export type { SourceKind };

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
