/**
 * A small WordPress site of our own for the uploads and author-map tests: a WXR file written here, and a copy of
 * its `wp-content/uploads` with tiny images made by sharp, plus the hostile files an old uploads folder may hold.
 */

import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

export interface WxrAuthorSpec {
  login: string;
  email: string;
  name: string;
}

export interface WxrItemSpec {
  id: string;
  type: 'post' | 'page' | 'attachment';
  title: string;
  name?: string;
  creator?: string;
  content?: string;
  excerpt?: string;
  url?: string;
  meta?: Record<string, string>;
}

const text = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

/** A WXR 1.2 export of `items` by `authors`, from the site at `base`. */
export function wxr(opts: { base: string; authors?: WxrAuthorSpec[]; items: WxrItemSpec[] }): string {
  const authors = (opts.authors ?? []).map(
    (a) =>
      `<wp:author><wp:author_login>${cdata(a.login)}</wp:author_login><wp:author_email>${cdata(a.email)}</wp:author_email><wp:author_display_name>${cdata(a.name)}</wp:author_display_name></wp:author>`,
  );
  const items = opts.items.map((i) => {
    const meta = Object.entries(i.meta ?? {}).map(
      ([k, v]) =>
        `<wp:postmeta><wp:meta_key>${cdata(k)}</wp:meta_key><wp:meta_value>${cdata(v)}</wp:meta_value></wp:postmeta>`,
    );
    return `<item>
<title>${text(i.title)}</title>
<dc:creator>${cdata(i.creator ?? '')}</dc:creator>
<content:encoded>${cdata(i.content ?? '')}</content:encoded>
<excerpt:encoded>${cdata(i.excerpt ?? '')}</excerpt:encoded>
<wp:post_id>${i.id}</wp:post_id>
<wp:post_date_gmt>2019-05-0${(Number(i.id) % 9) + 1} 10:00:00</wp:post_date_gmt>
<wp:post_name>${cdata(i.name ?? '')}</wp:post_name>
<wp:status>${i.type === 'attachment' ? 'inherit' : 'publish'}</wp:status>
<wp:post_type>${i.type}</wp:post_type>
${i.url ? `<wp:attachment_url>${cdata(i.url)}</wp:attachment_url>` : ''}
${meta.join('\n')}
</item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>River Crossings</title>
<link>${opts.base}</link>
<description>Ferries and fords of the Far East</description>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>${opts.base}</wp:base_site_url>
${authors.join('\n')}
${items.join('\n')}
</channel>
</rss>
`;
}

/** A photograph-like JPEG with an EXIF field a reader must never get. */
export async function photo(width: number, height: number, colour: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg()
    .withExif({ IFD0: { Copyright: 'Taken at the secret ford' } })
    .toBuffer();
}

export async function drawing(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 10, g: 80, b: 40, alpha: 0.5 } } })
    .png()
    .toBuffer();
}

/**
 * A real 1×1 PNG whose header claims `size`×`size` pixels (a decompression bomb's opening): the IHDR chunk's
 * width and height rewritten and its checksum made right again, so only the pixel limit can refuse it.
 */
export async function pixelBomb(size: number): Promise<Buffer> {
  const png = Buffer.from(await drawing(1, 1));
  png.writeUInt32BE(size, 16);
  png.writeUInt32BE(size, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}

function put(root: string, path: string, bytes: Buffer | string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), bytes);
}

/**
 * The uploads folder of the test site: the photograph and its resized copy, the map, a sketch no attachment names,
 * and the hostile files (PHP named .jpg, an SVG with a script, a pixel bomb, a 16 MB file, a link leading out of
 * the folder to a real image beside it). `outside` is a folder next to it.
 */
export async function writeUploads(root: string, outside: string): Promise<void> {
  put(root, '2019/05/ferry.jpg', await photo(800, 600, '#3366aa'));
  put(root, '2019/05/ferry-300x225.jpg', await photo(300, 225, '#3366aa'));
  put(root, '2019/06/amur-map.png', await drawing(640, 480));
  put(root, '2019/07/sketch.png', await drawing(200, 150));
  put(root, '2019/07/ford.png', await drawing(120, 90));
  put(root, '2019/08/shell.jpg', "<?php system($_GET['c']); ?>\n");
  put(root, '2019/08/plan.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  put(root, '2019/08/bomb.png', await pixelBomb(50_000));
  put(root, '2019/08/huge.jpg', '');
  truncateSync(join(root, '2019/08/huge.jpg'), 16 * 1024 * 1024);
  put(outside, 'private.jpg', await photo(64, 64, '#aa0000'));
  symlinkSync(join(outside, 'private.jpg'), join(root, '2019/08/escape.jpg'));
  put(root, '2019/08/notes.pdf', '%PDF-1.4\n% field notes\n');
}

export const OLD = 'http://old.example';
export const UPLOADS_URL = `${OLD}/wp-content/uploads`;

/** An attachment item for a file of the uploads. */
export function attachment(id: string, file: string, words: { alt?: string; caption?: string } = {}): WxrItemSpec {
  return {
    id,
    type: 'attachment',
    title: file.split('/').pop() ?? file,
    url: `${UPLOADS_URL}/${file}`,
    excerpt: words.caption ?? '',
    meta: { _wp_attached_file: file, ...(words.alt ? { _wp_attachment_image_alt: words.alt } : {}) },
  };
}

/** The site's export: one article using every kind of image, then the attachments (after it, as WordPress writes them). */
export function riverCrossingsExport(): string {
  const body = `The ferry crossed twice a day.

[caption id="attachment_21" align="aligncenter" width="300"]<a href="${UPLOADS_URL}/2019/05/ferry.jpg"><img src="${UPLOADS_URL}/2019/05/ferry-300x225.jpg" alt="" width="300" height="225" class="size-medium wp-image-21" /></a> The ferry at Blagoveshchensk[/caption]

A sketch of the landing: <img src="https://www.old.example/wp-content/uploads/2019/07/sketch.png" alt="A sketch of the landing" />

<img src="${UPLOADS_URL}/2019/09/lost.jpg" alt="The lost photograph of the ice road" />

<img src="https://elsewhere.example/pictures/raft.jpg" alt="A raft on another site" />

[gallery ids="21,22"]`;
  return wxr({
    base: OLD,
    authors: [{ login: 'ferryman', email: 'ferryman@old.example', name: 'The Ferryman' }],
    items: [
      {
        id: '10',
        type: 'post',
        title: 'Crossing the Amur',
        name: 'crossing-the-amur',
        creator: 'ferryman',
        content: body,
        meta: { _thumbnail_id: '22' },
      },
      attachment('21', '2019/05/ferry.jpg', { alt: 'The ferry crossing', caption: 'Ferry, summer 1901' }),
      attachment('22', '2019/06/amur-map.png', { alt: 'Map of the river', caption: 'The Amur in 1860' }),
      attachment('23', '2019/08/shell.jpg', { alt: 'Not a picture' }),
      attachment('24', '2019/08/plan.svg', { alt: 'A plan' }),
      attachment('25', '2019/08/bomb.png'),
      attachment('26', '2019/08/huge.jpg'),
      attachment('27', '2019/08/escape.jpg'),
      { ...attachment('28', '../private.jpg'), url: `${OLD}/private.jpg` },
      { ...attachment('29', '/etc/hostname.jpg'), url: '' },
      attachment('30', '2019/09/lost.jpg', { alt: 'The lost photograph of the ice road' }),
      attachment('31', '2019/08/notes.pdf'),
      // Percent-encoded slashes: decoded, the path climbs out of the folder.
      { ...attachment('32', 'x.jpg'), url: `${UPLOADS_URL}/..%2F..%2Foutside%2Fprivate.jpg`, meta: {} },
      // WordPress.com records the file as the absolute path on its own server: never read, the address is used.
      {
        ...attachment('33', '2019/07/ford.png'),
        meta: { _wp_attached_file: '/home/wpcom/public_html/wp-content/blogs.dir/1/files/2019/07/ford.png' },
      },
    ],
  });
}
