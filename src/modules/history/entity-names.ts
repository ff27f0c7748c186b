import type { EntityKind } from '../../storage/schema.ts';

/**
 * Entity names as search, the editor's suggestions and the preflight checks compare them (decision 045): folded to
 * one form (NFKC, lower case, Latin, Greek and Cyrillic diacritics removed, punctuation as a space), so "Žukov"
 * finds "Zukov", "Khalkhin-Gol" finds "khalkhin gol", and "ノモンハン" stays itself. Not FTS tokens: FTS5's
 * unicode61 does not split Japanese into words, and a name is looked up whole.
 */

// Letters that carry their difference in the letter itself, not in a combining mark NFD could split off.
const FOLDED: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ς: 'σ',
};
const FOLDED_LETTERS = new RegExp(`[${Object.keys(FOLDED).join('')}]`, 'g');

/** A name or a query in the one form they are compared in; '' when it has no letter or digit. */
export function normaliseName(s: string): string {
  return (
    s
      .normalize('NFKC')
      .toLowerCase()
      .normalize('NFD')
      // Only the combining diacritics of Latin, Greek and Cyrillic: the kana voicing marks (U+3099, U+309A) stay.
      .replace(/[\u0300-\u036f]/g, '')
      .normalize('NFC')
      .replace(FOLDED_LETTERS, (c) => FOLDED[c] ?? c)
      .replace(/[^\p{L}\p{N}\p{M}]+/gu, ' ')
      .trim()
  );
}

/** Scripts written without spaces between words: a name there may run on into the next word. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\u30fc]/u;
export const isUnspaced = (ch: string | undefined): boolean => ch !== undefined && UNSPACED.test(ch);

/** One name of an entity (its own name or another), with the entity it names. */
export interface NamedEntity {
  entityId: number;
  kind: EntityKind;
  slug: string;
  /** The entity's own name. */
  entityName: string;
  /** This name as written. */
  name: string;
  /** This name normalised. */
  key: string;
}

/** A name found for a query: `atStart` when the query matched the name's beginning, not a later word. */
export interface NameMatch {
  named: NamedEntity;
  atStart: boolean;
  /** The query is the whole name, or whole words of it. */
  wholeWords: boolean;
}

/** Stops a one-letter prefix from reading a whole large index. */
const MAX_SCANNED = 5_000;

/**
 * Every name, searchable by the start of any of its words: one sorted key per word start ("георгии константинович
 * жуков", "константинович жуков", "жуков"), so a prefix is a binary search and a short walk.
 */
export class EntityNameIndex {
  private readonly keys: { key: string; at: number; atStart: boolean }[] = [];

  constructor(readonly names: readonly NamedEntity[]) {
    names.forEach((n, at) => {
      if (n.key === '') return;
      this.keys.push({ key: n.key, at, atStart: true });
      for (let i = n.key.indexOf(' '); i >= 0; i = n.key.indexOf(' ', i + 1))
        this.keys.push({ key: n.key.slice(i + 1), at, atStart: false });
    });
    this.keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.at - b.at));
  }

  /** Names with a word starting with `query` (already normalised), in key order. */
  withWordStarting(query: string): NameMatch[] {
    if (query === '') return [];
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.keys[mid]?.key ?? '') < query) lo = mid + 1;
      else hi = mid;
    }
    const found: NameMatch[] = [];
    for (let i = lo; i < this.keys.length && found.length < MAX_SCANNED; i++) {
      const k = this.keys[i]!;
      if (!k.key.startsWith(query)) break;
      const next = k.key[query.length];
      const wholeWords = next === undefined || next === ' ' || (isUnspaced(query.at(-1)) && isUnspaced(next));
      found.push({ named: this.names[k.at]!, atStart: k.atStart, wholeWords });
    }
    return found;
  }
}
