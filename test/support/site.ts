import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openSite, type Site } from '../../src/main.ts';
import { seedDemoSite } from '../../src/modules/demo/demo.service.ts';
import type { Clock } from '../../src/modules/shared/clock.ts';
import { buildApp } from '../../src/web/app.ts';

/** A clock tests can move. */
export class TestClock implements Clock {
  constructor(private at: Date = new Date()) {}
  now(): Date {
    return new Date(this.at);
  }
  set(at: Date | string): void {
    this.at = new Date(at);
  }
}

export interface TestSite {
  dir: string;
  site: Site;
  app: FastifyInstance;
  clock: TestClock;
  close(): Promise<void>;
}

export const TEST_BASE_URL = 'http://annalist.test';

/**
 * A real site on a real SQLite file in a throwaway folder, with the demo content unless `demo: false`,
 * and the web app built on it (not listening; use app.inject()).
 */
export async function startTestSite(
  opts: { demo?: boolean; pageCache?: boolean; clock?: TestClock; commentPostsPerMinute?: number } = {},
): Promise<TestSite> {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-test-'));
  const site = await openSite(dir);
  const clock = opts.clock ?? new TestClock();
  site.content.clock = clock;
  if (opts.demo !== false) await seedDemoSite(site.content, { mediaDir: site.mediaDir });
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
  return {
    dir,
    site,
    app,
    clock,
    async close() {
      await app.close();
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
