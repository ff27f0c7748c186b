/**
 * Every error Annalist shows a person has a stable code. HTTP status lives only in the web layer
 * (src/web/kit/http-errors.ts), in a table keyed by these codes: a new code without a status fails the typecheck.
 * docs/errors.md explains each one.
 */
export const ERROR_CODES = [
  'NOT_FOUND',
  'POST_NOT_FOUND',
  'CATEGORY_NOT_FOUND',
  'TAG_NOT_FOUND',
  'AUTHOR_NOT_FOUND',
  'ARCHIVE_NOT_FOUND',
  'INVALID_PAGE_NUMBER',
  'INVALID_QUERY',
  'INVALID_FORM',
  'SEARCH_QUERY_TOO_LONG',
  'INVALID_URL_ENCODING',
  'BAD_REQUEST',
  'METHOD_NOT_ALLOWED',
  'COMMENT_INVALID',
  'COMMENT_REJECTED',
  'PARENT_NOT_FOUND',
  'FORM_TOKEN_REPLAYED',
  'CROSS_ORIGIN_REQUEST',
  'RATE_LIMITED',
  'SIGN_IN_FAILED',
  'SIGN_IN_RATE_LIMITED',
  'SIGN_IN_LINK_INVALID',
  'PASSWORD_REJECTED',
  'USER_EMAIL_TAKEN',
  'SIGN_IN_STEP_EXPIRED',
  'TOTP_CODE_INVALID',
  'CURRENT_PASSWORD_WRONG',
  'USER_NOT_FOUND',
  'ROLE_TOO_HIGH',
  'USER_OUTRANKS_YOU',
  'LAST_OWNER',
  'SELF_LOCKOUT',
  'FORBIDDEN',
  'CSRF_FAILED',
  'COMMENT_NOT_FOUND',
  'SETTINGS_INVALID',
  'TAXONOMY_INVALID',
  'TAXONOMY_CONFLICT',
  'EDIT_CONFLICT',
  'POST_INVALID',
  'PAGE_PARENT_INVALID',
  'REVISION_NOT_FOUND',
  'MEDIA_NOT_FOUND',
  'MEDIA_INVALID',
  'MEDIA_TYPE_REFUSED',
  'MEDIA_SVG_REFUSED',
  'MEDIA_TOO_LARGE',
  'MEDIA_TOO_MANY_PIXELS',
  'MEDIA_UNREADABLE',
  'MEDIA_TOO_COMPLEX',
  'MEDIA_IN_USE',
  'SITE_WORDS_INVALID',
  'SOURCE_INVALID',
  'SOURCE_KEY_TAKEN',
  'SOURCE_NOT_FOUND',
  'BACKUP_NOT_FOUND',
  'EXPORT_BUSY',
  'SOURCE_IN_USE',
  'ENTITY_INVALID',
  'ENTITY_NOT_FOUND',
  'ENTITY_IN_USE',
  'ENTITY_MERGE_REFUSED',
  'TIMELINE_QUERY_INVALID',
  'BIBLIOGRAPHY_UNREADABLE',
  'BIBLIOGRAPHY_TOO_LARGE',
  'IMPORT_MALFORMED',
  'IMPORT_REFUSED',
  'IMPORT_NOT_WXR',
  'IMPORT_NOT_DISQUS',
  'IMPORT_GHOST_EMPTY',
  'IMPORT_GHOST_MALFORMED',
  'IMPORT_GHOST_NOT_EXPORT',
  'IMPORT_GHOST_VERSION',
  'IMPORT_GHOST_TOO_LARGE',
  'IMPORT_JSON_MALFORMED',
  'IMPORT_JSON_INVALID',
  'IMPORT_JSON_TOO_NEW',
  'IMPORT_SITE_NOT_EMPTY',
  'IMPORT_UPLOAD_EMPTY',
  'IMPORT_UPLOAD_TOO_LARGE',
  'IMPORT_UPLOAD_DAMAGED',
  'IMPORT_BUSY',
  'IMPORT_UPLOADS_NOT_FOLDER',
  'IMPORT_AUTHOR_MAP_MALFORMED',
  'IMPORT_AUTHOR_MAP_UNKNOWN',
  'SUGGESTION_INVALID',
  'SUGGESTION_PASSAGE_NOT_FOUND',
  'SUGGESTION_NOT_FOUND',
  'SUGGESTION_ALREADY_DECIDED',
  'CORRECTION_INVALID',
  'SHARED_STATE_UNAVAILABLE',
  'TEXT_TOO_COMPLEX',
  'SERVER_BUSY',
  'DATABASE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error with a stable code, a message safe to show anyone, and private detail for the logs only. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly publicMessage: string;
  readonly detail: string | undefined;
  /** Per-field messages for forms ("email" -> "That is not an email address."). */
  readonly fields: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    publicMessage: string,
    options: { detail?: string; cause?: unknown; fields?: Record<string, string> } = {},
  ) {
    super(`${code}: ${publicMessage}${options.detail ? ` (${options.detail})` : ''}`, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.publicMessage = publicMessage;
    this.detail = options.detail;
    this.fields = options.fields;
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;
