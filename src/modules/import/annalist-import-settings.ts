import type { Static } from '@sinclair/typebox';
import type { ItemOf, SiteSchema } from '../export/export-schema.ts';
import { isPrivateSetting, isServerSetting, SITE_FIELD_KEYS } from '../export/json-export.ts';
import { type DiscussionSettingsInput, validateDiscussionSettings } from '../moderation/discussion-settings.service.ts';
import { DEFAULT_MODERATION } from '../moderation/moderation.types.ts';
import { checkSiteWords, SITE_WORDS_KEY } from '../preflight/site-words.ts';
import { type SiteSettings, type SiteSettingsForm, validateSiteSettings } from '../settings/settings.service.ts';
import { isAppError } from '../shared/errors.ts';
import { MENU_LIMITS, validateMenuItemForm } from '../site/menus.service.ts';
import { validateWidgetForm, WIDGET_LIMITS, WIDGET_TYPE_INFO, type WidgetType } from '../site/widgets.service.ts';
import { invalid, type Known, type Path, type Rows } from './annalist-import-known.ts';

/**
 * The site's settings, menus and widgets from an export, each checked by the very function the administration's
 * form uses (settings.service, discussion settings, the spelling word list, menus.service, widgets.service): an
 * imported site can hold nothing its pages would refuse, such as a time zone Intl does not know or a text widget
 * built to overflow the Markdown parser. The first problem refuses the file, naming its JSON path.
 */

type Row = Record<string, unknown>;

const sentence = (message: string) => message.replace(/\.$/, '');

/** Runs a form's check; its first field problem becomes IMPORT_JSON_INVALID at the JSON path of that field. */
function checked<T>(run: () => T, pathOf: (field: string) => Path): T {
  try {
    return run();
  } catch (err) {
    if (!isAppError(err)) throw err;
    const [field, message] = Object.entries(err.fields ?? {})[0] ?? ['', err.publicMessage];
    throw invalid(pathOf(field), sentence(message));
  }
}

/** Export name of each site setting, by the settings service's key. */
const EXPORT_NAMES = SITE_FIELD_KEYS as Record<keyof SiteSettings, string>;

/**
 * The settings rows of the `site` object: its fields as the settings page stores them, then every other setting
 * checked by its own page. Settings of the old server (the backup schedule) are left out, each with a note.
 */
export function siteSettingRows(s: Static<typeof SiteSchema>, notes: string[]): Row[] {
  const form: SiteSettingsForm = {
    title: String(s.title),
    tagline: String(s.tagline),
    description: String(s.description),
    locale: String(s.language),
    timeZone: String(s.time_zone),
    postsPerPage: String(s.posts_per_page),
    revisionsKept: String(s.revisions_kept),
    citationStyle: String(s.citation_style),
  };
  const settings = checked(
    () => validateSiteSettings(form),
    (field) => ['site', EXPORT_NAMES[field as keyof SiteSettings] ?? field],
  );
  const rows: Row[] = Object.keys(EXPORT_NAMES).map((key) => ({
    key,
    value: JSON.stringify(settings[key as keyof SiteSettings]),
  }));
  for (const [key, value] of Object.entries(s.other_settings)) {
    const path: Path = ['site', 'other_settings', key];
    if (isServerSetting(key)) {
      notes.push(
        `${key}: left out; it names folders and times of the old server. Set the backups up again on /admin/backups.`,
      );
      continue;
    }
    if (isPrivateSetting(key) || key in EXPORT_NAMES) throw invalid(path, 'a setting an export never holds');
    rows.push({ key, value: JSON.stringify(otherSetting(key, value, path)) });
  }
  return rows;
}

/** A setting outside the `site` fields, as its own page would store it. */
function otherSetting(key: string, value: unknown, path: Path): unknown {
  if (key === 'moderation') return moderationSetting(value, path);
  if (key === SITE_WORDS_KEY) {
    if (!Array.isArray(value) || !value.every((w) => typeof w === 'string'))
      throw invalid(path, 'the spelling word list is a list of words');
    return checked(
      () => checkSiteWords(value as string[]),
      () => path,
    );
  }
  throw invalid(path, 'not a setting this version of Annalist has');
}

/** The discussion settings (only those set on the old site), checked as the discussion settings page checks them. */
function moderationSetting(value: unknown, path: Path): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(path, 'the discussion settings are an object of settings');
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given))
    if (!Object.hasOwn(DEFAULT_MODERATION, key)) throw invalid([...path, key], 'not a discussion setting');
  const words = given.moderationWords;
  if (words !== undefined && (!Array.isArray(words) || !words.every((w) => typeof w === 'string')))
    throw invalid([...path, 'moderationWords'], 'the moderation words are a list of texts');
  for (const [key, fallback] of Object.entries(DEFAULT_MODERATION))
    if (typeof fallback === 'number' && given[key] !== undefined && typeof given[key] !== 'number')
      throw invalid([...path, key], 'expected a whole number');
  const all = checked(
    () => validateDiscussionSettings({ ...DEFAULT_MODERATION, ...given } as DiscussionSettingsInput),
    (field) => [...path, field],
  );
  return Object.fromEntries(Object.keys(given).map((key) => [key, all[key as keyof typeof all]]));
}

/** A menu link, checked as the menu form checks it; a menu holds as many links as the form allows. */
export function menuItemRows(k: Known, m: ItemOf<'menus'>, path: Path): Rows {
  k.addId('menus', m.id, path);
  const item = checked(
    () => validateMenuItemForm({ menu: m.menu, label: m.label, url: m.url }),
    (field) => [...path, field],
  );
  const n = k.countIn(`menu ${m.menu}`);
  if (n > MENU_LIMITS.items) throw invalid(path, `the ${m.menu} menu holds at most ${MENU_LIMITS.items} links`);
  return { menu_items: [{ id: m.id, menu: item.menu, label: item.label, url: item.url, position: m.position }] };
}

/** A widget, checked as the widget form checks it (a text widget's Markdown included); an area's widgets bounded. */
export function widgetRows(k: Known, w: ItemOf<'widgets'>, path: Path): Rows {
  k.addId('widgets', w.id, path);
  const info = Object.hasOwn(WIDGET_TYPE_INFO, w.type) ? WIDGET_TYPE_INFO[w.type as WidgetType] : undefined;
  const config = w.config as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    const known = (key === 'count' && info?.count) || (key === 'markdown' && info?.text);
    if (!known) throw invalid([...path, 'config', key], `not a setting of a ${w.type} widget`);
  }
  if (config.count !== undefined && typeof config.count !== 'number')
    throw invalid([...path, 'config', 'count'], 'expected a whole number');
  if (config.markdown !== undefined && typeof config.markdown !== 'string')
    throw invalid([...path, 'config', 'markdown'], 'expected a text');
  const form = {
    area: w.area,
    type: w.type,
    title: w.title,
    count: config.count === undefined ? '' : String(config.count),
    markdown: typeof config.markdown === 'string' ? config.markdown : '',
  };
  const checkedWidget = checked(
    () => validateWidgetForm(form),
    (field) => (field === 'count' || field === 'markdown' ? [...path, 'config', field] : [...path, field]),
  );
  const n = k.countIn(`widget area ${w.area}`);
  if (n > WIDGET_LIMITS.perArea)
    throw invalid(path, `the ${w.area} area holds at most ${WIDGET_LIMITS.perArea} widgets`);
  return {
    widgets: [
      {
        id: w.id,
        area: checkedWidget.area,
        type: checkedWidget.type,
        title: checkedWidget.title,
        config_json: JSON.stringify(checkedWidget.config ?? {}),
        position: w.position,
      },
    ],
  };
}
