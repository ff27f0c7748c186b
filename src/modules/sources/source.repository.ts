import type { Db, EntityKind, SourceKind } from '../../storage/schema.ts';

export interface SourceRow {
  id: number;
  key: string;
  kind: SourceKind;
  title: string;
  csl_json: string;
  note: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = ['id', 'key', 'kind', 'title', 'csl_json', 'note', 'created_at', 'updated_at'] as const;

export async function findSourceRowByKey(db: Db, key: string): Promise<SourceRow | undefined> {
  return db.selectFrom('sources').select(COLUMNS).where('key', '=', key).executeTakeFirst();
}

// Rows per statement when many keys or rows go at once: well inside SQLite's and PostgreSQL's parameter limits.
const BATCH = 500;

export async function findSourceRowsByKeys(db: Db, keys: string[]): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for (let at = 0; at < keys.length; at += BATCH)
    rows.push(
      ...(await db
        .selectFrom('sources')
        .select(COLUMNS)
        .where('key', 'in', keys.slice(at, at + BATCH))
        .execute()),
    );
  return rows;
}

function searched(db: Db, q: string | undefined) {
  let query = db.selectFrom('sources');
  if (q) {
    const like = `%${q.toLowerCase()}%`;
    // csl_json holds the authors' names; matching inside the JSON text is enough for a library of this size.
    // lower() on both sides: LIKE ignores case on SQLite (ASCII) but not on PostgreSQL.
    query = query.where((eb) =>
      eb.or(
        (['key', 'title', 'csl_json'] as const).map((column) => eb(eb.fn<string>('lower', [column]), 'like', like)),
      ),
    );
  }
  return query;
}

export async function listSourceRows(
  db: Db,
  filter: { q?: string },
  page: { limit: number; offset: number },
): Promise<SourceRow[]> {
  return searched(db, filter.q).select(COLUMNS).orderBy('key').limit(page.limit).offset(page.offset).execute();
}

export async function countSourceRows(db: Db, filter: { q?: string }): Promise<number> {
  const r = await searched(db, filter.q)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listAllSourceRows(db: Db): Promise<SourceRow[]> {
  return db.selectFrom('sources').select(COLUMNS).orderBy('key').execute();
}

export async function insertSourceRow(db: Db, row: Omit<SourceRow, 'id'>): Promise<number> {
  const r = await db.insertInto('sources').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Inserts many rows in a few statements (an import). */
export async function insertSourceRows(db: Db, rows: Omit<SourceRow, 'id'>[]): Promise<void> {
  for (let at = 0; at < rows.length; at += BATCH / 5)
    await db
      .insertInto('sources')
      .values(rows.slice(at, at + BATCH / 5))
      .execute();
}

export async function updateSourceRow(
  db: Db,
  id: number,
  row: Pick<SourceRow, 'key' | 'kind' | 'title' | 'csl_json' | 'note' | 'updated_at'>,
): Promise<void> {
  await db.updateTable('sources').set(row).where('id', '=', id).execute();
}

export async function deleteSourceRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('sources').where('id', '=', id).execute();
}

/** Every post (any state) whose body cites the key, for SOURCE_IN_USE. */
export async function postsCitingKey(db: Db, key: string): Promise<{ id: number; title: string; slug: string }[]> {
  return db
    .selectFrom('post_citations')
    .innerJoin('posts', 'posts.id', 'post_citations.post_id')
    .select(['posts.id', 'posts.title', 'posts.slug'])
    .where('post_citations.source_key', '=', key)
    .orderBy('posts.title')
    .execute();
}

/** The entities listing the source among theirs (decision 048), by name: SOURCE_IN_USE and the source's page. */
export async function entitiesCitingSource(
  db: Db,
  sourceId: number,
): Promise<{ kind: EntityKind; slug: string; name: string }[]> {
  return db
    .selectFrom('entity_sources')
    .innerJoin('entities', 'entities.id', 'entity_sources.entity_id')
    .select(['entities.kind', 'entities.slug', 'entities.name'])
    .where('entity_sources.source_id', '=', sourceId)
    .orderBy('entities.name')
    .orderBy('entities.id')
    .execute();
}

/** Published articles and pages that cite the key, newest first (scheduled ones once their time has come). */
export async function publishedPostsCitingKey(
  db: Db,
  key: string,
  now: string,
): Promise<{ slug: string; title: string; published_at: string | null }[]> {
  return db
    .selectFrom('post_citations')
    .innerJoin('posts', 'posts.id', 'post_citations.post_id')
    .select(['posts.slug', 'posts.title', 'posts.published_at'])
    .where('post_citations.source_key', '=', key)
    .where('posts.status', 'in', ['published', 'scheduled'])
    .where('posts.published_at', '<=', now)
    .orderBy('posts.published_at', 'desc')
    .orderBy('posts.id', 'desc')
    .execute();
}

/** The keys each of these posts cites (known to the library or not), by post id; a post citing none is absent. */
export async function citedKeysOfPosts(db: Db, postIds: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (let at = 0; at < postIds.length; at += BATCH) {
    const rows = await db
      .selectFrom('post_citations')
      .select(['post_id', 'source_key'])
      .where('post_id', 'in', postIds.slice(at, at + BATCH))
      .execute();
    for (const r of rows) out.set(r.post_id, [...(out.get(r.post_id) ?? []), r.source_key]);
  }
  return out;
}

/** Replaces the keys a post cites. */
export async function setPostCitations(db: Db, postId: number, keys: string[]): Promise<void> {
  await db.deleteFrom('post_citations').where('post_id', '=', postId).execute();
  if (keys.length > 0)
    await db
      .insertInto('post_citations')
      .values(keys.map((source_key) => ({ post_id: postId, source_key })))
      .execute();
}

/**
 * Marks the stored render of posts citing these keys (or citing anything, for a change of style) as stale:
 * reading.service renders them afresh on the next read, with the new text of the source.
 */
export async function invalidateCitingRenders(db: Db, keys: string[] | 'all'): Promise<number> {
  if (keys !== 'all' && keys.length === 0) return 0;
  const r = await db
    .updateTable('posts')
    .set({ render_version: 0 })
    .where('id', 'in', (eb) => {
      const q = eb.selectFrom('post_citations').select('post_id');
      return keys === 'all' ? q : q.where('source_key', 'in', keys);
    })
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
