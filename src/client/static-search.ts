/**
 * Search in a static copy of the site (`annalist export static`), where no server answers /search: the page's
 * `#static-search` names a prebuilt index (every published article and page: address, title, excerpt) and the
 * word files it is split into (src/modules/export/static-search-index.ts). This island reads `?q=`, fetches the
 * word files its words need, and lists the articles holding every word (a query word matches the words it
 * begins), as the server's search page does. Without JavaScript the page says where else to look. Imports no
 * server code.
 */

interface SearchIndex {
  version: 2;
  /** [address relative to the index file, title, excerpt], numbered from 0. */
  articles: [string, string, string][];
  /** Key -> the word file (relative to the index file) holding the words that begin with that key. */
  words: Record<string, string>;
}

/** A word file: word -> the numbers of the articles it occurs in. */
type WordFile = Record<string, number[]>;

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const MAX_RESULTS = 50;

const area = document.getElementById('static-search');
const query = (new URLSearchParams(location.search).get('q') ?? '').trim().slice(0, 200);

/** The articles holding a word that `word` begins, from the word files fetched for it. */
function articlesWith(word: string, files: WordFile[]): Set<number> {
  const found = new Set<number>();
  for (const file of files)
    for (const [indexed, numbers] of Object.entries(file))
      if (indexed.startsWith(word)) for (const n of numbers) found.add(n);
  return found;
}

/** The word files a word may be in: those whose key begins it, and those whose key it begins. */
function filesFor(word: string, index: SearchIndex): string[] {
  return Object.entries(index.words)
    .filter(([key]) => word.startsWith(key) || key.startsWith(word))
    .map(([, file]) => file);
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (className) el.className = className;
  return el;
}

/** The matches, best first: every word must be in the article; a word of its title counts more. */
async function search(words: string[], index: SearchIndex, indexUrl: URL): Promise<number[]> {
  const names = [...new Set(words.flatMap((w) => filesFor(w, index)))];
  const files = new Map(
    await Promise.all(
      names.map(async (name): Promise<[string, WordFile]> => {
        const response = await fetch(new URL(name, indexUrl));
        if (!response.ok) throw new Error(String(response.status));
        return [name, (await response.json()) as WordFile];
      }),
    ),
  );
  let found: Set<number> | undefined;
  for (const word of words) {
    const holding = articlesWith(
      word,
      filesFor(word, index).map((name) => files.get(name)!),
    );
    found = found ? new Set([...found].filter((n) => holding.has(n))) : holding;
  }
  const score = (n: number) => {
    const title = ` ${index.articles[n]![1].toLowerCase()} `;
    return words.reduce((total, word) => total + (title.includes(` ${word}`) ? 3 : 1), 0);
  };
  return [...(found ?? [])].sort((a, b) => score(b) - score(a) || a - b).slice(0, MAX_RESULTS);
}

function show(found: number[], index: SearchIndex, indexUrl: URL): void {
  if (!area) return;
  const status = element('p', '', 'search-count');
  status.setAttribute('role', 'status');
  status.textContent = found.length
    ? `${found.length} ${found.length === 1 ? 'result' : 'results'} for “${query}”`
    : `Nothing matched “${query}”. Try fewer or different words.`;
  const list = element('ol', undefined, 'post-list search-results');
  for (const n of found) {
    const [address, title, excerpt] = index.articles[n]!;
    const card = element('article', undefined, 'post-card');
    const heading = element('h2', undefined, 'post-card__title');
    const link = element('a', title);
    link.href = new URL(address, indexUrl).href;
    heading.append(link);
    card.append(heading);
    if (excerpt) card.append(element('p', excerpt, 'snippet'));
    const item = element('li');
    item.append(card);
    list.append(item);
  }
  area.replaceChildren(status, ...(found.length ? [list] : []));
}

async function start(): Promise<void> {
  if (!area) return;
  const input = document.querySelector<HTMLInputElement>('main input[name="q"]');
  if (input) input.value = query;
  const words = [...new Set(query.toLowerCase().match(WORD) ?? [])];
  if (!query) {
    area.replaceChildren();
    return;
  }
  const indexUrl = new URL(area.dataset.index ?? 'search-index.json', location.href);
  try {
    const response = await fetch(indexUrl);
    if (!response.ok) throw new Error(String(response.status));
    const index = (await response.json()) as SearchIndex;
    show(words.length ? await search(words, index, indexUrl) : [], index, indexUrl);
  } catch {
    area.replaceChildren(element('p', 'The search index of this copy could not be loaded.'));
  }
}

void start();
