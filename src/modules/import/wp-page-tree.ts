import { findPageTreeNode, pageAncestorIds, setPageParent } from '../content/post.repository.ts';
import { findMapped } from './import.repository.ts';
import { noteLine } from './import-report.ts';
import type { ImportRun } from './import-run.ts';

/** A page written by this run whose `wp:post_parent` names another item (old ids as in the file). */
export interface PendingPageParent {
  postId: number;
  oldId: string;
  parentOldId: string;
}

/**
 * The page tree of a WordPress import, placed once every item is in (a parent later in the file than its child
 * counts), in file order: each page goes under the page its parent's old id maps to. A parent missing from the
 * file (and from earlier runs of the same site), or one that is not a page, leaves the page at the top; a parent
 * that would close a loop (the page is above it already) is cut there; each with a line in the report.
 */
export async function placeImportedPages(run: ImportRun, pending: PendingPageParent[]): Promise<void> {
  const { db } = run.deps;
  const atTop = async (p: PendingPageParent, reason: string) => {
    noteLine(run.report, { kind: 'page', oldId: p.oldId, outcome: 'note', reason: `${reason}: placed at the top` });
    await setPageParent(db, p.postId, null);
  };
  for (const p of pending) {
    const mapped = await findMapped(db, run.source, 'page', p.parentOldId);
    const parent = mapped === undefined ? undefined : await findPageTreeNode(db, mapped);
    if (parent?.type !== 'page') {
      const other = mapped === undefined ? await findMapped(db, run.source, 'post', p.parentOldId) : mapped;
      await atTop(
        p,
        other !== undefined
          ? `its parent (${p.parentOldId}) is not a page`
          : `its parent page (${p.parentOldId}) is not in the file`,
      );
      continue;
    }
    if (parent.id === p.postId || (await pageAncestorIds(db, parent.id)).includes(p.postId)) {
      await atTop(p, `its parent page (${p.parentOldId}) is below it in the file's page tree, a loop`);
      continue;
    }
    await setPageParent(db, p.postId, parent.id);
  }
}
