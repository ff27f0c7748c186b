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

/** The highlight markers must never occur in indexed text. */
const clean = stripHighlightMarkers;

/** SearchIndex on SQLite FTS5: bm25 ranking with title weighted over standfirst over body. */
export class Fts5SearchIndex implements SearchIndex {
  constructor(private readonly db: Db) {}

  async upsert(doc: SearchDocument, within: Db = this.db): Promise<void> {
    await this.remove(doc.postId, within);
    await sql`insert into search_posts (rowid, title, standfirst, body)
      values (${doc.postId}, ${clean(doc.title)}, ${clean(doc.standfirst)}, ${clean(doc.body)})`.execute(within);
  }

  async remove(postId: number, within: Db = this.db): Promise<void> {
    await sql`delete from search_posts where rowid = ${postId}`.execute(within);
  }

  async query(terms: string[], page: SearchPage): Promise<{ hits: SearchHit[]; total: number }> {
    if (terms.length === 0) return { hits: [], total: 0 };
    const match = toMatchExpression(terms);
    // Only what readers may see: published, or scheduled with its time come.
    const visible = sql`p.status in ('published', 'scheduled') and p.published_at <= ${page.visibleAt}`;
    const count = await sql<{ n: number }>`
      select count(*) as n from search_posts s join posts p on p.id = s.rowid
      where search_posts match ${match} and ${visible}`.execute(this.db);
    const rows = await sql<{ id: number; rank: number; snippet: string }>`
      select s.rowid as id, bm25(search_posts, 10.0, 4.0, 1.0) as rank,
             snippet(search_posts, 2, ${HIGHLIGHT_START}, ${HIGHLIGHT_END}, '…', 32) as snippet
      from search_posts s join posts p on p.id = s.rowid
      where search_posts match ${match} and ${visible}
      order by rank limit ${page.limit} offset ${page.offset}`.execute(this.db);
    return {
      total: count.rows[0]?.n ?? 0,
      hits: rows.rows.map((r) => ({ postId: r.id, rank: r.rank, snippet: r.snippet })),
    };
  }
}
