import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { DATABASE_FILE, openSnapshotSource } from './main.ts';
import { createSignInLink } from './modules/accounts/accounts.service.ts';
import { systemClock } from './modules/shared/clock.ts';
import { BackupError, type Manifest } from './storage/backup/backup-format.ts';
import { describePhases, PhaseTimes } from './storage/backup/phase-times.ts';
import { type OpenedBackup, openBackup, verifyBackup } from './storage/backup/read-backup.ts';
import { type RestoreResult, restoreBackup, siteState } from './storage/backup/restore-backup.ts';
import { restoreIntoNewFile } from './storage/backup/restore-new-file.ts';
import { type BackupProgress, writeBackup } from './storage/backup/write-backup.ts';
import { MIGRATION_NAMES } from './storage/migrations/index.ts';
import { describeDatabaseUrl } from './storage/postgres/connection.ts';
import { openSqliteStorage } from './storage/sqlite/open-sqlite.ts';
import { type Storage, StorageOpenError } from './storage/storage.ts';
import { annalistVersion } from './version.ts';

/** Where the site is: its data folder (media/, and annalist.db unless DATABASE_URL names PostgreSQL). */
export interface SiteLocation {
  dataDir: string;
  databaseUrl: string | undefined;
}

export interface BackupCommand extends SiteLocation {
  /** Default: annalist-backup-<time>.tar.gz in the current folder. */
  out: string | undefined;
  includeAccounts: boolean;
  /** LOG_LEVEL=debug: each step's time (each table's too) on stderr as it ends. */
  debug?: boolean;
}

export interface RestoreCommand extends SiteLocation {
  file: string | undefined;
  force: boolean;
  /** For the owners' sign-in links printed after a restore without accounts. */
  baseUrl: string;
  /** LOG_LEVEL=debug: each step's time (each member's too) on stderr as it ends. */
  debug?: boolean;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

function siteName(site: SiteLocation): string {
  return site.databaseUrl ? `PostgreSQL at ${describeDatabaseUrl(site.databaseUrl)}` : site.dataDir;
}

/** Opens the site's database; the SQLite file read-only (a backup never changes the site, nor migrates it). */
async function openSource(site: SiteLocation): Promise<Storage> {
  const file = join(site.dataDir, DATABASE_FILE);
  if (!site.databaseUrl && !existsSync(file))
    throw new BackupError('BACKUP_FAILED', `${file} does not exist: --data-dir names the data folder of a site`);
  return openSnapshotSource(site);
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

/** Each step's time on stderr as it ends, at LOG_LEVEL=debug. */
const stepLog = (command: string, debug: boolean | undefined) =>
  debug ? (step: string, seconds: number) => say(`${command}: ${step} ${seconds.toFixed(1)} s`) : undefined;

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

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
  const began = performance.now();
  const out = resolve(cmd.out ?? `annalist-backup-${stamp(now)}.tar.gz`);
  let source: Storage | undefined;
  const bar = progressBar('backup');
  const timed = stepLog('backup', cmd.debug);
  try {
    source = await openSource(cmd);
    const { manifest, bytes, phases } = await writeBackup({
      source,
      mediaDir: join(cmd.dataDir, 'media'),
      out,
      includeAccounts: cmd.includeAccounts,
      annalistVersion: annalistVersion(),
      now,
      progress: { ...bar.progress, ...(timed ? { timed } : {}) },
    });
    bar.stop();
    process.stdout.write(
      `${summary(manifest)}\nBacked up ${siteName(cmd)} to ${out} (${megabytes(bytes)}) in ${seconds(began)} (${describePhases(phases)}).\n`,
    );
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
  const began = performance.now();
  const file = resolve(cmd.file);
  let target: { storage: Storage; createdFile?: string } | undefined;
  let restored = false;
  const bar = progressBar('restore');
  const phases = new PhaseTimes(stepLog('restore', cmd.debug));
  let started = false;
  const progress = (done: number, total: number) => {
    if (!started) bar.progress.started?.(total);
    started = true;
    bar.progress.advanced?.(done);
  };
  const agreed = (manifest: Manifest) =>
    say(
      `${basename(file)}: every checksum and row count agrees (Annalist ${manifest.annalistVersion}, ${manifest.createdAt}).`,
    );
  try {
    // Format 2: only the manifest is read here; format 1 (manifest last): the whole archive is checked.
    const opened = await phases.time('manifest', () => openBackup(file));
    if (opened.checked) agreed(opened.manifest);
    let result: RestoreResult;
    if (intoNewFile(cmd, opened)) {
      result = await restoreIntoNewSqliteFile(cmd, opened, phases, progress);
      if (!opened.checked) agreed(opened.manifest);
      target = { storage: await openSqliteStorage(join(cmd.dataDir, DATABASE_FILE)) };
    } else {
      if (!opened.checked) {
        await phases.time('verify', () => verifyBackup(file));
        agreed(opened.manifest);
      }
      target = await openTarget(cmd);
      result = await phases.time('load', () => restoreInPlace(cmd, file, opened, target!.storage, progress));
    }
    bar.stop();
    restored = true;
    const rows = Object.values(result.rows).reduce((n, r) => n + r, 0);
    process.stdout.write(
      `Restored ${basename(file)} into ${siteName(cmd)}: ${rows} rows, ${result.mediaFiles} media files` +
        `${result.migrated ? `, brought up from schema ${opened.manifest.schemaVersion}` : ''}; search index rebuilt` +
        ` in ${seconds(began)} (${describePhases(phases.list())}).\n`,
    );
    if (!opened.manifest.includesAccounts) await printOwnerLinks(target.storage, cmd.baseUrl);
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

/**
 * The fast way (restore-new-file.ts): into an SQLite data folder with no database file and no media yet, from
 * a backup of this Annalist's schema. Anything else (PostgreSQL, --force over a site, an empty database file
 * a server may have open, an older backup) is restored in one transaction into the opened target.
 */
function intoNewFile(cmd: RestoreCommand, opened: OpenedBackup): boolean {
  if (cmd.databaseUrl || opened.manifest.schemaVersion !== MIGRATION_NAMES.at(-1)) return false;
  const db = join(cmd.dataDir, DATABASE_FILE);
  if (['', '-wal', '-shm'].some((f) => existsSync(`${db}${f}`))) return false;
  const media = join(cmd.dataDir, 'media');
  return !existsSync(media) || readdirSync(media).length === 0;
}

async function restoreIntoNewSqliteFile(
  cmd: RestoreCommand,
  opened: OpenedBackup,
  phases: PhaseTimes,
  progress: (done: number, total: number) => void,
): Promise<RestoreResult> {
  // A data folder this run makes goes again if the restore fails: a refused archive leaves nothing behind.
  const made = mkdirSync(cmd.dataDir, { recursive: true });
  try {
    return await restoreIntoNewFile({
      file: resolve(cmd.file ?? ''),
      opened,
      target: join(cmd.dataDir, DATABASE_FILE),
      mediaDir: join(cmd.dataDir, 'media'),
      phases,
      progress,
    });
  } catch (err) {
    if (made) rmSync(made, { recursive: true, force: true });
    throw err;
  }
}

/** Into the opened target: refused when it holds a site, unless --force (which backs that site up first). */
async function restoreInPlace(
  cmd: RestoreCommand,
  file: string,
  opened: OpenedBackup,
  storage: Storage,
  progress: (done: number, total: number) => void,
): Promise<RestoreResult> {
  const mediaDir = join(cmd.dataDir, 'media');
  const state = await siteState(storage.db, mediaDir);
  if (!state.empty && !cmd.force)
    throw new BackupError(
      'RESTORE_TARGET_NOT_EMPTY',
      `${siteName(cmd)} already holds a site (${state.posts} posts, ${state.users} users, ${state.mediaFiles} media files); nothing was restored. Add --force to replace it (it is backed up first)`,
    );
  if (!state.empty) {
    const out = join(resolve(cmd.dataDir), `before-restore-${stamp(new Date())}.tar.gz`);
    await writeBackup({
      source: storage,
      mediaDir,
      out,
      // Made for undoing this restore on this machine: the accounts as they are.
      includeAccounts: true,
      annalistVersion: annalistVersion(),
    });
    say(`The site that was there is backed up to ${out} (with its accounts).`);
  }
  return restoreBackup({ file, manifest: opened.manifest, target: storage, mediaDir, replace: !state.empty, progress });
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
