import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AppError } from '../shared/errors.ts';

/**
 * Reads a Ghost export (Ghost Admin → Settings → Migration → Export, or `GET /ghost/api/admin/db/`): one JSON
 * document, `{"db": [{"meta": {"version"}, "data": {"posts", "tags", "users", "posts_tags", …}}]}`. Exports are
 * read whole (Ghost writes them in one piece), so the size is bounded first: GHOST_MAX_BYTES. Only what the
 * import uses is checked and kept; the rest of the document (settings with tokens and keys, members, sessions,
 * api keys, password hashes, the editor's Lexical and Mobiledoc copies of each body) is never looked at again.
 */

/**
 * Larger than the export of any Ghost site we know of (ten thousand posts export as well under 100 MB), and
 * well inside what one process can parse: the whole text and its parsed form are in memory at once.
 */
export const GHOST_MAX_BYTES = 256 * 1024 * 1024;

/** Ghost majors whose export shape this reader knows. */
const KNOWN_MAJORS = new Set([4, 5, 6]);

const Text = Type.Union([Type.String(), Type.Null()]);
const Id = Type.Union([Type.String(), Type.Number()]);
const Flag = Type.Union([Type.Boolean(), Type.Number(), Type.Null()]);

const GhostPostSchema = Type.Object({
  id: Id,
  title: Type.Optional(Text),
  slug: Type.String(),
  html: Type.Optional(Text),
  plaintext: Type.Optional(Text),
  feature_image: Type.Optional(Text),
  /** 'post' or 'page' (Ghost 4+); Ghost 3 and before had the `page` flag instead. */
  type: Type.Optional(Text),
  page: Type.Optional(Flag),
  /** Ghost's "Feature this post": kept at the top of the home page here (true, or 1 in older exports). */
  featured: Type.Optional(Flag),
  status: Type.Optional(Text),
  visibility: Type.Optional(Text),
  published_at: Type.Optional(Text),
  custom_excerpt: Type.Optional(Text),
  /** SEO and image fields that Ghost moved to `posts_meta`; older exports have them here. */
  meta_title: Type.Optional(Text),
  meta_description: Type.Optional(Text),
  feature_image_alt: Type.Optional(Text),
  feature_image_caption: Type.Optional(Text),
  codeinjection_head: Type.Optional(Text),
  codeinjection_foot: Type.Optional(Text),
  /** The one author of exports from before multiple authors. */
  author_id: Type.Optional(Id),
});

const GhostTagSchema = Type.Object({
  id: Id,
  name: Type.String(),
  slug: Type.String(),
  description: Type.Optional(Text),
  visibility: Type.Optional(Text),
});

const GhostUserSchema = Type.Object({
  id: Id,
  name: Type.Optional(Text),
  slug: Type.String(),
});

const Order = Type.Optional(Type.Union([Type.Number(), Type.Null()]));
const PostTagSchema = Type.Object({ post_id: Id, tag_id: Id, sort_order: Order });
const PostAuthorSchema = Type.Object({ post_id: Id, author_id: Id, sort_order: Order });

const GhostMetaSchema = Type.Object({
  post_id: Id,
  meta_title: Type.Optional(Text),
  meta_description: Type.Optional(Text),
  feature_image_alt: Type.Optional(Text),
  feature_image_caption: Type.Optional(Text),
  email_only: Type.Optional(Flag),
});

const GhostSettingSchema = Type.Object({ key: Type.String(), value: Type.Optional(Type.Unknown()) });

const GhostDataSchema = Type.Object({
  posts: Type.Array(GhostPostSchema),
  tags: Type.Optional(Type.Array(GhostTagSchema)),
  users: Type.Optional(Type.Array(GhostUserSchema)),
  posts_tags: Type.Optional(Type.Array(PostTagSchema)),
  posts_authors: Type.Optional(Type.Array(PostAuthorSchema)),
  posts_meta: Type.Optional(Type.Array(GhostMetaSchema)),
  settings: Type.Optional(Type.Array(GhostSettingSchema)),
});

export type GhostPost = Static<typeof GhostPostSchema>;
export type GhostTag = Static<typeof GhostTagSchema>;
export type GhostUser = Static<typeof GhostUserSchema>;
export type GhostMeta = Static<typeof GhostMetaSchema>;

export interface GhostExport {
  /** `meta.version` as written ("5.130.4"). */
  version: string;
  posts: GhostPost[];
  tags: GhostTag[];
  users: GhostUser[];
  postsTags: Static<typeof PostTagSchema>[];
  postsAuthors: Static<typeof PostAuthorSchema>[];
  postsMeta: GhostMeta[];
  /** Only the site's title and description are read from the settings. */
  title: string;
  description: string;
}

const dataCheck = TypeCompiler.Compile(GhostDataSchema);

/** Keys whose values are never needed (bulky editor copies) or never to be held (secrets): dropped as read. */
const DROPPED_KEYS = new Set(['lexical', 'mobiledoc', 'password', 'secret', 'token']);

/**
 * Reads a whole Ghost export from `chunks` (at most `maxBytes`). Throws IMPORT_GHOST_TOO_LARGE, _EMPTY,
 * _MALFORMED (with the line and column), _NOT_EXPORT (with the JSON path) or _VERSION.
 */
export async function readGhostExport(
  chunks: AsyncIterable<Buffer | string>,
  maxBytes: number = GHOST_MAX_BYTES,
): Promise<GhostExport> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    parts.push(b);
  }
  const text = Buffer.concat(parts)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new AppError('IMPORT_GHOST_EMPTY', 'The file is empty: there is nothing to import.');
  let doc: unknown;
  try {
    doc = JSON.parse(text, (key, value) => (DROPPED_KEYS.has(key) ? undefined : value));
  } catch (err) {
    throw malformedJson(text, (err as Error).message);
  }
  return shapeOf(doc);
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(
    'IMPORT_GHOST_TOO_LARGE',
    `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB: a Ghost export is read whole, and a content export is far smaller.`,
  );
}

/** The parser's complaint with its place as a line and column (V8 gives a character position). */
function malformedJson(text: string, message: string): AppError {
  const pos = /at position (\d+)/.exec(message);
  let where = 'at the end of the file';
  if (pos) {
    const before = text.slice(0, Number(pos[1]));
    const line = before.split('\n').length;
    where = `at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
  }
  const what = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/,? ".*" is not valid JSON$/, '');
  return new AppError('IMPORT_GHOST_MALFORMED', `The file is not well-formed JSON ${where}: ${what.toLowerCase()}.`);
}

const notExport = (why: string) =>
  new AppError('IMPORT_GHOST_NOT_EXPORT', `This is not a Ghost export: ${why}.`, { detail: why });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function shapeOf(doc: unknown): GhostExport {
  // Ghost's download wraps the export in `db: [ … ]`; the Admin API's older answers and some tools give it bare.
  const root = isObject(doc) && Array.isArray(doc.db) ? doc.db[0] : doc;
  const at = isObject(doc) && Array.isArray(doc.db) ? '$.db[0]' : '$';
  if (!isObject(root) || !isObject(root.meta) || !isObject(root.data))
    throw notExport(`it has no ${at}.meta and ${at}.data`);
  const version = root.meta.version;
  if (typeof version !== 'string' || !/^\d+\.\d+/.test(version))
    throw notExport(`${at}.meta.version is not a Ghost version`);
  const major = Number(version.split('.')[0]);
  if (!KNOWN_MAJORS.has(major))
    throw new AppError(
      'IMPORT_GHOST_VERSION',
      `The export was written by Ghost ${version.slice(0, 20)}; Annalist reads exports of Ghost 4, 5 and 6.`,
    );
  checked(root.data, `${at}.data`);
  const data = root.data as Static<typeof GhostDataSchema>;
  if (data.posts.length === 0)
    throw new AppError('IMPORT_GHOST_EMPTY', 'The export holds no posts and no pages: there is nothing to import.');
  const setting = (key: string) => {
    const v = data.settings?.find((s) => s.key === key)?.value;
    return typeof v === 'string' ? v : '';
  };
  return {
    version,
    posts: data.posts,
    tags: data.tags ?? [],
    users: data.users ?? [],
    postsTags: data.posts_tags ?? [],
    postsAuthors: data.posts_authors ?? [],
    postsMeta: data.posts_meta ?? [],
    title: setting('title'),
    description: setting('description'),
  };
}

/** Throws IMPORT_GHOST_NOT_EXPORT naming the JSON path of the first value that is not what Ghost writes. */
function checked(value: unknown, at: string): void {
  if (dataCheck.Check(value)) return;
  const first = dataCheck.Errors(value).First();
  const path = first
    ? first.path
        .split('/')
        .filter(Boolean)
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    : [];
  const what = first ? first.message.replace(/\.$/, '').toLowerCase() : 'not what Ghost writes';
  throw notExport(`${at}${path.join('')}: ${what}`);
}
