import { findUserByEmail } from '../accounts/user.repository.ts';
import { findAuthorBySlug } from '../content/taxonomy.repository.ts';
import { AppError } from '../shared/errors.ts';
import { findAuthorById } from './import.repository.ts';
import type { ImportRun } from './import-run.ts';

/**
 * `--author-map FILE`: which existing byline takes the posts of an old author, so a move into a site that already
 * has its writers does not make a second byline for each. The file is one JSON object: an old login or email ->
 * a byline's slug, or the email of an account that writes under a byline (docs/moving-in.md):
 *
 *     { "olga": "olga-petrova", "ivan@old.example": "editor@new.example" }
 */

/** Old login or email (lower case) -> the target as written. */
export type AuthorMap = ReadonlyMap<string, string>;

const MAX_ENTRIES = 10_000;
const MAX_TEXT = 200;

const malformed = (why: string) =>
  new AppError('IMPORT_AUTHOR_MAP_MALFORMED', `The author map ${why}.`, {
    detail: why,
  });

/** The map in a file's text; IMPORT_AUTHOR_MAP_MALFORMED, saying what is wrong, for anything else. */
export function parseAuthorMap(text: string): AuthorMap {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw malformed(`is not JSON (${(err as Error).message.slice(0, 120)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed('must be one JSON object of "old login or email": "byline slug or account email" pairs');
  const entries = Object.entries(value);
  if (entries.length > MAX_ENTRIES) throw malformed(`has more than ${MAX_ENTRIES} entries`);
  const map = new Map<string, string>();
  for (const [rawKey, rawTarget] of entries) {
    const key = rawKey.trim().toLowerCase();
    const shown = JSON.stringify(rawKey.slice(0, 60));
    if (!key || key.length > MAX_TEXT) throw malformed(`has an old login ${shown} that is empty or too long`);
    if (typeof rawTarget !== 'string' || !rawTarget.trim() || rawTarget.length > MAX_TEXT)
      throw malformed(`gives ${shown} a target that is not a byline slug or an account email`);
    const target = rawTarget.trim();
    const before = map.get(key);
    if (before !== undefined && before !== target) throw malformed(`gives ${shown} twice (letter case aside)`);
    map.set(key, target);
  }
  return map;
}

/**
 * Finds each target in the site, before anything is read from the export: a byline by its slug, or the byline of
 * the account with that email. Every target that is not there is named in one IMPORT_AUTHOR_MAP_UNKNOWN.
 */
export async function applyAuthorMap(run: ImportRun, map: AuthorMap): Promise<void> {
  const db = run.deps.db;
  const unknown: string[] = [];
  for (const [key, target] of map) {
    let byline: { id: number; slug: string } | undefined;
    if (target.includes('@')) {
      const user = await findUserByEmail(db, target.toLowerCase());
      if (user?.author_id != null) byline = await findAuthorById(db, user.author_id);
      else if (user) unknown.push(`${target} (an account that writes under no byline: link it to one first)`);
      else unknown.push(`${target} (no account has this email)`);
    } else {
      byline = await findAuthorBySlug(db, target.toLowerCase());
      if (!byline) unknown.push(`${target} (no byline has this slug)`);
    }
    if (byline) run.authorMap.set(key, { id: byline.id, slug: byline.slug });
  }
  if (unknown.length > 0)
    throw new AppError(
      'IMPORT_AUTHOR_MAP_UNKNOWN',
      `The author map names what this site does not have: ${unknown.slice(0, 5).join('; ')}${unknown.length > 5 ? `; and ${unknown.length - 5} more` : ''}.`,
      { detail: unknown.join('; ') },
    );
}
