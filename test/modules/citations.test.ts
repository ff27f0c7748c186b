import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Element } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { renderMarkdown } from '../../src/modules/markdown/render-markdown.ts';
import { preflightPost } from '../../src/modules/preflight/preflight.service.ts';
import { importBibliography } from '../../src/modules/sources/bibliography-import.ts';
import { citationResolver } from '../../src/modules/sources/citation-format.ts';
import { citedKeys, renderCitedMarkdown } from '../../src/modules/sources/cited-markdown.ts';
import { emptySourceForm, itemFromForm } from '../../src/modules/sources/source-form.ts';
import { deleteSource, findSourceByKey } from '../../src/modules/sources/sources.service.ts';
import type { CslItem } from '../../src/modules/sources/sources.types.ts';
import { createArticle, createSource } from '../support/factories.ts';
import { type Page, parsePage } from '../support/page.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

// The sources below are made up for the tests (apart from Coox's book). Their titles are stored as a writer
// types them, with {braces} around the proper nouns APA's sentence case must keep (decision 022).
const BOOK: CslItem = {
  id: 'coox-1985',
  type: 'book',
  author: [{ family: 'Coox', given: 'Alvin D.' }],
  title: 'Nomonhan: {Japan} against {Russia}, 1939',
  'title-short': 'Nomonhan',
  publisher: 'Stanford University Press',
  'publisher-place': 'Stanford',
  issued: { 'date-parts': [[1985]] },
};
const ARTICLE: CslItem = {
  id: 'ilyina-1995',
  type: 'article-journal',
  author: [{ family: 'Ilyina', given: 'Marta' }],
  title: '{Zhukov} at {Khalkhin Gol}',
  'title-short': 'Zhukov',
  'container-title': 'Steppe History Review',
  volume: '8',
  issue: '2',
  page: '387-406',
  issued: { 'date-parts': [[1995]] },
  DOI: '10.5555/shr.1995.8.2',
};
const CHAPTER: CslItem = {
  id: 'berg-2001',
  type: 'chapter',
  author: [{ family: 'Berg', given: 'Tomas' }],
  title: 'Logistics at {Nomonhan}',
  'title-short': 'Logistics',
  'container-title': 'Nomonhan, 1939',
  editor: [{ family: 'Sato', given: 'Kenji' }],
  publisher: 'Harbour Press',
  'publisher-place': 'London',
  page: '45-67',
  issued: { 'date-parts': [[2001]] },
};
const ARCHIVE: CslItem = {
  id: 'orlov-1939',
  type: 'manuscript',
  author: [{ family: 'Orlov', given: 'Ivan' }],
  title: 'Report to {Voroshilov}',
  archive: 'Central Steppe Archive',
  archive_location: 'fond 12, opis 3, delo 45',
  'archive-place': 'Ulaanbaatar',
  issued: { 'date-parts': [[1939, 8, 30]] },
};
const WEB: CslItem = {
  id: 'hale-2024',
  type: 'webpage',
  author: [{ family: 'Hale', given: 'Nora' }],
  title: '{Khalkhin Gol} Today',
  'container-title': 'Steppe Notes',
  URL: 'https://example.org/khalkhin-gol',
  issued: { 'date-parts': [[2024, 5, 2]] },
  accessed: { 'date-parts': [[2026, 3, 4]] },
};
const UNDATED_WEB: CslItem = {
  id: 'steppe-maps',
  type: 'webpage',
  title: 'Maps of the {Khalkha River}',
  'container-title': 'Steppe Notes',
  URL: 'https://example.org/maps',
  accessed: { 'date-parts': [[2026, 3, 4]] },
};
const ALL = [BOOK, ARTICLE, CHAPTER, ARCHIVE, WEB, UNDATED_WEB];

/** The first and a later note for one source, and its bibliography entry. */
function chicago(
  item: CslItem,
  first: { locator?: string; label?: string },
  later: { locator?: string; label?: string },
) {
  const r = citationResolver('chicago', ALL);
  const [note, short] = r.formatCites([[{ key: item.id, ...first }], [{ key: item.id, ...later }]]);
  return { note, short, entry: r.bibliography([item.id])[0] };
}

function apa(item: CslItem, at: { locator?: string; label?: string }) {
  const r = citationResolver('apa', ALL);
  return { cite: r.formatCites([[{ key: item.id, ...at }]])[0], entry: r.bibliography([item.id])[0] };
}

const p = (n: string) => ({ locator: n, label: 'page' });

describe('Chicago notes and bibliography (our style file), checked against the Manual, 17th ed.', () => {
  test('a book: full note, shortened note (Family, Short Title, page), bibliography entry (14.18, 14.30, 14.68)', () => {
    const c = chicago(BOOK, p('112'), p('113'));
    assert.equal(
      c.note,
      'Alvin D. Coox, <i>Nomonhan: Japan against Russia, 1939</i> (Stanford: Stanford University Press, 1985), 112.',
    );
    assert.equal(c.short, 'Coox, <i>Nomonhan</i>, 113.');
    assert.equal(
      c.entry,
      'Coox, Alvin D. <i>Nomonhan: Japan against Russia, 1939</i>. Stanford: Stanford University Press, 1985.',
    );
  });

  test('a journal article: volume, number, year, cited page and DOI; the page range in the bibliography (14.171)', () => {
    const c = chicago(ARTICLE, p('390'), p('391'));
    assert.equal(
      c.note,
      'Marta Ilyina, “Zhukov at Khalkhin Gol,” <i>Steppe History Review</i> 8, no. 2 (1995): 390, https://doi.org/10.5555/shr.1995.8.2.',
    );
    assert.equal(c.short, 'Ilyina, “Zhukov,” 391.');
    assert.equal(
      c.entry,
      'Ilyina, Marta. “Zhukov at Khalkhin Gol.” <i>Steppe History Review</i> 8, no. 2 (1995): 387–406. https://doi.org/10.5555/shr.1995.8.2.',
    );
  });

  test('a chapter in an edited book: “in”, ed. / edited by, the chapter’s pages in the bibliography (14.107)', () => {
    const c = chicago(CHAPTER, p('50'), p('52'));
    assert.equal(
      c.note,
      'Tomas Berg, “Logistics at Nomonhan,” in <i>Nomonhan, 1939</i>, ed. Kenji Sato (London: Harbour Press, 2001), 50.',
    );
    assert.equal(c.short, 'Berg, “Logistics,” 52.');
    assert.equal(
      c.entry,
      'Berg, Tomas. “Logistics at Nomonhan.” In <i>Nomonhan, 1939</i>, edited by Kenji Sato, 45–67. London: Harbour Press, 2001.',
    );
  });

  test('an archive document: title, date, folio, place in the collection, archive and city (14.232)', () => {
    const c = chicago(ARCHIVE, { locator: '12', label: 'folio' }, { locator: '14', label: 'folio' });
    assert.equal(
      c.note,
      'Ivan Orlov, “Report to Voroshilov,” August 30, 1939, fol. 12, fond 12, opis 3, delo 45, Central Steppe Archive, Ulaanbaatar.',
    );
    assert.equal(c.short, 'Orlov, “Report to Voroshilov,” fol. 14.');
    assert.equal(
      c.entry,
      'Orlov, Ivan. “Report to Voroshilov.” August 30, 1939. Fond 12, opis 3, delo 45. Central Steppe Archive, Ulaanbaatar.',
    );
  });

  test('a web page: the site in roman, the date of publication, or “accessed” when it has none (14.206)', () => {
    const c = chicago(WEB, {}, {});
    assert.equal(
      c.note,
      'Nora Hale, “Khalkhin Gol Today,” Steppe Notes, May 2, 2024, https://example.org/khalkhin-gol.',
    );
    assert.equal(c.short, 'Hale, “Khalkhin Gol Today.”');
    assert.equal(
      c.entry,
      'Hale, Nora. “Khalkhin Gol Today.” Steppe Notes, May 2, 2024. https://example.org/khalkhin-gol.',
    );
    const u = chicago(UNDATED_WEB, {}, {});
    assert.equal(
      u.note,
      '“Maps of the Khalkha River,” Steppe Notes, accessed March 4, 2026, https://example.org/maps.',
    );
    assert.equal(
      u.entry,
      '“Maps of the Khalkha River.” Steppe Notes. Accessed March 4, 2026. https://example.org/maps.',
    );
  });

  test('the bibliography is sorted by author, whatever the order of citing', () => {
    const r = citationResolver('chicago', ALL);
    const entries = r.bibliography(['orlov-1939', 'hale-2024', 'coox-1985', 'berg-2001', 'ilyina-1995']);
    assert.deepEqual(
      entries.map((e) => e.slice(0, 5)),
      ['Berg,', 'Coox,', 'Hale,', 'Ilyin', 'Orlov'],
    );
  });
});

describe('APA, 7th edition (our style file), checked against the Publication Manual', () => {
  test('a book: (Author, year, p. page) and the reference without the place (10.2)', () => {
    const a = apa(BOOK, p('112'));
    assert.equal(a.cite, '(Coox, 1985, p. 112)');
    assert.equal(
      a.entry,
      'Coox, A. D. (1985). <i>Nomonhan: Japan against Russia, 1939</i>. Stanford University Press.',
    );
  });

  test('a journal article: italic journal and volume, issue in parentheses, DOI as a URL (10.1)', () => {
    const a = apa(ARTICLE, p('390'));
    assert.equal(a.cite, '(Ilyina, 1995, p. 390)');
    assert.equal(
      a.entry,
      'Ilyina, M. (1995). Zhukov at Khalkhin Gol. <i>Steppe History Review</i>, <i>8</i>(2), 387–406. https://doi.org/10.5555/shr.1995.8.2',
    );
  });

  test('a chapter: In Editor (Ed.), Book (pp. range) (10.3)', () => {
    const a = apa(CHAPTER, p('50'));
    assert.equal(a.cite, '(Berg, 2001, p. 50)');
    assert.equal(
      a.entry,
      'Berg, T. (2001). Logistics at Nomonhan. In K. Sato (Ed.), <i>Nomonhan, 1939</i> (pp. 45–67). Harbour Press.',
    );
  });

  test('an archive document: italic title, the collection in parentheses after the archive, the city (10.8)', () => {
    // A dated archival document gives its full date in the reference, the year alone in the text.
    const a = apa(ARCHIVE, {});
    assert.equal(a.cite, '(Orlov, 1939)');
    assert.equal(
      a.entry,
      'Orlov, I. (1939, August 30). <i>Report to Voroshilov</i>. Central Steppe Archive (fond 12, opis 3, delo 45), Ulaanbaatar.',
    );
  });

  test('a web page: full date, italic title, site name, URL without a final full stop (10.16)', () => {
    const a = apa(WEB, {});
    assert.equal(a.cite, '(Hale, 2024)');
    assert.equal(
      a.entry,
      'Hale, N. (2024, May 2). <i>Khalkhin Gol today</i>. Steppe Notes. https://example.org/khalkhin-gol',
    );
  });
});

// More sources, for what APA does with names, missing parts and dates.
const TEAM: CslItem = {
  id: 'glantz-2003',
  type: 'article-journal',
  author: [
    { family: 'Glantz', given: 'David M.' },
    { family: 'House', given: 'Jonathan' },
    { family: 'Orlov', given: 'Ivan' },
  ],
  title: 'Deep operations in the east',
  'container-title': 'Steppe History Review',
  volume: '16',
  page: '1-20',
  issued: { 'date-parts': [[2003]] },
  DOI: 'https://doi.org/10.5555/shr.2003.16',
};
const PAIR: CslItem = {
  id: 'coox-sato-1990',
  type: 'book',
  author: [
    { family: 'Coox', given: 'Alvin D.' },
    { family: 'Sato', given: 'Kenji' },
  ],
  title: 'Border Wars',
  publisher: 'Harbour Press',
  issued: { 'date-parts': [[1990]] },
};
const EDITED: CslItem = {
  id: 'sato-doe-2001',
  type: 'book',
  editor: [
    { family: 'Sato', given: 'Kenji' },
    { family: 'Doe', given: 'Jane' },
  ],
  title: 'The Steppe Wars',
  edition: '2',
  volume: '3',
  publisher: 'Harbour Press',
  issued: { 'date-parts': [[2001]] },
};
const UNSIGNED: CslItem = {
  id: 'chronicle-1920',
  type: 'book',
  title: 'Chronicle of the {Khalkha}',
  publisher: 'Harbour Press',
  issued: { 'date-parts': [[1920]] },
};
const UNDATED_BOOK: CslItem = {
  id: 'hale-nd',
  type: 'book',
  author: [{ family: 'Hale', given: 'Nora' }],
  title: 'Steppe Horses',
  publisher: 'Harbour Press',
};
const HALE_2010: CslItem = {
  ...UNDATED_BOOK,
  id: 'hale-2010',
  title: 'Steppe Campaigns',
  issued: { 'date-parts': [[2010]] },
};
const HALE_2010B: CslItem = {
  ...UNDATED_BOOK,
  id: 'hale-2010b',
  title: 'Cavalry Raids',
  issued: { 'date-parts': [[2010]] },
};
const BLOG: CslItem = {
  id: 'markova-2026',
  type: 'post-weblog',
  author: [{ family: 'Markova', given: 'Elena' }],
  title: 'Horses at {Nomonhan}',
  'container-title': 'The Steppe Annals',
  URL: 'https://annalist.test/horses-at-nomonhan/',
  issued: { 'date-parts': [[2026, 11, 1]] },
};
const LETTER: CslItem = {
  ...ARCHIVE,
  id: 'zhukov-1939',
  type: 'letter',
  author: [{ family: 'Zhukov', given: 'Georgy' }],
  title: 'Letter to {Voroshilov}',
};
const MORE = [...ALL, TEAM, PAIR, EDITED, UNSIGNED, UNDATED_BOOK, HALE_2010, HALE_2010B, BLOG, LETTER];

function apaMore(item: CslItem, at: { locator?: string; label?: string } = {}) {
  const r = citationResolver('apa', MORE);
  return { cite: r.formatCites([[{ key: item.id, ...at }]])[0], entry: r.bibliography([item.id])[0] };
}

describe('APA, 7th edition: authors, missing parts, dates (our style file)', () => {
  test('two authors are joined by “&” in both places; three or more are “et al.” in the text (8.17, 9.8)', () => {
    const pair = apaMore(PAIR, p('5'));
    assert.equal(pair.cite, '(Coox &#38; Sato, 1990, p. 5)');
    assert.equal(pair.entry, 'Coox, A. D., &#38; Sato, K. (1990). <i>Border wars</i>. Harbour Press.');
    const team = apaMore(TEAM, p('3-4'));
    assert.equal(team.cite, '(Glantz et al., 2003, pp. 3–4)');
    // A DOI stored as a link (as BibTeX and CSL-JSON imports bring it) is printed once as https://doi.org/…
    assert.equal(
      team.entry,
      'Glantz, D. M., House, J., &#38; Orlov, I. (2003). Deep operations in the east. <i>Steppe History Review</i>, <i>16</i>, 1–20. https://doi.org/10.5555/shr.2003.16',
    );
  });

  test('an edited book is listed under its editors, with edition and volume after the title (10.2)', () => {
    const a = apaMore(EDITED);
    assert.equal(a.cite, '(Sato &#38; Doe, 2001)');
    assert.equal(
      a.entry,
      'Sato, K., &#38; Doe, J. (Eds.). (2001). <i>The steppe wars</i> (2nd ed., Vol. 3). Harbour Press.',
    );
  });

  test('no author: the title takes the author’s place, in the text and the list; “Chapter” spelled out (8.14, 9.12)', () => {
    const a = apaMore(UNSIGNED, { locator: '3', label: 'chapter' });
    assert.equal(a.cite, '(<i>Chronicle of the Khalkha</i>, 1920, Chapter 3)');
    assert.equal(a.entry, '<i>Chronicle of the Khalkha</i>. (1920). Harbour Press.');
  });

  test('no date: “n.d.”, and a page without a date gets its retrieval date (9.17, 9.16)', () => {
    const a = apaMore(UNDATED_WEB, { locator: '4', label: 'paragraph' });
    assert.equal(a.cite, '(<i>Maps of the Khalkha River</i>, n.d., para. 4)');
    assert.equal(
      a.entry,
      '<i>Maps of the Khalkha River</i>. (n.d.). Steppe Notes. Retrieved March 4, 2026, from https://example.org/maps',
    );
    assert.equal(apaMore(UNDATED_BOOK).cite, '(Hale, n.d.)');
  });

  test('a blog post (the site’s own articles): the full date, the title in roman, the blog in italics (10.1)', () => {
    const a = apaMore(BLOG);
    assert.equal(a.cite, '(Markova, 2026)');
    assert.equal(
      a.entry,
      'Markova, E. (2026, November 1). Horses at Nomonhan. <i>The Steppe Annals</i>. https://annalist.test/horses-at-nomonhan/',
    );
  });

  test('a dated letter in an archive gets its full date (10.8)', () => {
    const a = apaMore(LETTER, { locator: '12', label: 'folio' });
    assert.equal(a.cite, '(Zhukov, 1939, fol. 12)');
    assert.equal(
      a.entry,
      'Zhukov, G. (1939, August 30). <i>Letter to Voroshilov</i>. Central Steppe Archive (fond 12, opis 3, delo 45), Ulaanbaatar.',
    );
  });

  test('one author’s works: undated first, then by year, then by title, lettered within a year (8.19, 9.47)', () => {
    const r = citationResolver('apa', MORE);
    const entries = r.bibliography(['hale-2010', 'hale-2024', 'hale-nd', 'hale-2010b']);
    assert.deepEqual(
      entries.map((e) => e.slice(0, e.indexOf(')') + 1)),
      ['Hale, N. (n.d.)', 'Hale, N. (2010a)', 'Hale, N. (2010b)', 'Hale, N. (2024, May 2)'],
    );
    assert.match(entries[1]!, /<i>Cavalry raids<\/i>/);
    const [cite] = r.formatCites([
      [{ key: 'hale-2010' }, { key: 'coox-1985' }, { key: 'hale-2010b' }, { key: 'hale-nd' }],
    ]);
    assert.equal(cite, '(Coox, 1985; Hale, n.d., 2010a, 2010b)');
  });

  test('formatting in both styles keeps citeproc’s heap small (the bundled APA style took some 90 MB)', () => {
    // In a fresh process, so the engines are built here: the heap after a gc, before and after the first use.
    const script = `
      const { formatSource } = await import(${JSON.stringify(new URL('../../src/modules/sources/citation-format.ts', import.meta.url).href)});
      const book = ${JSON.stringify(BOOK)};
      const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
      const before = heap();
      formatSource('chicago', book);
      formatSource('apa', book);
      console.log(JSON.stringify({ grew: heap() - before }));`;
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '--eval', script],
      { encoding: 'utf8' },
    );
    const { grew } = JSON.parse(out) as { grew: number };
    assert.ok(grew < 20 * 2 ** 20, `the heap grew by ${(grew / 2 ** 20).toFixed(1)} MB`);
  });
});

describe('the :cite directive', () => {
  const resolver = () => citationResolver('chicago', ALL);
  /** The notes in order, each as the markup of its text (italics and links are what is checked), without its way back. */
  const notes = (html: string) => {
    const page = parsePage(html);
    const isBackLink = (el: Element) =>
      el.tagName === 'a' && page.attr(el, 'ariaLabel').startsWith('Back to reference');
    return page
      .all('listitem')
      .filter((li) => page.attr(li, 'id').startsWith('user-content-fn-'))
      .map((li) => {
        const text = page
          .within(li)
          .get('paragraph')
          .children.filter((c) => c.type !== 'element' || !isBackLink(c));
        return toHtml(text).replace(/\s+$/u, '');
      });
  };
  /** The numbers of the references to notes, in reading order. */
  const noteRefs = (page: Page) =>
    page
      .all('link')
      .filter((a) => page.description(a) === 'Notes')
      .map((a) => page.text(a));
  /** The bibliography's (or reference list's) entries: the one unordered list, under its heading. */
  const entries = (page: Page) => {
    const list = page.all('list').filter((l) => l.tagName === 'ul');
    assert.equal(list.length, 1, 'one list of sources');
    return page
      .within(list[0]!)
      .all('listitem')
      .map((li) => page.text(li));
  };
  /** The heading with this name, as [tag, id]. */
  const heading = (page: Page, name: string) => {
    const h = page.get('heading', name);
    return [h.tagName, page.attr(h, 'id')];
  };

  test('cites and the author’s own footnotes share one numbering, in reading order', () => {
    const md = [
      'The offensive opened on 20 August.:cite[coox-1985]{p=112} Rain delayed it.[^weather]',
      '',
      'Supply was the problem.:cite[berg-2001]{p=50}',
      '',
      '[^weather]: A local account.',
    ].join('\n');
    const { html } = renderMarkdown(md, { citations: resolver() });
    const page = parsePage(html);
    assert.deepEqual(noteRefs(page), ['1', '2', '3']);
    assert.deepEqual(notes(html), [
      'Alvin D. Coox, <em>Nomonhan: Japan against Russia, 1939</em> (Stanford: Stanford University Press, 1985), 112.',
      'A local account.',
      'Tomas Berg, “Logistics at Nomonhan,” in <em>Nomonhan, 1939</em>, ed. Kenji Sato (London: Harbour Press, 2001), 50.',
    ]);
    assert.deepEqual(heading(page, 'Bibliography'), ['h2', 'bibliography']);
    assert.match(entries(page)[0]!, /^Berg, Tomas\./);
    // The bibliography follows the notes.
    assert.ok(html.indexOf('id="bibliography"') > html.indexOf('id="notes"'));
  });

  test('a source cited again gets the short note; a non-page locator uses the style’s abbreviation', () => {
    const md =
      'First :cite[coox-1985]{p=112}. Again :cite[coox-1985]{loc="ch. 3"}. And :cite[ilyina-1995;coox-1985]{p=9}.';
    const { html } = renderMarkdown(md, { citations: resolver() });
    assert.deepEqual(notes(html), [
      'Alvin D. Coox, <em>Nomonhan: Japan against Russia, 1939</em> (Stanford: Stanford University Press, 1985), 112.',
      'Coox, <em>Nomonhan</em>, chap. 3.',
      'Marta Ilyina, “Zhukov at Khalkhin Gol,” <em>Steppe History Review</em> 8, no. 2 (1995): 387–406, <a href="https://doi.org/10.5555/shr.1995.8.2">https://doi.org/10.5555/shr.1995.8.2</a>; Coox, <em>Nomonhan</em>, 9.',
    ]);
    // Each source once in the bibliography.
    assert.equal(entries(parsePage(html)).filter((e) => e.startsWith('Coox, Alvin D.')).length, 1);
  });

  test('a long locator is shown whole, never cut short', () => {
    const where = 'fol. 12 verso, the pencilled addition about the pontoon crossing at the Khalkhin-Gol';
    const { html } = renderMarkdown(`Seen in the margin :cite[coox-1985]{loc="${where}"}.`, {
      citations: resolver(),
    });
    assert.ok(notes(html)[0]?.includes(where.replace(/^fol\. /, '')), notes(html)[0]);
    const paged = renderMarkdown(`And :cite[coox-1985]{p="${'112, '.repeat(20)}113"}.`, { citations: resolver() });
    assert.ok(notes(paged.html)[0]?.includes(`${'112, '.repeat(20)}113`), notes(paged.html)[0]);
  });

  test('an unknown key shows as plain text and never breaks the page; the preview marks it', () => {
    const md = 'As Glantz shows :cite[glantz-1938]{p=4}, and :cite[Not A Key].';
    const { html } = renderMarkdown(md, { citations: resolver() });
    const page = parsePage(html);
    assert.deepEqual(
      page.all('paragraph').map((el) => page.text(el)),
      ['As Glantz shows [glantz-1938], and [not a key].'],
    );
    assert.doesNotMatch(html, /footnote|bibliography/);
    const preview = renderMarkdown(md, { citations: resolver(), flagUnknownCitations: true });
    assert.match(preview.html, /<span class="cite-unknown" title="No source has this key">\[glantz-1938\]<\/span>/);
  });

  test('markup in a source’s fields cannot reach the page', () => {
    const evil: CslItem = {
      id: 'evil',
      type: 'book',
      title: 'A <script>alert(1)</script> <a href="javascript:x">book</a>',
    };
    const { html } = renderMarkdown(':cite[evil]', { citations: citationResolver('chicago', [evil]) });
    assert.doesNotMatch(html, /<script|<a href="javascript/);
    const page = parsePage(html);
    // Shown as text, in italics, in the note and in the bibliography (the style capitalises the title's words).
    assert.equal(page.all('emphasis', /^A <script>alert\(1\)<\/script> /i).length, 2);
  });

  test('in APA the citation stands in the sentence, before its full stop, and the list is headed References', () => {
    const { html } = renderMarkdown('The war began in May.:cite[coox-1985]{p=112}', {
      citations: citationResolver('apa', ALL),
    });
    const page = parsePage(html);
    page.get('paragraph', 'The war began in May (Coox, 1985, p. 112).');
    assert.deepEqual(heading(page, 'References'), ['h2', 'references']);
    assert.deepEqual(
      entries(page).map((e) => e.slice(0, 5)),
      ['Coox,'],
    );
  });

  test('whichever side of the full stop the cite is typed, APA cites inside the sentence and Chicago numbers after it', () => {
    /** The text of the first paragraph `md` renders to, in APA. */
    const apa = (md: string) => {
      const page = parsePage(renderMarkdown(md, { citations: citationResolver('apa', ALL) }).html);
      return page.text(page.all('paragraph')[0]!);
    };
    // The writing guide's way (after the stop) and the other way (before it) read the same.
    const apaSentences = 'Fighting began on 20 August (Coox, 1985, p. 112). It rained.';
    assert.equal(apa('Fighting began on 20 August.:cite[coox-1985]{p=112} It rained.'), apaSentences);
    assert.equal(apa('Fighting began on 20 August :cite[coox-1985]{p=112}. It rained.'), apaSentences);
    // A sentence ending on an abbreviation keeps its point.
    assert.equal(apa('Supplies came from the U.S.:cite[coox-1985]'), 'Supplies came from the U.S. (Coox, 1985).');
    /** In Chicago: the first paragraph's text, and the link of its note reference (a superscript). */
    const chicago = (md: string) => {
      const page = parsePage(renderMarkdown(md, { citations: citationResolver('chicago', ALL) }).html);
      const paragraph = page.all('paragraph')[0]!;
      const sup = paragraph.children.find((c): c is Element => c.type === 'element' && c.tagName === 'sup');
      const ref = sup ? page.within(sup).get('link') : undefined;
      return [page.text(paragraph), ref && page.text(ref), ref && page.attr(ref, 'href')];
    };
    const numbered = ['Fighting began on 20 August.1 It rained.', '1', '#user-content-fn-cite-1'];
    assert.deepEqual(chicago('Fighting began on 20 August.:cite[coox-1985]{p=112} It rained.'), numbered);
    assert.deepEqual(chicago('Fighting began on 20 August :cite[coox-1985]{p=112}. It rained.'), numbered);
  });

  test('without a resolver (comments, widgets) a cite stays the text it was', () => {
    assert.equal(renderMarkdown('See :cite[coox-1985]{p=1}.').html, '<p>See :cite[coox-1985].</p>');
  });

  test('citedKeys lists each key once, lower-cased, in order of first use', () => {
    assert.deepEqual(citedKeys('a :cite[B-1]{p=2} b :cite[c;b-1] :cite[bad key]'), ['b-1', 'c']);
  });
});

describe('the sources library on a real database', () => {
  let t: TestSite;
  const deps = () => ({ ...t.site.content, noteWrite: () => {} });
  before(async () => {
    t = await startTestSite({ demo: false });
  });
  after(() => t.close());

  test('a BibTeX file with broken entries: the good ones come in, each broken one is named with its reason', async () => {
    const bib = [
      '@book{Coox1985, author = {Coox, Alvin D.}, title = {Nomonhan: Japan against Russia, 1939},',
      '  publisher = {Stanford University Press}, address = {Stanford}, year = 1985}',
      '@article{broken-one, title = {Never closed,',
      '@article{Ilyina:1995, author = {Ilyina, Marta}, title = {Zhukov at Khalkhin Gol},',
      '  journal = {Steppe History Review}, volume = 8, number = 2, pages = {387--406}, year = 1995}',
      '@misc{untitled, author = {Nobody, A.}}',
    ].join('\n');
    const report = await importBibliography(deps(), { text: bib });
    assert.equal(report.format, 'bibtex');
    assert.deepEqual(report.imported, ['coox1985', 'ilyina:1995']);
    assert.deepEqual(
      report.failed.map((f) => f.entry),
      ['@article{broken-one} (line 3)', '@misc{untitled} (line 6)'],
    );
    assert.match(report.failed[0]!.reason, /BibTeX syntax/);
    assert.equal(report.failed[1]!.reason, 'The entry has no title.');
    const coox = await findSourceByKey(deps(), 'coox1985');
    assert.equal(coox?.kind, 'book');
    assert.equal(coox?.item.publisher, 'Stanford University Press');

    const again = await importBibliography(deps(), { text: bib });
    assert.deepEqual(again.imported, []);
    assert.match(
      again.failed.find((f) => f.entry === '@book{Coox1985} (line 1)')!.reason,
      /already has a source “coox1985”/,
    );
    const replaced = await importBibliography(deps(), { text: bib, replace: true });
    assert.deepEqual(replaced.updated, ['coox1985', 'ilyina:1995']);
  });

  test('a RIS file: records without TY or title fail, keys are made from author and year', async () => {
    const ris = [
      'TY  - BOOK',
      'AU  - Hale, Nora',
      'TI  - Steppe Campaigns',
      'PY  - 2010',
      'PB  - Harbour Press',
      'ER  - ',
      'AU  - Nobody, Without',
      'TI  - No type line',
      'ER  - ',
      'TY  - JOUR',
      'AU  - Hale, Nora',
      'TI  - Horses at Nomonhan',
      'PY  - 2010',
      'ER  - ',
      'TY  - JOUR',
      'AU  - Hale, Nora',
      'ER  - ',
    ].join('\n');
    const report = await importBibliography(deps(), { text: ris });
    assert.equal(report.format, 'ris');
    assert.deepEqual(report.imported, ['hale-2010', 'hale-2010b']);
    assert.deepEqual(
      report.failed.map((f) => f.reason),
      ['A RIS record must begin with a “TY  - ” line.', 'The entry has no title.'],
    );
  });

  test('a CSL-JSON file: items without a title or type fail, ids become keys', async () => {
    const json = JSON.stringify([
      { id: 'Sato_2001', type: 'book', title: 'Nomonhan, 1939', author: [{ family: 'Sato', given: 'Kenji' }] },
      { id: 'no-title', type: 'book' },
      'not an item',
      { id: 'no-type', title: 'Typeless' },
    ]);
    const report = await importBibliography(deps(), { text: json });
    assert.equal(report.format, 'csl-json');
    assert.deepEqual(report.imported, ['sato_2001']);
    assert.deepEqual(report.failed, [
      { entry: 'item 2 (no-title)', reason: 'The entry has no title.' },
      { entry: 'item 3', reason: 'Not a CSL-JSON item (an object with type and title).' },
      { entry: 'item 4 (no-type)', reason: 'The entry has no type.' },
    ]);
    assert.equal((await findSourceByKey(deps(), 'sato_2001'))?.title, 'Nomonhan, 1939');
  });

  test('text that is no bibliography at all is BIBLIOGRAPHY_UNREADABLE, and nothing is stored', async () => {
    await assert.rejects(importBibliography(deps(), { text: 'Dear editor, here are my sources.' }), {
      code: 'BIBLIOGRAPHY_UNREADABLE',
    });
    await assert.rejects(importBibliography(deps(), { text: '[{"id": "x", ' }), { code: 'BIBLIOGRAPHY_UNREADABLE' });
  });

  test('the preflight check names each cited key that has no source, at its line', async () => {
    const report = await preflightPost(deps(), {
      title: 'Khalkhin Gol',
      standfirst: '',
      bodyMarkdown: 'Known :cite[coox1985]{p=1}.\n\nUnknown :cite[glantz-1938]{p=4} and :cite[Glantz 1983].',
    });
    const issues = report.issues.filter((i) => i.check === 'citation');
    assert.deepEqual(
      issues.map((i) => [i.excerpt, i.line]),
      [
        [':cite[glantz-1938]', 3],
        [':cite[glantz 1983]', 3],
      ],
    );
    assert.match(issues[0]!.message, /No source has the key “glantz-1938”/);
  });

  test('the form checks key, title, dates and addresses field by field', () => {
    const form = { ...emptySourceForm(), key: 'Bad Key!', title: '', date: '1939-13', url: 'javascript:alert(1)' };
    assert.throws(
      () => itemFromForm(form),
      (err: { code: string; fields: Record<string, string> }) =>
        err.code === 'SOURCE_INVALID' && ['key', 'title', 'date', 'url'].every((f) => f in err.fields),
    );
  });

  test('a body renders with the library’s sources; a cited source cannot be deleted', async () => {
    await createSource(t, {
      key: 'orlov-1939',
      type: 'manuscript',
      authors: 'Orlov, Ivan',
      title: 'Report to {Voroshilov}',
      date: '1939-08-30',
      archive: 'Central Steppe Archive',
      archiveLocation: 'fond 12, opis 3, delo 45',
      archivePlace: 'Ulaanbaatar',
      publisher: '',
      place: '',
    });
    const body = 'Orlov reported.:cite[orlov-1939]{loc="fol. 12"}';
    const r = parsePage((await renderCitedMarkdown(t.site.content.db, body)).html);
    const note = r.get('listitem', /^Ivan Orlov, “Report to Voroshilov,” August 30, 1939, fol\. 12,/);
    assert.equal(r.attr(note, 'id'), 'user-content-fn-cite-1', 'the note');
    // A draft citing it, saved as the editor saves one (which records what it cites).
    await createArticle(t, { title: 'Cites Orlov', status: 'draft', body });
    await assert.rejects(
      deleteSource(deps(), { key: 'orlov-1939' }),
      (err: { code: string; publicMessage: string }) => {
        assert.equal(err.code, 'SOURCE_IN_USE');
        assert.match(err.publicMessage, /“Cites Orlov”/);
        return true;
      },
    );
  });
});
