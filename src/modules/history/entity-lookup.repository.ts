import type { Db, EntityKind } from '../../storage/schema.ts';
import { type EntityRow, hasVisibleMention } from './entity.repository.ts';

/** Every entity's own name and other names, for the name index (entity-lookup.service.ts). */
export async function listAllNames(db: Db): Promise<{
  entities: Pick<EntityRow, 'id' | 'kind' | 'slug' | 'name'>[];
  names: { entity_id: number; name: string }[];
}> {
  const [entities, names] = await Promise.all([
    db.selectFrom('entities').select(['id', 'kind', 'slug', 'name']).orderBy('id').execute(),
    db.selectFrom('entity_names').select(['entity_id', 'name']).orderBy('entity_id').orderBy('position').execute(),
  ]);
  return { entities, names };
}

/**
 * One page of the entities that published articles mention (of a kind, or all), and how many there are. Events
 * come by their dates (lower bound, then upper, undated last) when `byDate`; otherwise by name.
 */
export async function listMentionedEntitiesPage(
  db: Db,
  q: { kind?: EntityKind; now: string; byDate: boolean; limit: number; offset: number },
): Promise<{ rows: EntityRow[]; total: number }> {
  let base = db.selectFrom('entities').where((eb) => hasVisibleMention(eb, q.now));
  if (q.kind) base = base.where('kind', '=', q.kind);
  let rows = base.selectAll();
  if (q.byDate)
    rows = rows
      .orderBy((eb) => eb.case().when('date_lower', 'is', null).then(1).else(0).end())
      .orderBy('date_lower')
      .orderBy('date_upper');
  const [page, count] = await Promise.all([
    rows.orderBy('name').orderBy('id').limit(q.limit).offset(q.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows: page, total: Number(count.n) };
}
