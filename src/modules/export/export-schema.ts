import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { NAME_MAX_LENGTH } from '../accounts/accounts.service.ts';
import { COMMENT_QUOTE_MAX } from '../comments/new-comment.ts';
import { FORM_READ_SLACK, POST_FIELD_LIMITS } from '../content/editor-form.ts';
import { POST_META_LIMITS } from '../content/post-meta.repository.ts';
import { TAXONOMY_LIMITS } from '../content/taxonomy-admin.service.ts';
import { CORRECTION_NOTE_LIMITS } from '../corrections/corrections-log.service.ts';
import { SUGGESTION_LIMITS } from '../corrections/submit-suggestion.workflow.ts';
import { SUGGESTION_NOTE_MAX } from '../corrections/suggestion-review.service.ts';
import { EDTF_MAX_LENGTH } from '../history/edtf.ts';
import { ENTITY_KINDS, ENTITY_LIMITS } from '../history/entity-form.ts';
import { IDENTIFIER_SCHEME_NAMES, MAX_IDENTIFIERS } from '../history/entity-identifiers.ts';
import { ENTITY_SOURCES_LIMITS } from '../history/entity-sources.ts';
import { GEO_LIMITS, SHAPE_TYPES } from '../history/geo-types.ts';
import { MEDIA_LIMITS } from '../media/media.types.ts';
import { WIDTH_LADDER } from '../media/media-names.ts';
import { BAN_LIMITS } from '../moderation/ban-list.service.ts';
import { DISCUSSION_NUMBER_LIMITS } from '../moderation/discussion-settings.service.ts';
import { SETTINGS_LIMITS } from '../settings/settings.service.ts';
import { SLUG_PATTERN } from '../shared/slug.ts';
import { MENU_LIMITS } from '../site/menus.service.ts';
import { WIDGET_LIMITS } from '../site/widgets.service.ts';
import { IMPORT_LIMITS } from '../sources/bibliography-scan.ts';
import { KEY_MAX } from '../sources/source-form.ts';

/**
 * The Annalist JSON export, version 1 (docs/export.md): one JSON object whose keys come in the order of
 * EXPORT_KEYS, each collection an array of items described below. These schemas are the one description of the
 * format: `annalist import annalist` checks every item against them, and docs/export-schema.json is generated
 * from them (scripts/write-export-schema.mjs; a test keeps the two equal). Each text's maxLength is the limit
 * of the form that writes it (the editor, the comment form, the settings pages…), imported from there; where
 * Annalist's own WordPress and Ghost imports keep longer values (titles, names), the limit is theirs.
 */

export const EXPORT_FORMAT = 'annalist-export';
/** Bumped when a reader of the old version could misread the new one; a newer version is refused on import. */
export const EXPORT_VERSION = 1;

/** The largest integer both databases store in an id or position column (PostgreSQL's `integer`). */
export const INT32_MAX = 2_147_483_647;
/** Titles and names the WordPress and Ghost imports keep (longer than the editor's and taxonomy forms'). */
const IMPORTED_TITLE_MAX = 300;
/**
 * Excerpts, category descriptions and comments that came in from WordPress or Ghost are kept whole, longer than
 * our forms take: a site moved in must still move on through this file, so these limits are the importers', not
 * the forms' (the per-item budget in json-shape.ts still bounds memory).
 */
const IMPORTED_TEXT_MAX = 100_000;
const IMPORTED_COMMENT_MAX = 1_000_000;
const IMPORTED_NAME_MAX = 250;
/** A media file's bytes in base64: the upload limit, four characters for every three bytes. */
export const MEDIA_DATA_MAX = Math.ceil(MEDIA_LIMITS.maxBytes / 3) * 4;

const strict = { additionalProperties: false } as const;
const said = (description: string) => (description ? { description } : {});
const Id = Type.Integer({
  minimum: 1,
  maximum: INT32_MAX,
  description: 'The row id on the exported site, kept by the import.',
});
const IdOf = (description?: string) => Type.Integer({ minimum: 1, maximum: INT32_MAX, ...said(description ?? '') });
const RefId = (what: string) => Type.Union([IdOf(), Type.Null()], { description: what });
const Whole = (maximum = INT32_MAX, description = '') => Type.Integer({ minimum: 0, maximum, ...said(description) });
const Position = Whole(INT32_MAX, 'Display order (0 first).');
/** How every time is written: UTC, milliseconds, as JavaScript's toISOString() writes it. */
export const TIME_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$';
const Time = (description: string) =>
  Type.String({
    minLength: 24,
    maxLength: 24,
    pattern: TIME_PATTERN,
    ...said(description || 'A time in UTC as ISO 8601 with milliseconds, e.g. 2025-10-02T14:30:00.000Z.'),
  });
const OptionalTime = (description: string) => Type.Union([Time(''), Type.Null()], said(description));
const Text = (description: string, maxLength: number) => Type.String({ maxLength, ...said(description) });
const Slug = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: SLUG_PATTERN,
  description: 'A URL slug: lower-case letters and digits joined by single hyphens.',
});
const NullableText = (description: string, maxLength: number) =>
  Type.Union([Type.String({ maxLength }), Type.Null()], said(description));
const FreeObject = (description: string) => Type.Object({}, { additionalProperties: true, ...said(description) });
const Email = Type.String({ maxLength: 320 });

export const SiteSchema = Type.Object(
  {
    title: Text('Site title.', SETTINGS_LIMITS.title),
    tagline: Text('Tagline under the title.', SETTINGS_LIMITS.tagline),
    description: Text('Description for feeds and search engines.', SETTINGS_LIMITS.description),
    language: Text('BCP 47 language tag of the writing, e.g. en-GB.', 100),
    time_zone: Text('IANA time zone dates are shown in, e.g. Europe/London.', 64),
    base_url: Text('The public origin the site was exported from (informational; the new site uses its own).', 2000),
    posts_per_page: Type.Integer({
      minimum: SETTINGS_LIMITS.postsPerPage.min,
      maximum: SETTINGS_LIMITS.postsPerPage.max,
    }),
    revisions_kept: Type.Integer({
      minimum: SETTINGS_LIMITS.revisionsKept.min,
      maximum: SETTINGS_LIMITS.revisionsKept.max,
    }),
    citation_style: Text('How citations are formatted (chicago, apa, chicago-author-date).', 100),
    other_settings: Type.Record(Type.String({ maxLength: 200 }), Type.Unknown(), {
      description:
        'Every other stored setting by key, as its JSON value: "moderation" (the discussion settings) and ' +
        '"preflight_words" (the spelling word list). Never the site secret, the backup schedule or Annalist\'s own bookkeeping.',
    }),
  },
  { ...strict, description: 'Site settings, each checked on import as the settings pages check it.' },
);

export const AuthorSchema = Type.Object(
  {
    id: Id,
    slug: Slug,
    name: Text('Name on the byline.', IMPORTED_NAME_MAX),
    bio: Text('Biography (Markdown).', 5000),
    created_at: Time(''),
  },
  { ...strict, description: 'A byline.' },
);

export const AccountSchema = Type.Object(
  {
    id: Id,
    email: Type.String({ minLength: 3, maxLength: 254 }),
    name: Text('', NAME_MAX_LENGTH),
    role: Type.Union(['owner', 'admin', 'editor', 'author', 'contributor', 'moderator'].map((r) => Type.Literal(r))),
    created_at: Time(''),
    disabled_at: OptionalTime('When the account was disabled.'),
    author_id: RefId('The byline this account writes under.'),
  },
  { ...strict, description: 'A staff account, without password or second factor: people set a password again.' },
);

export const CategorySchema = Type.Object(
  {
    id: Id,
    parent_id: RefId('Parent category (null for a top-level one): the tree.'),
    slug: Slug,
    path: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: "Slug path from the root: the parent's path, a slash and the slug (a/b); the slug at the top.",
    }),
    name: Text('', IMPORTED_NAME_MAX),
    description: Text('', Math.max(TAXONOMY_LIMITS.description, IMPORTED_TEXT_MAX)),
    position: Position,
  },
  { ...strict, description: 'A category; parents may come after children.' },
);

export const TagSchema = Type.Object({ id: Id, slug: Slug, name: Text('', IMPORTED_NAME_MAX) }, strict);

export const SourceSchema = Type.Object(
  {
    id: Id,
    key: Type.String({ minLength: 1, maxLength: KEY_MAX, description: 'Citation key used in :cite[…].' }),
    kind: Type.Union(['book', 'article', 'chapter', 'archive', 'webpage', 'other'].map((k) => Type.Literal(k))),
    title: Text('', IMPORT_LIMITS.entryChars),
    csl: FreeObject('The CSL-JSON item.'),
    note: Text("An editor's private note.", 2000),
    created_at: Time(''),
    updated_at: Time(''),
  },
  { ...strict, description: 'An item of the sources library.' },
);

/** An entity's slug, as the entity form takes it (at most 80 characters). */
const EntitySlug = Type.String({
  minLength: 1,
  maxLength: 80,
  pattern: SLUG_PATTERN,
  description: 'A URL slug: lower-case letters and digits joined by single hyphens.',
});
const EntityKind = Type.Union(ENTITY_KINDS.map((k) => Type.Literal(k)));

const Degrees = (max: number, description: string) =>
  Type.Union([Type.Number({ minimum: -max, maximum: max }), Type.Null()], { description });

/** A place's lines and areas (decision 043), checked again on import as the place form checks them. */
const PlaceShapesSchema = Type.Array(
  Type.Object(
    {
      label: Text('What the shape is ("course of the river"); "" when the place\'s name says it.', GEO_LIMITS.label),
      validity: NullableText('When it held, in EDTF (null: always).', EDTF_MAX_LENGTH),
      geometry: Type.Object(
        {
          type: Type.Union(SHAPE_TYPES.map((t) => Type.Literal(t))),
          coordinates: Type.Array(Type.Unknown(), { description: 'GeoJSON coordinates, longitude first.' }),
        },
        {
          ...strict,
          description: 'A GeoJSON geometry (RFC 7946): LineString, MultiLineString, Polygon or MultiPolygon.',
        },
      ),
    },
    strict,
  ),
  { maxItems: GEO_LIMITS.shapes, description: "A place's lines and areas, in order." },
);

/** An entity's sources of the library and identifiers besides Wikidata (decision 048). */
const EntitySourcesSchema = Type.Array(
  Type.Object(
    {
      source_id: IdOf('The source (an item of the sources collection).'),
      note: Text('Where in the source (pages, a chapter); "" for none.', ENTITY_SOURCES_LIMITS.note),
    },
    strict,
  ),
  { maxItems: ENTITY_SOURCES_LIMITS.sources, description: 'The sources of the library it lists, in order.' },
);
const EntityIdentifiersSchema = Type.Array(
  Type.Object(
    {
      scheme: Type.Union(IDENTIFIER_SCHEME_NAMES.map((s) => Type.Literal(s))),
      value: Type.String({
        minLength: 1,
        maxLength: 40,
        description: "The id in that scheme's own form, checked against its pattern on import.",
      }),
    },
    strict,
  ),
  {
    maxItems: MAX_IDENTIFIERS,
    description: 'Its identifiers in other authority files (VIAF, GeoNames, ISNI, loc: Library of Congress), in order.',
  },
);

export const EntitySchema = Type.Object(
  {
    id: Id,
    kind: EntityKind,
    slug: EntitySlug,
    name: Type.String({ minLength: 1, maxLength: ENTITY_LIMITS.name, description: 'The name it is best known by.' }),
    description: Text('', ENTITY_LIMITS.description),
    date: NullableText(
      'Its date in EDTF (a life or an event as an interval, e.g. 1896/1974), checked as the entity form checks it; null when undated.',
      EDTF_MAX_LENGTH,
    ),
    wikidata_id: Type.Union([Type.String({ pattern: '^Q[1-9][0-9]{0,11}$' }), Type.Null()], {
      description: 'A Wikidata id (Q and digits).',
    }),
    names: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: ENTITY_LIMITS.nameLength }),
          lang: Type.String({
            maxLength: 100,
            pattern: '^(?:[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*)?$',
            description: 'A BCP 47 language tag, or "" when unknown.',
          }),
          kind: Type.Union([Type.Literal('variant'), Type.Literal('transliteration')]),
        },
        strict,
      ),
      { maxItems: ENTITY_LIMITS.names, description: 'The other names it goes by, in order.' },
    ),
    old_slugs: Type.Array(Type.Object({ kind: EntityKind, slug: EntitySlug, changed_at: Time('') }, strict), {
      maxItems: 10_000,
      description: 'Addresses it had before a rename (of its slug or kind): they answer 301.',
    }),
    // Optional: exports written before places had maps (migration 014) have neither.
    latitude: Type.Optional(Degrees(90, "A place's WGS84 latitude (null: no point; both or neither).")),
    longitude: Type.Optional(Degrees(180, "A place's WGS84 longitude.")),
    shapes: Type.Optional(PlaceShapesSchema),
    // Optional: exports written before entities had sources and identifiers (migration 017) have neither.
    sources: Type.Optional(EntitySourcesSchema),
    identifiers: Type.Optional(EntityIdentifiersSchema),
    created_at: Time(''),
    updated_at: Time(''),
  },
  {
    ...strict,
    description:
      "A person, place, event or organisation that posts mention (:person[…]{#slug}); the posts' mentions are found again from their Markdown on import.",
  },
);

export const MediaFileSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 300,
      description: 'Served as /media/<name>: <media id>-<W>x<H>-<width>w.<webp|jpg|png>.',
    }),
    format: Type.Union(['webp', 'jpeg', 'png'].map((f) => Type.Literal(f))),
    width: Whole(),
    height: Whole(),
    size: Whole(MEDIA_LIMITS.maxBytes, 'Bytes.'),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    data: Type.Optional(
      Type.String({
        contentEncoding: 'base64',
        maxLength: MEDIA_DATA_MAX,
        description: 'The bytes (only with --include-media), at most the upload limit.',
      }),
    ),
  },
  strict,
);

export const MediaSchema = Type.Object(
  {
    id: Id,
    user_id: RefId('The account that uploaded it.'),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Of the original upload.' }),
    original_name: Text('', 255),
    mime: Text('', 100),
    width: Whole(),
    height: Whole(),
    alt: Text('Alt text.', MEDIA_LIMITS.altLength),
    caption: Text('', MEDIA_LIMITS.captionLength),
    credit: Text('', MEDIA_LIMITS.creditLength),
    created_at: Time(''),
    files: Type.Array(MediaFileSchema, {
      maxItems: WIDTH_LADDER.length + 1,
      description: 'The re-encoded sizes (WebP at each width) and the JPEG or PNG fallback.',
    }),
  },
  { ...strict, description: 'An uploaded image.' },
);

export const RevisionSchema = Type.Object(
  {
    id: Id,
    number: IdOf(),
    kind: Type.Union(['save', 'autosave', 'publish', 'restore'].map((k) => Type.Literal(k))),
    title: Text('', IMPORTED_TITLE_MAX),
    // An autosave keeps the form as typed (the editor reads a little past each limit): its slug need not be one.
    slug: Text('The slug as saved (as typed, for an autosave).', POST_FIELD_LIMITS.slug + FORM_READ_SLACK),
    standfirst: Text('', POST_FIELD_LIMITS.standfirst + FORM_READ_SLACK),
    excerpt: Text('', Math.max(POST_FIELD_LIMITS.excerpt + FORM_READ_SLACK, IMPORTED_TEXT_MAX)),
    body_markdown: Text('', POST_FIELD_LIMITS.body),
    meta: FreeObject('Categories, tags, authors, cover, SEO and publishing time as the writer set them.'),
    status: Text('', 50),
    user_id: RefId('Who saved it.'),
    created_at: Time(''),
  },
  strict,
);

export const PostSchema = Type.Object(
  {
    id: Id,
    type: Type.Union([Type.Literal('post'), Type.Literal('page')]),
    slug: Slug,
    title: Text('', IMPORTED_TITLE_MAX),
    standfirst: Text('', POST_FIELD_LIMITS.standfirst),
    excerpt: Text('', Math.max(POST_FIELD_LIMITS.excerpt, IMPORTED_TEXT_MAX)),
    status: Type.Union([Type.Literal('draft'), Type.Literal('scheduled'), Type.Literal('published')]),
    created_at: Time(''),
    published_at: OptionalTime('Publishing time (the future for a scheduled post; required unless a draft).'),
    updated_at: OptionalTime('Shown as "updated".'),
    submitted_at: OptionalTime('Sent for review.'),
    unpublished_at: OptionalTime('Taken down after publication.'),
    comments_open: Type.Boolean(),
    // Optional: exports written before the page tree (migration 011) have none of the three.
    sticky: Type.Optional(Type.Boolean({ description: 'An article kept at the top of the home page.' })),
    parent_id: Type.Optional(RefId("A page's parent page (another page of the file; never itself nor below it).")),
    menu_order: Type.Optional(
      Type.Integer({
        minimum: -INT32_MAX,
        maximum: INT32_MAX,
        description: "A page's place among its sibling pages, smallest first.",
      }),
    ),
    version: IdOf('Saves so far (optimistic concurrency).'),
    owner_user_id: RefId('The account that created it.'),
    primary_category_id: RefId('The category of its breadcrumb.'),
    category_ids: Type.Array(IdOf(), { maxItems: 1000, description: 'Other categories.' }),
    tag_ids: Type.Array(IdOf(), { maxItems: 1000 }),
    author_ids: Type.Array(IdOf(), { maxItems: 100, description: 'Bylines, in order.' }),
    cover: Type.Union([
      Type.Object(
        {
          src: Text('A path on the site or an https:// address.', POST_FIELD_LIMITS.coverSrc),
          alt: NullableText('', POST_FIELD_LIMITS.coverAlt),
          caption: NullableText('', POST_FIELD_LIMITS.coverCaption),
          credit: NullableText('', POST_FIELD_LIMITS.coverCredit),
        },
        strict,
      ),
      Type.Null(),
    ]),
    plugin_meta: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Type.String({ minLength: 1, maxLength: POST_META_LIMITS.keyLength }),
            value: Type.String({ maxLength: POST_META_LIMITS.valueLength }),
          },
          strict,
        ),
        {
          maxItems: POST_META_LIMITS.perPost,
          description:
            "Another platform's post meta an import kept (WordPress plugins' fields), in order, as it came; never run.",
        },
      ),
    ),
    seo: Type.Object(
      {
        title: NullableText('SEO title.', POST_FIELD_LIMITS.seoTitle),
        description: NullableText('Meta description.', POST_FIELD_LIMITS.seoDescription),
      },
      strict,
    ),
    body_markdown: Text('The body in Annalist Markdown (docs/writing.md).', POST_FIELD_LIMITS.body),
    revisions: Type.Array(RevisionSchema, { maxItems: 100_000, description: 'Kept revisions, oldest first.' }),
  },
  { ...strict, description: 'An article or a static page.' },
);

const CommentStatus = Type.Union(['approved', 'held', 'spam', 'trash'].map((s) => Type.Literal(s)));
const COMMENT_NAME_MAX = DISCUSSION_NUMBER_LIMITS.maxNameLength.max;

export const CommentSchema = Type.Object(
  {
    id: Id,
    post_id: IdOf(),
    parent_id: RefId('The comment this one replies to (same post).'),
    thread_id: IdOf('The top-level comment of its thread (its own id there).'),
    depth: Whole(1000),
    author_name: Text('', COMMENT_NAME_MAX),
    author_email: Type.String({
      maxLength: 320,
      description: 'Kept so returning commenters are recognised on the new site; never shown to readers.',
    }),
    author_url: NullableText('An http(s) address.', 500),
    user_id: RefId('The staff account that wrote it.'),
    // The comment form takes up to twice the longest "maximum length" setting (longer ones are held).
    body_markdown: Text('', Math.max(DISCUSSION_NUMBER_LIMITS.maxLength.max * 2, IMPORTED_COMMENT_MAX)),
    quoted_comment_id: RefId('A comment quoted in this one.'),
    quoted_text: NullableText('The passage quoted.', COMMENT_QUOTE_MAX),
    status: CommentStatus,
    moderation_reasons: Type.Array(FreeObject('{phase, code, message}'), { maxItems: 100 }),
    created_at: Time(''),
    updated_at: OptionalTime(''),
    approved_at: OptionalTime(''),
  },
  { ...strict, description: 'A comment; ids are kept, so /comments/<id> permalinks keep working.' },
);

export const CommenterSchema = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    confirmed_at: OptionalTime('Email address confirmed.'),
    unsubscribed_at: OptionalTime('Asked for no more mail.'),
    created_at: Time(''),
  },
  { ...strict, description: 'A returning commenter and their mail choices.' },
);

export const CitationSchema = Type.Object(
  { post_id: IdOf(), source_key: Type.String({ minLength: 1, maxLength: KEY_MAX }) },
  { ...strict, description: 'A source key a post body cites.' },
);

export const CorrectionSchema = Type.Object(
  {
    id: Id,
    post_id: IdOf(),
    kind: Type.Union([Type.Literal('correction'), Type.Literal('update')]),
    summary: Text('', CORRECTION_NOTE_LIMITS.summary),
    reason: Text('', CORRECTION_NOTE_LIMITS.reason),
    source_text: Text('', CORRECTION_NOTE_LIMITS.source),
    credit_name: NullableText('Reader credited.', COMMENT_NAME_MAX),
    revision_number: Type.Union([IdOf(), Type.Null()]),
    suggestion_id: RefId('The suggestion it came from.'),
    user_id: RefId(''),
    created_at: Time(''),
  },
  { ...strict, description: 'An entry of an article\'s public "Corrections and updates" log.' },
);

export const SuggestionSchema = Type.Object(
  {
    id: Id,
    post_id: IdOf(),
    revision_number: Type.Union([IdOf(), Type.Null()]),
    selector: Type.Array(FreeObject('A W3C selector.'), { maxItems: 10 }),
    quote: Text('', SUGGESTION_LIMITS.quote),
    problem: Text('', SUGGESTION_LIMITS.problem),
    proposed: Text('', SUGGESTION_LIMITS.proposed),
    source_text: Text('', SUGGESTION_LIMITS.source),
    author_name: Text('', COMMENT_NAME_MAX),
    author_email: Email,
    user_id: RefId(''),
    credit_ok: Type.Boolean(),
    status: Type.Union(
      ['held', 'spam', 'open', 'needs_info', 'accepted', 'rejected', 'trash'].map((s) => Type.Literal(s)),
    ),
    moderation_reasons: Type.Array(FreeObject(''), { maxItems: 100 }),
    decision_note: Text('', SUGGESTION_NOTE_MAX),
    decided_by: RefId(''),
    decided_at: OptionalTime(''),
    comment_id: RefId(''),
    correction_id: RefId('The corrections-log entry it led to.'),
    created_at: Time(''),
  },
  { ...strict, description: "A reader's suggested correction." },
);

export const MenuItemSchema = Type.Object(
  {
    id: Id,
    menu: Type.Union([Type.Literal('primary'), Type.Literal('footer')]),
    label: Text('', MENU_LIMITS.label),
    url: Text('A path on the site (/about/) or an http(s) address.', MENU_LIMITS.url),
    position: Position,
  },
  { ...strict, description: 'A link of a navigation menu, checked on import as the menu form checks it.' },
);

export const WidgetSchema = Type.Object(
  {
    id: Id,
    area: Type.Union([Type.Literal('header'), Type.Literal('sidebar'), Type.Literal('footer')]),
    type: Text('', 100),
    title: Text('', WIDGET_LIMITS.title),
    config: FreeObject('Settings of the widget type: `count` for lists, `markdown` for a text widget.'),
    position: Position,
  },
  { ...strict, description: 'A widget, checked on import as the widget form checks it.' },
);

export const RedirectSchema = Type.Union(
  [
    Type.Object(
      {
        type: Type.Literal('post_slug'),
        from: Slug,
        post_id: IdOf(),
        at: Time(''),
      },
      { ...strict, description: 'An old slug of a post: /<from>/ answers 301.' },
    ),
    Type.Object(
      {
        type: Type.Literal('taxonomy'),
        kind: Type.Union([Type.Literal('category'), Type.Literal('tag')]),
        from: Type.String({ minLength: 1, maxLength: 2000, description: 'An old category path (a/b) or tag slug.' }),
        target_id: IdOf(),
        at: Time(''),
      },
      { ...strict, description: 'An old path of a renamed or merged category, or slug of a tag.' },
    ),
    Type.Object(
      {
        type: Type.Literal('imported'),
        kind: Type.Union(['post', 'category', 'tag', 'author'].map((k) => Type.Literal(k))),
        from: Type.String({ minLength: 1, maxLength: 600, description: 'A path as the WordPress import keeps it.' }),
        target_id: IdOf(),
        at: Time(''),
      },
      { ...strict, description: "An address of a site imported earlier (e.g. WordPress's /?p=12)." },
    ),
  ],
  { description: 'An old address answered with a 301.' },
);

export const BanSchema = Type.Object(
  {
    id: Id,
    kind: Type.Union(['email', 'ip', 'domain', 'word'].map((k) => Type.Literal(k))),
    value: Text('', BAN_LIMITS.value),
    reason: Text('', BAN_LIMITS.reason),
    created_at: Time(''),
    expires_at: OptionalTime(''),
  },
  { ...strict, description: 'A moderation ban.' },
);

export const ImportMapSchema = Type.Object(
  {
    source: Text('', 2000),
    kind: Text('', 100),
    old_id: Text('', 200),
    new_id: IdOf(),
  },
  { ...strict, description: 'Which row a thing imported earlier became, so a re-run of that import updates it.' },
);

/** Every collection, in the order it appears in the document and is imported (foreign keys point backwards). */
export const COLLECTIONS = {
  authors: AuthorSchema,
  accounts: AccountSchema,
  categories: CategorySchema,
  tags: TagSchema,
  sources: SourceSchema,
  entities: EntitySchema,
  media: MediaSchema,
  posts: PostSchema,
  comments: CommentSchema,
  commenters: CommenterSchema,
  citations: CitationSchema,
  corrections_log: CorrectionSchema,
  suggestions: SuggestionSchema,
  menus: MenuItemSchema,
  widgets: WidgetSchema,
  redirects: RedirectSchema,
  bans: BanSchema,
  import_map: ImportMapSchema,
} satisfies Record<string, TSchema>;

export type CollectionName = keyof typeof COLLECTIONS;
export type ItemOf<C extends CollectionName> = Static<(typeof COLLECTIONS)[C]>;
export const COLLECTION_NAMES = Object.keys(COLLECTIONS) as CollectionName[];

/**
 * Collections that came into version 1 after files were written without them (entities, issue 17): a file
 * without one is read as having none. A reader older than the collection refuses its key, in one line, rather
 * than misreading the file, so the version did not change.
 */
export const LATER_COLLECTIONS: ReadonlySet<string> = new Set<CollectionName>(['entities']);

export const HEADER = {
  format: Type.Literal(EXPORT_FORMAT),
  version: Type.Integer({ minimum: 1, description: 'Format version; this document describes version 1.' }),
  exported_at: Time('When the export was taken (ISO 8601, UTC).'),
  annalist_version: Text('The Annalist that wrote it.', 100),
  includes_media_bytes: Type.Boolean({ description: "Whether media files carry their bytes in 'data'." }),
  site: SiteSchema,
};
export type HeaderKey = keyof typeof HEADER;

/** Every top-level key, in document order. */
export const EXPORT_KEYS = [...(Object.keys(HEADER) as HeaderKey[]), ...COLLECTION_NAMES] as const;

/** The whole document's JSON Schema (draft 2020-12), as published in docs/export-schema.json. */
export function exportJsonSchema(): Record<string, unknown> {
  const properties: Record<string, TSchema> = { ...HEADER };
  for (const name of COLLECTION_NAMES) properties[name] = Type.Array(COLLECTIONS[name]);
  const document = Type.Object(properties, strict);
  return JSON.parse(
    JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://annalist.example/schemas/export-v1.json',
      title: 'Annalist JSON export, version 1',
      description:
        'A whole Annalist site as one JSON document (docs/export.md). Keys appear in the order listed here; ' +
        'collections are arrays ordered by id. Never holds sessions, password hashes, second-factor secrets, ' +
        'the site secret, form tokens or the mail outbox.',
      ...document,
    }),
  ) as Record<string, unknown>;
}
