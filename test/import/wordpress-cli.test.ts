/**
 * `annalist import wordpress` as a real process: the report on stdout and as JSON, a refusal in one line, and
 * kill -9 half-way through a large export leaving the site exactly as it was.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openSite } from '../../src/main.ts';
import { type Run, runAnnalist } from '../support/process.ts';
import { newTestDatabase, type TestDatabase } from '../support/site.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/import/amur-chronicle.wxr.xml', import.meta.url));

/** Runs the command from the sources; `killWhen` SIGKILLs it as soon as its stderr matches. */
function annalist(args: string[], env: Record<string, string>, killWhen?: RegExp): Promise<Run> {
  return runAnnalist(args, env, { killWhen });
}

/** A generated export of `n` posts with a comment each (our own filler text). */
function bigExport(n: number): string {
  const items: string[] = [];
  for (let i = 1; i <= n; i++)
    items.push(`<item><title>Generated entry ${i}</title><dc:creator>clerk</dc:creator>
<content:encoded><![CDATA[Entry ${i} of a long register of river crossings.

A second paragraph, so that the body is more than one line.]]></content:encoded>
<wp:post_id>${i}</wp:post_id><wp:post_date_gmt>2001-01-01 00:00:00</wp:post_date_gmt><wp:post_name>entry-${i}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author>Reader ${i}</wp:comment_author><wp:comment_content>Noted.</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent></wp:comment></item>`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Register</title><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>http://register.example</wp:base_site_url>
${items.join('\n')}
</channel></rss>
`;
}

describe('annalist import wordpress', () => {
  let dir: string;
  let db: TestDatabase;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'annalist-import-cli-'));
    db = await newTestDatabase();
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function postCount(): Promise<number> {
    const site = await openSite(join(dir, 'data'), { databaseUrl: db.databaseUrl });
    try {
      const row = await site.storage.db
        .selectFrom('posts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    } finally {
      await site.storage.close();
    }
  }

  test('killed with SIGKILL half-way through a large export, it leaves the site as it was', async () => {
    const file = join(dir, 'register.xml');
    writeFileSync(file, bigExport(4000));
    const run = await annalist(
      ['import', 'wordpress', file, '--data-dir', join(dir, 'data')],
      db.env,
      /read 1000 items/,
    );
    assert.equal(run.signal, 'SIGKILL', `it was killed mid-way (stderr: ${run.stderr})`);
    assert.equal(await postCount(), 0);
  });

  test('a refused file is one line naming the position, with exit code 1 and nothing imported', async () => {
    const file = join(dir, 'broken.xml');
    // One bare & in a title near the end: everything before it must be dropped too.
    const broken = readFileSync(FIXTURE, 'utf8').replace(
      '<title>Searching for the old fort</title>',
      '<title>Search & find</title>',
    );
    assert.match(broken, /Search & find/);
    writeFileSync(file, broken);
    const run = await annalist(['import', 'wordpress', file, '--data-dir', join(dir, 'data')], db.env);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /^annalist: IMPORT_MALFORMED: .*line \d+, column \d+: a bare "&".*Nothing was imported\.\n$/,
    );
    assert.equal(await postCount(), 0);
  });

  test('an import prints the report, writes it as JSON with --report, and a second run changes nothing', async () => {
    const json = join(dir, 'report.json');
    const args = ['import', 'wordpress', FIXTURE, '--data-dir', join(dir, 'data'), '--report', json];
    const first = await annalist(args, db.env);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^post\s+10\s+0\s+0\s+0\s+0$/m);
    assert.match(first.stdout, /pullquote_box \(items 101\)/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(report.counts.comment.imported, 7);
    assert.deepEqual(report.orphanComments, ['101:4']);
    assert.equal(await postCount(), 11, 'ten posts and a page');
    const second = await annalist(args, db.env);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /^post\s+0\s+0\s+10\s+0\s+0$/m);
    assert.equal(await postCount(), 11);
  });
});
