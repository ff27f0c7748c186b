import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseCommentMarkdown,
  renderCommentMarkdown,
  renderPlainComment,
} from '../../src/modules/comments/comment-markdown.ts';

const viaParser = (source: string) => parseCommentMarkdown(source);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789',
  ...'éøßЖжКхалхин',
  ...',.;:\'"?()/%’‘“”—–…-',
  ' ',
  ' ',
  ' ',
  '\n',
  '\n\n',
  '1. ',
  '- ',
  '2) ',
  'http://',
  'www.',
  '  ',
];

test('plain prose takes the shortcut and renders exactly as the Markdown parser renders it', () => {
  const random = rng(1939);
  let shortcut = 0;
  for (let i = 0; i < 3000; i++) {
    let text = '';
    const length = 1 + Math.floor(random() * 60);
    for (let j = 0; j < length; j++) text += ALPHABET[Math.floor(random() * ALPHABET.length)];
    const plain = renderPlainComment(text);
    if (!plain) continue;
    shortcut++;
    assert.deepEqual(plain, viaParser(text), `for ${JSON.stringify(text)}`);
  }
  assert.ok(shortcut > 300, `enough generated texts took the shortcut (${shortcut})`);
});

test('anything with Markdown, HTML, links or list starts goes through the parser', () => {
  for (const text of [
    'The *Ha-Go* tanks',
    'See <script>alert(1)</script>',
    'Read https://example.org/a first',
    'Try www.example.org',
    '1939. The year',
    '- a list',
    '> a quote',
    '# heading',
    'Ends with two spaces  \nnext',
    '    indented code',
    'AT&T',
    'Hello @Margaret',
    'Text\n===',
  ])
    assert.equal(renderPlainComment(text), undefined, text);
  assert.deepEqual(renderCommentMarkdown('Zhukov crossed the Khalkhin Gol.\n\nThen the pincers closed.'), {
    html: '<p>Zhukov crossed the Khalkhin Gol.</p>\n<p>Then the pincers closed.</p>',
    text: 'Zhukov crossed the Khalkhin Gol.\nThen the pincers closed.',
    links: [],
  });
});
