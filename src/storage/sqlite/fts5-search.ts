import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../schema.ts';
import {
  HIGHLIGHT_END,
  HIGHLIGHT_START,
  MENTION_SNIPPET_LENGTH,
  type SearchAlso,
  type SearchDocument,
  type SearchHit,
  type SearchIndex,
  type SearchPage,
  stripHighlightMarkers,
} from '../search-index.ts';

/** Quotes each term so FTS5 reads it as a plain string, never as query syntax (NEAR, *, column filters…). */
function toMatchExpression(terms: string[]): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' ');
}

/** Up to this many posts hidden from readers are left out of the matches by id; past it, matches join posts. */
export const HIDDEN_BY_ID = 1000;

/** SearchIndex on SQLite FTS5: bm25 ranking with title weighted over standfirst over body. */
export class Fts5SearchIndex implements SearchIndex {
  constructor(private readonly db: Db) {}

  async upsert(doc: SearchDocument, within: Db = this.db): Promise<void> {
    await this.remove(doc.postId, within);
    await sql`insert into search_posts (rowid, title, standfirst, body)
      values (${doc.postId}, ${stripHighlightMarkers(doc.title)}, ${stripHighlightMarkers(doc.standfirst)},
        ${stripHighlightMarkers(doc.body)})`.execute(within);
  }

  async remove(postId: number, within: Db = this.db): Promise<void> {
    await sql`delete from search_posts where rowid = ${postId}`.execute(within);
  }

  async query(terms: string[], page: SearchPage, also?: SearchAlso): Promise<{ hits: SearchHit[]; total: number }> {
    const mentioning = also?.mentioning ?? [];
    if (mentioning.length > 0) return this.queryWithMentions(terms, page, mentioning);
    if (terms.length === 0) return { hits: [], total: 0 };
    const match = toMatchExpression(terms);
    const { from, visible } = await this.visibility(page);
    const count = await sql<{ n: number }>`
      select count(*) as n from ${from} where search_posts match ${match} and ${visible}`.execute(this.db);
    const rows = await sql<{ id: number; rank: number; snippet: string }>`
      select s.rowid as id, bm25(search_posts, 10.0, 4.0, 1.0) as rank,
             snippet(search_posts, 2, ${HIGHLIGHT_START}, ${HIGHLIGHT_END}, '…', 32) as snippet
      from ${from}
      where search_posts match ${match} and ${visible}
      order by rank limit ${page.limit} offset ${page.offset}`.execute(this.db);
    return {
      total: count.rows[0]?.n ?? 0,
      hits: rows.rows.map((r) => ({ postId: r.id, rank: r.rank, snippet: r.snippet })),
    };
  }

  /**
   * How the matches leave out what readers may not see. Readers see what is published, or scheduled with its time
   * come. The posts they may not see (drafts, posts scheduled for later) are few on any real site: leaving them out
   * by id lets FTS5 count and rank on its own, where joining posts looked up every match (30,000 of them for a
   * common word on a large site). A site with more of them than HIDDEN_BY_ID gets the same answer by joining posts.
   */
  private async visibility(page: SearchPage): Promise<{ from: RawBuilder<unknown>; visible: RawBuilder<unknown> }> {
    const hidden = await sql<{ id: number }>`
      select id from posts where type in ('post', 'page') and status = 'draft'
      union all
      select id from posts where type in ('post', 'page') and status in ('published', 'scheduled')
        and (published_at > ${page.visibleAt} or published_at is null)
      limit ${HIDDEN_BY_ID + 1}`.execute(this.db);
    return hidden.rows.length > HIDDEN_BY_ID
      ? {
          from: sql`search_posts s join posts p on p.id = s.rowid`,
          visible: sql`p.status in ('published', 'scheduled') and p.published_at <= ${page.visibleAt}`,
        }
      : {
          from: sql`search_posts s`,
          visible: sql`s.rowid not in (select value from json_each(${JSON.stringify(hidden.rows.map((r) => r.id))}))`,
        };
  }

  /**
   * The posts whose words match, ranked, then the visible posts mentioning one of the entities that the words did
   * not find, newest first (decision 045): one list, counted and paged together.
   */
  private async queryWithMentions(
    terms: string[],
    page: SearchPage,
    mentioning: readonly number[],
  ): Promise<{ hits: SearchHit[]; total: number }> {
    let matched = sql`select 0 as id, 0.0 as rank, '' as snippet where 0`;
    if (terms.length > 0) {
      const { from, visible } = await this.visibility(page);
      matched = sql`select s.rowid as id, bm25(search_posts, 10.0, 4.0, 1.0) as rank,
          snippet(search_posts, 2, ${HIGHLIGHT_START}, ${HIGHLIGHT_END}, '…', 32) as snippet
        from ${from} where search_posts match ${toMatchExpression(terms)} and ${visible}`;
    }
    const found = sql`matched as (${matched}),
      mentioned as (
        select distinct m.post_id as id from entity_mentions m join posts p on p.id = m.post_id
        where m.entity_id in (select value from json_each(${JSON.stringify(mentioning)}))
          and p.status in ('published', 'scheduled') and p.published_at <= ${page.visibleAt}
          and m.post_id not in (select id from matched)
          and exists (select 1 from search_posts x where x.rowid = m.post_id)
      )`;
    const count = await sql<{ n: number }>`with ${found}
      select count(*) as n from (select id from matched union all select id from mentioned)`.execute(this.db);
    const rows = await sql<{ id: number; rank: number; snippet: string }>`with ${found}
      select id, rank, snippet, 0 as src, '' as published from matched
      union all
      select s.rowid, 0.0, substr(s.body, 1, ${MENTION_SNIPPET_LENGTH})
          || case when length(s.body) > ${MENTION_SNIPPET_LENGTH} then '…' else '' end, 1, p.published_at
        from mentioned x join search_posts s on s.rowid = x.id join posts p on p.id = x.id
      order by src, rank, published desc, id
      limit ${page.limit} offset ${page.offset}`.execute(this.db);
    return {
      total: count.rows[0]?.n ?? 0,
      hits: rows.rows.map((r) => ({ postId: r.id, rank: r.rank, snippet: r.snippet })),
    };
  }
}
