import type { AuthorRow, Db, TagRow } from '../../storage/schema.ts';
import { authorsOfPosts, tagsOfPosts } from '../content/taxonomy.repository.ts';
import { listMediaFileRows } from '../media/media.repository.ts';
import { parseStoredFileName } from '../media/media-names.ts';
import { getSiteSettings } from '../settings/settings.service.ts';
import type { Clock } from '../shared/clock.ts';
import {
  type ExportCategoryRow,
  type ExportMediaRow,
  type ExportPostRow,
  findLargestIds,
  findSharedCategorySlugs,
  mediaExists,
  otherCategoriesOfPosts,
  pageAuthors,
  pageCategories,
  pageMedia,
  pagePosts,
  pageTags,
} from './wxr.repository.ts';
import { type ItemContext, writeCoverAttachment, writeMediaAttachment, writePostItem } from './wxr-items.ts';
import { rssDate, type Scrubbed, XmlScrubber } from './wxr-xml.ts';

export interface WxrExportInput {
  /** The site's public origin (ANNALIST_BASE_URL), without a trailing slash: every link is made absolute with it. */
  baseUrl: string;
  /** Write commenters' email addresses (off by default: they gave them to this site, not to the file's holder). */
  includeEmails: boolean;
  /** Where the file goes; awaited, so a slow disk or pipe holds the export back instead of filling memory. */
  write: (chunk: string) => Promise<void>;
  /** Called after each post or page with the number written so far. */
  onItem?: (written: number) => void;
}

export interface WxrExportReport {
  authors: number;
  categories: number;
  tags: number;
  posts: number;
  pages: number;
  attachments: number;
  comments: number;
  includesEmails: boolean;
  /** Characters XML 1.0 does not allow, dropped, and where. */
  scrubbed: Scrubbed;
}

const PAGE = 200;
const FLUSH_AT = 64 * 1024;
const WXR_VERSION = '1.2';

/**
 * Writes the whole site as WordPress eXtended RSS 1.2, the file WordPress's importer (Tools → Import) reads:
 * bylines as authors, the category tree parents first, tags, uploaded images and covers as attachments, then
 * every post and page with its rendered body, categories, tags, SEO fields (as Yoast meta) and comments,
 * parents before replies. Everything is read a page at a time; give it a `db` that sees one snapshot for a
 * consistent file while the site serves.
 */
export async function exportWxr(deps: { db: Db; clock: Clock }, input: WxrExportInput): Promise<WxrExportReport> {
  const x = new XmlScrubber();
  let buffer = '';
  const push = async (text: string) => {
    buffer += text;
    if (buffer.length >= FLUSH_AT) {
      const chunk = buffer;
      buffer = '';
      await input.write(chunk);
    }
  };
  const settings = await getSiteSettings(deps);
  const report: WxrExportReport = {
    authors: 0,
    categories: 0,
    tags: 0,
    posts: 0,
    pages: 0,
    attachments: 0,
    comments: 0,
    includesEmails: input.includeEmails,
    scrubbed: x.report,
  };
  const ctx: ItemContext = {
    db: deps.db,
    x,
    baseUrl: input.baseUrl,
    timeZone: settings.timeZone,
    now: deps.clock.now().toISOString(),
    includeEmails: input.includeEmails,
    push,
    categories: new Map(),
    counts: { comments: 0, attachments: 0 },
  };
  await push(channelHead(x, input.baseUrl, settings, ctx.now));
  report.authors = await writeAuthors(ctx);
  report.categories = await writeCategories(ctx);
  report.tags = await writeTags(ctx);
  await push(`\n\t${x.el('generator', 'Annalist')}\n\n`);
  const ids = await findLargestIds(deps.db);
  await writeMediaItems(ctx, ids.post);
  await writePosts(ctx, ids, report, input.onItem);
  report.comments = ctx.counts.comments;
  report.attachments = ctx.counts.attachments;
  await push('</channel>\n</rss>\n');
  if (buffer) await input.write(buffer);
  return report;
}

function channelHead(
  x: XmlScrubber,
  baseUrl: string,
  s: { title: string; tagline: string; description: string; locale: string },
  now: string,
): string {
  return `<?xml version="1.0" encoding="UTF-8" ?>
<!-- A WordPress eXtended RSS (WXR) file written by Annalist: import it with WordPress's Tools > Import > WordPress. -->
<rss version="2.0"
\txmlns:excerpt="http://wordpress.org/export/${WXR_VERSION}/excerpt/"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:wp="http://wordpress.org/export/${WXR_VERSION}/"
>

<channel>
\t${x.el('title', s.title)}
\t${x.el('link', `${baseUrl}/`)}
\t${x.el('description', s.tagline || s.description)}
\t${x.el('pubDate', rssDate(now))}
\t${x.el('language', s.locale)}
\t${x.el('wp:wxr_version', WXR_VERSION)}
\t${x.el('wp:base_site_url', baseUrl)}
\t${x.el('wp:base_blog_url', baseUrl)}

`;
}

/** Keyset paging: `page(after)` until a short page; returns how many rows there were. */
async function eachPage<T>(
  page: (after: T | undefined) => Promise<T[]>,
  each: (row: T) => Promise<void>,
): Promise<number> {
  let n = 0;
  let last: T | undefined;
  for (;;) {
    const rows = await page(last);
    for (const row of rows) await each(row);
    n += rows.length;
    if (rows.length < PAGE) return n;
    last = rows[rows.length - 1];
  }
}

/** Bylines, the login being the byline's slug (the author address WordPress gives them). Never an account's email. */
function writeAuthors(c: ItemContext): Promise<number> {
  const { x } = c;
  return eachPage<AuthorRow>(
    (after) => pageAuthors(c.db, after?.id ?? 0, PAGE),
    async (a) => {
      x.place = `author ${a.slug}`;
      await c.push(
        `\t<wp:author>${x.el('wp:author_id', a.id)}${x.cel('wp:author_login', a.slug)}${x.cel('wp:author_email', '')}` +
          `${x.cel('wp:author_display_name', a.name)}${x.cel('wp:author_first_name', '')}${x.cel('wp:author_last_name', '')}</wp:author>\n`,
      );
    },
  );
}

/**
 * WordPress wants a category's nicename unique in the site, ours is unique among its siblings: a slug that two
 * categories share is written as the whole path ("asia-soviet-union"), so the tree survives the trip.
 */
async function writeCategories(c: ItemContext): Promise<number> {
  const { x } = c;
  const shared = await findSharedCategorySlugs(c.db);
  const nicename = (slug: string, path: string) => (shared.has(slug) ? path.replaceAll('/', '-') : slug);
  return eachPage<ExportCategoryRow>(
    (after) => pageCategories(c.db, after?.path ?? '', PAGE),
    async (cat) => {
      x.place = `category ${cat.path}`;
      const nice = nicename(cat.slug, cat.path);
      c.categories.set(cat.id, { nicename: nice, name: cat.name });
      const parent = cat.parent_slug && cat.parent_path ? nicename(cat.parent_slug, cat.parent_path) : '';
      await c.push(
        `\t<wp:category>${x.el('wp:term_id', cat.id)}${x.cel('wp:category_nicename', nice)}` +
          `${x.cel('wp:category_parent', parent)}${x.cel('wp:cat_name', cat.name)}` +
          `${x.cel('wp:category_description', cat.description)}</wp:category>\n`,
      );
    },
  );
}

function writeTags(c: ItemContext): Promise<number> {
  const { x } = c;
  return eachPage<TagRow>(
    (after) => pageTags(c.db, after?.id ?? 0, PAGE),
    async (t) => {
      x.place = `tag ${t.slug}`;
      await c.push(
        `\t<wp:tag>${x.el('wp:term_id', t.id)}${x.cel('wp:tag_slug', t.slug)}${x.cel('wp:tag_name', t.name)}</wp:tag>\n`,
      );
    },
  );
}

/**
 * Each uploaded image once, numbered above the largest post id (WordPress keeps posts and attachments in one
 * id space). Its address is the largest copy, JPEG or PNG when there is one (older WordPress cannot read WebP).
 */
function writeMediaItems(c: ItemContext, largestPostId: number): Promise<number> {
  return eachPage<ExportMediaRow>(
    (after) => pageMedia(c.db, after?.id ?? 0, PAGE),
    async (m) => {
      const files = await listMediaFileRows(c.db, [m.id]);
      const best = [...files].sort(
        (a, b) => b.width - a.width || Number(a.format === 'webp') - Number(b.format === 'webp'),
      )[0];
      if (!best) return;
      await writeMediaAttachment(c, m, largestPostId + m.id, `${c.baseUrl}/media/${best.name}`);
    },
  );
}

async function writePosts(
  c: ItemContext,
  ids: { post: number; media: number },
  report: WxrExportReport,
  onItem: ((n: number) => void) | undefined,
): Promise<void> {
  let after = 0;
  for (;;) {
    const rows = await pagePosts(c.db, after, PAGE);
    const postIds = rows.map((r) => r.id);
    const [authors, tags, others] = await Promise.all([
      authorsOfPosts(c.db, postIds),
      tagsOfPosts(c.db, postIds),
      otherCategoriesOfPosts(c.db, postIds),
    ]);
    for (const post of rows) {
      const thumbnailId = await coverOf(c, post, ids);
      await writePostItem(c, post, {
        authorSlugs: authors.filter((a) => a.post_id === post.id).map((a) => a.slug),
        tags: tags.filter((t) => t.post_id === post.id),
        otherCategoryIds: others.filter((o) => o.post_id === post.id).map((o) => o.category_id),
        thumbnailId,
      });
      if (post.type === 'page') report.pages++;
      else report.posts++;
      onItem?.(report.posts + report.pages);
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * The featured image of a post: the uploaded image its cover names, or else an attachment of its own written
 * just before it (numbered above every post and image id).
 */
async function coverOf(
  c: ItemContext,
  post: ExportPostRow,
  ids: { post: number; media: number },
): Promise<number | undefined> {
  if (!post.cover_src) return undefined;
  const stored = post.cover_src.startsWith('/media/')
    ? parseStoredFileName(post.cover_src.slice('/media/'.length))
    : undefined;
  if (stored && (await mediaExists(c.db, stored.mediaId))) return ids.post + stored.mediaId;
  const id = ids.post + ids.media + post.id;
  await writeCoverAttachment(c, post, id);
  return id;
}
