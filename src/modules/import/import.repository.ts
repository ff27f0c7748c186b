import type { Insertable } from 'kysely';
import type { AuthorRow, CommentTable, Db, ImportRedirectKind } from '../../storage/schema.ts';

/** The row an old id of `source` became, if it was imported before. */
export async function findMapped(db: Db, source: string, kind: string, oldId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('import_map')
    .select('new_id')
    .where('source', '=', source)
    .where('kind', '=', kind)
    .where('old_id', '=', oldId)
    .executeTakeFirst();
  return row?.new_id;
}

export async function setMapped(db: Db, source: string, kind: string, oldId: string, newId: number): Promise<void> {
  await db
    .insertInto('import_map')
    .values({ source, kind, old_id: oldId, new_id: newId })
    .onConflict((oc) => oc.columns(['source', 'kind', 'old_id']).doUpdateSet({ new_id: newId }))
    .execute();
}

/** Rows per statement in the batch queries below: well inside SQLite's limit of bound values. */
const BATCH = 400;

/** The rows each of `oldIds` of `source` became, for those imported before. */
export async function findMappedMany(
  db: Db,
  source: string,
  kind: string,
  oldIds: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (let i = 0; i < oldIds.length; i += BATCH) {
    const rows = await db
      .selectFrom('import_map')
      .select(['old_id', 'new_id'])
      .where('source', '=', source)
      .where('kind', '=', kind)
      .where('old_id', 'in', oldIds.slice(i, i + BATCH))
      .execute();
    for (const r of rows) found.set(r.old_id, r.new_id);
  }
  return found;
}

/** setMapped for many old ids at once. */
export async function setMappedMany(
  db: Db,
  source: string,
  kind: string,
  pairs: readonly { oldId: string; newId: number }[],
): Promise<void> {
  for (let i = 0; i < pairs.length; i += BATCH) {
    await db
      .insertInto('import_map')
      .values(pairs.slice(i, i + BATCH).map((p) => ({ source, kind, old_id: p.oldId, new_id: p.newId })))
      .onConflict((oc) =>
        oc.columns(['source', 'kind', 'old_id']).doUpdateSet((eb) => ({ new_id: eb.ref('excluded.new_id') })),
      )
      .execute();
  }
}

export async function upsertRedirect(
  db: Db,
  r: { oldPath: string; kind: ImportRedirectKind; targetId: number; at: string },
): Promise<void> {
  await db
    .insertInto('import_redirects')
    .values({ old_path: r.oldPath, kind: r.kind, target_id: r.targetId, created_at: r.at })
    .onConflict((oc) => oc.column('old_path').doUpdateSet({ kind: r.kind, target_id: r.targetId }))
    .execute();
}

export async function findRedirect(
  db: Db,
  oldPath: string,
): Promise<{ kind: ImportRedirectKind; target_id: number } | undefined> {
  return db
    .selectFrom('import_redirects')
    .select(['kind', 'target_id'])
    .where('old_path', '=', oldPath)
    .executeTakeFirst();
}

export async function findAuthorById(db: Db, id: number): Promise<AuthorRow | undefined> {
  return db.selectFrom('authors').selectAll().where('id', '=', id).executeTakeFirst();
}

/** True while the site has no post or page at all (a fresh data folder). */
export async function siteHasNoPosts(db: Db): Promise<boolean> {
  return (await db.selectFrom('posts').select('id').limit(1).executeTakeFirst()) === undefined;
}

export async function findAuthorSlugById(db: Db, id: number): Promise<string | undefined> {
  const row = await db.selectFrom('authors').select('slug').where('id', '=', id).executeTakeFirst();
  return row?.slug;
}

export type ImportedComment = Omit<Insertable<CommentTable>, 'id'>;

/**
 * Adds an imported comment; a comment that starts a thread is its own thread (thread_id = id), set here unless
 * `threadLater`: then the caller sets it for a whole article at once (fillOwnThreads).
 */
export async function insertImportedComment(db: Db, row: ImportedComment, threadLater = false): Promise<number> {
  const { id } = await db.insertInto('comments').values(row).returning('id').executeTakeFirstOrThrow();
  if (row.parent_id === null && !threadLater)
    await db.updateTable('comments').set({ thread_id: id }).where('id', '=', id).execute();
  return id;
}

/** The article's top-level comments inserted with `threadLater` become their own threads. */
export async function fillOwnThreads(db: Db, postId: number): Promise<void> {
  await db
    .updateTable('comments')
    .set((eb) => ({ thread_id: eb.ref('id') }))
    .where('post_id', '=', postId)
    .where('parent_id', 'is', null)
    .where('thread_id', 'is', null)
    .execute();
}

export async function updateImportedComment(db: Db, id: number, row: ImportedComment): Promise<void> {
  await db
    .updateTable('comments')
    .set({ ...row, thread_id: row.parent_id === null ? id : row.thread_id })
    .where('id', '=', id)
    .execute();
}

export async function commentExists(db: Db, id: number): Promise<boolean> {
  return (await db.selectFrom('comments').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Places an imported comment under its parent once every comment of the file is in (Disqus lists replies anywhere). */
export async function setImportedCommentParent(
  db: Db,
  id: number,
  p: { parentId: number; threadId: number; depth: number },
): Promise<void> {
  await db
    .updateTable('comments')
    .set({ parent_id: p.parentId, thread_id: p.threadId, depth: p.depth })
    .where('id', '=', id)
    .execute();
}

/** The map's sources whose names start with `prefix` (a word of ours, no `%` or `_`): "wordpress " lists the sites imported from WordPress. */
export async function listMapSources(db: Db, prefix: string): Promise<string[]> {
  const rows = await db
    .selectFrom('import_map')
    .select('source')
    .distinct()
    .where('source', 'like', `${prefix}%`)
    .orderBy('source')
    .execute();
  return rows.map((r) => r.source);
}
