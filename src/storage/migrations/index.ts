import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { initialMigration } from './001-initial.ts';
import { discussionMigration } from './002-discussion.ts';
import { writingMigration } from './003-writing.ts';
import { threadCountMigration } from './004-thread-count.ts';
import { evidenceMigration } from './005-evidence.ts';
import { postBodiesMigration } from './006-post-bodies.ts';
import { importMapMigration } from './007-import-map.ts';
import { commentNamesMigration } from './008-comment-names.ts';
import { backupRunsMigration } from './009-backup-runs.ts';
import { importUploadsMigration } from './010-import-uploads.ts';
import { pagesAndMetaMigration } from './011-pages-and-meta.ts';
import { stickyIndexMigration } from './012-sticky-index.ts';
import { entitiesMigration } from './013-entities.ts';
import { placeGeometryMigration } from './014-place-geometry.ts';
import { mediaPendingMigration } from './015-media-pending.ts';
import { mentionOrderMigration } from './016-mention-order.ts';
import { entitySourcesIdentifiersMigration } from './017-entity-sources-identifiers.ts';
import { commitMarkersMigration } from './018-commit-markers.ts';

/**
 * Migrations cannot ask Kysely which dialect they run on, so each is built from the capabilities of the
 * database it is about to change.
 */
export function migrationProvider(caps: Capabilities): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001-initial': initialMigration(caps),
        '002-discussion': discussionMigration(caps),
        '003-writing': writingMigration(caps),
        '004-thread-count': threadCountMigration(),
        '005-evidence': evidenceMigration(caps),
        '006-post-bodies': postBodiesMigration(),
        '007-import-map': importMapMigration(),
        '008-comment-names': commentNamesMigration(),
        '009-backup-runs': backupRunsMigration(caps),
        '010-import-uploads': importUploadsMigration(caps),
        '011-pages-and-meta': pagesAndMetaMigration(),
        '012-sticky-index': stickyIndexMigration(),
        '013-entities': entitiesMigration(caps),
        '014-place-geometry': placeGeometryMigration(),
        '015-media-pending': mediaPendingMigration(caps),
        '016-mention-order': mentionOrderMigration(),
        '017-entity-sources-identifiers': entitySourcesIdentifiersMigration(),
        '018-commit-markers': commitMarkersMigration(caps),
      };
    },
  };
}

export const MIGRATION_NAMES = [
  '001-initial',
  '002-discussion',
  '003-writing',
  '004-thread-count',
  '005-evidence',
  '006-post-bodies',
  '007-import-map',
  '008-comment-names',
  '009-backup-runs',
  '010-import-uploads',
  '011-pages-and-meta',
  '012-sticky-index',
  '013-entities',
  '014-place-geometry',
  '015-media-pending',
  '016-mention-order',
  '017-entity-sources-identifiers',
  '018-commit-markers',
];

// biome-ignore lint/suspicious/noExplicitAny: migrations work on the database as it was, not as it is typed now
export type AnyDb = Kysely<any>;
