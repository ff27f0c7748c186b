import type { Db } from '../../src/storage/schema.ts';

/**
 * Moves the demo's East Asia > Japan under a category made after it, so the child's id is lower than its
 * parent's: what a copy or restore that writes rows in id order gets wrong. Returns both ids.
 */
export async function moveJapanUnderNewerCategory(db: Db): Promise<{ parent: number; moved: number }> {
  const parent = await db
    .insertInto('categories')
    .values({
      parent_id: null,
      slug: 'pacific-war',
      path: 'pacific-war',
      name: 'The Pacific War',
      description: '',
      position: 9,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const moved = await db
    .updateTable('categories')
    .set({ parent_id: parent.id, path: 'pacific-war/japan' })
    .where('path', '=', 'east-asia/japan')
    .returning('id')
    .executeTakeFirstOrThrow();
  return { parent: parent.id, moved: moved.id };
}
