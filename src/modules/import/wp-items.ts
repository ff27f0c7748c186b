import { fromHtml } from 'hast-util-from-html';
import { toString as hastText } from 'hast-util-to-string';
import type { PostStatus } from '../../storage/schema.ts';
import { POST_FIELD_LIMITS } from '../content/editor-form.ts';
import { type PostInput, type Prerendered, prerenderCited } from '../content/post-writer.service.ts';
import { zonedLocalToUtc } from '../content/zoned-time.ts';
import { addToList, count, noteLine, noteNamed } from './import-report.ts';
import type { ImportRun } from './import-run.ts';
import { chooseSlug, findImportedPost, fitField, writeImportedPost } from './imported-posts.ts';
import { type CommentsAhead, importComments, startComments } from './wp-comments.ts';
import { convertWordpressBody } from './wp-content.ts';
import {
  addAttachment,
  altFor,
  attachmentOf,
  bodyAddresses,
  featuredImage,
  prepareBody,
  type WpMedia,
} from './wp-media.ts';
import { keepPostMeta, oldSlugsOf } from './wp-meta.ts';
import { seoFields } from './wp-seo.ts';
import { decodeSlug, importAuthor, importCategory, ownSlug } from './wp-taxonomy.ts';
import type { WxrItem } from './wxr.types.ts';

/** A WordPress date text ("2009-08-23 10:15:00"); WordPress writes zeros for "no date". */
const isZero = (d: string | undefined) => !d || /^0000-00-00/.test(d);

/** When an item was published: post_date_gmt, then pubDate, then post_date in the site's time zone. */
export function itemDate(
  item: Pick<WxrItem, 'postDateGmt' | 'pubDate' | 'postDate'>,
  timeZone: string,
): string | undefined {
  if (!isZero(item.postDateGmt)) {
    const t = Date.parse(`${(item.postDateGmt as string).replace(' ', 'T')}Z`);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  if (item.pubDate) {
    const t = Date.parse(item.pubDate);
    // WordPress writes a pubDate of the zero date for drafts ("Mon, 30 Nov -0001 00:00:00 +0000").
    if (!Number.isNaN(t) && new Date(t).getUTCFullYear() > 1) return new Date(t).toISOString();
  }
  if (!isZero(item.postDate)) return zonedLocalToUtc((item.postDate as string).replace(' ', 'T'), timeZone);
  return undefined;
}

const plainTitle = (html: string) =>
  hastText(fromHtml(html, { fragment: true }))
    .replace(/\s+/g, ' ')
    .trim();

interface StatusChoice {
  status: PostStatus;
  review: boolean;
  note?: string;
}

function statusOf(item: WxrItem): StatusChoice | { skip: string } {
  const s = item.status;
  if (item.password)
    return { status: 'draft', review: false, note: 'password-protected on the old site: imported as a draft' };
  if (s === 'publish') return { status: 'published', review: false };
  if (s === 'future') return { status: 'scheduled', review: false };
  if (s === 'draft') return { status: 'draft', review: false };
  if (s === 'pending') return { status: 'draft', review: true };
  if (s === 'private') return { status: 'draft', review: false, note: 'private on the old site: imported as a draft' };
  if (s === undefined || s === '')
    return { status: 'draft', review: false, note: 'no status in the file: imported as a draft' };
  return { skip: `status "${s}" is not imported` };
}

/** An item read and made ready ahead of its turn: its body converted, its body and first comments rendering. */
export interface PreparedItem {
  item: WxrItem;
  type: 'post' | 'page';
  kind: 'post' | 'page';
  oldId: string;
  choice: { status: PostStatus; review: boolean };
  media: WpMedia;
  markdown: string;
  rendered: Promise<Prerendered | undefined>;
  date: string | undefined;
  comments: CommentsAhead | undefined;
}

/**
 * The first half of an item, done as it is read: attachments remembered for the items after them (with an
 * uploads folder, the first pass brought them all in already), other types and statuses counted, and for a post
 * or a page its body converted (its images made ours where their files came) and sent to the worker threads to
 * render with its first comments, so that they render while the items before it are written. Undefined when
 * there is nothing to write.
 */
export async function prepareItem(run: ImportRun, item: WxrItem, media: WpMedia): Promise<PreparedItem | undefined> {
  const type = item.type === undefined || item.type === '' ? 'post' : item.type;
  if (type === 'attachment') {
    if (media.folder) return;
    await addAttachment(run, media, item);
    run.report.otherTypesSkipped[type] = (run.report.otherTypesSkipped[type] ?? 0) + 1;
    return;
  }
  if (type !== 'post' && type !== 'page') {
    run.report.otherTypesSkipped[type] = (run.report.otherTypesSkipped[type] ?? 0) + 1;
    return;
  }
  const kind = type;
  const oldId = item.id ?? `#${item.position}`;
  if (item.type === undefined || item.type === '')
    noteLine(run.report, { kind, oldId, outcome: 'note', reason: 'no post type in the file: imported as a post' });
  const choice = statusOf(item);
  if ('skip' in choice) {
    count(run.report, kind, 'skipped');
    noteLine(run.report, { kind, oldId, outcome: 'skipped', reason: choice.skip });
    return;
  }
  if (choice.note) noteLine(run.report, { kind, oldId, outcome: 'note', reason: choice.note });
  await prepareBody(run, media, item.content);
  const body = convertWordpressBody(item.content, {
    attachmentUrl: (id) => attachmentOf(media, id)?.url || undefined,
    attachmentText: (id) => attachmentOf(media, id),
    address: bodyAddresses(run, media, { kind, oldId }),
    imageAlt: (url) => altFor(media, url),
  });
  noteNamed(run.report.unknownShortcodes, body.unknownShortcodes, oldId);
  noteNamed(run.report.unknownBlocks, body.unknownBlocks, oldId);
  // A body that fails to render fails again when written, and is reported there.
  const rendered = prerenderCited(run.deps.db, body.markdown).catch(() => undefined);
  const date = itemDate(item, run.timeZone);
  const comments = startComments(run, item, date ?? run.now);
  return { item, type, kind, oldId, choice, media, markdown: body.markdown, rendered, date, comments };
}

/**
 * The second half, in file order: the post or page placed under its categories, tags and bylines, with its
 * featured image, meta, comments and old addresses. Resolves to the post's id when it was written (a page's
 * parent is placed once every item is in: wp-page-tree.ts).
 */
export async function writeItem(run: ImportRun, p: PreparedItem): Promise<number | undefined> {
  const { item, type, kind, oldId, choice, media, date } = p;
  const before = await findImportedPost(run, type, item.id);
  const decoded = decodeSlug(item.name ?? '');
  let title = plainTitle(item.title);
  if (!title) {
    title = decoded
      ? decoded.replace(/-/g, ' ')
      : p.markdown
          .replace(/[^\p{L}\p{N}\s]/gu, '')
          .split(/\s+/)
          .slice(0, 8)
          .join(' ');
    title ||= 'Untitled';
    noteLine(run.report, { kind, oldId, outcome: 'note', reason: `no title: given "${title}"` });
  }
  let wanted = ownSlug(decoded, title);
  // Nothing in the slug or title has an ASCII form (a Cyrillic title): the old id names it.
  if (wanted === 'untitled' && item.id) wanted = `${type}-${item.id}`;
  const slug = await chooseSlug(run, wanted, before?.id);
  if (decoded && slug !== decoded) addToList(run.report, 'renamedSlugs', { kind, oldId, from: decoded, to: slug });
  const cats = await categoriesOf(run, item);
  const note = (reason: string) => noteLine(run.report, { kind, oldId, outcome: 'note', reason });
  const fit = (field: string, value: string, limit: number) => fitField(note, field, value, limit);
  const excerpt = fit('excerpt', plainTitle(item.excerpt), POST_FIELD_LIMITS.excerpt);
  const seo = seoFields(item.meta, {
    title,
    excerpt,
    tagline: run.tagline ?? '',
  });
  const input: PostInput = {
    type,
    slug,
    title: fit('title', title, POST_FIELD_LIMITS.title),
    bodyMarkdown: p.markdown,
    excerpt,
    seoTitle: fit('SEO title', plainTitle(seo.title), POST_FIELD_LIMITS.seoTitle) || null,
    seoDescription: fit('SEO description', plainTitle(seo.description), POST_FIELD_LIMITS.seoDescription) || null,
    status: choice.status,
    publishedAt: choice.status === 'draft' ? null : (date ?? null),
    submittedAt: choice.review ? run.now : null,
    categoryPath: cats[0] ?? null,
    otherCategoryPaths: cats.slice(1),
    tags: item.terms
      .filter((t) => t.domain === 'post_tag')
      .map((t) => t.name.trim() || decodeSlug(t.nicename))
      .filter(Boolean),
    authorSlugs: await bylinesOf(run, item),
    cover: featuredImage(run, media, item, { kind, oldId }),
    sticky: type === 'post' && item.sticky,
    menuOrder: item.menuOrder,
    // A page's parent may come later in the file: kept as it is now, and placed after the last item.
    parentId: type === 'page' && hasWpParent(item) ? undefined : null,
  };
  const postId = await writeImportedPost(run, {
    kind,
    oldId,
    mapId: item.id,
    before,
    input,
    rendered: await p.rendered,
  });
  if (postId === undefined) return;
  await keepPostMeta(run, postId, item, { kind, oldId, isNew: before === undefined });
  await redirectsFor(run, item, { type, postId, wpSlug: decoded, slug, localDate: item.postDate });
  await importComments(run, postId, p.comments);
  return postId;
}

/** Whether an item names a parent (`wp:post_parent` other than 0). */
export const hasWpParent = (item: Pick<WxrItem, 'parent'>) => item.parent !== '' && item.parent !== '0';

/** Category paths of an item, the primary first: Yoast's primary category when present, else the first. */
async function categoriesOf(run: ImportRun, item: WxrItem): Promise<string[]> {
  const paths: string[] = [];
  const yoast = run.categoryByTermId.get(item.meta.get('_yoast_wpseo_primary_category') ?? '');
  let primary: string | undefined;
  for (const t of item.terms) {
    if (t.domain !== 'category') continue;
    const nice = decodeSlug(t.nicename) || decodeSlug(t.name);
    if (!nice) continue;
    // A category named only on the item (the file never declared it) is added at the top level.
    if (!run.categories.has(nice))
      await importCategory(run, { nice, name: t.name, description: '', termId: '', parent: undefined });
    const path = run.categories.get(nice)?.path;
    if (!path) continue;
    if (nice === yoast) primary = path;
    if (!paths.includes(path)) paths.push(path);
  }
  return primary ? [primary, ...paths.filter((p) => p !== primary)] : paths;
}

/**
 * An item's bylines: its Co-Authors Plus authors in order (terms of the `author` taxonomy, nicenames with or
 * without the plugin's `cap-` prefix), else its `dc:creator`.
 */
async function bylinesOf(run: ImportRun, item: WxrItem): Promise<string[]> {
  const coauthors = item.terms
    .filter((t) => t.domain === 'author' && t.nicename.trim() !== '')
    .map((t) => ({ login: decodeSlug(t.nicename.trim()).replace(/^cap-/, ''), name: t.name.trim() }));
  const people = coauthors.length > 0 ? coauthors : item.creator ? [{ login: item.creator, name: item.creator }] : [];
  const slugs: string[] = [];
  for (const p of people) {
    const slug = await importAuthor(run, { login: p.login, email: '', displayName: p.name || p.login });
    if (slug && !slugs.includes(slug)) slugs.push(slug);
  }
  return slugs;
}

/** The old addresses of an item: its link, the plain `?p=`/`?page_id=` forms and the two dated permalinks. */
async function redirectsFor(
  run: ImportRun,
  item: WxrItem,
  p: { type: 'post' | 'page'; postId: number; wpSlug: string; slug: string; localDate: string | undefined },
): Promise<void> {
  const to = `/${p.slug}/`;
  const go = (address: string) => run.redirect(address, 'post', p.postId, to);
  if (item.link) await go(item.link);
  if (item.id) {
    await go(`/?p=${item.id}`);
    if (p.type === 'page') await go(`/?page_id=${item.id}`);
  }
  const m = p.localDate ? /^(\d{4})-(\d{2})-(\d{2})/.exec(p.localDate) : null;
  // The slug it was exported with and those WordPress remembers it had before (`_wp_old_slug`).
  for (const wpSlug of new Set([p.wpSlug, ...oldSlugsOf(item).map(decodeSlug)].filter(Boolean))) {
    if (p.type === 'post' && m && m[1] !== '0000') {
      await go(`/${m[1]}/${m[2]}/${m[3]}/${wpSlug}/`);
      await go(`/${m[1]}/${m[2]}/${wpSlug}/`);
    }
    if (wpSlug !== p.slug) await go(`/${wpSlug}/`);
  }
}
