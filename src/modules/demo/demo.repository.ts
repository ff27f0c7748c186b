import type { Db } from '../../storage/schema.ts';

/** The SQL of the demo's seeding that no other module's repository already has. */

/** How many posts and pages the site holds. */
export async function countPosts(db: Db): Promise<number> {
  const row = await db
    .selectFrom('posts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Every byline's id and name. */
export async function listAuthorNames(db: Db): Promise<{ id: number; name: string }[]> {
  return db.selectFrom('authors').select(['id', 'name']).execute();
}

/** Marks the demo's suggestion accepted by the correction it became. */
export async function markSuggestionAccepted(
  db: Db,
  id: number,
  decision: { correctionId: number; decidedAt: string },
): Promise<void> {
  await db
    .updateTable('correction_suggestions')
    .set({ status: 'accepted', correction_id: decision.correctionId, decided_at: decision.decidedAt })
    .where('id', '=', id)
    .execute();
}
