/**
 * The sources an entity cites and its other identifiers (decision 048): the form's two fields read, the rows
 * written and read back. Sources are items of the library (src/modules/sources), named by key in the form, one a
 * line with an optional note after the key; a source an entity cites is not deleted (SOURCE_IN_USE).
 */
import type { Db, EntityKind } from '../../storage/schema.ts';
import { isCiteKey } from '../markdown/cite-directive.ts';
import type { CslItem } from '../shared/csl.ts';
import { AppError } from '../shared/errors.ts';
import type { EntityIdentifier } from './entity-identifiers.ts';
import {
  deleteEntityIdentifiers,
  deleteEntitySources,
  findSourceIdsByKeys,
  insertEntityIdentifiers,
  insertEntitySources,
  listCitedSourceRows,
  listEntitiesCitingSourceRows,
  listIdentifierPairs,
} from './entity-sources.repository.ts';

/** A source of the library as an entity cites it. */
export interface EntitySourceRef {
  key: string;
  note: string;
}

/** At most this many sources an entity; a note is at most NOTE_MAX characters. */
export const ENTITY_SOURCES_LIMITS = { sources: 50, note: 300 } as const;

/** The sources field (one `key` a line, optionally followed by a note: `zhukov-1985 vol. 1, ch. 6`). */
export function readSourceLines(text: string): { ok: true; value: EntitySourceRef[] } | { ok: false; message: string } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length > ENTITY_SOURCES_LIMITS.sources)
    return { ok: false, message: `At most ${ENTITY_SOURCES_LIMITS.sources} sources; this list has ${lines.length}.` };
  const value: EntitySourceRef[] = [];
  for (const [i, line] of lines.entries()) {
    const [, rawKey = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line.trim()) ?? [];
    const key = rawKey.toLowerCase();
    if (!isCiteKey(key))
      return { ok: false, message: `Line ${i + 1}: “${rawKey.slice(0, 70)}” is not a source key (e.g. zhukov-1985).` };
    const note = rest.trim();
    if (note.length > ENTITY_SOURCES_LIMITS.note)
      return { ok: false, message: `Line ${i + 1}: the note is longer than ${ENTITY_SOURCES_LIMITS.note} characters.` };
    if (value.some((v) => v.key === key)) return { ok: false, message: `Line ${i + 1} names “${key}” a second time.` };
    value.push({ key, note });
  }
  return { ok: true, value };
}

export const sourceLinesText = (refs: readonly EntitySourceRef[]) =>
  refs.map((r) => (r.note ? `${r.key} ${r.note}` : r.key)).join('\n');

/** The ids of the keys; the keys the library does not have, when any. */
export async function sourceIdsOf(
  db: Db,
  refs: readonly EntitySourceRef[],
): Promise<{ ids: Map<string, number>; unknown: string[] }> {
  if (refs.length === 0) return { ids: new Map(), unknown: [] };
  const rows = await findSourceIdsByKeys(
    db,
    refs.map((r) => r.key),
  );
  const ids = new Map(rows.map((r) => [r.key, r.id]));
  return { ids, unknown: refs.map((r) => r.key).filter((k) => !ids.has(k)) };
}

/** Replaces an entity's sources (keys already resolved to ids) and identifiers. */
export async function saveSourcesAndIdentifiers(
  db: Db,
  entityId: number,
  v: { sources: readonly { sourceId: number; note: string }[]; identifiers: readonly EntityIdentifier[] },
): Promise<void> {
  await deleteEntitySources(db, entityId);
  await insertEntitySources(
    db,
    v.sources.map((s, position) => ({ entity_id: entityId, source_id: s.sourceId, position, note: s.note })),
  );
  await deleteEntityIdentifiers(db, entityId);
  await insertEntityIdentifiers(
    db,
    v.identifiers.map((i, position) => ({ entity_id: entityId, position, scheme: i.scheme, value: i.value })),
  );
}

/** An entity's sources in order, with their library rows (the CSL-JSON to format them). */
export async function listEntitySources(db: Db, entityId: number): Promise<EntitySource[]> {
  const rows = await listCitedSourceRows(db, entityId);
  return rows.map((r) => ({ key: r.key, note: r.note, item: itemOf(r) }));
}

/** A source as an entity's page shows it: the key, the entity's note and the item to format. */
export interface EntitySource extends EntitySourceRef {
  item: CslItem;
}

function itemOf(r: { key: string; csl_json: string; title: string }): CslItem {
  try {
    return { ...(JSON.parse(r.csl_json) as CslItem), id: r.key };
  } catch {
    // As sources.service reads a hand-edited row that is not JSON: its title still shows.
    return { id: r.key, type: 'document', title: r.title };
  }
}

export async function listEntityIdentifiers(db: Db, entityId: number): Promise<EntityIdentifier[]> {
  return listIdentifierPairs(db, entityId);
}

/**
 * Writes a checked form's sources and identifiers (in the entity's transaction): ENTITY_INVALID naming the keys
 * the library does not have.
 */
export async function writeSourcesAndIdentifiers(
  db: Db,
  entityId: number,
  v: { sourceRefs: readonly EntitySourceRef[]; identifiers: readonly EntityIdentifier[] },
): Promise<void> {
  const { ids, unknown } = await sourceIdsOf(db, v.sourceRefs);
  if (unknown.length > 0) {
    const message = `The sources library has no ${unknown.map((k) => `“${k}”`).join(', ')}: add ${unknown.length === 1 ? 'it' : 'them'} there first, or correct the key.`;
    throw new AppError('ENTITY_INVALID', 'The entity needs a correction.', { fields: { sources: message } });
  }
  const sources = v.sourceRefs.map((r) => ({ sourceId: ids.get(r.key)!, note: r.note }));
  await saveSourcesAndIdentifiers(db, entityId, { sources, identifiers: v.identifiers });
}

/** An entity as a source's page lists it. */
export interface CitingEntity {
  kind: EntityKind;
  slug: string;
  name: string;
}

/** At most this many entities on a source's page (an entity lists a source by an editor's hand: a few). */
export const CITING_ENTITIES_MAX = 500;

const KIND_ORDER: readonly EntityKind[] = ['person', 'place', 'event', 'organisation'];

/**
 * The entities that list a source of the library and that an article readers can see at `now` mentions (an
 * entity only drafts mention has no public page worth a link), people first, then places, events and
 * organisations, each by name.
 */
export async function listEntitiesCitingSource(
  db: Db,
  input: { sourceId: number; now: string },
): Promise<CitingEntity[]> {
  const rows = await listEntitiesCitingSourceRows(db, {
    sourceId: input.sourceId,
    now: input.now,
    limit: CITING_ENTITIES_MAX,
  });
  return rows
    .map((r) => ({ kind: r.kind, slug: r.slug, name: r.name }))
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}
