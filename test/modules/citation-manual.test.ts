import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { citationResolver } from '../../src/modules/sources/citation-format.ts';
import { ITEMS } from '../fixtures/citations/manual-items.ts';
import { AUTHOR_DATE_ROWS, BIBLIOGRAPHY_ROWS, MANUAL_TABLE } from '../fixtures/citations/manual-table.ts';

// Our three style files against the hand-checked table: the first note, the short note that follows it and the
// bibliography entry in Chicago; the citation in the text and the reference in APA; and Chicago author-date.

const items = Object.values(ITEMS);

describe('the hand-checked table: Chicago notes and bibliography (CMOS 17, chapter 14)', () => {
  for (const row of MANUAL_TABLE)
    test(`${row.what} (${row.rule.split('; ')[0]})`, () => {
      const r = citationResolver('chicago', items);
      const cite = { key: row.key, ...row.cite };
      const [note, short] = r.formatCites([[cite], [cite]]);
      assert.equal(note, row.chicago.note);
      assert.equal(short, row.chicago.short);
      if (row.chicago.bibliography) assert.equal(r.bibliography([row.key])[0], row.chicago.bibliography);
    });
});

describe('the hand-checked table: APA (7th edition)', () => {
  for (const row of MANUAL_TABLE)
    test(`${row.what} (${row.rule.split('; ')[1] ?? row.rule})`, () => {
      const r = citationResolver('apa', items);
      assert.equal(r.formatCites([[{ key: row.key, ...row.cite }]])[0], row.apa.cite);
      if (row.apa.reference) assert.equal(r.bibliography([row.key])[0], row.apa.reference);
    });
});

describe('the hand-checked table: bibliographies of several sources', () => {
  for (const row of BIBLIOGRAPHY_ROWS)
    test(`${row.what}: a repeated author is a 3-em dash in Chicago, repeated in APA (${row.rule})`, () => {
      assert.deepEqual(citationResolver('chicago', items).bibliography(row.keys), row.chicago);
      assert.deepEqual(citationResolver('apa', items).bibliography(row.keys), row.apa);
    });
});

describe('the hand-checked table: Chicago author-date (CMOS 17, chapter 15)', () => {
  for (const row of AUTHOR_DATE_ROWS)
    test(`${row.key}: “${row.text}” and its reference (${row.rule})`, () => {
      const r = citationResolver('chicago-author-date', items);
      assert.equal(r.formatCites([[{ key: row.key, ...row.cite }]])[0], row.text);
      assert.equal(r.bibliography([row.key])[0], row.reference);
    });
});

test('the table has at least 40 checked sources, each with the section of the Manual it follows', () => {
  assert.ok(MANUAL_TABLE.length >= 40, `${MANUAL_TABLE.length} rows`);
  for (const row of MANUAL_TABLE) assert.match(row.rule, /^CMOS \d+\.\d+.*; APA \d+\.\d+/, row.what);
});
