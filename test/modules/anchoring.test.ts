import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  anchorQuote,
  articleText,
  CONTEXT_CHARS,
  describeQuote,
  findQuotedPassage,
  parseSelectors,
} from '../../src/modules/corrections/anchoring.ts';
import { highlightPassage, PASSAGE_ID } from '../../src/modules/corrections/highlight.ts';
import { replaceInMarkdown } from '../../src/modules/corrections/markdown-replace.ts';

const ARTICLE = [
  'In the summer of 1939 the Kwantung Army tested Soviet resolve on the Mongolian frontier.',
  'The first clash came on 11 May 1939, when Mongolian horsemen crossed the Khalkha river.',
  'Zhukov arrived in June and asked for tanks, aircraft and lorries before anything else.',
  'The Japanese force numbered about 30,000 men, with 73 tanks in all.',
].join(' ');

/** Selectors for the first occurrence of `passage` in `text`. */
function select(text: string, passage: string, from = 0) {
  const start = text.indexOf(passage, from);
  assert.ok(start >= 0, `"${passage}" is in the text`);
  return describeQuote(text, start, start + passage.length);
}

test('a passage is described by its quote, 32 characters either side and its position', () => {
  const [quote, position] = select(ARTICLE, '11 May 1939');
  assert.equal(quote.type, 'TextQuoteSelector');
  assert.equal(quote.exact, '11 May 1939');
  assert.equal(quote.prefix, ARTICLE.slice(position.start - CONTEXT_CHARS, position.start));
  assert.equal(quote.prefix.length, 32);
  assert.equal(quote.suffix, ', when Mongolian horsemen crosse');
  assert.equal(ARTICLE.slice(position.start, position.end), '11 May 1939');
});

test('an unchanged article anchors the passage exactly where it was', () => {
  const selectors = select(ARTICLE, 'asked for tanks');
  const anchor = anchorQuote(ARTICLE, selectors);
  assert.ok(anchor);
  assert.equal(anchor.exact, true);
  assert.equal(anchor.start, selectors[1].start);
  assert.equal(ARTICLE.slice(anchor.start, anchor.end), 'asked for tanks');
});

test('a passage that occurs twice is told apart by its context, not by which comes first', () => {
  const text =
    'The river was crossed at dawn by the cavalry. Later the infantry waited; the river was crossed at dawn by the tanks.';
  const second = text.indexOf('the river was crossed at dawn', 10);
  const selectors = describeQuote(text, second, second + 'the river was crossed at dawn'.length);
  // Move everything along so the stored position no longer points at either occurrence.
  const edited = `A new opening sentence, long enough to shift positions well past the old ones. ${text}`;
  const anchor = anchorQuote(edited, selectors);
  assert.ok(anchor);
  assert.equal(anchor.exact, true);
  assert.equal(edited.slice(anchor.end, anchor.end + 12), ' by the tank');
});

test('a passage is found after text is inserted before it (the passage moved)', () => {
  const selectors = select(ARTICLE, 'about 30,000 men');
  const edited = ARTICLE.replace(
    'Zhukov arrived',
    'Stalin had lost patience with the local commanders, and a new man was sent east. Zhukov arrived',
  );
  const anchor = anchorQuote(edited, selectors);
  assert.ok(anchor);
  assert.equal(anchor.exact, true);
  assert.notEqual(anchor.start, selectors[1].start);
  assert.equal(edited.slice(anchor.start, anchor.end), 'about 30,000 men');
});

test('a passage is found fuzzily after a word inside it was changed', () => {
  const selectors = select(ARTICLE, 'The first clash came on 11 May 1939, when Mongolian horsemen');
  const edited = ARTICLE.replace('The first clash came on', 'The first skirmish came on');
  const anchor = anchorQuote(edited, selectors);
  assert.ok(anchor);
  assert.equal(anchor.exact, false);
  assert.match(
    edited.slice(anchor.start, anchor.end),
    /^The first skirmish came on 11 May 1939, when Mongolian horsemen$/,
  );
  assert.ok(anchor.score > 0.8, `score ${anchor.score}`);
});

test('a passage whose sentence was deleted is orphaned', () => {
  const selectors = select(ARTICLE, 'asked for tanks, aircraft and lorries');
  const edited = ARTICLE.replace(
    'Zhukov arrived in June and asked for tanks, aircraft and lorries before anything else. ',
    '',
  );
  assert.equal(anchorQuote(edited, selectors), null);
});

test('a rewritten passage with too many changes is orphaned rather than pinned to the wrong words', () => {
  const selectors = select(ARTICLE, 'with 73 tanks in all');
  const edited = ARTICLE.replace('with 73 tanks in all', 'and almost no armour');
  assert.equal(anchorQuote(edited, selectors), null);
});

test('context is cut short at the edges of the text', () => {
  const text = 'Khalkhin Gol, 1939.';
  const [atStart] = describeQuote(text, 0, 8);
  assert.equal(atStart.prefix, '');
  assert.equal(atStart.suffix, ' Gol, 1939.');
  const [atEnd, pos] = describeQuote(text, 14, text.length);
  assert.equal(atEnd.exact, '1939.');
  assert.equal(atEnd.suffix, '');
  assert.equal(pos.end, text.length);
  const anchor = anchorQuote(`${text} More later.`, describeQuote(text, 14, text.length));
  assert.equal(anchor?.start, 14);
});

test('positions out of range are clamped, and context never splits an emoji or a surrogate pair', () => {
  const text = `${'x'.repeat(31)}😀 Халхин-Гол 🎖️ ${'y'.repeat(40)}`;
  const start = text.indexOf('Халхин');
  const [quote] = describeQuote(text, start, start + 'Халхин-Гол'.length);
  assert.equal(quote.exact, 'Халхин-Гол');
  assert.ok(quote.prefix.startsWith('😀') || !/[\uDC00-\uDFFF]/.test(quote.prefix[0] ?? ''), quote.prefix);
  assert.ok(!/^[\uDC00-\uDFFF]/.test(quote.prefix));
  assert.ok(!/[\uD800-\uDBFF]$/.test(quote.suffix));
  const anchor = anchorQuote(`Вступление. ${text}`, describeQuote(text, start, start + 10));
  assert.ok(anchor);
  assert.equal(`Вступление. ${text}`.slice(anchor.start, anchor.end), 'Халхин-Гол');
  const [clamped, pos] = describeQuote(text, -5, 10_000);
  assert.equal(clamped.exact, text);
  assert.deepEqual([pos.start, pos.end], [0, text.length]);
});

test('the text model is the textContent of the body HTML: entities decoded, tags dropped, whitespace kept', () => {
  const html =
    '<h2 id="a">The &amp; battle</h2>\n<p>On <em>11 May</em> 1939 the <a href="/x">Mongolians</a> crossed.</p>';
  assert.equal(articleText(html), 'The & battle\nOn 11 May 1939 the Mongolians crossed.');
});

test('the passage is highlighted in place across element boundaries, and only there', () => {
  const html = '<p>On <em>11 May</em> 1939 the Mongolians crossed.</p>\n<p>Second paragraph.</p>';
  const text = articleText(html);
  const start = text.indexOf('May 1939 the');
  const out = highlightPassage(html, start, start + 'May 1939 the'.length);
  assert.equal(
    out,
    `<p>On <em>11 <mark class="suggestion-mark" id="${PASSAGE_ID}">May</mark></em><mark class="suggestion-mark"> 1939 the</mark> Mongolians crossed.</p>\n<p>Second paragraph.</p>`,
  );
  assert.equal(articleText(out), text, 'highlighting does not change the text');
});

test('highlighted reader-looking text stays escaped', () => {
  const html = '<p>Use &lt;script&gt;alert(1)&lt;/script&gt; here.</p>';
  const text = articleText(html);
  const out = highlightPassage(html, text.indexOf('<script>'), text.indexOf(' here'));
  assert.ok(!out.includes('<script>'), out);
  assert.match(out, /<mark[^>]*>&#x3C;script>alert\(1\)&#x3C;\/script><\/mark>|<mark[^>]*>&lt;script&gt;/);
});

test('a typed quote is found with straight quotes and extra spaces where the article has curly ones', () => {
  const text = 'He called it “a border incident”, and  nothing\nmore.';
  const found = findQuotedPassage(text, '  called it "a border incident", and nothing more ');
  assert.ok(found);
  assert.equal(found.exact, true);
  assert.equal(text.slice(found.start, found.end), 'called it “a border incident”, and  nothing\nmore');
});

test('a mistyped quote is offered as the nearest passage, and a made-up one is not found', () => {
  const found = findQuotedPassage(ARTICLE, 'The first clash came on 11 May 1938, when Mongol horsemen');
  assert.ok(found);
  assert.equal(found.exact, false);
  assert.equal(ARTICLE.slice(found.start, found.end), 'The first clash came on 11 May 1939, when Mongolian horsemen');
  assert.equal(findQuotedPassage(ARTICLE, 'Napoleon crossed the Niemen with half a million men'), null);
  assert.equal(findQuotedPassage(ARTICLE, '   '), null);
});

test('selectors from a reader are checked: junk gives null, missing context is tolerated', () => {
  assert.equal(parseSelectors('not json'), null);
  assert.equal(parseSelectors('[{"type":"TextQuoteSelector","exact":""}]'), null);
  assert.equal(parseSelectors({ exact: 'x' }), null);
  const parsed = parseSelectors([
    { type: 'TextQuoteSelector', exact: 'May' },
    { type: 'TextPositionSelector', start: -3, end: 'x' },
  ]);
  assert.deepEqual(parsed, [
    { type: 'TextQuoteSelector', exact: 'May', prefix: '', suffix: '' },
    { type: 'TextPositionSelector', start: 0, end: 0 },
  ]);
});

test('the proposed wording replaces the passage in the Markdown, picking the occurrence nearest its place', () => {
  const md = 'It began in 1939.\n\nBy the end of 1939 the border was quiet.';
  assert.equal(replaceInMarkdown(md, 'end of 1939', 'end of 1940', 0.7), md.replace('end of 1939', 'end of 1940'));
  assert.equal(
    replaceInMarkdown(md, '1939', '1940', 0.9),
    'It began in 1939.\n\nBy the end of 1940 the border was quiet.',
  );
  assert.equal(
    replaceInMarkdown(md, '1939', '1940', 0.1),
    'It began in 1940.\n\nBy the end of 1939 the border was quiet.',
  );
  assert.equal(
    replaceInMarkdown('He said "no\nsurrender".', 'said “no surrender”', 'said “no retreat”', null),
    'He said “no retreat”.',
  );
  assert.equal(replaceInMarkdown('On *11 May* 1938.', '11 May 1938', '11 May 1939', null), null);
});
