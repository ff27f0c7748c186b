import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createJobWorker, openSite, type Site } from '../../src/main.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import { DEMO_MEDIA_DIR } from '../../src/modules/demo/demo-media.ts';
import type { JobWorker } from '../../src/modules/jobs/job-worker.ts';
import type { Clock } from '../../src/modules/shared/clock.ts';
import { buildApp } from '../../src/web/app.ts';
import {
  buildTemplateDatabase,
  createTestDatabase,
  dropTestDatabase,
  startPostgres,
  type TestPostgres,
} from './postgres.ts';

/**
 * A clock tests can move. It stands still unless run() set it going: then it keeps time from that moment, as a
 * wall clock does, so timers that wait for a time (the job worker's) see it come.
 */
export class TestClock implements Clock {
  private runningSince: number | undefined;
  constructor(private at: Date = new Date()) {}
  now(): Date {
    return new Date(this.at.getTime() + (this.runningSince === undefined ? 0 : Date.now() - this.runningSince));
  }
  /** Stops the clock at `at`. */
  set(at: Date | string): void {
    this.at = new Date(at);
    this.runningSince = undefined;
  }
  /** Sets the clock to `at` (default: where it stands) and lets it run in real time from there. */
  run(at: Date | string = this.now()): void {
    this.at = new Date(at);
    this.runningSince = Date.now();
  }
}

export interface TestSite {
  dir: string;
  /** The site's PostgreSQL database when TEST_DATABASE is postgres; undefined on SQLite (annalist.db in `dir`). */
  databaseUrl: string | undefined;
  site: Site;
  app: FastifyInstance;
  clock: TestClock;
  /** The job worker, started as `annalist serve` starts it, when the site was asked for `jobs: true`. */
  jobs?: JobWorker;
  close(): Promise<void>;
}

export const TEST_BASE_URL = 'http://annalist.test';

/**
 * The database this test process runs on: ANNALIST_TEST_DATABASE=sqlite|postgres (default sqlite). `npm test` runs
 * every test file once with each; tests may put it in their names so a failure says which pass it was.
 */
export const TEST_DATABASE: 'sqlite' | 'postgres' = testDatabaseFromEnv();

function testDatabaseFromEnv(): 'sqlite' | 'postgres' {
  const value = process.env.ANNALIST_TEST_DATABASE ?? 'sqlite';
  if (value === 'sqlite' || value === 'postgres') return value;
  throw new Error(`ANNALIST_TEST_DATABASE must be sqlite or postgres, not ${JSON.stringify(value)}`);
}

let ownCluster: Promise<TestPostgres> | undefined;

/**
 * The superuser URL of the test PostgreSQL: ANNALIST_TEST_PG_URL (the cluster scripts/test.mjs started for the
 * run), or else a cluster started for this process alone (a test file run by hand), stopped when it exits.
 */
export async function testPostgresAdminUrl(): Promise<string> {
  const url = process.env.ANNALIST_TEST_PG_URL;
  if (url) return url;
  ownCluster ??= startPostgres();
  return (await ownCluster).url;
}

export interface TestDatabase {
  /** The DATABASE_URL of a fresh PostgreSQL database; undefined on SQLite (the file in the data folder). */
  databaseUrl: string | undefined;
  /** Environment for an `annalist` process that must use this database. */
  env: Record<string, string>;
  /** Drops the PostgreSQL database (closing its connections); nothing on SQLite. */
  drop(): Promise<void>;
}

/**
 * A fresh database on TEST_DATABASE for one test site or one `annalist` process: migrated and empty, or a copy of
 * a PostgreSQL template database (the seeded demo's).
 */
export async function newTestDatabase(template?: string): Promise<TestDatabase> {
  if (TEST_DATABASE === 'sqlite') return { databaseUrl: undefined, env: {}, async drop() {} };
  const admin = await testPostgresAdminUrl();
  const databaseUrl = await createTestDatabase(admin, template);
  return { databaseUrl, env: { DATABASE_URL: databaseUrl }, drop: () => dropTestDatabase(admin, databaseUrl) };
}

/**
 * The demo site seeded once and copied for every test site that wants it as seeded (most do): seeding renders
 * every article and comment, a copy is a file copy (issue 15: per-file start-up). One folder per test run
 * (ANNALIST_TEST_RUN, set by scripts/test.mjs; else per process): the SQLite file and the media, or, on
 * PostgreSQL, the media beside a template database. Made under a private name and renamed, so concurrent test
 * processes never copy a half-made one.
 */
let demoTemplate: Promise<{ dir: string; database?: string }> | undefined;

const DEMO_TEMPLATE_DIR = join(
  tmpdir(),
  `annalist-demo-template-${process.env.ANNALIST_TEST_RUN ?? `p${process.pid}`}`,
);
if (!process.env.ANNALIST_TEST_RUN)
  process.on('exit', () => rmSync(DEMO_TEMPLATE_DIR, { recursive: true, force: true }));

async function seedInto(dir: string, databaseUrl: string | undefined): Promise<void> {
  const site = await openSite(dir, { databaseUrl, clock: new TestClock() });
  try {
    await seedDemoSite(site.content, { mediaDir: site.mediaDir });
  } finally {
    await site.storage.close();
  }
}

/** Seeds the demo into a private folder (and `databaseUrl`), then renames the folder to `dir`. */
async function seedAndRename(dir: string, databaseUrl: string | undefined): Promise<void> {
  const building = mkdtempSync(`${dir}-building-`);
  await seedInto(building, databaseUrl);
  try {
    renameSync(building, dir);
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(dir)) throw err; // another process renamed its copy first: use that one
  }
}

async function buildDemoTemplate(): Promise<{ dir: string; database?: string }> {
  const dir = `${DEMO_TEMPLATE_DIR}-${TEST_DATABASE}`;
  if (TEST_DATABASE === 'postgres') {
    // The rows in a template database, the media in the folder (renamed before the database is).
    const database = await buildTemplateDatabase(await testPostgresAdminUrl(), 'annalist_demo_template', (url) =>
      seedAndRename(dir, url),
    );
    return { dir, database };
  }
  if (!existsSync(dir)) await seedAndRename(dir, undefined);
  return { dir };
}

/**
 * A real site on a real database (SQLite file in a throwaway folder, or a fresh PostgreSQL database when
 * TEST_DATABASE is postgres), with the demo content unless `demo: false`,
 * and the web app built on it (not listening; use app.inject()). With `jobs: true` the durable job worker runs
 * on the test clock as the server runs it (scheduled posts publish when the clock reaches their time).
 */
export async function startTestSite(
  opts: { demo?: boolean; pageCache?: boolean; clock?: TestClock; commentPostsPerMinute?: number; jobs?: boolean } = {},
): Promise<TestSite> {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-test-'));
  // A site on its own clock seeds at that clock's time; the others copy the seeded demo.
  const copyDemo = opts.demo !== false && !opts.clock;
  if (copyDemo) demoTemplate ??= buildDemoTemplate();
  const template = copyDemo ? await demoTemplate : undefined;
  if (template) cpSync(template.dir, dir, { recursive: true });
  const database = await newTestDatabase(template?.database);
  const clock = opts.clock ?? new TestClock();
  let site: Site | undefined;
  try {
    site = await openSite(dir, { databaseUrl: database.databaseUrl, clock });
    if (opts.demo !== false && !template) await seedDemoSite(site.content, { mediaDir: site.mediaDir });
  } catch (err) {
    // Leave nothing behind: no open pool on the database, no database, no folder.
    await site?.storage.close().catch(() => {});
    await database.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const jobs = opts.jobs ? createJobWorker(site) : undefined;
  const app = buildApp({
    content: site.content,
    contentVersion: site.storage.contentVersion,
    changes: site.changes,
    baseUrl: TEST_BASE_URL,
    mediaDir: site.mediaDir,
    demoMediaDir: DEMO_MEDIA_DIR,
    backups: site.backups,
    exports: site.exports,
    imports: site.imports,
    pageCache: opts.pageCache,
    commentPostsPerMinute: opts.commentPostsPerMinute,
    // ANNALIST_TEST_LOG=error shows what went wrong behind a 500 while debugging a test.
    logger: process.env.ANNALIST_TEST_LOG ? { level: process.env.ANNALIST_TEST_LOG } : false,
  });
  await app.ready();
  await jobs?.start();
  return {
    dir,
    databaseUrl: database.databaseUrl,
    site,
    app,
    clock,
    jobs,
    async close() {
      await app.close();
      await jobs?.stop();
      await site.storage.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every page type a reader can reach on the demo site, for checks that sweep them all. */
export const DEMO_PAGE_TYPES: Record<string, string> = {
  home: '/',
  'home page 2': '/?page=2',
  article: '/khalkhin-gol-1939/',
  'static page': '/about/',
  'category (parent)': '/category/russian-history/',
  'category (child)': '/category/russian-history/soviet-union/',
  tag: '/tag/zhukov/',
  author: '/author/elena-markova/',
  'monthly archive': '/2025/08/',
  search: '/search?q=Zhukov',
  'search (empty)': '/search',
  'search (no results)': '/search?q=xylophone',
  'search with an entity above the results': `/search?q=${encodeURIComponent('Жуков')}`,
  'article, replying with a quote': '/khalkhin-gol-1939/?replyto=3&quote=1',
  'article, comments newest first': '/khalkhin-gol-1939/?corder=newest',
  'article, comment held notice': '/khalkhin-gol-1939/?posted=held',
  'report a comment': '/comments/5/report',
  "a thread's own page, every reply shown": '/khalkhin-gol-1939/thread/12/',
  'category index': '/category/',
  'corrections log': '/corrections/',
  "an article's published versions": '/khalkhin-gol-1939/revisions/',
  'an earlier version': '/khalkhin-gol-1939/revisions/1/',
  'changes between two versions': '/khalkhin-gol-1939/revisions/1...2/',
  'suggest a correction': '/khalkhin-gol-1939/corrections/new',
  sources: '/sources/',
  'a source and the articles citing it': '/sources/coox-1985/',
  'a source with the people drawing on it': '/sources/zhukov-1985/',
  'a person and the articles mentioning him': '/people/georgy-zhukov/',
  'an event, with its dates and other names': '/events/battle-of-khalkhin-gol/',
  'the places index': '/places/',
  'a place with its locator map': '/places/khalkhin-gol/',
  'the site timeline': '/timeline/',
  'the timeline, filtered and zoomed': '/timeline/?person=georgy-zhukov&zoom=month&from=1939-05',
  'not found': '/no-such-article/',
  'not found, with suggestions': '/zhukov-moscow-1941/',
  'bad request': '/?page=abc',
  'bad request, each field named': '/khalkhin-gol-1939/?corder=newest&corder=oldest&replyto=x',
};

/**
 * The page types of DEMO_PAGE_TYPES whose markup the database writes part of: the search snippets come from
 * FTS5's snippet() on SQLite and ts_headline on PostgreSQL, and a page not found suggests articles through that
 * search. test/e2e/search-markup.test.ts checks these on both databases; the full sweeps (accessibility,
 * html-validity) run in one pass (scripts/test.mjs RUN_ONCE).
 */
export const DATABASE_WRITTEN_PAGE_TYPES = [
  'search',
  'search with an entity above the results',
  'not found, with suggestions',
] as const;
