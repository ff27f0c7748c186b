import { createHash } from 'node:crypto';
import type { Db } from '../../storage/schema.ts';
import { listPostMeta } from '../content/post-meta.repository.ts';
import type { CollectionName, ItemOf } from './export-schema.ts';
import {
  type ExportTableRow,
  findPostBodyRow,
  listEntityPartRows,
  listMediaFileRows,
  listPostAuthorRows,
  listPostLinkIds,
  listPostRevisionRows,
  type PostLinkTable,
  pageTableRows,
} from './json-export.repository.ts';

/**
 * Reading the site for the JSON export, one collection at a time and one page of rows at a time (keyset paging
 * on each table's key), so a site of any size is never held in memory. Rows become export items here.
 */

type Row = ExportTableRow;
const PAGE = 200;

/** Every row of `table` ordered by its unique key columns, `pageSize` rows per query. */
async function* pages(db: Db, table: string, keys: string[], pageSize = PAGE): AsyncGenerator<Row[]> {
  let last: unknown[] | undefined;
  for (;;) {
    const rows = await pageTableRows(db, { table, keys, after: last, limit: pageSize });
    if (rows.length === 0) return;
    yield rows;
    const tail = rows[rows.length - 1] as Row;
    last = keys.map((k) => tail[k]);
    if (rows.length < pageSize) return;
  }
}

const str = (v: unknown) => String(v ?? '');
const num = (v: unknown) => Number(v);
const optNum = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const optStr = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** Stored JSON text as a value; text that is not JSON (never written by Annalist) becomes `fallback`. */
function parsed<T>(text: unknown, fallback: T): T {
  try {
    return JSON.parse(str(text)) as T;
  } catch {
    return fallback;
  }
}

async function* mapped<T>(db: Db, table: string, keys: string[], fn: (row: Row) => T): AsyncGenerator<T> {
  for await (const rows of pages(db, table, keys)) for (const row of rows) yield fn(row);
}

const authors = (db: Db) =>
  mapped(db, 'authors', ['id'], (r) => ({
    id: num(r.id),
    slug: str(r.slug),
    name: str(r.name),
    bio: str(r.bio),
    created_at: str(r.created_at),
  }));

const accounts = (db: Db) =>
  mapped(db, 'users', ['id'], (r) => ({
    id: num(r.id),
    email: str(r.email),
    name: str(r.name),
    role: str(r.role),
    created_at: str(r.created_at),
    disabled_at: optStr(r.disabled_at),
    author_id: optNum(r.author_id),
  }));

const categories = (db: Db) =>
  mapped(db, 'categories', ['id'], (r) => ({
    id: num(r.id),
    parent_id: optNum(r.parent_id),
    slug: str(r.slug),
    path: str(r.path),
    name: str(r.name),
    description: str(r.description),
    position: num(r.position),
  }));

const tags = (db: Db) => mapped(db, 'tags', ['id'], (r) => ({ id: num(r.id), slug: str(r.slug), name: str(r.name) }));

const sources = (db: Db) =>
  mapped(db, 'sources', ['id'], (r) => ({
    id: num(r.id),
    key: str(r.key),
    kind: str(r.kind),
    title: str(r.title),
    csl: parsed<Record<string, unknown>>(r.csl_json, {}),
    note: str(r.note),
    created_at: str(r.created_at),
    updated_at: str(r.updated_at),
  }));

type ExportShape = NonNullable<ItemOf<'entities'>['shapes']>[number];

/** Entities fifty at a time, each with its other names, old slugs and (a place's) point and shapes. */
async function* entities(db: Db): AsyncGenerator<ItemOf<'entities'>> {
  for await (const rows of pages(db, 'entities', ['id'], 50)) {
    for (const r of rows) {
      const id = num(r.id);
      const [names, oldSlugs, shapes, sources, identifiers] = await listEntityPartRows(db, id);
      yield {
        id,
        kind: str(r.kind) as ItemOf<'entities'>['kind'],
        slug: str(r.slug),
        name: str(r.name),
        description: str(r.description),
        date: optStr(r.date_text),
        wikidata_id: optStr(r.wikidata_id),
        names: names.map((n) => ({ name: n.name, lang: n.lang, kind: n.name_kind })),
        old_slugs: oldSlugs.map((o) => ({ kind: o.kind, slug: o.slug, changed_at: o.changed_at })),
        latitude: r.latitude === null ? null : Number(r.latitude),
        longitude: r.longitude === null ? null : Number(r.longitude),
        shapes: shapes.map((sh) => ({
          label: sh.label,
          validity: sh.valid_text,
          geometry: JSON.parse(sh.geometry) as ExportShape['geometry'],
        })),
        sources: sources.map((s) => ({ source_id: num(s.source_id), note: s.note })),
        identifiers: identifiers.map((i) => ({ scheme: i.scheme, value: i.value })),
        created_at: str(r.created_at),
        updated_at: str(r.updated_at),
      };
    }
  }
}

/** Media with their files; the bytes (base64) only when asked for. Ten images a page: their files are large. */
async function* media(db: Db, includeBytes: boolean): AsyncGenerator<ItemOf<'media'>> {
  for await (const rows of pages(db, 'media', ['id'], 10)) {
    for (const r of rows) {
      const files = await listMediaFileRows(db, num(r.id));
      yield {
        id: num(r.id),
        user_id: optNum(r.user_id),
        sha256: str(r.sha256),
        original_name: str(r.original_name),
        mime: str(r.mime),
        width: num(r.width),
        height: num(r.height),
        alt: str(r.alt),
        caption: str(r.caption),
        credit: str(r.credit),
        created_at: str(r.created_at),
        files: files.map((f) => ({
          name: f.name,
          format: f.format,
          width: num(f.width),
          height: num(f.height),
          size: f.bytes.length,
          sha256: sha256Hex(f.bytes),
          ...(includeBytes ? { data: Buffer.from(f.bytes).toString('base64') } : {}),
        })),
      };
    }
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function idsOf(db: Db, link: PostLinkTable, postId: number) {
  const rows = await listPostLinkIds(db, link, postId);
  return rows.map((r) => Number(r.id));
}

async function postItem(db: Db, r: Row): Promise<ItemOf<'posts'>> {
  const id = num(r.id);
  const [body, categoryIds, tagIds, authorRows, revisions, pluginMeta] = await Promise.all([
    findPostBodyRow(db, id),
    idsOf(db, { table: 'post_categories', column: 'category_id' }, id),
    idsOf(db, { table: 'post_tags', column: 'tag_id' }, id),
    listPostAuthorRows(db, id),
    listPostRevisionRows(db, id),
    listPostMeta(db, id),
  ]);
  return {
    id,
    type: str(r.type) as 'post' | 'page',
    slug: str(r.slug),
    title: str(r.title),
    standfirst: str(r.standfirst),
    excerpt: str(r.excerpt),
    status: str(r.status) as 'draft' | 'scheduled' | 'published',
    created_at: str(r.created_at),
    published_at: optStr(r.published_at),
    updated_at: optStr(r.updated_at),
    submitted_at: optStr(r.submitted_at),
    unpublished_at: optStr(r.unpublished_at),
    comments_open: num(r.comments_open) === 1,
    sticky: num(r.sticky) === 1,
    parent_id: optNum(r.parent_id),
    menu_order: num(r.menu_order),
    version: num(r.version),
    owner_user_id: optNum(r.owner_user_id),
    primary_category_id: optNum(r.primary_category_id),
    category_ids: categoryIds,
    tag_ids: tagIds,
    author_ids: authorRows.map((a) => num(a.author_id)),
    cover:
      r.cover_src === null || r.cover_src === undefined
        ? null
        : {
            src: str(r.cover_src),
            alt: optStr(r.cover_alt),
            caption: optStr(r.cover_caption),
            credit: optStr(r.cover_credit),
          },
    seo: { title: optStr(r.seo_title), description: optStr(r.seo_description) },
    ...(pluginMeta.length > 0 ? { plugin_meta: pluginMeta } : {}),
    body_markdown: str(body?.body_md),
    revisions: revisions.map((v) => ({
      id: num(v.id),
      number: num(v.number),
      kind: v.kind,
      title: v.title,
      slug: v.slug,
      standfirst: v.standfirst,
      excerpt: v.excerpt,
      body_markdown: v.body_md,
      meta: parsed<Record<string, unknown>>(v.meta_json, {}),
      status: v.status,
      user_id: optNum(v.user_id),
      created_at: v.created_at,
    })),
  };
}

/** Posts twenty at a time: each carries its body and every kept revision. */
async function* posts(db: Db): AsyncGenerator<ItemOf<'posts'>> {
  for await (const rows of pages(db, 'posts', ['id'], 20)) for (const r of rows) yield await postItem(db, r);
}

const comments = (db: Db) =>
  mapped(db, 'comments', ['id'], (r) => ({
    id: num(r.id),
    post_id: num(r.post_id),
    parent_id: optNum(r.parent_id),
    thread_id: num(r.thread_id ?? r.id),
    depth: num(r.depth),
    author_name: str(r.author_name),
    author_email: str(r.author_email),
    author_url: optStr(r.author_url),
    user_id: optNum(r.user_id),
    body_markdown: str(r.body_md),
    quoted_comment_id: optNum(r.quoted_comment_id),
    quoted_text: optStr(r.quoted_text),
    status: str(r.status),
    moderation_reasons: parsed<Record<string, unknown>[]>(r.reasons_json, []),
    created_at: str(r.created_at),
    updated_at: optStr(r.updated_at),
    approved_at: optStr(r.approved_at),
  }));

const commenters = (db: Db) =>
  mapped(db, 'commenters', ['email'], (r) => ({
    email: str(r.email),
    confirmed_at: optStr(r.confirmed_at),
    unsubscribed_at: optStr(r.unsubscribed_at),
    created_at: str(r.created_at),
  }));

const citations = (db: Db) =>
  mapped(db, 'post_citations', ['post_id', 'source_key'], (r) => ({
    post_id: num(r.post_id),
    source_key: str(r.source_key),
  }));

const correctionsLog = (db: Db) =>
  mapped(db, 'post_corrections', ['id'], (r) => ({
    id: num(r.id),
    post_id: num(r.post_id),
    kind: str(r.kind) as 'correction' | 'update',
    summary: str(r.summary),
    reason: str(r.reason),
    source_text: str(r.source_text),
    credit_name: optStr(r.credit_name),
    revision_number: optNum(r.revision_number),
    suggestion_id: optNum(r.suggestion_id),
    user_id: optNum(r.user_id),
    created_at: str(r.created_at),
  }));

const suggestions = (db: Db) =>
  mapped(db, 'correction_suggestions', ['id'], (r) => ({
    id: num(r.id),
    post_id: num(r.post_id),
    revision_number: optNum(r.revision_number),
    selector: parsed<Record<string, unknown>[]>(r.selector_json, []),
    quote: str(r.quote),
    problem: str(r.problem),
    proposed: str(r.proposed),
    source_text: str(r.source_text),
    author_name: str(r.author_name),
    author_email: str(r.author_email),
    user_id: optNum(r.user_id),
    credit_ok: num(r.credit_ok) === 1,
    status: str(r.status),
    moderation_reasons: parsed<Record<string, unknown>[]>(r.reasons_json, []),
    decision_note: str(r.decision_note),
    decided_by: optNum(r.decided_by),
    decided_at: optStr(r.decided_at),
    comment_id: optNum(r.comment_id),
    correction_id: optNum(r.correction_id),
    created_at: str(r.created_at),
  }));

const menus = (db: Db) =>
  mapped(db, 'menu_items', ['id'], (r) => ({
    id: num(r.id),
    menu: str(r.menu) as 'primary' | 'footer',
    label: str(r.label),
    url: str(r.url),
    position: num(r.position),
  }));

const widgets = (db: Db) =>
  mapped(db, 'widgets', ['id'], (r) => ({
    id: num(r.id),
    area: str(r.area) as 'header' | 'sidebar' | 'footer',
    type: str(r.type),
    title: str(r.title),
    config: parsed<Record<string, unknown>>(r.config_json, {}),
    position: num(r.position),
  }));

/** Old addresses from three tables: posts' old slugs, renamed taxonomy, and an earlier import's addresses. */
async function* redirects(db: Db): AsyncGenerator<ItemOf<'redirects'>> {
  for await (const rows of pages(db, 'slug_history', ['old_slug']))
    for (const r of rows)
      yield { type: 'post_slug', from: str(r.old_slug), post_id: num(r.post_id), at: str(r.changed_at) };
  for await (const rows of pages(db, 'taxonomy_history', ['kind', 'old_path']))
    for (const r of rows)
      yield {
        type: 'taxonomy',
        kind: str(r.kind) as 'category' | 'tag',
        from: str(r.old_path),
        target_id: num(r.target_id),
        at: str(r.changed_at),
      };
  for await (const rows of pages(db, 'import_redirects', ['old_path']))
    for (const r of rows)
      yield {
        type: 'imported',
        kind: str(r.kind),
        from: str(r.old_path),
        target_id: num(r.target_id),
        at: str(r.created_at),
      };
}

const bans = (db: Db) =>
  mapped(db, 'bans', ['id'], (r) => ({
    id: num(r.id),
    kind: str(r.kind),
    value: str(r.value),
    reason: str(r.reason),
    created_at: str(r.created_at),
    expires_at: optStr(r.expires_at),
  }));

const importMap = (db: Db) =>
  mapped(db, 'import_map', ['source', 'kind', 'old_id'], (r) => ({
    source: str(r.source),
    kind: str(r.kind),
    old_id: str(r.old_id),
    new_id: num(r.new_id),
  }));

/** The items of one collection, in document order. */
export function collectionItems(db: Db, name: CollectionName, includeMediaBytes: boolean): AsyncIterable<unknown> {
  const readers: Record<CollectionName, () => AsyncIterable<unknown>> = {
    authors: () => authors(db),
    accounts: () => accounts(db),
    categories: () => categories(db),
    tags: () => tags(db),
    sources: () => sources(db),
    entities: () => entities(db),
    media: () => media(db, includeMediaBytes),
    posts: () => posts(db),
    comments: () => comments(db),
    commenters: () => commenters(db),
    citations: () => citations(db),
    corrections_log: () => correctionsLog(db),
    suggestions: () => suggestions(db),
    menus: () => menus(db),
    widgets: () => widgets(db),
    redirects: () => redirects(db),
    bans: () => bans(db),
    import_map: () => importMap(db),
  };
  return readers[name]();
}
