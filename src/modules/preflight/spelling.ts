import type { NSpell } from 'nspell';
import { americanVariants } from './british-spelling.ts';

/**
 * The English speller, loaded once per process on first use (about 270 ms: nspell compiles the Hunspell
 * dictionary). A module-level promise, so concurrent first checks share one load; a failed load is retried.
 */
let speller: Promise<NSpell> | undefined;

export function loadSpeller(): Promise<NSpell> {
  speller ??= (async () => {
    const [{ default: nspell }, { default: dictionary }] = await Promise.all([
      import('nspell'),
      import('dictionary-en'),
    ]);
    return nspell(dictionary);
  })().catch((err: unknown) => {
    speller = undefined;
    throw err;
  });
  return speller;
}

/** A piece of prose to check and where it is: a body line, or the title or standfirst. */
export interface SpellingSource {
  text: string;
  line?: number;
  where?: 'title' | 'standfirst';
}

export interface Misspelling {
  word: string;
  count: number;
  line?: number;
  where?: 'title' | 'standfirst';
  /** The words around the first occurrence. */
  context: string;
  suggestions: string[];
}

// Letters and digits joined by apostrophes or hyphens: "Zhukov's", "Khalkhin-Gol", "forty-two-year-old".
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’\-‐‑][\p{L}\p{M}\p{N}]+)*/gu;
// Addresses and e-mail addresses in running text are not words.
const ADDRESS = /\b(?:https?:\/\/|www\.)\S+|\S+@\S+\.\S+/g;
const HYPHEN = /[-‐‑]/;
const MAX_SUGGESTED_WORDS = 40;
/** Past this, no more dictionary suggestions are sought in one check (each can take tens of milliseconds). */
const SUGGESTION_BUDGET_MS = 1000;

const isAllCaps = (w: string) => w === w.toUpperCase() && w !== w.toLowerCase();
// A capital after the first letter: "McDonald", "iPhone", "RoutledgeCurzon" are names, not typos.
const hasInnerCapital = (w: string) => /\p{Lu}/u.test(w.slice(1));

/** The site's own words, matched without regard to case ("Nomonhan" also accepts "NOMONHAN", "nomonhan"). */
export class SiteWords {
  private readonly words: Set<string>;
  constructor(readonly list: string[]) {
    this.words = new Set(list.map((w) => w.toLowerCase().replace(/’/g, "'")));
  }
  has(word: string): boolean {
    return this.words.has(word.toLowerCase());
  }
}

interface Options {
  siteWords: SiteWords;
  /** Accept British spellings whose American form the dictionary knows (en-GB sites). */
  british: boolean;
}

/** Is one word (no hyphen) acceptable? */
function isKnown(spell: NSpell, part: string, opts: Options): boolean {
  if (part.length < 2 || isAllCaps(part) || hasInnerCapital(part)) return true;
  if (opts.siteWords.has(part) || spell.correct(part)) return true;
  // Possessives of site words and of names the dictionary knows only bare: "Komatsubara's", "Zhukovs'".
  for (const stem of [part.replace(/'s$/, ''), part.replace(/s'$/, ''), part.replace(/'$/, '')]) {
    if (stem !== part && stem.length > 1 && (opts.siteWords.has(stem) || spell.correct(stem))) return true;
  }
  return opts.british && americanVariants(part).some((v) => spell.correct(v));
}

/** The parts of a token that are misspelt (the token itself when it has no hyphen). */
function misspeltParts(spell: NSpell, token: string, opts: Options): string[] {
  if (opts.siteWords.has(token) || opts.siteWords.has(token.replace(/'s$|'$/, ''))) return [];
  if (!HYPHEN.test(token)) return isKnown(spell, token, opts) ? [] : [token];
  // "co-ordinated", "re-examine": accepted when the dictionary knows the word written solid.
  const solid = token.split(HYPHEN).join('');
  if (spell.correct(solid) || (opts.british && americanVariants(solid).some((v) => spell.correct(v)))) return [];
  return token.split(HYPHEN).filter((part) => !isKnown(spell, part, opts));
}

/** Edit distance with transpositions (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...Array<number>(t.length).fill(0)]);
  for (let j = 0; j <= t.length; j++) d[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * Up to three replacements. The dictionary's suggestions come unordered, so the writer's own vocabulary decides
 * first: a correctly spelt word used elsewhere in the article or in the site's word list ("battle" for "batte" in a
 * piece about battles, "Zhukov" for "Zhukv") ranks above a dictionary word the article never uses.
 */
function suggest(
  spell: NSpell,
  word: string,
  ownWords: Set<string>,
  siteWords: string[],
  useDictionary: boolean,
): string[] {
  const near = word.length < 5 ? 1 : 2;
  const candidates = new Map<string, number>(); // word -> rank key
  const rank = (candidate: string, familiar: boolean, order: number) => {
    const dist = editDistance(word, candidate);
    if (dist === 0 || dist > (familiar ? near : 3)) return;
    const key = (familiar ? 0 : 1000) + dist * 100 + Math.min(order, 99);
    const before = candidates.get(candidate);
    if (before === undefined || key < before) candidates.set(candidate, key);
  };
  for (const w of ownWords) rank(w, true, 0);
  for (const w of siteWords) rank(w, true, 1);
  // nspell's search is costly on capitalised words (a second for "Komatsubara", a third of one for "Tōgō"), which
  // are nearly always names the dictionary cannot help with: those get suggestions from the article and the word
  // list only, unless short and plain.
  if (useDictionary && (word === word.toLowerCase() || (word.length <= 6 && /^[A-Za-z']+$/.test(word))))
    spell.suggest(word).forEach((w, i) => {
      rank(w, ownWords.has(w), i);
    });
  return [...candidates.entries()]
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([w]) => w);
}

function contextAround(text: string, index: number, length: number): string {
  // About 30 characters either side, widened to the next space when one is near; a paragraph without spaces
  // is cut by position, so it never becomes the excerpt of every word in it.
  const startSpace = text.lastIndexOf(' ', Math.max(0, index - 30));
  const start = startSpace >= index - 80 ? startSpace + 1 : Math.max(0, index - 40);
  const endSpace = text.indexOf(' ', Math.min(text.length, index + length + 30));
  const end =
    endSpace !== -1 && endSpace <= index + length + 80 ? endSpace : Math.min(text.length, index + length + 40);
  const snippet = text.slice(start, end).replace(/\s+/g, ' ').trim();
  return `${start > 0 ? '…' : ''}${snippet}${end < text.length ? '…' : ''}`;
}

/** At most this many distinct unknown words are reported: past it, the text is not prose worth checking. */
const MAX_MISSPELLINGS = 200;

/**
 * Finds words neither the dictionary nor the site's list knows, one entry per distinct word (with how often it
 * occurs and where first), in document order. Skips numbers, ALL-CAPS words (acronyms, Roman numerals), words
 * with a capital inside, single letters, and addresses.
 */
export async function checkSpelling(sources: SpellingSource[], opts: Options): Promise<Misspelling[]> {
  const spell = await loadSpeller();
  const found = new Map<string, Misspelling>();
  // The article's correctly spelt words, lower-cased unless only ever written with a capital (names).
  const ownWords = new Map<string, string>();
  for (const source of sources) {
    const text = source.text.replace(ADDRESS, (m) => ' '.repeat(m.length));
    // Line numbers are counted as the scan goes, not by splitting everything before each new word again.
    let lineOffset = 0;
    let counted = 0;
    for (const match of text.matchAll(TOKEN)) {
      if (found.size >= MAX_MISSPELLINGS) break;
      const token = match[0].replace(/’/g, "'");
      if (/\p{N}/u.test(token)) continue; // 1930s, 23rd, T-34, 37mm
      const bad = misspeltParts(spell, token, opts);
      if (bad.length === 0) {
        for (const part of token.split(HYPHEN)) {
          const lower = part.toLowerCase();
          if (part.length > 2 && ownWords.get(lower) !== lower) ownWords.set(lower, part === lower ? lower : part);
        }
        continue;
      }
      for (const word of bad) {
        const seen = found.get(word);
        if (seen) {
          seen.count++;
          continue;
        }
        for (let i = text.indexOf('\n', counted); i !== -1 && i < match.index; i = text.indexOf('\n', i + 1))
          lineOffset++;
        counted = match.index;
        found.set(word, {
          word,
          count: 1,
          ...(source.line !== undefined ? { line: source.line + lineOffset } : {}),
          ...(source.where ? { where: source.where } : {}),
          context: contextAround(source.text, match.index, token.length),
          suggestions: [],
        });
      }
    }
  }
  const misspellings = [...found.values()];
  const familiar = new Set(ownWords.values());
  const started = performance.now();
  for (const m of misspellings.slice(0, MAX_SUGGESTED_WORDS)) {
    const inBudget = performance.now() - started < SUGGESTION_BUDGET_MS;
    m.suggestions = suggest(spell, m.word, familiar, opts.siteWords.list, inBudget);
  }
  return misspellings;
}
