import type { CommentStatus } from '../../storage/schema.ts';
import { type RenderedComment, renderStoredComment } from '../comments/comment-markdown.ts';
import {
  commentExists,
  findMapped,
  type ImportedComment,
  insertImportedComment,
  setMapped,
  updateImportedComment,
} from './import.repository.ts';
import { count } from './import-report.ts';
import type { ImportRun } from './import-run.ts';

/**
 * What every importer does with a comment it has read (WordPress, Disqus): render its Markdown with the
 * comments' own renderer, store it as it was moderated on the old site (never through the moderation pipeline,
 * so no mail is queued), count it, and map its old id so a re-run updates it instead of adding it again.
 */

/** A comment already in the site, as its replies need it. */
export interface Placed {
  id: number;
  thread: number;
  depth: number;
}

export interface CommentValues {
  authorName: string;
  email: string;
  url: string;
  ip: string;
  /** ISO time. */
  createdAt: string;
  markdown: string;
  status: CommentStatus;
}

/** The Markdown a comment is stored with: an empty one says so. */
export const storedCommentMarkdown = (v: Pick<CommentValues, 'markdown'>): string => v.markdown || '(empty comment)';

/** One comment to place; `rendered` and `mapped` may be worked out ahead by a caller placing many. */
export interface PlaceCommentInput {
  oldId: string;
  postId: number;
  parent: Placed | undefined;
  values: CommentValues;
  /** Its Markdown rendered already (started early so the worker threads render while this one writes). */
  rendered?: Promise<RenderedComment>;
  /** The id an earlier run gave it (null: none); looked up when left out. */
  mapped?: number | null;
  /**
   * Leaves the map row and a new top-level comment's thread id to the caller, who writes them for many at once
   * (setMappedMany, fillOwnThreads).
   */
  batched?: boolean;
}

/** Stores one comment under `parent` (undefined: a top-level comment) and resolves to where it is. */
export async function placeImportedComment(run: ImportRun, a: PlaceCommentInput): Promise<Placed> {
  const { parent, values: v } = a;
  const md = storedCommentMarkdown(v);
  const rendered = await (a.rendered ?? renderStoredComment(md));
  const row: ImportedComment = {
    post_id: a.postId,
    parent_id: parent?.id ?? null,
    thread_id: parent?.thread ?? null,
    depth: parent ? parent.depth + 1 : 0,
    author_name: (v.authorName.trim() || 'Anonymous').slice(0, 200),
    author_email: v.email.trim().toLowerCase().slice(0, 320),
    author_url: /^https?:\/\//i.test(v.url.trim()) ? v.url.trim().slice(0, 500) : null,
    user_id: null,
    body_md: md,
    body_html: rendered.html,
    quoted_comment_id: null,
    quoted_text: null,
    status: v.status,
    reasons_json: JSON.stringify([
      { phase: 'import', action: v.status, code: 'IMPORTED', message: `Imported from ${run.source}.` },
    ]),
    ip: v.ip.trim().slice(0, 64),
    created_at: v.createdAt,
    approved_at: v.status === 'approved' ? v.createdAt : null,
  };
  const mapped =
    a.mapped === undefined ? await findMapped(run.deps.db, run.source, 'comment', a.oldId) : (a.mapped ?? undefined);
  let id: number;
  if (mapped !== undefined && (await commentExists(run.deps.db, mapped))) {
    id = mapped;
    await updateImportedComment(run.deps.db, id, row);
    count(run.report, 'comment', 'updated');
  } else {
    id = await insertImportedComment(run.deps.db, row, a.batched);
    if (!a.batched) await setMapped(run.deps.db, run.source, 'comment', a.oldId, id);
    count(run.report, 'comment', 'imported');
  }
  return { id, thread: parent?.thread ?? id, depth: parent ? parent.depth + 1 : 0 };
}
