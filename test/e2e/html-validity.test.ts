import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEMO_PAGE_TYPES, startTestSite, type TestSite } from '../support/site.ts';

const VNU_JAR = createRequire(import.meta.url).resolve('vnu-jar/build/dist/vnu.jar');

interface VnuMessage {
  type: string;
  subType?: string;
  url?: string;
  lastLine?: number;
  message: string;
  extract?: string;
}

const CONTROL_PAGE =
  '<!DOCTYPE html><html lang="en"><head><title>control</title></head><body><p id="twice"></p><p id="twice"></p></body></html>';

let t: TestSite;
let dir: string;
before(async () => {
  t = await startTestSite();
  dir = mkdtempSync(join(tmpdir(), 'annalist-vnu-'));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

describe('HTML validity', () => {
  test('every page type is valid HTML according to the Nu validator', async () => {
    const pages = new Map<string, string>();
    for (const [name, url] of Object.entries(DEMO_PAGE_TYPES)) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.match(res.headers['content-type'] as string, /^text\/html/, `${name} is HTML`);
      const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.html`);
      writeFileSync(file, res.body);
      pages.set(file, `${name} (${url})`);
    }
    // A page known to be invalid proves the validator really read the files: a silent run would pass anything.
    const control = join(dir, 'control.html');
    writeFileSync(control, CONTROL_PAGE);

    // One JVM start for all pages. vnu reports on stderr and exits 1 when it finds errors.
    const args = ['-jar', VNU_JAR, '--errors-only', '--format', 'json', control, ...pages.keys()];
    const run = await promisify(execFile)('java', args, { maxBuffer: 16 * 1024 * 1024 }).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    const report = JSON.parse(run.stderr || run.stdout) as { messages: VnuMessage[] };
    const fileOf = (m: VnuMessage) => (m.url ? fileURLToPath(m.url) : '');
    assert.ok(
      report.messages.some((m) => fileOf(m) === control && /Duplicate ID/.test(m.message)),
      `the validator reports the control page's duplicate id (got ${JSON.stringify(report.messages.slice(0, 3))})`,
    );

    const errors = report.messages.filter((m) => fileOf(m) !== control);
    const listing = errors
      .map(
        (m) =>
          `${pages.get(fileOf(m)) ?? m.url} line ${m.lastLine ?? '?'}: [${m.type}] ${m.message}\n    ${m.extract ?? ''}`,
      )
      .join('\n');
    assert.equal(errors.length, 0, `validator errors:\n${listing}`);
  });
});
