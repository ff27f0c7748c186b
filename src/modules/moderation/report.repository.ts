import type { Db } from '../../storage/schema.ts';

/**
 * Records a reader's report of a comment (one per reporter and comment: a second is ignored) and keeps the
 * comment's report count; returns how many readers have reported it.
 */
export async function recordReport(
  db: Db,
  report: { commentId: number; reporter: string; reason: string; at: string },
): Promise<number> {
  await db
    .insertInto('reports')
    .values({ comment_id: report.commentId, reporter: report.reporter, reason: report.reason, created_at: report.at })
    .onConflict((oc) => oc.columns(['comment_id', 'reporter']).doNothing())
    .execute();
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('comment_id', '=', report.commentId)
    .executeTakeFirst();
  const count = Number(row?.n ?? 0);
  await db.updateTable('comments').set({ report_count: count }).where('id', '=', report.commentId).execute();
  return count;
}

/** Holds a comment for a moderator, with the reasons it now carries. */
export async function holdComment(db: Db, id: number, reasonsJson: string, at: string): Promise<void> {
  await db
    .updateTable('comments')
    .set({ status: 'held', reasons_json: reasonsJson, updated_at: at })
    .where('id', '=', id)
    .execute();
}
