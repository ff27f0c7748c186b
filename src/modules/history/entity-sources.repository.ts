import type { Insertable, Selectable } from 'kysely';
import type {
  Db,
  EntityIdentifierTable,
  EntityKind,
  EntitySourceTable,
  IdentifierScheme,
} from '../../storage/schema.ts';
import { hasVisibleMention } from './entity.repository.ts';

/** All SQL about the sources an entity cites and its identifiers in other authority files (decision 048). */

export type EntitySourceRow = Selectable<EntitySourceTable>;
export type EntityIdentifierRow = Selectable<EntityIdentifierTable>;

/** The library's sources having one of these keys (a key it does not have is not among them). */
export async function findSourceIdsByKeys(db: Db, keys: readonly string[]): Promise<{ id: number; key: string }[]> {
  return db
    .selectFrom('sources')
    .select(['id', 'key'])
    .where('key', 'in', [...keys])
    .execute();
}

/** An entity's source rows in order (without the library's side). */
export async function listEntitySourceRows(db: Db, entityId: number): Promise<EntitySourceRow[]> {
  return db.selectFrom('entity_sources').selectAll().where('entity_id', '=', entityId).orderBy('position').execute();
}

/** The ids of the library's sources an entity cites. */
export async function listSourceIdsCitedBy(db: Db, entityId: number): Promise<{ source_id: number }[]> {
  return db.selectFrom('entity_sources').select('source_id').where('entity_id', '=', entityId).execute();
}

/** An entity's sources in order, each with its library row's key, CSL-JSON and title. */
export async function listCitedSourceRows(
  db: Db,
  entityId: number,
): Promise<{ key: string; note: string; csl_json: string; title: string }[]> {
  return db
    .selectFrom('entity_sources')
    .innerJoin('sources', 'sources.id', 'entity_sources.source_id')
    .select(['sources.key', 'entity_sources.note', 'sources.csl_json', 'sources.title'])
    .where('entity_sources.entity_id', '=', entityId)
    .orderBy('entity_sources.position')
    .execute();
}

export async function deleteEntitySources(db: Db, entityId: number): Promise<void> {
  await db.deleteFrom('entity_sources').where('entity_id', '=', entityId).execute();
}

/** Inserts source rows (none: no statement). */
export async function insertEntitySources(db: Db, rows: readonly Insertable<EntitySourceTable>[]): Promise<void> {
  if (rows.length > 0)
    await db
      .insertInto('entity_sources')
      .values([...rows])
      .execute();
}

/** An entity's identifier rows in order. */
export async function listEntityIdentifierRows(db: Db, entityId: number): Promise<EntityIdentifierRow[]> {
  return db
    .selectFrom('entity_identifiers')
    .selectAll()
    .where('entity_id', '=', entityId)
    .orderBy('position')
    .execute();
}

/** An entity's identifiers in order, scheme and value alone. */
export async function listIdentifierPairs(
  db: Db,
  entityId: number,
): Promise<{ scheme: IdentifierScheme; value: string }[]> {
  return db
    .selectFrom('entity_identifiers')
    .select(['scheme', 'value'])
    .where('entity_id', '=', entityId)
    .orderBy('position')
    .execute();
}

export async function deleteEntityIdentifiers(db: Db, entityId: number): Promise<void> {
  await db.deleteFrom('entity_identifiers').where('entity_id', '=', entityId).execute();
}

/** Inserts identifier rows (none: no statement). */
export async function insertEntityIdentifiers(
  db: Db,
  rows: readonly Insertable<EntityIdentifierTable>[],
): Promise<void> {
  if (rows.length > 0)
    await db
      .insertInto('entity_identifiers')
      .values([...rows])
      .execute();
}

/**
 * The entities citing a source that an article visible at `now` mentions, by name, at most `limit` of them.
 */
export async function listEntitiesCitingSourceRows(
  db: Db,
  q: { sourceId: number; now: string; limit: number },
): Promise<{ kind: EntityKind; slug: string; name: string; id: number }[]> {
  return db
    .selectFrom('entities')
    .innerJoin('entity_sources', 'entity_sources.entity_id', 'entities.id')
    .select(['entities.kind', 'entities.slug', 'entities.name', 'entities.id'])
    .where('entity_sources.source_id', '=', q.sourceId)
    .where((eb) => hasVisibleMention(eb, q.now))
    .orderBy('entities.name')
    .orderBy('entities.id')
    .limit(q.limit)
    .execute();
}
