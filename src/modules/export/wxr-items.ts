import type { CommentStatus, Db } from '../../storage/schema.ts';
import { listPostMeta } from '../content/post-meta.repository.ts';
import { currentBodyHtml } from '../corrections/current-body.ts';
import { absolutise } from '../feeds/feed.service.ts';
import { slugify } from '../shared/slug.ts';
import { type ExportCommentRow, type ExportMediaRow, type ExportPostRow, pageComments } from './wxr.repository.ts';
import { gmtDate, localDate, rssDate, type XmlScrubber, ZERO_DATE, ZERO_PUB_DATE } from './wxr-xml.ts';

/** What every item of one export shares. */
export interface ItemContext {
  db: Db;
  x: XmlScrubber;
  /** Origin (and path prefix) of the site, no trailing slash. */
  baseUrl: string;
  timeZone: string;
  now: string;
  includeEmails: boolean;
  /** Buffered output. */
  push: (text: string) => Promise<void>;
  /** Category id -> the nicename and name it is exported under. */
  categories: Map<number, { nicename: string; name: string }>;
  counts: { comments: number; attachments: number };
}

/** What one post carries besides its row. */
export interface PostExtras {
  /** Byline slugs, in order; WordPress has one author per item, so the first is the creator. */
  authorSlugs: string[];
  tags: { slug: string; name: string }[];
  otherCategoryIds: number[];
  /** The attachment that is its featured image. */
  thumbnailId: number | undefined;
}

export type WpStatus = 'publish' | 'future' | 'draft' | 'pending' | 'private';

/** Our workflow states in WordPress's words. A draft sent for review is "pending"; nothing of ours is "private". */
export function wpStatusOf(
  post: Pick<ExportPostRow, 'status' | 'published_at' | 'submitted_at'>,
  now: string,
): WpStatus {
  if (post.status === 'scheduled') return 'future';
  if (post.status === 'published') return post.published_at && post.published_at > now ? 'future' : 'publish';
  return post.submitted_at ? 'pending' : 'draft';
}

const APPROVED: Record<CommentStatus, string> = { approved: '1', held: '0', spam: 'spam', trash: 'trash' };

const absolute = (baseUrl: string, src: string) =>
  /^https?:\/\//i.test(src) ? src : `${baseUrl}/${src.replace(/^\/+/, '')}`;

function meta(x: XmlScrubber, key: string, value: string): string {
  return `\t\t<wp:postmeta>\n\t\t\t${x.cel('wp:meta_key', key)}\n\t\t\t${x.cel('wp:meta_value', value)}\n\t\t</wp:postmeta>\n`;
}

/** The lines every item has, in the order WordPress writes them. */
function itemHead(
  c: ItemContext,
  f: {
    title: string;
    link: string;
    pubDate: string;
    creator: string;
    guid: string;
    content: string;
    excerpt: string;
    id: number;
    date: string | null;
    modified: string;
    commentsOpen: boolean;
    name: string;
    status: string;
    parent: number;
    type: string;
    /** A page's place among its siblings; 0 for the rest. */
    menuOrder?: number;
    sticky?: boolean;
  },
): string {
  const { x } = c;
  const lines = [
    x.cel('title', f.title),
    x.el('link', f.link),
    x.el('pubDate', f.pubDate),
    x.cel('dc:creator', f.creator),
    `<guid isPermaLink="false">${x.text(f.guid)}</guid>`,
    '<description></description>',
    x.cel('content:encoded', f.content),
    x.cel('excerpt:encoded', f.excerpt),
    x.el('wp:post_id', f.id),
    x.cel('wp:post_date', localDate(f.date ?? f.modified, c.timeZone)),
    x.cel('wp:post_date_gmt', f.date ? gmtDate(f.date) : ZERO_DATE),
    x.cel('wp:post_modified', localDate(f.modified, c.timeZone)),
    x.cel('wp:post_modified_gmt', gmtDate(f.modified)),
    x.cel('wp:comment_status', f.commentsOpen ? 'open' : 'closed'),
    x.cel('wp:ping_status', 'closed'),
    x.cel('wp:post_name', f.name),
    x.cel('wp:status', f.status),
    x.el('wp:post_parent', f.parent),
    x.el('wp:menu_order', f.menuOrder ?? 0),
    x.cel('wp:post_type', f.type),
    x.cel('wp:post_password', ''),
    x.el('wp:is_sticky', f.sticky ? 1 : 0),
  ];
  return `\t<item>\n${lines.map((l) => `\t\t${l}\n`).join('')}`;
}

/** An uploaded image as an attachment item; `url` is its largest stored copy. */
export async function writeMediaAttachment(
  c: ItemContext,
  m: ExportMediaRow,
  id: number,
  url: string,
  parent = 0,
): Promise<void> {
  const { x } = c;
  x.place = `image ${m.id}`;
  const stem = m.original_name.replace(/\.[a-z0-9]+$/i, '');
  let text = itemHead(c, {
    title: m.alt || stem || `image ${m.id}`,
    link: url,
    pubDate: rssDate(m.created_at),
    creator: '',
    guid: url,
    content: m.credit,
    excerpt: m.caption,
    id,
    date: m.created_at,
    modified: m.created_at,
    commentsOpen: false,
    name: slugify(stem || `image-${m.id}`),
    status: 'inherit',
    parent,
    type: 'attachment',
  });
  text += `\t\t${x.el('wp:attachment_url', url)}\n`;
  if (m.alt) text += meta(x, '_wp_attachment_image_alt', m.alt);
  await c.push(`${text}\t</item>\n`);
  c.counts.attachments++;
}

/** A cover that is not one of the uploaded images (a file in the data folder, another site's image). */
export async function writeCoverAttachment(c: ItemContext, post: ExportPostRow, id: number): Promise<void> {
  const src = post.cover_src ?? '';
  const name = src.split(/[?#]/)[0]!.split('/').pop() ?? '';
  await writeMediaAttachment(
    c,
    {
      id: post.id,
      original_name: name || `cover-${post.id}`,
      alt: post.cover_alt ?? '',
      caption: post.cover_caption ?? '',
      credit: post.cover_credit ?? '',
      created_at: post.created_at,
    },
    id,
    absolute(c.baseUrl, src),
    post.id,
  );
}

/** One post or page: its fields, categories and tags, meta, and every comment, parents first. */
export async function writePostItem(c: ItemContext, post: ExportPostRow, extras: PostExtras): Promise<void> {
  const { x } = c;
  x.place = `${post.type} ${post.id}`;
  const link = `${c.baseUrl}/${post.slug}/`;
  const status = wpStatusOf(post, c.now);
  const body = absolutise(await currentBodyHtml(c.db, post), c.baseUrl);
  let text = itemHead(c, {
    title: post.title,
    link,
    pubDate: post.published_at ? rssDate(post.published_at) : ZERO_PUB_DATE,
    creator: extras.authorSlugs[0] ?? '',
    guid: `${c.baseUrl}/?p=${post.id}`,
    content: body,
    excerpt: post.standfirst || post.excerpt,
    id: post.id,
    date: post.published_at,
    modified: post.updated_at ?? post.published_at ?? post.created_at,
    commentsOpen: post.comments_open === 1,
    name: post.slug,
    status,
    // Every post and page is in the file under its own id, so a page's parent is named by its id.
    parent: post.type === 'page' ? (post.parent_id ?? 0) : 0,
    type: post.type,
    menuOrder: post.menu_order,
    sticky: post.type === 'post' && post.sticky === 1,
  });
  text += categoryLines(c, post, extras);
  if (extras.thumbnailId !== undefined) text += meta(x, '_thumbnail_id', String(extras.thumbnailId));
  if (post.seo_title) text += meta(x, '_yoast_wpseo_title', post.seo_title);
  if (post.seo_description) text += meta(x, '_yoast_wpseo_metadesc', post.seo_description);
  if (post.primary_category_id !== null && c.categories.has(post.primary_category_id))
    text += meta(x, '_yoast_wpseo_primary_category', String(post.primary_category_id));
  // Other plugins' meta an import brought, given back as it came.
  for (const m of await listPostMeta(c.db, post.id)) text += meta(x, m.key, m.value);
  await c.push(text);
  await writeComments(c, post.id);
  await c.push('\t</item>\n');
}

/** The primary category first (WordPress takes the first as the main one), then the others, then the tags. */
function categoryLines(c: ItemContext, post: ExportPostRow, extras: PostExtras): string {
  const ids = [...(post.primary_category_id === null ? [] : [post.primary_category_id]), ...extras.otherCategoryIds];
  let text = '';
  for (const id of new Set(ids)) {
    const cat = c.categories.get(id);
    if (cat)
      text += `\t\t<category domain="category" nicename="${c.x.text(cat.nicename)}">${c.x.cdata(cat.name)}</category>\n`;
  }
  for (const t of extras.tags)
    text += `\t\t<category domain="post_tag" nicename="${c.x.text(t.slug)}">${c.x.cdata(t.name)}</category>\n`;
  return text;
}

const COMMENT_PAGE = 500;

async function writeComments(c: ItemContext, postId: number): Promise<void> {
  let after = { depth: -1, id: 0 };
  for (;;) {
    const rows = await pageComments(c.db, postId, after, COMMENT_PAGE);
    for (const row of rows) await c.push(commentText(c, row));
    c.counts.comments += rows.length;
    if (rows.length < COMMENT_PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { depth: last.depth, id: last.id };
  }
}

/**
 * One comment. The commenter's email only with --include-emails (they gave it to this site, not to whoever
 * holds the file); the address they posted from never.
 */
function commentText(c: ItemContext, row: ExportCommentRow): string {
  const { x } = c;
  x.place = `comment ${row.id}`;
  const lines = [
    x.el('wp:comment_id', row.id),
    x.cel('wp:comment_author', row.author_name),
    x.cel('wp:comment_author_email', c.includeEmails ? row.author_email : ''),
    x.el('wp:comment_author_url', row.author_url ?? ''),
    x.cel('wp:comment_author_IP', ''),
    x.cel('wp:comment_date', localDate(row.created_at, c.timeZone)),
    x.cel('wp:comment_date_gmt', gmtDate(row.created_at)),
    x.cel('wp:comment_content', row.body_html),
    x.cel('wp:comment_approved', APPROVED[row.status]),
    x.cel('wp:comment_type', 'comment'),
    x.el('wp:comment_parent', row.parent_id ?? 0),
    x.el('wp:comment_user_id', 0),
  ];
  return `\t\t<wp:comment>\n${lines.map((l) => `\t\t\t${l}\n`).join('')}\t\t</wp:comment>\n`;
}
