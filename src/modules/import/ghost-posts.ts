import { fromHtml } from 'hast-util-from-html';
import { toString as hastText } from 'hast-util-to-string';
import type { PostStatus } from '../../storage/schema.ts';
import { POST_FIELD_LIMITS } from '../content/editor-form.ts';
import type { PostInput } from '../content/post-writer.service.ts';
import { escapeMarkup } from '../shared/escape.ts';
import type { GhostMeta, GhostPost, GhostTag, GhostUser } from './ghost-export.ts';
import { htmlToMarkdown } from './html-to-markdown.ts';
import { addToList, count, noteLine } from './import-report.ts';
import type { ImportRun } from './import-run.ts';
import { chooseSlug, findImportedPost, fitField, writeImportedPost } from './imported-posts.ts';
import { decodeSlug, ownSlug } from './wp-taxonomy.ts';

/** The export's tables by Ghost id, as each post needs them. */
export interface GhostIndex {
  tags: Map<string, GhostTag>;
  users: Map<string, GhostUser>;
  meta: Map<string, GhostMeta>;
  /** Post id -> tag ids in Ghost's order (the first is the primary tag). */
  tagsOf: Map<string, string[]>;
  /** Post id -> user ids in Ghost's order. */
  authorsOf: Map<string, string[]>;
}

/** Ghost's internal tags (`#name`, slug `hash-name`, visibility "internal") organise, they are never shown. */
export const isInternalTag = (t: GhostTag): boolean =>
  t.visibility === 'internal' || t.name.startsWith('#') || t.slug.startsWith('hash-');

interface StatusChoice {
  status: PostStatus;
  note?: string;
}

function statusOf(post: GhostPost, meta: GhostMeta | undefined): StatusChoice | { skip: string } {
  const s = post.status ?? '';
  const emailOnly = s === 'sent' || meta?.email_only === true || meta?.email_only === 1;
  if (emailOnly)
    return { status: 'draft', note: 'sent as an email newsletter only, never on the web: imported as a draft' };
  let choice: StatusChoice;
  if (s === 'published') choice = { status: 'published' };
  else if (s === 'scheduled') choice = { status: 'scheduled' };
  else if (s === 'draft') choice = { status: 'draft' };
  else return { skip: `status "${s.slice(0, 40)}" is not imported` };
  const visibility = post.visibility ?? 'public';
  if (visibility !== 'public' && choice.status !== 'draft')
    return {
      status: 'draft',
      note: `for ${visibility === 'members' ? 'members' : `"${visibility.slice(0, 40)}" readers`} only on Ghost: imported as a draft`,
    };
  return choice;
}

/** Ghost's times are UTC, written "2009-08-23 10:15:00" (SQLite) or as ISO text (MySQL). */
export function ghostTime(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const iso = value.includes('T') ? value : `${value.replace(' ', 'T')}`;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** Ghost keeps titles, excerpts and SEO fields as plain text: only their spacing is tidied. */
const text = (value: string | null | undefined) => (value ?? '').replace(/\s+/g, ' ').trim();

/** Captions are HTML in Ghost (a link in a credit): their text. */
const plain = (html: string | null | undefined) => text(hastText(fromHtml(html ?? '', { fragment: true })));

/** A local address of the old Ghost site: `__GHOST_URL__/…` in exports, or a bare `/content/…` path. */
const LOCAL = /^(?:__GHOST_URL__)(\/[^\s]*)?$|^(\/content\/[^\s]*)$/;

/** One post or page: its body, byline, tags, primary category, featured image, SEO fields and old address. */
export async function importGhostPost(run: ImportRun, post: GhostPost, index: GhostIndex): Promise<void> {
  const id = String(post.id);
  const meta = index.meta.get(id);
  const kind: 'post' | 'page' = post.type === 'page' || post.page === true || post.page === 1 ? 'page' : 'post';
  const note = (reason: string) => noteLine(run.report, { kind, oldId: id, outcome: 'note', reason });
  const choice = statusOf(post, meta);
  if ('skip' in choice) {
    count(run.report, kind, 'skipped');
    noteLine(run.report, { kind, oldId: id, outcome: 'skipped', reason: choice.skip });
    return;
  }
  if (choice.note) note(choice.note);
  if (post.codeinjection_head?.trim() || post.codeinjection_foot?.trim())
    note('its code injection (scripts or styles for this post) is not imported');
  const before = await findImportedPost(run, kind, id);
  const missing = (address: string) => addToList(run.report, 'missingMedia', { kind, oldId: id, address });
  const body = bodyOf(post, missing, note);
  const ghostSlug = decodeSlug(post.slug);
  let title = text(post.title);
  if (!title) {
    title = ghostSlug.replace(/-/g, ' ') || 'Untitled';
    note(`no title: given "${title}"`);
  }
  const fit = (field: string, value: string, limit: number) => fitField(note, field, value, limit);
  let wanted = ownSlug(ghostSlug, title);
  if (wanted === 'untitled') wanted = `${kind}-${id}`;
  const slug = await chooseSlug(run, wanted, before?.id);
  if (slug !== ghostSlug) addToList(run.report, 'renamedSlugs', { kind, oldId: id, from: ghostSlug, to: slug });
  const tags = (index.tagsOf.get(id) ?? [])
    .map((t) => index.tags.get(t))
    .filter((t): t is GhostTag => t !== undefined && !isInternalTag(t));
  const primary = tags[0] ? run.categories.get(decodeSlug(tags[0].slug))?.path : undefined;
  const authorSlugs = (index.authorsOf.get(id) ?? [])
    .map((u) => index.users.get(u))
    .map((u) => (u ? run.authorSlugs.get(u.slug.trim()) : undefined))
    .filter((s): s is string => s !== undefined);
  const input: PostInput = {
    type: kind,
    slug,
    title: fit('title', title, POST_FIELD_LIMITS.title),
    bodyMarkdown: body,
    excerpt: fit('excerpt', text(post.custom_excerpt), POST_FIELD_LIMITS.excerpt),
    status: choice.status,
    publishedAt: choice.status === 'draft' ? null : (ghostTime(post.published_at) ?? null),
    categoryPath: primary ?? null,
    tags: tags.map((t) => t.name.trim()).filter(Boolean),
    authorSlugs,
    cover: coverOf(post, meta, { missing, note, fit }),
    sticky: kind === 'post' && (post.featured === true || post.featured === 1),
    seoTitle: fit('SEO title', text(meta?.meta_title ?? post.meta_title), POST_FIELD_LIMITS.seoTitle) || null,
    seoDescription:
      fit('SEO description', text(meta?.meta_description ?? post.meta_description), POST_FIELD_LIMITS.seoDescription) ||
      null,
  };
  const postId = await writeImportedPost(run, { kind, oldId: id, mapId: id, before, input });
  if (postId === undefined) return;
  // Ghost serves posts and pages alike at /slug/: only a renamed one needs its old address kept.
  if (ghostSlug && slug !== ghostSlug) await run.redirect(`/${ghostSlug}/`, 'post', postId, `/${slug}/`);
}

/**
 * The body from Ghost's rendered `html` (the Lexical and Mobiledoc copies are the editor's, not needed), with
 * the old site's own addresses made local; its images, which the export does not carry, become placeholders
 * and are reported. Without `html`, the plain text makes the paragraphs.
 */
function bodyOf(post: GhostPost, missing: (address: string) => void, note: (reason: string) => void): string {
  if (!post.html?.trim()) {
    if (!post.plaintext?.trim()) return '';
    note('no HTML in the export: the body is made from its plain text');
    return htmlToMarkdown(
      post.plaintext
        .split(/\n{2,}/)
        .map((p) => `<p>${escapeMarkup(p)}</p>`)
        .join(''),
    );
  }
  return htmlToMarkdown(post.html, {
    address: (url, use) => {
      const local = LOCAL.exec(url.trim());
      if (!local) return url;
      const path = local[1] ?? local[2] ?? '/';
      if (use === 'link' && !path.startsWith('/content/')) return path;
      missing(path);
      return undefined;
    },
  });
}

function coverOf(
  post: GhostPost,
  meta: GhostMeta | undefined,
  r: {
    missing: (address: string) => void;
    note: (reason: string) => void;
    fit: (field: string, value: string, limit: number) => string;
  },
): PostInput['cover'] {
  const src = post.feature_image?.trim();
  if (!src) return null;
  const local = LOCAL.exec(src);
  if (local) {
    r.missing(local[1] ?? local[2] ?? src);
    return null;
  }
  if (!/^https?:\/\//i.test(src) || src.length > POST_FIELD_LIMITS.coverSrc || /[\s<>"]/.test(src)) {
    r.note(`its featured image address is not one Annalist can keep: ${src.slice(0, 80)}`);
    return null;
  }
  r.note(`its featured image stays at its address on another host (upload it to show it here): ${src}`);
  return {
    src,
    alt: r.fit(
      'featured image description',
      text(meta?.feature_image_alt ?? post.feature_image_alt),
      POST_FIELD_LIMITS.coverAlt,
    ),
    caption: r.fit(
      'featured image caption',
      plain(meta?.feature_image_caption ?? post.feature_image_caption),
      POST_FIELD_LIMITS.coverCaption,
    ),
  };
}
