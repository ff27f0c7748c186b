import type { Insertable, Selectable } from 'kysely';
import type { Db, PostCorrectionTable } from '../../storage/schema.ts';

export type CorrectionRow = Selectable<PostCorrectionTable>;
export type NewCorrectionRow = Insertable<PostCorrectionTable>;

/** A log entry with the article it belongs to, for the site-wide list and feed. */
export type SiteCorrectionRow = CorrectionRow & { post_slug: string; post_title: string };

/** Appends an entry to the public log; returns its id. */
export async function insertCorrection(db: Db, row: NewCorrectionRow): Promise<number> {
  const r = await db.insertInto('post_corrections').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** An article's log entries, newest first (ties: the later entry first). */
export async function listCorrectionsOfPost(db: Db, postId: number): Promise<CorrectionRow[]> {
  return db
    .selectFrom('post_corrections')
    .selectAll()
    .where('post_id', '=', postId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

// Readers see only the log of articles they can read: published, or scheduled with their time come (as
// post.repository's visibility rule), and posts, not pages.
function visibleCorrections(db: Db, now: string) {
  return db
    .selectFrom('post_corrections')
    .innerJoin('posts', 'posts.id', 'post_corrections.post_id')
    .where('posts.type', '=', 'post')
    .where('posts.status', 'in', ['published', 'scheduled'])
    .where('posts.published_at', '<=', now);
}

/** Entries of every readable article, newest first, with the article's slug and title. */
export async function listSiteCorrections(
  db: Db,
  now: string,
  page: { limit: number; offset: number },
): Promise<SiteCorrectionRow[]> {
  return visibleCorrections(db, now)
    .selectAll('post_corrections')
    .select(['posts.slug as post_slug', 'posts.title as post_title'])
    .orderBy('post_corrections.created_at', 'desc')
    .orderBy('post_corrections.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

export async function countSiteCorrections(db: Db, now: string): Promise<number> {
  const r = await visibleCorrections(db, now)
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** The time of each post's latest log entry (posts without one are absent). */
export async function latestCorrectionTimes(db: Db, postIds: number[]): Promise<Map<number, string>> {
  if (postIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('post_corrections')
    .select((eb) => ['post_id', eb.fn.max('created_at').as('latest')])
    .where('post_id', 'in', postIds)
    .groupBy('post_id')
    .execute();
  return new Map(rows.map((r) => [r.post_id, String(r.latest)]));
}
