/**
 * `annalist export wordpress|json|static` never change the site (docs/export.md): in real processes, on the
 * database of this pass. A site at an older schema is refused by every format with EXPORT_SCHEMA_OLD and left
 * as it was (not migrated); a site that never served (no signing key yet) gets its static copy without one being
 * stored; and a write that fails at once leaves no `<out>.partial-<pid>` behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../src/storage/schema.ts';
import { type Run, runAnnalist } from '../support/process.ts';
import { startTestSite, TEST_DATABASE, type TestSite } from '../support/site.ts';

const out = mkdtempSync(join(tmpdir(), 'annalist-export-ro-'));
const sites: TestSite[] = [];

/** `annalist export …` from the sources on `site`. */
function annalistExport(site: TestSite, args: string[]): Promise<Run> {
  return runAnnalist(['export', ...args, '--data-dir', site.dir], {
    LOG_LEVEL: 'silent',
    ANNALIST_BASE_URL: 'https://steppe.example',
    DATABASE_URL: site.databaseUrl,
  });
}

async function site(): Promise<TestSite> {
  const t = await startTestSite();
  sites.push(t);
  return t;
}

const applied = async (db: Db) =>
  (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name);
const tables = async (db: Db) => (await db.introspection.getTables()).map((t) => t.name);
const partials = () => readdirSync(out).filter((f) => f.includes('.partial-'));

after(async () => {
  for (const t of sites) await t.close();
  rmSync(out, { recursive: true, force: true });
});

describe(`annalist export opens the site read-only (${TEST_DATABASE})`, () => {
  let old: TestSite;
  before(async () => {
    // The site as an older Annalist left it: the newest migration not yet applied.
    old = await site();
    const db = old.site.content.db;
    await db.schema.dropTable('backup_runs').execute();
    await sql`delete from kysely_migration where name = '009-backup-runs'`.execute(db);
  });

  for (const format of ['json', 'wordpress', 'static'] as const) {
    test(`${format}: a site at an older schema is refused in one line, and is not migrated`, async () => {
      const before = await applied(old.site.content.db);
      const target = join(out, `old-${format}`);
      const run = await annalistExport(old, format === 'static' ? [format, target] : [format, '--out', target]);
      assert.equal(run.status, 1, run.stderr);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(
        run.stderr,
        /^annalist: EXPORT_SCHEMA_OLD: .* has an older schema than this Annalist \(1 update not applied, from 009-backup-runs\); start `annalist serve` with this version once/,
      );
      assert.equal(existsSync(target), false, 'nothing written');
      assert.deepEqual(partials(), []);
      assert.deepEqual(await applied(old.site.content.db), before, 'no migration ran');
      assert.ok(!(await tables(old.site.content.db)).includes('backup_runs'));
    });
  }

  test('a site that never served gets its static copy, and no signing key is stored in it', async () => {
    const fresh = await site();
    const db = fresh.site.content.db;
    await db.deleteFrom('settings').where('key', '=', 'secret.hmac').execute();
    const target = join(out, 'fresh-static');
    const run = await annalistExport(fresh, ['static', target]);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(existsSync(join(target, 'khalkhin-gol-1939', 'index.html')));
    const key = await db.selectFrom('settings').select('key').where('key', '=', 'secret.hmac').execute();
    assert.deepEqual(key, []);
  });

  test('a write that fails at once (a time zone Intl does not know) leaves no partial file', async () => {
    const broken = await site();
    await broken.site.content.db
      .updateTable('settings')
      .set({ value: JSON.stringify('Mars/Olympus_Mons') })
      .where('key', '=', 'timeZone')
      .execute();
    for (let i = 1; i <= 3; i++) {
      const target = join(out, `broken-${i}.xml`);
      const run = await annalistExport(broken, ['wordpress', '--out', target]);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /^annalist: EXPORT_FAILED: writing .*broken-\d\.xml failed .*; nothing was kept/);
      assert.equal(existsSync(target), false);
      assert.deepEqual(partials(), [], 'no <out>.partial-<pid> is left');
    }
  });
});
