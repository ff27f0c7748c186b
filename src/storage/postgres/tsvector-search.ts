import { type RawBuilder, sql } from 'kysely';
import { TSVECTOR_CONFIG } from '../migrations/001-initial.ts';
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

const CONFIG = sql.lit(TSVECTOR_CONFIG);

/**
 * Every term must occur (AND), each read as a phrase of its own words and never as query syntax, as FTS5
 * reads a quoted string: phraseto_tsquery normalises it with the same stemming as the index. Hyphens and
 * apostrophes split a term into words first, as FTS5's tokenizer does: PostgreSQL's parser would otherwise
 * also look for "khalkhin-gol" as one word, which a text saying "Khalkhin Gol" does not have.
 */
function toTsquery(terms: string[]): RawBuilder<unknown> {
  const parts = terms.map((t) => sql`phraseto_tsquery(${CONFIG}::regconfig, ${t.replace(/['’-]/g, ' ')})`);
  return sql`(${sql.join(parts, sql` && `)})`;
}

// ts_rank_cd weights are {D, C, B, A}: body (C) 1, standfirst (B) 4, title (A) 10, as FTS5's bm25(10, 4, 1).
const WEIGHTS = sql.lit('{0.1, 0.1, 0.4, 1.0}');
// About FTS5's snippet of 32 tokens: one fragment around the best match, or the start of the body.
const HEADLINE_OPTIONS = `StartSel="${HIGHLIGHT_START}", StopSel="${HIGHLIGHT_END}", MaxWords=32, MinWords=28, ShortWord=2, MaxFragments=1`;

/** SearchIndex on PostgreSQL: a generated, weighted tsvector under a GIN index; ts_rank_cd and ts_headline. */
export class TsvectorSearchIndex implements SearchIndex {
  constructor(private readonly db: Db) {}

  async upsert(doc: SearchDocument, within: Db = this.db): Promise<void> {
    await sql`insert into search_posts (post_id, title, standfirst, body)
      values (${doc.postId}, ${stripHighlightMarkers(doc.title)}, ${stripHighlightMarkers(doc.standfirst)},
        ${stripHighlightMarkers(doc.body)})
      on conflict (post_id) do update
      set title = excluded.title, standfirst = excluded.standfirst, body = excluded.body`.execute(within);
  }

  async remove(postId: number, within: Db = this.db): Promise<void> {
    await sql`delete from search_posts where post_id = ${postId}`.execute(within);
  }

  async query(terms: string[], page: SearchPage): Promise<{ hits: SearchHit[]; total: number }> {
    if (terms.length === 0) return { hits: [], total: 0 };
    const query = toTsquery(terms);
    // Only what readers may see: published, or scheduled with its time come.
    const visible = sql`p.status in ('published', 'scheduled') and p.published_at <= ${page.visibleAt}`;
    const count = await sql<{ n: number }>`
      select count(*) as n from search_posts s join posts p on p.id = s.post_id
      where s.document @@ ${query} and ${visible}`.execute(this.db);
    // Rank and page first, then build headlines (the costly part) for the rows of this page only. The rank is
    // negated so that, as with bm25(), lower is better. FTS5's snippet marks a cut with "…": so do we.
    const rows = await sql<{ id: number; rank: number; snippet: string }>`
      with q as (select ${query} as query),
      ranked as (
        select s.post_id as id, s.body, -ts_rank_cd(${WEIGHTS}, s.document, q.query, 1) as rank
        from search_posts s join posts p on p.id = s.post_id cross join q
        where s.document @@ q.query and ${visible}
        order by rank, s.post_id
        limit ${page.limit} offset ${page.offset}
      ),
      lit as (
        select r.id, r.rank, r.body,
          ts_headline(${CONFIG}::regconfig, r.body, q.query, ${HEADLINE_OPTIONS}) as headline
        from ranked r cross join q
      ),
      plain as (
        select id, rank, body, headline,
          replace(replace(headline, ${HIGHLIGHT_START}, ''), ${HIGHLIGHT_END}, '') as text
        from lit
      )
      select id, rank,
        case when body = '' or starts_with(body, text) then '' else '…' end || headline
          || case when right(body, length(text)) = text then '' else '…' end as snippet
      from plain
      order by rank, id`.execute(this.db);
    return {
      total: count.rows[0]?.n ?? 0,
      hits: rows.rows.map((r) => ({ postId: r.id, rank: r.rank, snippet: r.snippet })),
    };
  }
}
