import type { Db } from '../../storage/schema.ts';
import { resolveMentions } from '../history/entities.service.ts';
import { citeKeysOf } from '../markdown/cite-directive.ts';
import type { RenderedMarkdown } from '../markdown/render-markdown.ts';
import { type CitationStyle, isCitationStyle } from '../settings/citation-styles.ts';
import { runBounded, WorkTooCostly } from '../shared/bounded-work.ts';
import { AppError } from '../shared/errors.ts';
import { readSetting } from '../shared/settings.repository.ts';
import { findSourceRowsByKeys } from './source.repository.ts';
import { isValidKey } from './source-form.ts';
import { sourceOf } from './sources.service.ts';

/** The site setting that chooses the style (its one row read directly: every article render asks for it). */
export const CITATION_STYLE_SETTING = 'citationStyle';
export const DEFAULT_CITATION_STYLE: CitationStyle = 'chicago';

const CITE = /:cite\[([^\]\n]{1,400})\]/g;

/** The source keys a body cites, each once, in order of first use (a cite in a code sample counts too). */
export function citedKeys(markdown: string): string[] {
  return writtenKeys(markdown).filter(isValidKey);
}

/** Every key as written (lower-cased), including ones that break the key rules ("glantz 1983"). */
function writtenKeys(markdown: string): string[] {
  const keys = new Set<string>();
  for (const m of markdown.matchAll(CITE)) for (const k of citeKeysOf(m[1]!)) keys.add(k);
  return [...keys];
}

/** The site's citation style (setting `citationStyle`, default Chicago). */
export async function loadCitationStyle(db: Db): Promise<CitationStyle> {
  const stored = await readSetting(db, CITATION_STYLE_SETTING);
  try {
    const v: unknown = stored === undefined ? undefined : JSON.parse(stored);
    return isCitationStyle(v) ? v : DEFAULT_CITATION_STYLE;
  } catch {
    return DEFAULT_CITATION_STYLE;
  }
}

export interface CitedRenderOptions {
  /** Default: the site's setting. */
  style?: CitationStyle;
  /** Mark unknown keys visibly (the editor's preview). */
  flagUnknown?: boolean;
}

/**
 * renderMarkdown with the body's `:cite[…]` formatted and its entity mentions linked: loads the cited sources,
 * the site's style and the mentioned entities, then renders (numbered notes merged with footnotes, and a bibliography). Use it for every article body: saving,
 * refreshing a stale render, the editor's preview, old revisions.
 */
export async function renderCitedMarkdown(
  db: Db,
  markdown: string,
  opts: CitedRenderOptions = {},
): Promise<RenderedMarkdown> {
  const keys = citedKeys(markdown);
  const [style, rows, mentioned] = await Promise.all([
    opts.style ? Promise.resolve(opts.style) : loadCitationStyle(db),
    findSourceRowsByKeys(db, keys),
    resolveMentions(db, markdown),
  ]);
  const input: CitedArticleInput = {
    source: markdown,
    style,
    items: rows.map((r) => sourceOf(r).item),
    knownMentions: [...mentioned.keys()],
    flagUnknown: opts.flagUnknown ?? false,
  };
  try {
    return await runBounded<RenderedMarkdown>('article', input, ARTICLE_RENDER_DEADLINE_MS);
  } catch (err) {
    if (err instanceof WorkTooCostly) throw textTooComplex(err);
    throw err;
  }
}

/**
 * How long one article body may take to render in a worker. The longest demo article renders in about 50 ms
 * and a 300 KB one in under a second; a body that needs more was built to be slow.
 */
export const ARTICLE_RENDER_DEADLINE_MS = 5_000;

/** What the worker thread gets to render an article body (src/render-worker.ts): plain data only. */
export interface CitedArticleInput {
  source: string;
  style: CitationStyle;
  items: ReturnType<typeof sourceOf>['item'][];
  /** The entity mentions ("kind:slug") that lead to an entity's page. */
  knownMentions: string[];
  flagUnknown: boolean;
}

function textTooComplex(err: WorkTooCostly): AppError {
  const message =
    err.limit === 'time'
      ? 'The text took too long to turn into a page. Look for deeply nested lists, quotes or long runs of markup.'
      : 'The text needed too much memory to turn into a page. Look for long runs of markup.';
  return new AppError('TEXT_TOO_COMPLEX', message, { fields: { body: message }, cause: err });
}

/** The keys a body cites that no source has (for the preflight check). */
export async function unknownCitedKeys(db: Db, markdown: string): Promise<string[]> {
  const keys = writtenKeys(markdown);
  const known = new Set((await findSourceRowsByKeys(db, keys.filter(isValidKey))).map((r) => r.key));
  return keys.filter((k) => !known.has(k));
}
