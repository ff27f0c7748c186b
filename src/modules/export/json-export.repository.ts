import { type Selectable, sql } from 'kysely';
import type {
  Db,
  EntityIdentifierTable,
  EntityNameTable,
  EntityOldSlugTable,
  EntitySourceTable,
  MediaFileTable,
  PlaceShapeTable,
  PostRevisionTable,
} from '../../storage/schema.ts';

/** The reads of the JSON export (json-export-items.ts): whole tables by keyset pages, and each row's parts. */

export type ExportTableRow = Record<string, unknown>;

/** Which page of a table: its unique key columns, the key values of the previous page's last row (none: the first). */
export interface TablePage {
  table: string;
  keys: readonly string[];
  after: readonly unknown[] | undefined;
  limit: number;
}

/** One page of a table's rows, every column, ordered by its key columns and following `after`. */
export async function pageTableRows(db: Db, page: TablePage): Promise<ExportTableRow[]> {
  const { keys, after: last } = page;
  const after = last
    ? sql`where ${sql.join(
        keys.map(
          (_k, i) =>
            sql`(${sql.join(
              keys
                .slice(0, i + 1)
                .map((c, j) => (j < i ? sql`${sql.ref(c)} = ${last[j]}` : sql`${sql.ref(c)} > ${last[j]}`)),
              sql` and `,
            )})`,
        ),
        sql` or `,
      )}`
    : sql``;
  const order = sql.join(keys.map((k) => sql.ref(k)));
  const { rows } =
    await sql<ExportTableRow>`select * from ${sql.table(page.table)} ${after} order by ${order} limit ${page.limit}`.execute(
      db,
    );
  return rows;
}

/** An entity's other names, old slugs, shapes, sources and identifiers, each in its order. */
export async function listEntityPartRows(
  db: Db,
  id: number,
): Promise<
  [
    Selectable<EntityNameTable>[],
    Selectable<EntityOldSlugTable>[],
    Selectable<PlaceShapeTable>[],
    Selectable<EntitySourceTable>[],
    Selectable<EntityIdentifierTable>[],
  ]
> {
  return Promise.all([
    db.selectFrom('entity_names').selectAll().where('entity_id', '=', id).orderBy('position').execute(),
    db.selectFrom('entity_old_slugs').selectAll().where('entity_id', '=', id).orderBy('kind').orderBy('slug').execute(),
    db.selectFrom('place_shapes').selectAll().where('entity_id', '=', id).orderBy('position').execute(),
    db.selectFrom('entity_sources').selectAll().where('entity_id', '=', id).orderBy('position').execute(),
    db.selectFrom('entity_identifiers').selectAll().where('entity_id', '=', id).orderBy('position').execute(),
  ]);
}

/** A media item's files (with their bytes), by name. */
export async function listMediaFileRows(db: Db, mediaId: number): Promise<Selectable<MediaFileTable>[]> {
  return db.selectFrom('media_files').selectAll().where('media_id', '=', mediaId).orderBy('name').execute();
}

export async function findPostBodyRow(db: Db, postId: number): Promise<{ body_md: string } | undefined> {
  return db.selectFrom('post_bodies').select('body_md').where('post_id', '=', postId).executeTakeFirst();
}

/** A table linking posts to categories or tags, and its column naming them. */
export type PostLinkTable =
  | { table: 'post_categories'; column: 'category_id' }
  | { table: 'post_tags'; column: 'tag_id' };

/** The category or tag ids of a post, in order. */
export async function listPostLinkIds(db: Db, link: PostLinkTable, postId: number): Promise<{ id: number }[]> {
  const { rows } = await sql<{ id: number }>`select ${sql.ref(link.column)} as id from ${sql.table(link.table)}
    where post_id = ${postId} order by ${sql.ref(link.column)}`.execute(db);
  return rows;
}

/** A post's authors in order. */
export async function listPostAuthorRows(db: Db, postId: number): Promise<{ author_id: number }[]> {
  return db.selectFrom('post_authors').select('author_id').where('post_id', '=', postId).orderBy('position').execute();
}

/** A post's kept revisions by number. */
export async function listPostRevisionRows(db: Db, postId: number): Promise<Selectable<PostRevisionTable>[]> {
  return db.selectFrom('post_revisions').selectAll().where('post_id', '=', postId).orderBy('number').execute();
}
