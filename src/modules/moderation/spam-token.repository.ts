import type { Selectable } from 'kysely';
import type { Db, SpamTokenTable } from '../../storage/schema.ts';

/** Adds these counts to the tokens' (new tokens start from them). */
export async function addTokenCounts(db: Db, rows: readonly { token: string; spam: number; ham: number }[]) {
  if (rows.length === 0) return;
  await db
    .insertInto('spam_tokens')
    .values([...rows])
    .onConflict((oc) =>
      // Qualified with the table name: PostgreSQL finds a bare "spam" ambiguous next to "excluded".
      oc.column('token').doUpdateSet((eb) => ({
        spam: eb('spam_tokens.spam', '+', eb.ref('excluded.spam')),
        ham: eb('spam_tokens.ham', '+', eb.ref('excluded.ham')),
      })),
    )
    .execute();
}

/** Takes one from a count of these tokens, never below zero. */
export async function takeTokenCount(db: Db, tokens: readonly string[], column: 'spam' | 'ham'): Promise<void> {
  if (tokens.length === 0) return;
  await db
    .updateTable('spam_tokens')
    .set((eb) => ({
      [column]: eb
        .case()
        .when(column, '>', 0)
        .then(eb(column, '-', 1))
        .else(0)
        .end(),
    }))
    .where('token', 'in', [...tokens])
    .execute();
}

/** Drops the tokens whose counts are both zero. */
export async function dropEmptyTokens(db: Db): Promise<void> {
  await db.deleteFrom('spam_tokens').where('spam', '=', 0).where('ham', '=', 0).execute();
}

/** The counts of these tokens (those learned). */
export async function findTokens(db: Db, tokens: readonly string[]): Promise<Selectable<SpamTokenTable>[]> {
  if (tokens.length === 0) return [];
  return db
    .selectFrom('spam_tokens')
    .selectAll()
    .where('token', 'in', [...tokens])
    .execute();
}
