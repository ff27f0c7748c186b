import type { BibliographyFormat } from './bibliography-scan.ts';
import type { CslItem } from './sources.types.ts';

/** One entry of a file: the item read from it, or why it could not be. `label` names it (and its line) for the report. */
export interface ParsedEntry {
  label: string;
  item?: CslItem;
  /** The file's own key, if it had one. */
  fileKey?: string;
  error?: string;
  /** What was put right or left out while reading it (an unknown type, an undefined macro, a date that is none). */
  warnings?: string[];
}

export interface ImportReport {
  format: BibliographyFormat;
  imported: string[];
  updated: string[];
  failed: { entry: string; reason: string }[];
  /** Entries imported with something changed or left out, and what. */
  warnings: { entry: string; message: string }[];
}
