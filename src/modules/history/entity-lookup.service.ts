/**
 * Finding entities by what people type (decision 045): search's entity hits, the editor's suggestions and the
 * preflight hint all read one index of every name, normalised (entity-names.ts), kept until an entity's own write
 * (which changes everything) drops it.
 */
import type { Db, EntityKind } from '../../storage/schema.ts';
import { MENTION_DIRECTIVES } from '../markdown/mention-directive.ts';
import { AppError } from '../shared/errors.ts';
import { keptForGeneration, type MemoDeps } from '../shared/generation-memo.ts';
import { findCurrentSlugFor, findEntityBySlug } from './entity.repository.ts';
import { listAllNames } from './entity-lookup.repository.ts';
import { EntityNameIndex, type NamedEntity, type NameMatch, normaliseName } from './entity-names.ts';

export type LookupDeps = MemoDeps & { db: Db };

/** The index of every entity name, read once per generation (an entity's write announces everything). */
export function loadEntityNameIndex(deps: LookupDeps): Promise<EntityNameIndex> {
  // No key named: only a change to everything drops it, and every entity write is one (decision 041).
  const slot = { area: 'entity-names', key: 'all', max: 1, dependsOn: [] };
  return keptForGeneration(deps, slot, async () => {
    const { entities, names } = await listAllNames(deps.db);
    const byId = new Map(entities.map((e) => [e.id, e]));
    const all: NamedEntity[] = entities.map((e) => ({
      entityId: e.id,
      kind: e.kind,
      slug: e.slug,
      entityName: e.name,
      name: e.name,
      key: normaliseName(e.name),
    }));
    for (const n of names) {
      const e = byId.get(n.entity_id);
      if (e)
        all.push({
          entityId: e.id,
          kind: e.kind,
          slug: e.slug,
          entityName: e.name,
          name: n.name,
          key: normaliseName(n.name),
        });
    }
    return new EntityNameIndex(all);
  });
}

/** One entity found by one of its names. */
export interface EntityHit {
  id: number;
  kind: EntityKind;
  slug: string;
  /** The entity's own name. */
  name: string;
  /** The name that matched, as written (the own name or another). */
  matched: string;
}

const hitOf = (m: NameMatch): EntityHit => ({
  id: m.named.entityId,
  kind: m.named.kind,
  slug: m.named.slug,
  name: m.named.entityName,
  matched: m.named.name,
});

/** The best match of each entity, in the order `rank` gives (its first element wins). */
function bestPerEntity(matches: NameMatch[], rank: (a: NameMatch, b: NameMatch) => number, limit: number): EntityHit[] {
  const best = new Map<number, NameMatch>();
  for (const m of [...matches].sort(rank)) if (!best.has(m.named.entityId)) best.set(m.named.entityId, m);
  return [...best.values()].slice(0, limit).map(hitOf);
}

const byFit = (a: NameMatch, b: NameMatch) =>
  Number(b.atStart) - Number(a.atStart) ||
  a.named.key.length - b.named.key.length ||
  a.named.entityName.localeCompare(b.named.entityName) ||
  a.named.entityId - b.named.entityId;

/** Entities shown above the search results, at most this many. */
export const MAX_SEARCH_ENTITIES = 5;

/**
 * Entities one of whose names the whole query is, or whole words of (search "Жуков" finds Georgy Zhukov through
 * "Георгий Константинович Жуков"; "ノモンハン" finds "ノモンハン事件", as Japanese runs words together).
 */
export async function findEntitiesNamed(deps: LookupDeps, query: string): Promise<EntityHit[]> {
  const q = normaliseName(query);
  if ([...q].length < 2) return [];
  const index = await loadEntityNameIndex(deps);
  const whole = index.withWordStarting(q).filter((m) => m.wholeWords);
  return bestPerEntity(whole, byFit, MAX_SEARCH_ENTITIES);
}

/** What the editor's completion offers for one entity. */
export interface EntitySuggestion {
  kind: EntityKind;
  slug: string;
  name: string;
  matched: string;
  /** The mention to insert: `:person[Жуков]{#georgy-zhukov}`. */
  directive: string;
}

export const MAX_SUGGESTIONS = 10;

const DIRECTIVE_NAMES = Object.fromEntries(Object.entries(MENTION_DIRECTIVES).map(([name, kind]) => [kind, name]));

/** The mention a writer would type; a label's brackets and line breaks would end the directive early. */
export const mentionDirective = (kind: EntityKind, slug: string, label: string): string =>
  `:${DIRECTIVE_NAMES[kind]}[${label.replace(/[[\]\r\n]+/g, ' ').trim()}]{#${slug}}`;

/**
 * The editor's suggestions as the writer types: entities with a name or other name starting with the text, or
 * containing a word starting with it, names starting with it first, then the shorter; one per entity, at most 10.
 */
export async function suggestEntities(deps: LookupDeps, text: string): Promise<EntitySuggestion[]> {
  const q = normaliseName(text);
  if (q === '') return [];
  const index = await loadEntityNameIndex(deps);
  return bestPerEntity(index.withWordStarting(q), byFit, MAX_SUGGESTIONS).map((h) => ({
    kind: h.kind,
    slug: h.slug,
    name: h.name,
    matched: h.matched,
    directive: mentionDirective(h.kind, h.slug, h.matched),
  }));
}

/**
 * The entity at an address of its pages (its feed): its id, kind, slug and name, or the slug it has now when this
 * was one of its old slugs; ENTITY_NOT_FOUND otherwise.
 */
export async function findEntityAt(
  deps: { db: Db },
  kind: EntityKind,
  slug: string,
): Promise<{ kind: 'entity'; entity: EntityHit } | { kind: 'redirect'; slug: string }> {
  const row = await findEntityBySlug(deps.db, kind, slug);
  if (row) return { kind: 'entity', entity: { id: row.id, kind, slug, name: row.name, matched: row.name } };
  const current = await findCurrentSlugFor(deps.db, kind, slug);
  if (current) return { kind: 'redirect', slug: current };
  throw new AppError('ENTITY_NOT_FOUND', 'There is nothing at this address.', {
    detail: `${kind} ${slug}`.slice(0, 200),
  });
}
