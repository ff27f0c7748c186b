import type { Insertable, Selectable } from 'kysely';
import type { Db, PostRevisionTable, RevisionKind } from '../../storage/schema.ts';

export type RevisionRow = Selectable<PostRevisionTable>;
export type NewRevisionRow = Omit<Insertable<PostRevisionTable>, 'number'>;

/** A revision without its body, for lists. */
export type RevisionListingRow = Omit<RevisionRow, 'body_md'>;

const LISTING = [
  'id',
  'post_id',
  'number',
  'kind',
  'title',
  'slug',
  'standfirst',
  'excerpt',
  'meta_json',
  'status',
  'user_id',
  'created_at',
] as const;

/**
 * Appends a numbered revision (1, 2, 3… per post). Autosaves are not numbered in that sequence: each person's
 * autosave of a post is one row with number = -user id, replaced in place (decision 010).
 */
export async function insertRevision(db: Db, row: NewRevisionRow): Promise<number> {
  const last = await db
    .selectFrom('post_revisions')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('post_id', '=', row.post_id)
    .executeTakeFirst();
  const number = Math.max(0, Number(last?.n ?? 0)) + 1;
  await db
    .insertInto('post_revisions')
    .values({ ...row, number })
    .execute();
  return number;
}

export async function listRevisions(db: Db, postId: number): Promise<RevisionListingRow[]> {
  return db
    .selectFrom('post_revisions')
    .select(LISTING)
    .where('post_id', '=', postId)
    .where('number', '>', 0)
    .orderBy('number', 'desc')
    .execute();
}

export async function findRevision(db: Db, postId: number, number: number): Promise<RevisionRow | undefined> {
  if (number <= 0) return undefined;
  return db
    .selectFrom('post_revisions')
    .selectAll()
    .where('post_id', '=', postId)
    .where('number', '=', number)
    .executeTakeFirst();
}

export async function findLatestRevision(db: Db, postId: number): Promise<RevisionRow | undefined> {
  return db
    .selectFrom('post_revisions')
    .selectAll()
    .where('post_id', '=', postId)
    .where('number', '>', 0)
    .orderBy('number', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * A revision this person saved from the form `formId` (a form sent twice). `formId` is 32 hex digits, checked by
 * the caller, so it cannot carry LIKE wildcards.
 */
export async function findRevisionByForm(
  db: Db,
  userId: number,
  formId: string,
  since: string,
): Promise<RevisionListingRow | undefined> {
  return db
    .selectFrom('post_revisions')
    .select(LISTING)
    .where('user_id', '=', userId)
    .where('number', '>', 0)
    .where('created_at', '>=', since)
    .where('meta_json', 'like', `%"formId":"${formId}"%`)
    .executeTakeFirst();
}

/**
 * The post the first autosave of a new post created from the form `formId` (see autosaveNewPost), if any.
 * `formId` is 32 hex digits, checked by the caller, so it cannot carry LIKE wildcards.
 */
export async function findPostCreatedByForm(db: Db, userId: number, formId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('post_revisions')
    .select('post_id')
    .where('user_id', '=', userId)
    .where('number', '>', 0)
    .where('meta_json', 'like', `%"createdByForm":"${formId}"%`)
    .executeTakeFirst();
  return row?.post_id;
}

export async function findAutosave(db: Db, postId: number, userId: number): Promise<RevisionRow | undefined> {
  return db
    .selectFrom('post_revisions')
    .selectAll()
    .where('post_id', '=', postId)
    .where('number', '=', -userId)
    .executeTakeFirst();
}

/** Stores this person's autosave of a post, replacing their previous one. */
export async function replaceAutosave(db: Db, row: NewRevisionRow & { user_id: number }): Promise<void> {
  await deleteAutosave(db, row.post_id, row.user_id);
  await db
    .insertInto('post_revisions')
    .values({ ...row, kind: 'autosave' satisfies RevisionKind, number: -row.user_id })
    .execute();
}

export async function deleteAutosave(db: Db, postId: number, userId: number): Promise<void> {
  await db.deleteFrom('post_revisions').where('post_id', '=', postId).where('number', '=', -userId).execute();
}

/**
 * Keeps the newest `keep` numbered revisions of a post, every 'publish' revision and every version readers saw
 * (status 'published': readers may open any of them, and the corrections log links to them); deletes the other
 * numbered ones. Autosaves are not touched. Returns how many were deleted.
 */
export async function pruneRevisions(db: Db, postId: number, keep: number): Promise<number> {
  const cut = await db
    .selectFrom('post_revisions')
    .select('number')
    .where('post_id', '=', postId)
    .where('number', '>', 0)
    .orderBy('number', 'desc')
    .limit(1)
    .offset(Math.max(1, keep) - 1)
    .executeTakeFirst();
  if (!cut) return 0;
  const result = await db
    .deleteFrom('post_revisions')
    .where('post_id', '=', postId)
    .where('number', '>', 0)
    .where('number', '<', cut.number)
    .where('kind', '!=', 'publish')
    .where('status', '!=', 'published')
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The settings key of the retention rule, shared with the site settings page. */
export const REVISIONS_KEPT_SETTING = 'revisionsKept';
export const DEFAULT_REVISIONS_KEPT = 50;

/** How many numbered revisions a post keeps (besides every 'publish' one): the setting, or 50. */
export async function getRevisionsKept(db: Db): Promise<number> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', REVISIONS_KEPT_SETTING)
    .executeTakeFirst();
  let n = Number.NaN;
  try {
    n = row ? Number(JSON.parse(row.value)) : Number.NaN;
  } catch {
    // a hand-edited value that is not JSON keeps the default
  }
  return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : DEFAULT_REVISIONS_KEPT;
}
