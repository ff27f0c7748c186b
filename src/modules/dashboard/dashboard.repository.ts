import type { ExpressionBuilder } from 'kysely';
import type { DatabaseSchema, Db } from '../../storage/schema.ts';

type PostsEb = ExpressionBuilder<DatabaseSchema, 'posts'>;

/** Whose posts a list holds: everyone's, or those of one person (created by them or carrying their byline). */
export type PostsOf = { everyone: true } | { id: number; authorId: number | null };

/** Posts a viewer without edit_others_posts may see: ones they created or that carry their byline. */
function ownPosts(user: { id: number; authorId: number | null }) {
  return (eb: PostsEb) =>
    eb.or([
      eb('posts.owner_user_id', '=', user.id),
      ...(user.authorId === null
        ? []
        : [
            eb.exists(
              eb
                .selectFrom('post_authors')
                .select('post_authors.post_id')
                .whereRef('post_authors.post_id', '=', 'posts.id')
                .where('post_authors.author_id', '=', user.authorId),
            ),
          ]),
    ]);
}

const POST_COLUMNS = [
  'posts.id',
  'posts.type',
  'posts.title',
  'posts.status',
  'posts.created_at',
  'posts.updated_at',
  'posts.published_at',
  'posts.submitted_at',
] as const;

function postsOf(db: Db, of: PostsOf) {
  const q = db.selectFrom('posts').select(POST_COLUMNS);
  return 'everyone' in of ? q : q.where(ownPosts(of));
}

/** The dashboard's lists: drafts (latest changed first), posts in review (latest sent first), scheduled (soonest). */
export async function listDashboardPosts(
  db: Db,
  input: { of: PostsOf; list: 'drafts' | 'review' | 'scheduled'; now: string; limit: number },
) {
  const q = postsOf(db, input.of);
  if (input.list === 'drafts')
    return q
      .where('posts.status', '=', 'draft')
      .where('posts.submitted_at', 'is', null)
      .orderBy((eb) => eb.fn.coalesce('posts.updated_at', 'posts.created_at'), 'desc')
      .orderBy('posts.id', 'desc')
      .limit(input.limit)
      .execute();
  if (input.list === 'review')
    return q
      .where('posts.status', '=', 'draft')
      .where('posts.submitted_at', 'is not', null)
      .orderBy('posts.submitted_at', 'desc')
      .orderBy('posts.id', 'desc')
      .limit(input.limit)
      .execute();
  return q
    .where('posts.status', '=', 'scheduled')
    .where('posts.published_at', '>', input.now)
    .orderBy('posts.published_at')
    .limit(input.limit)
    .execute();
}

/** The latest changed posts not yet live (drafts, and scheduled ones still to come), with what the checks read. */
export async function listUnpublishedWithText(db: Db, input: { of: PostsOf; now: string; limit: number }) {
  let q = db
    .selectFrom('posts')
    .innerJoin('post_bodies', 'post_bodies.post_id', 'posts.id')
    .select([...POST_COLUMNS, 'posts.standfirst', 'post_bodies.body_md', 'posts.cover_alt', 'posts.cover_src'])
    .where((eb) =>
      eb.or([
        eb('posts.status', '=', 'draft'),
        eb.and([eb('posts.status', '=', 'scheduled'), eb('posts.published_at', '>', input.now)]),
      ]),
    );
  if (!('everyone' in input.of)) q = q.where(ownPosts(input.of));
  return q
    .orderBy((eb) => eb.fn.coalesce('posts.updated_at', 'posts.created_at'), 'desc')
    .orderBy('posts.id', 'desc')
    .limit(input.limit)
    .execute();
}

/** How many comments wait for a moderator, and the latest few with their article's title. */
export async function heldCommentsSummary(db: Db, limit: number) {
  const [count, latest] = await Promise.all([
    db
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'held')
      .executeTakeFirst(),
    db
      .selectFrom('comments')
      .innerJoin('posts', 'posts.id', 'comments.post_id')
      .select(['comments.id', 'comments.author_name', 'comments.created_at', 'posts.title'])
      .where('comments.status', '=', 'held')
      .orderBy('comments.created_at', 'desc')
      .orderBy('comments.id', 'desc')
      .limit(limit)
      .execute(),
  ]);
  return { count: Number(count?.n ?? 0), latest };
}

// ---- The first-run checklist: what the site already holds ----

/** One published or scheduled post this account created, if there is one. */
export async function findOwnLivePost(db: Db, userId: number): Promise<{ id: number } | undefined> {
  return db
    .selectFrom('posts')
    .select('id')
    .where('owner_user_id', '=', userId)
    .where('type', '=', 'post')
    .where('status', 'in', ['published', 'scheduled'])
    .limit(1)
    .executeTakeFirst();
}

/** One account other than `userId` that is not disabled, if there is one. */
export async function findOtherActiveUser(db: Db, userId: number): Promise<{ id: number } | undefined> {
  return db
    .selectFrom('users')
    .select('id')
    .where('id', '<>', userId)
    .where('disabled_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
}

/** One upload /admin/import has imported, if there is one. */
export async function findImportedUpload(db: Db): Promise<{ id: number } | undefined> {
  return db.selectFrom('import_uploads').select('id').where('status', '=', 'imported').limit(1).executeTakeFirst();
}

/** One entry of an import's map of old ids (a command-line import leaves them), if there is one. */
export async function findImportMapEntry(db: Db): Promise<{ new_id: number } | undefined> {
  return db.selectFrom('import_map').select('new_id').limit(1).executeTakeFirst();
}
