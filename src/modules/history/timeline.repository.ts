import { type ExpressionBuilder, sql } from 'kysely';
import type { DatabaseSchema, Db } from '../../storage/schema.ts';
import { OPEN_START_DAY } from './day-number.ts';
import { hasVisibleMention } from './entity.repository.ts';

/** A dated event as the timelines read it. */
export interface TimelineEventRow {
  id: number;
  slug: string;
  name: string;
  description: string;
  date_text: string | null;
  date_lower: number | null;
  date_upper: number | null;
}

/**
 * Which events a timeline shows: those mentioned in visible articles at `now`, narrowed to articles filed under
 * one of `categoryIds` and to articles that also mention every entity of `withEntities`.
 */
export interface TimelineFilter {
  now: string;
  categoryIds?: readonly number[];
  withEntities?: readonly number[];
  /**
   * An entity of `withEntities` mentioned in few articles: the events of those articles are gathered once and
   * the events index read in order against them. Without it every event read in order is tested (best when the
   * entities are mentioned so widely that most events pass). The service picks by counting mentions.
   */
  gatherFrom?: number;
}

/** A window of the timeline: events overlapping [from, to] (day numbers, inclusive), `limit` from `offset`. */
export interface TimelineWindow {
  from?: number;
  to?: number;
  /**
   * No event is longer than this many days (longestEventSpan): an event overlapping `from` begins at most this
   * long before it, so the index is read from there rather than from the earliest event.
   */
  longestSpan?: number;
  limit: number;
  offset: number;
}

type Eb = ExpressionBuilder<DatabaseSchema, 'entities'>;

/**
 * The visible articles (as `entity_mentions as m`) that mention an event, filtered. Visible by the mention's own
 * `visible_from` (migration 016, as hasVisibleMention): no post is read unless a category filter needs its filing.
 */
function mentionedVisibly(eb: Eb, f: TimelineFilter) {
  let q = eb
    .selectFrom('entity_mentions as m')
    .select('m.post_id')
    .whereRef('m.entity_id', '=', 'entities.id')
    .where('m.visible_from', '<=', f.now);
  for (const other of f.withEntities ?? []) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('entity_mentions as w')
          .select('w.post_id')
          .whereRef('w.post_id', '=', 'm.post_id')
          .where('w.entity_id', '=', other),
      ),
    );
  }
  if (f.categoryIds) {
    const ids = f.categoryIds.length > 0 ? [...f.categoryIds] : [-1];
    // Filed under the category as its primary one or as one of its others (as the category archive counts).
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('posts as p')
          .select('p.id')
          .whereRef('p.id', '=', 'm.post_id')
          .where((b) =>
            b.or([
              b('p.primary_category_id', 'in', ids),
              b.exists(
                b
                  .selectFrom('post_categories as pc')
                  .select('pc.post_id')
                  .whereRef('pc.post_id', '=', 'p.id')
                  .where('pc.category_id', 'in', ids),
              ),
            ]),
          ),
      ),
    );
  }
  return q;
}

/**
 * One window of the site's timeline: dated events that visible articles mention, overlapping the window, in order
 * of lower bound, then upper bound, then name. Read in the order of the `entities_kind_date` index and stopped
 * after `limit` rows: the events outside the window's end are never read, those before its start only from the
 * index. One row more than `limit` says whether there is a next page.
 */
export async function listTimelineEvents(db: Db, f: TimelineFilter, w: TimelineWindow): Promise<TimelineEventRow[]> {
  let q = db
    .selectFrom('entities')
    .select(['id', 'slug', 'name', 'description', 'date_text', 'date_lower', 'date_upper'])
    .where('kind', '=', 'event')
    .where('date_lower', 'is not', null);
  if (w.to !== undefined) q = q.where('date_lower', '<=', w.to);
  if (w.from !== undefined) q = q.where('date_upper', '>=', w.from);
  if (w.from !== undefined && w.longestSpan !== undefined)
    q = q.where('date_lower', '>=', Math.max(OPEN_START_DAY, w.from - w.longestSpan));
  if (f.gatherFrom !== undefined) {
    const other = f.gatherFrom;
    // The events of the (few) articles mentioning `other`, any state: the test below keeps the visible ones.
    q = q.where('id', 'in', (eb) =>
      eb
        .selectFrom('entity_mentions as w')
        .innerJoin('entity_mentions as e', 'e.post_id', 'w.post_id')
        .select('e.entity_id')
        .where('w.entity_id', '=', other),
    );
  }
  q = q.where((eb) => eb.exists(mentionedVisibly(eb, f)));
  return q
    .orderBy('date_lower')
    .orderBy('date_upper')
    .orderBy('name')
    .orderBy('id')
    .limit(w.limit)
    .offset(w.offset)
    .execute();
}

/** The longest any dated event lasts, in days (upper bound minus lower bound; 0 without events). */
export async function longestEventSpan(db: Db): Promise<number> {
  const row = await db
    .selectFrom('entities')
    .select(sql<number | string | null>`max(date_upper - date_lower)`.as('span'))
    .where('kind', '=', 'event')
    .where('date_lower', 'is not', null)
    .executeTakeFirst();
  return Number(row?.span ?? 0);
}

/** How many articles (any state) mention an entity, counted up to `cap` (enough to choose a plan). */
export async function countMentionsUpTo(db: Db, entityId: number, cap: number): Promise<number> {
  const rows = await db
    .selectFrom('entity_mentions')
    .select('post_id')
    .where('entity_id', '=', entityId)
    .limit(cap)
    .execute();
  return rows.length;
}

/** The dated events an article mentions, in timeline order (the article's own timeline; it has few). */
export async function eventsMentionedBy(db: Db, postId: number): Promise<TimelineEventRow[]> {
  return db
    .selectFrom('entity_mentions')
    .innerJoin('entities', 'entities.id', 'entity_mentions.entity_id')
    .select([
      'entities.id',
      'entities.slug',
      'entities.name',
      'entities.description',
      'entities.date_text',
      'entities.date_lower',
      'entities.date_upper',
    ])
    .where('entity_mentions.post_id', '=', postId)
    .where('entities.kind', '=', 'event')
    .where('entities.date_lower', 'is not', null)
    .orderBy('entities.date_lower')
    .orderBy('entities.date_upper')
    .orderBy('entities.name')
    .orderBy('entities.id')
    .limit(500)
    .execute();
}

/** People, places or organisations (slug and name) that visible articles mention: the timeline's filter choices. */
export async function listMentionedOfKind(
  db: Db,
  kind: 'person' | 'place' | 'organisation',
  now: string,
): Promise<{ id: number; slug: string; name: string }[]> {
  return db
    .selectFrom('entities')
    .select(['id', 'slug', 'name'])
    .where('kind', '=', kind)
    .where((eb) => hasVisibleMention(eb, now))
    .orderBy('name')
    .orderBy('id')
    .limit(2000)
    .execute();
}
