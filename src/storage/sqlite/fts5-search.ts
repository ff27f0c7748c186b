import { sql } from 'kysely';
import type { Db } from '../schema.ts';
import {
  HIGHLIGHT_END,
  HIGHLIGHT_START,
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

  async query(terms: string[], page: SearchPage): Promise<{ hits: SearchHit[]; total: number }> {
    if (terms.length === 0) return { hits: [], total: 0 };
    const match = toMatchExpression(terms);
    // Readers see what is published, or scheduled with its time come. The posts they may not see (drafts,
    // posts scheduled for later) are few on any real site: leaving them out by id lets FTS5 count and rank on
    // its own, where joining posts looked up every match (30,000 of them for a common word on a large site).
    // A site with more of them than HIDDEN_BY_ID gets the same answer by joining posts.
    const hidden = await sql<{ id: number }>`
      select id from posts where type in ('post', 'page') and status = 'draft'
      union all
      select id from posts where type in ('post', 'page') and status in ('published', 'scheduled')
        and (published_at > ${page.visibleAt} or published_at is null)
      limit ${HIDDEN_BY_ID + 1}`.execute(this.db);
    const [from, visible] =
      hidden.rows.length > HIDDEN_BY_ID
        ? [
            sql`search_posts s join posts p on p.id = s.rowid`,
            sql`p.status in ('published', 'scheduled') and p.published_at <= ${page.visibleAt}`,
          ]
        : [
            sql`search_posts s`,
            sql`s.rowid not in (select value from json_each(${JSON.stringify(hidden.rows.map((r) => r.id))}))`,
          ];
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
}
