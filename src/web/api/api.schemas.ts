import { Type } from '@sinclair/typebox';
import { PageNumber, Params, Slug, StrictQuery } from '../kit/schemas.ts';

/**
 * One schema per API boundary: they validate requests and describe them in openapi.json (the comments API's
 * schemas are in discussion/discussion.schemas.ts). The API's queries are strict: an unknown parameter is a 400.
 */
export const PostsQuery = StrictQuery({
  page: Type.Optional(PageNumber),
  per_page: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$', description: '1 to 100, default 10' })),
  category: Type.Optional(
    Type.String({ pattern: '^[a-z0-9-]+(?:/[a-z0-9-]+)*$', maxLength: 500, description: 'Category slug path' }),
  ),
  tag: Type.Optional(Slug),
  author: Type.Optional(Slug),
});
export const SearchQuery = StrictQuery({
  q: Type.String({ minLength: 1, maxLength: 200 }),
  page: Type.Optional(PageNumber),
});
export const SlugParams = Params({ slug: Slug });

/** The API's lists that take no parameter. */
export const NoQuery = StrictQuery({});
