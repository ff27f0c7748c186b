import { createUser as addUser, setPassword } from '../../src/modules/accounts/accounts.service.ts';
import type { User } from '../../src/modules/accounts/accounts.types.ts';
import { ensureOwnByline, getOwnByline } from '../../src/modules/content/own-byline.service.ts';
import { savePost } from '../../src/modules/content/post-writer.service.ts';
import { createCategory as addCategory } from '../../src/modules/content/taxonomy-admin.service.ts';
import { createEntity as addEntity } from '../../src/modules/history/entities.service.ts';
import { type EntityForm, emptyEntityForm } from '../../src/modules/history/entity-form.ts';
import { ingestImage } from '../../src/modules/media/ingest-image.service.ts';
import { CONTENT_TYPES } from '../../src/modules/media/media-names.ts';
import { moderateComment } from '../../src/modules/moderation/queue.service.ts';
import { submitComment } from '../../src/modules/moderation/submit-comment.workflow.ts';
import { slugify } from '../../src/modules/shared/slug.ts';
import { emptySourceForm, type SourceForm } from '../../src/modules/sources/source-form.ts';
import { createSource as addSource } from '../../src/modules/sources/sources.service.ts';
import type { UserRole } from '../../src/storage/schema.ts';
import { TEST_BASE_URL, type TestSite } from './site.ts';

/**
 * Data a test owns (issue 15), made through the application's own use cases on a test site, as the editor, a
 * reader, an administrator or the sources library would make it: no SQL. Every call takes values of its own from
 * one counter, so two calls never clash, and every value can be given instead.
 */

let counter = 0;
/** The next number of this test process: the part of every default value that keeps it unique. */
const next = () => ++counter;

export interface Article {
  id: number;
  slug: string;
  /** The article's address on the site, `/<slug>/`. */
  url: string;
  title: string;
}

export interface ArticleFields {
  /** Default: a post (dated, in lists and feeds); a page (such as About) has the same address form. */
  type?: 'post' | 'page';
  title?: string;
  /** Default: the title as a slug. */
  slug?: string;
  standfirst?: string;
  /** Markdown. */
  body?: string;
  /** The primary category's slug path (`parent/child`); none by default. */
  category?: string;
  tags?: string[];
  /** Byline slugs, in order (a `createUser(…, { byline: true })` gives one); none by default. */
  authors?: string[];
  /** Default: published; a draft or a post scheduled for later is saved as the editor saves one too. */
  status?: 'published' | 'draft' | 'scheduled';
  /** Default: the site clock's now (none for a draft). */
  publishedAt?: string;
  updatedAt?: string;
  cover?: { src: string; alt: string; caption?: string; credit?: string };
  /** Default: open. */
  commentsOpen?: boolean;
  /** The title and description for search engines (the editor's SEO fields); none by default. */
  seo?: { title: string; description: string };
  /** The account whose post it is (a writer's own draft, say: `createUser` gives one); none by default. */
  owner?: { id: number };
}

/**
 * An article saved as the editor saves one (savePost): published (rendered, filed, indexed, announced) unless
 * `fields.status` says draft or scheduled.
 */
export async function createArticle(site: TestSite, fields: ArticleFields = {}): Promise<Article> {
  const n = next();
  const title = fields.title ?? `Test article ${n}`;
  const slug = fields.slug ?? slugify(title);
  const saved = await savePost(site.site.content, {
    type: fields.type ?? 'post',
    status: fields.status ?? 'published',
    slug,
    title,
    standfirst: fields.standfirst ?? '',
    bodyMarkdown: fields.body ?? `The body of test article ${n}, written for one test.`,
    publishedAt: fields.publishedAt ?? (fields.status === 'draft' ? null : site.clock.now().toISOString()),
    updatedAt: fields.updatedAt ?? null,
    categoryPath: fields.category ?? null,
    tags: fields.tags ?? [],
    authorSlugs: fields.authors ?? [],
    cover: fields.cover ?? null,
    commentsOpen: fields.commentsOpen ?? true,
    seoTitle: fields.seo?.title ?? null,
    seoDescription: fields.seo?.description ?? null,
    ownerUserId: fields.owner?.id ?? null,
  });
  return { id: saved.id, slug, url: `/${slug}/`, title };
}

export interface CommentFields {
  name?: string;
  email?: string;
  url?: string;
  /** Markdown. */
  body?: string;
  /** The comment this one answers. */
  parent?: { id: number };
  /** A passage of `parent` to quote (quote-reply). */
  quote?: string;
  /** The address it comes from; default a documentation address of its own. */
  ip?: string;
}

/** An approved comment: through the moderation pipeline (submitComment), then approved (moderateComment) if held. */
export async function createComment(
  site: TestSite,
  article: Pick<Article, 'slug'>,
  fields: CommentFields = {},
): Promise<{ id: number }> {
  const n = next();
  const deps = { ...site.site.content, baseUrl: TEST_BASE_URL };
  const submitted = await submitComment(deps, {
    postSlug: article.slug,
    parentId: fields.parent?.id ?? null,
    quote: fields.quote && fields.parent ? { commentId: fields.parent.id, text: fields.quote } : null,
    authorName: fields.name ?? `Commenter ${n}`,
    authorEmail: fields.email ?? `commenter${n}@example.net`,
    authorUrl: fields.url ?? '',
    body: fields.body ?? `Comment number ${n}, from a reader of this article.`,
    honeypot: '',
    notifyReplies: false,
    ip: fields.ip ?? `2001:db8::f:${n.toString(16)}`,
    userAgent: 'test/support/factories.ts',
    formIssuedAt: new Date(site.clock.now().getTime() - 3_600_000),
    formToken: null,
    commenterToken: null,
    user: null,
  });
  // Held (a first comment, say) or filed as spam: approved as the queue's Approve button does, which also
  // teaches the spam classifier the text is not spam. The use case records no moderator.
  if (submitted.status !== 'approved')
    await moderateComment(deps, { commentId: submitted.id, action: 'approve', moderatorId: 0 });
  return { id: submitted.id };
}

export interface TestUser {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  /** The byline's slug when one was asked for. */
  byline?: string;
}

/** A staff account (createUser), with `password` set when given and, with `byline: true`, its own byline. */
export async function createUser(
  site: TestSite,
  role: UserRole,
  fields: { name?: string; email?: string; password?: string; byline?: boolean } = {},
): Promise<TestUser> {
  const n = next();
  const deps = site.site.content;
  const user: User = await addUser(deps, {
    name: fields.name ?? `Staff Member ${n}`,
    email: fields.email ?? `staff${n}@example.org`,
    role,
  });
  if (fields.password !== undefined) await setPassword(deps, { userId: user.id, password: fields.password });
  const made: TestUser = { id: user.id, email: user.email, name: user.name, role };
  if (!fields.byline) return made;
  const authorId = await ensureOwnByline(deps, user);
  const own = await getOwnByline(deps, { ...user, authorId });
  if (!own?.slug) throw new Error(`a ${role} has no byline: only writers do`);
  return { ...made, byline: own.slug };
}

/** A source of the library, added as its form adds one (createSource): a book unless `fields` say otherwise. */
export async function createSource(
  site: TestSite,
  fields: Partial<SourceForm> = {},
): Promise<{ id: number; key: string; title: string }> {
  const n = next();
  const form: SourceForm = {
    ...emptySourceForm(),
    key: `source${n}`,
    type: 'book',
    title: `A Test Source, Volume ${n}`,
    authors: `Writer, Test ${n}`,
    date: '1985',
    publisher: 'Test Press',
    place: 'London',
    ...fields,
  };
  const source = await addSource(site.site.content, form);
  return { id: source.id, key: source.key, title: source.title };
}

export interface Category {
  id: number;
  /** Slug path from the top, `parent/child`. */
  path: string;
  name: string;
  /** The category's archive, `/category/<path>/`. */
  url: string;
}

/** A category as the taxonomy admin adds one (createCategory), at the top unless under `parent`. */
export async function createCategory(
  site: TestSite,
  fields: { name?: string; slug?: string; parent?: Category; description?: string } = {},
): Promise<Category> {
  const n = next();
  const name = fields.name ?? `Test Category ${n}`;
  const slug = fields.slug ?? slugify(name);
  const id = await addCategory(site.site.content, {
    name,
    slug,
    parent: fields.parent ? String(fields.parent.id) : '',
    description: fields.description ?? '',
  });
  const path = fields.parent ? `${fields.parent.path}/${slug}` : slug;
  return { id, path, name, url: `/category/${path}/` };
}

export interface Image {
  id: number;
  /** What Markdown and a cover name it by: `/media/<file>`. */
  src: string;
  /** The Content-Type that file is served with. */
  contentType: string;
  alt: string;
  caption: string;
  credit: string;
}

/** An image of the media library, uploaded as the library takes one (ingestImage): a small SVG of its own colour. */
export async function createImage(
  site: TestSite,
  fields: { alt?: string; caption?: string; credit?: string } = {},
): Promise<Image> {
  const n = next();
  const colour = `#${((n * 2_654_435_761) % 0xffffff).toString(16).padStart(6, '0')}`;
  const rect = `<rect width="64" height="48" fill="${colour}"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">${rect}</svg>`;
  const { media } = await ingestImage(site.site.content, {
    bytes: new TextEncoder().encode(svg),
    originalName: `test-image-${n}.svg`,
    userId: null,
    decorative: false,
    alt: fields.alt ?? `Test image ${n}`,
    caption: fields.caption ?? `The caption of test image ${n}.`,
    credit: fields.credit ?? `Drawn for test ${n}`,
  });
  const file = media.files.find((f) => media.src.endsWith(`/${f.name}`));
  if (!file) throw new Error(`image ${media.id} has no file at ${media.src}`);
  const { id, src, alt, caption, credit } = media;
  return { id, src, contentType: CONTENT_TYPES[file.format], alt, caption, credit };
}

export interface HistoryEntity {
  id: number;
  kind: string;
  slug: string;
  name: string;
  /** How an article's Markdown mentions it: `:<kind>[<name>]{#<slug>}`. */
  mention: string;
}

/** An entity of history as its admin form adds one (createEntity): a dated event unless `fields` say otherwise. */
export async function createEntity(site: TestSite, fields: Partial<EntityForm> = {}): Promise<HistoryEntity> {
  const n = next();
  const form: EntityForm = {
    ...emptyEntityForm('event'),
    name: `Test Event ${n}`,
    description: `An event made for test ${n}.`,
    date: '1901-05-01/1901-06-30',
    ...fields,
  };
  const saved = await addEntity(site.site.content, form);
  const { id, kind, slug, name } = saved;
  const directive = kind === 'organisation' ? 'org' : kind;
  return { id, kind, slug, name, mention: `:${directive}[${name}]{#${slug}}` };
}
