import type { Row } from '../table-copy.ts';
import { TABLES_IN_DEPENDENCY_ORDER, type TableName } from '../tables.ts';

/**
 * What an Annalist backup holds (docs/backups.md): a gzip'd ustar archive of
 *   manifest.json               first: versions, row counts, and the SHA-256 of every other member, in order
 *   tables/<table>.jsonl        one JSON object per row, tables parents first (ARCHIVE_TABLE_ORDER)
 *   search/search_posts.jsonl   the full-text index's documents, to rebuild it on either database
 *   media/<path>                the files of the data folder's media/ folder, byte for byte
 * and, by design, no secret: see LEFT_OUT and scrubRow. Format 1 (decision 025) had the manifest last; format 2
 * (decision 028) puts it first, so a restore knows every member's checksum before the member arrives and can
 * check and load the archive in one pass. Both are read.
 */

export const BACKUP_FORMAT = 'annalist-backup';
/** Bumped when a reader of the old format could misread the new one. */
export const BACKUP_FORMAT_VERSION = 2;
/** Up to this format version the manifest is the last member; from the next one on, the first. */
export const LAST_FORMAT_WITH_MANIFEST_LAST = 1;
export const MANIFEST_NAME = 'manifest.json';
export const SEARCH_MEMBER = 'search/search_posts.jsonl';
export const tableMember = (table: string) => `tables/${table}.jsonl`;
export const MEDIA_PREFIX = 'media/';

/**
 * The order of the tables in a format 2 archive: TABLES_IN_DEPENDENCY_ORDER with post_bodies moved last.
 * Nothing refers to post_bodies, so parents still come before children (test/storage/backup.test.ts checks it
 * against the foreign keys); and a restore into a new SQLite file builds the other tables' indexes while it
 * loads the largest table, which has none (restore-new-file.ts). Format 1 followed TABLES_IN_DEPENDENCY_ORDER.
 */
export const ARCHIVE_TABLE_ORDER: readonly TableName[] = [
  ...TABLES_IN_DEPENDENCY_ORDER.filter((t) => t !== 'post_bodies'),
  'post_bodies',
];

export interface ManifestMember {
  name: string;
  bytes: number;
  sha256: string;
  /** For tables/ and search/ members: the number of rows (lines). */
  rows?: number;
  /** For tables/ members: the table. */
  table?: string;
}

export interface Manifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  annalistVersion: string;
  /** The last migration applied to the database backed up: the schema its rows fit. */
  schemaVersion: string;
  /** Every migration applied, oldest first. */
  migrations: string[];
  createdAt: string;
  /** The database it was taken from: 'sqlite' or 'postgresql'. */
  database: string;
  /** Password hashes and second-factor secrets are in (annalist backup --include-accounts). */
  includesAccounts: boolean;
  /** What was left out on purpose, and why. */
  leftOut: Record<string, string>;
  /** Every member but the manifest, in archive order (format 2: a member out of this order is refused). */
  members: ManifestMember[];
}

/**
 * Tables never written to a backup: they hold credentials or one-time tokens, not the site. Restored, the
 * site has no session (everyone signs in again) and an empty mail queue.
 */
export const TABLES_LEFT_OUT: Partial<Record<TableName, string>> = {
  sessions: 'sign-in sessions (hashes of session tokens): everyone signs in again after a restore',
  used_form_tokens:
    'spent one-time form and link tokens: they only matter while the site secret they were signed with lives',
  outbox: 'mail not yet sent: it carries one-time links signed with the site secret',
  import_uploads: 'exports uploaded in /admin/import and their reports: passing work, deleted once imported',
  import_upload_chunks: 'the bytes of those uploads (up to 512 MB each): upload the file again after a restore',
  media_pending: 'images kept for a day after their upload form was refused: choose the file again after a restore',
};

/** Settings rows never written: the site's signing key. A restored site makes a new one on first use. */
export const SETTINGS_LEFT_OUT: Record<string, string> = {
  'secret.hmac': "the site's signing key (sign-in, reset, unsubscribe and form links): a new one is made",
};

/** users columns emptied unless accounts are asked for: with them anyone could test passwords offline. */
const ACCOUNT_SECRETS = ['password_hash', 'totp_secret', 'totp_enabled_at', 'totp_last_step'] as const;

/** Everything left out, for the manifest. */
export function leftOutList(includeAccounts: boolean): Record<string, string> {
  const list: Record<string, string> = { ...TABLES_LEFT_OUT };
  for (const [key, why] of Object.entries(SETTINGS_LEFT_OUT)) list[`settings:${key}`] = why;
  if (!includeAccounts)
    list['users:password_hash,totp_secret'] =
      'passwords and second factors (annalist backup --include-accounts keeps them): people set a password again';
  return list;
}

/**
 * The row as it may be written to a backup, or undefined when it must not be written at all. The second
 * factor is removed with the password: a secret left without the other would lock its owner out.
 */
export function scrubRow(table: TableName, row: Row, includeAccounts: boolean): Row | undefined {
  if (table === 'settings' && typeof row.key === 'string' && row.key in SETTINGS_LEFT_OUT) return undefined;
  if (table === 'users' && !includeAccounts) {
    for (const column of ACCOUNT_SECRETS) if (column in row) row[column] = null;
  }
  return row;
}

/**
 * Whether a row read back from an archive is one a backup could have written (see scrubRow): no signing key,
 * and no password or second factor unless the backup says it kept accounts. Restore refuses an archive with
 * any other: its checksums only show it was not damaged, not that nobody made it.
 */
export function rowAllowed(table: TableName, row: Row, includesAccounts: boolean): boolean {
  if (table === 'settings') return !(typeof row.key === 'string' && row.key in SETTINGS_LEFT_OUT);
  if (table === 'users' && !includesAccounts)
    return ACCOUNT_SECRETS.every((c) => row[c] === null || row[c] === undefined);
  return !(table in TABLES_LEFT_OUT);
}

/** Restore refuses an archive with a row rowAllowed refuses, though its checksums agree. */
export const rowRefused = (table: string) =>
  new BackupError(
    'BACKUP_DAMAGED',
    `the backup holds a ${table} row no backup writes (a signing key, a password or a second factor it says it left out); nothing was restored`,
  );

/** One row as a line of JSON: bytes (image files) as {"$bytes": base64}, since no column holds an object. */
export function encodeRow(row: Row): string {
  // Most rows hold no bytes: stringified as they are, without a copy (a backup encodes millions of rows).
  let bytes = false;
  for (const column in row) if (Buffer.isBuffer(row[column])) bytes = true;
  if (!bytes) return JSON.stringify(row);
  const plain: Row = {};
  for (const [column, value] of Object.entries(row))
    plain[column] = Buffer.isBuffer(value) ? { $bytes: value.toString('base64') } : value;
  return JSON.stringify(plain);
}

export function decodeRow(line: string): Row {
  // A reviver costs a call per value: only lines that hold bytes need one.
  if (!line.includes('"$bytes"')) return JSON.parse(line) as Row;
  return JSON.parse(line, (_key, value: unknown) =>
    value && typeof value === 'object' && typeof (value as { $bytes?: unknown }).$bytes === 'string'
      ? Buffer.from((value as { $bytes: string }).$bytes, 'base64')
      : value,
  ) as Row;
}

export type BackupErrorCode =
  | 'BACKUP_FAILED'
  | 'BACKUP_DAMAGED'
  | 'BACKUP_TOO_NEW'
  | 'RESTORE_TARGET_NOT_EMPTY'
  | 'RESTORE_FAILED';

/** A backup or restore that cannot start or cannot finish; the message is one line a person can act on. */
export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackupError';
  }
}
