import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readPhpSerialized } from '../../src/modules/import/php-serialized.ts';

describe('PHP-serialized post meta, read without running anything', () => {
  test('plain text, a number written as text and an address are plain', () => {
    for (const text of ['hello', '1855', 'https://example.org/a;b', 's:3:"abc"', ''])
      assert.deepEqual(readPhpSerialized(text), { kind: 'plain' }, text);
  });

  test('arrays, strings, numbers, booleans and null decode to values, with keys as PHP gave them', () => {
    const read = readPhpSerialized('a:4:{s:4:"year";i:1855;i:0;d:0.5;s:3:"ok?";b:1;s:4:"none";N;}');
    assert.equal(read.kind, 'serialized');
    if (read.kind !== 'serialized') return;
    assert.equal(read.repaired, undefined, 'nothing to repair');
    assert.deepEqual(
      read.value,
      new Map<string | number, unknown>([
        ['year', 1855],
        [0, 0.5],
        ['ok?', true],
        ['none', null],
      ]),
    );
  });

  test('string lengths count bytes, so Cyrillic text with the right lengths needs no repair', () => {
    const read = readPhpSerialized('s:18:"Хабаровск";');
    assert.deepEqual(read, { kind: 'serialized', value: 'Хабаровск' });
  });

  test('wrong string lengths (a search-and-replace of the address) are repaired and counted', () => {
    const read = readPhpSerialized('a:2:{s:3:"url";s:19:"https://new.example/a.jpg";s:4:"city";s:9:"Хабаровск";}');
    assert.equal(read.kind, 'serialized');
    if (read.kind !== 'serialized') return;
    assert.deepEqual(read.repaired, {
      text: 'a:2:{s:3:"url";s:25:"https://new.example/a.jpg";s:4:"city";s:18:"Хабаровск";}',
      strings: 2,
    });
    assert.equal((read.value as Map<string, unknown>).get('url'), 'https://new.example/a.jpg');
    assert.deepEqual(readPhpSerialized(read.repaired?.text ?? ''), { kind: 'serialized', value: read.value });
  });

  test('an object, an enum or a reference is never built: reported as an object', () => {
    for (const text of [
      'O:8:"stdClass":1:{s:1:"a";i:1;}',
      'a:1:{i:0;O:3:"Foo":0:{}}',
      'C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}',
      'a:2:{i:0;s:1:"x";i:1;r:2;}',
      'E:7:"Foo:Bar";',
    ])
      assert.deepEqual(readPhpSerialized(text), { kind: 'object' }, text);
  });

  test('what looks serialized but is not is reported as malformed, with where', () => {
    for (const text of ['a:2:{i:0;i:1;}', 'a:1:{i:0;i:1;}x;', 'i:12x;', 'b:2;', 'a:99999999:{}']) {
      const read = readPhpSerialized(text);
      assert.equal(read.kind, 'malformed', text);
      assert.match(read.kind === 'malformed' ? read.reason : '', /byte|fit/, text);
    }
  });

  test('nesting past 64 levels is refused, not followed', () => {
    const deep = `${'a:1:{i:0;'.repeat(200)}i:1;${'}'.repeat(200)}`;
    const read = readPhpSerialized(deep);
    assert.equal(read.kind, 'malformed');
    assert.match(read.kind === 'malformed' ? read.reason : '', /nested deeper than 64/);
  });
});
