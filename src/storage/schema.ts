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
  /** Word count, kept at save time with the rendered body; `render_version` says by which renderer. */
  word_count: number;
  render_version: number;
  comments_open: ColumnType<number, number | undefined, number>;
  /** Approved comments, kept in step by the comment use cases. */
  comment_count: ColumnType<number, number | undefined, number>;
  /** Approved comments that start a thread (no parent): comment pages hold whole threads. */
  thread_count: ColumnType<number, number | undefined, number>;
  /** Bumped by every save; a save names the version it started from (optimistic concurrency). */
  version: ColumnType<number, number | undefined, number>;
  /** Sent for review (status stays draft until an editor schedules or publishes). */
  submitted_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** Taken down after being published (status is draft again). */
  unpublished_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** The account that created the post. */
  owner_user_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** 1: an article kept at the top of the home page. */
  sticky: ColumnType<number, number | undefined, number>;
  /** A page's parent page (the page tree); null at the top and for articles. */
  parent_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** A page's place among its siblings, smallest first. */
  menu_order: ColumnType<number, number | undefined, number>;
}

/** Post meta a WordPress import brought (plugins' fields), kept as it was for export; never read as code. */
export interface PostMetaTable {
  post_id: number;
  /** The meta's order within its post (WordPress allows the same key twice). */
  position: number;
  meta_key: string;
  meta_value: string;
}

/** A post's body, one row per post (kept apart so that lists and counts never read bodies: migration 006). */
export interface PostBodyTable {
  post_id: number;
  body_md: string;
  /** Rendered body and table of contents, cached at save time (see posts.render_version). */
  body_html: string;
  toc_json: string;
}

/** The body columns as they belong to a post (the repository reads and writes them with the posts row). */
export type PostBody = Omit<PostBodyTable, 'post_id'>;

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

export type UserRole = 'owner' | 'admin' | 'editor' | 'author' | 'contributor' | 'moderator';

export interface UserTable {
  id: Generated<number>;
  email: string;
  name: string;
  role: UserRole;
  password_hash: string | null;
  created_at: string;
  disabled_at: string | null;
  /** The byline this account writes under (authors edit only posts that carry it). */
  author_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** Base32 TOTP secret; a second factor is on once totp_enabled_at is set. */
  totp_secret: ColumnType<string | null, string | null | undefined, string | null>;
  totp_enabled_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** The last TOTP time step accepted, so one code cannot be used twice. */
  totp_last_step: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SessionTable {
  token_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
}

export type CommentStatus = 'approved' | 'held' | 'spam' | 'trash';

export interface CommentTable {
  id: Generated<number>;
  post_id: number;
  parent_id: number | null;
  /** Id of the top-level comment this one belongs under (its own id for a top-level comment). */
  thread_id: number | null;
  depth: ColumnType<number, number | undefined, number>;
  author_name: string;
  author_email: string;
  author_url: string | null;
  user_id: number | null;
  body_md: string;
  body_html: string;
  quoted_comment_id: number | null;
  /** The passage quoted from quoted_comment_id, as the writer trimmed it (checked to occur there). */
  quoted_text: string | null;
  status: CommentStatus;
  /** JSON array of moderation reasons: { phase, code, message }. */
  reasons_json: ColumnType<string, string | undefined, string>;
  ip: ColumnType<string, string | undefined, string>;
  user_agent: ColumnType<string, string | undefined, string>;
  created_at: string;
  updated_at: string | null;
  approved_at: string | null;
  report_count: ColumnType<number, number | undefined, number>;
}

export interface CommenterTable {
  email: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  created_at: string;
}

export type BanKind = 'email' | 'ip' | 'domain' | 'word';

export interface BanTable {
  id: Generated<number>;
  kind: BanKind;
  value: string;
  reason: ColumnType<string, string | undefined, string>;
  created_at: string;
  expires_at: string | null;
}

export interface ReportTable {
  id: Generated<number>;
  comment_id: number;
  reporter: string;
  reason: ColumnType<string, string | undefined, string>;
  created_at: string;
}

export interface UsedFormTokenTable {
  token: string;
  used_at: string;
}

export interface SpamTokenTable {
  token: string;
  spam: ColumnType<number, number | undefined, number>;
  ham: ColumnType<number, number | undefined, number>;
}

export interface OutboxTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  text_body: string;
  /** Extra mail headers (List-Unsubscribe…), a JSON object. */
  headers_json: ColumnType<string, string | undefined, string>;
  /** When the next attempt may be made; null: at once. */
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
}

export interface PostCategoryTable {
  post_id: number;
  category_id: number;
}

export type RevisionKind = 'save' | 'autosave' | 'publish' | 'restore';

export interface PostRevisionTable {
  id: Generated<number>;
  post_id: number;
  /** 1, 2, 3… per post. */
  number: number;
  kind: RevisionKind;
  title: string;
  slug: string;
  standfirst: string;
  excerpt: string;
  body_md: string;
  /** Everything else the writer set (category, tags, authors, cover, SEO, publish time) as JSON. */
  meta_json: string;
  status: string;
  user_id: number | null;
  created_at: string;
}

export interface JobTable {
  id: Generated<number>;
  kind: string;
  /** At most one pending job per key (e.g. "publish:42"). */
  unique_key: string | null;
  payload_json: ColumnType<string, string | undefined, string>;
  run_at: string;
  /** Lease: the worker that claimed it holds it until then. */
  locked_until: string | null;
  locked_by: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  done_at: string | null;
  created_at: string;
}

/** One scheduled or "Back up now" run (migration 009): started, then finished with its size or its error. */
export interface BackupRunTable {
  id: Generated<number>;
  trigger: 'schedule' | 'manual';
  /** Host name of the server that ran it (its archive is on that server's disk); '' in rows from before. */
  node: ColumnType<string, string | undefined, string>;
  /** The folder written into, as an absolute path. */
  folder: string;
  /** The archive's name in that folder (set when the run starts; the file exists only after success). */
  file_name: string;
  started_at: string;
  finished_at: string | null;
  bytes: number | null;
  /** The one-line reason a finished run failed; null when it succeeded (or is still running). */
  error: string | null;
  /** When retention removed the file. */
  removed_at: string | null;
}

/** Where an upload of /admin/import stands (migration 010, decision 032). */
export type ImportUploadStatus =
  | 'receiving'
  | 'checking'
  | 'ready'
  | 'importing'
  | 'imported'
  | 'refused'
  | 'failed'
  | 'expired';

/** One export uploaded in the administration, its report and its progress; the file is in import_upload_chunks. */
export interface ImportUploadTable {
  id: Generated<number>;
  platform: 'wordpress' | 'ghost' | 'disqus';
  /** The name the browser gave, shown on the page only. */
  file_name: string;
  /** 'gzip' when the upload was gzip'd (stored inflated), '' otherwise. */
  compression: string;
  /** Bytes received, and bytes stored (inflated). */
  uploaded_bytes: number;
  bytes: number;
  chunks: number;
  status: ImportUploadStatus;
  /** 'site' while the upload is in flight (unique: one at a time), null otherwise. */
  active: 'site' | null;
  /** The dry run's report, then the import's (ImportReport as JSON). */
  report_json: string | null;
  error_code: string | null;
  error_message: string | null;
  progress_items: number;
  progress_bytes: number;
  progress_at: string | null;
  user_id: number | null;
  created_at: string;
  finished_at: string | null;
}

export interface ImportUploadChunkTable {
  upload_id: number;
  seq: number;
  bytes: Buffer;
}

export interface MediaTable {
  id: Generated<number>;
  user_id: number | null;
  sha256: string;
  original_name: string;
  mime: string;
  width: number;
  height: number;
  alt: string;
  caption: string;
  credit: string;
  created_at: string;
}

/** The re-encoded files of one upload (sizes and formats), kept in the database so app processes are stateless. */
export interface MediaFileTable {
  media_id: number;
  /** Served as /media/<name>, e.g. "12-800w.webp". */
  name: string;
  format: string;
  width: number;
  height: number;
  bytes: Buffer;
}

/** An upload kept after its form was refused for another field (migration 017): the bytes as sent, unchecked. */
export interface MediaPendingTable {
  id: Generated<number>;
  /** SHA-256 (hex) of the token the form carries back; the token itself is never stored. */
  token_hash: string;
  user_id: number;
  original_name: string;
  bytes: Buffer;
  created_at: string;
}

export type MenuName = 'primary' | 'footer';

export interface MenuItemTable {
  id: Generated<number>;
  menu: MenuName;
  label: string;
  url: string;
  position: number;
}

/** Old addresses of renamed or merged categories (path) and tags (slug), answered with a 301. */
export interface TaxonomyHistoryTable {
  kind: 'category' | 'tag';
  old_path: string;
  target_id: number;
  changed_at: string;
}

export type SourceKind = 'book' | 'article' | 'chapter' | 'archive' | 'webpage' | 'other';

/** One item of the site's sources library; `csl_json` is the CSL-JSON item (its id is `key`). */
export interface SourceTable {
  id: Generated<number>;
  key: string;
  kind: SourceKind;
  title: string;
  csl_json: string;
  /** An editor's private note about the source. */
  note: ColumnType<string, string | undefined, string>;
  created_at: string;
  updated_at: string;
}

/** The citation keys a post's body cites (kept by the post writer). */
export interface PostCitationTable {
  post_id: number;
  source_key: string;
}

export type CorrectionKind = 'correction' | 'update';

/** One entry of an article's public "Corrections and updates" log. */
export interface PostCorrectionTable {
  id: Generated<number>;
  post_id: number;
  kind: ColumnType<CorrectionKind, CorrectionKind | undefined, CorrectionKind>;
  summary: string;
  reason: ColumnType<string, string | undefined, string>;
  source_text: ColumnType<string, string | undefined, string>;
  credit_name: string | null;
  revision_number: number | null;
  suggestion_id: number | null;
  user_id: number | null;
  created_at: string;
}

export type SuggestionStatus = 'held' | 'spam' | 'open' | 'needs_info' | 'accepted' | 'rejected' | 'trash';

/** A reader's suggested correction, anchored to a quoted passage of the article (W3C selectors). */
export interface CorrectionSuggestionTable {
  id: Generated<number>;
  post_id: number;
  revision_number: number | null;
  /** JSON array: a TextQuoteSelector {exact, prefix, suffix} and a TextPositionSelector {start, end}. */
  selector_json: string;
  quote: string;
  problem: string;
  proposed: ColumnType<string, string | undefined, string>;
  source_text: ColumnType<string, string | undefined, string>;
  author_name: string;
  author_email: string;
  user_id: number | null;
  credit_ok: ColumnType<number, number | undefined, number>;
  status: SuggestionStatus;
  reasons_json: ColumnType<string, string | undefined, string>;
  decision_note: ColumnType<string, string | undefined, string>;
  decided_by: number | null;
  decided_at: string | null;
  comment_id: number | null;
  correction_id: number | null;
  ip: ColumnType<string, string | undefined, string>;
  user_agent: ColumnType<string, string | undefined, string>;
  created_at: string;
}

/** Which row an imported thing became, per source site (decision 026): a re-run updates instead of copying. */
export interface ImportMapTable {
  /** e.g. "wordpress http://old.example" */
  source: string;
  kind: string;
  old_id: string;
  new_id: number;
}

export type ImportRedirectKind = 'post' | 'category' | 'tag' | 'author';

/** An old site's address and what it leads to now (a 301 from the 404 path). */
export interface ImportRedirectTable {
  /** Normalised: decoded path with a trailing slash, or "/?p=ID" / "/?page_id=ID". */
  old_path: string;
  kind: ImportRedirectKind;
  target_id: number;
  created_at: string;
}

export type EntityKind = 'person' | 'place' | 'event' | 'organisation';

/** A person, place, event or organisation of history (issue 17); dates as EDTF with day-number bounds (decision 038). */
export interface EntityTable {
  id: Generated<number>;
  kind: EntityKind;
  /** Unique per kind. */
  slug: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  /** The EDTF as written; null with its bounds when the entity has no date. */
  date_text: string | null;
  date_lower: number | null;
  date_upper: number | null;
  /** "Q…", shown as a link, never fetched. */
  wikidata_id: string | null;
  /** A place's WGS84 point (decision 043): both set or both null; null for the other kinds. */
  latitude: ColumnType<number | null, number | null | undefined, number | null>;
  longitude: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: string;
  updated_at: string;
}

export type ShapeGeometryType = 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';

/** A line or area drawn for a place (decision 043): checked GeoJSON geometry text, with an optional EDTF validity. */
export interface PlaceShapeTable {
  entity_id: number;
  position: number;
  label: ColumnType<string, string | undefined, string>;
  geometry_type: ShapeGeometryType;
  geometry: string;
  valid_text: string | null;
  valid_lower: number | null;
  valid_upper: number | null;
}

export type EntityNameKind = 'variant' | 'transliteration';

/** Another name an entity goes by, in any script. */
export interface EntityNameTable {
  entity_id: number;
  position: number;
  name: string;
  /** BCP 47 tag, '' when unknown. */
  lang: ColumnType<string, string | undefined, string>;
  name_kind: ColumnType<EntityNameKind, EntityNameKind | undefined, EntityNameKind>;
}

/** Which posts mention which entities (kept by the post writer from the body's directives). */
export interface EntityMentionTable {
  entity_id: number;
  post_id: number;
  /**
   * When the post became visible to readers: its publishing time while published or scheduled, else null. Kept
   * with the mentions by the post writer (every change of status or time goes through it; migration 016).
   */
  visible_from: string | null;
}

/** A slug an entity had before a rename: its old address answers 301. */
export interface EntityOldSlugTable {
  kind: EntityKind;
  slug: string;
  entity_id: number;
  changed_at: string;
}

/** An item of the sources library an entity cites (decision 048), in order, with an optional note. */
export interface EntitySourceTable {
  entity_id: number;
  source_id: number;
  position: number;
  note: ColumnType<string, string | undefined, string>;
}

export type IdentifierScheme = 'viaf' | 'geonames' | 'isni' | 'loc';

/** An identifier of an entity in another authority file (decision 048): shown as a link, never fetched. */
export interface EntityIdentifierTable {
  entity_id: number;
  position: number;
  scheme: IdentifierScheme;
  value: string;
}

export interface DatabaseSchema {
  settings: SettingTable;
  authors: AuthorTable;
  categories: CategoryTable;
  tags: TagTable;
  posts: PostTable;
  post_bodies: PostBodyTable;
  post_tags: PostTagTable;
  post_authors: PostAuthorTable;
  slug_history: SlugHistoryTable;
  widgets: WidgetTable;
  users: UserTable;
  sessions: SessionTable;
  comments: CommentTable;
  commenters: CommenterTable;
  bans: BanTable;
  reports: ReportTable;
  used_form_tokens: UsedFormTokenTable;
  spam_tokens: SpamTokenTable;
  outbox: OutboxTable;
  post_categories: PostCategoryTable;
  post_meta: PostMetaTable;
  post_revisions: PostRevisionTable;
  jobs: JobTable;
  media: MediaTable;
  media_files: MediaFileTable;
  media_pending: MediaPendingTable;
  menu_items: MenuItemTable;
  taxonomy_history: TaxonomyHistoryTable;
  sources: SourceTable;
  post_citations: PostCitationTable;
  post_corrections: PostCorrectionTable;
  correction_suggestions: CorrectionSuggestionTable;
  import_map: ImportMapTable;
  import_redirects: ImportRedirectTable;
  backup_runs: BackupRunTable;
  import_uploads: ImportUploadTable;
  import_upload_chunks: ImportUploadChunkTable;
  entities: EntityTable;
  entity_names: EntityNameTable;
  entity_mentions: EntityMentionTable;
  entity_old_slugs: EntityOldSlugTable;
  place_shapes: PlaceShapeTable;
  entity_sources: EntitySourceTable;
  entity_identifiers: EntityIdentifierTable;
}

export type Db = Kysely<DatabaseSchema>;
/** A post with its body, as the post repository reads and writes it (two tables, one record). */
export type PostRow = Selectable<PostTable> & PostBody;
export type NewPostRow = Insertable<PostTable> & PostBody;
export type PostRowUpdate = Updateable<PostTable> & Partial<PostBody>;
export type CategoryRow = Selectable<CategoryTable>;
export type TagRow = Selectable<TagTable>;
export type AuthorRow = Selectable<AuthorTable>;
export type WidgetRow = Selectable<WidgetTable>;
export type CommentRow = Selectable<CommentTable>;
export type UserRow = Selectable<UserTable>;
export type BanRow = Selectable<BanTable>;
