import type { BackupDeps } from '../../modules/backups/backup.deps.ts';
import type { ContentDeps } from '../../modules/content/content.deps.ts';
import type { SiteExportDeps } from '../../modules/export/export.deps.ts';
import type { AdminImportDeps } from '../../modules/import/admin-import.deps.ts';
import type { ChangeStream } from '../../modules/shared/changes.ts';
import type { RateLimiter, SharedState } from '../../storage/shared-state.ts';
import type { ContentGeneration } from './generation.ts';
import type { PagePipeline } from './page-pipeline.ts';
import type { PostRateLimit } from './rate-limit.ts';

/** What the web layer is built from; main.ts makes it, tests make their own. */
export interface WebDeps {
  /** Frozen (main.ts builds it once); buildApp adds its memo on a copy. */
  content: Readonly<ContentDeps>;
  /** See Storage.contentVersion: moves on every write in any process. */
  contentVersion: () => string;
  /**
   * What writes changed, this process's and, through poll(), other processes' and nodes' (Site.changes): the page
   * cache drops exactly what depends on each change.
   */
  changes: ChangeStream;
  /** How long a page whose keys changed may be served while it is rendered again (ANNALIST_STALE_MAX); default 0. */
  staleMaxMs?: number;
  /** s-maxage for a CDN or proxy in front, in seconds (ANNALIST_CDN_MAX_AGE); default 1. */
  cdnMaxAgeS?: number;
  /** Where to tell a CDN what changed (ANNALIST_PURGE_WEBHOOK); absent: nobody is told. */
  purgeWebhook?: string;
  /** Absolute origin used in feeds, sitemaps, canonical links and OpenGraph, without a trailing slash. */
  baseUrl: string;
  /** Folder of uploaded and demo media, served under /media/. */
  mediaDir: string;
  /**
   * The demo's drawings as shipped with the package (main.ts passes the demo module's folder), served under
   * /media/ after `mediaDir`, so a node that did not seed the demo shows them too. Absent: `mediaDir` alone.
   */
  demoMediaDir?: string;
  /** Scheduled backups (/admin/backups and the dashboard's backup status); absent: no backup pages. */
  backups?: BackupDeps;
  /** The WordPress and JSON downloads of /admin/export; absent: no export pages. */
  exports?: SiteExportDeps;
  /** The WordPress, Ghost and Disqus imports of /admin/import; absent: no import pages. */
  imports?: AdminImportDeps;
  /** Cache rendered pages for readers (default true). */
  pageCache?: boolean;
  /** Proxies whose X-Forwarded-For names the reader (see Config.trustProxy); default none. */
  trustProxy?: boolean | number | string;
  /** Comment posts allowed per address per minute (default 20). */
  commentPostsPerMinute?: number;
  /**
   * State shared with the other app nodes (REDIS_URL, decision 016): rate limits and the second-level page
   * cache. Absent: this node keeps its own, as a single node always has.
   */
  shared?: SharedState;
  /** Fastify logger options; false in tests. */
  logger?: boolean | Record<string, unknown>;
  /**
   * The site's signing key. Default: the one in the database, made on first use. A site opened read-only (the
   * static export) passes its own, since it cannot store one.
   */
  secret?: () => Promise<Buffer>;
}

/** What routes share inside one app: its deps, the page cache (absent when turned off) and the generation. */
export interface WebContext {
  deps: Readonly<WebDeps>;
  /** The page cache and its request pipeline; absent when the cache is turned off. */
  pages: PagePipeline | undefined;
  generation: ContentGeneration;
  /** The site's signing key (loaded once). */
  secret: () => Promise<Buffer>;
  /** Per-address limit on comment posts. */
  postLimit: PostRateLimit;
  /**
   * Limit on requests that parse text and store nothing: a reader's comment check (per address) and the
   * editor's live preview and autosave (per account). Each costs a parse in a worker, so each is counted.
   */
  previewLimit: PostRateLimit;
  /** The limiter every node shares (REDIS_URL); undefined: each throttle counts in this process. */
  limiter: RateLimiter | undefined;
}
