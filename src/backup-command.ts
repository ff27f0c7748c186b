import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { DATABASE_FILE } from './main.ts';
import { createSignInLink } from './modules/accounts/accounts.service.ts';
import { systemClock } from './modules/shared/clock.ts';
import { BackupError, type Manifest } from './storage/backup/backup-format.ts';
import { verifyBackup } from './storage/backup/read-backup.ts';
import { restoreBackup, siteState } from './storage/backup/restore-backup.ts';
import { type BackupProgress, writeBackup } from './storage/backup/write-backup.ts';
import { describeDatabaseUrl } from './storage/postgres/connection.ts';
import { openSqliteStorage } from './storage/sqlite/open-sqlite.ts';
import { type Storage, StorageOpenError } from './storage/storage.ts';

/** Where the site is: its data folder (media/, and annalist.db unless DATABASE_URL names PostgreSQL). */
export interface SiteLocation {
  dataDir: string;
  databaseUrl: string | undefined;
}

export interface BackupCommand extends SiteLocation {
  /** Default: annalist-backup-<time>.tar.gz in the current folder. */
  out: string | undefined;
  includeAccounts: boolean;
}

export interface RestoreCommand extends SiteLocation {
  file: string | undefined;
  force: boolean;
  /** For the owners' sign-in links printed after a restore without accounts. */
  baseUrl: string;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

/** The version in package.json (beside src/ and dist/ alike). */
function annalistVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

function siteName(site: SiteLocation): string {
  return site.databaseUrl ? `PostgreSQL at ${describeDatabaseUrl(site.databaseUrl)}` : site.dataDir;
}

/** Opens the site's database; the SQLite file read-only (a backup never changes the site, nor migrates it). */
async function openSource(site: SiteLocation): Promise<Storage> {
  if (site.databaseUrl) {
    const { openPostgresStorage } = await import('./storage/postgres/open-postgres.ts');
    return openPostgresStorage(site.databaseUrl, { migrate: false, poolSize: 2 });
  }
  const file = join(site.dataDir, DATABASE_FILE);
  if (!existsSync(file))
    throw new BackupError('BACKUP_FAILED', `${file} does not exist: --data-dir names the data folder of a site`);
  return openSqliteStorage(file, { readonly: true });
}

/** A progress bar on standard output when it is a terminal; nothing otherwise (scripts, cron). */
function progressBar(label: string): { progress: BackupProgress; stop(): void } {
  if (!process.stdout.isTTY) return { progress: {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stdout, format: `${label} [{bar}] {percentage}% {value}/{total}`, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    progress: {
      started(total) {
        bar.start(total, 0);
        started = true;
      },
      advanced(done) {
        bar.update(done);
      },
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function oneLineFailure(err: unknown): number {
  if (err instanceof BackupError || err instanceof StorageOpenError) {
    say(`annalist: ${err.message}`);
    return 1;
  }
  throw err;
}

/**
 * `annalist backup [--out FILE] [--include-accounts]`: one archive of the site in --data-dir (or DATABASE_URL)
 * while it keeps serving. Resolves to the exit code; a failure is one line on stderr and leaves no file.
 */
export async function runBackup(cmd: BackupCommand): Promise<number> {
  const now = new Date();
  const out = resolve(cmd.out ?? `annalist-backup-${stamp(now)}.tar.gz`);
  let source: Storage | undefined;
  const bar = progressBar('backup');
  try {
    source = await openSource(cmd);
    const { manifest, bytes } = await writeBackup({
      source,
      mediaDir: join(cmd.dataDir, 'media'),
      out,
      includeAccounts: cmd.includeAccounts,
      annalistVersion: annalistVersion(),
      now,
      progress: bar.progress,
    });
    bar.stop();
    process.stdout.write(`${summary(manifest)}\nBacked up ${siteName(cmd)} to ${out} (${megabytes(bytes)}).\n`);
    return 0;
  } catch (err) {
    bar.stop();
    return oneLineFailure(err);
  } finally {
    await source?.close();
  }
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function summary(manifest: Manifest): string {
  const tables = manifest.members.filter((m) => m.table);
  const rows = tables.reduce((n, m) => n + (m.rows ?? 0), 0);
  const media = manifest.members.filter((m) => m.name.startsWith('media/')).length;
  const left = Object.keys(manifest.leftOut).join(', ');
  return (
    `${rows} rows in ${tables.length} tables and ${media} media files, schema ${manifest.schemaVersion}` +
    `${manifest.includesAccounts ? ', with passwords and second factors' : ''}. Left out: ${left}.`
  );
}

/** Opens the restore target, migrated to this Annalist's schema; says whether the SQLite file is new. */
async function openTarget(site: SiteLocation): Promise<{ storage: Storage; createdFile?: string }> {
  if (site.databaseUrl) {
    const { openPostgresStorage } = await import('./storage/postgres/open-postgres.ts');
    return { storage: await openPostgresStorage(site.databaseUrl, { poolSize: 2 }) };
  }
  mkdirSync(site.dataDir, { recursive: true });
  const file = join(site.dataDir, DATABASE_FILE);
  const isNew = !existsSync(file);
  return { storage: await openSqliteStorage(file), ...(isNew ? { createdFile: file } : {}) };
}

/**
 * `annalist restore FILE [--force]` into --data-dir (or DATABASE_URL): the archive is checked in full first,
 * the target must be empty (or, with --force, is backed up and then replaced), and the restore is one
 * transaction. Resolves to the exit code.
 */
export async function runRestore(cmd: RestoreCommand): Promise<number> {
  if (!cmd.file) {
    say('annalist: restore needs the backup file: annalist restore FILE --data-dir DIR');
    return 1;
  }
  const file = resolve(cmd.file);
  let target: { storage: Storage; createdFile?: string } | undefined;
  let restored = false;
  const bar = progressBar('restore');
  try {
    const manifest = await verifyBackup(file);
    say(
      `${basename(file)}: every checksum and row count agrees (Annalist ${manifest.annalistVersion}, ${manifest.createdAt}).`,
    );
    target = await openTarget(cmd);
    const mediaDir = join(cmd.dataDir, 'media');
    const state = await siteState(target.storage.db, mediaDir);
    if (!state.empty && !cmd.force)
      throw new BackupError(
        'RESTORE_TARGET_NOT_EMPTY',
        `${siteName(cmd)} already holds a site (${state.posts} posts, ${state.users} users, ${state.mediaFiles} media files); nothing was restored. Add --force to replace it (it is backed up first)`,
      );
    if (!state.empty) {
      const out = join(resolve(cmd.dataDir), `before-restore-${stamp(new Date())}.tar.gz`);
      await writeBackup({
        source: target.storage,
        mediaDir,
        out,
        // Made for undoing this restore on this machine: the accounts as they are.
        includeAccounts: true,
        annalistVersion: annalistVersion(),
      });
      say(`The site that was there is backed up to ${out} (with its accounts).`);
    }
    let started = false;
    const result = await restoreBackup({
      file,
      manifest,
      target: target.storage,
      mediaDir,
      replace: !state.empty,
      progress(done, total) {
        if (!started) bar.progress.started?.(total);
        started = true;
        bar.progress.advanced?.(done);
      },
    });
    bar.stop();
    restored = true;
    const rows = Object.values(result.rows).reduce((n, r) => n + r, 0);
    process.stdout.write(
      `Restored ${basename(file)} into ${siteName(cmd)}: ${rows} rows, ${result.mediaFiles} media files` +
        `${result.migrated ? `, brought up from schema ${manifest.schemaVersion}` : ''}; search index rebuilt.\n`,
    );
    if (!manifest.includesAccounts) await printOwnerLinks(target.storage, cmd.baseUrl);
    return 0;
  } catch (err) {
    bar.stop();
    return oneLineFailure(err);
  } finally {
    await target?.storage.close();
    // A database file this run created for a restore that did not happen is not left behind as an empty site.
    if (!restored && target?.createdFile)
      for (const f of ['', '-wal', '-shm']) rmSync(`${target.createdFile}${f}`, { force: true });
  }
}

/** The backup had no passwords: each owner gets a one-time link to choose one. */
async function printOwnerLinks(storage: Storage, baseUrl: string): Promise<void> {
  const owners = await storage.db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('role', '=', 'owner')
    .where('disabled_at', 'is', null)
    .orderBy('id')
    .execute();
  if (owners.length === 0) return;
  process.stdout.write(
    'The backup has no passwords (made without --include-accounts). One-time links for the owners to choose one:\n',
  );
  for (const owner of owners) {
    const link = await createSignInLink({ db: storage.db, clock: systemClock, baseUrl }, owner.id);
    process.stdout.write(`  ${owner.email}: ${link.url} (until ${link.expiresAt})\n`);
  }
}
