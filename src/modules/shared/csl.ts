// CSL-JSON, the citation data format the sources library stores and citeproc reads: shared by the library and by
// whatever cites from it (history's entities), so neither needs the other for the shape of an item.

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
