import { type Migration, sql } from 'kysely';
import type { AnyDb } from './index.ts';

/**
 * An entity's page lists the published articles mentioning it, newest first, 50 a page (decision 041). Sorting
 * an entity's mentions by the posts' publishing time took a sort of every mention on every read (8 ms for 10,000
 * on SQLite), and counting them a probe of every post. Each mention now carries the time its post became visible
 * to readers (its publishing time while published or scheduled, null otherwise), written by the post writer
 * with the mentions, and an index reads an entity's visible mentions in that order: a page reads the index up to
 * its own rows and the posts of those rows only, a count reads the index alone.
 */
export function mentionOrderMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('entity_mentions').addColumn('visible_from', 'text').execute();
      await sql`update entity_mentions set visible_from = (select posts.published_at from posts
        where posts.id = entity_mentions.post_id and posts.status in ('published', 'scheduled'))`.execute(db);
      await db.schema
        .createIndex('entity_mentions_order')
        .on('entity_mentions')
        .columns(['entity_id', 'visible_from', 'post_id'])
        .execute();
    },
  };
}
