import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { uploadMedia } from '../support/media-upload.ts';
import { startTestSite, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Pictures written into an SVG as data: addresses are decoded whole by librsvg, however small they are drawn: their
// pixels count against the upload's pixel limit (decision 047), so a few kilobytes cannot cost gigabytes to draw.

let t: TestSite;
let author: Person;
const { person } = staffClient(() => t);

before(async () => {
  t = await startTestSite();
  author = await person('author', 'Embedder');
});
after(() => t.close());

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (b: Buffer) => {
  let c = 0xffffffff;
  for (const byte of b) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

/**
 * A whole, valid one-bit PNG of side × side pixels, every row the colour `bit`: a few kilobytes however large it is
 * (written by hand: encoding 64 megapixels with an image library takes seconds).
 */
function pngOf(side: number, bit: 0 | 1): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([1, 0, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + Math.ceil(side / 8), bit ? 0xff : 0);
  row[0] = 0;
  const pixels = deflateSync(Buffer.concat(Array.from({ length: side }, () => row)), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const svgWith = (pngs: Buffer[]) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="60">${pngs
      .map(
        (p, i) =>
          `<image xlink:href="data:image/png;base64,${p.toString('base64')}" x="${i * 10}" width="40" height="40"/>`,
      )
      .join('')}</svg>`,
  );

const mediaCount = async () => (await t.site.content.db.selectFrom('media').select('id').execute()).length;
const upload = (name: string, bytes: Buffer) =>
  uploadMedia(t, author, {
    file: { name, type: 'image/svg+xml', bytes },
    fields: { alt: 'A drawing with a photograph in it', caption: '', credit: '' },
  });

describe('pictures embedded in SVG uploads', () => {
  test('a small drawing embedding a picture claiming 64 megapixels is refused, saying why, and nothing is stored', async () => {
    const png = pngOf(8000, 1);
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 8000, 8000], 'a picture any decoder reads');
    const svg = svgWith([png]);
    assert.ok(svg.length < 30_000, `the file is small (${svg.length} bytes)`);
    const before = await mediaCount();
    const res = await upload('heavy.svg', svg);
    assert.equal(res.statusCode, 415, res.body.slice(0, 300));
    assert.match(res.body, /pictures embedded in this SVG have 64 megapixels in all, more than the 40 megapixels/);
    assert.equal(await mediaCount(), before);
  });

  test('several embedded pictures count together against the limit', async () => {
    const pngs = ([0, 1, 0, 1, 0] as const).map((bit) => pngOf(3000, bit));
    const res = await upload('many.svg', svgWith(pngs));
    assert.equal(res.statusCode, 415, res.body.slice(0, 300));
    assert.match(res.body, /45 megapixels in all/);
  });

  test('an embedded picture that cannot be read is refused with its reason', async () => {
    const res = await upload('broken.svg', svgWith([Buffer.from('not a picture at all')]));
    assert.equal(res.statusCode, 415, res.body.slice(0, 300));
    assert.match(res.body, /embeds a picture that cannot be read/);
  });

  test('a drawing embedding a picture of ordinary size still uploads', async () => {
    const res = await upload('light.svg', svgWith([pngOf(400, 1)]));
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    const row = await t.site.content.db
      .selectFrom('media')
      .select('mime')
      .where('original_name', '=', 'light.svg')
      .executeTakeFirstOrThrow();
    assert.equal(row.mime, 'image/svg+xml');
  });
});
