import type { ColumnType, Generated, Insertable, Kysely, Selectable, Updateable } from 'kysely';

/**
 * The database as Kysely sees it. Times are ISO-8601 UTC strings ("2025-08-20T08:30:00.000Z") on every
 * dialect: they sort as text, compare as text and need no driver-specific conversion (decision 002).
 */
export interface SettingTable {
  key: string;
  value: string;
}

export interface AuthorTable {
  id: Generated<number>;
  slug: string;
  name: string;
  bio: string;
  created_at: string;
}

export interface CategoryTable {
  id: Generated<number>;
  parent_id: number | null;
  slug: string;
  /** Full slug path from the root, e.g. "russian-history/soviet-union"; unique. */
  path: string;
  name: string;
  description: string;
  position: number;
}

export interface TagTable {
  id: Generated<number>;
  slug: string;
  name: string;
}

export type PostStatus = 'draft' | 'scheduled' | 'published';
export type PostType = 'post' | 'page';

export interface PostTable {
  id: Generated<number>;
  type: PostType;
  slug: string;
  title: string;
  standfirst: string;
  body_md: string;
  excerpt: string;
  status: PostStatus;
  published_at: string | null;
  updated_at: string | null;
  created_at: string;
  primary_category_id: number | null;
  cover_src: string | null;
  cover_alt: string | null;
  cover_caption: string | null;
  cover_credit: string | null;
  seo_title: string | null;
  seo_description: string | null;
  /** Rendered body, ToC and word count, cached at save time; `render_version` says by which renderer. */
  body_html: string;
  toc_json: string;
  word_count: number;
  render_version: number;
}

export interface PostTagTable {
  post_id: number;
  tag_id: number;
}

export interface PostAuthorTable {
  post_id: number;
  author_id: number;
  position: number;
}

export interface SlugHistoryTable {
  old_slug: string;
  post_id: number;
  changed_at: string;
}

export type WidgetArea = 'header' | 'sidebar' | 'footer';

export interface WidgetTable {
  id: Generated<number>;
  area: WidgetArea;
  type: string;
  title: string;
  config_json: ColumnType<string, string | undefined, string>;
  position: number;
}

export interface DatabaseSchema {
  settings: SettingTable;
  authors: AuthorTable;
  categories: CategoryTable;
  tags: TagTable;
  posts: PostTable;
  post_tags: PostTagTable;
  post_authors: PostAuthorTable;
  slug_history: SlugHistoryTable;
  widgets: WidgetTable;
}

export type Db = Kysely<DatabaseSchema>;
export type PostRow = Selectable<PostTable>;
export type NewPostRow = Insertable<PostTable>;
export type PostRowUpdate = Updateable<PostTable>;
export type CategoryRow = Selectable<CategoryTable>;
export type TagRow = Selectable<TagTable>;
export type AuthorRow = Selectable<AuthorTable>;
export type WidgetRow = Selectable<WidgetTable>;
