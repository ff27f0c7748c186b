import { type ExpressionBuilder, type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { DatabaseSchema, Db, EntityKind, EntityNameTable, EntityTable } from '../../storage/schema.ts';

export type EntityRow = Selectable<EntityTable>;
export type EntityNameRow = Selectable<EntityNameTable>;
export type NewEntityRow = Insertable<EntityTable>;

/** A published article mentioning an entity, for its page. */
export interface MentioningPostRow {
  id: number;
  slug: string;
  title: string;
  published_at: string | null;
}

// What readers see: published, or scheduled and come due (content's isPostVisible, as SQL).
const VISIBLE_STATUSES = ['published', 'scheduled'] as const;

/**
 * Whether an article visible to readers at `now` mentions the entity of the outer query: read from the mentions'
 * own copy of when their post became visible (migration 016), without touching a post.
 */
export function hasVisibleMention(eb: ExpressionBuilder<DatabaseSchema, 'entities'>, now: string) {
  return eb.exists(
    eb
      .selectFrom('entity_mentions')
      .select('entity_mentions.post_id')
      .whereRef('entity_mentions.entity_id', '=', 'entities.id')
      .where('entity_mentions.visible_from', '<=', now),
  );
}

export async function findEntityById(db: Db, id: number): Promise<EntityRow | undefined> {
  return db.selectFrom('entities').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findEntityBySlug(db: Db, kind: EntityKind, slug: string): Promise<EntityRow | undefined> {
  return db.selectFrom('entities').selectAll().where('kind', '=', kind).where('slug', '=', slug).executeTakeFirst();
}

/** The slug an entity has now, when `slug` was once one of its slugs. */
export async function findCurrentSlugFor(db: Db, kind: EntityKind, slug: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('entity_old_slugs')
    .innerJoin('entities', 'entities.id', 'entity_old_slugs.entity_id')
    .select('entities.slug')
    .where('entity_old_slugs.kind', '=', kind)
    .where('entity_old_slugs.slug', '=', slug)
    .executeTakeFirst();
  return row?.slug;
}

export async function insertEntity(db: Db, row: NewEntityRow): Promise<number> {
  const r = await db.insertInto('entities').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export async function updateEntity(db: Db, id: number, row: Omit<NewEntityRow, 'created_at'>): Promise<void> {
  await db.updateTable('entities').set(row).where('id', '=', id).execute();
}

/** Sets some of an entity's columns. */
export async function updateEntityFields(db: Db, id: number, fields: Updateable<EntityTable>): Promise<void> {
  await db.updateTable('entities').set(fields).where('id', '=', id).execute();
}

export async function deleteEntityRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('entity_old_slugs').where('entity_id', '=', id).execute();
  await db.deleteFrom('entity_names').where('entity_id', '=', id).execute();
  await db.deleteFrom('place_shapes').where('entity_id', '=', id).execute();
  await db.deleteFrom('entity_sources').where('entity_id', '=', id).execute();
  await db.deleteFrom('entity_identifiers').where('entity_id', '=', id).execute();
  await db.deleteFrom('entities').where('id', '=', id).execute();
}

/** Keeps `slug` answering with a 301 to the entity (a later entity taking the slug removes it: forgetOldSlug). */
export async function recordOldSlug(db: Db, e: Pick<EntityRow, 'id' | 'kind' | 'slug'>, now: string): Promise<void> {
  await db.deleteFrom('entity_old_slugs').where('kind', '=', e.kind).where('slug', '=', e.slug).execute();
  await db
    .insertInto('entity_old_slugs')
    .values({ kind: e.kind, slug: e.slug, entity_id: e.id, changed_at: now })
    .execute();
}

export async function forgetOldSlug(db: Db, kind: EntityKind, slug: string): Promise<void> {
  await db.deleteFrom('entity_old_slugs').where('kind', '=', kind).where('slug', '=', slug).execute();
}

export async function listEntityNames(db: Db, entityId: number): Promise<EntityNameRow[]> {
  return db.selectFrom('entity_names').selectAll().where('entity_id', '=', entityId).orderBy('position').execute();
}

export async function replaceEntityNames(
  db: Db,
  entityId: number,
  names: readonly Omit<Insertable<EntityNameTable>, 'entity_id' | 'position'>[],
): Promise<void> {
  await db.deleteFrom('entity_names').where('entity_id', '=', entityId).execute();
  if (names.length > 0)
    await db
      .insertInto('entity_names')
      .values(names.map((n, position) => ({ ...n, entity_id: entityId, position })))
      .execute();
}

/** Entities of a kind for the admin list, by name. */
export async function listEntitiesOfKind(db: Db, kind: EntityKind): Promise<EntityRow[]> {
  return db.selectFrom('entities').selectAll().where('kind', '=', kind).orderBy('name').orderBy('id').execute();
}

/** Entities having one of these slugs now or once (old slugs after the current ones), any kind. */
export async function findEntityIdsBySlugs(
  db: Db,
  slugs: readonly string[],
): Promise<{ id: number; kind: EntityKind; slug: string }[]> {
  if (slugs.length === 0) return [];
  const [current, old] = await Promise.all([
    db
      .selectFrom('entities')
      .select(['id', 'kind', 'slug'])
      .where('slug', 'in', [...slugs])
      .execute(),
    db
      .selectFrom('entity_old_slugs')
      .select(['entity_id as id', 'kind', 'slug'])
      .where('slug', 'in', [...slugs])
      .execute(),
  ]);
  return [...old, ...current];
}

/**
 * When a post became visible to readers, which its mentions carry (migration 016): its publishing time while
 * published or scheduled (a scheduled one shows once that time comes), null otherwise.
 */
async function visibleFromOf(db: Db, postId: number): Promise<string | null> {
  const row = await db
    .selectFrom('posts')
    .select('published_at')
    .where('id', '=', postId)
    .where('status', 'in', VISIBLE_STATUSES)
    .executeTakeFirst();
  return row?.published_at ?? null;
}

/** Records one mention (kept once). */
export async function addMention(db: Db, entityId: number, postId: number): Promise<void> {
  await db.deleteFrom('entity_mentions').where('entity_id', '=', entityId).where('post_id', '=', postId).execute();
  const visible_from = await visibleFromOf(db, postId);
  await db.insertInto('entity_mentions').values({ entity_id: entityId, post_id: postId, visible_from }).execute();
}

/** Replaces the entities a post mentions. */
export async function setPostMentions(db: Db, postId: number, entityIds: readonly number[]): Promise<void> {
  await db.deleteFrom('entity_mentions').where('post_id', '=', postId).execute();
  if (entityIds.length === 0) return;
  const visible_from = await visibleFromOf(db, postId);
  await db
    .insertInto('entity_mentions')
    .values([...new Set(entityIds)].map((entity_id) => ({ entity_id, post_id: postId, visible_from })))
    .execute();
}

/** Every post (any state: drafts too) mentioning the entity, for ENTITY_IN_USE. */
export async function postsMentioning(db: Db, entityId: number, limit: number) {
  return db
    .selectFrom('entity_mentions')
    .innerJoin('posts', 'posts.id', 'entity_mentions.post_id')
    .select(['posts.id', 'posts.title', 'posts.status'])
    .where('entity_mentions.entity_id', '=', entityId)
    .orderBy('posts.title')
    .limit(limit)
    .execute();
}

/** One page of the published articles mentioning the entity, newest first, and how many there are. */
export async function publishedPostsMentioning(
  db: Db,
  q: { entityId: number; now: string; limit: number; offset: number },
): Promise<{ rows: MentioningPostRow[]; total: number }> {
  // Read from the mentions' own copy of when each post became visible (migration 016): the index
  // entity_mentions_order gives them in order and counts them without touching a post; the posts of the page alone
  // are read.
  const visible = db
    .selectFrom('entity_mentions')
    .where('entity_id', '=', q.entityId)
    .where('visible_from', '<=', q.now);
  const [rows, count] = await Promise.all([
    db
      .selectFrom('posts')
      .innerJoin('entity_mentions as m', 'm.post_id', 'posts.id')
      .select(['posts.id', 'posts.slug', 'posts.title', 'posts.published_at'])
      .where('m.entity_id', '=', q.entityId)
      .where(
        'posts.id',
        'in',
        visible
          .select('post_id')
          .orderBy('visible_from', 'desc')
          .orderBy('post_id', 'desc')
          .limit(q.limit)
          .offset(q.offset),
      )
      .orderBy('m.visible_from', 'desc')
      .orderBy('m.post_id', 'desc')
      .execute(),
    visible.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/**
 * Entities of a kind that published articles mention; events by their dates (lower bound, then upper, undated
 * last), the others by name.
 */
export async function listMentionedEntities(db: Db, kind: EntityKind, now: string): Promise<EntityRow[]> {
  let q = db
    .selectFrom('entities')
    .selectAll()
    .where('kind', '=', kind)
    .where((eb) => hasVisibleMention(eb, now));
  if (kind === 'event')
    q = q
      .orderBy((eb) => eb.case().when('date_lower', 'is', null).then(1).else(0).end())
      .orderBy('date_lower')
      .orderBy('date_upper');
  return q.orderBy('name').orderBy('id').execute();
}

/**
 * Posts whose text has `{#slug` (a plain text search, LIKE: a slug holds none of its wildcards; the caller reads
 * each body to be sure), for linking the mentions written before the entity existed or took this slug.
 */
export async function postsWhoseTextNames(db: Db, slug: string): Promise<{ id: number; body_md: string }[]> {
  return db
    .selectFrom('post_bodies')
    .select(['post_id as id', 'body_md'])
    .where('body_md', 'like', `%{#${slug}%`)
    .execute();
}

/** Marks posts' stored renders stale: reading renders them afresh (their mention links) on the next read. */
export async function invalidateRenders(db: Db, postIds: readonly number[]): Promise<void> {
  if (postIds.length === 0) return;
  await db
    .updateTable('posts')
    .set({ render_version: 0 })
    .where('id', 'in', [...postIds])
    .execute();
}

/** The entities an article mentions, by id, at most `limit` (what their preview cards show). */
export async function mentionedEntities(db: Db, postId: number, limit: number) {
  return db
    .selectFrom('entity_mentions')
    .innerJoin('entities', 'entities.id', 'entity_mentions.entity_id')
    .select([
      'entities.id',
      'entities.kind',
      'entities.slug',
      'entities.name',
      'entities.description',
      'entities.date_text',
    ])
    .where('entity_mentions.post_id', '=', postId)
    .orderBy('entities.id')
    .limit(limit)
    .execute();
}

/** Each entity's earlier slugs (its old addresses). */
export async function oldSlugsOf(db: Db, ids: readonly number[]): Promise<Map<number, string[]>> {
  const found = new Map<number, string[]>();
  if (ids.length === 0) return found;
  const rows = await db
    .selectFrom('entity_old_slugs')
    .select(['entity_id', 'slug'])
    .where('entity_id', 'in', ids)
    .execute();
  for (const r of rows) found.set(r.entity_id, [...(found.get(r.entity_id) ?? []), r.slug]);
  return found;
}

/**
 * Moves the mentions of entity `fromId` to entity `toId`, each keeping when its post became visible; a post that
 * mentions both keeps its mention of `toId`. Their posts' stored renders are marked stale first.
 */
export async function moveMentions(db: Db, fromId: number, toId: number): Promise<void> {
  // Their stored renders are redone on the next read (the links go to the kept entity's addresses).
  await db
    .updateTable('posts')
    .set({ render_version: 0 })
    .where('id', 'in', (eb) => eb.selectFrom('entity_mentions').select('post_id').where('entity_id', '=', fromId))
    .execute();
  await db
    .insertInto('entity_mentions')
    .columns(['entity_id', 'post_id', 'visible_from'])
    .expression((eb) =>
      eb
        .selectFrom('entity_mentions as m')
        .select([sql<number>`cast(${toId} as integer)`.as('entity_id'), 'm.post_id', 'm.visible_from'])
        .where('m.entity_id', '=', fromId)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('entity_mentions as k')
                .select('k.post_id')
                .where('k.entity_id', '=', toId)
                .whereRef('k.post_id', '=', 'm.post_id'),
            ),
          ),
        ),
    )
    .execute();
  await db.deleteFrom('entity_mentions').where('entity_id', '=', fromId).execute();
}

/** Gives entity `toId` every old slug of entity `fromId`. */
export async function moveOldSlugs(db: Db, fromId: number, toId: number): Promise<void> {
  await db.updateTable('entity_old_slugs').set({ entity_id: toId }).where('entity_id', '=', fromId).execute();
}

/** The next free position of an entity's rows in a table keyed by (entity_id, position). */
export async function nextPartPosition(
  db: Db,
  table: 'place_shapes' | 'entity_sources' | 'entity_identifiers',
  entityId: number,
): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.max<number | null>('position').as('top'))
    .where('entity_id', '=', entityId)
    .executeTakeFirst();
  return r?.top === null || r?.top === undefined ? 0 : Number(r.top) + 1;
}
