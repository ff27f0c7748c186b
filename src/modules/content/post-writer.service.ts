import type { PostStatus, PostType } from '../../storage/schema.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { RENDER_VERSION, renderMarkdown } from '../markdown/render-markdown.ts';
import { AppError } from '../shared/errors.ts';
import { slugify } from '../shared/slug.ts';
import type { ContentDeps } from './content.deps.ts';
import {
  findPostById,
  findPostBySlug,
  forgetOldSlug,
  insertPost,
  recordOldSlug,
  updatePost,
} from './post.repository.ts';
import { findAuthorBySlug, findCategoryByPath, setPostAuthors, setPostTags, upsertTag } from './taxonomy.repository.ts';

/** Everything a writer gives for a post. Names, not ids: tags are created on first use. */
export interface PostInput {
  id?: number;
  type: PostType;
  slug: string;
  title: string;
  standfirst?: string;
  bodyMarkdown: string;
  excerpt?: string;
  status: PostStatus;
  publishedAt?: string | null;
  updatedAt?: string | null;
  /** Slug path of the primary category, e.g. "russian-history/soviet-union". */
  categoryPath?: string | null;
  tags?: string[];
  authorSlugs?: string[];
  cover?: { src: string; alt: string; caption?: string; credit?: string } | null;
  seoTitle?: string | null;
  seoDescription?: string | null;
}

/**
 * Creates or updates a post in one transaction: renders the body, files it under its category, tags and
 * authors, keeps the old slug for a 301, and updates the search index.
 */
export async function savePost(deps: ContentDeps, input: PostInput): Promise<number> {
  const now = deps.clock.now().toISOString();
  const rendered = renderMarkdown(input.bodyMarkdown);
  const id = await inTransaction(deps.db, async (trx) => {
    const category = input.categoryPath ? await findCategoryByPath(trx, input.categoryPath) : undefined;
    if (input.categoryPath && !category)
      throw new AppError('CATEGORY_NOT_FOUND', 'There is no such category.', { detail: input.categoryPath });
    const clash = await findPostBySlug(trx, input.slug);
    if (clash && clash.id !== input.id) throw new AppError('BAD_REQUEST', `The slug "${input.slug}" is already taken.`);
    const row = {
      type: input.type,
      slug: input.slug,
      title: input.title,
      standfirst: input.standfirst ?? '',
      body_md: input.bodyMarkdown,
      excerpt: input.excerpt ?? '',
      status: input.status,
      published_at: input.publishedAt ?? (input.status === 'published' ? now : null),
      updated_at: input.updatedAt ?? null,
      primary_category_id: category?.id ?? null,
      cover_src: input.cover?.src ?? null,
      cover_alt: input.cover?.alt ?? null,
      cover_caption: input.cover?.caption ?? null,
      cover_credit: input.cover?.credit ?? null,
      seo_title: input.seoTitle ?? null,
      seo_description: input.seoDescription ?? null,
      body_html: rendered.html,
      toc_json: JSON.stringify(rendered.toc),
      word_count: rendered.wordCount,
      render_version: RENDER_VERSION,
    };
    let postId: number;
    if (input.id !== undefined) {
      const before = await findPostById(trx, input.id);
      if (!before) throw new AppError('POST_NOT_FOUND', 'There is no such post.', { detail: String(input.id) });
      if (before.slug !== input.slug) await recordOldSlug(trx, before.id, before.slug, now);
      await updatePost(trx, input.id, { ...row, updated_at: input.updatedAt ?? now });
      postId = input.id;
    } else {
      postId = await insertPost(trx, { ...row, created_at: now });
    }
    // A slug taken again by its post (or by a new one) no longer redirects.
    await forgetOldSlug(trx, input.slug);
    const tagIds: number[] = [];
    for (const name of input.tags ?? []) tagIds.push(await upsertTag(trx, slugify(name), name));
    await setPostTags(trx, postId, tagIds);
    const authorIds: number[] = [];
    for (const slug of input.authorSlugs ?? []) {
      const a = await findAuthorBySlug(trx, slug);
      if (!a) throw new AppError('AUTHOR_NOT_FOUND', `There is no author "${slug}".`);
      authorIds.push(a.id);
    }
    await setPostAuthors(trx, postId, authorIds);
    if (input.status === 'draft') await deps.search.remove(postId, trx);
    else
      await deps.search.upsert(
        { postId, title: input.title, standfirst: input.standfirst ?? '', body: rendered.text },
        trx,
      );
    return postId;
  });
  deps.noteWrite();
  return id;
}
