import type { ContentDeps } from '../content/content.deps.ts';
import { getSiteSettings, saveSiteSettings } from '../site/settings.service.ts';
import { siteHasNoPosts } from './import.repository.ts';
import { type ImportReport, noteLine } from './import-report.ts';
import { type ImportRun, inImportTransaction, newImportRun } from './import-run.ts';
import { importItem } from './wp-items.ts';
import { importAuthor, importCategories, importTag } from './wp-taxonomy.ts';
import type { WxrCategory, WxrChannel, WxrTag } from './wxr.types.ts';
import { readWxr } from './wxr-reader.ts';

export interface WordpressImportInput {
  /** Opens the export as UTF-8 text chunks; called again if the transaction has to be run again. */
  open: () => AsyncIterable<string>;
  /** Read and write everything, then roll back: the report says what an import would do. */
  dryRun?: boolean;
  /** Called after each item with the number of items read so far. */
  onItem?: (itemsRead: number) => void;
}

/**
 * Imports a WordPress export (WXR) into the site: bylines, the category tree, tags, posts and pages, comments
 * and the old addresses, all in ONE transaction, so a failure, a refusal or a killed process leaves the site
 * exactly as it was. The file is read as a stream, one item at a time. A site with no posts yet takes its title
 * and tagline from the export. Returns the report; throws IMPORT_* errors for a file it refuses.
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
  const categories: WxrCategory[] = [];
  const tags: WxrTag[] = [];
  let taxonomyDone = false;
  let items = 0;
  // Terms are declared before the items; the tree is built once all of them are known (parents by name,
  // whatever their order), just before the first item needs it.
  const placeTaxonomy = async () => {
    if (taxonomyDone) return;
    taxonomyDone = true;
    await importCategories(run, categories);
    for (const t of tags) await importTag(run, t);
  };
  await readWxr(input.open(), {
    onRecord: async (r) => {
      if (r.kind === 'channel') await startRun(run, r.channel, fresh);
      else if (r.kind === 'author') await importAuthor(run, r.author);
      else if (r.kind === 'category') categories.push(r.category);
      else if (r.kind === 'tag') tags.push(r.tag);
      else {
        await placeTaxonomy();
        await importItem(run, r.item);
        input.onItem?.(++items);
      }
    },
  });
  await placeTaxonomy();
}

async function startRun(run: ImportRun, channel: WxrChannel, fresh: boolean): Promise<void> {
  const base = channel.baseUrl.replace(/\/+$/, '') || '(no address)';
  run.source = `wordpress ${base}`;
  run.report.source = base;
  run.report.wxrVersion = channel.version ?? '1.0';
  run.report.version = run.report.wxrVersion;
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
