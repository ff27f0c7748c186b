import { HIGHLIGHT_END, HIGHLIGHT_START } from '../../storage/search-index.ts';
import type { ContentDeps } from '../content/content.deps.ts';
import type { PostSummary } from '../content/content.types.ts';
import { findPostsByIds } from '../content/post.repository.ts';
import { summariesByIds } from '../content/reading.service.ts';
import { type EntityHit, findEntitiesNamed } from '../history/entity-lookup.service.ts';
import { AppError } from '../shared/errors.ts';
import { type Paged, type PageRequest, paged } from '../shared/paging.ts';

export const MAX_QUERY_LENGTH = 200;
const MAX_TERMS = 12;

/** A piece of a snippet: plain text, or text that matched the query. Views escape both. */
export type SnippetPart = { text: string; match: boolean };

export interface SearchResult {
  post: PostSummary;
  snippet: SnippetPart[];
}

/** Splits what a reader typed into words; query syntax means nothing here, every word is a plain term. */
export function searchTerms(q: string): string[] {
  if (q.length > MAX_QUERY_LENGTH) {
    throw new AppError('SEARCH_QUERY_TOO_LONG', `Search words can be at most ${MAX_QUERY_LENGTH} characters long.`, {
      detail: `length ${q.length}`,
    });
  }
  return (q.normalize('NFKC').match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? []).slice(0, MAX_TERMS);
}

export function snippetParts(raw: string): SnippetPart[] {
  // Indexed text has one block per line; in a snippet the breaks become a visible separator.
  const snippet = raw.replace(/\s*\n\s*/g, ' · ');
  const parts: SnippetPart[] = [];
  const re = new RegExp(`${HIGHLIGHT_START}([^${HIGHLIGHT_END}]*)${HIGHLIGHT_END}`, 'g');
  let last = 0;
  for (const m of snippet.matchAll(re)) {
    if (m.index > last) parts.push({ text: snippet.slice(last, m.index), match: false });
    parts.push({ text: m[1] ?? '', match: true });
    last = m.index + m[0].length;
  }
  if (last < snippet.length) parts.push({ text: snippet.slice(last), match: false });
  return parts;
}

/** A page of results, and the entities one of whose names the query is (shown above the results). */
export type SearchResults = Paged<SearchResult> & { entities: EntityHit[] };

/**
 * Full-text search over titles, standfirsts and bodies of what readers may see, best match first; when the query
 * is a name of a person, place, event or organisation, in any script or spelling, the published articles that
 * mention it are found too, after the others (decision 045).
 */
export async function searchPosts(
  deps: Pick<ContentDeps, 'db' | 'clock' | 'search' | 'memo'>,
  input: { q: string; page: PageRequest },
): Promise<SearchResults> {
  const terms = searchTerms(input.q);
  const entities = await findEntitiesNamed(deps, input.q);
  const { hits, total } = await deps.search.query(
    terms,
    {
      limit: input.page.perPage,
      offset: (input.page.page - 1) * input.page.perPage,
      visibleAt: deps.clock.now().toISOString(),
    },
    { mentioning: entities.map((e) => e.id) },
  );
  const rows = await findPostsByIds(
    deps.db,
    hits.map((h) => h.postId),
  );
  const summaries = new Map((await summariesByIds(deps, rows)).map((s) => [s.id, s]));
  const results: SearchResult[] = [];
  for (const h of hits) {
    const post = summaries.get(h.postId);
    if (post) results.push({ post, snippet: snippetParts(h.snippet) });
  }
  return { ...paged(results, input.page, total), entities };
}

const PATH_NOISE = new Set(['category', 'tag', 'author', 'feed', 'page', 'comments', 'www', 'html', 'php', 'index']);

/**
 * Articles a reader may have meant when an address led nowhere: the words of the path, searched (all of them,
 * then the first two). "/khalkin-gol-1939/" is not found, but "/khalkhin-gol-battle/" suggests the article.
 */
export async function suggestForPath(
  deps: Pick<ContentDeps, 'db' | 'clock' | 'search' | 'memo'>,
  path: string,
): Promise<{ words: string; posts: PostSummary[] }> {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // a malformed path still has words in it
  }
  const words = (decoded.match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => w.length >= 3 && !/^\d+$/.test(w) && !PATH_NOISE.has(w.toLowerCase()))
    .slice(0, 6);
  for (const tryWords of [words, words.slice(0, 2)]) {
    if (tryWords.length === 0) break;
    const found = await searchPosts(deps, { q: tryWords.join(' '), page: { page: 1, perPage: 3 } });
    if (found.items.length > 0) return { words: tryWords.join(' '), posts: found.items.map((r) => r.post) };
  }
  return { words: words.join(' '), posts: [] };
}
