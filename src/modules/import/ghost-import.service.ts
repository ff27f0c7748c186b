import type { ContentDeps } from '../content/content.deps.ts';
import { getSiteSettings, saveSiteSettings } from '../settings/settings.service.ts';
import { type GhostExport, type GhostTag, readGhostExport } from './ghost-export.ts';
import { type GhostIndex, importGhostPost, isInternalTag } from './ghost-posts.ts';
import { siteHasNoPosts } from './import.repository.ts';
import { count, type ImportReport, noteLine } from './import-report.ts';
import { type ImportRun, inImportTransaction, newImportRun } from './import-run.ts';
import { decodeSlug, importAuthor, importCategory, importTag } from './wp-taxonomy.ts';

export interface GhostImportInput {
  /** Opens the export (bytes or UTF-8 text). It is read whole, before the transaction begins. */
  open: () => AsyncIterable<Buffer | string>;
  /** Read and write everything, then roll back: the report says what an import would do. */
  dryRun?: boolean;
  /** Called after each post or page with the number placed so far. */
  onItem?: (done: number) => void;
  /** Refuse files larger than this (default GHOST_MAX_BYTES). */
  maxBytes?: number;
}

/**
 * Imports a Ghost 4, 5 or 6 export: posts and pages (bodies from Ghost's rendered `html`), public tags (the first
 * of each post names its primary category), bylines for the people who wrote them, featured images, SEO fields
 * and the old `/slug/`, `/tag/x/` and `/author/x/` addresses. The file is read and checked whole before
 * anything is written; then everything goes in ONE transaction. Returns the report; throws IMPORT_GHOST_* for a
 * file it refuses.
 */
export async function importGhost(deps: ContentDeps, input: GhostImportInput): Promise<ImportReport> {
  const ghost = await readGhostExport(input.open(), input.maxBytes);
  return inImportTransaction(deps, { platform: 'ghost', dryRun: input.dryRun ?? false }, (trx, report) =>
    runGhostImport(trx, ghost, report, input.onItem),
  );
}

async function runGhostImport(
  deps: ContentDeps,
  ghost: GhostExport,
  report: ImportReport,
  onItem: ((done: number) => void) | undefined,
): Promise<void> {
  const settings = await getSiteSettings(deps);
  const fresh = await siteHasNoPosts(deps.db);
  const run = newImportRun(deps, report, settings.timeZone);
  // Ghost's ids are ObjectIds, unique across sites, but its owner is user "1" everywhere: bylines are mapped
  // by their slug, like WordPress logins.
  run.source = 'ghost';
  report.source = ghost.title || 'a Ghost site';
  report.version = ghost.version;
  if (fresh && ghost.title)
    await saveSiteSettings(deps, {
      title: ghost.title.slice(0, 100),
      ...(ghost.description ? { tagline: ghost.description.slice(0, 200) } : {}),
    });
  const index = indexOf(ghost);
  await importTags(run, ghost.tags);
  await importBylines(run, ghost, index);
  await importPrimaryCategories(run, ghost, index);
  let done = 0;
  for (const post of ghost.posts) {
    await importGhostPost(run, post, index);
    onItem?.(++done);
  }
}

/** Look-ups by Ghost id: each post's tags and authors in their order, its meta row; tags and users. */
function indexOf(ghost: GhostExport): GhostIndex {
  const byOrder = <T extends { sort_order?: number | null }>(a: T, b: T) => (a.sort_order ?? 0) - (b.sort_order ?? 0);
  const group = <T extends { post_id: string | number; sort_order?: number | null }>(
    rows: T[],
    pick: (r: T) => string,
  ) => {
    const m = new Map<string, string[]>();
    for (const r of [...rows].sort(byOrder)) {
      const list = m.get(String(r.post_id)) ?? [];
      list.push(pick(r));
      m.set(String(r.post_id), list);
    }
    return m;
  };
  const authorsOf = group(ghost.postsAuthors, (r) => String(r.author_id));
  // Exports from before multiple authors name the one author on the post itself.
  for (const p of ghost.posts)
    if (!authorsOf.has(String(p.id)) && p.author_id !== undefined) authorsOf.set(String(p.id), [String(p.author_id)]);
  return {
    tags: new Map(ghost.tags.map((t) => [String(t.id), t])),
    users: new Map(ghost.users.map((u) => [String(u.id), u])),
    meta: new Map(ghost.postsMeta.map((m) => [String(m.post_id), m])),
    tagsOf: group(ghost.postsTags, (r) => String(r.tag_id)),
    authorsOf,
  };
}

/** Public tags become tags (their `/tag/x/` redirects when our slug differs); internal `#tags` stay out. */
async function importTags(run: ImportRun, tags: GhostTag[]): Promise<void> {
  for (const t of tags) {
    if (isInternalTag(t)) {
      count(run.report, 'tag', 'skipped');
      noteLine(run.report, {
        kind: 'tag',
        oldId: t.slug,
        outcome: 'skipped',
        reason: `"${t.name}" is an internal tag on Ghost: not public, not imported`,
      });
      continue;
    }
    await importTag(run, { slug: t.slug, name: t.name });
  }
}

/** A byline for each person who wrote an imported post or page; staff who wrote nothing are left out. */
async function importBylines(run: ImportRun, ghost: GhostExport, index: GhostIndex): Promise<void> {
  const writers = new Set([...index.authorsOf.values()].flat());
  for (const u of ghost.users) {
    if (!writers.has(String(u.id))) {
      count(run.report, 'author', 'skipped');
      noteLine(run.report, {
        kind: 'author',
        oldId: u.slug,
        outcome: 'skipped',
        reason: 'wrote no post or page in the export: no byline made',
      });
      continue;
    }
    await importAuthor(run, { login: u.slug, email: '', displayName: u.name ?? u.slug });
  }
}

/** Each tag that comes first among some post's public tags becomes a top-level category of the same slug. */
async function importPrimaryCategories(run: ImportRun, ghost: GhostExport, index: GhostIndex): Promise<void> {
  const seen = new Set<string>();
  for (const p of ghost.posts) {
    const first = (index.tagsOf.get(String(p.id)) ?? [])
      .map((id) => index.tags.get(id))
      .find((t): t is GhostTag => t !== undefined && !isInternalTag(t));
    if (!first || seen.has(first.slug)) continue;
    seen.add(first.slug);
    const nice = decodeSlug(first.slug);
    await importCategory(run, {
      nice,
      name: first.name,
      description: first.description ?? '',
      termId: '',
      parent: undefined,
    });
  }
}
