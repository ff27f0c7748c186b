import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createJobWorker, openSite, type Site } from '../../src/main.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import type { JobWorker } from '../../src/modules/jobs/job-worker.ts';
import type { Clock } from '../../src/modules/shared/clock.ts';
import { buildApp } from '../../src/web/app.ts';
import { createTestDatabase, dropTestDatabase, startPostgres, type TestPostgres } from './postgres.ts';

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

/** A fresh, migrated, empty database on TEST_DATABASE for one test site or one `annalist` process. */
export async function newTestDatabase(): Promise<TestDatabase> {
  if (TEST_DATABASE === 'sqlite') return { databaseUrl: undefined, env: {}, async drop() {} };
  const admin = await testPostgresAdminUrl();
  const databaseUrl = await createTestDatabase(admin);
  return { databaseUrl, env: { DATABASE_URL: databaseUrl }, drop: () => dropTestDatabase(admin, databaseUrl) };
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
  const database = await newTestDatabase();
  const clock = opts.clock ?? new TestClock();
  let site: Site | undefined;
  try {
    site = await openSite(dir, { databaseUrl: database.databaseUrl });
    site.content.clock = clock;
    if (opts.demo !== false) await seedDemoSite(site.content, { mediaDir: site.mediaDir });
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
    baseUrl: TEST_BASE_URL,
    mediaDir: site.mediaDir,
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
  'article, replying with a quote': '/khalkhin-gol-1939/?replyto=3&quote=1',
  'article, comments newest first': '/khalkhin-gol-1939/?corder=newest',
  'article, comment held notice': '/khalkhin-gol-1939/?posted=held',
  'report a comment': '/comments/5/report',
  'category index': '/category/',
  'corrections log': '/corrections/',
  "an article's published versions": '/khalkhin-gol-1939/revisions/',
  'an earlier version': '/khalkhin-gol-1939/revisions/1/',
  'changes between two versions': '/khalkhin-gol-1939/revisions/1...2/',
  'suggest a correction': '/khalkhin-gol-1939/corrections/new',
  sources: '/sources/',
  'a source and the articles citing it': '/sources/coox-1985/',
  'not found': '/no-such-article/',
  'not found, with suggestions': '/zhukov-moscow-1941/',
  'bad request': '/?page=abc',
};
