import type { Db } from '../../storage/schema.ts';

/**
 * The `settings` table: one row per key, its value JSON text. The site's settings, moderation, the backup
 * schedule, the citation style and the signing key each keep theirs under a key of their own.
 */

/** The stored text of `key`, if it has one. */
export async function readSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/** Every stored row, by key. */
export async function readAllSettings(db: Db): Promise<{ key: string; value: string }[]> {
  return db.selectFrom('settings').select(['key', 'value']).orderBy('key').execute();
}

/** Stores `value` under `key`, replacing what was there. */
export async function writeSetting(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** Stores `value` under `key` unless the key already has one (of two racing first writes, one is kept). */
export async function writeSettingOnce(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}
