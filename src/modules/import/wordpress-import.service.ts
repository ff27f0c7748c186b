import type { ContentDeps } from '../content/content.deps.ts';
import { MEDIA_LIMITS } from '../media/media.types.ts';
import { getSiteSettings, saveSiteSettings } from '../settings/settings.service.ts';
import { type AuthorMap, applyAuthorMap } from './author-map.ts';
import { siteHasNoPosts } from './import.repository.ts';
import { type ImportReport, noteLine } from './import-report.ts';
import { type ImportRun, inImportTransaction, newImportRun } from './import-run.ts';
import { openUploadsFolder, type UploadsFolder } from './uploads-folder.ts';
import { hasWpParent, type PreparedItem, prepareItem, writeItem } from './wp-items.ts';
import { addAttachment, newWpMedia, redirectAttachmentPages, type WpMedia } from './wp-media.ts';
import { type PendingPageParent, placeImportedPages } from './wp-page-tree.ts';
import { importAuthor, importCategories, importTag } from './wp-taxonomy.ts';
import type { WxrCategory, WxrChannel, WxrTag } from './wxr.types.ts';
import { readWxr } from './wxr-reader.ts';
import { noteRepairs } from './xml-repair-log.ts';

export interface WordpressImportInput {
  /** Opens the export as UTF-8 text chunks; called again if the transaction has to be run again. */
  open: () => AsyncIterable<string>;
  /** Read and write everything, then roll back: the report says what an import would do. */
  dryRun?: boolean;
  /** Called after each item with the number of items read so far (from 1 again when a second reading starts). */
  onItem?: (itemsRead: number) => void;
  /**
   * Import what a tolerant reading recovers from a file that is not well-formed XML (bare `&`, control
   * characters, nested CDATA: xml-repair.ts), each repair listed in the report. A DOCTYPE is still refused.
   */
  repair?: boolean;
  /** A local copy of the old site's `wp-content/uploads`: its images are brought into the media library. */
  uploadsDir?: string;
  /** Old logins or emails -> existing bylines (`--author-map`), checked against the site before anything is read. */
  authorMap?: AuthorMap;
}

/** Items read ahead of the one being written (their bodies and first comments rendering meanwhile). */
const ITEMS_AHEAD = 8;

/**
 * Imports a WordPress export (WXR) into the site: bylines, the category tree, tags, posts and pages, comments
 * and the old addresses, all in ONE transaction, so a failure, a refusal or a killed process leaves the site
 * exactly as it was. The file is read as a stream, one item at a time. A site with no posts yet takes its title
 * and tagline from the export. With an uploads folder the file is read twice: first its attachments, brought into
 * the media library, so that a post finds its images (and its featured image) wherever they come in the file.
 * Returns the report; throws IMPORT_* errors for a file, an uploads folder or an author map it refuses.
 */
export async function importWordpress(deps: ContentDeps, input: WordpressImportInput): Promise<ImportReport> {
  return inImportTransaction(deps, { platform: 'wordpress', dryRun: input.dryRun ?? false }, (trx, report) =>
    runImport(trx, input, report),
  );
}

async function runImport(deps: ContentDeps, input: WordpressImportInput, report: ImportReport): Promise<void> {
  const settings = await getSiteSettings(deps);
  const fresh = await siteHasNoPosts(deps.db);
  const run = newImportRun(deps, report, settings.timeZone);
  if (input.authorMap) await applyAuthorMap(run, input.authorMap);
  const folder = input.uploadsDir
    ? await openUploadsFolder(input.uploadsDir, { maxBytes: MEDIA_LIMITS.maxBytes })
    : undefined;
  let media = folder ? await bringAttachments(run, input, folder) : undefined;
  const categories: WxrCategory[] = [];
  const tags: WxrTag[] = [];
  let taxonomyDone = false;
  let items = 0;
  const pageParents: PendingPageParent[] = [];
  // Items are read (and their renders started) a few ahead of the one being written, so the worker threads
  // render while the database is written; they are written in file order.
  const ahead: (PreparedItem | undefined)[] = [];
  const writeNext = async () => {
    const p = ahead.shift();
    if (p) {
      const postId = await writeItem(run, p);
      if (postId !== undefined && p.type === 'page' && hasWpParent(p.item))
        pageParents.push({ postId, oldId: p.oldId, parentOldId: p.item.parent });
    }
    input.onItem?.(++items);
  };
  // Terms are declared before the items; the tree is built once all of them are known (parents by name,
  // whatever their order), just before the first item needs it.
  const placeTaxonomy = async () => {
    if (taxonomyDone) return;
    taxonomyDone = true;
    await importCategories(run, categories);
    for (const t of tags) await importTag(run, t);
  };
  const repairs = await readWxr(input.open(), {
    repair: input.repair ?? false,
    onRecord: async (r) => {
      if (r.kind === 'channel') {
        await startRun(run, r.channel, fresh);
        media ??= newWpMedia(undefined, r.channel.baseUrl);
      } else if (r.kind === 'author') await importAuthor(run, r.author);
      else if (r.kind === 'category') categories.push(r.category);
      else if (r.kind === 'tag') tags.push(r.tag);
      else {
        await placeTaxonomy();
        ahead.push(await prepareItem(run, r.item, media ?? newWpMedia(undefined, '')));
        if (ahead.length > ITEMS_AHEAD) await writeNext();
      }
    },
  });
  while (ahead.length > 0) await writeNext();
  await placeTaxonomy();
  await placeImportedPages(run, pageParents);
  if (media) await redirectAttachmentPages(run, media);
  if (repairs) noteRepairs(report, repairs);
}

/** The first reading, with an uploads folder: every attachment, its file brought into the media library. */
async function bringAttachments(run: ImportRun, input: WordpressImportInput, folder: UploadsFolder): Promise<WpMedia> {
  let media = newWpMedia(folder, '');
  let items = 0;
  await readWxr(input.open(), {
    repair: input.repair ?? false,
    onRecord: async (r) => {
      if (r.kind === 'channel') {
        run.source = sourceOf(r.channel);
        media = newWpMedia(folder, r.channel.baseUrl);
      } else if (r.kind === 'item') {
        if (r.item.type === 'attachment') await addAttachment(run, media, r.item);
        input.onItem?.(++items);
      }
    },
  });
  return media;
}

const baseOf = (channel: WxrChannel) => channel.baseUrl.replace(/\/+$/, '') || '(no address)';

/** The map table's name for the old site: what an earlier import of the same site is found by. */
const sourceOf = (channel: WxrChannel) => `wordpress ${baseOf(channel)}`;

async function startRun(run: ImportRun, channel: WxrChannel, fresh: boolean): Promise<void> {
  const base = baseOf(channel);
  run.source = sourceOf(channel);
  run.report.source = base;
  run.report.wxrVersion = channel.version ?? '1.0';
  run.report.version = run.report.wxrVersion;
  run.tagline = channel.description;
  if (channel.version === undefined)
    noteLine(run.report, {
      kind: 'file',
      oldId: '-',
      outcome: 'note',
      reason: 'no wxr_version element: read as WXR 1.0',
    });
  if (fresh && channel.title)
    await saveSiteSettings(run.deps, {
      title: channel.title.slice(0, 100),
      ...(channel.description ? { tagline: channel.description.slice(0, 200) } : {}),
    });
}
