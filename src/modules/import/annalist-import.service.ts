import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { Capabilities } from '../../storage/capabilities.ts';
import type { Db } from '../../storage/schema.ts';
import type { SearchIndex } from '../../storage/search-index.ts';
import { resetIdentitySequences, selfReferencingColumns, TableWriter } from '../../storage/table-copy.ts';
import { TABLES_IN_DEPENDENCY_ORDER, type TableName } from '../../storage/tables.ts';
import { inTransaction } from '../../storage/transaction.ts';
import { recountAllPostComments } from '../comments/comment.repository.ts';
import {
  type Mentions,
  type RenderedComment,
  renderCommentBounded,
  renderStoredComment,
} from '../comments/comment-markdown.ts';
import { commentHtml } from '../comments/new-comment.ts';
import {
  COLLECTION_NAMES,
  COLLECTIONS,
  type CollectionName,
  EXPORT_FORMAT,
  EXPORT_KEYS,
  EXPORT_VERSION,
  HEADER,
  type HeaderKey,
  type ItemOf,
  LATER_COLLECTIONS,
  type SiteSchema,
  TIME_PATTERN,
} from '../export/export-schema.ts';
import { recordPostMentions } from '../history/entities.service.ts';
import { schedulePublish } from '../jobs/publish-post.job.ts';
import { RENDER_VERSION } from '../markdown/render-markdown.ts';
import { WorkTooCostly } from '../shared/bounded-work.ts';
import { AppError, isAppError } from '../shared/errors.ts';
import { SLUG_PATTERN } from '../shared/slug.ts';
import { renderCitedMarkdown } from '../sources/cited-markdown.ts';
import { deleteSettings, findCommentAuthorName, tableHasRows } from './annalist-import.repository.ts';
import { checkCategoryTree, checkPageTree, invalid, Known, type Path, type Rows } from './annalist-import-known.ts';
import { ITEM_ROWS } from './annalist-import-rows.ts';
import { siteSettingRows } from './annalist-import-settings.ts';
import { type ExportEvent, readExportDocument } from './annalist-json-reader.ts';

export interface AnnalistImportDeps {
  db: Db;
  capabilities: Capabilities;
  search: SearchIndex;
  noteWrite(): void;
}

export interface AnnalistImportInput {
  /** Opens the export afresh (a transaction that lost a race on PostgreSQL reads it again). */
  open(): AsyncIterable<string | Buffer>;
  /** Everything is read, checked and written, then rolled back: the report says what an import would do. */
  dryRun?: boolean;
  onItem?(collection: string, index: number): void;
}

export interface AnnalistImportReport {
  dryRun: boolean;
  counts: Record<CollectionName, number>;
  /** Active owners' account ids, for the sign-in links the caller gives them (no password was exported). */
  ownerIds: number[];
  mediaFilesWithoutBytes: number;
  /** What was left out and why (settings of the old server, such as its backup schedule). */
  notes: string[];
}

const checkers = new Map<string, TypeCheck<TSchema>>();
function checker(key: string, schema: TSchema): TypeCheck<TSchema> {
  let c = checkers.get(key);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    checkers.set(key, c);
  }
  return c;
}

/** The first schema fault of `value`, as a one-line error naming its JSON path; then its times. */
function validate(key: string, schema: TSchema, value: unknown, path: Path): void {
  const first = checker(key, schema).Errors(value).First();
  if (first) {
    const where = first.path
      .split('/')
      .filter(Boolean)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replaceAll('~1', '/').replaceAll('~0', '~')));
    const variant = unionVariant(first.schema as SchemaNode, first.value);
    // A union told apart by its `type` (a redirect): the fault inside the variant the item says it is.
    if (variant) {
      const variantKey = `${key}${pathOfKey(where)}:${String(variant.properties?.type?.const)}`;
      validate(variantKey, variant as TSchema, first.value, [...path, ...where]);
      return;
    }
    throw invalid([...path, ...where], explain(first.schema as SchemaNode, first.message.replace(/\.$/, '')));
  }
  checkTimes(schema as SchemaNode, value, path);
}

type SchemaNode = {
  anyOf?: SchemaNode[];
  type?: string;
  const?: unknown;
  pattern?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
};

const pathOfKey = (where: (string | number)[]) => where.map((p) => `/${p}`).join('');

/** The variant of a union of objects that `value` names by its `type`, if there is one. */
function unionVariant(schema: SchemaNode, value: unknown): SchemaNode | undefined {
  if (!schema.anyOf || typeof value !== 'object' || value === null) return undefined;
  const type = (value as { type?: unknown }).type;
  return schema.anyOf.find((v) => v.type === 'object' && v.properties?.type?.const === type && type !== undefined);
}

/** A schema fault in words a person can act on: times and slugs by example, unions by their choices. */
function explain(schema: SchemaNode, message: string): string {
  const choices = schema.anyOf ?? [schema];
  const nullable = choices.some((c) => c.type === 'null') ? ' (or null)' : '';
  if (choices.some((c) => c.pattern === TIME_PATTERN))
    return `expected a UTC time such as 2025-10-02T14:30:00.000Z${nullable}`;
  if (choices.some((c) => c.pattern === SLUG_PATTERN))
    return 'expected a slug: lower-case letters and digits joined by single hyphens';
  if (!schema.anyOf) return message.toLowerCase();
  const names = choices.map((c) => (c.const !== undefined ? JSON.stringify(c.const) : String(c.type ?? 'a value')));
  return `expected ${[...new Set(names)].join(' or ')}`;
}

/** Every time the schema names is a real instant (the pattern alone takes 2025-02-30T25:61:00.000Z). */
function checkTimes(schema: SchemaNode, value: unknown, path: Path): void {
  if (typeof value === 'string') {
    if ((schema.anyOf ?? [schema]).some((s) => s.pattern === TIME_PATTERN)) {
      const t = Date.parse(value);
      if (!Number.isFinite(t) || new Date(t).toISOString() !== value)
        throw invalid(path, `${JSON.stringify(value)} is not a time that exists`);
    }
    return;
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items) for (const [i, v] of value.entries()) checkTimes(items, v, [...path, i]);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const variant of schema.anyOf ?? [schema]) {
    const properties = variant.properties;
    if (!properties) continue;
    for (const [key, child] of Object.entries(value)) {
      const sub = properties[key];
      if (sub) checkTimes(sub, child, [...path, key]);
    }
  }
}

/** Any row in any table but settings (a fresh site may already hold its signing key). */
async function assertEmpty(trx: Db): Promise<void> {
  for (const table of TABLES_IN_DEPENDENCY_ORDER) {
    if (table === 'settings') continue;
    if (await tableHasRows(trx, table))
      throw new AppError(
        'IMPORT_SITE_NOT_EMPTY',
        `The site already holds content (its ${table} table has rows); an export is imported into an empty site only.`,
      );
  }
}

/** Rows waiting to be written, per table, flushed parents first. */
class Batches {
  private readonly waiting = new Map<TableName, Record<string, unknown>[]>();
  private readonly writers = new Map<TableName, TableWriter>();
  private size = 0;
  constructor(
    private readonly trx: Db,
    private readonly selfRefs: Map<string, string[]>,
  ) {}

  async add(rows: Rows): Promise<void> {
    for (const [table, list] of Object.entries(rows)) {
      if (!list || list.length === 0) continue;
      const t = table as TableName;
      this.waiting.set(t, [...(this.waiting.get(t) ?? []), ...list]);
      this.size += list.length;
    }
    if (this.size >= 200) await this.flush();
  }

  async flush(): Promise<void> {
    for (const table of TABLES_IN_DEPENDENCY_ORDER) {
      const rows = this.waiting.get(table);
      if (!rows) continue;
      let writer = this.writers.get(table);
      if (!writer) {
        writer = new TableWriter(this.trx, table, this.selfRefs.get(table) ?? []);
        this.writers.set(table, writer);
      }
      await writer.add(rows);
    }
    this.waiting.clear();
    this.size = 0;
  }

  /** At the end of a collection: forward self-references (a reply before its parent) are set now. */
  async finish(): Promise<void> {
    await this.flush();
    for (const writer of this.writers.values()) await writer.finish();
  }
}

/** How many '@' of one comment are looked up among the names of its thread (a list of thousands names none). */
const MENTION_LOOKUPS = 100_000;

/** Reads the document in order, checks every value, and writes it through `batches` inside the transaction. */
class DocumentImport {
  private readonly known = new Known();
  private next = 0;
  private version = 0;
  readonly counts = {} as Record<CollectionName, number>;
  private readonly notes: string[] = [];
  /**
   * Per thread, the author of each approved comment read so far -> the id of their latest one, and the lengths
   * of those names: the @names a reply may link to, as the comment form finds them, without a query per reply.
   */
  private readonly threadNames = new Map<number, Map<string, number>>();
  private readonly threadNameLengths = new Map<number, Set<number>>();

  constructor(
    private readonly trx: Db,
    private readonly search: SearchIndex,
    private readonly batches: Batches,
    private readonly dryRun: boolean,
  ) {}

  get report(): AnnalistImportReport {
    return {
      dryRun: this.dryRun,
      counts: this.counts,
      ownerIds: this.known.owners,
      mediaFilesWithoutBytes: this.known.mediaWithoutBytes,
      notes: this.notes,
    };
  }

  /** Keys come in the documented order: format and version first, so nothing is read from a newer format. */
  private enter(key: string): void {
    const at = EXPORT_KEYS.indexOf(key as (typeof EXPORT_KEYS)[number]);
    if (at === -1) throw invalid([key], 'not part of an Annalist export');
    if (this.next === 0 && key !== 'format')
      throw invalid([], 'not an Annalist export: it does not start with "format": "annalist-export"');
    if (at < this.next)
      throw invalid([key], `comes after ${EXPORT_KEYS[this.next - 1]}; an export keeps the documented order`);
    this.skipTo(at);
    this.next = at + 1;
  }

  /** The keys before `at` that the document went past: each a collection older files lack (none), or missing. */
  private skipTo(at: number): void {
    for (; this.next < at; this.next++) {
      const skipped = EXPORT_KEYS[this.next] as string;
      if (!LATER_COLLECTIONS.has(skipped)) throw invalid([skipped], 'is missing');
      this.counts[skipped as CollectionName] = 0;
    }
  }

  async take(ev: ExportEvent): Promise<void> {
    // Each key is checked before its value is read: nothing of an unknown or misplaced part is built.
    if (ev.type === 'key') {
      this.enter(ev.key);
      if (COLLECTION_NAMES.includes(ev.key as CollectionName) && this.version === 0)
        throw invalid(['version'], 'is missing');
      return;
    }
    if (ev.type === 'value') return this.value(ev.key, ev.value);
    if (ev.type === 'item') return this.item(ev.collection as CollectionName, ev.index, ev.value);
    // References first: the writer's deferred self-references would otherwise meet a missing row.
    this.known.checkPending(ev.collection as CollectionName);
    await this.batches.finish();
    if (ev.collection === 'categories') checkCategoryTree(this.known);
    if (ev.collection === 'posts') checkPageTree(this.known);
    this.counts[ev.collection as CollectionName] = ev.count;
  }

  private async value(key: string, value: unknown): Promise<void> {
    if (key === 'format' && value !== EXPORT_FORMAT)
      throw invalid(
        ['format'],
        `not an Annalist export (format ${JSON.stringify(value)}, expected "${EXPORT_FORMAT}")`,
      );
    if (key === 'version') {
      if (typeof value === 'number' && Number.isInteger(value) && value > EXPORT_VERSION)
        throw new AppError(
          'IMPORT_JSON_TOO_NEW',
          `$.version: the export is format version ${value}; this Annalist reads version ${EXPORT_VERSION} and older. Update Annalist first.`,
        );
      this.version = Number(value);
    }
    const schema = key in HEADER ? HEADER[key as HeaderKey] : Type.Array(Type.Unknown());
    validate(key, schema, value, [key]);
    if (key === 'site') await this.site(value as Record<string, unknown>);
  }

  private async site(site: Record<string, unknown>): Promise<void> {
    const rows = siteSettingRows(site as Static<typeof SiteSchema>, this.notes);
    // A fresh site may have made its signing key already; every other key is new.
    await deleteSettings(
      this.trx,
      rows.map((r) => String(r.key)),
    );
    await this.batches.add({ settings: rows });
  }

  private async item(collection: CollectionName, index: number, value: unknown): Promise<void> {
    const path = [collection, index];
    validate(collection, COLLECTIONS[collection], value, path);
    const rows = ITEM_ROWS[collection](this.known, value as never, path);
    if (collection === 'posts') await this.renderPost(value as ItemOf<'posts'>, rows, path);
    if (collection === 'comments') await this.renderComment(value as ItemOf<'comments'>, rows);
    await this.batches.add(rows);
  }

  /** The body rendered as a save renders it; the search index and a scheduled post's job follow its status. */
  private async renderPost(p: ItemOf<'posts'>, rows: Rows, path: Path): Promise<void> {
    let rendered: Awaited<ReturnType<typeof renderCitedMarkdown>>;
    try {
      rendered = await renderCitedMarkdown(this.trx, p.body_markdown);
    } catch (err) {
      // A body the renderer gives up on (TEXT_TOO_COMPLEX) would fail the editor's save too.
      if (!isAppError(err) || err.code !== 'TEXT_TOO_COMPLEX') throw err;
      throw invalid([...path, 'body_markdown'], err.publicMessage.replace(/\.$/, ''));
    }
    const post = rows.posts?.[0] as Record<string, unknown>;
    post.word_count = rendered.wordCount;
    post.render_version = RENDER_VERSION;
    rows.post_bodies = [
      { post_id: p.id, body_md: p.body_markdown, body_html: rendered.html, toc_json: JSON.stringify(rendered.toc) },
    ];
    await this.batches.add({ posts: rows.posts ?? [] });
    rows.posts = [];
    await this.batches.flush(); // the post row exists before the search index, its mentions and the job name it
    // The entities came before the posts, so the body's mentions are found as the post writer finds them.
    await recordPostMentions(this.trx, p.id, p.body_markdown);
    if (p.status !== 'draft')
      await this.search.upsert(
        { postId: p.id, title: p.title, standfirst: p.standfirst, body: rendered.text },
        this.trx,
      );
    if (p.status === 'scheduled' && p.published_at) await schedulePublish(this.trx, p.id, p.published_at);
  }

  /**
   * The comment's HTML as it was stored when posted: @names linked to the earlier comments of its thread, and
   * the passage it quotes above its text (submit-comment.workflow does the same for a new comment).
   */
  private async renderComment(c: ItemOf<'comments'>, rows: Rows): Promise<void> {
    const mentions = c.parent_id === null ? new Map() : this.mentionsIn(c);
    if (c.status === 'approved') {
      let names = this.threadNames.get(c.thread_id);
      let lengths = this.threadNameLengths.get(c.thread_id);
      if (!names || !lengths) {
        names = new Map();
        lengths = new Set();
        this.threadNames.set(c.thread_id, names);
        this.threadNameLengths.set(c.thread_id, lengths);
      }
      // Comments come in id order, so this is the latest comment of this name so far.
      names.set(c.author_name, c.id);
      lengths.add(c.author_name.length);
    }
    let rendered: RenderedComment;
    try {
      rendered = await renderCommentBounded(c.body_markdown, mentions);
    } catch (err) {
      if (!(err instanceof WorkTooCostly)) throw err;
      rendered = await renderStoredComment(c.body_markdown); // its text as plain text, as for any stored comment
    }
    if (c.quoted_comment_id !== null && c.quoted_text) {
      await this.batches.flush(); // the quoted comment is in the database to be found
      const quoted = await findCommentAuthorName(this.trx, c.quoted_comment_id);
      if (quoted)
        rendered = commentHtml(rendered, {
          commentId: c.quoted_comment_id,
          authorName: quoted.author_name,
          text: c.quoted_text,
        });
    }
    (rows.comments?.[0] as Record<string, unknown>).body_html = rendered.html;
  }

  /**
   * The names of the thread's earlier approved comments that the text addresses (`@Name`), each with the anchor
   * of that person's latest comment: what the comment form passes for a new reply, found without the whole list.
   */
  private mentionsIn(c: ItemOf<'comments'>): Mentions {
    const mentions: Mentions = new Map();
    const names = this.threadNames.get(c.thread_id);
    const lengths = this.threadNameLengths.get(c.thread_id);
    if (!names || !lengths) return mentions;
    const text = c.body_markdown;
    let lookups = 0;
    for (let at = text.indexOf('@'); at >= 0 && lookups < MENTION_LOOKUPS; at = text.indexOf('@', at + 1)) {
      for (const length of lengths) {
        lookups++;
        const name = text.slice(at + 1, at + 1 + length);
        const id = name.length === length ? names.get(name) : undefined;
        if (id !== undefined) mentions.set(name, `#comment-${id}`);
      }
    }
    return mentions;
  }

  /** Every part was there; counts of approved comments are kept per post, as the comment use cases keep them. */
  async finish(): Promise<void> {
    await this.batches.finish();
    this.skipTo(EXPORT_KEYS.length);
    this.known.checkPending();
    await recountAllPostComments(this.trx);
  }
}

/**
 * `annalist import annalist`: an Annalist JSON export (docs/export.md) into an empty site, in one transaction,
 * ids kept: read as a stream, each value checked against the schema and every reference against what came
 * before; bodies rendered, the search index filled, scheduled posts' jobs made, identity sequences moved past
 * the ids. Any fault rolls all of it back and is one AppError naming the JSON path.
 */
export async function importAnnalistExport(
  deps: AnnalistImportDeps,
  input: AnnalistImportInput,
): Promise<AnnalistImportReport> {
  let report: AnnalistImportReport | undefined;
  try {
    report = await inTransaction(deps.db, async (trx) => {
      let done: AnnalistImportReport;
      try {
        done = await importInto(trx, deps, input);
      } catch (err) {
        if (err instanceof AppError) throw err;
        // A check this file lacks, caught by the database (a constraint): still one line, still nothing kept.
        throw new AppError('IMPORT_JSON_INVALID', `The database refused a row of the export (${oneLine(err)}).`, {
          cause: err,
        });
      }
      if (input.dryRun) throw new DryRunDone(done);
      return done;
    });
  } catch (err) {
    if (err instanceof DryRunDone) return err.report;
    throw err;
  }
  deps.noteWrite();
  return report;
}

/** Rolls a dry run's transaction back, carrying its report out. */
class DryRunDone extends Error {
  constructor(readonly report: AnnalistImportReport) {
    super('dry run: rolled back');
  }
}

const oneLine = (err: unknown) =>
  String((err as Error)?.message ?? err)
    .split('\n')[0]
    ?.slice(0, 300);

async function importInto(
  trx: Db,
  deps: AnnalistImportDeps,
  input: AnnalistImportInput,
): Promise<AnnalistImportReport> {
  {
    await assertEmpty(trx);
    const batches = new Batches(trx, await selfReferencingColumns(trx, deps.capabilities));
    const doc = new DocumentImport(trx, deps.search, batches, input.dryRun ?? false);
    const spec = {
      collections: new Set<string>(COLLECTION_NAMES),
      schemaOf: (key: string) =>
        (Object.hasOwn(COLLECTIONS, key)
          ? COLLECTIONS[key as CollectionName]
          : Object.hasOwn(HEADER, key)
            ? HEADER[key as HeaderKey]
            : undefined) as Record<string, unknown> | undefined,
    };
    for await (const ev of readExportDocument(input.open(), spec)) {
      await doc.take(ev);
      if (ev.type === 'item') input.onItem?.(ev.collection, ev.index);
    }
    await doc.finish();
    // PostgreSQL never rolls a sequence back: a dry run leaves them as they are.
    if (!input.dryRun) await resetIdentitySequences(trx, deps.capabilities);
    return doc.report;
  }
}
