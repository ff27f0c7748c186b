import type { Db } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { AppError } from '../shared/errors.ts';
import { readAllSettings, writeSetting } from '../shared/settings.repository.ts';
import { type CitationStyle, isCitationStyle } from './citation-styles.ts';

export interface SiteSettings {
  title: string;
  tagline: string;
  description: string;
  /** BCP 47 language tag of the site's writing, e.g. "en-GB". */
  locale: string;
  /** IANA time zone dates are shown in. */
  timeZone: string;
  postsPerPage: number;
  /** Numbered revisions each post keeps (every published one is kept besides). Read by content/revision.repository. */
  revisionsKept: number;
  /** How `:cite` notes and bibliographies are formatted. Read by sources/cited-markdown. */
  citationStyle: CitationStyle;
}

export const DEFAULT_SETTINGS: SiteSettings = {
  title: 'Annalist',
  tagline: 'History, argued with sources',
  description: 'A history site published with Annalist.',
  locale: 'en-GB',
  timeZone: 'UTC',
  postsPerPage: 10,
  revisionsKept: 50,
  citationStyle: 'chicago',
};

/** Site settings, each key falling back to its default; unknown or malformed stored values are ignored. */
export async function getSiteSettings(deps: { db: Db }): Promise<SiteSettings> {
  const rows = await readAllSettings(deps.db);
  const settings: SiteSettings = { ...DEFAULT_SETTINGS };
  for (const { key, value } of rows) {
    if (!(key in DEFAULT_SETTINGS)) continue;
    try {
      const parsed: unknown = JSON.parse(value);
      const k = key as keyof SiteSettings;
      if (k === 'citationStyle' && !isCitationStyle(parsed)) continue;
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
      await writeSetting(trx, key, JSON.stringify(value));
    }
  });
  deps.noteWrite();
}

/** The settings form as typed: every field a string, so a refused value can be shown back unchanged. */
export type SiteSettingsForm = Record<keyof SiteSettings, string>;

export const SETTINGS_LIMITS = {
  title: 100,
  tagline: 200,
  description: 300,
  postsPerPage: { min: 1, max: 50 },
  revisionsKept: { min: 1, max: 1000 },
} as const;

/** Every IANA time zone this Node knows, with UTC first (Intl lists it under no region). */
export function listTimeZones(): string[] {
  return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
}

/** A BCP 47 tag in canonical form ("EN-gb" -> "en-GB"), or undefined when Intl cannot read it or format in it. */
export function canonicalLocale(raw: string): string | undefined {
  try {
    const [tag] = Intl.getCanonicalLocales(raw);
    if (!tag || Intl.DateTimeFormat.supportedLocalesOf([tag]).length === 0) return undefined;
    return tag;
  } catch {
    return undefined;
  }
}

/** The IANA name of a time zone in its canonical spelling ("europe/berlin" -> "Europe/Berlin"), or undefined. */
export function canonicalTimeZone(raw: string): string | undefined {
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(raw)) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Checks the whole form; every problem is reported at once, by field, and nothing is saved unless all pass. */
export function validateSiteSettings(form: SiteSettingsForm): SiteSettings {
  const fields: Record<string, string> = {};
  const title = form.title.trim();
  if (title === '') fields.title = 'Give the site a title.';
  else if (title.length > SETTINGS_LIMITS.title)
    fields.title = `Keep the title to ${SETTINGS_LIMITS.title} characters.`;
  const tagline = form.tagline.trim();
  if (tagline.length > SETTINGS_LIMITS.tagline)
    fields.tagline = `Keep the tagline to ${SETTINGS_LIMITS.tagline} characters.`;
  const description = form.description.trim();
  if (description.length > SETTINGS_LIMITS.description)
    fields.description = `Keep the description to ${SETTINGS_LIMITS.description} characters.`;
  const locale = canonicalLocale(form.locale.trim());
  if (!locale) fields.locale = 'Give a language tag such as en-GB, en-US, fr or de-CH.';
  const timeZone = canonicalTimeZone(form.timeZone.trim());
  if (!timeZone) fields.timeZone = 'Choose a time zone from the list, such as Europe/London or UTC.';
  const { min, max } = SETTINGS_LIMITS.postsPerPage;
  const perPage = form.postsPerPage.trim();
  if (!/^[0-9]{1,3}$/.test(perPage) || Number(perPage) < min || Number(perPage) > max)
    fields.postsPerPage = `Give a whole number of posts per page from ${min} to ${max}.`;
  const kept = form.revisionsKept.trim();
  const keptLimits = SETTINGS_LIMITS.revisionsKept;
  if (!/^[0-9]{1,4}$/.test(kept) || Number(kept) < keptLimits.min || Number(kept) > keptLimits.max)
    fields.revisionsKept = `Give a whole number of revisions from ${keptLimits.min} to ${keptLimits.max}.`;
  const citationStyle = form.citationStyle.trim();
  if (!isCitationStyle(citationStyle)) fields.citationStyle = 'Choose Chicago or APA.';
  if (Object.keys(fields).length > 0)
    throw new AppError('SETTINGS_INVALID', 'Some settings need a correction; nothing was saved.', { fields });
  return {
    title,
    tagline,
    description,
    locale: locale as string,
    timeZone: timeZone as string,
    postsPerPage: Number(perPage),
    revisionsKept: Number(kept),
    citationStyle: citationStyle as CitationStyle,
  };
}

/**
 * Saves the settings form after checking every field; readers see the change on their next request. Returns the
 * settings before and after, for what depends on a setting (sources/citation-style.workflow.ts: a new style).
 */
export async function updateSiteSettings(
  deps: { db: Db; noteWrite: () => void },
  form: SiteSettingsForm,
): Promise<{ before: SiteSettings; after: SiteSettings }> {
  const after = validateSiteSettings(form);
  const before = await getSiteSettings(deps);
  await saveSiteSettings(deps, after);
  return { before, after };
}
