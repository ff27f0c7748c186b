import type { Db } from '../../storage/schema.ts';
import { type SiteSettings, type SiteSettingsForm, updateSiteSettings } from '../settings/settings.service.ts';
import { invalidateCitingRenders } from './source.repository.ts';

/**
 * The settings form saved (settings/ knows nothing of sources): when the citation style changed, every article
 * with citations was rendered in the old one, so its stored render is marked stale and redone on its next read.
 */
export async function updateSettingsAndCitations(
  deps: { db: Db; noteWrite: () => void },
  form: SiteSettingsForm,
): Promise<SiteSettings> {
  const { before, after } = await updateSiteSettings(deps, form);
  if (before.citationStyle !== after.citationStyle) await invalidateCitingRenders(deps.db, 'all');
  return after;
}
