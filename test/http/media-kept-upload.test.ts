import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { uploadMedia } from '../support/media-upload.ts';
import { startTestSite, type TestSite } from '../support/site.ts';
import { type Person, staffClient } from '../support/staff-client.ts';

// Issue 16: an upload refused for its words (no alt text), not for its file, keeps the file: the form shown
// again says so and carries a token, and sending it again without choosing the file stores the image.

let t: TestSite;
let writer: Person;
let other: Person;
const { person } = staffClient(() => t);

before(async () => {
  t = await startTestSite();
  writer = await person('author', 'Keptwriter');
  other = await person('author', 'Otherwriter');
});
after(() => t.close());

const NO_ALT = { alt: '', caption: 'The river crossing at dawn', credit: '' };
const mediaNamed = (name: string) =>
  t.site.content.db.selectFrom('media').selectAll().where('original_name', '=', name).execute();
const pendingRows = () => t.site.content.db.selectFrom('media_pending').select(['user_id']).execute();
const keptToken = (html: string) => /<input type="hidden" name="kept" value="([^"]+)"\/>/.exec(html)?.[1];

async function png(colour: string) {
  const bytes = await sharp({ create: { width: 60, height: 40, channels: 3, background: colour } })
    .png()
    .toBuffer();
  return bytes;
}

describe('a refused upload keeps its file', () => {
  test('without alt text the form comes back saying "File kept", and sent again with alt text it stores the image', async () => {
    const file = { name: 'crossing.png', type: 'image/png', bytes: await png('#406080') };
    const refused = await uploadMedia(t, writer, { file, fields: NO_ALT });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="upload-alt-error">Describe the image/);
    assert.match(refused.body, /File kept: <strong>crossing\.png<\/strong>/);
    assert.match(refused.body, />The river crossing at dawn<\/textarea>/, 'the caption is kept');
    const token = keptToken(refused.body);
    assert.ok(token, 'the form carries the kept file’s token');
    assert.deepEqual(await mediaNamed('crossing.png'), [], 'nothing stored yet');

    // Someone else cannot use the token.
    const stolen = await uploadMedia(t, other, { fields: { ...NO_ALT, alt: 'Taken', kept: token } });
    assert.equal(stolen.statusCode, 400);
    assert.match(stolen.body, /id="upload-file-error">The file chosen before is no longer kept/);

    // The writer sends the form again with alt text and no file.
    const again = await uploadMedia(t, writer, {
      fields: { ...NO_ALT, alt: 'Pontoon bridge at first light', kept: token },
    });
    assert.equal(again.statusCode, 303, again.body);
    const [stored] = await mediaNamed('crossing.png');
    assert.equal(stored?.alt, 'Pontoon bridge at first light');
    assert.equal(stored?.caption, 'The river crossing at dawn');
    assert.deepEqual([stored?.width, stored?.height], [60, 40]);
    assert.deepEqual(await pendingRows(), [], 'the kept file is let go once stored');

    const reused = await uploadMedia(t, writer, { fields: { ...NO_ALT, alt: 'Twice', kept: token } });
    assert.equal(reused.statusCode, 400, 'a token works once');
    assert.match(reused.body, /The file chosen before is no longer kept/);
  });

  test('a file refused for itself is not kept, and a kept file waits a day at most', async () => {
    const text = { name: 'notes.png', type: 'image/png', bytes: Buffer.from('just some words, not a picture') };
    const bad = await uploadMedia(t, writer, { file: text, fields: NO_ALT });
    assert.equal(bad.statusCode, 415);
    assert.doesNotMatch(bad.body, /File kept/);
    assert.equal(keptToken(bad.body), undefined);

    const file = { name: 'steppe.png', type: 'image/png', bytes: await png('#a08040') };
    const refused = await uploadMedia(t, writer, { file, fields: NO_ALT });
    const token = keptToken(refused.body)!;
    assert.ok(token);
    assert.equal((await pendingRows()).length, 1);
    t.clock.set(new Date(t.clock.now().getTime() + 25 * 3600_000));
    const late = await uploadMedia(t, writer, { fields: { ...NO_ALT, alt: 'Grass to the horizon', kept: token } });
    assert.equal(late.statusCode, 400);
    assert.match(late.body, /id="upload-file-error">The file chosen before is no longer kept/);
    assert.deepEqual(await mediaNamed('steppe.png'), []);
  });
});
