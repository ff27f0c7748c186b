import type { CommentStatus } from '../../storage/schema.ts';
import { recountPostComments } from '../comments/comment.repository.ts';
import { htmlToMarkdown } from './html-to-markdown.ts';
import { noteLine } from './import-report.ts';
import type { ImportRun } from './import-run.ts';
import { type Placed, placeImportedComment } from './imported-comments.ts';
import { autop } from './wp-autop.ts';
import type { WxrComment, WxrItem } from './wxr.types.ts';

const STATUS: Record<string, CommentStatus> = {
  '1': 'approved',
  '0': 'held',
  spam: 'spam',
  trash: 'trash',
  'post-trashed': 'trash',
};

/**
 * An item's comments, threaded once all of them are read: comment ids are unique per item, so a reply may come
 * before its parent in the file. A reply whose parent is missing (or part of a loop) becomes a top-level
 * comment and is reported. Pingbacks and trackbacks are counted and left out. Imported comments are stored as
 * they were moderated on the old site: no moderation pipeline, no mail.
 */
export async function importComments(run: ImportRun, item: WxrItem, postId: number, postDate: string): Promise<void> {
  if (item.comments.length === 0) return;
  const itemId = item.id ?? `#${item.position}`;
  const comments: WxrComment[] = [];
  for (const c of item.comments) {
    if (c.type === 'pingback' || c.type === 'trackback') run.report.pingbacksSkipped++;
    else comments.push(c);
  }
  const ids = new Set(comments.map((c) => c.id));
  const placed = new Map<string, Placed>();
  let left = comments;
  // Parents first: each pass places the comments whose parent is placed (or absent); what never gets placed
  // is a loop.
  while (left.length > 0) {
    const next: WxrComment[] = [];
    for (const c of left) {
      const parentId = c.parent && c.parent !== '0' ? c.parent : undefined;
      if (parentId && ids.has(parentId) && parentId !== c.id && !placed.has(parentId)) next.push(c);
      else
        await placeComment(run, {
          itemId,
          postId,
          postDate,
          c,
          parent: parentId ? placed.get(parentId) : undefined,
          placed,
        });
    }
    if (next.length === left.length) {
      for (const c of next) await placeComment(run, { itemId, postId, postDate, c, parent: undefined, placed });
      break;
    }
    left = next;
  }
  await recountPostComments(run.deps.db, postId);
}

async function placeComment(
  run: ImportRun,
  a: {
    itemId: string;
    postId: number;
    postDate: string;
    c: WxrComment;
    parent: Placed | undefined;
    placed: Map<string, Placed>;
  },
): Promise<void> {
  const { c, parent } = a;
  const oldId = `${a.itemId}:${c.id}`;
  if (c.parent && c.parent !== '0' && !parent) run.report.orphanComments.push(oldId);
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
  const at = commentDate(c) ?? a.postDate;
  const placed = await placeImportedComment(run, {
    oldId,
    postId: a.postId,
    parent,
    values: {
      authorName: c.author,
      email: c.email,
      url: c.url,
      ip: c.ip,
      createdAt: at,
      markdown: htmlToMarkdown(autop(c.content)),
      status,
    },
  });
  a.placed.set(c.id, placed);
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
