/**
 * The search index of a static copy (`annalist export static`), split so that a reader's browser fetches only
 * what a query needs: `search-index.json` lists every article and page (address, title, a short excerpt) and
 * names the word files; each word file holds the words that begin with its key, each with the numbers of the
 * articles it occurs in. A word file past SHARD_BYTES is split by the next letter of its words. Pure: the
 * caller writes the files. The browser half is src/client/static-search.ts.
 */

export const SEARCH_INDEX_FILE = 'search-index.json';
const SHARD_FOLDER = 'search-index';
/** A word file's size before it is split by the next letter (a query fetches a few of them). */
export const SHARD_BYTES = 24 * 1024;
/** Keys stop growing here: a word file for one prefix of four letters holds what it holds. */
const MAX_KEY_LENGTH = 4;
/** The excerpt shown under a result: the standfirst, cut at a word past this many characters. */
const EXCERPT_CHARS = 200;

export interface IndexedArticle {
  /** The article's address in the copy, relative to its root (`khalkhin-gol-1939/`). */
  address: string;
  title: string;
  standfirst: string;
  /** Its distinct words, lower case. */
  words: string[];
}

/** A file of the index: its path in the copy and its bytes (the same bytes for the same articles). */
export interface IndexFile {
  file: string;
  bytes: Buffer;
}

type Posting = [word: string, articles: number[]];

/** The index's files: `search-index.json` first, then the word files. */
export function buildSearchIndex(articles: IndexedArticle[], shardBytes = SHARD_BYTES): IndexFile[] {
  const sorted = [...articles].sort((a, b) => compare(a.address, b.address));
  const postings = new Map<string, number[]>();
  sorted.forEach((article, n) => {
    for (const word of new Set(article.words)) {
      const list = postings.get(word);
      if (list) list.push(n);
      else postings.set(word, [n]);
    }
  });
  const shards = new Map<string, Posting[]>();
  place(
    [...postings].sort(([a], [b]) => compare(a, b)),
    '',
    shards,
    shardBytes,
  );
  const keys = [...shards.keys()].sort(compare);
  const index = {
    version: 2,
    articles: sorted.map((a) => [a.address, a.title, excerpt(a.standfirst)]),
    words: Object.fromEntries(keys.map((key) => [key, shardFile(key)])),
  };
  return [
    { file: SEARCH_INDEX_FILE, bytes: json(index) },
    ...keys.map((key) => ({ file: shardFile(key), bytes: json(Object.fromEntries(shards.get(key)!)) })),
  ];
}

/**
 * Puts the words (sorted, all beginning with `key`) in one file, or groups them by their next letter and places
 * each group; a word that is the key itself stays under the key. Every word ends under a key that begins it, so
 * the browser finds the words beginning with a query word in the files whose key begins it or that it begins.
 */
function place(words: Posting[], key: string, out: Map<string, Posting[]>, shardBytes: number): void {
  const length = [...key].length;
  if (key && (length >= MAX_KEY_LENGTH || json(Object.fromEntries(words)).length <= shardBytes)) {
    out.set(key, words);
    return;
  }
  const groups = new Map<string, Posting[]>();
  for (const posting of words) {
    const next = [...posting[0]].slice(0, length + 1).join('');
    const group = groups.get(next);
    if (group) group.push(posting);
    else groups.set(next, [posting]);
  }
  for (const [next, group] of groups) {
    if (next === key) out.set(key, group);
    else place(group, next, out, shardBytes);
  }
}

/** `search-index/words-ab.json`; a letter outside a-z0-9 is written as its code point (`_e9`). */
function shardFile(key: string): string {
  const name = [...key].map((c) => (/^[a-z0-9]$/.test(c) ? c : `_${c.codePointAt(0)!.toString(16)}`)).join('');
  return `${SHARD_FOLDER}/words-${name}.json`;
}

function excerpt(text: string): string {
  if (text.length <= EXCERPT_CHARS) return text;
  const cut = text.slice(0, EXCERPT_CHARS);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), EXCERPT_CHARS / 2)).trimEnd()}…`;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const json = (value: unknown) => Buffer.from(`${JSON.stringify(value)}\n`);
