import { createHash } from 'node:crypto';
import type { BanKind } from '../../storage/schema.ts';
import { personFieldProblems } from '../accounts/accounts.service.ts';
import { isCommenterUrl } from '../comments/new-comment.ts';
import { isReservedSlug } from '../content/editor-form.ts';
import type { CollectionName, ItemOf } from '../export/export-schema.ts';
import { parseHistoricalDate } from '../history/edtf.ts';
import { IDENTIFIER_SCHEMES } from '../history/entity-identifiers.ts';
import { readShapes } from '../history/shape-checks.ts';
import { markdownShapeProblem } from '../markdown/markdown-limits.ts';
import { isSafeUrl } from '../markdown/render-markdown.ts';
import { parseStoredFileName } from '../media/media-names.ts';
import { banValueProblem } from '../moderation/ban-list.service.ts';
import { isSlug } from '../shared/slug.ts';
import { isValidKey } from '../sources/source-form.ts';
import { invalid, type Known, type Path, pathDigest, type Row, type Rows } from './annalist-import-known.ts';
import { menuItemRows, widgetRows } from './annalist-import-settings.ts';
import { normaliseOldAddress } from './old-addresses.ts';

/**
 * The checks an export's items must pass beyond their schema (every id a reference names exists, keys and slugs
 * are unique, categories form a tree whose paths follow it, the rules the forms apply to slugs, addresses and
 * Markdown) and the table rows each item becomes.
 */

/** An address someone could be written to: blank (some imported comments have none) or one without spaces. */
const isMailable = (email: string) => email === '' || /^[^\s@]+@[^\s@]+$/.test(email);

const json = (v: unknown) => JSON.stringify(v);
const bool = (b: boolean) => (b ? 1 : 0);

function author(k: Known, a: ItemOf<'authors'>, path: Path): Rows {
  k.addId('authors', a.id, path);
  k.claim('author slug', a.slug, `author ${a.id}`, [...path, 'slug']);
  return { authors: [{ ...a }] };
}

function account(k: Known, a: ItemOf<'accounts'>, path: Path): Rows {
  k.addId('accounts', a.id, path);
  const [field, problem] = Object.entries(personFieldProblems(a.email, a.name))[0] ?? [];
  if (field && problem) throw invalid([...path, field], problem.replace(/\.$/, ''));
  k.claim('email', a.email.toLowerCase(), `account ${a.id}`, [...path, 'email']);
  k.ref('authors', a.author_id, [...path, 'author_id'], 'author');
  if (a.role === 'owner' && a.disabled_at === null) k.owners.push(a.id);
  return {
    users: [
      {
        ...a,
        password_hash: null,
        totp_secret: null,
        totp_enabled_at: null,
        totp_last_step: null,
      },
    ],
  };
}

function category(k: Known, c: ItemOf<'categories'>, path: Path): Rows {
  k.addId('categories', c.id, path);
  k.claim('category path', c.path, `category ${c.id}`, [...path, 'path']);
  k.categoryParent.set(c.id, c.parent_id);
  k.categoryPath.set(c.id, pathDigest(c.path));
  const parent = c.parent_id;
  if (parent === null) {
    if (c.path !== c.slug) throw invalid([...path, 'path'], `a top-level category's path is its slug, "${c.slug}"`);
    return { categories: [{ ...c }] };
  }
  if (!c.path.endsWith(`/${c.slug}`))
    throw invalid([...path, 'path'], `a category's path is its parent's path, a slash and its slug "${c.slug}"`);
  // Compared by digest: the parent may come later, and no path is kept whole.
  const prefix = pathDigest(c.path.slice(0, c.path.length - c.slug.length - 1));
  const exists = () => (k.categoryPath.has(parent) ? undefined : `there is no category ${parent}`);
  const under = () =>
    k.categoryPath.get(parent) === prefix ? undefined : `the path does not start with the path of category ${parent}`;
  if (k.categoryPath.has(parent)) {
    const fault = under();
    if (fault) throw invalid([...path, 'path'], fault);
  } else {
    k.later([...path, 'parent_id'], 'categories', exists);
    k.later([...path, 'path'], 'categories', under);
  }
  return { categories: [{ ...c }] };
}

function tag(k: Known, t: ItemOf<'tags'>, path: Path): Rows {
  k.addId('tags', t.id, path);
  k.claim('tag slug', t.slug, `tag ${t.id}`, [...path, 'slug']);
  return { tags: [{ ...t }] };
}

function source(k: Known, s: ItemOf<'sources'>, path: Path): Rows {
  k.addId('sources', s.id, path);
  if (!isValidKey(s.key))
    throw invalid([...path, 'key'], 'a citation key is lower-case letters, digits and - _ : . only');
  k.claim('citation key', s.key, `source ${s.id}`, [...path, 'key']);
  const { csl, ...rest } = s;
  return { sources: [{ ...rest, csl_json: json(csl) }] };
}

/**
 * An entity with its other names and old addresses. A kind and slug is one entity's address, now or before a
 * rename (the entity form keeps them apart the same way); the date is parsed as the form parses it.
 */
/**
 * A place's shapes as rows, checked as the place form checks them (decision 043); a point needs both halves and
 * belongs to a place.
 */
function placeRows(e: ItemOf<'entities'>, path: Path) {
  const shapes = e.shapes ?? [];
  if (((e.latitude ?? null) === null) !== ((e.longitude ?? null) === null))
    throw invalid([...path, 'latitude'], 'a point has both a latitude and a longitude, or neither');
  if (e.kind !== 'place' && (shapes.length > 0 || (e.latitude ?? null) !== null))
    throw invalid([...path, 'kind'], 'only a place has a point or shapes');
  if (shapes.length === 0) return [];
  const features = shapes.map((s) => ({
    type: 'Feature',
    properties: { name: s.label, ...(s.validity ? { validity: s.validity } : {}) },
    geometry: s.geometry,
  }));
  const checked = readShapes(JSON.stringify({ type: 'FeatureCollection', features }));
  if (!checked.ok) throw invalid([...path, 'shapes'], checked.message.replace(/\.$/, ''));
  return checked.value.map((s, position) => ({
    entity_id: e.id,
    position,
    label: s.label,
    geometry_type: s.geometry.type,
    geometry: JSON.stringify(s.geometry),
    valid_text: s.validity?.text ?? null,
    valid_lower: s.validity?.lower ?? null,
    valid_upper: s.validity?.upper ?? null,
  }));
}

function entity(k: Known, e: ItemOf<'entities'>, path: Path): Rows {
  k.addId('entities', e.id, path);
  const holder = `entity ${e.id}`;
  k.claim('entity address', `${e.kind} ${e.slug}`, holder, [...path, 'slug']);
  e.old_slugs.forEach((o, i) => {
    k.claim('entity address', `${o.kind} ${o.slug}`, holder, [...path, 'old_slugs', i, 'slug']);
  });
  const parsed = e.date === null ? undefined : parseHistoricalDate(e.date);
  if (parsed && !parsed.ok) throw invalid([...path, 'date'], parsed.message.replace(/\.$/, ''));
  const date = parsed?.ok ? parsed.date : undefined;
  const { names, old_slugs: oldSlugs, date: _date, latitude, longitude, shapes, sources, identifiers, ...rest } = e;
  const place = placeRows(e, path);
  const links = entityLinkRows(k, e, path);
  return {
    entities: [
      {
        ...rest,
        date_text: date?.text ?? null,
        date_lower: date?.lower ?? null,
        date_upper: date?.upper ?? null,
        latitude: latitude ?? null,
        longitude: longitude ?? null,
      },
    ],
    place_shapes: place,
    entity_names: names.map((n, position) => ({
      entity_id: e.id,
      position,
      name: n.name,
      lang: n.lang,
      name_kind: n.kind,
    })),
    entity_old_slugs: oldSlugs.map((o) => ({ kind: o.kind, slug: o.slug, entity_id: e.id, changed_at: o.changed_at })),
    ...links,
  };
}

/** An entity's sources: each an item of the sources collection, listed once, its note one line as the form keeps it. */
function checkEntitySources(k: Known, e: ItemOf<'entities'>, path: Path): void {
  const seen = new Set<number>();
  (e.sources ?? []).forEach((s, i) => {
    const at = [...path, 'sources', i];
    k.ref('sources', s.source_id, [...at, 'source_id'], 'source');
    if (seen.has(s.source_id)) throw invalid([...at, 'source_id'], 'a source is listed once');
    seen.add(s.source_id);
    // The form reads a note from the rest of its line, trimmed: a line break would make the rest another key, and
    // a Unicode line or paragraph separator makes the line one it cannot read at all.
    if (/[\r\n\u2028\u2029]/.test(s.note) || s.note !== s.note.trim())
      throw invalid([...at, 'note'], 'a note is one line, without spaces at either end');
  });
}

/** An entity's identifiers: each as the form stores it (its scheme's pattern, canonical form), listed once. */
function checkEntityIdentifiers(e: ItemOf<'entities'>, path: Path): void {
  const seen = new Set<string>();
  (e.identifiers ?? []).forEach((id, i) => {
    const rule = IDENTIFIER_SCHEMES[id.scheme];
    if (!rule.pattern.test(id.value) || rule.canonical(id.value) !== id.value)
      throw invalid([...path, 'identifiers', i, 'value'], `not a ${rule.label} id (e.g. ${rule.example})`);
    if (seen.has(`${id.scheme}:${id.value}`))
      throw invalid([...path, 'identifiers', i, 'value'], `the ${rule.label} id ${id.value} is listed once`);
    seen.add(`${id.scheme}:${id.value}`);
  });
}

/**
 * An entity's sources and identifiers (decision 048) as rows, checked as the entity form checks them: a file the
 * form could not have saved is refused rather than stored.
 */
function entityLinkRows(k: Known, e: ItemOf<'entities'>, path: Path) {
  checkEntitySources(k, e, path);
  checkEntityIdentifiers(e, path);
  return {
    entity_sources: (e.sources ?? []).map((s, position) => ({
      entity_id: e.id,
      source_id: s.source_id,
      position,
      note: s.note,
    })),
    entity_identifiers: (e.identifiers ?? []).map((id, position) => ({
      entity_id: e.id,
      position,
      scheme: id.scheme,
      value: id.value,
    })),
  };
}

function media(k: Known, m: ItemOf<'media'>, path: Path): Rows {
  k.addId('media', m.id, path);
  k.ref('accounts', m.user_id, [...path, 'user_id'], 'account');
  const files: Row[] = [];
  m.files.forEach((f, i) => {
    const at = [...path, 'files', i];
    const stored = parseStoredFileName(f.name);
    if (stored?.mediaId !== m.id || stored.format !== f.format)
      throw invalid(
        [...at, 'name'],
        `not the name of a ${f.format} file of media ${m.id} (such as ${m.id}-960x640-480w.webp)`,
      );
    k.claim('media file name', f.name, `media ${m.id}`, [...at, 'name']);
    if (f.data === undefined) {
      k.mediaWithoutBytes++;
      return;
    }
    const bytes = Buffer.from(f.data, 'base64');
    if (bytes.length !== f.size || createHash('sha256').update(bytes).digest('hex') !== f.sha256)
      throw invalid([...at, 'data'], 'the bytes do not match the size and sha256 given beside them');
    files.push({ media_id: m.id, name: f.name, format: f.format, width: f.width, height: f.height, bytes });
  });
  const { files: _files, ...row } = m;
  return { media: [row], media_files: files };
}

/** A post's rows, except post_bodies (the caller renders the body). */
function post(k: Known, p: ItemOf<'posts'>, path: Path): Rows {
  k.addId('posts', p.id, path);
  if (isReservedSlug(p.slug))
    throw invalid([...path, 'slug'], `"${p.slug}" is an address the site itself uses, so no post can have it`);
  k.claim('slug', p.slug, `post ${p.id}`, [...path, 'slug']);
  k.ref('accounts', p.owner_user_id, [...path, 'owner_user_id'], 'account');
  k.ref('categories', p.primary_category_id, [...path, 'primary_category_id'], 'category');
  p.category_ids.forEach((id, i) => {
    k.ref('categories', id, [...path, 'category_ids', i], 'category');
  });
  p.tag_ids.forEach((id, i) => {
    k.ref('tags', id, [...path, 'tag_ids', i], 'tag');
  });
  p.author_ids.forEach((id, i) => {
    k.ref('authors', id, [...path, 'author_ids', i], 'author');
  });
  pageTreeOf(k, p, path);
  if (p.status !== 'draft' && p.published_at === null)
    throw invalid([...path, 'published_at'], `a ${p.status} post needs the time it is published`);
  if (p.cover && (!isSafeUrl(p.cover.src) || /\s/.test(p.cover.src)))
    throw invalid([...path, 'cover', 'src'], 'a cover image is an address on this site or an https:// address');
  // Checked as the editor checks a body before it is parsed (a text built to make the parser slow is refused).
  const shape = markdownShapeProblem(p.body_markdown);
  if (shape) throw invalid([...path, 'body_markdown'], shape.replace(/\.$/, ''));
  const numbers = new Set<number>();
  const revisions = p.revisions.map((v, i) => {
    const at = [...path, 'revisions', i];
    if (k.revisionIds.has(v.id)) throw invalid([...at, 'id'], `a second revision with id ${v.id}`);
    k.revisionIds.add(v.id);
    if (numbers.has(v.number)) throw invalid([...at, 'number'], `a second revision numbered ${v.number}`);
    numbers.add(v.number);
    k.ref('accounts', v.user_id, [...at, 'user_id'], 'account');
    // Published revisions are shown to readers, so their bodies are parsed: the editor's check, as for the post.
    const revisionShape = v.status === 'published' ? markdownShapeProblem(v.body_markdown) : undefined;
    if (revisionShape) throw invalid([...at, 'body_markdown'], revisionShape.replace(/\.$/, ''));
    const { body_markdown, meta, ...rest } = v;
    return { ...rest, post_id: p.id, body_md: body_markdown, meta_json: json(meta) };
  });
  const distinct = (ids: number[], at: string) => {
    if (new Set(ids).size !== ids.length) throw invalid([...path, at], 'an id is listed twice');
    return ids;
  };
  return {
    posts: [
      {
        id: p.id,
        type: p.type,
        slug: p.slug,
        title: p.title,
        standfirst: p.standfirst,
        excerpt: p.excerpt,
        status: p.status,
        published_at: p.published_at,
        updated_at: p.updated_at,
        created_at: p.created_at,
        submitted_at: p.submitted_at,
        unpublished_at: p.unpublished_at,
        primary_category_id: p.primary_category_id,
        cover_src: p.cover?.src ?? null,
        cover_alt: p.cover?.alt ?? null,
        cover_caption: p.cover?.caption ?? null,
        cover_credit: p.cover?.credit ?? null,
        seo_title: p.seo.title,
        seo_description: p.seo.description,
        comments_open: bool(p.comments_open),
        sticky: bool(p.type === 'post' && (p.sticky ?? false)),
        parent_id: p.parent_id ?? null,
        menu_order: p.menu_order ?? 0,
        version: p.version,
        owner_user_id: p.owner_user_id,
      },
    ],
    post_categories: distinct(p.category_ids, 'category_ids').map((id) => ({ post_id: p.id, category_id: id })),
    post_tags: distinct(p.tag_ids, 'tag_ids').map((id) => ({ post_id: p.id, tag_id: id })),
    post_authors: distinct(p.author_ids, 'author_ids').map((id, i) => ({ post_id: p.id, author_id: id, position: i })),
    post_revisions: revisions,
    post_meta: (p.plugin_meta ?? []).map((m, i) => ({
      post_id: p.id,
      position: i,
      meta_key: m.key,
      meta_value: m.value,
    })),
  };
}

/**
 * A page's parent is a page of the file (it may come later: checked once every post is read); an article has
 * none. Loops are refused once the posts are complete (checkPageTree), as a category tree's are.
 */
function pageTreeOf(k: Known, p: ItemOf<'posts'>, path: Path): void {
  const parent = p.parent_id ?? null;
  if (p.type === 'page') k.pageParent.set(p.id, parent);
  if (parent === null) return;
  const at = [...path, 'parent_id'];
  if (p.type !== 'page') throw invalid(at, 'an article has no parent page (only pages form a tree)');
  if (parent === p.id) throw invalid(at, 'a page cannot be its own parent');
  k.later(at, 'posts', () =>
    k.pageParent.has(parent)
      ? undefined
      : k.ids.posts.has(parent)
        ? `post ${parent} is an article, not a page`
        : `there is no page ${parent}`,
  );
}

function comment(k: Known, c: ItemOf<'comments'>, path: Path): Rows {
  k.addId('comments', c.id, path);
  k.ref('posts', c.post_id, [...path, 'post_id'], 'post');
  k.ref('accounts', c.user_id, [...path, 'user_id'], 'account');
  if (c.author_url !== null && !isCommenterUrl(c.author_url))
    throw invalid([...path, 'author_url'], "a commenter's website is an http:// or https:// address");
  if (!isMailable(c.author_email))
    throw invalid([...path, 'author_email'], 'not an email address (blank when the comment came without one)');
  const { post_id: postId, thread_id: threadId, depth } = c;
  k.comments.set(c.id, { post: postId, thread: threadId, depth });
  // Only numbers are captured, never the item: a reference waiting for a later comment costs a few bytes.
  const onSamePost = (id: number) => () => {
    const other = k.comments.get(id);
    if (other === undefined) return `there is no comment ${id}`;
    return other.post === postId ? undefined : `comment ${id} is on post ${other.post}, not on post ${postId}`;
  };
  const inThread = (id: number) => () => {
    const parent = k.comments.get(id);
    if (parent === undefined || parent.post !== postId) return onSamePost(id)();
    if (parent.thread !== threadId)
      return `a reply is in its parent's thread (${parent.thread}), not in thread ${threadId}`;
    return parent.depth + 1 === depth ? undefined : `a reply is one deeper than its parent (depth ${parent.depth + 1})`;
  };
  const refer = (id: number | null, field: string, check: (id: number) => () => string | undefined) => {
    if (id === null) return;
    if (!k.comments.has(id)) k.later([...path, field], 'comments', check(id));
    else {
      const fault = check(id)();
      if (fault) throw invalid([...path, field], fault);
    }
  };
  refer(c.parent_id, 'parent_id', inThread);
  if (c.parent_id === null && (c.thread_id !== c.id || c.depth !== 0))
    throw invalid([...path, 'thread_id'], 'a comment that replies to none starts its own thread (depth 0)');
  refer(c.quoted_comment_id, 'quoted_comment_id', onSamePost);
  const { body_markdown, moderation_reasons, ...rest } = c;
  // body_html is rendered by the caller; reports, address and browser were not exported.
  return { comments: [{ ...rest, body_md: body_markdown, body_html: '', reasons_json: json(moderation_reasons) }] };
}

function commenter(k: Known, c: ItemOf<'commenters'>, path: Path): Rows {
  if (!isMailable(c.email) || c.email === '') throw invalid([...path, 'email'], 'not an email address');
  k.claim('commenter email', c.email, 'another commenter', [...path, 'email']);
  return { commenters: [{ ...c }] };
}

function citation(k: Known, c: ItemOf<'citations'>, path: Path): Rows {
  k.ref('posts', c.post_id, [...path, 'post_id'], 'post');
  if (!isValidKey(c.source_key)) throw invalid([...path, 'source_key'], 'not a citation key');
  k.claim('citation', `${c.post_id} ${c.source_key}`, 'another citation', path);
  return { post_citations: [{ ...c }] };
}

function correction(k: Known, c: ItemOf<'corrections_log'>, path: Path): Rows {
  k.addId('corrections_log', c.id, path);
  k.ref('posts', c.post_id, [...path, 'post_id'], 'post');
  k.ref('accounts', c.user_id, [...path, 'user_id'], 'account');
  const suggestion = c.suggestion_id;
  if (suggestion !== null)
    k.later([...path, 'suggestion_id'], 'suggestions', () =>
      k.ids.suggestions.has(suggestion) ? undefined : `there is no suggestion ${suggestion}`,
    );
  return { post_corrections: [{ ...c }] };
}

function suggestion(k: Known, s: ItemOf<'suggestions'>, path: Path): Rows {
  k.addId('suggestions', s.id, path);
  k.ref('posts', s.post_id, [...path, 'post_id'], 'post');
  if (!isMailable(s.author_email)) throw invalid([...path, 'author_email'], 'not an email address');
  k.ref('accounts', s.user_id, [...path, 'user_id'], 'account');
  k.ref('accounts', s.decided_by, [...path, 'decided_by'], 'account');
  k.ref('comments', s.comment_id, [...path, 'comment_id'], 'comment');
  k.ref('corrections_log', s.correction_id, [...path, 'correction_id'], 'corrections-log entry');
  const { selector, moderation_reasons, credit_ok, ...rest } = s;
  return {
    correction_suggestions: [
      { ...rest, selector_json: json(selector), reasons_json: json(moderation_reasons), credit_ok: bool(credit_ok) },
    ],
  };
}

const TARGETS = { post: 'posts', category: 'categories', tag: 'tags', author: 'authors' } as const;

function redirect(k: Known, r: ItemOf<'redirects'>, path: Path): Rows {
  if (r.type === 'post_slug') {
    k.ref('posts', r.post_id, [...path, 'post_id'], 'post');
    k.claim('old slug', r.from, 'another redirect', [...path, 'from']);
    return { slug_history: [{ old_slug: r.from, post_id: r.post_id, changed_at: r.at }] };
  }
  const kind = r.kind as keyof typeof TARGETS;
  k.ref(TARGETS[kind], r.target_id, [...path, 'target_id'], kind);
  if (r.type === 'taxonomy') {
    const segments = r.kind === 'category' ? r.from.split('/') : [r.from];
    if (!segments.every(isSlug))
      throw invalid(
        [...path, 'from'],
        `an old ${r.kind} address is ${r.kind === 'category' ? 'a path of slugs' : 'a slug'}`,
      );
    k.claim('old taxonomy address', `${r.kind} ${r.from}`, 'another redirect', [...path, 'from']);
    return { taxonomy_history: [{ kind: r.kind, old_path: r.from, target_id: r.target_id, changed_at: r.at }] };
  }
  if (normaliseOldAddress(r.from) !== r.from)
    throw invalid(
      [...path, 'from'],
      'not an old address as the WordPress import keeps it (a path ending in /, or /?p=N)',
    );
  k.claim('old imported address', r.from, 'another redirect', [...path, 'from']);
  return { import_redirects: [{ old_path: r.from, kind: r.kind, target_id: r.target_id, created_at: r.at }] };
}

function ban(k: Known, b: ItemOf<'bans'>, path: Path): Rows {
  k.addId('bans', b.id, path);
  const problem = banValueProblem(b.kind as BanKind, b.value);
  if (problem) throw invalid([...path, 'value'], problem.replace(/\.$/, ''));
  return { bans: [{ ...b }] };
}

function importMapEntry(k: Known, m: ItemOf<'import_map'>, path: Path): Rows {
  k.claim('import map entry', `${m.source} ${m.kind} ${m.old_id}`, 'another entry', path);
  return { import_map: [{ ...m }] };
}

type Handler = (k: Known, item: never, path: Path) => Rows;

/** Each collection's checks and rows, by name. */
export const ITEM_ROWS: Record<CollectionName, Handler> = {
  authors: author,
  accounts: account,
  categories: category,
  tags: tag,
  sources: source,
  entities: entity,
  media,
  posts: post,
  comments: comment,
  commenters: commenter,
  citations: citation,
  corrections_log: correction,
  suggestions: suggestion,
  menus: menuItemRows,
  widgets: widgetRows,
  redirects: redirect,
  bans: ban,
  import_map: importMapEntry,
};
