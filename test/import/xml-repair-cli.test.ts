/**
 * `annalist import wordpress|disqus FILE.xml --repair` as a real process: the strict refusal in one line with its
 * position and a word on --repair, the import with --repair and its repairs in the printed and JSON reports, and
 * the refusals --repair does not lift.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openSite } from '../../src/main.ts';
import { BROKEN_WXR, ENTITY_BOMB_WXR, positionOf } from '../support/broken-exports.ts';
import { runAnnalist } from '../support/process.ts';
import { newTestDatabase, type TestDatabase } from '../support/site.ts';

describe('annalist import --repair', () => {
  let dir: string;
  let db: TestDatabase;
  let data: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'annalist-repair-cli-'));
    data = join(dir, 'data');
    db = await newTestDatabase();
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function postTitles(): Promise<string[]> {
    const site = await openSite(data, { databaseUrl: db.databaseUrl });
    try {
      const rows = await site.storage.db.selectFrom('posts').select('title').orderBy('title').execute();
      return rows.map((r) => r.title);
    } finally {
      await site.storage.close();
    }
  }

  test('without --repair: one line with the line and column, a word on --repair, nothing imported', async () => {
    const run = await runAnnalist(['import', 'wordpress', file('broken.xml', BROKEN_WXR), '--data-dir', data], db.env);
    assert.equal(run.status, 1);
    const [line, column] = positionOf(BROKEN_WXR, 'Furs &', 5).split(':');
    assert.match(
      run.stderr,
      new RegExp(
        `^annalist: IMPORT_MALFORMED: The file is not well-formed XML at line ${line}, column ${column}: a bare "&".* With --repair the import takes what a tolerant reading recovers .* Nothing was imported\\.\\n$`,
      ),
    );
    assert.deepEqual(await postTitles(), []);
  });

  test('with --repair: imported, each repair printed with its position and written to the JSON report', async () => {
    const json = join(dir, 'report.json');
    const run = await runAnnalist(
      ['import', 'wordpress', join(dir, 'broken.xml'), '--data-dir', data, '--repair', '--report', json],
      db.env,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^post\s+2\s+0\s+0\s+0\s+0$/m);
    assert.match(run.stdout, /^Repaired while reading \(--repair; listed under Details\): bare-ampersand 2, /m);
    assert.match(
      run.stdout,
      new RegExp(`^ {2}file ${positionOf(BROKEN_WXR, '\u0007')}: repaired, character U\\+0007 dropped$`, 'm'),
    );
    assert.match(run.stdout, /"\]\]>" inside a CDATA section kept as text/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(report.repairs['nested-cdata'], 2);
    assert.ok(
      report.lines.some(
        (l: { oldId: string; outcome: string }) =>
          l.outcome === 'repaired' && l.oldId === positionOf(BROKEN_WXR, 'Furs &', 5),
      ),
    );
    assert.deepEqual(await postTitles(), [
      'Furs & tea at Kyakhta',
      'Prices in &rouble;s on the road to Irkutsk — ninety days',
    ]);
  });

  test('a DOCTYPE is refused with --repair too, and --repair is not offered for JSON files', async () => {
    const bomb = await runAnnalist(
      ['import', 'wordpress', file('bomb.xml', ENTITY_BOMB_WXR), '--data-dir', data, '--repair'],
      db.env,
    );
    assert.equal(bomb.status, 1);
    assert.match(bomb.stderr, /^annalist: IMPORT_REFUSED: The file declares a DOCTYPE.* Nothing was imported\.\n$/);
    assert.doesNotMatch(bomb.stderr, /--repair/);
    const ghost = await runAnnalist(
      ['import', 'ghost', file('site.json', '{}'), '--data-dir', data, '--repair'],
      db.env,
    );
    assert.equal(ghost.status, 1);
    assert.match(ghost.stderr, /^annalist: --repair mends XML that is not well-formed: it is for wordpress and disqus/);
    assert.equal((await postTitles()).length, 2, 'the site is as it was');
  });
});
