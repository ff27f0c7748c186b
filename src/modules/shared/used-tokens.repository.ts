import type { Db } from '../../storage/schema.ts';

/**
 * Single-use tokens spent (`used_form_tokens`): a reader's form token, a sign-in link's marker. Recording one is
 * the one write that decides, so of two requests racing with the same token only one succeeds. True when this call
 * recorded it; false when it was already spent.
 */
export async function spendToken(db: Db, token: string, at: string): Promise<boolean> {
  const r = await db
    .insertInto('used_form_tokens')
    .values({ token, used_at: at })
    .onConflict((oc) => oc.column('token').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** Whether `token` has been spent. */
export async function isTokenSpent(db: Db, token: string): Promise<boolean> {
  const row = await db.selectFrom('used_form_tokens').select('token').where('token', '=', token).executeTakeFirst();
  return row !== undefined;
}
