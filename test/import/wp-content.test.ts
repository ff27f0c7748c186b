/**
 * WordPress bodies as a reader of the imported article gets them: converted to Markdown, then rendered by the
 * site's one Markdown pipeline.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { printable } from '../../src/modules/import/import-report.ts';
import { convertWordpressBody } from '../../src/modules/import/wp-content.ts';
import { markdownShapeProblem } from '../../src/modules/markdown/markdown-limits.ts';
import { renderMarkdown } from '../../src/modules/markdown/render-markdown.ts';

const attachments = new Map([
  ['31', 'http://old.example/wp-content/uploads/fort-north.jpg'],
  ['32', 'http://old.example/wp-content/uploads/fort-south.jpg'],
]);
const convert = (body: string) => convertWordpressBody(body, { attachmentUrl: (id) => attachments.get(id) });
const shown = (body: string) => renderMarkdown(convert(body).markdown).html;

describe('WordPress bodies', () => {
  test('classic text: a blank line starts a paragraph, a single newline is a line break, blocks are not wrapped', () => {
    const html = shown(
      'The ferry ran in summer.\nIn winter the ice road.\n\nA new paragraph.\n<blockquote>Quoted words</blockquote>',
    );
    assert.match(html, /<p>The ferry ran in summer\.<br>\nIn winter the ice road\.<\/p>/);
    assert.match(html, /<p>A new paragraph\.<\/p>/);
    assert.match(html, /<blockquote>\s*<p>Quoted words<\/p>\s*<\/blockquote>/);
  });

  test('text that looks like Markdown stays the text it was', () => {
    const html = shown(
      '# 1858 was not a heading\n\n1. not a list either\n\nThe *stars* and _lines_ and [brackets] are literal.',
    );
    assert.match(html, /<p># 1858 was not a heading<\/p>/);
    assert.match(html, /<p>1\. not a list either<\/p>/);
    assert.match(html, /The \*stars\* and _lines_ and \[brackets\] are literal\./);
  });

  test('the media shortcodes become a gallery of images, links to the sound and video, and a link for an embed', () => {
    const out = convert(
      '[gallery ids="31,32"]\n\n[audio mp3="http://old.example/song.mp3"][/audio]\n\n[video src="http://old.example/river.mp4"]\n\n[embed]https://video.example/watch/7[/embed]',
    );
    assert.deepEqual(out.shortcodes, ['gallery', 'audio', 'video', 'embed']);
    const html = renderMarkdown(out.markdown).html;
    assert.match(html, /src="http:\/\/old\.example\/wp-content\/uploads\/fort-north\.jpg"/);
    assert.match(html, /src="http:\/\/old\.example\/wp-content\/uploads\/fort-south\.jpg"/);
    assert.match(html, /<a href="http:\/\/old\.example\/song\.mp3">Audio: song\.mp3<\/a>/);
    assert.match(html, /<a href="http:\/\/old\.example\/river\.mp4">Video: river\.mp4<\/a>/);
    assert.match(html, /<a href="https:\/\/video\.example\/watch\/7">/);
  });

  test('a caption with a link keeps the link inside the figure caption', () => {
    const html = shown(
      '[caption id="x" width="300"]<img src="http://old.example/map.png" alt="Map" /> Drawn by <a href="http://old.example/cartographer/">a cartographer</a>[/caption]',
    );
    assert.match(
      html,
      /<figcaption>Drawn by <a href="http:\/\/old\.example\/cartographer\/">a cartographer<\/a><\/figcaption>/,
    );
  });

  test('a verse block keeps its lines, and a bare web address with underscores still links to the right place', () => {
    const html = shown(
      '<!-- wp:verse --><pre class="wp-block-verse">The river turns<br>and turns again</pre><!-- /wp:verse -->\n<!-- wp:paragraph --><p>See https://maps.example/amur_basin_1860 for the map.</p><!-- /wp:paragraph -->',
    );
    assert.match(html, /The river turns\nand turns again/);
    assert.match(html, /href="https:\/\/maps\.example\/amur_basin_1860"/);
  });

  test('iframes and forms do not come across; an iframe leaves a link to what it showed', () => {
    const html = shown(
      '<iframe src="https://video.example/embed/9" onload="alert(1)"></iframe><form action="/x"><input name="q"></form>',
    );
    assert.doesNotMatch(html, /<iframe|<form|<input|onload/);
    assert.match(html, /<a href="https:\/\/video\.example\/embed\/9">/);
  });

  test('[[name]] is a shortcode written as text, and brackets in prose are not taken for shortcodes', () => {
    const out = convert('Write [[gallery]] to show the code. The letter [sic] is old.');
    assert.deepEqual(out.unknownShortcodes, []);
    assert.match(renderMarkdown(out.markdown).html, /Write \[gallery\] to show the code\. The letter \[sic\] is old\./);
  });

  test('HTML nested hundreds of levels deep keeps its words within the nesting limit; thousands are refused', () => {
    const deep = `${'<ul><li>'.repeat(300)}the innermost words${'</li></ul>'.repeat(300)}`;
    const out = convert(deep);
    assert.match(out.markdown, /the innermost words/);
    assert.equal(markdownShapeProblem(out.markdown), undefined);
    assert.throws(() => convert(`${'<div>'.repeat(5_000)}x`), { code: 'IMPORT_MALFORMED' });
  });

  test('the report never sends a terminal escape from the file to the screen', () => {
    assert.equal(printable('slug \u001b]52;c;Zm9v\u0007 end'), 'slug \\u001b]52;c;Zm9v\\u0007 end');
  });
});
