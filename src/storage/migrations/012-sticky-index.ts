import { type Migration, sql } from 'kysely';
import type { AnyDb } from './index.ts';

/**
 * The home page lists the sticky articles first (migration 011's `posts.sticky`). Without an index, finding them
 * reads every post (tens of milliseconds on a site of 100,000 after every write); this partial index holds the
 * few sticky posts only, so writing any other post costs nothing more. Queries name `sticky = 1` as a literal:
 * SQLite uses a partial index only when the query's own condition implies the index's.
 */
export function stickyIndexMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createIndex('posts_sticky')
        .on('posts')
        .columns(['published_at', 'id'])
        .where(sql.ref('sticky'), '=', sql.lit(1))
        .execute();
    },
  };
}
