import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const VNU_JAR = createRequire(import.meta.url).resolve('vnu-jar/build/dist/vnu.jar');

interface VnuMessage {
  type: string;
  url?: string;
  lastLine?: number;
  message: string;
  extract?: string;
}

const CONTROL_PAGE =
  '<!DOCTYPE html><html lang="en"><head><title>control</title></head><body><p id="twice"></p><p id="twice"></p></body></html>';

/**
 * Validates pages with the Nu HTML Checker in one JVM run and returns its errors, one readable line each.
 * A page known to be invalid goes along: if the checker does not flag it, it read nothing and the call fails.
 */
export async function htmlErrors(pages: { name: string; html: string }[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'annalist-vnu-'));
  try {
    const names = new Map<string, string>();
    pages.forEach((p, i) => {
      const file = join(dir, `${i}-${p.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.html`);
      writeFileSync(file, p.html);
      names.set(file, p.name);
    });
    const control = join(dir, 'control.html');
    writeFileSync(control, CONTROL_PAGE);
    // vnu reports on stderr and exits 1 when it finds errors.
    const args = ['-jar', VNU_JAR, '--errors-only', '--format', 'json', control, ...names.keys()];
    const run = await promisify(execFile)('java', args, { maxBuffer: 16 * 1024 * 1024 }).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    const report = JSON.parse(run.stderr || run.stdout) as { messages: VnuMessage[] };
    const fileOf = (m: VnuMessage) => (m.url ? fileURLToPath(m.url) : '');
    assert.ok(
      report.messages.some((m) => fileOf(m) === control && /Duplicate ID/.test(m.message)),
      `the validator reports the control page's duplicate id (got ${JSON.stringify(report.messages.slice(0, 3))})`,
    );
    return report.messages
      .filter((m) => fileOf(m) !== control)
      .map(
        (m) =>
          `${names.get(fileOf(m)) ?? m.url} line ${m.lastLine ?? '?'}: [${m.type}] ${m.message}\n    ${m.extract ?? ''}`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
