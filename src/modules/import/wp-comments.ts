import type { CommentStatus } from '../../storage/schema.ts';
import { recountPostComments } from '../comments/comment.repository.ts';
import { type RenderedComment, renderStoredComment } from '../comments/comment-markdown.ts';
import { htmlToMarkdown } from './html-to-markdown.ts';
import { fillOwnThreads, findMappedMany, setMappedMany } from './import.repository.ts';
import { addToList, noteLine } from './import-report.ts';
import type { ImportRun } from './import-run.ts';
import { type CommentValues, type Placed, placeImportedComment, storedCommentMarkdown } from './imported-comments.ts';
import { autop } from './wp-autop.ts';
import type { WxrComment, WxrItem } from './wxr.types.ts';

const STATUS: Record<string, CommentStatus> = {
  '1': 'approved',
  '0': 'held',
  spam: 'spam',
  trash: 'trash',
  'post-trashed': 'trash',
};

/** Renders started ahead of the comment being written: enough to keep the worker threads busy, few enough to hold. */
const RENDER_AHEAD = 64;

/** A comment in the order it is placed, with the old id of the parent it goes under (undefined: top level). */
interface Ordered {
  c: WxrComment;
  parentId: string | undefined;
}

/** An item's comments ordered, their values read and their first renders started: done as the item is read. */
export interface CommentsAhead {
  order: (Ordered & { oldId: string; values: CommentValues })[];
  renders: Promise<RenderedComment>[];
  renderUpTo: (n: number) => void;
}

/** Starts an item's comments ahead of their turn (undefined when it has none to place). */
export function startComments(run: ImportRun, item: WxrItem, postDate: string): CommentsAhead | undefined {
  if (item.comments.length === 0) return undefined;
  const itemId = item.id ?? `#${item.position}`;
  const comments: WxrComment[] = [];
  for (const c of item.comments) {
    if (c.type === 'pingback' || c.type === 'trackback') run.report.pingbacksSkipped++;
    else comments.push(c);
  }
  const order = placementOrder(comments).map((o) => {
    const oldId = `${itemId}:${o.c.id}`;
    return { ...o, oldId, values: commentValues(run, o.c, oldId, postDate) };
  });
  const renders: Promise<RenderedComment>[] = [];
  const renderUpTo = (n: number) => {
    for (const o of order.slice(renders.length, n)) {
      const r = renderStoredComment(storedCommentMarkdown(o.values));
      // Awaited in its turn; a placement that fails first must not leave this one's failure unhandled.
      r.catch(() => undefined);
      renders.push(r);
    }
  };
  renderUpTo(RENDER_AHEAD);
  return { order, renders, renderUpTo };
}

/**
 * An item's comments, threaded once all of them are read: comment ids are unique per item, so a reply may come
 * before its parent in the file. A reply whose parent is missing (or part of a loop) becomes a top-level
 * comment and is reported. Pingbacks and trackbacks are counted and left out. Imported comments are stored as
 * they were moderated on the old site: no moderation pipeline, no mail. Each comment's Markdown is rendered in
 * the worker threads a little ahead of its turn, so rendering and writing run side by side.
 */
export async function importComments(run: ImportRun, postId: number, ahead: CommentsAhead | undefined): Promise<void> {
  if (!ahead) return;
  const { order, renders, renderUpTo } = ahead;
  const mapped = await findMappedMany(
    run.deps.db,
    run.source,
    'comment',
    order.map((o) => o.oldId),
  );
  const placed = new Map<string, Placed>();
  const newMaps: { oldId: string; newId: number }[] = [];
  for (const [i, { c, parentId, oldId, values }] of order.entries()) {
    renderUpTo(i + 1 + RENDER_AHEAD);
    const parent = parentId ? placed.get(parentId) : undefined;
    if (c.parent && c.parent !== '0' && !parent) addToList(run.report, 'orphanComments', oldId);
    const at = await placeImportedComment(run, {
      oldId,
      postId,
      parent,
      values,
      rendered: renders[i],
      mapped: mapped.get(oldId) ?? null,
      batched: true,
    });
    if (at.id !== mapped.get(oldId)) newMaps.push({ oldId, newId: at.id });
    placed.set(c.id, at);
  }
  await setMappedMany(run.deps.db, run.source, 'comment', newMaps);
  await fillOwnThreads(run.deps.db, postId);
  await recountPostComments(run.deps.db, postId);
}

/**
 * Parents first: each pass takes the comments whose parent is placed (or absent from the item); what is never
 * taken is a loop, and goes in at the top level.
 */
function placementOrder(comments: WxrComment[]): Ordered[] {
  const ids = new Set(comments.map((c) => c.id));
  const taken = new Set<string>();
  const order: Ordered[] = [];
  let left = comments;
  while (left.length > 0) {
    const next: WxrComment[] = [];
    for (const c of left) {
      const parentId = c.parent && c.parent !== '0' ? c.parent : undefined;
      if (parentId && ids.has(parentId) && parentId !== c.id && !taken.has(parentId)) next.push(c);
      else {
        order.push({ c, parentId });
        taken.add(c.id);
      }
    }
    if (next.length === left.length) {
      for (const c of next) order.push({ c, parentId: undefined });
      break;
    }
    left = next;
  }
  return order;
}

/** What is stored for one comment: its approval state (held, with a note, when the file has none) and its date. */
function commentValues(run: ImportRun, c: WxrComment, oldId: string, postDate: string): CommentValues {
  let status = c.approved === undefined ? undefined : STATUS[c.approved];
  if (!status) {
    status = 'held';
    noteLine(run.report, {
      kind: 'comment',
      oldId,
      outcome: 'note',
      reason: 'no approval state in the file: held for moderation',
    });
  }
  return {
    authorName: c.author,
    email: c.email,
    url: c.url,
    ip: c.ip,
    createdAt: commentDate(c) ?? postDate,
    markdown: htmlToMarkdown(autop(c.content)),
    status,
  };
}

function commentDate(c: WxrComment): string | undefined {
  for (const [d, zone] of [
    [c.dateGmt, 'Z'],
    [c.date, 'Z'],
  ] as const) {
    if (!d || /^0000-00-00/.test(d)) continue;
    const t = Date.parse(`${d.replace(' ', 'T')}${zone}`);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  return undefined;
}
