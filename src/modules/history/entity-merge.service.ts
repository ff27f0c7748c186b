/**
 * Merging one entity into another of the same kind (issue 17, decision 048): a duplicate "G. K. Zhukov" folded
 * into "Georgy Zhukov". In one transaction the mentions move (keeping when each post became visible), the merged
 * entity's name and other names join the kept one's other names (each once), its slug and old slugs become old
 * slugs of the kept one (301s), its shapes, sources and identifiers move, what the kept one lacks (a date, a
 * description, a Wikidata id, a point) is taken from it, and it is deleted. Articles that wrote `{#old-slug}` keep
 * their links: resolveMentions reads old slugs, and the old address answers 301.
 */
import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { EVERYTHING } from '../shared/changes.ts';
import { isoNow } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import type { Entity, HistoryDeps } from './entities.service.ts';
import { getEntity } from './entities.service.ts';
import {
  deleteEntityRow,
  type EntityRow,
  findEntityById,
  listEntityNames,
  moveMentions,
  moveOldSlugs,
  nextPartPosition,
  recordOldSlug,
  replaceEntityNames,
  updateEntityFields,
} from './entity.repository.ts';
import { ENTITY_LIMITS, type EntityNameInput } from './entity-form.ts';
import { type LookupDeps, loadEntityNameIndex } from './entity-lookup.service.ts';
import { normaliseName } from './entity-names.ts';
import {
  deleteEntityIdentifiers,
  deleteEntitySources,
  insertEntityIdentifiers,
  insertEntitySources,
  listEntityIdentifierRows,
  listEntitySourceRows,
  listSourceIdsCitedBy,
} from './entity-sources.repository.ts';
import { movePlaceShapes } from './place.repository.ts';

const refused = (message: string, detail: string) => new AppError('ENTITY_MERGE_REFUSED', message, { detail });
const notFound = (id: number) =>
  new AppError('ENTITY_NOT_FOUND', 'There is nothing at this address.', { detail: `entity ${id}` });

/** The two rows, or why they cannot be merged. */
async function mergePair(db: Db, mergedId: number, keptId: number): Promise<{ merged: EntityRow; kept: EntityRow }> {
  if (mergedId === keptId) throw refused('An entity cannot be merged into itself: choose another.', 'self');
  const [merged, kept] = await Promise.all([findEntityById(db, mergedId), findEntityById(db, keptId)]);
  if (!merged) throw notFound(mergedId);
  if (!kept) throw notFound(keptId);
  if (merged.kind !== kept.kind)
    throw refused(
      `“${merged.name}” is a ${merged.kind} and “${kept.name}” a ${kept.kind}: an entity is merged into another of its own kind.`,
      'kind',
    );
  return { merged, kept };
}

/** The kept entity's other names, then the merged one's name and other names, each name once. */
async function mergedNames(db: Db, merged: EntityRow, kept: EntityRow): Promise<EntityNameInput[]> {
  const [keptNames, mergedOwn] = await Promise.all([listEntityNames(db, kept.id), listEntityNames(db, merged.id)]);
  const seen = new Set([kept.name]);
  const out: EntityNameInput[] = [];
  const add = (n: EntityNameInput) => {
    if (seen.has(n.name)) return;
    seen.add(n.name);
    out.push(n);
  };
  for (const n of keptNames) add({ name: n.name, lang: n.lang, name_kind: n.name_kind });
  add({ name: merged.name, lang: '', name_kind: 'variant' });
  for (const n of mergedOwn) add({ name: n.name, lang: n.lang, name_kind: n.name_kind });
  if (out.length > ENTITY_LIMITS.names)
    throw refused(
      `Together they would have ${out.length} other names, more than the ${ENTITY_LIMITS.names} an entity may hold: remove some first.`,
      'names',
    );
  return out;
}

/** Shapes, sources and identifiers move; a source or identifier the kept entity has already is kept once. */
async function moveParts(db: Db, mergedId: number, keptId: number): Promise<void> {
  await movePlaceShapes(db, mergedId, keptId, await nextPartPosition(db, 'place_shapes', keptId));

  const keptSources = await listSourceIdsCitedBy(db, keptId);
  const have = new Set(keptSources.map((s) => s.source_id));
  const sources = (await listEntitySourceRows(db, mergedId)).filter((s) => !have.has(s.source_id));
  const sourcesFrom = await nextPartPosition(db, 'entity_sources', keptId);
  await deleteEntitySources(db, mergedId);
  await insertEntitySources(
    db,
    sources.map((s, i) => ({ ...s, entity_id: keptId, position: sourcesFrom + i })),
  );

  const keptIds = await listEntityIdentifierRows(db, keptId);
  const ids = (await listEntityIdentifierRows(db, mergedId)).filter(
    (i) => !keptIds.some((k) => k.scheme === i.scheme && k.value === i.value),
  );
  const idsFrom = await nextPartPosition(db, 'entity_identifiers', keptId);
  await deleteEntityIdentifiers(db, mergedId);
  await insertEntityIdentifiers(
    db,
    ids.map((i, n) => ({ ...i, entity_id: keptId, position: idsFrom + n })),
  );
}

/** What the kept entity lacks and the merged one has: its date, description, Wikidata id and point. */
function gapsFilled(merged: EntityRow, kept: EntityRow, now: string) {
  const takeDate = kept.date_text === null && merged.date_text !== null;
  const takePoint = kept.latitude === null && merged.latitude !== null;
  return {
    updated_at: now,
    ...(takeDate ? { date_text: merged.date_text, date_lower: merged.date_lower, date_upper: merged.date_upper } : {}),
    ...(kept.description === '' ? { description: merged.description } : {}),
    ...(kept.wikidata_id === null ? { wikidata_id: merged.wikidata_id } : {}),
    ...(takePoint ? { latitude: merged.latitude, longitude: merged.longitude } : {}),
  };
}

/**
 * Merges entity `id` into entity `into` (same kind), as the module's comment says; ENTITY_MERGE_REFUSED for itself,
 * another kind, or too many names together. Returns the kept entity.
 */
export async function mergeEntity(deps: HistoryDeps, input: { id: number; into: number }): Promise<Entity> {
  const now = isoNow(deps.clock);
  await inTransaction(deps.db, async (trx) => {
    const { merged, kept } = await mergePair(trx, input.id, input.into);
    const names = await mergedNames(trx, merged, kept);
    await moveMentions(trx, merged.id, kept.id);
    await moveParts(trx, merged.id, kept.id);
    await moveOldSlugs(trx, merged.id, kept.id);
    await replaceEntityNames(trx, kept.id, names);
    await updateEntityFields(trx, kept.id, gapsFilled(merged, kept, now));
    await deleteEntityRow(trx, merged.id);
    await recordOldSlug(trx, { id: kept.id, kind: kept.kind, slug: merged.slug }, now);
  });
  deps.noteWrite(EVERYTHING);
  return getEntity(deps, input.into);
}

/** An entity the merge form offers: another of the same kind, found by one of its names. */
export interface MergeCandidate {
  id: number;
  name: string;
  slug: string;
  /** The name that matched, when not its own. */
  matched: string;
}

export const MAX_MERGE_CANDIDATES = 20;

/** Entities of the same kind as `entity` with a name (or other name) having a word starting with `text`. */
export async function findMergeCandidates(
  deps: LookupDeps,
  entity: Pick<Entity, 'id' | 'kind'>,
  text: string,
): Promise<MergeCandidate[]> {
  const q = normaliseName(text);
  if (q === '') return [];
  const index = await loadEntityNameIndex(deps);
  const found = new Map<number, MergeCandidate>();
  for (const m of index.withWordStarting(q)) {
    const n = m.named;
    if (n.kind !== entity.kind || n.entityId === entity.id || found.has(n.entityId)) continue;
    found.set(n.entityId, { id: n.entityId, name: n.entityName, slug: n.slug, matched: n.name });
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id).slice(0, MAX_MERGE_CANDIDATES);
}
