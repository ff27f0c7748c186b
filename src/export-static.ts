import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CopyFolder } from './export-static-folder.ts';
import { DATABASE_FILE, openSite, type Site } from './main.ts';
import { countVisibleByMonth, listVisiblePages, listVisiblePosts } from './modules/content/post.repository.ts';
import { listAllTags, listAuthors, listCategories } from './modules/content/taxonomy.repository.ts';
import { DEMO_MEDIA_DIR } from './modules/demo/demo-media.ts';
import { readPage, searchEntryOf, writePage } from './modules/export/static-html.ts';
import {
  diffManifest,
  isManifestPath,
  MANIFEST_FILE,
  manifestText,
  parseManifest,
  StaticExportError,
} from './modules/export/static-manifest.ts';
import { relativeLink, type StaticAddress, staticAddressOf, staticFileOf } from './modules/export/static-paths.ts';
import { buildSearchIndex, type IndexedArticle, SEARCH_INDEX_FILE } from './modules/export/static-search-index.ts';
import { findSiteSecret } from './modules/shared/secret.ts';
import { listAllSources } from './modules/sources/sources.service.ts';
import { buildApp } from './web/app.ts';
import { STATIC_SEARCH_SCRIPT_URL } from './web/kit/assets.ts';

/**
 * `annalist export static DIR`: the public site as static files, rendered by the real app in process (page cache
 * off). The addresses come from the site's data; every page's links are then followed, so nothing linked is
 * left out. The pure parts (addresses, HTML rewriting, manifest) are in src/modules/export/.
 */
export interface StaticExportOptions {
  outDir: string;
  /** The address the copy will be served from: links become absolute, and feeds and canonical links use it. */
  baseUrl?: string;
  /** The site's own public address (ANNALIST_BASE_URL): feeds and OpenGraph use it when baseUrl is not given. */
  siteUrl: string;
  /** The live site, where "Join the discussion" and "Suggest a correction" lead. */
  liveUrl?: string;
}

export interface StaticExportReport {
  /** Pages (HTML) and other files (feeds, assets, media) in the copy. */
  pages: number;
  files: number;
  written: number;
  unchanged: number;
  removed: number;
  /** Files of the last run left where they are: a folder on their way is a link (or they became a folder). */
  notRemoved: string[];
  seconds: number;
  /** Links that led nowhere (their words kept, the link removed). */
  deadLinks: string[];
}

type Resolution =
  | { kind: 'file'; address: string; linkPath: string; fragment: string }
  | { kind: 'gone'; status: number };

const SEARCH_INDEX = `/${SEARCH_INDEX_FILE}`;
const CONCURRENT_REQUESTS = 4;
const SEED_BATCH = 16;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function exportStatic(site: Site, opts: StaticExportOptions): Promise<StaticExportReport> {
  const started = Date.now();
  const folder = CopyFolder.open(opts.outDir);
  const previous = claimFolder(folder);
  const renderBase = (opts.baseUrl ?? opts.siteUrl).replace(/\/+$/, '');
  const app = buildApp({
    content: site.content,
    contentVersion: site.storage.contentVersion,
    changes: site.changes,
    baseUrl: renderBase,
    mediaDir: site.mediaDir,
    demoMediaDir: DEMO_MEDIA_DIR,
    pageCache: false,
    logger: false,
    // The site is open read-only: a site that never served has no signing key yet, and none can be stored. The
    // copy has no forms, so a key for this run only signs nothing that is kept.
    secret: async () => (await findSiteSecret(site.content.db)) ?? randomBytes(32),
  });
  await app.ready();
  const run = new ExportRun(app, opts, renderBase, folder, previous);
  try {
    // A few seeds at a time, each batch's pages rewritten before the next: the pages waiting stay few.
    const seeds = await seedAddresses(site);
    for (let i = 0; i < seeds.length; i += SEED_BATCH) {
      await Promise.all(seeds.slice(i, i + SEED_BATCH).map((seed) => run.resolve(seed, { optional: true })));
      await run.drain();
    }
    run.writeSearchIndex();
    return run.finish(started);
  } catch (err) {
    run.keepManifest();
    throw err;
  } finally {
    await app.close();
  }
}

/**
 * The folder must be empty (or new) or hold a copy made before, told by our manifest; returns that copy's files.
 * A new copy's manifest is written first, so a run that fails half-way leaves a folder the next run accepts.
 */
function claimFolder(folder: CopyFolder): Record<string, string> | undefined {
  if (folder.names().length === 0) {
    writeManifest(folder, {});
    return undefined;
  }
  const text = folder.readManifest();
  const manifest = text === undefined ? undefined : parseManifest(text);
  if (!manifest)
    throw new StaticExportError(
      'STATIC_DIR_NOT_OURS',
      `${folder.root} is not empty and holds no static copy made by annalist (no readable ${MANIFEST_FILE}); choose an empty or new folder`,
    );
  return manifest.files;
}

/** What the site's data says the copy must hold; the links of the pages bring the rest (other pages of lists). */
async function seedAddresses(site: Site): Promise<string[]> {
  const { db } = site.content;
  const now = site.content.clock.now().toISOString();
  const [pages, categories, tags, authors, months, sources] = await Promise.all([
    listVisiblePages(db, now),
    listCategories(db),
    listAllTags(db),
    listAuthors(db),
    countVisibleByMonth(db, now),
    listAllSources({ db }),
  ]);
  const feeds = (base: string) => [base, `${base}feed/`, `${base}feed/atom/`, `${base}feed.json`];
  const seeds = [
    '/',
    '/search',
    '/category/',
    '/sources/',
    '/corrections/',
    // Linked from no menu of the demo's (decision 044); its zoom and filters are queries the copy leaves out.
    '/timeline/',
    '/corrections/feed.xml',
    ...feeds('/').slice(1),
    '/comments/feed/',
    '/sitemap.xml',
    '/robots.txt',
    ...pages.map((p) => `/${p.slug}/`),
    ...categories.flatMap((c) => feeds(`/category/${c.path}/`)),
    ...tags.flatMap((t) => feeds(`/tag/${t.slug}/`)),
    ...authors.map((a) => `/author/${a.slug}/`),
    ...months.map((m) => `/${m.month.replace('-', '/')}/`),
    ...sources.map((s) => `/sources/${encodeURIComponent(s.key)}/`),
  ];
  for (let offset = 0; ; offset += 1000) {
    const posts = await listVisiblePosts(db, { now }, { limit: 1000, offset });
    seeds.push(...posts.flatMap((p) => [`/${p.slug}/`, `/${p.slug}/comments/feed/`]));
    if (posts.length < 1000) break;
  }
  return seeds;
}

/** One run: the addresses resolved so far, the pages waiting to be rewritten, the files written. */
class ExportRun {
  private readonly resolved = new Map<string, Promise<Resolution>>();
  private readonly files = new Map<string, string>(); // file -> the address it holds
  private readonly hashes: Record<string, string> = {};
  private readonly queue: { address: string; appPath: string; html: string }[] = [];
  private readonly articles: IndexedArticle[] = [];
  private readonly dead = new Set<string>();
  private pages = 0;
  private written = 0;
  private unchanged = 0;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly opts: StaticExportOptions,
    private readonly renderBase: string,
    private readonly folder: CopyFolder,
    private readonly previous: Record<string, string> | undefined,
  ) {}

  /** The address a request lives at in the copy (fetched once, whoever asks first). */
  resolve(request: string, how: { optional?: boolean } = {}): Promise<Resolution> {
    let found = this.resolved.get(request);
    if (!found) {
      found = this.fetch(request);
      this.resolved.set(request, found);
    }
    return found.then((r) => {
      if (r.kind === 'gone' && !how.optional) this.dead.add(request);
      return r;
    });
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.active >= CONCURRENT_REQUESTS) await new Promise<void>((wake) => this.waiting.push(wake));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private async fetch(request: string): Promise<Resolution> {
    const res = await this.limited(() => this.app.inject({ method: 'GET', url: request }));
    if (REDIRECTS.has(res.statusCode)) {
      const target = this.appUrl(String(res.headers.location ?? ''), request);
      const next = target && staticAddressOf(target.pathname, target.search);
      if (!target || !next || next.request === request) return { kind: 'gone', status: res.statusCode };
      const r = await this.resolve(next.request, { optional: true });
      return r.kind === 'file' && target.hash ? { ...r, fragment: target.hash } : r;
    }
    if (res.statusCode >= 500)
      throw new StaticExportError(
        'STATIC_EXPORT_FAILED',
        `${request} answered ${res.statusCode}; the copy would be incomplete, so it stops here`,
      );
    if (res.statusCode !== 200) return { kind: 'gone', status: res.statusCode };
    const [path, query = ''] = request.split('?');
    const address = staticAddressOf(path!, query);
    if (!address) return { kind: 'gone', status: res.statusCode };
    const { file, linkPath, html } = staticFileOf(address.address, String(res.headers['content-type'] ?? ''));
    this.claim(file, request);
    if (html) this.queue.push({ address: linkPath, appPath: path!, html: res.body });
    else this.write(file, res.rawPayload);
    return { kind: 'file', address: linkPath, linkPath, fragment: '' };
  }

  private claim(file: string, request: string): void {
    const holder = this.files.get(file);
    if (holder !== undefined)
      throw new StaticExportError(
        'STATIC_EXPORT_FAILED',
        `${request} and ${holder} would both be written to ${file}; rename one of them`,
      );
    if (!isManifestPath(file))
      throw new StaticExportError('STATIC_EXPORT_FAILED', `${request} cannot be written as a file (${file})`);
    this.files.set(file, request);
  }

  /** The same-site app URL a link of a page names, or undefined for another site (or another scheme). */
  private appUrl(raw: string, pagePath: string): URL | undefined {
    if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//')) {
      const absolute = raw.startsWith('//') ? `http:${raw}` : raw;
      if (absolute !== this.renderBase && !absolute.startsWith(`${this.renderBase}/`)) return undefined;
      return new URL(absolute.slice(this.renderBase.length) || '/', 'http://app.invalid');
    }
    return new URL(raw, `http://app.invalid${pagePath}`);
  }

  /** Rewrites the pages waiting, whose links bring more pages, until none is left. */
  async drain(): Promise<void> {
    for (let page = this.queue.pop(); page; page = this.queue.pop()) await this.rewrite(page);
  }

  private async rewrite(page: { address: string; appPath: string; html: string }): Promise<void> {
    const parsed = readPage(page.html);
    const isSearch = page.address === '/search/';
    const links = new Map<string, { request?: StaticAddress; url?: URL }>();
    const wanted = isSearch ? [...parsed.urls, STATIC_SEARCH_SCRIPT_URL] : parsed.urls;
    for (const raw of wanted) {
      const url = this.appUrl(raw, page.appPath);
      links.set(raw, { url, request: url && staticAddressOf(url.pathname, url.search) });
    }
    const resolutions = new Map<string, Resolution>();
    await Promise.all(
      [...links.values()].map(async ({ request }) => {
        if (request) resolutions.set(request.request, await this.resolve(request.request));
      }),
    );
    const link = (raw: string): string | undefined => {
      const found = links.get(raw);
      if (!found?.url) return raw; // another site
      const r = found.request && resolutions.get(found.request.request);
      if (!r || r.kind === 'gone') return undefined; // needs the server, or leads nowhere (counted in resolve)
      return this.linkTo(page.address, r.linkPath, found.url.hash || r.fragment);
    };
    const html = writePage(parsed, {
      address: page.address,
      appPath: page.appPath,
      link,
      liveUrl: this.opts.liveUrl,
      search: isSearch
        ? {
            script: link(STATIC_SEARCH_SCRIPT_URL) ?? STATIC_SEARCH_SCRIPT_URL,
            index: this.linkTo(page.address, SEARCH_INDEX, ''),
            categories: this.linkTo(page.address, '/category/', ''),
          }
        : undefined,
    });
    // Articles and pages live at /<slug>/; their earlier versions are not what a search should find.
    const entry = /^\/[^/]+\/$/.test(page.appPath) ? searchEntryOf(parsed) : undefined;
    if (entry) this.articles.push({ address: page.address.slice(1), ...entry });
    this.pages++;
    this.write(staticFileOf(page.address, 'text/html').file, Buffer.from(html));
  }

  private linkTo(from: string, to: string, fragment: string): string {
    if (this.opts.baseUrl) return `${this.opts.baseUrl.replace(/\/+$/, '')}${to}${fragment}`;
    return relativeLink(from, to, fragment);
  }

  /** The index the copy's search page reads (and the word files it names): the same bytes for the same site. */
  writeSearchIndex(): void {
    for (const { file, bytes } of buildSearchIndex(this.articles)) {
      this.claim(file, `/${file}`);
      this.write(file, bytes);
    }
  }

  /**
   * Writes a file unless the last run wrote the same bytes and they are still there, unchanged (a copy edited
   * by hand is repaired); counts the rest. The file is recorded for the manifest once it is on disk.
   */
  private write(file: string, bytes: Buffer): void {
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (this.previous?.[file] === hash && this.folder.holds(file, bytes)) this.unchanged++;
    else {
      this.folder.write(file, bytes);
      this.written++;
    }
    this.hashes[file] = hash;
  }

  /** Removes the last run's files that this run did not produce, and writes the new manifest. */
  finish(started: number): StaticExportReport {
    const { remove } = diffManifest(this.previous, this.hashes);
    const notRemoved = remove.filter((file) => this.folder.remove(file) === 'skipped');
    writeManifest(this.folder, this.hashes);
    const files = Object.keys(this.hashes).length;
    return {
      pages: this.pages,
      files,
      written: this.written,
      unchanged: this.unchanged,
      removed: remove.length - notRemoved.length,
      notRemoved,
      seconds: (Date.now() - started) / 1000,
      deadLinks: [...this.dead].sort(),
    };
  }

  /** After a failure: the manifest lists what is on disk (last run's files and this run's), so a re-run cleans up. */
  keepManifest(): void {
    writeManifest(this.folder, { ...this.previous, ...this.hashes });
  }
}

function writeManifest(folder: CopyFolder, files: Record<string, string>): void {
  folder.write(MANIFEST_FILE, Buffer.from(manifestText(files, new Date().toISOString())));
}

export interface StaticExportCommand {
  /** The folder to write (the word after `export static`). */
  dir: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  /** ANNALIST_BASE_URL when set: the site's public address, for feeds and OpenGraph. */
  siteUrl: string | undefined;
  /** --base-url and --live-url as given. */
  baseUrl: string | undefined;
  liveUrl: string | undefined;
}

const say = (line: string) => process.stderr.write(`annalist: ${line}\n`);

/** `annalist export static DIR`: opens the site, writes the copy, prints what it did; resolves to the exit code. */
export async function runStaticExport(cmd: StaticExportCommand): Promise<number> {
  try {
    if (!cmd.dir)
      throw new StaticExportError('STATIC_BAD_ARGUMENT', 'export static needs a folder: annalist export static DIR');
    const baseUrl = cmd.baseUrl === undefined ? undefined : plainUrl('--base-url', cmd.baseUrl);
    const liveUrl = cmd.liveUrl === undefined ? undefined : plainUrl('--live-url', cmd.liveUrl);
    if (!cmd.databaseUrl && !existsSync(join(cmd.dataDir, DATABASE_FILE)))
      throw new StaticExportError(
        'STATIC_BAD_ARGUMENT',
        `${join(cmd.dataDir, DATABASE_FILE)} does not exist: --data-dir names the data folder of a site`,
      );
    const siteUrl = cmd.siteUrl ?? baseUrl ?? 'http://localhost';
    if (!baseUrl && !cmd.siteUrl)
      say('feeds, the sitemap and OpenGraph tags name http://localhost: give --base-url or set ANNALIST_BASE_URL');
    // Read-only, never migrated: an export never changes the site (an older schema: EXPORT_SCHEMA_OLD).
    const site = await openSite(cmd.dataDir, { databaseUrl: cmd.databaseUrl, readonly: true });
    try {
      const outDir = resolve(cmd.dir);
      const r = await exportStatic(site, { outDir, baseUrl, siteUrl, liveUrl });
      say(
        `wrote the static copy to ${outDir}: ${r.pages} pages, ${r.files} files (${r.written} written, ` +
          `${r.unchanged} unchanged, ${r.removed} removed) in ${r.seconds.toFixed(1)} s, ` +
          `${(r.pages / Math.max(r.seconds, 0.001)).toFixed(1)} pages/s.`,
      );
      if (r.notRemoved.length)
        say(
          `${r.notRemoved.length} files of the last copy were left where they are, because a folder on their way ` +
            `is a symbolic link: ${r.notRemoved.slice(0, 10).join(', ')}`,
        );
      if (r.deadLinks.length)
        say(`${r.deadLinks.length} links led nowhere and were kept as text: ${r.deadLinks.slice(0, 10).join(', ')}`);
      return 0;
    } finally {
      await site.storage.close();
    }
  } catch (err) {
    // A folder that cannot be written (permissions, a full disk) is told in one line, as a refusal is.
    const failure =
      err instanceof StaticExportError
        ? err
        : typeof (err as NodeJS.ErrnoException)?.code === 'string' && (err as NodeJS.ErrnoException).syscall
          ? new StaticExportError('STATIC_EXPORT_FAILED', `writing the copy failed (${(err as Error).message})`)
          : undefined;
    if (!failure) throw err;
    say(`${failure.code}: ${failure.message}`);
    return 1;
  }
}

/** An http(s) address without query, fragment or credentials, without its trailing slash. */
function plainUrl(option: string, raw: string): string {
  try {
    const u = new URL(raw.trim());
    if ((u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username)
      return u.origin + u.pathname.replace(/\/+$/, '');
  } catch {
    // told below
  }
  throw new StaticExportError(
    'STATIC_BAD_ARGUMENT',
    `${option} must be an http(s) address such as https://history.example, not "${raw.slice(0, 200)}"`,
  );
}
