import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createJobWorker, openSite, type Site } from '../../src/main.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import type { JobWorker } from '../../src/modules/jobs/job-worker.ts';
import type { Clock } from '../../src/modules/shared/clock.ts';
import { buildApp } from '../../src/web/app.ts';

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
  site: Site;
  app: FastifyInstance;
  clock: TestClock;
  /** The job worker, started as `annalist serve` starts it, when the site was asked for `jobs: true`. */
  jobs?: JobWorker;
  close(): Promise<void>;
}

export const TEST_BASE_URL = 'http://annalist.test';

/**
 * A real site on a real SQLite file in a throwaway folder, with the demo content unless `demo: false`,
 * and the web app built on it (not listening; use app.inject()). With `jobs: true` the durable job worker runs
 * on the test clock as the server runs it (scheduled posts publish when the clock reaches their time).
 */
export async function startTestSite(
  opts: { demo?: boolean; pageCache?: boolean; clock?: TestClock; commentPostsPerMinute?: number; jobs?: boolean } = {},
): Promise<TestSite> {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-test-'));
  const site = await openSite(dir);
  const clock = opts.clock ?? new TestClock();
  site.content.clock = clock;
  if (opts.demo !== false) await seedDemoSite(site.content, { mediaDir: site.mediaDir });
  const jobs = opts.jobs ? createJobWorker(site) : undefined;
  const app = buildApp({
    content: site.content,
    contentVersion: site.storage.contentVersion,
    baseUrl: TEST_BASE_URL,
    mediaDir: site.mediaDir,
    pageCache: opts.pageCache,
    commentPostsPerMinute: opts.commentPostsPerMinute,
    logger: false,
  });
  await app.ready();
  await jobs?.start();
  return {
    dir,
    site,
    app,
    clock,
    jobs,
    async close() {
      await app.close();
      await jobs?.stop();
      await site.storage.close();
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
  'not found': '/no-such-article/',
  'not found, with suggestions': '/zhukov-moscow-1941/',
  'bad request': '/?page=abc',
};
