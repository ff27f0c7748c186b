import type { ImportRedirectKind } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import type { ContentDeps } from '../content/content.deps.ts';
import { upsertRedirect } from './import.repository.ts';
import { type ImportPlatform, type ImportReport, newReport } from './import-report.ts';
import { normaliseOldAddress } from './old-addresses.ts';

/** What one import keeps while it reads: the transaction, the report, and the ids of what it has placed. */
export interface ImportRun {
  /** `db` is the import's one transaction. */
  deps: ContentDeps;
  /** The map table's source: "wordpress " + the old site's address. */
  source: string;
  report: ImportReport;
  now: string;
  timeZone: string;
  /** Category nicename -> our row. */
  categories: Map<string, { id: number; path: string }>;
  /** Category nicename -> its path of nicenames on the old site. */
  categoryWpPaths: Map<string, string>;
  categoryByTermId: Map<string, string>;
  /** Author login -> byline slug. */
  authorSlugs: Map<string, string>;
  /** `--author-map`: an old login or email (lower case) -> the existing byline that takes its posts. */
  authorMap: Map<string, { id: number; slug: string }>;
  /** The old site's tagline, for the SEO plugins' templates (`%%sitedesc%%`); WordPress only. */
  tagline?: string;
  /** Records that `oldAddress` leads to the row (unless it already is `newPath`). */
  redirect: (oldAddress: string, kind: ImportRedirectKind, targetId: number, newPath: string) => Promise<void>;
}

export function newImportRun(deps: ContentDeps, report: ImportReport, timeZone: string): ImportRun {
  const now = deps.clock.now().toISOString();
  return {
    deps,
    source: '',
    report,
    now,
    timeZone,
    categories: new Map(),
    categoryWpPaths: new Map(),
    categoryByTermId: new Map(),
    authorSlugs: new Map(),
    authorMap: new Map(),
    async redirect(oldAddress, kind, targetId, newPath) {
      const key = normaliseOldAddress(oldAddress);
      if (!key || key === newPath) return;
      await upsertRedirect(deps.db, { oldPath: key, kind, targetId, at: now });
      report.redirects++;
    },
  };
}

class DryRunDone extends Error {}

/**
 * Runs an import in ONE transaction, so a refusal, a failure or a killed process leaves the site exactly as it
 * was; a dry run does everything, then rolls back, so its report is exact. `body` may run again (a PostgreSQL
 * retry after a lost race): it gets a fresh report each time, and must open its file again.
 */
export async function inImportTransaction(
  deps: ContentDeps,
  opts: { platform: ImportPlatform; dryRun: boolean },
  body: (deps: ContentDeps, report: ImportReport) => Promise<void>,
): Promise<ImportReport> {
  let report = newReport(opts.dryRun, opts.platform);
  try {
    await inTransaction(deps.db, async (trx) => {
      report = newReport(opts.dryRun, opts.platform);
      await body({ ...deps, db: trx }, report);
      if (opts.dryRun) throw new DryRunDone();
    });
  } catch (err) {
    if (!(err instanceof DryRunDone)) throw err;
    return report;
  }
  deps.noteWrite();
  return report;
}
