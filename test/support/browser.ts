import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestSite, type TestSite } from './site.ts';

/** Phone and desktop viewports used by the browser tests. */
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export interface ServedSite extends TestSite {
  /** Where the server listens, e.g. "http://127.0.0.1:41234" (no trailing slash). */
  origin: string;
}

/**
 * A real Annalist HTTP server on a random loopback port, over a throwaway data folder with the demo content.
 */
export async function startServedSite(opts: Parameters<typeof startTestSite>[0] = {}): Promise<ServedSite> {
  const t = await startTestSite(opts);
  try {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    return { ...t, origin: address };
  } catch (err) {
    await t.close();
    throw err;
  }
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab at the given viewport size. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile in a temporary folder, removed on close. Playwright refuses a
 * --user-data-dir argument, so the profile is given to launchPersistentContext instead.
 * `bypassCSP` is for tests that inject their own script (axe); reader tests keep the site's real policy.
 * `javaScriptEnabled: false`: a reader whose browser runs no script (the forms without islands).
 */
export async function launchBrowser(
  opts: { bypassCSP?: boolean; javaScriptEnabled?: boolean } = {},
): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'annalist-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: DESKTOP,
      bypassCSP: opts.bypassCSP ?? false,
      javaScriptEnabled: opts.javaScriptEnabled ?? true,
      reducedMotion: 'reduce',
      colorScheme: 'light',
      locale: 'en-GB',
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  context.setDefaultTimeout(5_000);
  // A page load waits on the server, which in CI shares two cores with the other database's suite and three
  // axe sweeps; loads get longer than actions so a busy machine is not taken for a broken page.
  context.setDefaultNavigationTimeout(20_000);
  return {
    context,
    async newPage(viewport = DESKTOP) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}
