import type { Db } from '../../storage/schema.ts';
import { listSourceRows } from './source.repository.ts';
import { sourceOf } from './sources.service.ts';
import type { CslItem, CslName } from './sources.types.ts';

/** One source offered while a writer types `:cite[`: the key to insert and what to recognise it by. */
export interface SourceSuggestion {
  key: string;
  title: string;
  /** "Coox", "Coox and Drea", "Coox et al." (empty when the source names nobody). */
  authors: string;
  year: string;
}

/** At most this many suggestions: a completion list, not a search page. */
export const SOURCE_SUGGESTIONS = 12;

const nameOf = (n: CslName) => (n.family ?? n.literal ?? n.given ?? '').trim();

function authorsOf(item: CslItem): string {
  const names = (item.author ?? item.editor ?? []).map(nameOf).filter(Boolean);
  if (names.length <= 2) return names.join(' and ');
  return `${names[0]} et al.`;
}

function yearOf(item: CslItem): string {
  const first = item.issued?.['date-parts']?.[0]?.[0];
  if (first !== undefined) return String(first);
  return /\b(\d{3,4})\b/.exec(item.issued?.raw ?? item.issued?.literal ?? '')?.[1] ?? '';
}

/**
 * The sources whose key, title or author names contain `q` (case ignored), those whose key starts with it
 * first: what the editor's `:cite[` completion offers. An empty `q` gives the first keys in order.
 */
export async function suggestSources(deps: { db: Db }, q: string): Promise<SourceSuggestion[]> {
  const needle = q.trim().toLowerCase().slice(0, 100);
  const rows = await listSourceRows(deps.db, { q: needle || undefined }, { limit: 60, offset: 0 });
  const found = rows.map((row) => {
    const s = sourceOf(row);
    const names = [...(s.item.author ?? []), ...(s.item.editor ?? [])].map(nameOf).join(' ').toLowerCase();
    return { s, rank: rankOf(needle, s.key, s.title.toLowerCase(), names) };
  });
  // The database matched inside the stored JSON too (field names and all): keep what a writer would recognise.
  return found
    .filter((f) => f.rank < 3)
    .sort((a, b) => a.rank - b.rank || a.s.key.localeCompare(b.s.key))
    .slice(0, SOURCE_SUGGESTIONS)
    .map(({ s }) => ({ key: s.key, title: s.title, authors: authorsOf(s.item), year: yearOf(s.item) }));
}

/** 0: the key starts with it; 1: the key contains it; 2: the title or a name does; 3: neither. */
function rankOf(needle: string, key: string, title: string, names: string): number {
  if (key.startsWith(needle)) return 0;
  if (key.includes(needle)) return 1;
  return title.includes(needle) || names.includes(needle) ? 2 : 3;
}
