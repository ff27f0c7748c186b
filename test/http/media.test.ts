import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { createUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import type { User } from '../../src/modules/accounts/accounts.types.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { isAppError } from '../../src/modules/shared/errors.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { HTTP_ERRORS } from '../../src/web/kit/http-errors.ts';
import { axeViolations, describeViolations } from '../support/axe.ts';
import { DESKTOP, launchBrowser, type ServedSite, startServedSite, type TestBrowser } from '../support/browser.ts';
import { TEST_BASE_URL } from '../support/site.ts';
import { signInThroughForm } from '../support/staff-client.ts';
import { htmlErrors } from '../support/vnu.ts';

const PASSWORD = 'a long uploader passphrase';
/** The words of an upload that needs none in particular. */
const TEXT = { alt: '', decorative: false, caption: '', credit: '' };
const FORM = 'application/x-www-form-urlencoded';

let site: ServedSite;
let author: User;
const cookies = new Map<string, string>();

before(async () => {
  site = await startServedSite();
  const deps = { db: site.site.content.db, clock: site.clock };
  const people: [string, UserRole][] = [
    ['author', 'author'],
    ['contributor', 'contributor'],
    ['other', 'author'],
  ];
  for (const [key, role] of people) {
    const user = await createUser(deps, { email: `${key}@example.org`, name: `${key} person`, role });
    await setPassword(deps, { userId: user.id, password: PASSWORD });
    if (key === 'author') author = user;
    cookies.set(key, (await signInThroughForm(site.app, { email: user.email, password: PASSWORD })).cookie);
  }
});
after(() => site?.close());

const db = () => site.site.content.db;
const cookieOf = (who: string) => cookies.get(who)!;

async function mediaCount(): Promise<{ media: number; files: number }> {
  const m = await db()
    .selectFrom('media')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const f = await db()
    .selectFrom('media_files')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { media: Number(m.n), files: Number(f.n) };
}

/** The CSRF token of a person's session, from the first admin page they may see (the sign-out form has it). */
async function csrfOf(who: string): Promise<string> {
  for (const url of ['/admin/media', '/admin/posts', '/admin/dashboard']) {
    const res = await site.app.inject({ method: 'GET', url, headers: { cookie: cookieOf(who) } });
    const m = /name="csrf" value="([^"]+)"/.exec(res.body);
    if (res.statusCode === 200 && m) return m[1]!;
  }
  throw new Error(`no admin page gives ${who} a CSRF token`);
}

interface UploadFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** The upload form as a browser sends it: multipart, fields in the order of the form, token in the address. */
async function upload(
  opts: {
    who?: string;
    file?: UploadFile;
    alt?: string;
    decorative?: boolean;
    caption?: string;
    credit?: string;
    csrf?: string | null;
  } = {},
) {
  const who = opts.who ?? 'author';
  const form = new FormData();
  if (opts.file)
    form.append('file', new Blob([Buffer.from(opts.file.bytes)], { type: opts.file.type }), opts.file.name);
  form.append('alt', opts.alt ?? '');
  if (opts.decorative) form.append('decorative', '1');
  form.append('caption', opts.caption ?? '');
  form.append('credit', opts.credit ?? '');
  const request = new Request('http://x/', { method: 'POST', body: form });
  const csrf = opts.csrf === undefined ? await csrfOf(who) : opts.csrf;
  return site.app.inject({
    method: 'POST',
    url: csrf === null ? '/admin/media' : `/admin/media?csrf=${encodeURIComponent(csrf)}`,
    headers: {
      cookie: cookieOf(who),
      origin: TEST_BASE_URL,
      'content-type': request.headers.get('content-type')!,
    },
    payload: Buffer.from(await request.arrayBuffer()),
  });
}

/** A 2400×1600 photograph taken sideways (EXIF orientation 6), with camera details and a GPS position. */
async function cameraJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 2400, height: 1600, channels: 3, background: '#7a5230' } })
    .composite([
      {
        input: { create: { width: 600, height: 400, channels: 3, background: '#d8c8a0' } },
        left: 200,
        top: 200,
      },
    ])
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Make: 'Acme', Model: 'Field Camera 3', Artist: 'A. Photographer' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '47/1 46/1 0/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '118/1 32/1 0/1',
      },
    })
    .toBuffer();
}

/** The tags of the first IFD of an EXIF block (0x8825 is the pointer to the GPS directory). */
function exifTags(exif: Buffer): number[] {
  const tiff = exif.subarray(exif.indexOf('Exif\0\0') + 6);
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  return Array.from({ length: u16(ifd) }, (_, i) => u16(ifd + 2 + i * 12));
}

/** A 1×1 PNG whose header claims 30000×30000 pixels: a decompression bomb as far as any decoder can tell. */
async function bombPng(): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  );
  png.writeUInt32BE(30000, 16);
  png.writeUInt32BE(30000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** A 6300 × 6300 one-bit PNG of about 5 KB: 39.7 megapixels, just under the limit, for almost no bytes. */
const bilevelPng = () =>
  sharp({ create: { width: 6300, height: 6300, channels: 3, background: '#fff' } })
    .png({ palette: true, colours: 2, compressionLevel: 9 })
    .toBuffer();

const SVG = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a map -->\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
);

const mediaRows = () => db().selectFrom('media').selectAll().orderBy('id').execute();
const filesOf = (mediaId: number) =>
  db()
    .selectFrom('media_files')
    .selectAll()
    .where('media_id', '=', mediaId)
    .orderBy('width')
    .orderBy('format')
    .execute();

describe('uploading an image', () => {
  let photoId: number;

  test('a camera JPEG is turned upright and stored as WebP at 480, 960 and 1600 wide plus a JPEG, with no EXIF or GPS left', async () => {
    const original = await cameraJpeg();
    const meta = await sharp(original).metadata();
    assert.ok(meta.exif, 'the test photo has EXIF');
    assert.ok(exifTags(meta.exif).includes(0x8825), 'the test photo has a GPS position');
    assert.equal(meta.orientation, 6);

    const res = await upload({
      file: { name: 'steppe.jpg', type: 'image/jpeg', bytes: original },
      alt: 'Open steppe under a wide sky',
      caption: 'The east bank in August',
      credit: 'Photo: A. Photographer',
    });
    assert.equal(res.statusCode, 303, res.body);
    assert.match(String(res.headers.location), /^\/admin\/media\?notice=uploaded#media-[0-9]+$/);

    const [row] = (await mediaRows()).filter((r) => r.original_name === 'steppe.jpg');
    assert.ok(row);
    photoId = row.id;
    assert.equal(row.mime, 'image/jpeg');
    assert.equal(row.user_id, author.id);
    assert.deepEqual([row.width, row.height], [1600, 2400], 'the original, upright');
    assert.equal(row.alt, 'Open steppe under a wide sky');
    assert.equal(row.credit, 'Photo: A. Photographer');

    const files = await filesOf(photoId);
    assert.deepEqual(
      files.map((f) => [f.name, f.format, f.width, f.height]),
      [
        [`${photoId}-1600x2400-480w.webp`, 'webp', 480, 720],
        [`${photoId}-1600x2400-960w.webp`, 'webp', 960, 1440],
        [`${photoId}-1600x2400-1600w.jpg`, 'jpeg', 1600, 2400],
        [`${photoId}-1600x2400-1600w.webp`, 'webp', 1600, 2400],
      ],
    );
    for (const f of files) {
      const m = await sharp(f.bytes).metadata();
      assert.equal(m.format, f.format, `${f.name} is ${f.format} by content`);
      assert.deepEqual([m.width, m.height], [f.width, f.height], `${f.name} has the size its row says`);
      assert.equal(m.exif, undefined, `${f.name} has no EXIF (so no GPS position)`);
      assert.equal(m.xmp, undefined, `${f.name} has no XMP`);
      assert.ok(m.orientation === undefined || m.orientation === 1, `${f.name} needs no turning`);
    }
  });

  test('the stored files are served with their type, a year of immutable caching, an ETag and 304 on a repeat', async () => {
    const files = await filesOf(photoId);
    const webp = files.find((f) => f.width === 480)!;
    const res = await site.app.inject({ method: 'GET', url: `/media/${webp.name}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/webp');
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(Buffer.from(res.rawPayload).equals(Buffer.from(webp.bytes)), 'the bytes are the stored ones');
    const etag = String(res.headers.etag);
    assert.match(etag, /^"[^"]+"$/);

    const again = await site.app.inject({
      method: 'GET',
      url: `/media/${webp.name}`,
      headers: { 'if-none-match': etag },
    });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');

    const jpeg = files.find((f) => f.format === 'jpeg')!;
    const fallback = await site.app.inject({ method: 'GET', url: `/media/${jpeg.name}` });
    assert.equal(fallback.headers['content-type'], 'image/jpeg');
    assert.notEqual(fallback.headers.etag, etag, 'each file has its own ETag');
  });

  test('an unknown stored name is a readable 404, and the demo drawings in the data folder are still served', async () => {
    const missing = await site.app.inject({ method: 'GET', url: '/media/99999-1600x900-480w.webp' });
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /^text\/html/);
    assert.match(missing.body, /no such image/);
    const drawing = await site.app.inject({ method: 'GET', url: '/media/khalkhin-gol-map.svg' });
    assert.equal(drawing.statusCode, 200);
    assert.equal(drawing.headers['content-type'], 'image/svg+xml');
  });

  test('the same file uploaded again gives the same image, and nothing new is stored', async () => {
    const before = await mediaCount();
    const res = await upload({
      file: { name: 'steppe-copy.jpg', type: 'image/jpeg', bytes: await cameraJpeg() },
      alt: 'Another description',
    });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, `/admin/media?notice=duplicate#media-${photoId}`);
    assert.deepEqual(await mediaCount(), before);
  });

  test('a PNG with transparency keeps it (PNG fallback), and an image narrower than 480 gets one size', async () => {
    const png = await sharp({
      create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .composite([
        { input: { create: { width: 100, height: 100, channels: 4, background: '#c33' } }, left: 20, top: 20 },
      ])
      .png()
      .toBuffer();
    const res = await upload({
      file: { name: 'seal.png', type: 'image/png', bytes: png },
      decorative: true,
      alt: 'ignored',
    });
    assert.equal(res.statusCode, 303, res.body);
    const row = (await mediaRows()).find((r) => r.original_name === 'seal.png')!;
    assert.equal(row.alt, '', 'a decorative image has empty alt text, whatever was typed');
    const files = await filesOf(row.id);
    assert.deepEqual(
      files.map((f) => [f.format, f.width, f.height]),
      [
        ['png', 300, 200],
        ['webp', 300, 200],
      ],
    );
    const stored = await sharp(files.find((f) => f.format === 'png')!.bytes).stats();
    assert.equal(stored.isOpaque, false, 'the transparency survived');
  });

  test('an AVIF is taken, and an animated GIF is stored as its first frame', async () => {
    const avif = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#468' } })
      .avif()
      .toBuffer();
    const avifRes = await upload({ file: { name: 'lake.avif', type: 'image/avif', bytes: avif }, alt: 'A lake' });
    assert.equal(avifRes.statusCode, 303, avifRes.body);
    const avifRow = (await mediaRows()).find((r) => r.original_name === 'lake.avif')!;
    assert.equal(avifRow.mime, 'image/avif');
    assert.deepEqual(
      (await filesOf(avifRow.id)).map((f) => [f.format, f.width]),
      [
        ['webp', 480],
        ['jpeg', 640],
        ['webp', 640],
      ],
    );

    // Two frames of 100 × 100: light grey, then near black.
    const frames = Buffer.alloc(100 * 200 * 3, 30);
    frames.fill(200, 0, 100 * 100 * 3);
    const gif = await sharp(frames, { raw: { width: 100, height: 200, channels: 3, pageHeight: 100 } })
      .gif()
      .toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 2);
    const gifRes = await upload({
      file: { name: 'blink.gif', type: 'image/gif', bytes: gif },
      alt: 'A blinking square',
    });
    assert.equal(gifRes.statusCode, 303, gifRes.body);
    const gifRow = (await mediaRows()).find((r) => r.original_name === 'blink.gif')!;
    assert.deepEqual([gifRow.width, gifRow.height], [100, 100]);
    const webp = (await filesOf(gifRow.id)).find((f) => f.format === 'webp')!;
    const m = await sharp(webp.bytes).metadata();
    assert.deepEqual([m.width, m.height, m.pages ?? 1], [100, 100, 1]);
    const { channels } = await sharp(webp.bytes).stats();
    assert.ok(channels[0]!.mean > 150, 'the first (light) frame is the one kept');
  });

  test('an SVG with a script is refused by its content, even named .png and sent as image/png, and nothing is stored', async () => {
    const before = await mediaCount();
    const res = await upload({
      file: { name: 'map.png', type: 'image/png', bytes: SVG },
      alt: 'A map',
      caption: 'Kept',
    });
    assert.equal(res.statusCode, 415);
    assert.match(res.body, /This SVG contains a script/);
    assert.match(res.body, /role="alert"/);
    assert.match(res.body, /aria-invalid="true"/);
    assert.match(res.body, />Kept<\/textarea>/, 'the caption typed is kept');
    assert.deepEqual(await mediaCount(), before);
  });

  test('a text file named .jpg is refused as not an image, and nothing is stored', async () => {
    const before = await mediaCount();
    const res = await upload({
      file: { name: 'photo.jpg', type: 'image/jpeg', bytes: Buffer.from('These are notes, not a photograph.\n') },
      alt: 'A photo',
    });
    assert.equal(res.statusCode, 415);
    assert.match(res.body, /not an image Annalist can use/);
    assert.deepEqual(await mediaCount(), before);
  });

  test('a file over 15 MB gets a readable 413 page with the reason, and nothing is stored', async () => {
    const before = await mediaCount();
    const big = Buffer.alloc(16 * 1024 * 1024, 7);
    const res = await upload({ file: { name: 'huge.jpg', type: 'image/jpeg', bytes: big }, alt: 'Huge', credit: 'Me' });
    assert.equal(res.statusCode, 413);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /larger than 15 MB/);
    assert.match(res.body, /value="Me"/, 'the fields after the file were read and kept');
    assert.deepEqual(await mediaCount(), before);
  });

  test('a decompression bomb (a tiny PNG claiming 30000 × 30000 pixels) is refused with the reason, and nothing is stored', async () => {
    const before = await mediaCount();
    const bomb = await bombPng();
    assert.ok(bomb.length < 200);
    const res = await upload({ file: { name: 'tiny.png', type: 'image/png', bytes: bomb }, alt: 'Tiny' });
    assert.equal(res.statusCode, 413);
    assert.match(res.body, /30000 × 30000 pixels, more than the 40 megapixels/);
    assert.deepEqual(await mediaCount(), before);
  });

  test('a 5 KB PNG of 6300 × 6300 pixels is stored, and /healthz keeps answering meanwhile (typically within 200 ms)', async () => {
    const png = await bilevelPng();
    assert.ok(png.length < 6000, `${png.length} bytes`);
    const file = { name: 'plan.png', type: 'image/png', bytes: png };
    // Everything but the upload itself first (the token, fetch's first connection), so only the image work overlaps.
    const csrf = await csrfOf('author');
    assert.equal((await fetch(`${site.origin}/healthz`)).status, 200);
    let done = false;
    const uploaded = upload({ file, alt: 'A blank plan', csrf }).finally(() => {
      done = true;
    });
    // Asked over a real connection, one after another, for as long as the image is being prepared.
    const waits: number[] = [];
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${site.origin}/healthz`);
      assert.equal(res.status, 200, await res.text());
      waits.push(performance.now() - started);
    }
    const res = await uploaded;
    assert.equal(res.statusCode, 303, res.body);
    assert.ok(waits.length >= 3, `only ${waits.length} health checks while the image was prepared`);
    // The typical check answers within 200 ms; on a machine shared with other test files one may wait for the CPU,
    // but never for the image: work on the event loop would hold every check for the whole preparation.
    const sorted = [...waits].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    assert.ok(median < 200, `median health check ${Math.round(median)} ms`);
    assert.ok(sorted.at(-1)! < 1_000, `slowest health check ${Math.round(sorted.at(-1)!)} ms`);
    const media = (await mediaRows()).at(-1)!;
    assert.equal(media.width, 6300);
    assert.deepEqual(
      (await filesOf(media.id)).map((f) => `${f.format} ${f.width}×${f.height}`),
      ['webp 480×480', 'webp 960×960', 'jpeg 1600×1600', 'webp 1600×1600'],
    );
  });

  test('an image that takes longer than the deadline to prepare is refused with the reason, and nothing is stored', async () => {
    const before = await mediaCount();
    // A deadline of 1 ms: the first step of the work always outlasts it, so the next one is never started.
    const deps = { db: db(), clock: site.clock, processingMs: 1 };
    const bytes = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#358' } })
      .png()
      .toBuffer();
    await assert.rejects(
      ingestImage(deps, { bytes, originalName: 'slow.png', userId: author.id, ...TEXT, alt: 'Slow' }),
      (err: unknown) => {
        assert.ok(isAppError(err));
        assert.equal(err.code, 'MEDIA_TOO_COMPLEX');
        assert.equal(HTTP_ERRORS[err.code].status, 422);
        assert.match(err.fields?.file ?? '', /takes too long to prepare/);
        return true;
      },
    );
    assert.deepEqual(await mediaCount(), before);
  });

  test('an image without alt text and not marked decorative is refused at the alt field, keeping what was typed', async () => {
    const before = await mediaCount();
    const png = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#246' } })
      .png()
      .toBuffer();
    const res = await upload({
      file: { name: 'blue.png', type: 'image/png', bytes: png },
      alt: '   ',
      caption: 'A blue square',
      credit: 'Drawn for the test',
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /id="upload-alt-error"[^>]*>Describe the image/);
    assert.match(res.body, /aria-describedby="upload-alt-hint upload-alt-error"/);
    assert.match(res.body, /href="#upload-alt"/, 'the error summary links to the field');
    assert.match(res.body, />A blue square<\/textarea>/);
    assert.match(res.body, /value="Drawn for the test"/);
    assert.deepEqual(await mediaCount(), before);
  });

  test('a contributor, who may not upload, gets 403 and nothing is stored', async () => {
    const before = await mediaCount();
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#642' } })
      .png()
      .toBuffer();
    const res = await upload({ who: 'contributor', file: { name: 'c.png', type: 'image/png', bytes: png }, alt: 'C' });
    assert.equal(res.statusCode, 403);
    const page = await site.app.inject({
      method: 'GET',
      url: '/admin/media',
      headers: { cookie: cookieOf('contributor') },
    });
    assert.equal(page.statusCode, 403);
    assert.deepEqual(await mediaCount(), before);
  });

  test('an upload without the CSRF token, or with a wrong one, or from another site, is refused with 403', async () => {
    const before = await mediaCount();
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#264' } })
      .png()
      .toBuffer();
    const file = { name: 'g.png', type: 'image/png', bytes: png };
    for (const csrf of [null, '', 'not-the-token']) {
      const res = await upload({ file, alt: 'G', csrf });
      assert.equal(res.statusCode, 403, `token ${String(csrf)}`);
      assert.match(res.body, /CSRF_FAILED/);
    }
    // The token of another person's session does not do either.
    const res = await upload({ file, alt: 'G', csrf: await csrfOf('contributor') });
    assert.equal(res.statusCode, 403);
    assert.deepEqual(await mediaCount(), before);
  });
});

describe('the library and the Markdown snippet', () => {
  test('the snippet pasted into a published post renders a figure with srcset, sizes, width and height', async () => {
    const png = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#553311' } })
      .png()
      .toBuffer();
    const res = await upload({
      file: { name: 'river.png', type: 'image/png', bytes: png },
      alt: 'The river "Khalkha" & its *east* bank',
      caption: 'Looking east [1939]: the Bain-Tsagan heights',
      credit: 'Archive <unknown>',
    });
    assert.equal(res.statusCode, 303, res.body);
    const row = (await mediaRows()).find((r) => r.original_name === 'river.png')!;

    const library = await site.app.inject({
      method: 'GET',
      url: '/admin/media',
      headers: { cookie: cookieOf('author') },
    });
    assert.equal(library.statusCode, 200);
    const m = new RegExp(`id="media-${row.id}-markdown"[^>]*>([^<]*)</textarea>`).exec(library.body);
    assert.ok(m, 'the library shows the snippet');
    const snippet = m[1]!
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    assert.ok(snippet.startsWith('::figure['), snippet);

    await savePost(site.site.content, {
      type: 'post',
      slug: 'river-photo-test',
      title: 'A photo of the river',
      bodyMarkdown: `Before the picture.\n\n${snippet}\n\nAfter the picture.`,
      status: 'published',
      publishedAt: '2025-01-05T10:00:00.000Z',
    });
    site.site.content.noteWrite();
    const page = await site.app.inject({ method: 'GET', url: '/river-photo-test/' });
    assert.equal(page.statusCode, 200);
    const figure = /<figure>[\s\S]*?<\/figure>/.exec(page.body)?.[0] ?? '';
    const name = (w: number, ext = 'webp') => `/media/${row.id}-1200x800-${w}w.${ext}`;
    assert.match(figure, new RegExp(`src="${name(1200, 'jpg')}"`));
    assert.match(figure, new RegExp(`srcset="${name(480)} 480w, ${name(960)} 960w, ${name(1200)} 1200w"`));
    assert.match(figure, /sizes="[^"]+"/);
    assert.match(figure, /width="1200" height="800"/);
    assert.match(figure, /alt="The river &#x22;Khalkha&#x22; &#x26; its \*east\* bank"/);
    assert.match(
      figure,
      /<figcaption>Looking east \[1939\]: the Bain-Tsagan heights<span class="credit">Archive &#x3C;unknown></,
    );
    for (const w of [480, 960, 1200]) {
      const img = await site.app.inject({ method: 'GET', url: name(w) });
      assert.equal(img.statusCode, 200, `every width in srcset exists (${w})`);
    }
  });

  test('alt text and credit are changed on the image page; empty alt without "decorative" is refused there too', async () => {
    const row = (await mediaRows()).find((r) => r.original_name === 'steppe.jpg')!;
    const csrf = await csrfOf('author');
    const post = (fields: Record<string, string>) =>
      site.app.inject({
        method: 'POST',
        url: `/admin/media/${row.id}`,
        headers: { cookie: cookieOf('author'), origin: TEST_BASE_URL, 'content-type': FORM },
        payload: new URLSearchParams({ csrf, ...fields }).toString(),
      });
    const bad = await post({ alt: '', caption: 'New caption', credit: 'New credit' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="edit-alt-error"/);
    assert.match(bad.body, /value="New credit"/);
    const good = await post({ alt: 'Steppe grass, knee high', caption: '', credit: 'New credit' });
    assert.equal(good.statusCode, 303);
    const after = await db().selectFrom('media').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    assert.deepEqual([after.alt, after.caption, after.credit], ['Steppe grass, knee high', '', 'New credit']);
  });

  test('another author can neither change nor delete someone else’s image', async () => {
    const row = (await mediaRows()).find((r) => r.original_name === 'steppe.jpg')!;
    const csrf = await csrfOf('other');
    const send = (url: string, fields: Record<string, string>) =>
      site.app.inject({
        method: 'POST',
        url,
        headers: { cookie: cookieOf('other'), origin: TEST_BASE_URL, 'content-type': FORM },
        payload: new URLSearchParams({ csrf, ...fields }).toString(),
      });
    const edit = await send(`/admin/media/${row.id}`, { alt: 'defaced', caption: '', credit: '' });
    assert.equal(edit.statusCode, 403);
    assert.equal((await send(`/admin/media/${row.id}/delete`, {})).statusCode, 403);
    const after = await db().selectFrom('media').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    assert.notEqual(after.alt, 'defaced');
  });

  test('an image a post still shows cannot be deleted; an unused one can, and its files are gone', async () => {
    const csrf = await csrfOf('author');
    const del = (id: number) =>
      site.app.inject({
        method: 'POST',
        url: `/admin/media/${id}/delete`,
        headers: { cookie: cookieOf('author'), origin: TEST_BASE_URL, 'content-type': FORM },
        payload: new URLSearchParams({ csrf }).toString(),
      });
    const used = (await mediaRows()).find((r) => r.original_name === 'river.png')!;
    const refused = await del(used.id);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /still shown in “A photo of the river”/);

    const unused = (await mediaRows()).find((r) => r.original_name === 'seal.png')!;
    const [file] = await filesOf(unused.id);
    const done = await del(unused.id);
    assert.equal(done.statusCode, 303);
    assert.equal((await filesOf(unused.id)).length, 0);
    const gone = await site.app.inject({ method: 'GET', url: `/media/${file!.name}` });
    assert.equal(gone.statusCode, 404);
  });
});

describe('the media library in a browser', () => {
  let browser: TestBrowser;
  before(async () => {
    browser = await launchBrowser({ bypassCSP: true });
  });
  after(() => browser?.close());

  test('an author uploads through the form, sees the image in the library, and axe finds no violations', async () => {
    const page = await browser.newPage(DESKTOP);
    await browser.context.addCookies([
      { name: 'annalist_session', value: cookieOf('author').split('=')[1]!, url: site.origin },
    ]);
    const failures: string[] = [];
    const check = async (name: string) => {
      const v = await axeViolations(page);
      if (v.length > 0) failures.push(describeViolations(name, v));
    };

    await page.goto(`${site.origin}/admin/media`);
    await check('library');

    // No alt text: the browser says so before sending the file (issue 16), and nothing is posted.
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    await page.getByLabel('Image file').setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: SVG });
    await page.getByRole('button', { name: 'Upload the image' }).click();
    const altBox = page.getByLabel('What the image shows');
    assert.match(await altBox.evaluate((a: HTMLTextAreaElement) => a.validationMessage), /Describe the image/);
    assert.deepEqual(posts, [], 'nothing sent');

    // A refused upload: the error summary and the field errors.
    await altBox.fill('A sketch map');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Upload the image' }).click()]);
    assert.match((await page.getByRole('alert').textContent()) ?? '', /This SVG contains a script/);
    assert.match(page.url(), /\/admin\/media\?csrf=/);
    await check('library with upload errors');

    // Over the limit, over real HTTP: the browser gets the readable page, not a reset connection.
    const hugeFile = join(site.dir, 'huge.jpg');
    writeFileSync(hugeFile, Buffer.alloc(16 * 1024 * 1024, 7));
    await page.getByLabel('Image file').setInputFiles(hugeFile, { timeout: 30_000 });
    const [tooLarge] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Upload the image' }).click(),
    ]);
    assert.equal(tooLarge.status(), 413);
    await page.waitForLoadState('load');
    assert.match((await page.getByRole('alert').textContent()) ?? '', /larger than 15 MB/);

    const jpeg = await sharp({ create: { width: 700, height: 500, channels: 3, background: '#345' } })
      .jpeg()
      .toBuffer();
    await page.getByLabel('Image file').setInputFiles({ name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await page.getByLabel('What the image shows').fill('Ships at anchor in a grey harbour');
    await page.getByLabel('Credit (optional)').fill('Test archive');
    await Promise.all([
      page.waitForURL(/notice=uploaded/),
      page.getByRole('button', { name: 'Upload the image' }).click(),
    ]);
    assert.match((await page.getByRole('status').textContent()) ?? '', /Image uploaded/);
    const thumb = page.getByRole('img', { name: 'Ships at anchor in a grey harbour' });
    assert.equal(await thumb.evaluate((img) => (img as HTMLImageElement).naturalWidth), 480, 'the thumbnail loads');
    await check('library after an upload');

    await page.getByRole('link', { name: /Edit the details of harbour\.jpg/ }).click();
    await page.waitForLoadState('load');
    await check('image details');
    assert.deepEqual(failures, [], failures.join('\n'));
    await page.close();
  });

  test('the library, an image page and an article with an uploaded figure are valid HTML', async () => {
    const get = (url: string, cookie?: string) =>
      site.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} }).then((r) => r.body);
    const row = (await mediaRows()).find((r) => r.original_name === 'river.png')!;
    const errors = await htmlErrors([
      { name: 'library', html: await get('/admin/media', cookieOf('author')) },
      { name: 'image page', html: await get(`/admin/media/${row.id}`, cookieOf('author')) },
      { name: 'article with a figure', html: await get('/river-photo-test/') },
    ]);
    assert.deepEqual(errors, []);
  });
});
