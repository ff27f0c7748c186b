import { fromHtml } from 'hast-util-from-html';
import { toString as hastText } from 'hast-util-to-string';
import { POST_FIELD_LIMITS } from '../content/editor-form.ts';
import { findPostById } from '../content/post.repository.ts';
import { ingestImage } from '../media/ingest-image.service.ts';
import { findMediaRowById } from '../media/media.repository.ts';
import { getMedia } from '../media/media.service.ts';
import { MEDIA_LIMITS } from '../media/media.types.ts';
import { isAppError } from '../shared/errors.ts';
import { findMapped, setMapped } from './import.repository.ts';
import { addToList, count, noteLine, type ReportKind } from './import-report.ts';
import type { ImportRun } from './import-run.ts';
import type { UploadLookup, UploadsFolder } from './uploads-folder.ts';
import { isImagePath, originalOf, pathsOfAttachment, siteHost, uploadAddress } from './wp-upload-paths.ts';
import type { WxrItem } from './wxr.types.ts';

/**
 * The images of a WordPress import. With a local copy of the old site's uploads (`--uploads`), every attachment
 * whose file is there goes through the media library's own pipeline (the same checks, sizes and WebP copies as
 * an upload in the admin, EXIF gone), inside the import's transaction; bodies and featured images then point at
 * our /media/ addresses. Without it nothing is copied: addresses are kept and reported as remote.
 */

/** An image brought into the media library. */
export interface ImportedImage {
  mediaId: number;
  /** Its /media/ address (the largest JPEG or PNG copy). */
  src: string;
}

interface Attachment {
  url: string;
  /** Its page on the old site (`link`) and the post it was uploaded to, whose page it leads to now. */
  link: string;
  parent: string;
  alt: string;
  caption: string;
  /** undefined: its file did not come (missing or refused, reported once). */
  image: ImportedImage | undefined;
}

export interface WpMedia {
  folder: UploadsFolder | undefined;
  /** Hosts that served the old site's files: its own, and those of its attachment addresses. */
  ownHosts: Set<string>;
  attachments: Map<string, Attachment>;
  /** Uploads path -> attachment id. */
  byPath: Map<string, string>;
  /** Uploads paths named in bodies but by no attachment: brought from the folder by path (null: not there). */
  loose: Map<string, ImportedImage | null>;
  /** "post-id address" pairs already reported, so an image shown twice is listed once. */
  reported: Set<string>;
}

export function newWpMedia(folder: UploadsFolder | undefined, baseUrl: string): WpMedia {
  const host = siteHost(baseUrl);
  return {
    folder,
    ownHosts: new Set(host ? [host] : []),
    attachments: new Map(),
    byPath: new Map(),
    loose: new Map(),
    reported: new Set(),
  };
}

const plain = (html: string, limit: number) =>
  hastText(fromHtml(html, { fragment: true }))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, limit);

/**
 * An attachment item: remembered by id and by path (for galleries, featured images and body addresses) and, with
 * an uploads folder, its file brought into the media library, unless an earlier run already did.
 */
export async function addAttachment(run: ImportRun, media: WpMedia, item: WxrItem): Promise<void> {
  if (!item.id || media.attachments.has(item.id)) return;
  const fromUrl = uploadAddress(item.attachmentUrl);
  if (fromUrl?.host) media.ownHosts.add(fromUrl.host);
  const attachedFile = item.meta.get('_wp_attached_file')?.trim();
  const paths = [...new Set([attachedFile, fromUrl?.path].filter((p): p is string => !!p))];
  const att: Attachment = {
    url: item.attachmentUrl,
    link: item.link,
    parent: item.parent,
    alt: plain(item.meta.get('_wp_attachment_image_alt') ?? '', MEDIA_LIMITS.altLength),
    caption: plain(item.excerpt, MEDIA_LIMITS.captionLength),
    image: undefined,
  };
  media.attachments.set(item.id, att);
  for (const p of paths.flatMap(pathsOfAttachment)) if (!media.byPath.has(p)) media.byPath.set(p, item.id);
  if (!media.folder) return;
  if (paths.length > 0 && !paths.some(isImagePath)) {
    count(run.report, 'media', 'skipped');
    noteLine(run.report, {
      kind: 'media',
      oldId: item.id,
      outcome: 'skipped',
      reason: `${paths[0]} is not an image: links to it keep its old address`,
    });
    return;
  }
  att.image = (
    await bringFile(run, media.folder, {
      mapKind: 'attachment',
      mapId: item.id,
      paths,
      text: { alt: att.alt, caption: att.caption },
      reportId: item.id,
    })
  )?.image;
}

/** Looks for the first of `paths` in the folder and brings it in (saying which path it was); reports what went wrong. */
async function bringFile(
  run: ImportRun,
  folder: UploadsFolder,
  f: { mapKind: string; mapId: string; paths: string[]; text: { alt: string; caption: string }; reportId: string },
): Promise<{ image: ImportedImage; path: string | undefined } | undefined> {
  const db = run.deps.db;
  const fail = (reason: string) => {
    count(run.report, 'media', 'failed');
    noteLine(run.report, { kind: 'media', oldId: f.reportId, outcome: 'failed', reason });
    return undefined;
  };
  // A re-run finds what the first one brought and reads nothing again.
  const mapped = await findMapped(db, run.source, f.mapKind, f.mapId);
  if (mapped !== undefined && (await findMediaRowById(db, mapped))) {
    count(run.report, 'media', 'unchanged');
    return { image: { mediaId: mapped, src: (await getMedia(run.deps, mapped)).src }, path: undefined };
  }
  if (f.paths.length === 0) return fail('missing: the export names no file for it');
  let found: (UploadLookup & { kind: 'file'; path: string }) | undefined;
  const refused: string[] = [];
  // A refused path is never read, but the next may do: WordPress.com records `_wp_attached_file` as the absolute
  // path on its own server, while the address names the file under the uploads.
  const missing: string[] = [];
  for (const path of f.paths) {
    const lookup = await folder.read(path);
    if (lookup.kind === 'refused') refused.push(`${path}: ${lookup.reason}`);
    else if (lookup.kind === 'missing') missing.push(path);
    else {
      found = { ...lookup, path };
      break;
    }
  }
  if (!found && missing.length === 0) return fail(refused.join('; '));
  if (!found)
    return fail(
      `missing: not in the uploads folder (looked for ${missing.join(', ')})${refused.length > 0 ? `; not read: ${refused.join('; ')}` : ''}`,
    );
  if (found.bytes.length === 0) return fail(`${found.path}: the file is empty`);
  try {
    const { media, duplicate } = await ingestImage(run.deps, {
      bytes: found.bytes,
      originalName: found.name,
      userId: null,
      alt: f.text.alt,
      decorative: f.text.alt === '',
      caption: f.text.caption,
      credit: '',
    });
    count(run.report, 'media', duplicate ? 'unchanged' : 'imported');
    await setMapped(db, run.source, f.mapKind, f.mapId, media.id);
    return { image: { mediaId: media.id, src: media.src }, path: found.path };
  } catch (err) {
    // The media rules refused the file (not an image, an SVG, too many pixels, unreadable): the import goes on.
    if (!isAppError(err)) throw err;
    return fail(`${found.path}: ${err.code}: ${err.publicMessage}`);
  }
}

/** The image an uploads path shows: its attachment's, else one brought by path; null when it did not come. */
function imageAt(media: WpMedia, path: string): ImportedImage | null | undefined {
  for (const p of [path, originalOf(path)]) {
    const id = p ? media.byPath.get(p) : undefined;
    if (id !== undefined) return media.attachments.get(id)?.image ?? null;
  }
  return media.loose.get(path);
}

/** The uploads path of an image on the old site's own hosts (or a bare path on it), else undefined. */
function ownUpload(media: WpMedia, url: string): string | undefined {
  const u = uploadAddress(url);
  return u && (u.host === '' || media.ownHosts.has(u.host)) && isImagePath(u.path) ? u.path : undefined;
}

const ADDRESS = /(?:https?:)?\/\/[^\s"'<>()[\]]+|\/wp-content\/uploads\/[^\s"'<>()[\]]+/gi;

/**
 * Before a body is converted: brings in, by path, the files of the old site's uploads that it shows but no
 * attachment of the export names (an export of posts only, an image inserted by hand), so that the conversion
 * itself only has to look them up. The originals of WordPress's resized copies are preferred.
 */
export async function prepareBody(run: ImportRun, media: WpMedia, html: string): Promise<void> {
  if (!media.folder) return;
  for (const m of html.matchAll(ADDRESS)) {
    const path = ownUpload(media, m[0].replace(/&amp;/g, '&'));
    if (path === undefined || imageAt(media, path) !== undefined) continue;
    const original = originalOf(path);
    // Several sizes of one original (a srcset) bring it in once.
    const known = original ? media.loose.get(original) : undefined;
    if (known) {
      media.loose.set(path, known);
      continue;
    }
    const brought = await bringFile(run, media.folder, {
      mapKind: 'upload',
      mapId: path,
      paths: original ? [original, path] : [path],
      text: { alt: '', caption: '' },
      reportId: path,
    });
    media.loose.set(path, brought?.image ?? null);
    if (brought?.path) media.loose.set(brought.path, brought.image);
  }
}

/** Which item a body belongs to, for the report. */
export interface MediaUser {
  kind: ReportKind;
  oldId: string;
}

function noteUse(run: ImportRun, media: WpMedia, who: MediaUser, address: string, list: 'missing' | 'remote'): void {
  const key = `${list} ${who.oldId} ${address}`;
  if (media.reported.has(key)) return;
  // Listed once per item; past the report's limit only counted, so nothing here grows with the file.
  const entry = { kind: who.kind, oldId: who.oldId, address };
  if (addToList(run.report, list === 'missing' ? 'missingMedia' : 'remoteMedia', entry)) media.reported.add(key);
}

/**
 * The address rewriter for a body's conversion: an image of the old site's uploads that came shows from its
 * /media/ address (and a link to it leads there); one that did not come gives a visible placeholder (a link to
 * it keeps the old address). Any other image keeps its address and is reported as remote, as is every image
 * when no uploads folder was given.
 */
export function bodyAddresses(
  run: ImportRun,
  media: WpMedia,
  who: MediaUser,
): (url: string, use: 'link' | 'image') => string | undefined {
  return (url, use) => {
    const path = media.folder ? ownUpload(media, url) : undefined;
    if (path !== undefined) {
      const image = imageAt(media, path);
      if (image) return image.src;
      if (use === 'image') {
        noteUse(run, media, who, url, 'missing');
        return undefined;
      }
      return url;
    }
    if (use === 'image' && /^(?:https?:)?\/\/|^\//i.test(url.trim())) noteUse(run, media, who, url.trim(), 'remote');
    return url;
  };
}

/** The alt text of the attachment an image of the uploads shows, for an image the body gives none. */
export function altFor(media: WpMedia, url: string): string | undefined {
  const path = ownUpload(media, url);
  const id = path === undefined ? undefined : (media.byPath.get(path) ?? media.byPath.get(originalOf(path) ?? ''));
  return id === undefined ? undefined : media.attachments.get(id)?.alt || undefined;
}

/** The featured image (`_thumbnail_id`) as the post's cover, when its file came; reported otherwise. */
export function featuredImage(
  run: ImportRun,
  media: WpMedia,
  item: WxrItem,
  who: MediaUser,
): { src: string; alt: string; caption: string } | null {
  const id = item.meta.get('_thumbnail_id')?.trim();
  if (!id || id === '0') return null;
  const att = media.attachments.get(id);
  if (att?.image)
    return {
      src: att.image.src,
      alt: att.alt.slice(0, POST_FIELD_LIMITS.coverAlt),
      caption: att.caption.slice(0, POST_FIELD_LIMITS.coverCaption),
    };
  const address = att?.url || `attachment ${id}`;
  noteUse(run, media, who, address, media.folder ? 'missing' : 'remote');
  return null;
}

/** For galleries: an attachment's address and words. */
export const attachmentOf = (media: WpMedia, id: string) => media.attachments.get(id);

/**
 * Attachment pages: the old page of an image uploaded to a post (its `link`, `/?attachment_id=N`) leads to that
 * post, where the image is shown. Run once every item is in, so a post later in the file than its images counts.
 */
export async function redirectAttachmentPages(run: ImportRun, media: WpMedia): Promise<void> {
  for (const [id, att] of media.attachments) {
    if (!att.parent || att.parent === '0') continue;
    const postId =
      (await findMapped(run.deps.db, run.source, 'post', att.parent)) ??
      (await findMapped(run.deps.db, run.source, 'page', att.parent));
    const post = postId === undefined ? undefined : await findPostById(run.deps.db, postId);
    if (!post) continue;
    if (att.link) await run.redirect(att.link, 'post', post.id, `/${post.slug}/`);
    await run.redirect(`/?attachment_id=${id}`, 'post', post.id, `/${post.slug}/`);
  }
}
