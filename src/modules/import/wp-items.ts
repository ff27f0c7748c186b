import { fromHtml } from 'hast-util-from-html';
import { toString as hastText } from 'hast-util-to-string';
import type { PostStatus } from '../../storage/schema.ts';
import type { PostInput } from '../content/post-writer.service.ts';
import { zonedLocalToUtc } from '../content/zoned-time.ts';
import { count, noteLine, noteNamed, type ReportKind } from './import-report.ts';
import type { ImportRun } from './import-run.ts';
import { chooseSlug, findImportedPost, writeImportedPost } from './imported-posts.ts';
import { importComments } from './wp-comments.ts';
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

/**
 * One post or page: body converted (its images made ours where their files came), placed under its categories,
 * tags and byline, with its featured image, comments and old addresses. An attachment is remembered for the
 * items after it (with an uploads folder, the first pass brought them all in already).
 */
export async function importItem(run: ImportRun, item: WxrItem, media: WpMedia): Promise<void> {
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
  const kind: ReportKind = type;
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
  const before = await findImportedPost(run, type, item.id);
  await prepareBody(run, media, item.content);
  const body = convertWordpressBody(item.content, {
    attachmentUrl: (id) => attachmentOf(media, id)?.url || undefined,
    attachmentText: (id) => attachmentOf(media, id),
    address: bodyAddresses(run, media, { kind, oldId }),
    imageAlt: (url) => altFor(media, url),
  });
  noteNamed(run.report.unknownShortcodes, body.unknownShortcodes, oldId);
  noteNamed(run.report.unknownBlocks, body.unknownBlocks, oldId);
  const decoded = decodeSlug(item.name ?? '');
  let title = plainTitle(item.title);
  if (!title) {
    title = decoded
      ? decoded.replace(/-/g, ' ')
      : body.markdown
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
  if (decoded && slug !== decoded) run.report.renamedSlugs.push({ kind, oldId, from: decoded, to: slug });
  const date = itemDate(item, run.timeZone);
  const cats = await categoriesOf(run, item);
  const author = item.creator
    ? await importAuthor(run, { login: item.creator, email: '', displayName: item.creator })
    : undefined;
  const input: PostInput = {
    type,
    slug,
    title: title.slice(0, 300),
    bodyMarkdown: body.markdown,
    excerpt: plainTitle(item.excerpt),
    status: choice.status,
    publishedAt: choice.status === 'draft' ? null : (date ?? null),
    submittedAt: choice.review ? run.now : null,
    categoryPath: cats[0] ?? null,
    otherCategoryPaths: cats.slice(1),
    tags: item.terms
      .filter((t) => t.domain === 'post_tag')
      .map((t) => t.name.trim() || decodeSlug(t.nicename))
      .filter(Boolean),
    authorSlugs: author ? [author] : [],
    cover: featuredImage(run, media, item, { kind, oldId }),
  };
  const postId = await writeImportedPost(run, { kind, oldId, mapId: item.id, before, input });
  if (postId === undefined) return;
  await redirectsFor(run, item, { type, postId, wpSlug: decoded, slug, localDate: item.postDate });
  await importComments(run, item, postId, date ?? run.now);
}

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
  if (p.type === 'post' && p.wpSlug && m && m[1] !== '0000') {
    await go(`/${m[1]}/${m[2]}/${m[3]}/${p.wpSlug}/`);
    await go(`/${m[1]}/${m[2]}/${p.wpSlug}/`);
  }
  if (p.wpSlug && p.wpSlug !== p.slug) await go(`/${p.wpSlug}/`);
}
