import type { CorrectionKind } from '../../storage/schema.ts';

/** One dated entry of an article's public "Corrections and updates" log, as readers see it. */
export interface CorrectionLogEntry {
  id: number;
  kind: CorrectionKind;
  /** What changed. */
  summary: string;
  /** Why. */
  reason: string;
  sourceText: string;
  /** The reader who suggested it, named only if they agreed. */
  creditName: string | null;
  /** The published revision that carries the change (readers can view it). */
  revisionNumber: number | null;
  createdAt: string;
}

/** A log entry on the site-wide /corrections/ page and feed: with the article it belongs to. */
export interface SiteCorrectionEntry extends CorrectionLogEntry {
  post: { id: number; slug: string; title: string };
}
