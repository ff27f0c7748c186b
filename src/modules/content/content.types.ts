import type { TocEntry } from '../markdown/render-markdown.ts';

export interface CategoryRef {
  id: number;
  slug: string;
  /** Slug path from the root, e.g. "russian-history/soviet-union". */
  path: string;
  name: string;
}

export interface Category extends CategoryRef {
  parentId: number | null;
  description: string;
  /** Visible posts filed directly under this category. */
  postCount: number;
  /** Visible posts here and in every sub-category. */
  totalCount: number;
  children: Category[];
}

export interface TagRef {
  id: number;
  slug: string;
  name: string;
}

export interface AuthorRef {
  id: number;
  slug: string;
  name: string;
}

export interface Author extends AuthorRef {
  bio: string;
}

export interface PostLink {
  /** Absent where the link was made from something other than the post itself (a revision, an import). */
  id?: number;
  slug: string;
  title: string;
}

export interface PostSummary {
  id: number;
  type: 'post' | 'page';
  slug: string;
  title: string;
  standfirst: string;
  excerpt: string;
  publishedAt: string;
  /** Set only when the post changed after it was published. */
  updatedAt: string | null;
  category: CategoryRef | null;
  authors: AuthorRef[];
  tags: TagRef[];
  cover: { src: string; alt: string; caption: string; credit: string } | null;
  wordCount: number;
  readingMinutes: number;
  /** Approved comments. */
  commentCount: number;
  /** Whether the article takes comments at all (the site's closing rules are applied on top). */
  commentsOpen: boolean;
  /** Set on the home page's list for an article kept at its top (shown as "Pinned"). */
  pinned?: boolean;
}

/**
 * An article or page as its own page shows it. No comment count: the article is kept until a post changes
 * (decision 038), and its discussion shows its own count.
 */
export interface Article extends Omit<PostSummary, 'commentCount'> {
  bodyHtml: string;
  toc: TocEntry[];
  seoTitle: string | null;
  seoDescription: string | null;
  /** Root-to-leaf categories of the primary category's path. */
  breadcrumb: CategoryRef[];
  previous: PostLink | null;
  next: PostLink | null;
  /** Pages: the visible ancestor pages, from the top down to the parent (the breadcrumb). */
  parentPages: PostLink[];
  /** Pages: the visible child pages, in their order ("In this section"). */
  childPages: PostLink[];
  /** The source keys its body cites: its notes and bibliography show those sources' text. */
  citedKeys: string[];
}

export const WORDS_PER_MINUTE = 230;
export const readingMinutes = (words: number): number => Math.max(1, Math.round(words / WORDS_PER_MINUTE));
