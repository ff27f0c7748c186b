import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE } from './browser.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core on the page as it is now. The site's CSP forbids inline script, so the page must come from a
 * browser launched with `bypassCSP` (only the accessibility suites do that).
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown }> } })
      .axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations as AxeViolation[];
  });
}

/** One readable block per violation: page, rule, impact, help, and the elements it found. */
export function describeViolations(pageName: string, violations: AxeViolation[]): string {
  return violations
    .map((v) => {
      const targets = v.nodes.map((n) => `      ${n.target.map(String).join(' ')}`).join('\n');
      return `${pageName}: ${v.id} [${v.impact}] ${v.help}\n    ${v.helpUrl}\n${targets}`;
    })
    .join('\n');
}

/**
 * The widths and colour schemes the axe sweeps check every page in. Dark mode is a separate palette readers get
 * from their system setting, so its contrast is checked too (once: width does not change colours).
 */
export const AXE_SWEEPS = [
  { label: 'at desktop width (1280px)', viewport: DESKTOP, colorScheme: 'light' },
  { label: 'at phone width (390px)', viewport: PHONE, colorScheme: 'light' },
  { label: 'in dark mode at desktop width', viewport: DESKTOP, colorScheme: 'dark' },
] as const;
