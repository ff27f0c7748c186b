import type { ErrorCode } from '../modules/shared/errors.ts';

/** HTTP status and page title for every error code. A code missing here fails the typecheck. */
export const HTTP_ERRORS: Record<ErrorCode, { status: number; title: string }> = {
  NOT_FOUND: { status: 404, title: 'Page not found' },
  POST_NOT_FOUND: { status: 404, title: 'Article not found' },
  CATEGORY_NOT_FOUND: { status: 404, title: 'Category not found' },
  TAG_NOT_FOUND: { status: 404, title: 'Tag not found' },
  AUTHOR_NOT_FOUND: { status: 404, title: 'Author not found' },
  ARCHIVE_NOT_FOUND: { status: 404, title: 'Archive not found' },
  INVALID_PAGE_NUMBER: { status: 400, title: 'That page number does not work' },
  INVALID_QUERY: { status: 400, title: 'That address does not work' },
  SEARCH_QUERY_TOO_LONG: { status: 400, title: 'That search is too long' },
  INVALID_URL_ENCODING: { status: 400, title: 'That address is not valid' },
  BAD_REQUEST: { status: 400, title: 'That request does not work' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Not allowed here' },
  INTERNAL_ERROR: { status: 500, title: 'Something went wrong on our side' },
};
