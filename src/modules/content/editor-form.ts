import type { PostRow, PostType } from '../../storage/schema.ts';
import { markdownShapeProblem } from '../markdown/markdown-limits.ts';
import { isSafeUrl } from '../markdown/render-markdown.ts';
import { isSlug, slugify } from '../shared/slug.ts';
import type { PostInput, RevisionMeta } from './post-writer.service.ts';
import type { PostSnapshot } from './revision-diff.ts';
import { utcToZonedLocal, zonedLocalToUtc } from './zoned-time.ts';

/**
 * The post editor's form as the writer typed it (text, so a mistake can be shown back unchanged), and the
 * checks that turn it into a PostInput with a message per field.
 */
export interface PostFormValues {
  title: string;
  slug: string;
  standfirst: string;
  excerpt: string;
  body: string;
  /** Slug path of the primary category, or ''. */
  category: string;
  otherCategories: string[];
  /** Comma-separated tag names. */
  tags: string;
  /** Author slugs in byline order ('' for an empty slot). */
  authors: string[];
  coverSrc: string;
  coverAlt: string;
  coverCaption: string;
  coverCredit: string;
  seoTitle: string;
  seoDescription: string;
  /** Wall-clock time in the site's time zone ("2025-09-01T07:30"), or ''. */
  publishAt: string;
  type: string;
  commentsOpen: boolean;
  /** Articles: kept at the top of the home page. */
  sticky: boolean;
  /** Pages: the parent page's id as text, or '' for none. */
  parent: string;
  /** Pages: the place among sibling pages, as typed ('' is 0). */
  menuOrder: string;
}

export const EMPTY_FORM: PostFormValues = {
  title: '',
  slug: '',
  standfirst: '',
  excerpt: '',
  body: '',
  category: '',
  otherCategories: [],
  tags: '',
  authors: [],
  coverSrc: '',
  coverAlt: '',
  coverCaption: '',
  coverCredit: '',
  seoTitle: '',
  seoDescription: '',
  publishAt: '',
  type: 'post',
  commentsOpen: true,
  sticky: false,
  parent: '',
  menuOrder: '',
};

/** Longest accepted value of each text field, in characters. */
export const POST_FIELD_LIMITS = {
  title: 200,
  slug: 100,
  standfirst: 600,
  excerpt: 1000,
  body: 400_000,
  tags: 1000,
  coverSrc: 500,
  coverAlt: 300,
  coverCaption: 500,
  coverCredit: 200,
  seoTitle: 120,
  seoDescription: 300,
} as const;

/**
 * Characters kept past each limit when the form is read, so a refused value can be shown back (and an autosave,
 * which keeps the form as typed, may hold them).
 */
export const FORM_READ_SLACK = 1000;

/** Bylines a post may carry (the form's slots). */
export const MAX_AUTHORS = 4;

/** First path segments the site itself answers: a post there could never be reached. */
const RESERVED_SLUGS = new Set([
  'admin',
  'api',
  'assets',
  'author',
  'category',
  'comments',
  'corrections',
  'favicon.ico',
  'feed',
  'healthz',
  'media',
  'notifications',
  'opensearch.xml',
  'robots.txt',
  'search',
  'sitemap.xml',
  'sources',
  'tag',
]);

/** True for a slug the site itself answers at (a post there could never be reached). */
export const isReservedSlug = (slug: string): boolean => RESERVED_SLUGS.has(slug);

/** Reads the form fields a browser sent (anything missing is empty; every value is cut to a safe length). */
export function postFormValuesFrom(form: {
  get(k: string): string | null;
  getAll(k: string): string[];
}): PostFormValues {
  const text = (k: keyof typeof POST_FIELD_LIMITS) =>
    (form.get(k) ?? '').slice(0, POST_FIELD_LIMITS[k] + FORM_READ_SLACK);
  return {
    title: text('title'),
    slug: text('slug'),
    standfirst: text('standfirst'),
    excerpt: text('excerpt'),
    body: (form.get('body') ?? '').replace(/\r\n/g, '\n'),
    category: (form.get('category') ?? '').slice(0, 500),
    otherCategories: form
      .getAll('otherCategories')
      .slice(0, 200)
      .map((s) => s.slice(0, 500)),
    tags: text('tags'),
    authors: form
      .getAll('authors')
      .slice(0, MAX_AUTHORS)
      .map((s) => s.slice(0, 200)),
    coverSrc: text('coverSrc'),
    coverAlt: text('coverAlt'),
    coverCaption: text('coverCaption'),
    coverCredit: text('coverCredit'),
    seoTitle: text('seoTitle'),
    seoDescription: text('seoDescription'),
    publishAt: (form.get('publishAt') ?? '').slice(0, 40),
    type: (form.get('type') ?? 'post').slice(0, 10),
    commentsOpen: form.get('commentsOpen') === '1',
    sticky: form.get('sticky') === '1',
    parent: (form.get('parent') ?? '').slice(0, 20),
    menuOrder: (form.get('menuOrder') ?? '').slice(0, 20),
  };
}

/** What the form shows for a stored post. */
export function postFormValuesOf(
  row: PostRow,
  related: { categoryPath: string | null; otherCategoryPaths: string[]; tags: string[]; authorSlugs: string[] },
  timeZone: string,
): PostFormValues {
  return {
    title: row.title,
    slug: row.slug,
    standfirst: row.standfirst,
    excerpt: row.excerpt,
    body: row.body_md,
    category: related.categoryPath ?? '',
    otherCategories: related.otherCategoryPaths,
    tags: related.tags.join(', '),
    authors: related.authorSlugs,
    coverSrc: row.cover_src ?? '',
    coverAlt: row.cover_alt ?? '',
    coverCaption: row.cover_caption ?? '',
    coverCredit: row.cover_credit ?? '',
    seoTitle: row.seo_title ?? '',
    seoDescription: row.seo_description ?? '',
    publishAt: row.published_at ? utcToZonedLocal(row.published_at, timeZone) : '',
    type: row.type,
    commentsOpen: row.comments_open === 1,
    sticky: row.sticky === 1,
    parent: row.parent_id === null ? '' : String(row.parent_id),
    menuOrder: row.menu_order === 0 ? '' : String(row.menu_order),
  };
}

/** The form's values again from a revision (its meta_json as savePost wrote it). */
export function postFormValuesOfRevision(
  rev: { title: string; slug: string; standfirst: string; excerpt: string; body_md: string; meta_json: string },
  timeZone: string,
): PostFormValues {
  const meta = parseMeta(rev.meta_json);
  return {
    ...EMPTY_FORM,
    title: rev.title,
    slug: rev.slug,
    standfirst: rev.standfirst,
    excerpt: rev.excerpt,
    body: rev.body_md,
    category: meta.categoryPath ?? '',
    otherCategories: meta.otherCategoryPaths ?? [],
    tags: (meta.tags ?? []).join(', '),
    authors: meta.authorSlugs ?? [],
    coverSrc: meta.cover?.src ?? '',
    coverAlt: meta.cover?.alt ?? '',
    coverCaption: meta.cover?.caption ?? '',
    coverCredit: meta.cover?.credit ?? '',
    seoTitle: meta.seoTitle ?? '',
    seoDescription: meta.seoDescription ?? '',
    publishAt: meta.publishedAt ? utcToZonedLocal(meta.publishedAt, timeZone) : '',
    type: meta.type ?? 'post',
    commentsOpen: meta.commentsOpen ?? true,
    sticky: meta.sticky ?? false,
    parent: typeof meta.parentId === 'number' ? String(meta.parentId) : '',
    menuOrder: meta.menuOrder ? String(meta.menuOrder) : '',
  };
}

/** An autosave keeps the form exactly as typed, in its meta_json under `form`. */
export function postFormValuesOfAutosave(meta_json: string): PostFormValues | undefined {
  try {
    const form = (JSON.parse(meta_json) as { form?: Partial<PostFormValues> }).form;
    return form ? { ...EMPTY_FORM, ...form } : undefined;
  } catch {
    return undefined;
  }
}

export function parseMeta(json: string): Partial<RevisionMeta> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' ? (v as Partial<RevisionMeta>) : {};
  } catch {
    return {};
  }
}

export const splitTags = (tags: string) => [
  ...new Set(
    tags
      .split(',')
      .map((t) => t.trim().replace(/\s+/g, ' '))
      .filter(Boolean),
  ),
];

/** A version of the post as text per field, for diffs (stored revisions and what a writer typed alike). */
export function snapshotOfForm(
  v: PostFormValues,
  names: { category: (path: string) => string; page?: (id: string) => string },
): PostSnapshot {
  const cover = v.coverSrc ? [v.coverSrc, v.coverAlt && `alt: ${v.coverAlt}`].filter(Boolean).join(' — ') : '';
  return {
    title: v.title,
    slug: v.slug,
    standfirst: v.standfirst,
    excerpt: v.excerpt,
    body: v.body,
    meta: {
      Type: v.type === 'page' ? 'Page' : 'Post',
      'Primary category': v.category ? names.category(v.category) : '',
      'Other categories': v.otherCategories.map(names.category).join(', '),
      Tags: splitTags(v.tags).join(', '),
      Authors: v.authors.filter(Boolean).join(', '),
      'Cover image': cover,
      'Cover caption': v.coverCaption,
      'Cover credit': v.coverCredit,
      'SEO title': v.seoTitle,
      'SEO description': v.seoDescription,
      'Publication time': v.publishAt.replace('T', ' '),
      Comments: v.commentsOpen ? 'Open' : 'Closed',
      'Kept at the top of the home page': v.type === 'page' ? '' : v.sticky ? 'Yes' : 'No',
      'Parent page': v.type === 'page' && v.parent ? (names.page?.(v.parent) ?? `Page ${v.parent}`) : '',
      Order: v.type === 'page' ? v.menuOrder.trim() || '0' : '',
    },
  };
}

/** The checks that need nothing but the form. Slug clashes, categories and authors are checked against the database. */
export function checkPostForm(
  v: PostFormValues,
  timeZone: string,
): {
  fields: Record<string, string>;
  input: Omit<PostInput, 'status'>;
  publishAt: string | null;
} {
  const fields: Record<string, string> = {};
  const tooLong = (k: keyof typeof POST_FIELD_LIMITS, label: string) => {
    if (v[k].length > POST_FIELD_LIMITS[k])
      fields[k] = `${label} is too long: at most ${POST_FIELD_LIMITS[k].toLocaleString('en-GB')} characters.`;
  };
  const title = v.title.trim();
  if (!title) fields.title = 'Give the post a title.';
  tooLong('title', 'The title');
  const slug = v.slug.trim() || (title ? slugify(title) : '');
  if (v.slug.trim() && !isSlug(slug))
    fields.slug = 'A slug is lower-case letters, digits and single hyphens, such as “khalkhin-gol-1939”.';
  else if (slug.length > POST_FIELD_LIMITS.slug) fields.slug = 'The slug is too long: at most 100 characters.';
  else if (RESERVED_SLUGS.has(slug)) fields.slug = `“${slug}” is an address the site itself uses; choose another slug.`;
  tooLong('standfirst', 'The standfirst');
  tooLong('excerpt', 'The excerpt');
  if (!v.body.trim()) fields.body = 'Write the body of the post.';
  else tooLong('body', 'The body');
  if (!fields.body) {
    const marks = markdownShapeProblem(v.body);
    if (marks) fields.body = marks;
  }
  tooLong('tags', 'The list of tags');
  const tags = splitTags(v.tags);
  if (tags.some((t) => t.length > 60)) fields.tags = 'A tag is at most 60 characters.';
  for (const k of ['coverAlt', 'coverCaption', 'coverCredit', 'seoTitle', 'seoDescription'] as const)
    tooLong(k, 'This field');
  const coverSrc = v.coverSrc.trim();
  if (coverSrc && (!isSafeUrl(coverSrc) || /\s/.test(coverSrc)))
    fields.coverSrc =
      'The cover image is an address on this site (such as /media/12-960w.webp) or an https:// address.';
  else tooLong('coverSrc', 'The cover address');
  if (!coverSrc && (v.coverAlt.trim() || v.coverCaption.trim() || v.coverCredit.trim()))
    fields.coverSrc = 'Give the cover image’s address, or clear its text fields.';
  if (v.type !== 'post' && v.type !== 'page') fields.type = 'Choose a post or a page.';
  let publishAt: string | null = null;
  if (v.publishAt.trim()) {
    publishAt = zonedLocalToUtc(v.publishAt, timeZone) ?? null;
    if (!publishAt)
      fields.publishAt = `That is not a date and time that exists in ${timeZone}: use the form 2025-09-01 07:30.`;
  }
  const isPage = v.type === 'page';
  const parentText = v.parent.trim();
  if (isPage && parentText && !/^[1-9][0-9]{0,8}$/.test(parentText))
    fields.parent = 'Choose a parent page from the list.';
  const orderText = v.menuOrder.trim();
  if (isPage && orderText && !/^-?[0-9]{1,6}$/.test(orderText))
    fields.menuOrder = 'The order is a whole number, such as 0, 1 or 10 (smaller numbers come first).';
  const authors = v.authors.map((a) => a.trim()).filter(Boolean);
  if (new Set(authors).size !== authors.length) fields.authors = 'Each author can appear once in the byline.';
  return {
    fields,
    publishAt,
    input: {
      type: (v.type === 'page' ? 'page' : 'post') as PostType,
      slug,
      title,
      standfirst: v.standfirst.trim(),
      excerpt: v.excerpt.trim(),
      bodyMarkdown: v.body,
      categoryPath: v.category || null,
      otherCategoryPaths: v.otherCategories.filter((c) => c && c !== v.category),
      tags,
      authorSlugs: [...new Set(authors)],
      cover: coverSrc
        ? {
            src: coverSrc,
            alt: v.coverAlt.trim(),
            caption: v.coverCaption.trim(),
            credit: v.coverCredit.trim(),
          }
        : null,
      seoTitle: v.seoTitle.trim() || null,
      seoDescription: v.seoDescription.trim() || null,
      commentsOpen: v.commentsOpen,
      sticky: !isPage && v.sticky,
      parentId: isPage && !fields.parent && parentText ? Number(parentText) : null,
      // An article keeps whatever order it has (an import may bring one); only pages show the field.
      menuOrder: isPage ? (!fields.menuOrder && orderText ? Number(orderText) : 0) : undefined,
    },
  };
}
