import { isReservedSlug } from '../content/editor-form.ts';
import { findPostById, findPostBySlug } from '../content/post.repository.ts';
import { type PostInput, type Prerendered, writePost } from '../content/post-writer.service.ts';
import { authorsOfPosts } from '../content/taxonomy.repository.ts';
import { isAppError } from '../shared/errors.ts';
import { findMapped, setMapped } from './import.repository.ts';
import { count, noteLine } from './import-report.ts';
import type { ImportRun } from './import-run.ts';

/**
 * What every importer does with a post or page it has read (WordPress, Ghost): find what an earlier run made
 * of the same old id, choose a free slug, write it through the post writer (rendered, indexed, with a
 * revision) unless nothing changed, count it and remember the old id.
 */

type StoredPost = NonNullable<Awaited<ReturnType<typeof findPostById>>>;

/** The post an earlier run of the same source made of `oldId`, if it is still there. */
export async function findImportedPost(
  run: ImportRun,
  kind: 'post' | 'page',
  oldId: string | undefined,
): Promise<StoredPost | undefined> {
  const mapped = oldId ? await findMapped(run.deps.db, run.source, kind, oldId) : undefined;
  return mapped !== undefined ? await findPostById(run.deps.db, mapped) : undefined;
}

/** The exported slug when it is free and not one of our own addresses; otherwise the first free `-2`, `-3`… */
/** A field's value within its limit; a longer one is cut and the cut is a line in the report, never silent. */
export function fitField(note: (reason: string) => void, field: string, value: string, limit: number): string {
  if (value.length <= limit) return value;
  note(`its ${field} was longer than ${limit} characters: cut to fit`);
  return value.slice(0, limit);
}

export async function chooseSlug(run: ImportRun, wanted: string, ownId: number | undefined): Promise<string> {
  const base = wanted.slice(0, 180).replace(/-+$/, '');
  const free = async (s: string) => {
    if (isReservedSlug(s)) return false;
    const other = await findPostBySlug(run.deps.db, s);
    return !other || other.id === ownId;
  };
  if (await free(base)) return base;
  for (let n = 2; ; n++) if (await free(`${base}-${n}`)) return `${base}-${n}`;
}

function unchanged(before: StoredPost, input: PostInput): boolean {
  return (
    before.slug === input.slug &&
    before.title === input.title &&
    before.body_md === input.bodyMarkdown &&
    before.excerpt === (input.excerpt ?? '') &&
    before.status === input.status &&
    before.published_at === (input.publishedAt ?? null) &&
    before.cover_src === (input.cover?.src ?? null) &&
    before.seo_title === (input.seoTitle ?? null) &&
    before.seo_description === (input.seoDescription ?? null) &&
    // The sticky flag and the page tree, where the importer gives them (undefined keeps what is stored).
    (input.sticky === undefined || before.sticky === (input.type === 'post' && input.sticky ? 1 : 0)) &&
    (input.parentId === undefined || before.parent_id === (input.type === 'page' ? input.parentId : null)) &&
    (input.menuOrder === undefined || before.menu_order === input.menuOrder)
  );
}

/** Whether the post already carries these bylines, in this order (an author map given on a re-run changes them). */
async function sameBylines(run: ImportRun, postId: number, slugs: string[]): Promise<boolean> {
  const now = (await authorsOfPosts(run.deps.db, [postId])).map((a) => a.slug);
  return now.length === slugs.length && now.every((s, i) => s === slugs[i]);
}

/**
 * Writes the post (`before` is what an earlier run made of it) and maps `oldId` to it. Resolves to its id, or
 * undefined when the post writer refused it (counted as failed and reported with the reason).
 */
export async function writeImportedPost(
  run: ImportRun,
  p: {
    kind: 'post' | 'page';
    oldId: string;
    mapId: string | undefined;
    before: StoredPost | undefined;
    input: PostInput;
    /** The body rendered ahead (prerenderCited), used when it is still the body being written. */
    rendered?: Prerendered;
  },
): Promise<number | undefined> {
  const { kind, oldId, before, input } = p;
  let postId: number;
  if (before && unchanged(before, input) && (await sameBylines(run, before.id, input.authorSlugs ?? []))) {
    postId = before.id;
    count(run.report, kind, 'unchanged');
  } else {
    try {
      const saved = await writePost(
        run.deps,
        { ...input, id: before?.id },
        { revision: { kind: 'save', extra: { importedFrom: run.source } }, rendered: p.rendered },
      );
      postId = saved.id;
    } catch (err) {
      if (!isAppError(err)) throw err;
      count(run.report, kind, 'failed');
      noteLine(run.report, { kind, oldId, outcome: 'failed', reason: err.publicMessage });
      return undefined;
    }
    count(run.report, kind, before ? 'updated' : 'imported');
  }
  if (p.mapId) await setMapped(run.deps.db, run.source, kind, p.mapId, postId);
  return postId;
}
