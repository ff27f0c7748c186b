import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addToList,
  formatReport,
  newReport,
  noteLine,
  REPORT_LIST_MAX,
} from '../../src/modules/import/import-report.ts';

describe('the import report of a very large file', () => {
  test('keeps the first entries of each list and counts the rest, saying so when printed', () => {
    const report = newReport(false, 'wordpress');
    for (let i = 0; i < REPORT_LIST_MAX + 3; i++) {
      noteLine(report, { kind: 'post', oldId: String(i), outcome: 'note', reason: 'private on the old site' });
      addToList(report, 'remoteMedia', { kind: 'post', oldId: String(i), address: 'https://old.example/map.png' });
    }
    assert.equal(report.lines.length, REPORT_LIST_MAX);
    assert.equal(report.remoteMedia.length, REPORT_LIST_MAX);
    assert.deepEqual(report.unlisted, { lines: 3, remoteMedia: 3 });
    assert.equal(report.lines.at(-1)?.oldId, String(REPORT_LIST_MAX - 1), 'the first ones are the ones kept');
    assert.match(
      formatReport(report),
      /Not listed \(each list keeps its first 10,000\): 3 more details, 3 more images left at their old address\./,
    );
  });
});
