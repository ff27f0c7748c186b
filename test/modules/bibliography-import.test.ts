import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importBibliography } from '../../src/modules/sources/bibliography-import.ts';
import { formatSource } from '../../src/modules/sources/citation-format.ts';
import { findSourceByKey } from '../../src/modules/sources/sources.service.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

// Issue 18, imports that lose nothing: what citation-js did silently (publishers split at "and", unknown types,
// undefined macros, years that are no dates, newspapers read as journals) is put right and reported per entry.

let t: TestSite;
const deps = () => ({ ...t.site.content, noteWrite: () => {} });
const item = async (key: string) => (await findSourceByKey(deps(), key))!.item;

before(async () => {
  t = await startTestSite({ demo: false });
});
after(() => t.close());

describe('importing BibTeX, biblatex, RIS and CSL-JSON', () => {
  test('plain BibTeX: “and” splits the authors only, so publishers and corporate authors stay whole', async () => {
    const bib = [
      '@book{iwg2006, author = {{Nazi War Crimes and Japanese Imperial Government Records Interagency Working Group}},',
      '  title = {Researching {Japanese} War Crimes Records}, publisher = {National Archives and Records Administration},',
      '  address = {Washington, DC}, year = 2006}',
      '@book{cronon1983, author = {Cronon, William and White, Richard}, title = {Changes in the Land},',
      '  publisher = {Hill and Wang}, address = {New York}, year = 1983}',
      '@book{wolfe1979, author = {Wolfe, Tom}, title = {The Right Stuff}, publisher = {Farrar, Straus, and Giroux},',
      '  address = {New York}, year = 1979}',
    ].join('\n');
    const report = await importBibliography(deps(), { text: bib });
    assert.deepEqual(report.imported, ['iwg2006', 'cronon1983', 'wolfe1979']);
    assert.equal((await item('iwg2006')).publisher, 'National Archives and Records Administration');
    assert.equal((await item('cronon1983')).publisher, 'Hill and Wang');
    assert.deepEqual((await item('cronon1983')).author, [
      { family: 'Cronon', given: 'William' },
      { family: 'White', given: 'Richard' },
    ]);
    assert.equal((await item('wolfe1979')).publisher, 'Farrar, Straus, and Giroux');
    assert.equal(
      formatSource('chicago', await item('iwg2006')).entry,
      'Nazi War Crimes and Japanese Imperial Government Records Interagency Working Group. <i>Researching Japanese War Crimes Records</i>. Washington, DC: National Archives and Records Administration, 2006.',
    );
    // The braces of BibTeX protect “Japanese” from APA's sentence case.
    assert.match(formatSource('apa', await item('iwg2006')).entry, /<i>Researching Japanese war crimes records<\/i>/);
  });

  test('biblatex: a newspaper article (entrysubtype) is a newspaper article with its full date', async () => {
    const bib =
      '@article{nyt1939, author = {Doe, John}, title = {Soviet and {Japanese} Troops Clash}, journaltitle = {New York Times}, entrysubtype = {newspaper}, date = {1939-07-04}}';
    await importBibliography(deps(), { text: bib });
    const nyt = await item('nyt1939');
    assert.equal(nyt.type, 'article-newspaper');
    assert.equal(nyt.genre, undefined);
    assert.equal(
      formatSource('chicago', nyt).citation,
      'John Doe, “Soviet and Japanese Troops Clash,” <i>New York Times</i>, July 4, 1939.',
    );
  });

  test('an unknown type, an undefined macro and a year that is no date are imported and each reported', async () => {
    const bib = [
      '@string{hw = {Hill and Wang}}',
      '@pamphlet{leaflet, title = {Leaflet of the Front}, publisher = {Front Press}, year = 1939}',
      '@book{macro, title = {Macro Book}, publisher = hw, address = nyc, year = 1983}',
      '@book{words, title = {A Book of Words}, year = {twenty twelve}}',
    ].join('\n');
    const report = await importBibliography(deps(), { text: bib });
    assert.deepEqual(report.imported, ['leaflet', 'macro', 'words']);
    assert.deepEqual(report.warnings, [
      {
        entry: '@pamphlet{leaflet} (line 2)',
        message: 'The entry type “@pamphlet” is not one BibTeX or biblatex defines; it was imported as a book.',
      },
      {
        entry: '@book{macro} (line 3)',
        message: 'The field “address” uses “nyc”, which no @string defines; that part was left out.',
      },
      {
        entry: '@book{words} (line 4)',
        message: 'The date “twenty twelve” is not a date; the entry was imported without one.',
      },
    ]);
    assert.equal((await item('leaflet')).type, 'book');
    assert.equal((await item('macro')).publisher, 'Hill and Wang');
    assert.equal((await item('words')).issued, undefined);
  });

  test('RIS: a newspaper article keeps its author and its full date', async () => {
    const ris = [
      'TY  - NEWS',
      'AU  - Doe, Jane',
      'TI  - Fighting on the Khalkha River',
      'T2  - New York Times',
      'PY  - 1939/07/05/',
      'ER  - ',
      'TY  - NEWS',
      'A1  - Roe, Richard',
      'TI  - Truce on the Border',
      'JF  - The Times',
      'PY  - 1939',
      'DA  - 1939/09/16',
      'ER  - ',
    ].join('\n');
    const report = await importBibliography(deps(), { text: ris });
    assert.deepEqual(report.imported, ['doe-1939', 'roe-1939']);
    const doe = await item('doe-1939');
    assert.deepEqual(doe.author, [{ family: 'Doe', given: 'Jane' }]);
    assert.deepEqual(doe.issued, { 'date-parts': [[1939, 7, 5]] });
    assert.deepEqual((await item('roe-1939')).issued, { 'date-parts': [[1939, 9, 16]] });
    assert.equal(
      formatSource('chicago', doe).entry,
      'Doe, Jane. “Fighting on the Khalkha River.” <i>New York Times</i>, July 5, 1939.',
    );
  });

  test('CSL-JSON with a trailing comma is refused with its line and column', async () => {
    const json = '[\n  { "id": "a", "type": "book", "title": "A" },\n]';
    await assert.rejects(importBibliography(deps(), { text: json }), {
      code: 'BIBLIOGRAPHY_UNREADABLE',
      publicMessage:
        'The CSL-JSON is broken at line 2, column 46: a comma before “]” (trailing commas are not allowed). Nothing was imported.',
    });
    await assert.rejects(importBibliography(deps(), { text: '[{"id": "x" "type": "book"}]' }), {
      publicMessage:
        'The CSL-JSON is broken at line 1, column 13: “"” where a comma or a closing bracket should be. Nothing was imported.',
    });
  });

  test('2,000 entries with a third broken: the two thirds come in, each broken one named with its line and reason', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++)
      lines.push(
        i % 3 === 2
          ? `@book{bulk${i}, author = {Hale, Nora}, year = 2010}`
          : `@book{bulk${i}, author = {Hale, Nora}, title = {Steppe Campaigns ${i}}, year = 2010}`,
      );
    const report = await importBibliography(deps(), { text: lines.join('\n') });
    assert.equal(report.imported.length, 1334);
    assert.equal(report.failed.length, 666);
    assert.deepEqual(report.failed[0], { entry: '@book{bulk2} (line 3)', reason: 'The entry has no title.' });
    assert.deepEqual(report.failed[665], { entry: '@book{bulk1997} (line 1998)', reason: 'The entry has no title.' });
  });

  test('an @string used over and over counts at its full length: the entry is refused, quickly, and the rest come in', async () => {
    const bib = [
      `@string{long = "${'x'.repeat(50_000)}"}`,
      `@misc{blowup, title = ${Array.from({ length: 1_000 }, () => 'long').join(' # ')}, year = 2001}`,
      '@book{kept-1, author = {Hill, Anna}, title = {A Short Book}, publisher = {Small Press}, year = 2001}',
    ].join('\n');
    const started = performance.now();
    const report = await importBibliography(deps(), { text: bib });
    assert.ok(performance.now() - started < 2_000, `took ${Math.round(performance.now() - started)} ms`);
    assert.deepEqual(report.imported, ['kept-1']);
    assert.match(report.failed[0]?.reason ?? '', /too long once its @string abbreviations are filled in/);
  });

  test('RIS records written indented still count towards the 2,000-entry limit', async () => {
    const ris = `TY  - BOOK\nTI  - One\nER  - \n${' TY  - JOUR\nTI  - a\nER  - \n'.repeat(2_500)}`;
    await assert.rejects(importBibliography(deps(), { text: ris }), { code: 'BIBLIOGRAPHY_TOO_LARGE' });
  });

  test('many entries whose made-up keys are the same each get a key of their own, in linear time', async () => {
    const ris = Array.from(
      { length: 300 },
      (_, i) => `TY  - BOOK\nAU  - Same, Sam\nTI  - Book ${i}\nPY  - 1999\nER  - \n`,
    );
    const report = await importBibliography(deps(), { text: ris.join('') });
    assert.equal(report.imported.length, 300, JSON.stringify(report.failed[0]));
    assert.equal(new Set(report.imported).size, 300);
    assert.deepEqual(report.imported.slice(0, 2), ['same-1999', 'same-1999b']);
    assert.ok(report.imported.includes('same-1999z') && report.imported.includes('same-1999-27'));
  });
});
