import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdminImportDeps } from './admin-import.deps.ts';
import { type ImportUploadRow, saveProgressRow } from './import-upload.repository.ts';

/**
 * How far a running dry run or import has read, for the page's progress. It goes where another process can read
 * it while the import's transaction is open: the upload's row where writes go on beside that transaction
 * (PostgreSQL), a small file in the data folder where they cannot (SQLite: the import holds the one write lock,
 * and every process serving the file shares that folder).
 */
export interface ImportProgress {
  /** Items read so far (posts and pages, or Disqus comments). */
  items: number;
  /** Bytes of the stored file read so far. */
  bytes: number;
  at: string;
}

const progressFile = (deps: AdminImportDeps, uploadId: number) =>
  join(deps.dataDir, `import-progress-${uploadId}.json`);

export async function saveProgress(deps: AdminImportDeps, uploadId: number, p: ImportProgress): Promise<void> {
  if (deps.capabilities.writers === 'side-by-side') return saveProgressRow(deps.db, uploadId, p);
  const file = progressFile(deps, uploadId);
  const aside = `${file}.${process.pid}.tmp`;
  await writeFile(aside, JSON.stringify(p));
  await rename(aside, file); // a reader sees the old progress or the new, never half of it
}

/** The latest progress of an upload: the row's, or the file's when newer. */
export async function readProgress(deps: AdminImportDeps, row: ImportUploadRow): Promise<ImportProgress | undefined> {
  const fromRow = row.progress_at
    ? { items: Number(row.progress_items), bytes: Number(row.progress_bytes), at: row.progress_at }
    : undefined;
  if (deps.capabilities.writers === 'side-by-side') return fromRow;
  const fromFile = await readFile(progressFile(deps, row.id), 'utf8').then(
    (text) => parseProgress(text),
    () => undefined,
  );
  if (!fromFile) return fromRow;
  return fromRow && fromRow.at > fromFile.at ? fromRow : fromFile;
}

function parseProgress(text: string): ImportProgress | undefined {
  try {
    const p = JSON.parse(text) as Partial<ImportProgress>;
    if (typeof p.items === 'number' && typeof p.bytes === 'number' && typeof p.at === 'string')
      return { items: p.items, bytes: p.bytes, at: p.at };
  } catch {
    // A file that is not ours, or damaged: no progress to show.
  }
  return undefined;
}

export async function clearProgressFile(deps: AdminImportDeps, uploadId: number): Promise<void> {
  if (deps.capabilities.writers === 'one-at-a-time') await rm(progressFile(deps, uploadId), { force: true });
}

/**
 * Counts what a running job has read and saves it every `progressMs` (one save at a time; a save that fails is
 * logged and the next one tries again).
 */
export class ProgressTicker {
  items = 0;
  bytes = 0;
  private readonly timer: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: AdminImportDeps,
    private readonly uploadId: number,
  ) {
    this.timer = setInterval(() => this.save(), deps.progressMs ?? 1000);
    this.timer.unref();
  }

  /** Where the progress stands, as the upload's row keeps it once the job is done. */
  columns(): { progress_items: number; progress_bytes: number; progress_at: string } {
    return { progress_items: this.items, progress_bytes: this.bytes, progress_at: this.deps.clock.now().toISOString() };
  }

  /** Stops saving; resolves once the last save has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.saving;
  }

  private save(): void {
    this.saving = this.saving.then(() =>
      saveProgress(this.deps, this.uploadId, {
        items: this.items,
        bytes: this.bytes,
        at: this.deps.clock.now().toISOString(),
      }).catch((err: unknown) =>
        this.deps.log?.error({ err, uploadId: this.uploadId }, 'import progress could not be saved'),
      ),
    );
  }
}
