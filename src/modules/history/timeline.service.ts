/**
 * Timelines (issue 17, decision 044): the site's timeline (/timeline/, filterable by category, place, person and
 * organisation, zoomed and paged), an article's own timeline (the events it mentions) and an entity's (the events mentioned
 * alongside it). Only events that visible articles mention are shown: drafts never leak.
 */
import type { Db, EntityKind } from '../../storage/schema.ts';
import { changeKeys } from '../shared/changes.ts';
import { type Clock, isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { type GenerationMemo, keptForGeneration } from '../shared/generation-memo.ts';
import { formatHistoricalDate, parseHistoricalDate } from './edtf.ts';
import { findEntityBySlug } from './entity.repository.ts';
import {
  countMentionsUpTo,
  eventsMentionedBy,
  listMentionedOfKind,
  listTimelineEvents,
  longestEventSpan,
  type TimelineEventRow,
  type TimelineFilter,
} from './timeline.repository.ts';
import { drawingOf, type TimelineEvent, timelineEventOf, type Zoom, zoomForSpan } from './timeline.ts';
import type { TimelineRange } from './timeline-query.ts';

export interface TimelineDeps {
  db: Db;
  clock: Clock;
  memo?: GenerationMemo;
}

/** Events per page of the site's timeline, and at most on an entity's page. */
export const TIMELINE_PER_PAGE = 50;
export const ENTITY_TIMELINE_MAX = 50;
/** Below this many mentions, a filter's articles are gathered first (timeline.repository.ts: gatherFrom). */
const GATHER_BELOW = 500;

/** A filter entity as the page names it. */
export interface FilterEntity {
  id: number;
  slug: string;
  name: string;
}

export interface SiteTimelineInput {
  /** The category and its descendants (the web layer reads the category tree); undefined: every category. */
  categoryIds?: readonly number[];
  place?: string;
  person?: string;
  /** An organisation's slug (the address's `org`). */
  org?: string;
  range: TimelineRange;
  page: number;
}

export interface SiteTimeline {
  events: TimelineEvent[];
  page: number;
  perPage: number;
  hasMore: boolean;
  /** The zoom asked for, or the one that suits the events shown. */
  zoom: Zoom;
  range: TimelineRange;
  place?: FilterEntity;
  person?: FilterEntity;
  org?: FilterEntity;
}

const eventsOf = (rows: readonly TimelineEventRow[]): TimelineEvent[] => rows.flatMap((r) => timelineEventOf(r) ?? []);

/** Each filter's parameter in the address (an organisation's is the mention's `org`). */
const FILTER_PARAMS = { place: 'place', person: 'person', organisation: 'org' } as const;

async function filterEntity(db: Db, kind: keyof typeof FILTER_PARAMS, slug: string | undefined) {
  if (!slug) return undefined;
  const row = await findEntityBySlug(db, kind, slug);
  if (!row) {
    const field = FILTER_PARAMS[kind];
    const message = `No ${kind} has the address “${slug.slice(0, 100)}”.`;
    throw new AppError('TIMELINE_QUERY_INVALID', message, { fields: { [field]: message }, detail: field });
  }
  return { id: row.id, slug: row.slug, name: row.name };
}

/** The filter for articles that mention every one of `ids`, with the cheaper plan chosen by their mentions. */
async function mentionFilter(db: Db, now: string, ids: readonly number[]): Promise<TimelineFilter> {
  if (ids.length === 0) return { now };
  const counts = await Promise.all(ids.map((id) => countMentionsUpTo(db, id, GATHER_BELOW)));
  const fewest = counts.indexOf(Math.min(...counts));
  return {
    now,
    withEntities: ids,
    gatherFrom: (counts[fewest] ?? GATHER_BELOW) < GATHER_BELOW ? ids[fewest] : undefined,
  };
}

/**
 * One page of the site's timeline: dated events that visible articles (of the category, mentioning the place, the
 * person and the organisation) mention, overlapping the range, by lower bound, then upper bound, then name. Never reads more than
 * a page of events (and one to know whether another page follows).
 */
export async function getSiteTimeline(deps: TimelineDeps, input: SiteTimelineInput): Promise<SiteTimeline> {
  const now = isoNow(deps.clock);
  const [place, person, org] = await Promise.all([
    filterEntity(deps.db, 'place', input.place),
    filterEntity(deps.db, 'person', input.person),
    filterEntity(deps.db, 'organisation', input.org),
  ]);
  const filter = await mentionFilter(
    deps.db,
    now,
    [place?.id, person?.id, org?.id].filter((id): id is number => id !== undefined),
  );
  if (input.categoryIds) filter.categoryIds = input.categoryIds;
  const rows = await listTimelineEvents(deps.db, filter, {
    from: input.range.from,
    to: input.range.to,
    longestSpan: input.range.from === undefined ? undefined : await keptLongestSpan(deps),
    limit: TIMELINE_PER_PAGE + 1,
    offset: (input.page - 1) * TIMELINE_PER_PAGE,
  });
  if (rows.length === 0 && input.page > 1) throw new AppError('INVALID_PAGE_NUMBER', 'There is no such page.');
  const events = eventsOf(rows.slice(0, TIMELINE_PER_PAGE));
  const zoom = input.range.zoom ?? autoZoom(events, input.range);
  return {
    events,
    page: input.page,
    perPage: TIMELINE_PER_PAGE,
    hasMore: rows.length > TIMELINE_PER_PAGE,
    zoom,
    range: input.range,
    ...(place ? { place } : {}),
    ...(person ? { person } : {}),
    ...(org ? { org } : {}),
  };
}

function autoZoom(events: readonly TimelineEvent[], range: TimelineRange): Zoom {
  const lower = range.from ?? events[0]?.drawing.lower;
  const upper = range.to ?? events.at(-1)?.drawing.lower;
  return lower === undefined || upper === undefined ? 'decade' : zoomForSpan(lower, upper);
}

/**
 * The longest event's span, kept until anything changes: an entity's write (which dates events) announces a change
 * to everything, and an article's save names `posts`.
 */
function keptLongestSpan(deps: TimelineDeps): Promise<number> {
  return keptForGeneration(
    deps,
    { area: 'timeline-longest-span', key: 'all', max: 1, dependsOn: [changeKeys.posts] },
    () => longestEventSpan(deps.db),
  );
}

/** The dated events an article mentions, in order (its "Timeline" section); kept until an article is saved. */
export function getArticleTimeline(deps: TimelineDeps, postId: number): Promise<TimelineEvent[]> {
  return keptForGeneration(
    deps,
    { area: 'article-timeline', key: String(postId), max: 256, dependsOn: [changeKeys.posts] },
    async () => eventsOf(await eventsMentionedBy(deps.db, postId)),
  );
}

/** An entity's timeline: the events visible articles mention alongside it, and its own dates for the axis. */
export interface EntityTimeline {
  events: TimelineEvent[];
  /** More than ENTITY_TIMELINE_MAX: the page links to the site’s timeline filtered by it (not for an event). */
  more: boolean;
  /** The entity's own dates (a life, a founding), drawn behind the events; events are in `events` themselves. */
  own?: { words: string; drawing: ReturnType<typeof drawingOf> };
}

/**
 * An entity's timeline. An event: itself and the events mentioned in the visible articles that mention it. A
 * person, place or organisation: the events mentioned in the visible articles that mention it, with its own
 * dates (birth to death, founding to end) beside them.
 */
export async function getEntityTimeline(
  deps: TimelineDeps,
  entity: { id: number; kind: EntityKind; slug: string; name: string; description: string; date?: { text: string } },
): Promise<EntityTimeline> {
  const filter = await mentionFilter(deps.db, isoNow(deps.clock), [entity.id]);
  const rows = await listTimelineEvents(deps.db, filter, { limit: ENTITY_TIMELINE_MAX + 1, offset: 0 });
  const events = eventsOf(rows.slice(0, ENTITY_TIMELINE_MAX));
  const parsed = entity.date ? parseHistoricalDate(entity.date.text) : undefined;
  if (entity.kind === 'event') {
    const self = timelineEventOf({ ...entity, date_text: entity.date?.text ?? null });
    if (self && !events.some((e) => e.id === entity.id)) insertInOrder(events, self);
    return { events, more: rows.length > ENTITY_TIMELINE_MAX };
  }
  return {
    events,
    more: rows.length > ENTITY_TIMELINE_MAX,
    ...(parsed?.ok ? { own: { words: formatHistoricalDate(parsed.date), drawing: drawingOf(parsed.date) } } : {}),
  };
}

function insertInOrder(events: TimelineEvent[], e: TimelineEvent): void {
  const at = events.findIndex(
    (x) =>
      x.drawing.lower > e.drawing.lower || (x.drawing.lower === e.drawing.lower && x.drawing.upper > e.drawing.upper),
  );
  events.splice(at === -1 ? events.length : at, 0, e);
}

/** The people, places and organisations the timeline's form offers: those visible articles mention, by name. */
export function listTimelineChoices(
  deps: TimelineDeps,
): Promise<{ people: FilterEntity[]; places: FilterEntity[]; organisations: FilterEntity[] }> {
  return keptForGeneration(
    deps,
    { area: 'timeline-choices', key: 'all', max: 1, dependsOn: [changeKeys.posts] },
    async () => {
      const now = isoNow(deps.clock);
      const [people, places, organisations] = await Promise.all([
        listMentionedOfKind(deps.db, 'person', now),
        listMentionedOfKind(deps.db, 'place', now),
        listMentionedOfKind(deps.db, 'organisation', now),
      ]);
      return { people, places, organisations };
    },
  );
}
