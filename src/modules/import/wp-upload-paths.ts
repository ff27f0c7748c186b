/**
 * How an address on an old WordPress site names a file of its uploads: `https://old.example/wp-content/uploads/
 * 2019/05/x-300x200.jpg` is `2019/05/x-300x200.jpg` under `wp-content/uploads`, a copy WordPress made at 300×200
 * of the attachment `2019/05/x.jpg`. WordPress.com serves the same files from `SITE.files.wordpress.com/2019/05/…`.
 */

const UPLOADS = '/wp-content/uploads/';

/** Host name without a leading `www.`, lower case: `http://www.old.example` and `https://old.example` are one site. */
export function siteHost(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.hostname.toLowerCase().replace(/^www\./, '') : '';
  } catch {
    return undefined;
  }
}

export interface UploadAddress {
  /** The file's path under the uploads folder, percent-decoded ("2019/05/x.jpg"). */
  path: string;
  /** The host it was served from ('' for a path on the old site itself: "/wp-content/uploads/…"). */
  host: string;
}

/** The uploads path an address names, or undefined when it names no file of the uploads. */
export function uploadAddress(url: string): UploadAddress | undefined {
  const raw = url.trim();
  let host = '';
  let path: string;
  if (raw.startsWith('/') && !raw.startsWith('//')) path = raw;
  else {
    try {
      const u = new URL(raw.startsWith('//') ? `http:${raw}` : raw);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
      host = u.hostname.toLowerCase().replace(/^www\./, '');
      path = u.pathname;
    } catch {
      return undefined;
    }
  }
  path = path.split(/[?#]/)[0] ?? '';
  const at = path.indexOf(UPLOADS);
  let rest: string | undefined;
  if (at >= 0) rest = path.slice(at + UPLOADS.length);
  else if (host.endsWith('.files.wordpress.com')) rest = path.slice(1);
  if (!rest) return undefined;
  try {
    return { path: decodeURIComponent(rest), host };
  } catch {
    return { path: rest, host };
  }
}

/**
 * The original an address may be a copy of: WordPress names its resized copies `name-300x200.jpg` and, since 5.3,
 * keeps a large original as `name-scaled.jpg` (its copies are named from `name`). Undefined when it is no copy.
 */
export function originalOf(path: string): string | undefined {
  const m = /^(.*?)(-\d{1,5}x\d{1,5}|-scaled)(\.[A-Za-z0-9]{1,5})$/.exec(path);
  return m ? `${m[1]}${m[3]}` : undefined;
}

/** The names an attachment's file answers to: its path, and that path without `-scaled`. */
export function pathsOfAttachment(path: string): string[] {
  const out = [path];
  const plain = /^(.*)-scaled(\.[A-Za-z0-9]{1,5})$/.exec(path);
  if (plain) out.push(`${plain[1]}${plain[2]}`);
  return out;
}

/**
 * Whether a path names an image by its extension. Only these go to the media library; any other file of the
 * uploads (a PDF, a recording) keeps its old address. The content still decides: a PHP file named .jpg is refused.
 */
export const isImagePath = (path: string): boolean =>
  /\.(?:jpe?g|jpe|png|gif|webp|avif|svg|svgz|bmp|tiff?|heic|heif)$/i.test(path);
