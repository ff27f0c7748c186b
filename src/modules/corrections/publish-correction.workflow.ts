import type { User } from '../accounts/accounts.types.ts';
import { can } from '../accounts/policies.ts';
import type { ContentDeps } from '../content/content.deps.ts';
import { AppError } from '../shared/errors.ts';
import {
  type CorrectionNoteValues,
  isCorrectionNoteEmpty,
  recordCorrection,
  requireValidCorrectionNote,
} from './corrections-log.service.ts';
import { findSuggestionById } from './suggestion.repository.ts';
import { markSuggestionAccepted } from './suggestion-review.service.ts';

export interface CorrectionOnSaveInput {
  user: User;
  /** The editor's "Correction or update note" as typed. */
  note: CorrectionNoteValues;
  /** The reader's suggestion being accepted (the editor opened with ?suggestion=), or null. */
  suggestionId: number | null;
  /** The site's address, for the link in the mail to the suggester. */
  baseUrl: string;
}

/** What happened to the note, read by the caller once the save has committed. */
export interface CorrectionOnSaveOutcome {
  /** The log entry recorded, if the save left the post published with a note. */
  correctionId: number | null;
}

/** Whether a note (or an accepted suggestion) came with this save at all. */
export const hasCorrectionNote = (input: Pick<CorrectionOnSaveInput, 'note' | 'suggestionId'>): boolean =>
  !isCorrectionNoteEmpty(input.note) || input.suggestionId !== null;

/**
 * The step the editor's save runs inside its transaction, after the post is written: when the save leaves the
 * post published and a note was given, the note is checked (CORRECTION_INVALID undoes the whole save) and
 * recorded in the public log with the revision the save created; when the editor came from a reader's
 * suggestion, that suggestion is marked accepted and linked to the entry (SUGGESTION_ALREADY_DECIDED undoes the
 * save too: the same suggestion is never accepted twice). A save that leaves the post unpublished records
 * nothing: the note stays in the writer's form.
 */
export function correctionOnSave(input: CorrectionOnSaveInput): {
  withinSave: (tx: ContentDeps, saved: { id: number; revision: number; published: boolean }) => Promise<void>;
  outcome: CorrectionOnSaveOutcome;
} {
  const outcome: CorrectionOnSaveOutcome = { correctionId: null };
  const withinSave = async (tx: ContentDeps, saved: { id: number; revision: number; published: boolean }) => {
    if (!saved.published || !hasCorrectionNote(input)) return;
    let creditName: string | null = null;
    if (input.suggestionId !== null) {
      if (!can(input.user, 'review_corrections'))
        throw new AppError('FORBIDDEN', 'Accepting a reader’s suggestion is for editors.', {
          detail: `user ${input.user.id} (${input.user.role})`,
        });
      const suggestion = await findSuggestionById(tx.db, input.suggestionId);
      if (!suggestion || suggestion.post_id !== saved.id)
        throw new AppError('SUGGESTION_NOT_FOUND', 'There is no such suggestion for this article.', {
          detail: `suggestion ${input.suggestionId} on post ${saved.id}`,
        });
      // The reader is named only if they agreed, and only if the editor ticked the box.
      if (input.note.credit && suggestion.credit_ok === 1) creditName = suggestion.author_name;
    }
    const note = requireValidCorrectionNote(input.note);
    const correctionId = await recordCorrection(tx, {
      postId: saved.id,
      revisionNumber: saved.revision,
      note,
      creditName,
      suggestionId: input.suggestionId,
      userId: input.user.id,
    });
    if (input.suggestionId !== null)
      await markSuggestionAccepted(tx.db, tx.clock, {
        suggestionId: input.suggestionId,
        correctionId,
        userId: input.user.id,
        baseUrl: input.baseUrl,
      });
    outcome.correctionId = correctionId;
  };
  return { withinSave, outcome };
}
