import type { Db } from '../../storage/schema.ts';
import { AppError } from '../shared/errors.ts';
import { readSetting, writeSetting } from '../shared/settings.repository.ts';
import { DEFAULT_SITE_WORDS } from './default-site-words.ts';

/** Settings key of the site's word list (a JSON array of strings). */
export const SITE_WORDS_KEY = 'preflight_words';

const MAX_WORDS = 5000;
const MAX_WORD_LENGTH = 60;
// One word: letters (any script, with accents), digits, and inner apostrophes or hyphens ("Khalkhin-Gol", "O'Neill").
const WORD = /^[\p{L}\p{M}\p{N}]+(?:['’\-‐‑][\p{L}\p{M}\p{N}]+)*$/u;

/** The words the spelling check accepts on this site besides the dictionary: stored, or the defaults. */
export async function getSiteWords(deps: { db: Db }): Promise<string[]> {
  const stored = await readSetting(deps.db, SITE_WORDS_KEY);
  if (stored === undefined) return [...DEFAULT_SITE_WORDS];
  try {
    const parsed: unknown = JSON.parse(stored);
    if (Array.isArray(parsed)) return parsed.filter((w): w is string => typeof w === 'string');
  } catch {
    // a hand-edited value that is not JSON: fall back to the defaults
  }
  return [...DEFAULT_SITE_WORDS];
}

/**
 * Replaces the site's word list. Entries are trimmed, blanks dropped, duplicates removed and the list sorted;
 * an entry that is not one word (spaces, punctuation) is refused with SITE_WORDS_INVALID naming it, and nothing
 * is stored.
 */
export async function saveSiteWords(deps: { db: Db }, words: string[]): Promise<void> {
  const value = JSON.stringify(checkSiteWords(words));
  await writeSetting(deps.db, SITE_WORDS_KEY, value);
}

/** The word list as it is stored (trimmed, deduplicated, sorted), or SITE_WORDS_INVALID naming the entries at fault. */
export function checkSiteWords(words: string[]): string[] {
  const clean = [...new Set(words.map((w) => w.trim().replace(/’/g, "'")).filter(Boolean))];
  const bad = clean.filter((w) => w.length > MAX_WORD_LENGTH || !WORD.test(w));
  if (bad.length > 0) {
    const shown = bad.slice(0, 3).map((w) => `"${w.length > 30 ? `${w.slice(0, 30)}…` : w}"`);
    const message = `One word per line, letters with hyphens or apostrophes only: ${shown.join(', ')}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''} ${bad.length === 1 ? 'is' : 'are'} not a single word.`;
    throw new AppError('SITE_WORDS_INVALID', message, { fields: { words: message } });
  }
  if (clean.length > MAX_WORDS) {
    const message = `At most ${MAX_WORDS} words (this list has ${clean.length}).`;
    throw new AppError('SITE_WORDS_INVALID', message, { fields: { words: message } });
  }
  clean.sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }) || a.localeCompare(b));
  return clean;
}
