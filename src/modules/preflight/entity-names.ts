import type { EntityKind } from '../../storage/schema.ts';
import { type EntityNameIndex, isUnspaced, type NamedEntity, normaliseName } from '../history/entity-names.ts';
import type { ProseText } from './markdown-scan.ts';

/** A name of a known entity written in the text without a mention around it. */
export interface UnmarkedName {
  kind: EntityKind;
  slug: string;
  entityName: string;
  /** The words as written. */
  text: string;
  line: number;
}

interface Candidate {
  named: NamedEntity;
  words: string[];
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const startsUpper = (s: string) => {
  const first = [...s][0] ?? '';
  return first !== first.toLowerCase();
};
const fold = (s: string) => s.normalize('NFKC').toLowerCase();

function add(map: Map<string, Candidate[]>, c: Candidate) {
  const list = map.get(c.words[0]!) ?? [];
  list.push(c);
  map.set(c.words[0]!, list);
}

/** Names by their first word; names in scripts without spaces are looked for as they are, anywhere. */
function candidates(index: EntityNameIndex, skip: ReadonlySet<number>) {
  const byFirstWord = new Map<string, Candidate[]>();
  const unspaced: NamedEntity[] = [];
  for (const named of index.names) {
    if (skip.has(named.entityId) || [...named.key].length < 2) continue;
    if ([...named.key].some(isUnspaced)) {
      unspaced.push(named);
      continue;
    }
    const words = named.key.split(' ');
    add(byFirstWord, { named, words });
    // A person is often written by the surname alone: "Zhukov" for Georgy Zhukov.
    const surname = words.at(-1)!;
    if (named.kind === 'person' && words.length > 1 && [...surname].length >= 3)
      add(byFirstWord, { named: { ...named, name: named.name.split(/\s+/).at(-1) ?? named.name }, words: [surname] });
  }
  unspaced.sort((a, b) => b.name.length - a.name.length);
  // Longest first: "Georgy Zhukov" is found as itself, not as "Georgy".
  for (const list of byFirstWord.values()) list.sort((a, b) => b.words.length - a.words.length);
  return { byFirstWord, unspaced };
}

const lineAt = (prose: ProseText, index: number) => prose.line + (prose.text.slice(0, index).match(/\n/g)?.length ?? 0);

/** The names written as words of one run of prose, in order, each with where it starts and ends. */
function spacedMatches(prose: ProseText, byFirstWord: Map<string, Candidate[]>) {
  const tokens = [...prose.text.matchAll(WORD)];
  const keys = tokens.map((t) => normaliseName(t[0]));
  const found: { named: NamedEntity; start: number; end: number }[] = [];
  tokens.forEach((token, i) => {
    for (const c of byFirstWord.get(keys[i]!) ?? []) {
      if (!c.words.every((w, k) => keys[i + k] === w)) continue;
      // A name written with a capital is a name only when written so ("Mars", not "mars").
      if (startsUpper(c.named.name) && !startsUpper(token[0])) continue;
      const last = tokens[i + c.words.length - 1]!;
      found.push({ named: c.named, start: token.index, end: last.index + last[0].length });
      return;
    }
  });
  return found;
}

/**
 * Names in scripts without spaces, found anywhere in the run; a longer name wins over a shorter one inside it
 * ("ノモンハン事件", the battle, not "ノモンハン", the place).
 */
function unspacedMatches(prose: ProseText, unspaced: readonly NamedEntity[]) {
  const folded = fold(prose.text);
  const found: { named: NamedEntity; start: number; end: number }[] = [];
  for (const named of unspaced) {
    const start = folded.indexOf(fold(named.name));
    const end = start + named.name.length;
    if (start >= 0 && !found.some((f) => start < f.end && end > f.start)) found.push({ named, start, end });
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * The names of known entities that the prose writes without marking them, once per entity at its first place,
 * leaving out the entities in `skip` (those the text already marks somewhere), links and mentions' own words, and
 * code (never in the prose). Names compare normalised (entity-names.ts); Japanese and Chinese names anywhere in a run.
 */
export function findUnmarkedNames(
  prose: readonly ProseText[],
  index: EntityNameIndex,
  skip: ReadonlySet<number>,
): UnmarkedName[] {
  const { byFirstWord, unspaced } = candidates(index, skip);
  const reported = new Set<number>();
  const out: UnmarkedName[] = [];
  const report = (named: NamedEntity, p: ProseText, start: number, end: number) => {
    if (reported.has(named.entityId)) return;
    reported.add(named.entityId);
    const { kind, slug, entityName } = named;
    out.push({ kind, slug, entityName, text: p.text.slice(start, end), line: lineAt(p, start) });
  };
  for (const p of prose) {
    if (p.inLink) continue;
    for (const m of spacedMatches(p, byFirstWord)) report(m.named, p, m.start, m.end);
    for (const m of unspacedMatches(p, unspaced)) report(m.named, p, m.start, m.end);
  }
  return out;
}
