import type { Db } from '../../storage/schema.ts';
import { getSiteSettings, type SiteSettings } from '../settings/settings.service.ts';
import { readAllSettings } from '../shared/settings.repository.ts';
import {
  COLLECTION_NAMES,
  type CollectionName,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type HeaderKey,
} from './export-schema.ts';
import { collectionItems } from './json-export-items.ts';
import { withoutPersonalData } from './personal-data.ts';

/** Where the export goes: a file, standard output… The writer waits for each write (back-pressure). */
export interface ExportSink {
  write(text: string): Promise<void>;
}

export interface JsonExportInput {
  /** Read inside one snapshot by the caller when the site keeps serving (every collection agrees). */
  db: Db;
  annalistVersion: string;
  exportedAt: string;
  baseUrl: string;
  /** Media files carry their bytes (base64); without it, only names, sizes and checksums. */
  includeMediaBytes: boolean;
  /**
   * false: no reader's email address and no email or IP address of the ban list (personal-data.ts), for admins
   * who are not owners. Default true: the whole site, as `annalist export json` writes it.
   */
  includePersonalData?: boolean;
  /** Called after each item, with the collection and the items written so far in it. */
  onItem?(collection: CollectionName, written: number): void;
}

/**
 * Settings that are never exported: the site's signing key, and Annalist's own bookkeeping (an unfinished
 * migrate-data marker…), which belongs to the database, not to the site.
 */
export function isPrivateSetting(key: string): boolean {
  return key === 'secret.hmac' || key.startsWith('secret.') || key.startsWith('annalist.');
}

/**
 * Settings about the server rather than the site, never exported: the backup schedule names a folder and times
 * on the old server, which mean nothing (or something unintended) on the new one.
 */
export function isServerSetting(key: string): boolean {
  return key.startsWith('backup.');
}

/** The setting keys the `site` object names as fields (settings.service's keys), and their export names. */
const SITE_FIELDS: Record<keyof SiteSettings, string> = {
  title: 'title',
  tagline: 'tagline',
  description: 'description',
  locale: 'language',
  timeZone: 'time_zone',
  postsPerPage: 'posts_per_page',
  revisionsKept: 'revisions_kept',
  citationStyle: 'citation_style',
};

export const SITE_FIELD_KEYS = SITE_FIELDS;

async function siteObject(db: Db, baseUrl: string): Promise<Record<string, unknown>> {
  const settings = await getSiteSettings({ db });
  const site: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(SITE_FIELDS)) site[name] = settings[key as keyof SiteSettings];
  site.base_url = baseUrl;
  const other: Record<string, unknown> = {};
  const rows = await readAllSettings(db);
  for (const { key, value } of rows) {
    if (key in SITE_FIELDS || isPrivateSetting(key) || isServerSetting(key)) continue;
    try {
      other[key] = JSON.parse(value);
    } catch {
      other[key] = value; // a value stored as plain text stays text
    }
  }
  site.other_settings = other;
  return site;
}

/**
 * Writes the whole site as one JSON document (docs/export.md, docs/export-schema.json) to `sink`: the header,
 * then each collection, one item per line, read a page at a time. Returns the number of items per collection.
 */
export async function writeJsonExport(input: JsonExportInput, sink: ExportSink): Promise<Record<string, number>> {
  const header: Record<HeaderKey, unknown> = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exported_at: input.exportedAt,
    annalist_version: input.annalistVersion,
    includes_media_bytes: input.includeMediaBytes,
    site: await siteObject(input.db, input.baseUrl),
  };
  const parts = Object.entries(header).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  await sink.write(`{\n${parts.join(',\n')}`);
  const counts: Record<string, number> = {};
  for (const name of COLLECTION_NAMES) {
    await sink.write(`,\n${JSON.stringify(name)}: [`);
    let n = 0;
    for await (const read of collectionItems(input.db, name, input.includeMediaBytes)) {
      const item = input.includePersonalData === false ? withoutPersonalData(name, read) : read;
      if (item === undefined) continue;
      await sink.write(`${n === 0 ? '\n' : ',\n'}${JSON.stringify(item)}`);
      n++;
      input.onItem?.(name, n);
    }
    await sink.write(n === 0 ? ']' : '\n]');
    counts[name] = n;
  }
  await sink.write('\n}\n');
  return counts;
}
