import type { Insertable, Selectable } from 'kysely';
import type { CorrectionSuggestionTable, Db, SuggestionStatus } from '../../storage/schema.ts';

/** All SQL about correction suggestions. */

export type SuggestionRow = Selectable<CorrectionSuggestionTable>;
export type NewSuggestionRow = Insertable<CorrectionSuggestionTable>;

/** Statuses in which an editor still has something to decide. */
export const UNDECIDED_STATUSES: readonly SuggestionStatus[] = ['open', 'needs_info'];
/** Statuses after a decision: nothing may change them (two editors racing, a moderator and an editor). */
export const DECIDED_STATUSES: readonly SuggestionStatus[] = ['accepted', 'rejected'];

export async function findSuggestionById(db: Db, id: number): Promise<SuggestionRow | undefined> {
  return db.selectFrom('correction_suggestions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertSuggestion(db: Db, row: NewSuggestionRow): Promise<number> {
  const r = await db.insertInto('correction_suggestions').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/**
 * Moves a suggestion to `to` only if it still has one of the `from` statuses (the check and the change are one
 * statement, so two people deciding at once cannot both win). True if this call changed it.
 */
export async function changeSuggestionStatus(
  db: Db,
  id: number,
  from: readonly SuggestionStatus[],
  changes: {
    status: SuggestionStatus;
    decision_note?: string;
    decided_by?: number | null;
    decided_at?: string | null;
    correction_id?: number | null;
  },
): Promise<boolean> {
  const r = await db
    .updateTable('correction_suggestions')
    .set(changes)
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The number of the post's latest published revision (what a reader reads now), or null. */
export async function latestPublishedRevision(db: Db, postId: number): Promise<number | null> {
  const r = await db
    .selectFrom('post_revisions')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('post_id', '=', postId)
    .where('status', '=', 'published')
    .executeTakeFirst();
  return r?.n ?? null;
}

/** Counts by status, for the list's tabs and the dashboard. */
export async function countSuggestionsByStatus(db: Db): Promise<Partial<Record<SuggestionStatus, number>>> {
  const rows = await db
    .selectFrom('correction_suggestions')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const out: Partial<Record<SuggestionStatus, number>> = {};
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

export interface SuggestionListRow {
  id: number;
  post_id: number;
  post_title: string;
  post_slug: string;
  quote: string;
  problem: string;
  author_name: string;
  status: SuggestionStatus;
  comment_id: number | null;
  created_at: string;
}

export async function listSuggestions(
  db: Db,
  statuses: readonly SuggestionStatus[],
  page: { limit: number; offset: number },
): Promise<SuggestionListRow[]> {
  return db
    .selectFrom('correction_suggestions as s')
    .innerJoin('posts as p', 'p.id', 's.post_id')
    .select([
      's.id',
      's.post_id',
      'p.title as post_title',
      'p.slug as post_slug',
      's.quote',
      's.problem',
      's.author_name',
      's.status',
      's.comment_id',
      's.created_at',
    ])
    .where('s.status', 'in', [...statuses])
    .orderBy('s.created_at', 'desc')
    .orderBy('s.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

/** Whether mail may go to this address: confirmed by double opt-in (and not unsubscribed), or an account's own. */
export async function isConfirmedAddress(db: Db, email: string, userId: number | null): Promise<boolean> {
  const address = email.trim().toLowerCase();
  if (userId !== null) {
    const user = await db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
    if (user && user.email.trim().toLowerCase() === address) return true;
  }
  const c = await db
    .selectFrom('commenters')
    .select(['confirmed_at', 'unsubscribed_at'])
    .where('email', '=', address)
    .executeTakeFirst();
  return Boolean(c?.confirmed_at) && !c?.unsubscribed_at;
}

/**
 * A reader's history for the moderation pipeline, in one statement: the last suggestion from this address and from
 * this email, the same problem sent by them since `since`, and whether a comment or suggestion of theirs was let
 * through before (a reader whose comments or suggestions were let through is not a stranger).
 */
export async function findSuggestionHistory(
  db: Db,
  probe: { ip: string; email: string; problem: string; since: string },
) {
  return db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('correction_suggestions')
        .select((e) => e.fn.max('created_at').as('m'))
        .where('ip', '=', probe.ip)
        .as('last_ip'),
      eb
        .selectFrom('correction_suggestions')
        .select((e) => e.fn.max('created_at').as('m'))
        .where('author_email', '=', probe.email)
        .as('last_email'),
      eb
        .selectFrom('correction_suggestions')
        .select('id')
        .where('problem', '=', probe.problem)
        .where('created_at', '>=', probe.since)
        .where((e) => e.or([e('author_email', '=', probe.email), ...(probe.ip ? [e('ip', '=', probe.ip)] : [])]))
        .limit(1)
        .as('duplicate'),
      eb
        .selectFrom('comments')
        .select('id')
        .where('author_email', '=', probe.email)
        .where('status', '=', 'approved')
        .limit(1)
        .as('approved_comment'),
      eb
        .selectFrom('correction_suggestions')
        .select('id')
        .where('author_email', '=', probe.email)
        .where('status', 'in', ['open', 'needs_info', 'accepted', 'rejected'])
        .limit(1)
        .as('approved_suggestion'),
    ])
    .executeTakeFirstOrThrow();
}
