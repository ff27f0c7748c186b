import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderMarkdown } from '../../src/modules/markdown/render-markdown.ts';

describe('Markdown an author writes', () => {
  test('raw HTML never passes: scripts, event handlers and iframes come out as text or not at all', () => {
    const { html } = renderMarkdown(
      'Intro <script>alert(1)</script> and <img src=x onerror=alert(2)>\n\n<iframe src="https://evil.example"></iframe>\n\n<b onclick="x()">bold</b>',
    );
    assert.doesNotMatch(html, /<script|<iframe|onerror|onclick|<img src="x"/i);
  });

  test('links and images with dangerous schemes lose their URL', () => {
    const { html } = renderMarkdown(
      '[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) ![i](javascript:alert(2))\n\n::figure[cap]{src="javascript:alert(3)" alt="x"}',
    );
    assert.doesNotMatch(html, /javascript:|data:text/i);
  });

  test('headings get stable, unique ids and make a table of contents; a body h1 becomes h2', () => {
    const { html, toc } = renderMarkdown('# Top\n\n## The battle\n\n### Day one\n\n## The battle\n');
    assert.match(html, /<h2 id="top">Top<\/h2>/);
    assert.match(html, /<h2 id="the-battle">/);
    assert.match(html, /<h2 id="the-battle-1">/);
    assert.deepEqual(
      toc.map((e) => [e.depth, e.id]),
      [
        [2, 'top'],
        [2, 'the-battle'],
        [3, 'day-one'],
        [2, 'the-battle-1'],
      ],
    );
    assert.deepEqual(
      renderMarkdown('# Top\n\n## The battle\n').toc,
      renderMarkdown('# Top\n\n## The battle\n').toc,
      'same input, same ids',
    );
  });

  test('footnotes are numbered in order of first reference, whatever their labels', () => {
    const { html, toc } = renderMarkdown(
      'First[^zhukov] then[^coox] again[^zhukov].\n\n[^coox]: Coox, p. 1.\n[^zhukov]: Zhukov, memoirs.\n',
    );
    const numbers = [...html.matchAll(/data-footnote-ref[^>]*>(\d+)<\/a>/g)].map((m) => m[1]);
    assert.deepEqual(numbers, ['1', '2', '1']);
    assert.match(html, /<h2 id="notes">Notes<\/h2>/);
    assert.equal(toc.at(-1)?.id, 'notes');
  });

  test('a figure directive becomes a figure with caption and credit; an unknown directive stays as text', () => {
    const { html } = renderMarkdown(
      '::figure[The *river*]{src="/media/map.svg" alt="A map" credit="Drawn for us"}\n\nSee note:this and :::box\n',
    );
    assert.match(
      html,
      /<figure><img src="\/media\/map.svg" alt="A map"[^>]*><figcaption>The <em>river<\/em><span class="credit">Drawn for us<\/span><\/figcaption><\/figure>/,
    );
    assert.match(html, /note:this/);
  });

  test('tables keep their alignment without the obsolete align attribute and scroll on small screens', () => {
    const { html } = renderMarkdown('| Side | Men |\n|:-----|----:|\n| Soviet | 57,000 |\n');
    assert.doesNotMatch(html, /\salign=/);
    assert.match(html, /<td class="align-right">57,000<\/td>/);
    assert.match(html, /<div class="table-scroll"/);
  });

  test('word counts include every block', () => {
    assert.equal(renderMarkdown('One two.\n\nThree four five.\n\n- six\n- seven').wordCount, 7);
  });
});

describe('plain text for search', () => {
  test('keeps blocks apart, one per line, and words inside a block together', () => {
    const { text } = renderMarkdown(
      '## Zhukov prepares\n\nA *long* way from the railway.\n\n| Side | Men |\n|---|---|\n| Soviet | 57,000 |\n',
    );
    assert.equal(text, 'Zhukov prepares\nA long way from the railway.\nSide\nMen\nSoviet\n57,000');
  });

  test('a footnote cited twice gets a distinct name for each back-link', () => {
    const { html } = renderMarkdown('One[^a] and again[^a].\n\n[^a]: The note.\n');
    assert.match(html, /aria-label="Back to reference 1"/);
    assert.match(html, /aria-label="Back to reference 1 \(use 2\)"/);
  });
});
