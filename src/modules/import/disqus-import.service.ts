import { findCommentById, recountPostComments, setCommentStatus } from '../comments/comment.repository.ts';
import type { ContentDeps } from '../content/content.deps.ts';
import { type DisqusPost, type DisqusThread, readDisqus } from './disqus-reader.ts';
import { type ThreadMatcher, threadMatcher } from './disqus-threads.ts';
import { htmlToMarkdown } from './html-to-markdown.ts';
import { findMapped, listMapSources, setImportedCommentParent, setMapped } from './import.repository.ts';
import { addToList, count, type ImportReport, noteLine } from './import-report.ts';
import { type ImportRun, inImportTransaction, newImportRun } from './import-run.ts';
import { placeImportedComment } from './imported-comments.ts';
import { noteRepairs } from './xml-repair-log.ts';

export interface DisqusImportInput {
  /** Opens the export as UTF-8 text chunks; called again if the transaction has to be run again. */
  open: () => AsyncIterable<string>;
  /** Read and write everything, then roll back: the report says what an import would do. */
  dryRun?: boolean;
  /** Called after each comment read with the number read so far. */
  onItem?: (read: number) => void;
  /** Import what a tolerant reading recovers from XML that is not well-formed (xml-repair.ts), listed in the report. */
  repair?: boolean;
}

/** A thread as the import knows it: the article it was matched to (if any) and the comments it holds. */
interface ThreadState {
  thread: DisqusThread;
  postId: number | undefined;
  /** Comments that would have been imported into it (for an unmatched thread's line in the report). */
  comments: number;
}

/** A comment placed (top-level for now), with the `dsq:id` of the one it answers. */
interface PlacedComment {
  commentId: number;
  postId: number;
  parentDsqId: string;
}

/**
 * Imports a Disqus export: each thread is matched to one of our articles (disqus-threads.ts), its comments are
 * stored approved (they were public on Disqus) without the moderation pipeline and without mail, and replies
 * are threaded through `<parent>` once the whole file is read (Disqus lists a reply anywhere, even before what
 * it answers). Spam and deleted comments are counted and left out; a reply whose parent is not imported is
 * shown at the top level and reported; threads matched to no article are reported with their link. Streamed,
 * in ONE transaction; the map table makes a re-run update what it imported before.
 */
export async function importDisqus(deps: ContentDeps, input: DisqusImportInput): Promise<ImportReport> {
  return inImportTransaction(deps, { platform: 'disqus', dryRun: input.dryRun ?? false }, (trx, report) =>
    runDisqusImport(trx, input, report),
  );
}

async function runDisqusImport(deps: ContentDeps, input: DisqusImportInput, report: ImportReport): Promise<void> {
  // Disqus ids are unique across all of Disqus: one source for every forum.
  const run = newImportRun(deps, report, 'UTC');
  run.source = 'disqus';
  const matcher = threadMatcher(deps.db, await listMapSources(deps.db, 'wordpress '));
  const threads = new Map<string, ThreadState>();
  const placed = new Map<string, PlacedComment>();
  /** Articles whose comments changed: recounted at the end. */
  const touched = new Set<number>();
  // Comments read before their thread (Disqus writes threads first, but nothing promises it).
  const early: DisqusPost[] = [];
  const forums = new Set<string>();
  let read = 0;
  const repairs = await readDisqus(input.open(), {
    repair: input.repair ?? false,
    onRecord: async (r) => {
      if (r.kind === 'category') {
        if (r.forum) forums.add(r.forum);
      } else if (r.kind === 'thread') {
        if (r.thread.forum) forums.add(r.thread.forum);
        threads.set(r.thread.id, await matchThread(run, matcher, r.thread));
      } else {
        const t = threads.get(r.post.threadId);
        if (t) await importPost(run, { thread: t, post: r.post, placed, touched });
        else early.push(r.post);
        input.onItem?.(++read);
      }
    },
  });
  for (const post of early) await importPost(run, { thread: threads.get(post.threadId), post, placed, touched });
  await threadReplies(run, placed);
  for (const postId of touched) await recountPostComments(deps.db, postId);
  reportUnmatched(run, threads);
  if (repairs) noteRepairs(report, repairs);
  report.source = forums.size > 0 ? [...forums].sort().join(', ') : '(no forum named)';
}

async function matchThread(run: ImportRun, matcher: ThreadMatcher, thread: DisqusThread): Promise<ThreadState> {
  if (thread.isDeleted) {
    count(run.report, 'thread', 'skipped');
    noteLine(run.report, {
      kind: 'thread',
      oldId: thread.id,
      outcome: 'skipped',
      reason: 'deleted on Disqus: its comments are left out',
    });
    return { thread, postId: undefined, comments: 0 };
  }
  const hit = await matcher.match(thread);
  if (!hit) {
    count(run.report, 'thread', 'skipped');
    return { thread, postId: undefined, comments: 0 };
  }
  const before = await findMapped(run.deps.db, run.source, 'thread', thread.id);
  count(run.report, 'thread', before === hit.postId ? 'unchanged' : before === undefined ? 'imported' : 'updated');
  await setMapped(run.deps.db, run.source, 'thread', thread.id, hit.postId);
  return { thread, postId: hit.postId, comments: 0 };
}

/** One comment: left out (spam, deleted, no thread), or stored top-level; its parent comes once all are read. */
async function importPost(
  run: ImportRun,
  a: {
    thread: ThreadState | undefined;
    post: DisqusPost;
    placed: Map<string, PlacedComment>;
    touched: Set<number>;
  },
): Promise<void> {
  const { thread: t, post } = a;
  const skip = (reason: string) => {
    count(run.report, 'comment', 'skipped');
    noteLine(run.report, { kind: 'comment', oldId: post.id, outcome: 'skipped', reason });
  };
  if (post.isSpam || post.isDeleted) {
    if (post.isSpam) run.report.spamSkipped++;
    else run.report.deletedSkipped++;
    const from = await withdraw(run, post);
    if (from !== undefined) a.touched.add(from);
    return skip(post.isSpam ? 'marked as spam on Disqus' : 'deleted on Disqus');
  }
  if (!t) return skip(`its thread ${post.threadId || '(none)'} is not in the file`);
  if (t.thread.isDeleted) return skip('its thread was deleted on Disqus');
  if (t.postId === undefined) {
    t.comments++;
    count(run.report, 'comment', 'skipped');
    return;
  }
  const at = Date.parse(post.createdAt);
  const p = await placeImportedComment(run, {
    oldId: post.id,
    postId: t.postId,
    parent: undefined,
    values: {
      authorName: post.authorName || post.authorUsername,
      email: post.authorEmail,
      url: '',
      ip: post.ip,
      createdAt: Number.isNaN(at) ? run.now : new Date(at).toISOString(),
      markdown: htmlToMarkdown(post.message),
      status: 'approved',
    },
  });
  a.placed.set(post.id, { commentId: p.id, postId: t.postId, parentDsqId: post.parentId });
  a.touched.add(t.postId);
}

/**
 * A comment imported by an earlier run and since deleted or marked spam on Disqus is taken down here too.
 * Resolves to the id of its article, or undefined when there was nothing to take down.
 */
async function withdraw(run: ImportRun, post: DisqusPost): Promise<number | undefined> {
  const id = await findMapped(run.deps.db, run.source, 'comment', post.id);
  const row = id === undefined ? undefined : await findCommentById(run.deps.db, id);
  if (!row) return undefined;
  await setCommentStatus(run.deps.db, row.id, post.isSpam ? 'spam' : 'trash', run.now);
  return row.post_id;
}

/**
 * Puts each reply under its parent, now that every comment is in: the thread it belongs to is its top comment's,
 * its depth the length of the chain. A reply whose parent was not imported (deleted, spam, in another thread, not
 * in the file) or that is part of a loop stays at the top level and is reported.
 */
async function threadReplies(run: ImportRun, placed: Map<string, PlacedComment>): Promise<void> {
  const resolved = new Map<string, { top: number; depth: number }>();
  const parentOf = (id: string): PlacedComment | undefined => {
    const c = placed.get(id) as PlacedComment;
    const parent = c.parentDsqId ? placed.get(c.parentDsqId) : undefined;
    return parent && parent.postId === c.postId ? parent : undefined;
  };
  for (const [id, c] of placed) {
    if (!c.parentDsqId) continue;
    // Walk up to a comment already placed or a top-level one, then come back down giving each its depth.
    const chain: string[] = [];
    let cur: string | undefined = id;
    while (cur !== undefined && !resolved.has(cur) && !chain.includes(cur)) {
      chain.push(cur);
      cur = parentOf(cur) ? (placed.get(cur) as PlacedComment).parentDsqId : undefined;
    }
    let above = cur !== undefined ? resolved.get(cur) : undefined;
    for (const link of chain.reverse()) {
      const node = placed.get(link) as PlacedComment;
      // The top of the chain: no parent here (or the loop closes on it) — a top-level comment.
      if (!above) {
        if (node.parentDsqId) addToList(run.report, 'orphanComments', link);
        above = { top: node.commentId, depth: 0 };
        resolved.set(link, above);
        continue;
      }
      const parent = placed.get(node.parentDsqId) as PlacedComment;
      const here = { top: above.top, depth: above.depth + 1 };
      await setImportedCommentParent(run.deps.db, node.commentId, {
        parentId: parent.commentId,
        threadId: here.top,
        depth: here.depth,
      });
      resolved.set(link, here);
      above = here;
    }
  }
}

function reportUnmatched(run: ImportRun, threads: Map<string, ThreadState>): void {
  let empty = 0;
  for (const t of threads.values()) {
    if (t.postId !== undefined || t.thread.isDeleted) continue;
    if (t.comments === 0) {
      empty++;
      continue;
    }
    run.report.unmatchedThreads.push({
      oldId: t.thread.id,
      link: t.thread.link,
      identifier: t.thread.identifier,
      comments: t.comments,
    });
  }
  if (empty > 0)
    noteLine(run.report, {
      kind: 'file',
      oldId: '-',
      outcome: 'note',
      reason: `${empty} thread${empty === 1 ? '' : 's'} without comments matched no article (not listed)`,
    });
}
