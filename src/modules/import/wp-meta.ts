import { POST_META_LIMITS, type PostMetaEntry, replacePostMeta } from '../content/post-meta.repository.ts';
import { noteLine, type ReportKind } from './import-report.ts';
import type { ImportRun } from './import-run.ts';
import { readPhpSerialized } from './php-serialized.ts';

/**
 * A post's other meta (plugins' fields: a podcast's `enclosure`, a page template, custom fields), kept as it was
 * so an export gives it back; nothing here reads or runs it. PHP-serialized values are checked without building
 * anything (php-serialized.ts): wrong string lengths are repaired, objects are kept as text and reported.
 */

/** Meta the import turned into fields of the post (or its addresses), so not kept a second time. */
const CONSUMED = new Set([
  '_thumbnail_id',
  '_yoast_wpseo_primary_category',
  '_yoast_wpseo_title',
  '_yoast_wpseo_metadesc',
  '_aioseo_title',
  '_aioseo_description',
  '_aioseop_title',
  '_aioseop_description',
  '_wp_old_slug',
]);

/** WordPress's own bookkeeping, meaningless on another site. */
const HOUSEKEEPING = new Set([
  '_edit_lock',
  '_edit_last',
  '_pingme',
  '_encloseme',
  '_wp_trash_meta_status',
  '_wp_trash_meta_time',
  '_wp_desired_post_slug',
]);

/** Keeps an item's meta with its post, in place of what an earlier run kept. */
export async function keepPostMeta(
  run: ImportRun,
  postId: number,
  item: { metaList: [string, string][] },
  at: { kind: ReportKind; oldId: string; isNew: boolean },
): Promise<void> {
  const note = (reason: string) => noteLine(run.report, { kind: at.kind, oldId: at.oldId, outcome: 'note', reason });
  const kept: PostMetaEntry[] = [];
  for (const [key, raw] of item.metaList) {
    if (CONSUMED.has(key) || HOUSEKEEPING.has(key)) continue;
    if (key.length > POST_META_LIMITS.keyLength || raw.length > POST_META_LIMITS.valueLength) {
      note(`meta "${key.slice(0, 60)}" is longer than ${POST_META_LIMITS.valueLength} characters: not kept`);
      continue;
    }
    if (kept.length === POST_META_LIMITS.perPost) {
      note(`more than ${POST_META_LIMITS.perPost} meta values: the rest were not kept`);
      break;
    }
    kept.push({ key, value: checkedValue(key, raw, note) });
  }
  if (kept.length > 0 || !at.isNew) await replacePostMeta(run.deps.db, postId, kept);
  run.report.metaKept += kept.length;
}

function checkedValue(key: string, raw: string, note: (reason: string) => void): string {
  const read = readPhpSerialized(raw);
  if (read.kind === 'object') note(`meta "${key}" holds a PHP object: kept as text, never decoded`);
  else if (read.kind === 'malformed')
    note(`meta "${key}" is not well-formed PHP-serialized data (${read.reason}): kept as text`);
  else if (read.kind === 'serialized' && read.repaired) {
    note(`meta "${key}": ${read.repaired.strings} string length(s) were wrong and are repaired`);
    return read.repaired.text;
  }
  return raw;
}

/** Old slugs WordPress remembered for an item (`_wp_old_slug`): their addresses lead to it too. */
export const oldSlugsOf = (item: { metaList: [string, string][] }): string[] =>
  item.metaList.filter(([k, v]) => k === '_wp_old_slug' && v.trim() !== '').map(([, v]) => v.trim());
