import type { Db } from '../../storage/schema.ts';
import { findCurrentSlugFor, findPostBySlug, isPostVisible } from '../content/post.repository.ts';
import { diffSnapshots, type FieldDiff, type PostSnapshot } from '../content/revision-diff.ts';
import type { TocEntry } from '../markdown/render-markdown.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { renderCitedMarkdown } from '../sources/cited-markdown.ts';
import { listArticleCorrections } from './corrections-log.service.ts';
import type { CorrectionLogEntry } from './corrections-log.types.ts';
import { findPublishedRevision, listPublishedRevisions } from './reader-revisions.repository.ts';

// Readers' view of an article's history: its published revisions only (post_revisions.status = 'published').
// Drafts, saves in review and autosaves are never shown: asking for one is the same 404 as a number never used.

export interface ReaderRevisionDeps {
  db: Db;
  clock: Clock;
}

export interface ReadablePost {
  id: number;
  slug: string;
  title: string;
  publishedAt: string;
}

/** The article moved to another slug: the same page is at this one. */
export interface MovedArticle {
  kind: 'redirect';
  slug: string;
}

export interface PublishedRevisionSummary {
  number: number;
  title: string;
  /** When this version was published (its save). */
  createdAt: string;
  /** The log entries this version carries (recorded with it). */
  corrections: CorrectionLogEntry[];
}

const noSuchRevision = (slug: string, n: number) =>
  new AppError('REVISION_NOT_FOUND', 'This article has no published version with that number.', {
    detail: `${slug.slice(0, 200)} revision ${n}`,
  });

/** The article readers may see at `slug`, a redirect when the slug is an old one, or POST_NOT_FOUND. */
async function readablePost(deps: ReaderRevisionDeps, slug: string): Promise<ReadablePost | MovedArticle> {
  const row = await findPostBySlug(deps.db, slug);
  if (!row || !isPostVisible(row, deps.clock.now().toISOString()) || row.published_at === null) {
    const current = row ? undefined : await findCurrentSlugFor(deps.db, slug);
    if (current) return { kind: 'redirect', slug: current };
    throw new AppError('POST_NOT_FOUND', 'There is no article at this address.', { detail: slug.slice(0, 200) });
  }
  return { id: row.id, slug: row.slug, title: row.title, publishedAt: row.published_at };
}

/**
 * When readers were first shown a version: its save, except that the first version counts from the article's
 * publication time when that is earlier (a post imported or seeded with its original date).
 */
function shownAt(post: ReadablePost, rev: { number: number; created_at: string }, oldest: number | undefined) {
  return rev.number === oldest && post.publishedAt < rev.created_at ? post.publishedAt : rev.created_at;
}

/** An article's published versions, newest first, each with the corrections it carries. */
export async function listRevisionsForReaders(
  deps: ReaderRevisionDeps,
  input: { slug: string },
): Promise<MovedArticle | { kind: 'list'; post: ReadablePost; revisions: PublishedRevisionSummary[] }> {
  const post = await readablePost(deps, input.slug);
  if ('kind' in post) return post;
  const [rows, corrections] = await Promise.all([
    listPublishedRevisions(deps.db, post.id),
    listArticleCorrections(deps, post.id),
  ]);
  return {
    kind: 'list',
    post,
    revisions: rows.map((r) => ({
      number: r.number,
      title: r.title,
      createdAt: shownAt(post, r, rows.at(-1)?.number),
      corrections: corrections.filter((c) => c.revisionNumber === r.number),
    })),
  };
}

export interface RevisionAsItWas {
  kind: 'revision';
  post: ReadablePost;
  revision: { number: number; title: string; standfirst: string; html: string; toc: TocEntry[]; createdAt: string };
  /** The newest published version's number (the one readers see now, unless edited since without a note). */
  latestNumber: number;
  corrections: CorrectionLogEntry[];
}

/** The article as it was at one published revision, rendered from that revision's Markdown. */
export async function revisionForReaders(
  deps: ReaderRevisionDeps,
  input: { slug: string; number: number },
): Promise<MovedArticle | RevisionAsItWas> {
  const post = await readablePost(deps, input.slug);
  if ('kind' in post) return post;
  const rev = await findPublishedRevision(deps.db, post.id, input.number);
  if (!rev) throw noSuchRevision(post.slug, input.number);
  const all = await listPublishedRevisions(deps.db, post.id);
  // As the article renders now: cited sources formatted in the site's style, with its notes and bibliography.
  const rendered = await renderCitedMarkdown(deps.db, rev.body_md);
  const corrections = (await listArticleCorrections(deps, post.id)).filter((c) => c.revisionNumber === rev.number);
  return {
    kind: 'revision',
    post,
    revision: {
      number: rev.number,
      title: rev.title,
      standfirst: rev.standfirst,
      html: rendered.html,
      toc: rendered.toc,
      createdAt: shownAt(post, rev, all.at(-1)?.number),
    },
    latestNumber: all[0]?.number ?? rev.number,
    corrections,
  };
}

/**
 * A published version as readers read it: the body is the rendered text (one line per block, cites formatted as
 * notes), never the Markdown source, so a diff shows words and not `##` or `[^3]`.
 */
async function readerSnapshot(
  db: Db,
  r: { title: string; standfirst: string; body_md: string },
): Promise<PostSnapshot> {
  const rendered = await renderCitedMarkdown(db, r.body_md);
  return { title: r.title, slug: '', standfirst: r.standfirst, excerpt: '', body: rendered.text, meta: {} };
}

/** What changed between two published versions: title, standfirst and the body's rendered words, word by word. */
export async function compareRevisionsForReaders(
  deps: ReaderRevisionDeps,
  input: { slug: string; from: number; to: number },
): Promise<
  | MovedArticle
  | {
      kind: 'diff';
      post: ReadablePost;
      from: { number: number; createdAt: string };
      to: { number: number; createdAt: string };
      changes: FieldDiff[];
    }
> {
  const post = await readablePost(deps, input.slug);
  if ('kind' in post) return post;
  const [a, b, all] = await Promise.all([
    findPublishedRevision(deps.db, post.id, input.from),
    findPublishedRevision(deps.db, post.id, input.to),
    listPublishedRevisions(deps.db, post.id),
  ]);
  const oldest = all.at(-1)?.number;
  if (!a) throw noSuchRevision(post.slug, input.from);
  if (!b) throw noSuchRevision(post.slug, input.to);
  const [before, after] = await Promise.all([readerSnapshot(deps.db, a), readerSnapshot(deps.db, b)]);
  return {
    kind: 'diff',
    post,
    from: { number: a.number, createdAt: shownAt(post, a, oldest) },
    to: { number: b.number, createdAt: shownAt(post, b, oldest) },
    changes: diffSnapshots(before, after),
  };
}
