import { Type } from '@sinclair/typebox';

/** One schema per API boundary: they validate requests and describe them in openapi.json. */
const PageNumber = Type.String({ pattern: '^[0-9]{1,6}$', description: 'Page number, from 1' });
const Slug = Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 200 });

export const PostsQuery = Type.Object(
  {
    page: Type.Optional(PageNumber),
    per_page: Type.Optional(
      Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$', description: '1 to 100, default 10' }),
    ),
    category: Type.Optional(
      Type.String({ pattern: '^[a-z0-9-]+(?:/[a-z0-9-]+)*$', maxLength: 500, description: 'Category slug path' }),
    ),
    tag: Type.Optional(Slug),
    author: Type.Optional(Slug),
  },
  { additionalProperties: false },
);
export const SearchQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 200 }), page: Type.Optional(PageNumber) },
  { additionalProperties: false },
);
export const SlugParams = Type.Object({ slug: Slug });
