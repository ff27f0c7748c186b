import { inTransaction } from '../../storage/transaction.ts';
import { findCommentById, recountPostComments } from '../comments/comment.repository.ts';
import type { CommentDeps } from '../comments/comment-deps.ts';
import { commentChange, NOTHING_CHANGED } from '../shared/changes.ts';
import { AppError } from '../shared/errors.ts';
import { getModerationSettings } from './moderation-settings.ts';
import { holdComment, recordReport } from './report.repository.ts';

export const REPORT_REASONS = ['abuse', 'spam', 'off-topic', 'misinformation', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/**
 * A reader reports a comment. One report per reader (by address) per comment; when enough different readers
 * have reported an approved comment it is held for a moderator (reason REPORTED) until they decide.
 */
export async function reportComment(
  deps: CommentDeps,
  input: { commentId: number; reporter: string; reason: ReportReason; note: string },
): Promise<{ held: boolean }> {
  const comment = await findCommentById(deps.db, input.commentId);
  if (comment?.status !== 'approved') throw new AppError('NOT_FOUND', 'That comment is not there to report.');
  const settings = await getModerationSettings(deps);
  const now = deps.clock.now().toISOString();
  const held = await inTransaction(deps.db, async (trx) => {
    const count = await recordReport(trx, {
      commentId: comment.id,
      reporter: input.reporter,
      reason: `${input.reason}: ${input.note}`.slice(0, 1000),
      at: now,
    });
    if (count < settings.reportThreshold) return false;
    const reasons = [
      ...(JSON.parse(comment.reasons_json) as unknown[]),
      { phase: 'reports', action: 'hold', code: 'REPORTED', message: `Reported by ${count} readers.` },
    ];
    await holdComment(trx, comment.id, JSON.stringify(reasons), now);
    await recountPostComments(trx, comment.post_id);
    return true;
  });
  // Held: readers no longer see it, at once. Not held: only its report count changed, which no reader sees; told
  // all the same, or the other nodes take the commit for one nobody announced and drop everything (decision 049).
  deps.noteWrite(held ? commentChange(comment.post_id, true) : NOTHING_CHANGED);
  return { held };
}
