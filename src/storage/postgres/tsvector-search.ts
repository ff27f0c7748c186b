import { type RawBuilder, sql } from 'kysely';
import { TSVECTOR_CONFIG } from '../migrations/001-initial.ts';
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

  async query(terms: string[], page: SearchPage, also?: SearchAlso): Promise<{ hits: SearchHit[]; total: number }> {
    const mentioning = also?.mentioning ?? [];
    if (mentioning.length > 0) return this.queryWithMentions(terms, page, mentioning);
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

  /**
   * The posts whose words match, ranked, then the visible posts mentioning one of the entities that the words did
   * not find, newest first (decision 045): one list, counted and paged together. The mentioned posts' snippets are
   * the start of their bodies; headlines are built for the matched rows of the page only.
   */
  private async queryWithMentions(
    terms: string[],
    page: SearchPage,
    mentioning: readonly number[],
  ): Promise<{ hits: SearchHit[]; total: number }> {
    const visible = sql`p.status in ('published', 'scheduled') and p.published_at <= ${page.visibleAt}`;
    const query = terms.length > 0 ? toTsquery(terms) : sql`null::tsquery`;
    const ids = sql`(${sql.join(mentioning.map((id) => sql`${id}::integer`))})`;
    const found = sql`q as (select ${query} as query),
      matched as (
        select s.post_id as id, -ts_rank_cd(${WEIGHTS}, s.document, q.query, 1) as rank
        from search_posts s join posts p on p.id = s.post_id cross join q
        where q.query is not null and s.document @@ q.query and ${visible}
      ),
      mentioned as (
        select distinct m.post_id as id, p.published_at from entity_mentions m join posts p on p.id = m.post_id
        where m.entity_id in ${ids} and ${visible}
          and m.post_id not in (select id from matched)
          and exists (select 1 from search_posts x where x.post_id = m.post_id)
      ),
      found as (
        select id, 0 as src, rank, '' as published from matched
        union all
        select id, 1, 0, published_at from mentioned
      )`;
    const count = await sql<{ n: number }>`with ${found} select count(*)::integer as n from found`.execute(this.db);
    const rows = await sql<{ id: number; rank: number; snippet: string }>`with ${found},
      paged as (select * from found order by src, rank, published desc, id limit ${page.limit} offset ${page.offset})
      select f.id, f.rank,
        case when f.src = 0 then ts_headline(${CONFIG}::regconfig, s.body, q.query, ${HEADLINE_OPTIONS})
          else left(s.body, ${MENTION_SNIPPET_LENGTH})
            || case when length(s.body) > ${MENTION_SNIPPET_LENGTH} then '…' else '' end
        end as snippet
      from paged f join search_posts s on s.post_id = f.id cross join q
      order by f.src, f.rank, f.published desc, f.id`.execute(this.db);
    return {
      total: count.rows[0]?.n ?? 0,
      hits: rows.rows.map((r) => ({ postId: r.id, rank: r.rank, snippet: r.snippet })),
    };
  }
}
