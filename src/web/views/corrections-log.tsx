import type { CorrectionLogEntry } from '../../modules/corrections/corrections-log.types.ts';
import type { SiteSettings } from '../../modules/site/settings.service.ts';

/** The article's dated "Corrections and updates" section (nothing when there are none). */
export function CorrectionsLog(_props: { entries: CorrectionLogEntry[]; slug: string; site: SiteSettings }) {
  return null;
}
