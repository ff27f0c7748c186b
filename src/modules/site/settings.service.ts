import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';

export interface SiteSettings {
  title: string;
  tagline: string;
  description: string;
  /** BCP 47 language tag of the site's writing, e.g. "en-GB". */
  locale: string;
  /** IANA time zone dates are shown in. */
  timeZone: string;
  postsPerPage: number;
}

export const DEFAULT_SETTINGS: SiteSettings = {
  title: 'Annalist',
  tagline: 'History, argued with sources',
  description: 'A history site published with Annalist.',
  locale: 'en-GB',
  timeZone: 'UTC',
  postsPerPage: 10,
};

/** Site settings, each key falling back to its default; unknown or malformed stored values are ignored. */
export async function getSiteSettings(deps: { db: Db }): Promise<SiteSettings> {
  const rows = await deps.db.selectFrom('settings').selectAll().execute();
  const settings: SiteSettings = { ...DEFAULT_SETTINGS };
  for (const { key, value } of rows) {
    if (!(key in DEFAULT_SETTINGS)) continue;
    try {
      const parsed: unknown = JSON.parse(value);
      const k = key as keyof SiteSettings;
      if (typeof parsed === typeof DEFAULT_SETTINGS[k]) (settings as unknown as Record<string, unknown>)[k] = parsed;
    } catch {
      // a hand-edited value that is not JSON keeps the default
    }
  }
  return settings;
}

export async function saveSiteSettings(
  deps: { db: Db; noteWrite: () => void },
  changes: Partial<SiteSettings>,
): Promise<void> {
  await inTransaction(deps.db, async (trx) => {
    for (const [key, value] of Object.entries(changes)) {
      await trx
        .insertInto('settings')
        .values({ key, value: JSON.stringify(value) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) }))
        .execute();
    }
  });
  deps.noteWrite();
}
