import { Type } from '@sinclair/typebox';
import { COMMENT_ORDERS } from '../../modules/comments/comment-thread.service.ts';
import { OneOf, Params, PublicQuery, Text } from '../kit/schemas.ts';

/**
 * The reader's pages: what their addresses may carry. A slug that cannot be one is a 404 (the route checks it,
 * so an old platform's address still finds its redirect); these ceilings only bound what reaches the handler.
 */

/** ?page= as a person may mistype it: the number itself is checked by parsePageNumber (INVALID_PAGE_NUMBER). */
export const PageParam = Type.Optional(Type.Union([Text(20), Type.Array(Text(20), { maxItems: 10 })]));

/** `/:slug/` and the other addresses under an article's slug. */
export const SlugParams = Params({ slug: Text(300) });

/** A wildcard address (`/category/*`, `/media/*`). */
export const RestParams = Params({ '*': Text(16_384) });

export const PagedQuery = PublicQuery({ page: PageParam });

/** The search page: the domain refuses a search longer than it takes (SEARCH_QUERY_TOO_LONG). */
export const SearchPageQuery = PublicQuery({ q: Type.Optional(Text(20_000)), page: PageParam });

export const MonthParams = Params({ year: Text(300), month: Text(300) });

/** The article page: comments page and order, "reply to" links, and the notice after a held comment. */
export const ArticleQuery = PublicQuery({
  cpage: PageParam,
  corder: Type.Optional(Type.Union([OneOf(COMMENT_ORDERS), Type.Literal('')])),
  replyto: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,9})?$', description: 'a comment number' })),
  quote: Type.Optional(Text(10)),
  posted: Type.Optional(Text(20)),
});
