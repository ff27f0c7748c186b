import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { DEMO_MEDIA_DIR } from '../../src/modules/demo/demo-media.ts';
import { uploadMedia } from '../support/media-upload.ts';
import { startTestSite, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Issue 16, decision 047: an SVG upload is checked as text, refused when it reaches outside itself or carries
// scripts, and otherwise drawn into pixels; nothing uploaded is ever stored or served as SVG.

let t: TestSite;
let author: Person;
const { person, get } = staffClient(() => t);

before(async () => {
  t = await startTestSite();
  author = await person('author', 'Svgauthor');
});
after(() => t.close());

const counts = async () => ({
  media: (await t.site.content.db.selectFrom('media').select('id').execute()).length,
  files: (await t.site.content.db.selectFrom('media_files').select('name').execute()).length,
});
const svgFile = (name: string, text: string) => ({ name, type: 'image/svg+xml', bytes: Buffer.from(text) });
const WORDS = { alt: 'A sketch map of the river', caption: '', credit: '' };

describe('SVG uploads', () => {
  test('the demo’s sketch map uploads and is served as WebP and PNG pictures of it, never as SVG', async () => {
    const bytes = readFileSync(join(DEMO_MEDIA_DIR, 'khalkhin-gol-map.svg'));
    const res = await uploadMedia(t, author, {
      file: { name: 'map.svg', type: 'image/svg+xml', bytes },
      fields: WORDS,
    });
    assert.equal(res.statusCode, 303, res.body);
    const media = await t.site.content.db
      .selectFrom('media')
      .selectAll()
      .where('original_name', '=', 'map.svg')
      .executeTakeFirstOrThrow();
    assert.equal(media.mime, 'image/svg+xml', 'the library says what was uploaded');
    const files = await t.site.content.db
      .selectFrom('media_files')
      .select(['name', 'format', 'width', 'height'])
      .where('media_id', '=', media.id)
      .execute();
    // The map is opaque (a paper-coloured background): WebP and a JPEG fallback.
    assert.deepEqual([...new Set(files.map((f) => f.format))].sort(), ['jpeg', 'webp']);
    // The map is 800 × 500: drawn twice as wide for sharp screens.
    assert.equal(Math.max(...files.map((f) => f.width)), 1600);
    for (const f of files) {
      assert.doesNotMatch(f.name, /svg/i);
      const served = await get(`/media/${f.name}`);
      assert.equal(served.statusCode, 200);
      assert.equal(served.headers['content-type'], `image/${f.format}`);
      const meta = await sharp(served.rawPayload).metadata();
      assert.equal(meta.format, f.format);
      assert.deepEqual([meta.width, meta.height], [f.width, f.height]);
    }
    // What is drawn is the map: its paper colour (#f4efe4) in a corner, not an empty picture.
    const top = files.find((f) => f.format === 'jpeg')!;
    const { data } = await sharp((await get(`/media/${top.name}`)).rawPayload)
      .extract({ left: 4, top: 4, width: 1, height: 1 })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    for (const [i, want] of [0xf4, 0xef, 0xe4].entries()) assert.ok(Math.abs(data[i]! - want) <= 4, `${[...data]}`);
  });

  test('a drawing with a transparent background keeps it, as WebP and PNG', async () => {
    const res = await uploadMedia(t, author, {
      file: svgFile(
        'dot.svg',
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="40" height="40"><defs><linearGradient id="g"><stop offset="0" stop-color="#8a4f3a"/></linearGradient></defs><circle cx="20" cy="20" r="10" fill="url(#g)"/></svg>',
      ),
      fields: { ...WORDS, alt: 'A dot' },
    });
    assert.equal(res.statusCode, 303, res.body);
    const media = await t.site.content.db
      .selectFrom('media')
      .select(['id', 'width', 'height'])
      .where('original_name', '=', 'dot.svg')
      .executeTakeFirstOrThrow();
    assert.deepEqual([media.width, media.height], [80, 80], 'drawn at twice its size');
    const png = await t.site.content.db
      .selectFrom('media_files')
      .select('bytes')
      .where('media_id', '=', media.id)
      .where('format', '=', 'png')
      .executeTakeFirstOrThrow();
    const corner = await sharp(png.bytes).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer();
    assert.equal(corner[3], 0, 'the corner is transparent');
    const middle = await sharp(png.bytes).extract({ left: 40, top: 40, width: 1, height: 1 }).raw().toBuffer();
    assert.deepEqual([...middle], [0x8a, 0x4f, 0x3a, 255], 'the fill from its own gradient (url(#g)) is drawn');
  });

  const hostile: [string, string, RegExp][] = [
    [
      'an image fetched from another site',
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="20"><image xlink:href="https://tracker.example/pixel.png" width="20" height="20"/></svg>',
      /refers to something outside the file \(https:\/\/tracker\.example\/pixel\.png\)/,
    ],
    [
      'a file on the server',
      '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><image href="file:///etc/passwd" width="20" height="20"/></svg>',
      /refers to something outside the file \(file:\/\/\/etc\/passwd\)/,
    ],
    [
      'an address hidden behind character references',
      '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><use href="&#104;ttp://evil.example/a.svg#x"/></svg>',
      /refers to something outside the file \(http:\/\/evil\.example\/a\.svg#x\)/,
    ],
    [
      'a fill painted from another file',
      '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="url(https://evil.example/p.svg#g)"/></svg>',
      /refers to something outside the file \(https:\/\/evil\.example\/p\.svg#g\)/,
    ],
    [
      'a stylesheet imported',
      '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><style>@import "https://evil.example/a.css";</style></svg>',
      /refers to something outside the file \(@import\)/,
    ],
    [
      'an SVG picture embedded as data',
      '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><image href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" width="20" height="20"/></svg>',
      /refers to something outside the file \(data:image\/svg\+xml/,
    ],
    [
      'entities',
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><text>&b;</text></svg>',
      /declares a DOCTYPE or entities/,
    ],
    [
      'a script',
      '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="alert(1)"><script>alert(1)</script></svg>',
      /contains a script/,
    ],
    [
      'embedded HTML',
      '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><foreignObject width="20" height="20"><p xmlns="http://www.w3.org/1999/xhtml">Hi</p></foreignObject></svg>',
      /contains embedded HTML \(&lt;foreignObject>\)/,
    ],
    [
      'another encoding',
      '<?xml version="1.0" encoding="UTF-7"?><svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">+ADw-script+AD4-</svg>',
      /Save the SVG as UTF-8/,
    ],
  ];

  for (const [what, text, message] of hostile)
    test(`an SVG with ${what} is refused with its reason, keeping the words typed, and nothing is stored`, async () => {
      const before = await counts();
      const res = await uploadMedia(t, author, {
        file: svgFile('hostile.svg', text),
        fields: { ...WORDS, caption: 'Kept caption' },
      });
      assert.equal(res.statusCode, 415, res.body);
      assert.match(res.body, message);
      assert.match(res.body, /id="upload-file-error"/, 'at the file field');
      assert.match(res.body, />Kept caption<\/textarea>/);
      assert.deepEqual(await counts(), before);
    });
});
