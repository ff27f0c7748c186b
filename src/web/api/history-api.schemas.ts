import { Type } from '@sinclair/typebox';
import { ENTITY_KINDS } from '../../modules/history/entity-form.ts';
import { OneOf, PageNumber, Params, Slug, StrictQuery } from '../kit/schemas.ts';

/** The API's entity routes' schemas (decision 045): they validate requests and describe them in openapi.json. */
const PerPage = Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$', description: '1 to 100, default 50' });

export const EntityListQuery = StrictQuery({
  kind: Type.Optional(OneOf(ENTITY_KINDS)),
  page: Type.Optional(PageNumber),
  per_page: Type.Optional(PerPage),
});
export const EventListQuery = StrictQuery({
  page: Type.Optional(PageNumber),
  per_page: Type.Optional(PerPage),
});
export const EntityParams = Params({ kind: OneOf(ENTITY_KINDS), slug: Slug });
/** An entity's mentioning articles come 50 a page, as on its page. */
export const EntityQuery = StrictQuery({ page: Type.Optional(PageNumber) });
