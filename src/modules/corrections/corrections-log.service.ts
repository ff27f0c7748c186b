import type { CorrectionKind, Db } from '../../storage/schema.ts';
import { utcToZonedLocal } from '../content/zoned-time.ts';
import { changeKeys } from '../shared/changes.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { type GenerationMemo, keptForGeneration } from '../shared/generation-memo.ts';
import { type Paged, type PageRequest, paged } from '../shared/paging.ts';
import {
  type CorrectionRow,
  countSiteCorrections,
  insertCorrection,
  latestCorrectionTimes,
  listCorrectionsOfPost,
  listSiteCorrections,
} from './corrections-log.repository.ts';
import type { CorrectionLogEntry, SiteCorrectionEntry } from './corrections-log.types.ts';

/** What the editor's "Correction or update note" fieldset holds, as typed (shown back unchanged after a refusal). */
export interface CorrectionNoteValues {
  kind: string;
  summary: string;
  reason: string;
  source: string;
  /** "Credit the reader": offered only for a suggestion whose author agreed to be named. */
  credit: boolean;
}

export const EMPTY_CORRECTION_NOTE: CorrectionNoteValues = {
  kind: 'correction',
  summary: '',
  reason: '',
  source: '',
  credit: false,
};

/** Longest accepted value of each field, in characters. */
export const CORRECTION_NOTE_LIMITS = { summary: 500, reason: 1000, source: 1000 } as const;

/** The form field of each note value (the editor's names; error messages are keyed by them too). */
export const CORRECTION_NOTE_FIELDS = {
  kind: 'correctionKind',
  summary: 'correctionSummary',
  reason: 'correctionReason',
  source: 'correctionSource',
  credit: 'correctionCredit',
} as const;

/** Reads the note's fields from a sent form (missing ones are empty; each value cut to a safe length). */
export function correctionNoteFrom(form: { get(k: string): string | null }): CorrectionNoteValues {
  const text = (k: 'summary' | 'reason' | 'source') =>
    (form.get(CORRECTION_NOTE_FIELDS[k]) ?? '').replace(/\r\n/g, '\n').slice(0, CORRECTION_NOTE_LIMITS[k] + 1000);
  return {
    kind: (form.get(CORRECTION_NOTE_FIELDS.kind) ?? 'correction').slice(0, 20),
    summary: text('summary'),
    reason: text('reason'),
    source: text('source'),
    credit: form.get(CORRECTION_NOTE_FIELDS.credit) === '1',
  };
}

/** True when the writer typed nothing into the note (the kind radio alone does not count). */
export const isCorrectionNoteEmpty = (v: CorrectionNoteValues): boolean =>
  v.summary.trim() === '' && v.reason.trim() === '' && v.source.trim() === '';

export interface CheckedCorrectionNote {
  kind: CorrectionKind;
  summary: string;
  reason: string;
  sourceText: string;
  credit: boolean;
}

/**
 * Checks a filled-in note: a kind from the list, "what changed" required, every field within its length.
 * Returns a message per field (keyed by form field name); no messages means `note` is good to record.
 */
export function checkCorrectionNote(v: CorrectionNoteValues): {
  fields: Record<string, string>;
  note: CheckedCorrectionNote;
} {
  const fields: Record<string, string> = {};
  const summary = v.summary.trim();
  const reason = v.reason.trim();
  const sourceText = v.source.trim();
  if (v.kind !== 'correction' && v.kind !== 'update')
    fields[CORRECTION_NOTE_FIELDS.kind] = 'Choose correction or update.';
  if (!summary)
    fields[CORRECTION_NOTE_FIELDS.summary] =
      'Say what changed: readers see it in the article’s log. (Or empty the whole note to publish without one.)';
  else if (summary.length > CORRECTION_NOTE_LIMITS.summary)
    fields[CORRECTION_NOTE_FIELDS.summary] = `Keep it under ${CORRECTION_NOTE_LIMITS.summary} characters.`;
  if (reason.length > CORRECTION_NOTE_LIMITS.reason)
    fields[CORRECTION_NOTE_FIELDS.reason] = `Keep it under ${CORRECTION_NOTE_LIMITS.reason} characters.`;
  if (sourceText.length > CORRECTION_NOTE_LIMITS.source)
    fields[CORRECTION_NOTE_FIELDS.source] = `Keep it under ${CORRECTION_NOTE_LIMITS.source} characters.`;
  return {
    fields,
    note: { kind: v.kind === 'update' ? 'update' : 'correction', summary, reason, sourceText, credit: v.credit },
  };
}

/** Throws CORRECTION_INVALID (with a message per field) unless the note can be recorded. */
export function requireValidCorrectionNote(v: CorrectionNoteValues): CheckedCorrectionNote {
  const { fields, note } = checkCorrectionNote(v);
  if (Object.keys(fields).length > 0)
    throw new AppError('CORRECTION_INVALID', 'The correction note needs a correction; nothing was saved.', { fields });
  return note;
}

export interface RecordCorrectionInput {
  postId: number;
  /** The published revision the save created (writePost's `revision`). */
  revisionNumber: number;
  note: CheckedCorrectionNote;
  /** The reader to credit (only when they agreed and the editor ticked the box), else null. */
  creditName: string | null;
  suggestionId: number | null;
  userId: number | null;
}

/**
 * Appends an entry to an article's public log. Call it inside the transaction of the save that publishes the
 * change (`deps.db` is that transaction), so the entry and the revision it names exist together or not at all.
 */
export async function recordCorrection(deps: { db: Db; clock: Clock }, input: RecordCorrectionInput): Promise<number> {
  return insertCorrection(deps.db, {
    post_id: input.postId,
    kind: input.note.kind,
    summary: input.note.summary,
    reason: input.note.reason,
    source_text: input.note.sourceText,
    credit_name: input.creditName,
    revision_number: input.revisionNumber,
    suggestion_id: input.suggestionId,
    user_id: input.userId,
    created_at: deps.clock.now().toISOString(),
  });
}

/** What the kept logs are built from: corrections (an article's save, which may carry one, names them too). */
const KEPT_WITH = [changeKeys.corrections];

const entryOf = (r: CorrectionRow): CorrectionLogEntry => ({
  id: r.id,
  kind: r.kind,
  summary: r.summary,
  reason: r.reason,
  sourceText: r.source_text,
  creditName: r.credit_name,
  revisionNumber: r.revision_number,
  createdAt: r.created_at,
});

/** An article's log, newest first (the caller has already decided the article may be read). */
export function listArticleCorrections(
  deps: { db: Db; memo?: GenerationMemo },
  postId: number,
): Promise<CorrectionLogEntry[]> {
  // Every view of the article shows its log: kept until a correction is named (KEPT_WITH).
  return keptForGeneration(
    deps,
    { area: 'article-corrections', key: String(postId), max: 256, dependsOn: KEPT_WITH },
    async () => (await listCorrectionsOfPost(deps.db, postId)).map(entryOf),
  );
}

/** One page of the site-wide log (/corrections/): entries of published articles only, newest first. */
export function listSiteCorrectionsPage(
  deps: { db: Db; clock: Clock; memo?: GenerationMemo },
  page: PageRequest,
): Promise<Paged<SiteCorrectionEntry>> {
  // The log's pages and its feed: kept until a change names corrections (a correction, or an article published or
  // unpublished).
  const key = `${page.page}|${page.perPage}`;
  return keptForGeneration(deps, { area: 'site-corrections', key, max: 64, dependsOn: KEPT_WITH }, () =>
    readSiteCorrectionsPage(deps, page),
  );
}

async function readSiteCorrectionsPage(
  deps: { db: Db; clock: Clock },
  page: PageRequest,
): Promise<Paged<SiteCorrectionEntry>> {
  const now = deps.clock.now().toISOString();
  const [rows, total] = await Promise.all([
    listSiteCorrections(deps.db, now, { limit: page.perPage, offset: (page.page - 1) * page.perPage }),
    countSiteCorrections(deps.db, now),
  ]);
  return paged(
    rows.map((r) => ({ ...entryOf(r), post: { id: r.post_id, slug: r.post_slug, title: r.post_title } })),
    page,
    total,
  );
}

/** The time of each post's latest log entry (for dateModified); posts without entries are absent. */
export async function latestCorrectionAt(deps: { db: Db }, postIds: number[]): Promise<Map<number, string>> {
  return latestCorrectionTimes(deps.db, postIds);
}

/** The later of an article's own update time and its latest log entry: what readers are told it was modified. */
export function modifiedAt(updatedAt: string | null, entries: Pick<CorrectionLogEntry, 'createdAt'>[]): string | null {
  const latest = entries.reduce<string | null>((m, e) => (m === null || e.createdAt > m ? e.createdAt : m), null);
  if (latest === null) return updatedAt;
  return updatedAt === null || latest > updatedAt ? latest : updatedAt;
}

/**
 * The "Updated" date shown to readers beside the publication date, or null for none: the article was changed on a
 * later calendar day (in the site's time zone) than it was published, or a correction or update was logged for
 * it. A same-day fix of a typo says nothing. (Feeds, the sitemap and JSON-LD keep the real modification time.)
 */
export function updateShownToReaders(
  article: { publishedAt: string; updatedAt: string | null },
  entries: Pick<CorrectionLogEntry, 'createdAt'>[],
  timeZone: string,
): string | null {
  const modified = modifiedAt(article.updatedAt, entries);
  if (modified === null || entries.length > 0) return modified;
  const day = (iso: string) => utcToZonedLocal(iso, timeZone).slice(0, 10);
  return day(modified) > day(article.publishedAt) ? modified : null;
}
