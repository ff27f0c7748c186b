/**
 * History's entities as lists for the JSON API (decision 045): the entities that published articles mention, a page
 * at a time, by kind (by name) or the events (by date), each with its date as written, in words and as bounds.
 */
import type { Db, EntityKind } from '../../storage/schema.ts';
import { type Clock, isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { type Paged, type PageRequest, paged } from '../shared/paging.ts';
import { calendarDayOf, formatHistoricalDate, OPEN_END_DAY, OPEN_START_DAY, parseHistoricalDate } from './edtf.ts';
import type { EntityRow } from './entity.repository.ts';
import { listMentionedEntitiesPage } from './entity-lookup.repository.ts';

/** An entity's date: the EDTF as written, in words, and its bounds (inclusive days; null for an open end). */
export interface EntityDateValues {
  edtf: string;
  words: string;
  lower: string | null;
  upper: string | null;
}

/** An entity in a list: no other names, no articles. */
export interface EntitySummary {
  id: number;
  kind: EntityKind;
  slug: string;
  name: string;
  description: string;
  date: EntityDateValues | null;
  wikidataId: string | null;
}

/** A day number as an ISO 8601 calendar date (astronomical years: "-0489-01-01" is in 490 BC); null when open. */
export function dayText(day: number): string | null {
  if (day === OPEN_START_DAY || day === OPEN_END_DAY) return null;
  const { year, month, day: d } = calendarDayOf(day);
  const y = year < 0 ? `-${String(-year).padStart(4, '0')}` : year > 9999 ? `+${year}` : String(year).padStart(4, '0');
  return `${y}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A stored date (text and bounds) as the API shows it; null when the entity has none. */
export function entityDateValues(
  row: Pick<EntityRow, 'date_text' | 'date_lower' | 'date_upper'>,
): EntityDateValues | null {
  if (row.date_text === null || row.date_lower === null || row.date_upper === null) return null;
  const parsed = parseHistoricalDate(row.date_text);
  return {
    edtf: row.date_text,
    words: parsed.ok ? formatHistoricalDate(parsed.date) : row.date_text,
    lower: dayText(row.date_lower),
    upper: dayText(row.date_upper),
  };
}

const summaryOf = (row: EntityRow): EntitySummary => ({
  id: row.id,
  kind: row.kind,
  slug: row.slug,
  name: row.name,
  description: row.description,
  date: entityDateValues(row),
  wikidataId: row.wikidata_id,
});

/**
 * A page of the entities that published articles mention: of one kind or all, by name; the events by date (lower
 * bound, then upper, undated last) when `byDate`. A page past the last is INVALID_PAGE_NUMBER (the first, empty,
 * is not).
 */
export async function listMentionedEntitiesPaged(
  deps: { db: Db; clock: Clock },
  q: { kind?: EntityKind; byDate?: boolean; page: PageRequest },
): Promise<Paged<EntitySummary>> {
  const { rows, total } = await listMentionedEntitiesPage(deps.db, {
    kind: q.kind,
    now: isoNow(deps.clock),
    byDate: q.byDate ?? false,
    limit: q.page.perPage,
    offset: (q.page.page - 1) * q.page.perPage,
  });
  const result = paged(rows.map(summaryOf), q.page, total);
  if (q.page.page > result.pageCount) throw new AppError('INVALID_PAGE_NUMBER', 'There is no such page.');
  return result;
}
