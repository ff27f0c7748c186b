/**
 * History's entities (issue 17, decision 041): people, places, events and organisations, written by editors,
 * mentioned in articles, each with a page listing the published articles that mention it.
 */
import type { Db, EntityKind } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { mentionsOf } from '../markdown/mention-directive.ts';
import { type Change, EVERYTHING } from '../shared/changes.ts';
import { type Clock, isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { type Paged, paged } from '../shared/paging.ts';
import { degreesText } from './coordinates.ts';
import { formatHistoricalDate, parseHistoricalDate } from './edtf.ts';
import {
  addMention,
  deleteEntityRow,
  type EntityRow,
  findCurrentSlugFor,
  findEntityById,
  findEntityBySlug,
  findEntityIdsBySlugs,
  forgetOldSlug,
  insertEntity,
  invalidateRenders,
  listEntitiesOfKind,
  listEntityNames,
  listMentionedEntities,
  type MentioningPostRow,
  postsMentioning,
  postsWhoseTextNames,
  publishedPostsMentioning,
  recordOldSlug,
  replaceEntityNames,
  setPostMentions,
  updateEntity,
} from './entity.repository.ts';
import { type EntityForm, type EntityNameInput, type EntityValues, namesText, readEntityForm } from './entity-form.ts';
import { type EntityIdentifier, identifiersText } from './entity-identifiers.ts';
import {
  type EntitySource,
  listEntityIdentifiers,
  listEntitySources,
  sourceLinesText,
  writeSourcesAndIdentifiers,
} from './entity-sources.ts';
import type { GeoPoint } from './geo-types.ts';
import { type PlaceShape, pointOf, savePlaceShapes, shapesOfPlaces } from './places.service.ts';
import { shapesText } from './shape-checks.ts';

export interface HistoryDeps {
  db: Db;
  clock: Clock;
  /** Called after every committed write (shared/changes.ts). */
  noteWrite: (change?: Change) => void;
}

/** An entity as its page and the admin show it. */
export interface Entity {
  id: number;
  kind: EntityKind;
  slug: string;
  name: string;
  description: string;
  names: EntityNameInput[];
  /** The EDTF as written, and in words; absent when undated. */
  date?: { text: string; words: string; lower: number; upper: number };
  wikidataId: string | null;
  /** A place's point (decision 043); null when it has none, and for the other kinds. */
  point: GeoPoint | null;
  /** A place's lines and areas; read for one entity, empty in lists. */
  shapes: PlaceShape[];
  /** Identifiers besides Wikidata (decision 048); read for one entity, empty in lists. */
  identifiers: EntityIdentifier[];
  /** The sources of the library it cites, in order; read for one entity, empty in lists. */
  sources: EntitySource[];
}

/** Published articles mentioning an entity per page of its page. */
export const MENTIONS_PER_PAGE = 50;

const notFound = (detail: string) =>
  new AppError('ENTITY_NOT_FOUND', 'There is nothing at this address.', { detail: detail.slice(0, 200) });

interface EntityParts {
  shapes: PlaceShape[];
  identifiers: EntityIdentifier[];
  sources: EntitySource[];
}
const NO_PARTS: EntityParts = { shapes: [], identifiers: [], sources: [] };

function entityOf(row: EntityRow, names: EntityNameInput[], parts: EntityParts = NO_PARTS): Entity {
  const parsed = row.date_text ? parseHistoricalDate(row.date_text) : undefined;
  return {
    id: row.id,
    kind: row.kind,
    slug: row.slug,
    name: row.name,
    description: row.description,
    names,
    date:
      parsed?.ok && row.date_lower !== null && row.date_upper !== null
        ? {
            text: parsed.date.text,
            words: formatHistoricalDate(parsed.date),
            lower: row.date_lower,
            upper: row.date_upper,
          }
        : undefined,
    wikidataId: row.wikidata_id,
    point: pointOf(row),
    ...parts,
  };
}

/** The entity with its names and, for a place, its shapes. */
async function fullEntity(db: Db, row: EntityRow): Promise<Entity> {
  const [shapes, identifiers, sources, names] = await Promise.all([
    row.kind === 'place' ? shapesOfPlaces(db, [row.id]).then((m) => m.get(row.id) ?? []) : [],
    listEntityIdentifiers(db, row.id),
    listEntitySources(db, row.id),
    namesOf(db, row.id),
  ]);
  return entityOf(row, names, { shapes, identifiers, sources });
}

const namesOf = async (db: Db, id: number): Promise<EntityNameInput[]> =>
  (await listEntityNames(db, id)).map((n) => ({ name: n.name, lang: n.lang, name_kind: n.name_kind }));

/** One entity by id (the admin's edit form); ENTITY_NOT_FOUND otherwise. */
export async function getEntity(deps: Pick<HistoryDeps, 'db'>, id: number): Promise<Entity> {
  const row = await findEntityById(deps.db, id);
  if (!row) throw notFound(`entity ${id}`);
  return fullEntity(deps.db, row);
}

/** The form of a stored entity, as typed. */
export function entityFormOf(e: Entity): EntityForm {
  return {
    kind: e.kind,
    name: e.name,
    slug: e.slug,
    description: e.description,
    names: namesText(e.names),
    date: e.date?.text ?? '',
    wikidata: e.wikidataId ?? '',
    identifiers: identifiersText(e.identifiers),
    sources: sourceLinesText(e.sources),
    latitude: e.point ? degreesText(e.point.latitude) : '',
    longitude: e.point ? degreesText(e.point.longitude) : '',
    shapes: shapesText(e.shapes.map((s) => ({ ...s, validityText: s.validity?.text ?? '' }))),
  };
}

/** Every entity of a kind, by name (the admin list). */
export async function listEntities(deps: Pick<HistoryDeps, 'db'>, kind: EntityKind): Promise<Entity[]> {
  return (await listEntitiesOfKind(deps.db, kind)).map((r) => entityOf(r, []));
}

const rowOf = (v: EntityValues, now: string) => ({
  kind: v.kind,
  slug: v.slug,
  name: v.name,
  description: v.description,
  date_text: v.date?.text ?? null,
  date_lower: v.date?.lower ?? null,
  date_upper: v.date?.upper ?? null,
  wikidata_id: v.wikidataId,
  latitude: v.point?.latitude ?? null,
  longitude: v.point?.longitude ?? null,
  updated_at: now,
});

/** An entity as saved, with what the editor should know of the saving (a drawing simplified). */
export type SavedEntity = Entity & { notes: string[] };

const slugTaken = (v: EntityValues) => {
  const message = `Another ${v.kind} has the address “${v.slug}”: choose another.`;
  return new AppError('ENTITY_INVALID', message, { fields: { slug: message } });
};

/**
 * Links the articles written before the entity had this slug: their mentions are recorded and their stored
 * renders marked stale (re-rendered, with the link, on their next read). Returns their ids.
 */
async function linkWaitingMentions(db: Db, entity: Pick<EntityRow, 'id' | 'kind' | 'slug'>): Promise<number[]> {
  const ids: number[] = [];
  for (const post of await postsWhoseTextNames(db, entity.slug)) {
    if (!mentionsOf(post.body_md).some((m) => m.kind === entity.kind && m.slug === entity.slug)) continue;
    await addMention(db, entity.id, post.id);
    ids.push(post.id);
  }
  await invalidateRenders(db, ids);
  return ids;
}

/** Adds an entity from the admin form; ENTITY_INVALID with field messages when the form needs a correction. */
export async function createEntity(deps: HistoryDeps, form: EntityForm): Promise<SavedEntity> {
  const v = readEntityForm(form);
  const now = isoNow(deps.clock);
  const id = await inTransaction(deps.db, async (trx) => {
    if (await findEntityBySlug(trx, v.kind, v.slug)) throw slugTaken(v);
    await forgetOldSlug(trx, v.kind, v.slug);
    const id = await insertEntity(trx, { ...rowOf(v, now), created_at: now });
    await replaceEntityNames(trx, id, v.names);
    await savePlaceShapes(trx, id, v.shapes);
    await writeSourcesAndIdentifiers(trx, id, v);
    await linkWaitingMentions(trx, { id, kind: v.kind, slug: v.slug });
    return id;
  });
  // Its name and links may show on any article that mentions it, and on the index pages (and its maps).
  deps.noteWrite(EVERYTHING);
  return { ...(await getEntity(deps, id)), notes: v.notes };
}

/** Saves the admin form over an entity; a new slug keeps the old one answering with a 301. */
export async function editEntity(deps: HistoryDeps, input: { id: number; form: EntityForm }): Promise<SavedEntity> {
  const v = readEntityForm(input.form);
  const now = isoNow(deps.clock);
  await inTransaction(deps.db, async (trx) => {
    const before = await findEntityById(trx, input.id);
    if (!before) throw notFound(`entity ${input.id}`);
    const clash = await findEntityBySlug(trx, v.kind, v.slug);
    if (clash && clash.id !== before.id) throw slugTaken(v);
    if (before.slug !== v.slug || before.kind !== v.kind) await recordOldSlug(trx, before, now);
    await forgetOldSlug(trx, v.kind, v.slug);
    await updateEntity(trx, before.id, rowOf(v, now));
    await replaceEntityNames(trx, before.id, v.names);
    await savePlaceShapes(trx, before.id, v.shapes);
    await writeSourcesAndIdentifiers(trx, before.id, v);
    await linkWaitingMentions(trx, { id: before.id, kind: v.kind, slug: v.slug });
  });
  deps.noteWrite(EVERYTHING);
  return { ...(await getEntity(deps, input.id)), notes: v.notes };
}

/** Deletes an entity no article mentions; ENTITY_IN_USE naming the articles (drafts too) otherwise. */
export async function deleteEntity(deps: HistoryDeps, id: number): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    if (!(await findEntityById(trx, id))) throw notFound(`entity ${id}`);
    const using = await postsMentioning(trx, id, 6);
    if (using.length > 0) {
      const titles = using.slice(0, 5).map((p) => `“${p.title}”${p.status === 'draft' ? ' (draft)' : ''}`);
      const more = using.length > 5 ? ' and others' : '';
      throw new AppError(
        'ENTITY_IN_USE',
        `Articles mention it: ${titles.join(', ')}${more}. Remove the mentions from them first.`,
        { detail: `entity ${id}` },
      );
    }
    await deleteEntityRow(trx, id);
  });
  deps.noteWrite(EVERYTHING);
}

/**
 * Records the entities a post's body mentions (inside the post writer's transaction). A mention of an entity's
 * old slug counts as a mention of the entity.
 */
export async function recordPostMentions(db: Db, postId: number, markdown: string): Promise<void> {
  const found = await resolveMentions(db, markdown);
  await setPostMentions(db, postId, [...new Set(found.values())]);
}

/** The entities a body mentions that exist, as "kind:slug" (as written, old slugs too) -> entity id. */
export async function resolveMentions(db: Db, markdown: string): Promise<Map<string, number>> {
  const mentions = mentionsOf(markdown);
  const found = new Map<string, number>();
  if (mentions.length === 0) return found;
  const rows = await findEntityIdsBySlugs(db, [...new Set(mentions.map((m) => m.slug))]);
  const byKey = new Map(rows.map((r) => [`${r.kind}:${r.slug}`, r.id]));
  for (const m of mentions) {
    const id = byKey.get(`${m.kind}:${m.slug}`);
    if (id !== undefined) found.set(`${m.kind}:${m.slug}`, id);
  }
  return found;
}

/** The mentions of a body whose entity does not exist (the preflight checks), as "kind:slug". */
export async function unknownMentions(db: Db, markdown: string): Promise<string[]> {
  const found = await resolveMentions(db, markdown);
  return mentionsOf(markdown)
    .map((m) => `${m.kind}:${m.slug}`)
    .filter((k) => !found.has(k));
}

export interface EntityPage {
  entity: Entity;
  articles: Paged<MentioningPostRow>;
}

/**
 * An entity's page: the entity and a page of the published articles mentioning it (never drafts or posts still
 * scheduled), newest first. An old slug answers with the current one; anything else is ENTITY_NOT_FOUND.
 */
export async function getEntityPage(
  deps: Pick<HistoryDeps, 'db' | 'clock'>,
  q: { kind: EntityKind; slug: string; page: number },
): Promise<{ kind: 'page'; page: EntityPage } | { kind: 'redirect'; slug: string }> {
  const row = await findEntityBySlug(deps.db, q.kind, q.slug);
  if (!row) {
    const current = await findCurrentSlugFor(deps.db, q.kind, q.slug);
    if (current) return { kind: 'redirect', slug: current };
    throw notFound(`${q.kind} ${q.slug}`);
  }
  const { rows, total } = await publishedPostsMentioning(deps.db, {
    entityId: row.id,
    now: isoNow(deps.clock),
    limit: MENTIONS_PER_PAGE,
    offset: (q.page - 1) * MENTIONS_PER_PAGE,
  });
  const articles = paged(rows, { page: q.page, perPage: MENTIONS_PER_PAGE }, total);
  if (q.page > articles.pageCount) throw new AppError('INVALID_PAGE_NUMBER', 'There is no such page.');
  return { kind: 'page', page: { entity: await fullEntity(deps.db, row), articles } };
}

/** The entities of a kind that published articles mention (events by date, the others by name). */
export async function listEntityIndex(deps: Pick<HistoryDeps, 'db' | 'clock'>, kind: EntityKind): Promise<Entity[]> {
  return (await listMentionedEntities(deps.db, kind, isoNow(deps.clock))).map((r) => entityOf(r, []));
}
